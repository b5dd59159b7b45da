#pragma once

#include "common/backoff.h"

namespace aegis::client {

// The one backoff type, shared with the daemon (common/backoff.h).
using aegis::BackoffOptions;
using aegis::ExponentialBackoff;

} // namespace aegis::client
