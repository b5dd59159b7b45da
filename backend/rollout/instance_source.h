#pragma once

#include "common/status.h"

#include <map>
#include <string>
#include <vector>

namespace aegis::rollout {

// One registered instance of a service, as the rollout controller looks at it.
struct SourceInstance {
    std::string id;
    std::string address;
    // The controller reads kColorLabel and kVersionLabel.
    std::map<std::string, std::string> labels;
    // Discovery hands it to callers (healthy, or its service is in panic).
    bool routable = true;
    // Registered as serving (not draining).
    bool serving = true;
    // Its health check passes; an instance without a check counts as passing.
    bool passing = true;
    bool critical = false;
    // Taken out by its callers' failures (outlier detection).
    bool ejected = false;
    // The last check's output, for the rollout's message when it fails.
    std::string healthOutput;
};

// Where the rollout controller finds a service's instances (the registry in aegisd). The
// controller calls it from its strand on every evaluation, so it must answer from memory without
// blocking on I/O; it must be thread-safe.
class InstanceSource {
public:
    virtual ~InstanceSource() = default;
    // Every instance registered for `service`, routable or not.
    virtual StatusOr<std::vector<SourceInstance>> instances(const std::string &service) const = 0;
};

} // namespace aegis::rollout
