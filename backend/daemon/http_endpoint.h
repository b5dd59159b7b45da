#pragma once

#include "common/status.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <prometheus/collectable.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aegis::daemon {

struct HttpRequest {
    // The target without its query string.
    std::string_view path;
    // The Authorization header ("" when absent).
    std::string_view authorization;
    // A POST's Content-Type and Content-Encoding headers ("" when absent) and body.
    std::string_view contentType;
    std::string_view contentEncoding;
    std::string body;
};

struct HttpResponse {
    int status = 200;
    // Default "text/plain; charset=utf-8".
    std::string contentType;
    std::string body;
    // Further headers (WWW-Authenticate, ...).
    std::vector<std::pair<std::string, std::string>> headers;
};

// Answers one GET (or HEAD) of a route. Runs on an io thread: it must be quick and thread-safe.
using HttpHandler = std::function<HttpResponse(const HttpRequest &)>;
// Answers one POST of a route, asynchronously: `respond` exactly once, from any thread. The
// request's string views stay valid until then. Must not block.
using HttpResponder = std::function<void(HttpResponse)>;
using HttpPostHandler = std::function<void(HttpRequest &&request, HttpResponder respond)>;
// Checks a POST's Authorization header ("" when absent) once the headers are read: the refusal to
// answer without reading the body, or nullopt to go on. Runs on an io thread: quick, thread-safe.
using HttpAuthorizer = std::function<std::optional<HttpResponse>(std::string_view authorization)>;

// The daemon's plain-HTTP side: GET /healthz (the process is up), /readyz (it serves the API; 503
// with the reason otherwise), /metrics (Prometheus text format) and the routes added with
// route() and routePost(). Runs on the daemon's io_context.
class HttpEndpoint {
public:
    HttpEndpoint(boost::asio::io_context &io,
                 std::vector<std::shared_ptr<prometheus::Collectable>> collectables);
    ~HttpEndpoint();

    // Serves GET and HEAD of `path` with `handler`. Call before listen().
    void route(std::string path, HttpHandler handler);
    // Serves POST of `path` with `handler`, reading bodies of up to `maxBodyBytes`; a larger one
    // is answered with `tooLarge` (a 413) and the connection closed; so is a request `authorize`
    // refuses, before its body is read. Call before listen().
    void routePost(std::string path, std::size_t maxBodyBytes, HttpPostHandler handler,
                   HttpResponse tooLarge, HttpAuthorizer authorize = {});
    // Binds host:port (port 0 picks one) and starts accepting.
    Status listen(const std::string &hostPort);
    // The bound address, "host:port".
    std::string address() const;
    // Sets what /readyz answers: ready, or not ready with this reason.
    void setReady(bool ready, std::string reason = {});
    void close();

private:
    class Session;
    void accept();
    HttpResponse answer(const HttpRequest &request) const;
    HttpResponse readiness() const;
    HttpResponse metrics() const;

    boost::asio::io_context &m_io;
    const std::vector<std::shared_ptr<prometheus::Collectable>> m_collectables;
    boost::asio::ip::tcp::acceptor m_acceptor;
    std::atomic<bool> m_ready{false};
    std::shared_ptr<std::string> m_notReadyReason;
    struct PostRoute {
        std::size_t maxBodyBytes = 0;
        HttpPostHandler handler;
        HttpResponse tooLarge;
        HttpAuthorizer authorize;
    };
    // Fixed once listen() is called.
    std::map<std::string, HttpHandler, std::less<>> m_routes;
    std::map<std::string, PostRoute, std::less<>> m_postRoutes;
};

} // namespace aegis::daemon
