#include "client/connection.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/client_interceptor.h>

#include <algorithm>
#include <arpa/inet.h>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <netdb.h>
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

std::string_view trimmed(std::string_view text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) {
        return {};
    }
    return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

// host and port of an endpoint parseEndpointList() accepted; an IPv6 host without brackets.
std::pair<std::string, std::string> splitEndpoint(const std::string &endpoint) {
    const auto colon = endpoint.rfind(':');
    std::string host = endpoint.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[') {
        host = host.substr(1, host.size() - 2);
    }
    return {host, endpoint.substr(colon + 1)};
}

// One resolved address of an endpoint list, as a gRPC sockaddr target writes it.
struct TargetAddress {
    bool v6 = false;
    std::string host;
    std::string port;
};

// The addresses of `host` in the resolver's order: the literal itself, or what the name
// resolves to now.
std::vector<TargetAddress> resolve(const std::string &host, const std::string &port) {
    in_addr v4{};
    in6_addr v6{};
    if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
        return {{false, host, port}};
    }
    if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
        return {{true, host, port}};
    }
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo *found = nullptr;
    if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0) {
        return {};
    }
    std::vector<TargetAddress> addresses;
    for (const addrinfo *entry = found; entry != nullptr; entry = entry->ai_next) {
        char text[INET6_ADDRSTRLEN] = {};
        const bool isV6 = entry->ai_family == AF_INET6;
        const void *raw =
            isV6 ? static_cast<const void *>(
                       &reinterpret_cast<const sockaddr_in6 *>(entry->ai_addr)->sin6_addr)
                 : static_cast<const void *>(
                       &reinterpret_cast<const sockaddr_in *>(entry->ai_addr)->sin_addr);
        if ((entry->ai_family == AF_INET || isV6) &&
            inet_ntop(entry->ai_family, raw, text, sizeof text) != nullptr) {
            addresses.push_back({isV6, text, port});
        }
    }
    freeaddrinfo(found);
    return addresses;
}

} // namespace

StatusOr<std::vector<std::string>> parseEndpointList(std::string_view list) {
    std::vector<std::string> endpoints;
    std::size_t start = 0;
    for (;;) {
        const auto comma = list.find(',', start);
        const std::string_view entry =
            trimmed(list.substr(start, comma == std::string_view::npos ? comma : comma - start));
        const auto invalid = [&](const std::string &why) {
            return invalidArgument("server address list \"" + std::string(list) + "\": entry \"" +
                                   std::string(entry) + "\" " + why);
        };
        if (entry.empty()) {
            return invalid("is empty; separate host:port entries with single commas");
        }
        const auto colon = entry.rfind(':');
        const bool bracketed = entry.front() == '[';
        if (colon == std::string_view::npos || colon == 0 ||
            (bracketed && (colon < 2 || entry[colon - 1] != ']')) ||
            (!bracketed && entry.substr(0, colon).find(':') != std::string_view::npos)) {
            return invalid("is not host:port (an IPv6 host in brackets: [::1]:7400)");
        }
        const std::string_view port = entry.substr(colon + 1);
        unsigned value = 0;
        const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (port.empty() || error != std::errc() || end != port.data() + port.size() ||
            value == 0 || value > 65535) {
            return invalid("has no port between 1 and 65535");
        }
        endpoints.emplace_back(entry);
        if (comma == std::string_view::npos) {
            return endpoints;
        }
        start = comma + 1;
    }
}

StatusOr<std::string> channelTarget(const std::string &address) {
    if (address.find(',') == std::string::npos) {
        return address;
    }
    auto endpoints = parseEndpointList(address);
    if (!endpoints) {
        return endpoints.status();
    }
    std::vector<TargetAddress> addresses;
    for (const auto &endpoint : *endpoints) {
        const auto [host, port] = splitEndpoint(endpoint);
        for (auto &resolved : resolve(host, port)) {
            const bool seen =
                std::any_of(addresses.begin(), addresses.end(), [&](const TargetAddress &a) {
                    return a.host == resolved.host && a.port == resolved.port;
                });
            if (!seen) {
                addresses.push_back(std::move(resolved));
            }
        }
    }
    if (addresses.empty()) {
        return unavailable("no host of the server address list \"" + address + "\" resolves");
    }
    // One target holds one address family; IPv4 addresses join IPv6 ones as mapped addresses.
    const bool anyV6 = std::any_of(addresses.begin(), addresses.end(),
                                   [](const TargetAddress &a) { return a.v6; });
    std::string target = anyV6 ? "ipv6:" : "ipv4:";
    for (std::size_t i = 0; i < addresses.size(); ++i) {
        const auto &a = addresses[i];
        target += i == 0 ? "" : ",";
        target += anyV6 ? "[" + std::string(a.v6 ? "" : "::ffff:") + a.host + "]:" + a.port
                        : a.host + ":" + a.port;
    }
    return target;
}

std::string peerAddress(std::string_view peer) {
    for (const std::string_view scheme : {"ipv4:", "ipv6:"}) {
        if (peer.starts_with(scheme)) {
            peer.remove_prefix(scheme.size());
            break;
        }
    }
    std::string address;
    for (std::size_t i = 0; i < peer.size(); ++i) {
        if (peer[i] == '%' && i + 2 < peer.size()) {
            unsigned value = 0;
            const auto [end, error] =
                std::from_chars(peer.data() + i + 1, peer.data() + i + 3, value, 16);
            if (error == std::errc() && end == peer.data() + i + 3) {
                address += static_cast<char>(value);
                i += 2;
                continue;
            }
        }
        address += peer[i];
    }
    return address;
}

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

    auto target = channelTarget(options.address);
    if (!target) {
        return target.status();
    }
    std::string firstEndpoint;
    if (*target != options.address) {
        firstEndpoint = parseEndpointList(options.address)->front();
    }

    grpc::ChannelArguments arguments;
    if (!firstEndpoint.empty()) {
        // The calls' authority and the TLS name are those of the first listed replica rather
        // than of the whole target.
        arguments.SetString(GRPC_ARG_DEFAULT_AUTHORITY, firstEndpoint);
    }
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
        } else if (!firstEndpoint.empty()) {
            arguments.SetSslTargetNameOverride(splitEndpoint(firstEndpoint).first);
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
    return grpc::experimental::CreateCustomChannelWithInterceptors(*target, credentials, arguments,
                                                                   std::move(interceptors));
}

} // namespace aegis::client
