#include "client/connection.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/client_interceptor.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace aegis::client {
namespace {

StatusOr<std::string> readFile(const std::filesystem::path &path, std::string_view what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return invalidArgument("cannot read " + std::string(what) + " " + path.string());
    }
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

// Attaches the bearer token to every call made on the channel. An interceptor rather than call
// credentials, because gRPC sends call credentials only over TLS and a local daemon may run
// without it.
class BearerTokenInterceptor final : public grpc::experimental::Interceptor {
public:
    explicit BearerTokenInterceptor(const std::string &header)
        : m_header(header) {}
    void Intercept(grpc::experimental::InterceptorBatchMethods *methods) override {
        if (methods->QueryInterceptionHookPoint(
                grpc::experimental::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
            methods->GetSendInitialMetadata()->emplace("authorization", m_header);
        }
        methods->Proceed();
    }

private:
    const std::string &m_header;
};

class BearerTokenFactory final : public grpc::experimental::ClientInterceptorFactoryInterface {
public:
    explicit BearerTokenFactory(std::string token)
        : m_header("Bearer " + std::move(token)) {}
    grpc::experimental::Interceptor *
    CreateClientInterceptor(grpc::experimental::ClientRpcInfo *) override {
        return new BearerTokenInterceptor(m_header);
    }

private:
    std::string m_header;
};

} // namespace

std::filesystem::path defaultTokenFile() {
    if (const char *dataHome = std::getenv("XDG_DATA_HOME"); dataHome && *dataHome) {
        return std::filesystem::path(dataHome) / "aegis" / "admin.token";
    }
    const char *home = std::getenv("HOME");
    return std::filesystem::path(home ? home : ".") / ".local/share/aegis/admin.token";
}

StatusOr<std::string> readTokenFile(const std::filesystem::path &path) {
    auto content = readFile(path, "token file");
    if (!content) {
        return content.status();
    }
    std::string token = content->substr(0, content->find('\n'));
    const auto first = token.find_first_not_of(" \t\r");
    const auto last = token.find_last_not_of(" \t\r");
    token = first == std::string::npos ? std::string() : token.substr(first, last - first + 1);
    if (token.empty()) {
        return invalidArgument("token file " + path.string() + " is empty");
    }
    return token;
}

StatusOr<std::shared_ptr<grpc::Channel>> makeChannel(const ConnectionOptions &options) {
    std::string token = options.token;
    if (token.empty() && !options.tokenFile.empty()) {
        auto fromFile = readTokenFile(options.tokenFile);
        if (!fromFile) {
            return fromFile.status();
        }
        token = std::move(*fromFile);
    }

    grpc::ChannelArguments arguments;
    arguments.SetMaxReceiveMessageSize(options.maxReceiveMessageBytes);
    arguments.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
    arguments.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
    // The channel retries a lost daemon at least once a second (gRPC's default grows to 120 s):
    // a restarted daemon is reached within about a second of listening again, well inside even
    // short leases. Callers wait for the channel rather than add a backoff of their own.
    arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, kMaxReconnectBackoffMs);
    // A connection attempt that hangs (a daemon restarting behind the address) is given up after
    // 2 s rather than gRPC's default 20 s, which would outlast short leases.
    arguments.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 2000);

    std::shared_ptr<grpc::ChannelCredentials> credentials;
    if (!options.caFile.empty()) {
        grpc::SslCredentialsOptions ssl;
        auto ca = readFile(options.caFile, "CA certificate");
        if (!ca) {
            return ca.status();
        }
        ssl.pem_root_certs = *ca;
        if (!options.certFile.empty() || !options.keyFile.empty()) {
            auto cert = readFile(options.certFile, "client certificate");
            auto key = readFile(options.keyFile, "client key");
            if (!cert || !key) {
                return cert ? key.status() : cert.status();
            }
            ssl.pem_cert_chain = *cert;
            ssl.pem_private_key = *key;
        }
        if (!options.tlsServerName.empty()) {
            arguments.SetSslTargetNameOverride(options.tlsServerName);
        }
        credentials = grpc::SslCredentials(ssl);
    } else {
        credentials = grpc::InsecureChannelCredentials();
    }
    std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
        interceptors;
    if (!token.empty()) {
        interceptors.push_back(std::make_unique<BearerTokenFactory>(std::move(token)));
    }
    return grpc::experimental::CreateCustomChannelWithInterceptors(
        options.address, credentials, arguments, std::move(interceptors));
}

} // namespace aegis::client
