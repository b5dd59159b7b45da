#include "daemon/http_endpoint.h"

#include <boost/asio/ip/address.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <prometheus/text_serializer.h>

#include <atomic>

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
    void read() {
        m_request = {};
        m_stream.expires_after(std::chrono::seconds(30));
        http::async_read(m_stream, m_buffer, m_request,
                         [self = shared_from_this()](beast::error_code error, std::size_t) {
                             if (!error) {
                                 self->respond();
                             }
                         });
    }

    void respond() {
        auto response = std::make_shared<http::response<http::string_body>>();
        response->version(m_request.version());
        response->keep_alive(m_request.keep_alive());
        response->set(http::field::server, "aegisd");
        const auto target = m_request.target();
        const std::string_view path(target.data(), target.find('?') == std::string_view::npos
                                                       ? target.size()
                                                       : target.find('?'));
        if (m_request.method() != http::verb::get && m_request.method() != http::verb::head) {
            response->result(http::status::method_not_allowed);
            response->set(http::field::allow, "GET, HEAD");
            response->body() = "method not allowed\n";
        } else if (path == "/healthz") {
            response->result(http::status::ok);
            response->body() = "ok\n";
        } else if (path == "/readyz") {
            if (m_endpoint.m_ready.load()) {
                response->result(http::status::ok);
                response->body() = "ready\n";
            } else {
                response->result(http::status::service_unavailable);
                auto reason = std::atomic_load(&m_endpoint.m_notReadyReason);
                response->body() = "not ready: " + (reason ? *reason : std::string()) + "\n";
            }
        } else if (path == "/metrics") {
            response->result(http::status::ok);
            response->set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
            std::vector<prometheus::MetricFamily> families;
            for (const auto &collectable : m_endpoint.m_collectables) {
                auto collected = collectable->Collect();
                std::move(collected.begin(), collected.end(), std::back_inserter(families));
            }
            response->body() = prometheus::TextSerializer().Serialize(families);
        } else {
            response->result(http::status::not_found);
            response->body() = "not found; try /healthz, /readyz or /metrics\n";
        }
        if (response->result() != http::status::ok ||
            response->find(http::field::content_type) == response->end()) {
            response->set(http::field::content_type, "text/plain; charset=utf-8");
        }
        response->prepare_payload();
        if (m_request.method() == http::verb::head) {
            response->body().clear();
        }
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
    http::request<http::string_body> m_request;
    HttpEndpoint &m_endpoint;
};

HttpEndpoint::HttpEndpoint(boost::asio::io_context &io,
                           std::vector<std::shared_ptr<prometheus::Collectable>> collectables)
    : m_io(io)
    , m_collectables(std::move(collectables))
    , m_acceptor(io)
    , m_notReadyReason(std::make_shared<std::string>("starting")) {}

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
