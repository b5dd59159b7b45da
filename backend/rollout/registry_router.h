#pragma once

#include "registry/registry.h"
#include "rollout/traffic_router.h"

#include <boost/asio/any_io_executor.hpp>

namespace aegis::rollout {

// The embedded router: discovery itself carries the split. It sets the service's traffic policy in
// the registry (one revision re-weights every instance by its "color" label), which
// libaegis-client's Discovery follows with the next watch event. No parameters.
class RegistryRouter final : public TrafficRouter {
public:
    // Completions run on `executor`.
    RegistryRouter(registry::Registry &registry, boost::asio::any_io_executor executor);

    // What describe() returns, also without an instance.
    static const ExtensionDescription &description();
    const ExtensionDescription &describe() const override { return description(); }
    Status validate(const std::map<std::string, std::string> &params) const override;
    void apply(const RouteRequest &request, std::function<void(Status)> done) override;
    void current(const RouteRequest &request,
                 std::function<void(StatusOr<TrafficSplit>)> done) override;

private:
    registry::Registry &m_registry;
    boost::asio::any_io_executor m_executor;
};

} // namespace aegis::rollout
