#include "rollout/registry_router.h"

#include "validation/extension_parameters.h"

#include <boost/asio/post.hpp>

namespace aegis::rollout {

RegistryRouter::RegistryRouter(registry::Registry &registry, boost::asio::any_io_executor executor)
    : m_registry(registry)
    , m_executor(std::move(executor)) {}

const ExtensionDescription &RegistryRouter::description() {
    // Splits follow the "color" label, the one the rollout's gates and checks read too, so there
    // is nothing to configure.
    static const ExtensionDescription description{
        ExtensionKind::TrafficRouter,
        "registry",
        "Discovery",
        "Discovery carries the split as a traffic policy on the colour label; clients follow it.",
        {}};
    return description;
}

Status RegistryRouter::validate(const std::map<std::string, std::string> &params) const {
    return validation::validateExtensionParameters(describe(), params);
}

void RegistryRouter::apply(const RouteRequest &request, std::function<void(Status)> done) {
    registry::TrafficPolicy policy;
    policy.label = std::string(kColorLabel);
    policy.shares = {{std::string(colorName(Color::Blue)), request.split.blue},
                     {std::string(colorName(Color::Green)), request.split.green}};
    m_registry.setTrafficPolicy(
        request.service, policy,
        [this, service = request.service, policy,
         done = std::move(done)](StatusOr<store::Revision> revision) mutable {
            Status status = revision.status();
            // Read back: another writer may have replaced the policy since.
            if (status.isOk() && m_registry.trafficPolicy(service) != policy) {
                status = Status(StatusCode::Aborted,
                                "the traffic policy of '" + service + "' changed concurrently");
            }
            boost::asio::post(m_executor, [done = std::move(done), status] { done(status); });
        });
}

void RegistryRouter::current(const RouteRequest &request,
                             std::function<void(StatusOr<TrafficSplit>)> done) {
    StatusOr<TrafficSplit> result = TrafficSplit{};
    if (const auto policy = m_registry.trafficPolicy(request.service)) {
        const auto share = [&](Color color) {
            const auto it = policy->shares.find(std::string(colorName(color)));
            return it == policy->shares.end() ? 0 : it->second;
        };
        result = TrafficSplit{share(Color::Blue), share(Color::Green)};
    }
    boost::asio::post(m_executor, [done = std::move(done), result] { done(result); });
}

} // namespace aegis::rollout
