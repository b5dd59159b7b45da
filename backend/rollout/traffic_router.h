#pragma once

#include "common/extension_description.h"
#include "common/status.h"
#include "rollout/color.h"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace aegis::rollout {

// Percent of a service's requests each colour receives; the two add up to 100, or are both 0
// (neither(): a service's first release before its new colour is verified).
struct TrafficSplit {
    int blue = 100;
    int green = 0;

    static TrafficSplit neither() { return {0, 0}; }

    int share(Color color) const { return color == Color::Blue ? blue : green; }
    static TrafficSplit allOn(Color color) {
        return color == Color::Blue ? TrafficSplit{100, 0} : TrafficSplit{0, 100};
    }
    static TrafficSplit withShare(Color color, int percent) {
        return color == Color::Blue ? TrafficSplit{percent, 100 - percent}
                                    : TrafficSplit{100 - percent, percent};
    }
    bool operator==(const TrafficSplit &) const = default;
};

// A registered instance of one colour, for routers that point their own servers at instances.
struct RouteEndpoint {
    std::string instanceId;
    // host:port
    std::string address;
};

struct RouteRequest {
    std::string service;
    // Router-specific parameters ("socket", "backend", ...), validated by the router.
    std::map<std::string, std::string> params;
    TrafficSplit split;
    // The registered, routable instances of each colour at the time of the request.
    std::vector<RouteEndpoint> blue;
    std::vector<RouteEndpoint> green;
};

// Moves a service's traffic between colours. Implementations are registered by name and shared;
// calls are asynchronous and thread-safe, and each `done` is called exactly once, never from inside
// the call itself.
class TrafficRouter {
public:
    virtual ~TrafficRouter() = default;
    // The name the router registers under and the parameters it takes; the same for the router's
    // lifetime. validate() checks the parameters against it first (validateExtensionParameters).
    virtual const ExtensionDescription &describe() const = 0;
    std::string_view name() const { return describe().name; }

    // Checks parameters before a rollout starts: INVALID_ARGUMENT naming the parameter.
    virtual Status validate(const std::map<std::string, std::string> &params) const = 0;

    // Applies `request.split` and verifies that it took effect (reading the router's state back);
    // idempotent. Completes with OK only once the split is in effect.
    virtual void apply(const RouteRequest &request, std::function<void(Status)> done) = 0;

    // Reads the split in effect now (service, params and endpoints of `request` are used).
    virtual void current(const RouteRequest &request,
                         std::function<void(StatusOr<TrafficSplit>)> done) = 0;
};

using TrafficRouterPtr = std::shared_ptr<TrafficRouter>;

} // namespace aegis::rollout
