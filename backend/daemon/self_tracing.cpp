#include "daemon/self_tracing.h"

#include "client/connection.h"
#include "client/tracing_setup.h"
#include "common/logging.h"

#ifndef AEGIS_VERSION
#define AEGIS_VERSION "0.0.0"
#endif

namespace aegis::daemon {

std::string loopbackAddress(const std::string &address) {
    const auto colon = address.rfind(':');
    if (colon == std::string::npos) {
        return address;
    }
    const std::string host = address.substr(0, colon);
    if (host == "0.0.0.0" || host.empty()) {
        return "127.0.0.1" + address.substr(colon);
    }
    if (host == "[::]" || host == "::") {
        return "[::1]" + address.substr(colon);
    }
    return address;
}

StatusOr<client::TracerPtr> makeSelfTracer(const tracing::TracingSettings &settings,
                                           const std::string &otlpAddress,
                                           const std::string &instanceId) {
    if (settings.selfSampleRatio <= 0) {
        return client::TracerPtr();
    }
    if (otlpAddress.empty()) {
        log::warn("tracing.self.sample_ratio is set but aegisd has no OTLP/gRPC receiver to send "
                  "its spans to (tracing.enabled false or tracing.otlp_listen \"\"); its RPCs are "
                  "not traced");
        return client::TracerPtr();
    }
    client::TracingSetup setup;
    setup.serviceName = "aegisd";
    setup.serviceVersion = AEGIS_VERSION;
    setup.instanceId = instanceId;
    setup.scopeName = "aegisd";
    setup.scopeVersion = AEGIS_VERSION;
    setup.sampler =
        client::parentBasedSampler(client::traceIdRatioSampler(settings.selfSampleRatio));
    setup.exporter.endpoint = "http://" + loopbackAddress(otlpAddress);
    // A daemon's spans need not wait the SDK's default 5 s.
    setup.exporter.scheduleDelay = std::chrono::seconds(1);
    if (!settings.bearerTokenFile.empty()) {
        auto token = client::readTokenFile(settings.bearerTokenFile);
        if (!token) {
            return invalidArgument("tracing.bearer_token_file: " + token.status().message());
        }
        setup.exporter.headers["authorization"] = "Bearer " + *token;
    }
    return client::makeTracer(setup);
}

} // namespace aegis::daemon
