#include "daemon/http_endpoint.h"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <prometheus/text_serializer.h>

#include <atomic>
#include <limits>
#include <optional>

namespace aegis::daemon {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

// One keep-alive HTTP/1.1 connection.
class HttpEndpoint::Session : public std::enable_shared_from_this<Session> {
public:
    Session(tcp::socket socket, HttpEndpoint &endpoint)
        : m_stream(std::move(socket))
        , m_endpoint(endpoint) {}

    void start() { read(); }

private:
    using Response = http::response<http::string_body>;
    // What a request to any other route may carry.
    static constexpr std::uint64_t kDefaultBodyLimit = 1024 * 1024;

    void read() {
        m_parser.emplace();
        // Checked against the route's limit once the header says which route it is.
        m_parser->body_limit(std::numeric_limits<std::uint64_t>::max());
        m_stream.expires_after(std::chrono::seconds(30));
        http::async_read_header(m_stream, m_buffer, *m_parser,
                                [self = shared_from_this()](beast::error_code error, std::size_t) {
                                    if (!error) {
                                        self->readBody();
                                    }
                                });
    }

    // A POST route's body may be as large as the route allows; any other request's stays under
    // Beast's default limit.
    void readBody() {
        const auto &header = m_parser->get();
        const PostRoute *route = nullptr;
        if (header.method() == http::verb::post) {
            if (const auto it = m_endpoint.m_postRoutes.find(pathOf(header.target()));
                it != m_endpoint.m_postRoutes.end()) {
                route = &it->second;
            }
        }
        if (route != nullptr && route->authorize) {
            if (auto refusal = route->authorize(headerOf(header, http::field::authorization))) {
                return refuse(std::move(*refusal));
            }
        }
        const std::uint64_t limit = route != nullptr ? route->maxBodyBytes : kDefaultBodyLimit;
        if (const auto length = m_parser->content_length(); length && *length > limit) {
            return refuseBody(route);
        }
        m_parser->body_limit(limit);
        http::async_read(m_stream, m_buffer, *m_parser,
                         [self = shared_from_this(), route](beast::error_code error, std::size_t) {
                             if (error == http::error::body_limit) {
                                 self->refuseBody(route);
                             } else if (!error) {
                                 self->m_request = self->m_parser->release();
                                 self->respond();
                             }
                         });
    }

    // A body over the limit is not read: the answer says so and the connection closes.
    void refuseBody(const PostRoute *route) {
        refuse(route != nullptr ? route->tooLarge
                                : HttpResponse{413, {}, "request body too large\n", {}});
    }

    // Answers without reading the body, and closes the connection.
    void refuse(HttpResponse answer) {
        m_request = {};
        m_request.version(m_parser->get().version());
        m_request.keep_alive(false);
        write(responseFrom(std::move(answer)));
    }

    static std::string_view pathOf(beast::string_view target) {
        const std::string_view view(target.data(), target.size());
        return view.substr(0, view.find('?'));
    }

    static std::string_view headerOf(const http::request<http::string_body> &request,
                                     http::field field) {
        const auto value = request[field];
        return {value.data(), value.size()};
    }

    std::shared_ptr<Response> responseFrom(HttpResponse answer) const {
        auto response = std::make_shared<Response>();
        response->version(m_request.version());
        response->keep_alive(m_request.keep_alive());
        response->set(http::field::server, "aegisd");
        response->result(static_cast<http::status>(answer.status));
        response->set(http::field::content_type, answer.contentType.empty()
                                                     ? "text/plain; charset=utf-8"
                                                     : answer.contentType);
        for (const auto &[name, value] : answer.headers) {
            response->set(name, value);
        }
        response->body() = std::move(answer.body);
        response->prepare_payload();
        return response;
    }

    static HttpResponse methodNotAllowed(std::string allow) {
        return {405, {}, "method not allowed\n", {{"Allow", std::move(allow)}}};
    }

    void respond() {
        const std::string_view path = pathOf(m_request.target());
        const auto method = m_request.method();
        const auto post = m_endpoint.m_postRoutes.find(path);
        if (post != m_endpoint.m_postRoutes.end()) {
            if (method != http::verb::post) {
                return write(responseFrom(methodNotAllowed("POST")));
            }
            HttpRequest request{path, headerOf(m_request, http::field::authorization),
                                headerOf(m_request, http::field::content_type),
                                headerOf(m_request, http::field::content_encoding),
                                std::move(m_request.body())};
            // Answered from any thread: the write goes back to the connection's executor.
            post->second.handler(std::move(request),
                                 [self = shared_from_this()](HttpResponse answer) {
                                     auto response = self->responseFrom(std::move(answer));
                                     boost::asio::post(self->m_stream.get_executor(),
                                                       [self, response] { self->write(response); });
                                 });
            return;
        }
        if (method != http::verb::get && method != http::verb::head &&
            m_endpoint.m_routes.count(path) > 0) {
            return write(responseFrom(methodNotAllowed("GET, HEAD")));
        }
        auto response = responseFrom(
            m_endpoint.answer({path, headerOf(m_request, http::field::authorization), {}, {}, {}}));
        if (method == http::verb::head) {
            response->body().clear();
        }
        write(response);
    }

