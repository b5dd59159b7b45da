#include "metrics/http_client.h"

#include "common/duration.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <cctype>
#include <deque>
#include <optional>

namespace aegis::metrics {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using namespace std::chrono;

constexpr std::size_t kMaxIdleConnections = 8;
// Well below the idle timeouts of Prometheus and common proxies, so a kept connection is rarely
// found closed.
constexpr auto kIdleLifetime = seconds(30);

using Request = http::request<http::string_body>;

// One connection to the peer, kept between requests when the peer allows it.
class Connection {
public:
    Connection(const asio::any_io_executor &executor, ssl::context *tls) {
        if (tls != nullptr) {
            m_tls.emplace(executor, *tls);
        } else {
            m_plain.emplace(executor);
        }
    }
    beast::tcp_stream &tcp() { return m_tls ? beast::get_lowest_layer(*m_tls) : *m_plain; }
    beast::ssl_stream<beast::tcp_stream> *tls() { return m_tls ? &*m_tls : nullptr; }
    template <typename Visit>
    void visit(Visit &&visit) {
        if (m_tls) {
            visit(*m_tls);
        } else {
            visit(*m_plain);
        }
    }

    beast::flat_buffer buffer;
    steady_clock::time_point idleSince;

private:
    std::optional<beast::tcp_stream> m_plain;
    std::optional<beast::ssl_stream<beast::tcp_stream>> m_tls;
};

using ConnectionPtr = std::unique_ptr<Connection>;

} // namespace

StatusOr<HttpEndpoint> parseHttpUrl(std::string url, std::string_view peer,
                                    std::string_view credentialsOptions) {
    while (!url.empty() && url.back() == '/') {
        url.pop_back();
    }
    const std::string named = std::string(peer) + " URL '" + url + "'";
    HttpEndpoint endpoint;
    std::string_view rest = url;
    if (rest.starts_with("http://")) {
        rest.remove_prefix(7);
    } else if (rest.starts_with("https://")) {
        rest.remove_prefix(8);
        endpoint.tls = true;
    } else {
        return invalidArgument(named + " must start with http:// or https://");
    }
    const auto slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    endpoint.basePath = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
    if (authority.find('@') != std::string_view::npos ||
        authority.find('?') != std::string_view::npos ||
        endpoint.basePath.find_first_of("?#") != std::string::npos) {
        return invalidArgument(named + " must be http(s)://HOST[:PORT][/PATH] (credentials go in " +
                               std::string(credentialsOptions) + ")");
    }
    endpoint.hostHeader = std::string(authority);
    std::string_view port;
    if (authority.starts_with("[")) {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) {
            return invalidArgument(named + " has an unclosed '['");
        }
        endpoint.host = std::string(authority.substr(1, close - 1));
        if (close + 1 < authority.size() && authority[close + 1] == ':') {
            port = authority.substr(close + 2);
        }
    } else {
        const auto colon = authority.rfind(':');
        endpoint.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) {
            port = authority.substr(colon + 1);
        }
    }
    if (endpoint.host.empty()) {
        return invalidArgument(named + " names no host");
    }
    if (!port.empty() && port.find_first_not_of("0123456789") != std::string_view::npos) {
        return invalidArgument(named + " has a port that is not a number");
    }
    endpoint.port = port.empty() ? (endpoint.tls ? "443" : "80") : std::string(port);
    endpoint.url = url;
    return endpoint;
}

std::string percentEncode(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
            out += c;
        } else {
            out += '%';
            out += kHex[u >> 4];
            out += kHex[u & 0xF];
        }
    }
    return out;
}

std::string shortBody(const std::string &body) {
    std::string text = body.substr(0, 200);
    for (char &c : text) {
        if (static_cast<unsigned char>(c) < 0x20) {
            c = ' ';
        }
    }
    while (!text.empty() && text.back() == ' ') {
        text.pop_back();
    }
    return text;
}

struct HttpClient::State {
    State(asio::any_io_executor executor, HttpEndpoint endpoint_, HttpClientOptions options_)
        : strand(asio::make_strand(executor))
        , endpoint(std::move(endpoint_))
        , options(std::move(options_)) {}

    Status transportError(std::string_view what, const beast::error_code &error) const {
        return unavailable(where() + ": " + std::string(what) + ": " + error.message());
    }
    std::string where() const { return options.peer + " " + endpoint.url; }

