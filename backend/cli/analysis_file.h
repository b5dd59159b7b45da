#pragma once

#include "aegis/v1/rollout.pb.h"

#include <string>

namespace aegis::cli {

// Reads `rollout start --analysis FILE`: YAML (or JSON, which YAML reads too) with `checks` and
// `canary_comparison`, as docs/rollouts.md shows. Durations are written as "30s", "5m"; stages
// and metrics by their lower-case names. Throws UsageError naming the file, the line and the
// field for anything it cannot read; the daemon checks the limits and the success conditions.
v1::RolloutAnalysis readAnalysisFile(const std::string &path);

// The same from text (`source` names it in errors).
v1::RolloutAnalysis parseAnalysis(const std::string &text, const std::string &source);

} // namespace aegis::cli
