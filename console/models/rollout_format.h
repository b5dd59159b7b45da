#pragma once

#include "net/api_types.h"

#include <QString>

namespace aegis::console {

// The tone a rollout's state or a deployment colour is shown in. Models say which; views map it
// to the theme's colour (views/rollout_delegate.h), so both themes stay consistent.
enum class RolloutTone { Muted, Progress, Waiting, Success, Warning, Danger, Blue, Green };

// In progress: Progress; waiting on an operator (awaiting approval, paused): Waiting; succeeded:
// Success; rolled back: Warning; aborting or failed: Danger.
RolloutTone rolloutPhaseTone(RolloutPhase phase, bool paused);
// "blue" and "green" in their deployment colours, anything else muted.
RolloutTone deployColourTone(const QString &colour);

// "blue 90 % · green 10 %"; "—" when neither has traffic (nothing released yet).
QString trafficText(const TrafficSplit &split);
// "25 % for 30 s", "50 % until promoted", "100 %".
QString canaryStepText(const CanaryStep &step);
// The phase as a rollout's status reads: "switching (paused)", "rolled back".
QString rolloutStatusText(RolloutPhase phase, bool paused);
// "green (1.5.0)"; just the colour when the version is unknown.
QString colourVersionText(const QString &colour, const QString &version);
// The version a new release of `version` most likely gets: its last number raised, the rest as
// it is ("1.5.0" -> "1.5.1", "v2" -> "v3", "2.4.0-rc1" -> "2.4.0-rc2"); empty when it holds no
// number.
QString nextVersion(const QString &version);

} // namespace aegis::console
