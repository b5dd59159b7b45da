#pragma once

#include "common/status.h"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/http/verb.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace aegis::metrics {

// Where an HTTP peer of aegisd (Prometheus, Alertmanager) serves, parsed from its base URL.
struct HttpEndpoint {
    bool tls = false;
    std::string host;
    std::string port;
    // The URL's path without a trailing slash ("" or "/prometheus").
    std::string basePath;
    // "host:port" as sent in the Host header.
    std::string hostHeader;
    // The URL without a trailing slash.
    std::string url;
};

// Parses http(s)://HOST[:PORT][/PATH]. INVALID_ARGUMENT starting with "<peer> URL '<url>'" and,
// for a URL with credentials or a query, naming `credentialsOptions` where credentials go.
StatusOr<HttpEndpoint> parseHttpUrl(std::string url, std::string_view peer,
                                    std::string_view credentialsOptions);

std::string percentEncode(std::string_view text);

// At most the first 200 bytes of a body, control characters blanked: for error messages.
std::string shortBody(const std::string &body);

struct HttpAnswer {
    unsigned status = 0;
    std::string reason;
    std::string body;
};

struct HttpClientOptions {
    // Names the peer in every message: "<peer> <url>: cannot connect: ...".
    std::string peer = "HTTP peer";
    // The Authorization header sent with every request, when not empty.
    std::string authorization;
    // A PEM bundle of the CAs trusted for an https URL; the system's trust store when empty.
    std::filesystem::path caFile;
    // The option `caFile` came from, for the message when it cannot be loaded.
    std::string caFileOption = "ca_file";
    // An answer larger than this fails UNAVAILABLE with "the answer is larger than
    // <bodyLimitText>" and `bodyLimitHint`.
    std::uint64_t bodyLimit = std::uint64_t{1} << 30;
    std::string bodyLimitText = "1 GiB";
    std::string bodyLimitHint;
};

// Requests to one HTTP(S) peer over Boost.Beast: each under one deadline, idle connections kept
// for reuse (a kept connection the peer closed meanwhile is retried once on a new one). The
// outcome is the peer's answer whatever its status code; transport failures are UNAVAILABLE
// naming the peer and URL, an exceeded deadline DEADLINE_EXCEEDED.
//
// Thread-safe: every connection, timer and resolver runs on the client's strand. After stop(),
// no connection is kept; requests in flight still complete as long as the executor runs.
class HttpClient : public std::enable_shared_from_this<HttpClient> {
public:
    using Finish = std::function<void(StatusOr<HttpAnswer>)>;

    // INVALID_ARGUMENT naming options.caFileOption when the CA file cannot be loaded.
    static StatusOr<std::shared_ptr<HttpClient>>
    create(boost::asio::any_io_executor executor, HttpEndpoint endpoint, HttpClientOptions options);
    ~HttpClient();
    HttpClient(const HttpClient &) = delete;
    HttpClient &operator=(const HttpClient &) = delete;

    // Sends `verb` to the endpoint's base path + `target` (which carries any query) with `body`
    // of `contentType` (none when empty); `finish` runs once, on the strand, within `deadline`.
    void send(boost::beast::http::verb verb, std::string target, std::string contentType,
              std::string body, std::chrono::milliseconds deadline, Finish finish);
    // Drops the kept connections and keeps no more.
    void stop();

    const HttpEndpoint &endpoint() const;
    const boost::asio::strand<boost::asio::any_io_executor> &strand() const;

    struct State;

private:
    explicit HttpClient(std::unique_ptr<State> state);
    std::unique_ptr<State> m_state;
};

using HttpClientPtr = std::shared_ptr<HttpClient>;

} // namespace aegis::metrics
