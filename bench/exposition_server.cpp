#include "exposition_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <thread>

namespace aegis::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

struct ExpositionServer::Impl {
    struct Session : std::enable_shared_from_this<Session> {
        Session(asio::ip::tcp::socket socket, const Body &body)
            : stream(std::move(socket))
            , body(body) {}
        void read() {
            request = {};
            http::async_read(stream, buffer, request,
                             [self = shared_from_this()](beast::error_code error, std::size_t) {
                                 if (!error) {
                                     self->respond();
                                 }
                             });
        }
        void respond() {
            response = {};
            response.version(request.version());
            response.keep_alive(request.keep_alive());
            const auto target = request.target();
            std::string page = body(std::string_view(target.data(), target.size()));
            if (page.empty()) {
                response.result(http::status::not_found);
            } else {
                response.result(http::status::ok);
                response.set(http::field::content_type, "text/plain; version=0.0.4");
                response.body() = std::move(page);
            }
            response.prepare_payload();
            http::async_write(stream, response,
                              [self = shared_from_this()](beast::error_code error, std::size_t) {
                                  if (!error && self->response.keep_alive()) {
                                      self->read();
                                  }
                              });
        }
        beast::tcp_stream stream;
        beast::flat_buffer buffer;
        http::request<http::empty_body> request;
        http::response<http::string_body> response;
        const Body &body;
    };

    void accept() {
        acceptor.async_accept([this](beast::error_code error, asio::ip::tcp::socket socket) {
            if (!error) {
                std::make_shared<Session>(std::move(socket), body)->read();
            }
            accept();
        });
    }

    Body body;
    asio::io_context io;
    asio::ip::tcp::acceptor acceptor{io};
    std::thread thread;
};

ExpositionServer::ExpositionServer(Body body)
    : m_impl(std::make_unique<Impl>()) {
    m_impl->body = std::move(body);
    m_impl->acceptor.open(asio::ip::tcp::v4());
    m_impl->acceptor.set_option(asio::socket_base::reuse_address(true));
    m_impl->acceptor.bind({asio::ip::make_address("127.0.0.1"), 0});
    m_impl->acceptor.listen(1024);
    m_impl->accept();
    m_impl->thread = std::thread([impl = m_impl.get()] { impl->io.run(); });
}

ExpositionServer::~ExpositionServer() {
    m_impl->io.stop();
    m_impl->thread.join();
}

std::string ExpositionServer::address() const {
    return "127.0.0.1:" + std::to_string(m_impl->acceptor.local_endpoint().port());
}

} // namespace aegis::bench
