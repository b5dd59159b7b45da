#include "rollout/external_driver.h"

#include "common/logging.h"
#include "validation/extension_parameters.h"

namespace aegis::rollout {

ExternalDriver::ExternalDriver(boost::asio::any_io_executor executor)
    : m_callbacks(std::move(executor)) {}

ExternalDriver::~ExternalDriver() {
    m_callbacks.flush();
}

const ExtensionDescription &ExternalDriver::description() {
    static const ExtensionDescription description{
        ExtensionKind::DeployDriver,
        "external",
        "Deployed elsewhere",
        "Someone else deploys (a CD pipeline); aegisd waits for the instances to register.",
        {
            {.name = "note",
             .type = ParameterType::String,
             .description = "a remark for the rollout log: who deploys",
             .placeholder = "deployed by the CD pipeline"},
        }};
    return description;
}

Status ExternalDriver::validate(const DeployTarget &target) const {
    if (target.replicas < 1) {
        return invalidArgument("replicas: must be at least 1 (got " +
                               std::to_string(target.replicas) + ")");
    }
    return validation::validateExtensionParameters(describe(), target.params);
}

void ExternalDriver::provision(const DeployTarget &target, const DriverState &, LogSink sink,
                               std::function<void(StatusOr<DriverState>)> done) {
    if (Status status = validate(target); !status.isOk()) {
        m_callbacks.post([done = std::move(done), status] { done(status); });
        return;
    }
    const std::string line = "waiting for " + std::to_string(target.replicas) + " instances of " +
                             target.service + " " + target.version + " on " +
                             std::string(colorName(target.color)) + " to register";
    log::info(line, {{"driver", "external"},
                     {"service", target.service},
                     {"version", target.version},
                     {"color", colorName(target.color)}});
    m_callbacks.post([sink = std::move(sink), done = std::move(done), line] {
        if (sink) {
            sink(line);
        }
        done(DriverState());
    });
}

void ExternalDriver::teardown(const DeployTarget &target, const DriverState &, LogSink sink,
                              std::function<void(Status)> done) {
    const std::string line = "the external deployer must remove " + target.service + " " +
                             target.version + " from " + std::string(colorName(target.color));
    log::info(line, {{"driver", "external"},
                     {"service", target.service},
                     {"version", target.version},
                     {"color", colorName(target.color)}});
    m_callbacks.post([sink = std::move(sink), done = std::move(done), line] {
        if (sink) {
            sink(line);
        }
        done(Status::ok());
    });
}

void ExternalDriver::detach() {
    m_callbacks.flush();
}

} // namespace aegis::rollout
