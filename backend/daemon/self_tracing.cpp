#include "daemon/self_tracing.h"

#include "client/connection.h"
#include "client/tracing_setup.h"
#include "common/logging.h"

#include <boost/asio/ip/address.hpp>

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

namespace {

// Whether host:port names a literal loopback address (127.0.0.0/8, [::1]); a name such as
// "localhost" is not, as what it resolves to is not known here.
bool isLiteralLoopback(const std::string &address) {
    std::string host = address.substr(0, address.rfind(':'));
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    boost::system::error_code error;
    const auto ip = boost::asio::ip::make_address(host, error);
    return !error && ip.is_loopback();
}

} // namespace

StatusOr<client::TracerPtr> makeSelfTracer(const tracing::TracingSettings &settings,
                                           const std::string &otlpAddress,
                                           const std::filesystem::path &tlsCertFile,
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
    const bool tls = !tlsCertFile.empty();
    const std::string target = loopbackAddress(otlpAddress);
    setup.exporter.endpoint = (tls ? "https://" : "http://") + target;
    // Over loopback the server is this process; elsewhere its certificate is checked, with
    // aegisd's own certificate as the trusted root.
    setup.exporter.skipServerVerification = tls && isLiteralLoopback(target);
    if (tls && !setup.exporter.skipServerVerification) {
        setup.exporter.certificateFile = tlsCertFile.string();
    }
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
