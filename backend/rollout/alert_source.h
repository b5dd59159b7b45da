#pragma once

#include <string>
#include <utility>
#include <vector>

namespace aegis::rollout {

// An alert that is firing now, as a rollout gate sees it.
struct FiringAlert {
    std::string name; // alertname
    std::vector<std::pair<std::string, std::string>> labels;
};

// Which alerts fire for a service. A firing alert carrying service="<service>" (and, when it
// carries a colour label, the new colour) fails a canary step or the bake and rolls the release
// back, naming the alert. aegisd hands the controller the alert engine seen through this
// interface; tests answer from memory. Thread-safe.
class AlertSource {
public:
    virtual ~AlertSource() = default;
    virtual std::vector<FiringAlert> firing(const std::string &service) const = 0;
};

} // namespace aegis::rollout
