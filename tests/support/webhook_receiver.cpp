#include "webhook_receiver.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <mutex>
#include <thread>

namespace aegis::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct WebhookReceiver::Impl {
    asio::io_context io;
    tcp::acceptor acceptor{io};
    std::thread thread;

    mutable std::mutex mutex;
    std::vector<Delivery> deliveries;

    void accept() {
        acceptor.async_accept([this](beast::error_code error, tcp::socket socket) {
            if (error) {
                return;
            }
            serve(std::make_shared<Session>(std::move(socket)));
            accept();
        });
    }

    struct Session {
        explicit Session(tcp::socket socket)
            : stream(std::move(socket)) {}
        beast::tcp_stream stream;
        beast::flat_buffer buffer;
        http::request<http::string_body> request;
        http::response<http::string_body> response;
    };

    // Reads requests on one connection until the peer closes it.
    void serve(const std::shared_ptr<Session> &session) {
        session->request = {};
        http::async_read(
            session->stream, session->buffer, session->request,
            [this, session](beast::error_code error, std::size_t) {
                if (error) {
                    beast::error_code ignored;
                    session->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
                    return;
                }
                if (session->request.method() == http::verb::post) {
                    Delivery delivery;
                    delivery.path = std::string(session->request.target());
                    delivery.body = session->request.body();
                    delivery.authorization =
                        std::string(session->request[http::field::authorization]);
                    delivery.payload = nlohmann::json::parse(delivery.body, nullptr, false);
                    std::lock_guard lock(mutex);
                    deliveries.push_back(std::move(delivery));
                }
                session->response = {http::status::ok, session->request.version()};
                session->response.keep_alive(session->request.keep_alive());
                session->response.prepare_payload();
                http::async_write(session->stream, session->response,
                                  [this, session](beast::error_code error, std::size_t) {
                                      if (!error && session->response.keep_alive()) {
                                          serve(session);
                                      }
                                  });
            });
    }
};

StatusOr<std::unique_ptr<WebhookReceiver>> WebhookReceiver::start() {
    auto impl = std::make_unique<Impl>();
    beast::error_code error;
    impl->acceptor.open(tcp::v4(), error);
    if (!error) {
        impl->acceptor.bind({asio::ip::make_address("127.0.0.1"), 0}, error);
    }
    if (!error) {
        impl->acceptor.listen(asio::socket_base::max_listen_connections, error);
    }
    if (error) {
        return unavailable("webhook receiver: cannot listen on 127.0.0.1: " + error.message());
    }
    impl->accept();
    Impl *raw = impl.get();
    impl->thread = std::thread([raw] { raw->io.run(); });
    return std::unique_ptr<WebhookReceiver>(new WebhookReceiver(std::move(impl)));
}

WebhookReceiver::WebhookReceiver(std::unique_ptr<Impl> impl)
    : m_impl(std::move(impl)) {}

WebhookReceiver::~WebhookReceiver() {
    m_impl->io.stop();
    m_impl->thread.join();
}

std::uint16_t WebhookReceiver::port() const {
    return m_impl->acceptor.local_endpoint().port();
}

std::string WebhookReceiver::url(const std::string &path) const {
    return "http://127.0.0.1:" + std::to_string(port()) + path;
}

std::vector<WebhookReceiver::Delivery> WebhookReceiver::deliveries() const {
    std::lock_guard lock(m_impl->mutex);
    return m_impl->deliveries;
}

std::vector<nlohmann::json> WebhookReceiver::alerts() const {
    std::vector<nlohmann::json> alerts;
    for (const Delivery &delivery : deliveries()) {
        if (!delivery.payload.is_object()) {
            continue;
        }
        const std::string receiver = delivery.payload.value("receiver", "");
        for (nlohmann::json alert : delivery.payload.value("alerts", nlohmann::json::array())) {
            alert["receiver"] = receiver;
            alerts.push_back(std::move(alert));
        }
    }
    return alerts;
}

void WebhookReceiver::clear() {
    std::lock_guard lock(m_impl->mutex);
    m_impl->deliveries.clear();
}

} // namespace aegis::testing
