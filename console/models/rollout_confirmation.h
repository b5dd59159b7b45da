#pragma once

#include "models/action_confirmation.h"
#include "net/api_types.h"

namespace aegis::console {

// What `action` will do to `rollout` as the console last saw it: where traffic goes, computed
// from the rollout's phase, steps and split. The Releases page asks with it (and takes an
// optional reason, which the daemon records in the rollout's log and the audit log) before it
// sends the action; Pause asks nothing.
ActionConfirmation rolloutConfirmation(RolloutAction action, const Rollout &rollout);

} // namespace aegis::console
