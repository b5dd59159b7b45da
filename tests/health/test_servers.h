#pragma once

// Small real servers for the prober tests, each on 127.0.0.1 port 0 and its own io thread.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <future>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace aegis::health::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// Owns an io_context and the thread running it.
class IoThread {
public:
    IoThread()
        : m_work(asio::make_work_guard(m_io))
        , m_thread([this] { m_io.run(); }) {}
    ~IoThread() {
        m_work.reset();
        m_io.stop();
        m_thread.join();
    }
    asio::io_context &io() { return m_io; }

    // Runs `f` on the io thread and waits for it.
    template <typename F>
    void sync(F f) {
        std::promise<void> done;
        asio::post(m_io, [&] {
            f();
            done.set_value();
        });
        done.get_future().wait();
    }

private:
    asio::io_context m_io;
    asio::executor_work_guard<asio::io_context::executor_type> m_work;
    std::thread m_thread;
};

// A keep-alive HTTP/1.1 server answering every request with the configured status and body.
class TestHttpServer {
public:
    TestHttpServer()
        : m_acceptor(m_thread.io(), tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
        accept();
    }
    ~TestHttpServer() {
        m_thread.sync([this] {
            m_acceptor.close();
            dropConnectionsOnThread();
        });
    }

    std::uint16_t port() const { return m_acceptor.local_endpoint().port(); }
    void respondWith(unsigned status, std::string body = "ok") {
        std::lock_guard lock(m_mutex);
        m_status = status;
        m_body = std::move(body);
    }
    int connections() const { return m_connections; }
    int requests() const { return m_requests; }
    std::string lastHeader(const std::string &name) {
        std::lock_guard lock(m_mutex);
        return m_lastHeaders.count(name) ? std::string(m_lastHeaders[name]) : std::string();
    }
    // Closes every open connection, as a server does with idle keep-alive connections.
    void dropConnections() {
        m_thread.sync([this] { dropConnectionsOnThread(); });
    }

private:
    struct Session {
        explicit Session(tcp::socket s)
            : socket(std::move(s)) {}
        tcp::socket socket;
        beast::flat_buffer buffer;
        http::request<http::string_body> request;
        http::response<http::string_body> response;
    };

    void accept() {
        m_acceptor.async_accept([this](boost::system::error_code error, tcp::socket socket) {
            if (error) {
                return;
            }
            ++m_connections;
            auto session = std::make_shared<Session>(std::move(socket));
            m_sessions.push_back(session);
            read(session);
            accept();
        });
    }

    void read(const std::shared_ptr<Session> &session) {
        session->request = {};
        http::async_read(session->socket, session->buffer, session->request,
                         [this, session](boost::system::error_code error, std::size_t) {
                             if (error) {
                                 return;
                             }
                             ++m_requests;
                             respond(session);
                         });
    }

    void respond(const std::shared_ptr<Session> &session) {
        {
            std::lock_guard lock(m_mutex);
            m_lastHeaders = session->request.base();
            session->response = {};
            session->response.result(m_status);
            // These statuses carry no body (Beast refuses to send one).
            const bool bodyless = m_status == 204 || m_status == 304 || m_status < 200;
            session->response.body() = bodyless ? std::string() : m_body;
        }
        session->response.version(11);
        session->response.keep_alive(session->request.keep_alive());
        session->response.prepare_payload();
        http::async_write(session->socket, session->response,
                          [this, session](boost::system::error_code error, std::size_t) {
                              if (!error) {
                                  read(session);
                              }
                          });
    }

    void dropConnectionsOnThread() {
        for (auto &weak : m_sessions) {
            if (auto session = weak.lock()) {
                boost::system::error_code ignored;
                session->socket.close(ignored);
            }
        }
        m_sessions.clear();
    }

    IoThread m_thread;
    tcp::acceptor m_acceptor;
    std::list<std::weak_ptr<Session>> m_sessions; // io thread only
    std::mutex m_mutex;
    unsigned m_status = 200;
    std::string m_body = "ok";
    http::fields m_lastHeaders;
    std::atomic<int> m_connections{0};
    std::atomic<int> m_requests{0};
};

// Accepts connections and never answers or closes them: every request times out.
class BlackHoleServer {
public:
    BlackHoleServer()
        : m_acceptor(m_thread.io(), tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
        accept();
    }
    ~BlackHoleServer() {
        m_thread.sync([this] {
            m_acceptor.close();
            m_sockets.clear();
        });
    }
    std::uint16_t port() const { return m_acceptor.local_endpoint().port(); }

private:
    void accept() {
        m_acceptor.async_accept([this](boost::system::error_code error, tcp::socket socket) {
            if (!error) {
                m_sockets.push_back(std::move(socket));
                accept();
            }
        });
    }

    IoThread m_thread;
    tcp::acceptor m_acceptor;
    std::list<tcp::socket> m_sockets; // io thread only
};

} // namespace aegis::health::testing
