#include "sample/keep_alive_http_client.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http.hpp>

namespace aegis::sample {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

KeepAliveHttpClient::KeepAliveHttpClient(std::chrono::milliseconds timeout,
                                         std::chrono::milliseconds idleLimit, std::string userAgent)
    : m_timeout(timeout)
    , m_idleLimit(idleLimit)
    , m_userAgent(std::move(userAgent)) {}

KeepAliveHttpClient::~KeepAliveHttpClient() = default;

void KeepAliveHttpClient::run() {
    m_io.restart();
    m_io.run();
}

KeepAliveHttpClient::Result KeepAliveHttpClient::get(const std::string &address,
                                                     const std::string &target,
                                                     const Headers &headers) {
    bool reused = false;
    Result result = exchange(address, target, headers, reused);
    if (result.connectionFailed && reused) {
        result = exchange(address, target, headers, reused);
    }
    return result;
}

KeepAliveHttpClient::Result KeepAliveHttpClient::exchange(const std::string &address,
                                                          const std::string &target,
                                                          const Headers &headers, bool &reused) {
    Result result;
    beast::error_code error;
    const auto fail = [&](bool connectionFailed) {
        result.timedOut = error == beast::error::timeout;
        result.connectionFailed = connectionFailed && !result.timedOut;
        result.error = error.message();
        m_connections.erase(address);
        return result;
    };

    auto &connection = m_connections[address];
    if (connection && std::chrono::steady_clock::now() - connection->lastUsed > m_idleLimit) {
        connection.reset();
    }
    reused = connection != nullptr;
    if (!connection) {
        const auto colon = address.rfind(':');
        tcp::resolver resolver(m_io);
        const auto endpoints =
            colon == std::string::npos
                ? tcp::resolver::results_type()
                : resolver.resolve(address.substr(0, colon), address.substr(colon + 1), error);
        if (error || endpoints.empty()) {
            if (!error) {
                error = net::error::host_not_found;
            }
            return fail(true);
        }
        connection = std::make_unique<Connection>(m_io);
        connection->stream.expires_after(m_timeout);
        connection->stream.async_connect(
            endpoints, [&](beast::error_code e, const tcp::endpoint &) { error = e; });
        run();
        if (error) {
            return fail(true);
        }
    }

    http::request<http::empty_body> request{http::verb::get, target, 11};
    request.set(http::field::host, address);
    request.set(http::field::user_agent, m_userAgent);
    for (const auto &[name, value] : headers) {
        request.set(name, value);
    }
    request.keep_alive(true);
    connection->stream.expires_after(m_timeout);
    http::async_write(connection->stream, request,
                      [&](beast::error_code e, std::size_t) { error = e; });
    run();
    if (error) {
        return fail(true);
    }

    http::response<http::string_body> response;
    http::async_read(connection->stream, connection->buffer, response,
                     [&](beast::error_code e, std::size_t) { error = e; });
    run();
    if (error) {
        return fail(true);
    }
    connection->lastUsed = std::chrono::steady_clock::now();
    result.status = static_cast<int>(response.result_int());
    result.body = std::move(response.body());
    if (!response.keep_alive()) {
        m_connections.erase(address);
    }
    return result;
}

} // namespace aegis::sample