    void write(const std::shared_ptr<Response> &response) {
        http::async_write(
            m_stream, *response,
            [self = shared_from_this(), response](beast::error_code error, std::size_t) {
                if (!error && response->keep_alive()) {
                    self->read();
                } else {
                    beast::error_code ignored;
                    self->m_stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
                }
            });
    }

    beast::tcp_stream m_stream;
    beast::flat_buffer m_buffer;
    std::optional<http::request_parser<http::string_body>> m_parser;
    http::request<http::string_body> m_request;
    HttpEndpoint &m_endpoint;
};

HttpEndpoint::HttpEndpoint(boost::asio::io_context &io,
                           std::vector<std::shared_ptr<prometheus::Collectable>> collectables)
    : m_io(io)
    , m_collectables(std::move(collectables))
    , m_acceptor(io)
    , m_notReadyReason(std::make_shared<std::string>("starting")) {
    route("/healthz", [](const HttpRequest &) { return HttpResponse{200, {}, "ok\n", {}}; });
    route("/readyz", [this](const HttpRequest &) { return readiness(); });
    route("/metrics", [this](const HttpRequest &) { return metrics(); });
}

void HttpEndpoint::route(std::string path, HttpHandler handler) {
    m_routes.insert_or_assign(std::move(path), std::move(handler));
}

void HttpEndpoint::routePost(std::string path, std::size_t maxBodyBytes, HttpPostHandler handler,
                             HttpResponse tooLarge, HttpAuthorizer authorize) {
    m_postRoutes.insert_or_assign(
        std::move(path),
        PostRoute{maxBodyBytes, std::move(handler), std::move(tooLarge), std::move(authorize)});
}

HttpResponse HttpEndpoint::answer(const HttpRequest &request) const {
    if (const auto it = m_routes.find(request.path); it != m_routes.end()) {
        return it->second(request);
    }
    std::string paths;
    for (const auto &[path, handler] : m_routes) {
        paths += (paths.empty() ? "" : ", ") + path;
    }
    return {404, {}, "not found; try " + paths + "\n", {}};
}

HttpResponse HttpEndpoint::readiness() const {
    if (m_ready.load()) {
        return {200, {}, "ready\n", {}};
    }
    auto reason = std::atomic_load(&m_notReadyReason);
    return {503, {}, "not ready: " + (reason ? *reason : std::string()) + "\n", {}};
}

HttpResponse HttpEndpoint::metrics() const {
    std::vector<prometheus::MetricFamily> families;
    for (const auto &collectable : m_collectables) {
        auto collected = collectable->Collect();
        std::move(collected.begin(), collected.end(), std::back_inserter(families));
    }
    return {200,
            "text/plain; version=0.0.4; charset=utf-8",
            prometheus::TextSerializer().Serialize(families),
            {}};
}

HttpEndpoint::~HttpEndpoint() {
    close();
}

Status HttpEndpoint::listen(const std::string &hostPort) {
    const auto colon = hostPort.rfind(':');
    std::string host = hostPort.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    const auto port = static_cast<unsigned short>(std::stoi(hostPort.substr(colon + 1)));
    beast::error_code error;
    tcp::resolver resolver(m_io);
    const auto results = resolver.resolve(host, std::to_string(port), error);
    if (error || results.empty()) {
        return invalidArgument("http_listen: cannot resolve '" + host + "': " + error.message());
    }
    const tcp::endpoint endpoint = *results.begin();
    m_acceptor.open(endpoint.protocol(), error);
    if (!error) {
        m_acceptor.set_option(boost::asio::socket_base::reuse_address(true), error);
        m_acceptor.bind(endpoint, error);
    }
    if (!error) {
        m_acceptor.listen(boost::asio::socket_base::max_listen_connections, error);
    }
    if (error) {
        return unavailable("http_listen: cannot listen on " + hostPort + ": " + error.message());
    }
    accept();
    return Status::ok();
}

std::string HttpEndpoint::address() const {
    beast::error_code error;
    const auto endpoint = m_acceptor.local_endpoint(error);
    if (error) {
        return {};
    }
    const auto address = endpoint.address();
    return (address.is_v6() ? "[" + address.to_string() + "]" : address.to_string()) + ":" +
           std::to_string(endpoint.port());
}

void HttpEndpoint::setReady(bool ready, std::string reason) {
    std::atomic_store(&m_notReadyReason, std::make_shared<std::string>(std::move(reason)));
    m_ready = ready;
}

void HttpEndpoint::close() {
    beast::error_code ignored;
    m_acceptor.close(ignored);
}

void HttpEndpoint::accept() {
    m_acceptor.async_accept([this](beast::error_code error, tcp::socket socket) {
        if (error) {
            return; // closed
        }
        std::make_shared<Session>(std::move(socket), *this)->start();
        accept();
    });
}

} // namespace aegis::daemon
