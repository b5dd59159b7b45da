#include "client/xds_channel.h"

#include "client/connection.h"

#include <grpcpp/create_channel.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cstdlib>
#include <mutex>

namespace aegis::client {

namespace {

constexpr const char *kBootstrapConfigVariable = "GRPC_XDS_BOOTSTRAP_CONFIG";
constexpr const char *kBootstrapFileVariable = "GRPC_XDS_BOOTSTRAP";

std::string defaultNodeId() {
    char host[256] = {};
    if (::gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') {
        return "aegis-client-" + std::to_string(::getpid());
    }
    return std::string(host) + "-" + std::to_string(::getpid());
}

} // namespace

StatusOr<std::string> xdsBootstrap(const XdsOptions &options) {
    if (options.server.empty()) {
        return invalidArgument("xds server: the host:port of aegisd's xds.listen is required");
    }
    std::string token = options.token;
    if (token.empty()) {
        if (options.tokenFile.empty()) {
            return invalidArgument("xds token: a token or a token file is required");
        }
        auto read = readTokenFile(options.tokenFile);
        if (!read) {
            return read.status();
        }
        token = std::move(*read);
    }
    // The keys of gRPC's bootstrap format (gRFC A27); "xds_v3" and an empty locality for the
    // clients that still require them (@grpc/grpc-js-xds refuses a node without a locality).
    const nlohmann::json bootstrap{
        {"xds_servers",
         nlohmann::json::array({{{"server_uri", options.server},
                                 {"channel_creds", nlohmann::json::array({{{"type", "insecure"}}})},
                                 {"server_features", nlohmann::json::array({"xds_v3"})}}})},
        {"node",
         {{"id", options.nodeId.empty() ? defaultNodeId() : options.nodeId},
          {"locality", nlohmann::json::object()},
          {"metadata", {{std::string(kXdsTokenMetadataKey), token}}}}}};
    return bootstrap.dump();
}

Status useAegisForXds(const XdsOptions &options) {
    auto bootstrap = xdsBootstrap(options);
    if (!bootstrap) {
        return bootstrap.status();
    }
    static std::mutex mutex;
    std::lock_guard lock(mutex);
    if (const char *file = std::getenv(kBootstrapFileVariable); file != nullptr && *file != '\0') {
        return failedPrecondition(
            std::string(kBootstrapFileVariable) + " is set (" + file +
            "): gRPC would read that bootstrap instead of aegisd's; unset it");
    }
    if (const char *current = std::getenv(kBootstrapConfigVariable); current != nullptr) {
        if (*bootstrap == current) {
            return Status::ok();
        }
        return failedPrecondition(
            std::string(kBootstrapConfigVariable) +
            " already holds another bootstrap: gRPC's xDS client is one per process, configured "
            "once, before the first xds:/// channel");
    }
    if (::setenv(kBootstrapConfigVariable, bootstrap->c_str(), 1) != 0) {
        return internalError("cannot set " + std::string(kBootstrapConfigVariable));
    }
    return Status::ok();
}

StatusOr<std::string> xdsTarget(std::string_view target) {
    std::string_view name = target;
    for (std::string_view scheme : {"aegis:", "xds:"}) {
        if (target.substr(0, scheme.size()) == scheme) {
            name = target.substr(scheme.size());
            if (name.substr(0, 3) != "///") {
                return invalidArgument("target: '" + std::string(target) + "' must be " +
                                       std::string(scheme) + "///SERVICE (no authority)");
            }
            name.remove_prefix(3);
            break;
        }
    }
    if (name.empty() || name.find('/') != std::string_view::npos ||
        name.find(':') != std::string_view::npos) {
        return invalidArgument("target: '" + std::string(target) +
                               "' must be aegis:///SERVICE, xds:///SERVICE or a service name");
    }
    return "xds:///" + std::string(name);
}

StatusOr<std::shared_ptr<grpc::Channel>>
makeServiceChannel(std::string_view target, const XdsOptions &options,
                   std::shared_ptr<grpc::ChannelCredentials> credentials,
                   const grpc::ChannelArguments &arguments) {
    auto xds = xdsTarget(target);
    if (!xds) {
        return xds.status();
    }
    if (Status status = useAegisForXds(options); !status.isOk()) {
        return status;
    }
    if (!credentials) {
        credentials = grpc::InsecureChannelCredentials();
    }
    return grpc::CreateCustomChannel(*xds, credentials, arguments);
}

} // namespace aegis::client
