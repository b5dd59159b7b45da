#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace aegis::sample {

// A blocking HTTP/1.1 client that keeps one keep-alive connection per host:port and reuses it.
// Each call has a deadline. A connection idle for longer than `idleLimit` is not reused (servers
// close idle ones: aegis-sample after 60 s), and a request that fails on a reused connection before
// any response is sent once more on a fresh one, as the server may have closed it meanwhile: only
// then is it a connection failure. Meant for idempotent requests (GET).
// Not thread-safe: one per worker thread (it owns its io_context).
class KeepAliveHttpClient {
public:
    struct Result {
        // The connection could not be made, or broke before a response arrived (refused, reset,
        // closed by the peer): the request did not complete, so another instance may take it.
        bool connectionFailed = false;
        // The deadline passed first (the connection is dropped).
        bool timedOut = false;
        // HTTP status; 0 when there is no response.
        int status = 0;
        std::string body;
        std::string error;
    };

    // Extra request headers, e.g. traceparent.
    using Headers = std::vector<std::pair<std::string, std::string>>;

    explicit KeepAliveHttpClient(std::chrono::milliseconds timeout,
                                 std::chrono::milliseconds idleLimit = std::chrono::seconds(30),
                                 std::string userAgent = "aegis-loadgen");
    ~KeepAliveHttpClient();
    KeepAliveHttpClient(const KeepAliveHttpClient &) = delete;
    KeepAliveHttpClient &operator=(const KeepAliveHttpClient &) = delete;

    Result get(const std::string &address, const std::string &target, const Headers &headers = {});
    // Open connections, one per address.
    std::size_t connections() const { return m_connections.size(); }

private:
    struct Connection {
        explicit Connection(boost::asio::io_context &io)
            : stream(io) {}
        boost::beast::tcp_stream stream;
        boost::beast::flat_buffer buffer;
        std::chrono::steady_clock::time_point lastUsed;
    };
    // One attempt; `reused` says whether it went over a connection used before.
    Result exchange(const std::string &address, const std::string &target, const Headers &headers,
                    bool &reused);
    // Runs the queued operation to completion.
    void run();

    const std::chrono::milliseconds m_timeout;
    const std::chrono::milliseconds m_idleLimit;
    const std::string m_userAgent;
    boost::asio::io_context m_io;
    std::map<std::string, std::unique_ptr<Connection>> m_connections;
};

} // namespace aegis::sample
