#pragma once

#include "rollout/callback_queue.h"
#include "rollout/deploy_driver.h"

#include <boost/asio/any_io_executor.hpp>

#include <string_view>

namespace aegis::rollout {

// "external": someone else deploys (a CD pipeline, an orchestrator). provision() completes at once;
// the rollout's verification then waits for `replicas` instances of the version to register on the
// colour. teardown() only notes that the external deployer must remove them. The one parameter,
// `note` (optional), is free text for people reading the rollout spec.
class ExternalDriver final : public DeployDriver {
public:
    explicit ExternalDriver(boost::asio::any_io_executor executor);
    // Detaches.
    ~ExternalDriver() override;

    // What describe() returns, also without an instance.
    static const ExtensionDescription &description();
    const ExtensionDescription &describe() const override { return description(); }
    Status validate(const DeployTarget &target) const override;
    void provision(const DeployTarget &target, const DriverState &previous, LogSink log,
                   std::function<void(StatusOr<DriverState>)> done) override;
    void teardown(const DeployTarget &target, const DriverState &state, LogSink log,
                  std::function<void(Status)> done) override;
    void detach() override;

private:
    CallbackQueue m_callbacks;
};

} // namespace aegis::rollout