    // Strand only.
    ConnectionPtr takeIdle() {
        const auto now = steady_clock::now();
        while (!idle.empty()) {
            ConnectionPtr connection = std::move(idle.back());
            idle.pop_back();
            if (now - connection->idleSince < kIdleLifetime) {
                return connection;
            }
        }
        return nullptr;
    }
    void putIdle(ConnectionPtr connection) {
        if (stopped || idle.size() >= kMaxIdleConnections) {
            return;
        }
        connection->idleSince = steady_clock::now();
        idle.push_back(std::move(connection));
    }

    const asio::strand<asio::any_io_executor> strand;
    const HttpEndpoint endpoint;
    const HttpClientOptions options;
    std::unique_ptr<ssl::context> tls;

    // Strand only.
    std::deque<ConnectionPtr> idle;
    bool stopped = false;
};

namespace {

// One request from resolving (or reusing a kept connection) to the answer, under one deadline.
// Runs on the client's strand.
class Exchange : public std::enable_shared_from_this<Exchange> {
public:
    Exchange(std::shared_ptr<HttpClient> client, HttpClient::State &state, Request request,
             milliseconds deadline, HttpClient::Finish finish)
        : m_client(std::move(client))
        , m_state(state)
        , m_request(std::move(request))
        , m_deadline(deadline)
        , m_finish(std::move(finish))
        , m_timer(m_state.strand)
        , m_resolver(m_state.strand) {}

    void start() {
        asio::post(m_state.strand, [self = shared_from_this()] { self->begin(); });
    }

private:
    void begin() {
        m_timer.expires_after(m_deadline);
        m_timer.async_wait([self = shared_from_this()](const beast::error_code &error) {
            if (!error) {
                self->expired();
            }
        });
        attempt();
    }

    void attempt() {
        m_connection = m_state.takeIdle();
        m_reused = m_connection != nullptr;
        if (m_reused) {
            return write();
        }
        m_connection = std::make_unique<Connection>(m_state.strand, m_state.tls.get());
        m_resolver.async_resolve(
            m_state.endpoint.host, m_state.endpoint.port,
            [self = shared_from_this()](const beast::error_code &error,
                                        const tcp::resolver::results_type &results) {
                if (self->m_done) {
                    return;
                }
                if (error) {
                    return self->complete(self->m_state.transportError(
                        "cannot resolve " + self->m_state.endpoint.host, error));
                }
                self->connect(results);
            });
    }

    void connect(const tcp::resolver::results_type &results) {
        m_connection->tcp().async_connect(
            results,
            [self = shared_from_this()](const beast::error_code &error, const tcp::endpoint &) {
                if (self->m_done) {
                    return;
                }
                if (error) {
                    return self->complete(self->m_state.transportError("cannot connect", error));
                }
                self->handshake();
            });
    }

    void handshake() {
        auto *tls = m_connection->tls();
        if (tls == nullptr) {
            return write();
        }
        const std::string &host = m_state.endpoint.host;
        if (SSL_set_tlsext_host_name(tls->native_handle(), host.c_str()) != 1) {
            return complete(unavailable(m_state.where() + ": cannot set the TLS server name"));
        }
        tls->set_verify_callback(ssl::host_name_verification(host));
        tls->async_handshake(ssl::stream_base::client, [self = shared_from_this()](
                                                           const beast::error_code &error) {
            if (self->m_done) {
                return;
            }
            if (error) {
                return self->complete(self->m_state.transportError("TLS handshake failed", error));
            }
            self->write();
        });
    }

    void write() {
        m_connection->visit([this](auto &stream) {
            http::async_write(
                stream, m_request,
                [self = shared_from_this()](const beast::error_code &error, std::size_t) {
                    if (self->m_done) {
                        return;
                    }
                    if (error) {
                        return self->failedOnConnection("cannot send", error);
                    }
                    self->read();
                });
        });
    }

    void read() {
        m_parser.emplace();
        m_parser->body_limit(m_state.options.bodyLimit);
        m_connection->visit([this](auto &stream) {
            http::async_read(
                stream, m_connection->buffer, *m_parser,
                [self = shared_from_this()](const beast::error_code &error, std::size_t) {
                    if (self->m_done) {
                        return;
                    }
                    if (error == http::error::body_limit) {
                        const auto &options = self->m_state.options;
                        return self->complete(unavailable(
                            self->m_state.where() + ": the answer is larger than " +
                            options.bodyLimitText +
                            (options.bodyLimitHint.empty() ? "" : "; " + options.bodyLimitHint)));
                    }
                    if (error) {
                        return self->failedOnConnection("no answer", error);
                    }
                    self->answered();
                });
        });
    }

    void answered() {
        auto response = m_parser->release();
        HttpAnswer answer{response.result_int(), std::string(response.reason()),
                          std::move(response.body())};
        if (response.keep_alive()) {
            m_state.putIdle(std::move(m_connection));
        }
        complete(std::move(answer));
    }

    // A kept connection the peer closed meanwhile fails at once: try once on a new one.
    void failedOnConnection(std::string_view what, const beast::error_code &error) {
        const bool nothingRead = !m_parser || !m_parser->got_some();
        if (m_reused && nothingRead) {
            m_connection.reset();
            return attempt();
        }
        complete(m_state.transportError(what, error));
    }

    void expired() {
        if (m_done) {
            return;
        }
        complete(Status(StatusCode::DeadlineExceeded,
                        m_state.where() + ": no answer within " + formatDuration(m_deadline)));
    }

    void complete(StatusOr<HttpAnswer> answer) {
        m_done = true;
        m_timer.cancel();
        m_resolver.cancel();
        if (m_connection) {
            beast::error_code ignored;
            m_connection->tcp().socket().close(ignored);
            m_connection.reset();
        }
        m_finish(std::move(answer));
    }

    // Keeps the state alive while the exchange runs.
    const std::shared_ptr<HttpClient> m_client;
    HttpClient::State &m_state;
    Request m_request;
    const milliseconds m_deadline;
    const HttpClient::Finish m_finish;
    asio::steady_timer m_timer;
    tcp::resolver m_resolver;
    ConnectionPtr m_connection;
    std::optional<http::response_parser<http::string_body>> m_parser;
    bool m_reused = false;
    bool m_done = false;
};

} // namespace

StatusOr<std::shared_ptr<HttpClient>> HttpClient::create(asio::any_io_executor executor,
                                                         HttpEndpoint endpoint,
                                                         HttpClientOptions options) {
    auto state = std::make_unique<State>(std::move(executor), std::move(endpoint), options);
    if (state->endpoint.tls) {
        state->tls = std::make_unique<ssl::context>(ssl::context::tls_client);
        state->tls->set_verify_mode(ssl::verify_peer);
        beast::error_code error;
        if (options.caFile.empty()) {
            state->tls->set_default_verify_paths(error);
        } else {
            state->tls->load_verify_file(options.caFile.string(), error);
        }
        if (error) {
            return invalidArgument(options.caFileOption + ": cannot load '" +
                                   options.caFile.string() + "': " + error.message());
        }
    }
    return std::shared_ptr<HttpClient>(new HttpClient(std::move(state)));
}

HttpClient::HttpClient(std::unique_ptr<State> state)
    : m_state(std::move(state)) {}

HttpClient::~HttpClient() = default;

void HttpClient::send(http::verb verb, std::string target, std::string contentType,
                      std::string body, milliseconds deadline, Finish finish) {
    Request request{verb, m_state->endpoint.basePath + target, 11};
    request.set(http::field::host, m_state->endpoint.hostHeader);
    request.set(http::field::user_agent, "aegisd");
    request.set(http::field::accept, "application/json");
    if (!m_state->options.authorization.empty()) {
        request.set(http::field::authorization, m_state->options.authorization);
    }
    if (!contentType.empty()) {
        request.set(http::field::content_type, contentType);
        request.body() = std::move(body);
    }
    request.keep_alive(true);
    request.prepare_payload();
    std::make_shared<Exchange>(shared_from_this(), *m_state, std::move(request), deadline,
                               std::move(finish))
        ->start();
}

void HttpClient::stop() {
    asio::post(m_state->strand, [self = shared_from_this()] {
        self->m_state->stopped = true;
        self->m_state->idle.clear();
    });
}

const HttpEndpoint &HttpClient::endpoint() const {
    return m_state->endpoint;
}

const asio::strand<asio::any_io_executor> &HttpClient::strand() const {
    return m_state->strand;
}

} // namespace aegis::metrics
