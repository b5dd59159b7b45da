#include "metrics/prometheus_client.h"

#include "metrics/query_answer.h"

#include "common/duration.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/core/detail/base64.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>

namespace aegis::metrics {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using json = nlohmann::json;
using namespace std::chrono;

// Large enough for 2,000 series of 1,000 points as JSON, small enough to bound a wrong query.
constexpr std::uint64_t kBodyLimit = std::uint64_t{1} << 30;
constexpr std::size_t kMaxIdleConnections = 8;
// Well below the idle timeouts of Prometheus and common proxies, so a kept connection is rarely
// found closed.
constexpr auto kIdleLifetime = seconds(30);
constexpr auto kProbeTimeout = milliseconds(5000);

struct Endpoint {
    bool tls = false;
    std::string host;
    std::string port;
    // The URL's path without a trailing slash ("" or "/prometheus").
    std::string basePath;
    // "host:port" as sent in the Host header.
    std::string hostHeader;
    std::string url;
};

StatusOr<Endpoint> parseUrl(std::string url) {
    while (!url.empty() && url.back() == '/') {
        url.pop_back();
    }
    Endpoint endpoint;
    std::string_view rest = url;
    if (rest.starts_with("http://")) {
        rest.remove_prefix(7);
    } else if (rest.starts_with("https://")) {
        rest.remove_prefix(8);
        endpoint.tls = true;
    } else {
        return invalidArgument("metrics backend URL '" + url +
                               "' must start with http:// or https://");
    }
    const auto slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    endpoint.basePath = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
    if (authority.find('@') != std::string_view::npos ||
        authority.find('?') != std::string_view::npos ||
        endpoint.basePath.find_first_of("?#") != std::string::npos) {
        return invalidArgument("metrics backend URL '" + url +
                               "' must be http(s)://HOST[:PORT][/PATH] (credentials go in "
                               "metrics.external.*)");
    }
    endpoint.hostHeader = std::string(authority);
    std::string_view port;
    if (authority.starts_with("[")) {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) {
            return invalidArgument("metrics backend URL '" + url + "' has an unclosed '['");
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
        return invalidArgument("metrics backend URL '" + url + "' names no host");
    }
    if (!port.empty() && port.find_first_not_of("0123456789") != std::string_view::npos) {
        return invalidArgument("metrics backend URL '" + url + "' has a port that is not a number");
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

// Form parameters in order, encoded as application/x-www-form-urlencoded (also a URL's query).
class Form {
public:
    Form &add(std::string_view name, std::string_view value) {
        if (!m_text.empty()) {
            m_text += '&';
        }
        m_text += percentEncode(name);
        m_text += '=';
        m_text += percentEncode(value);
        return *this;
    }
    Form &addTime(std::string_view name, system_clock::time_point time) {
        if (time == system_clock::time_point{}) {
            return *this;
        }
        return add(name, seconds(duration_cast<milliseconds>(time.time_since_epoch())));
    }
    Form &addMatchers(const std::vector<std::string> &matchers) {
        for (const auto &matcher : matchers) {
            add("match[]", matcher);
        }
        return *this;
    }
    const std::string &text() const { return m_text; }

    // Prometheus reads times and steps as (fractional) seconds.
    static std::string seconds(milliseconds value) {
        const auto ms = value.count();
        char text[32];
        std::snprintf(text, sizeof text, "%s%lld.%03lld", ms < 0 ? "-" : "",
                      static_cast<long long>(std::llabs(ms) / 1000),
                      static_cast<long long>(std::llabs(ms) % 1000));
        return text;
    }

private:
    std::string m_text;
};

Labels labelsOf(const json &object) {
    Labels labels;
    labels.reserve(object.size());
    // nlohmann's object keeps its keys sorted, which Labels requires.
    for (const auto &[name, value] : object.items()) {
        labels.emplace_back(name, value.get<std::string>());
    }
    return labels;
}

std::vector<std::string> stringsOf(const json &data) {
    return data.get<std::vector<std::string>>();
}

std::vector<Labels> labelSetsOf(const json &data) {
    std::vector<Labels> sets;
    sets.reserve(data.size());
    for (const json &item : data) {
        sets.push_back(labelsOf(item));
    }
    return sets;
}

// An RFC 3339 time as Go writes it ("2023-01-17T15:07:44.724461400+01:00"); the epoch for Go's
// zero time (never scraped) or anything unreadable.
system_clock::time_point rfc3339(const std::string &text) {
    int year = 0;
    unsigned month = 0;
    unsigned day = 0;
    int hour = 0;
    int minute = 0;
    int second = 0;
    int consumed = 0;
    if (std::sscanf(text.c_str(), "%d-%u-%uT%d:%d:%d%n", &year, &month, &day, &hour, &minute,
                    &second, &consumed) != 6 ||
        year <= 1970) {
        return {};
    }
    std::string_view rest = std::string_view(text).substr(static_cast<std::size_t>(consumed));
    nanoseconds fraction{0};
    if (rest.starts_with(".")) {
        rest.remove_prefix(1);
        std::int64_t scale = 100'000'000;
        while (!rest.empty() && std::isdigit(static_cast<unsigned char>(rest.front())) != 0) {
            fraction += nanoseconds((rest.front() - '0') * scale);
            scale /= 10;
            rest.remove_prefix(1);
        }
    }
    minutes offset{0};
    if (rest.size() >= 6 && (rest[0] == '+' || rest[0] == '-')) {
        const int hours = std::atoi(std::string(rest.substr(1, 2)).c_str());
        const int mins = std::atoi(std::string(rest.substr(4, 2)).c_str());
        offset = minutes((rest[0] == '-' ? -1 : 1) * (hours * 60 + mins));
    }
    const sys_days date =
        year_month_day(std::chrono::year(year), std::chrono::month(month), std::chrono::day(day));
    return time_point_cast<system_clock::duration>(
        date + hours(hour) + minutes(minute) + std::chrono::seconds(second) + fraction - offset);
}

std::vector<Target> targetsOf(const json &data) {
    std::vector<Target> targets;
    const json &active = data.at("activeTargets");
    targets.reserve(active.size());
    for (const json &item : active) {
        Target target;
        target.labels = labelsOf(item.at("labels"));
        target.scrapeUrl = item.value("scrapeUrl", "");
        target.scrapePool = item.value("scrapePool", "");
        const std::string health = item.value("health", "unknown");
        target.health = health == "up"     ? TargetHealth::Up
                        : health == "down" ? TargetHealth::Down
                                           : TargetHealth::Unknown;
        target.lastError = item.value("lastError", "");
        target.lastScrape = rfc3339(item.value("lastScrape", ""));
        target.lastScrapeDuration =
            microseconds(std::llround(item.value("lastScrapeDuration", 0.0) * 1e6));
        targets.push_back(std::move(target));
    }
    return targets;
}

// The rejected parameter's name as the API's callers know it.
std::string parameterName(const std::string &parameter) {
    return parameter == "match[]" ? "matchers" : parameter;
}

// Prometheus says `invalid parameter "query": 1:5: parse error: ...`; the contract wants
// `query: 1:5: parse error: ...`. Other messages are kept whole.
std::string rejectionMessage(const std::string &error, bool isQuery) {
    constexpr std::string_view kPrefix = "invalid parameter \"";
    if (error.starts_with(kPrefix)) {
        const auto close = error.find("\": ", kPrefix.size());
        if (close != std::string::npos) {
            return parameterName(error.substr(kPrefix.size(), close - kPrefix.size())) + ": " +
                   error.substr(close + 3);
        }
    }
    return isQuery ? "query: " + error : error;
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

struct HttpAnswer {
    unsigned status = 0;
    std::string reason;
    std::string body;
};

using Request = http::request<http::string_body>;

// One connection to the backend, kept between requests when the backend allows it.
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

struct PrometheusClient::Impl : std::enable_shared_from_this<PrometheusClient::Impl> {
    Impl(asio::any_io_executor executor_, Endpoint endpoint_, PrometheusClientOptions options_)
        : executor(std::move(executor_))
        , strand(asio::make_strand(executor))
        , endpoint(std::move(endpoint_))
        , options(std::move(options_))
        , probeTimer(strand) {}

    using Finish = std::function<void(StatusOr<HttpAnswer>)>;

    // Sends one request and reads its answer within `deadline`; `finish` runs on the strand.
    void send(http::verb verb, std::string target, std::string form, milliseconds deadline,
              Finish finish);

    // Sends a request of the API and decodes its "data" with `decode` (off the strand).
    template <typename T, typename Decode>
    void call(http::verb verb, std::string path, const Form &form, milliseconds timeout,
              bool isQuery, Decode decode, Done<T> done);

    // The result of an answer: `decode` reads a success's "data" (QueryResult: the whole body).
    template <typename T, typename Decode>
    StatusOr<T> decodeAnswer(const HttpAnswer &answer, bool isQuery, const Decode &decode) const;

    // The Status of an answer that is not a success, or OK.
    Status answerStatus(const HttpAnswer &answer, const json *body, bool isQuery) const;
    Status transportError(std::string_view what, const beast::error_code &error) const {
        return unavailable("metrics backend " + endpoint.url + ": " + std::string(what) + ": " +
                           error.message());
    }

    void setState(BackendState state, std::string detail);
    // What a call's outcome says about the backend.
    void noteOutcome(const Status &status);
    void probe();

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

    const asio::any_io_executor executor;
    // Every connection, timer and resolver of the client runs on it; decoding does not.
    const asio::strand<asio::any_io_executor> strand;
    const Endpoint endpoint;
    const PrometheusClientOptions options;
    ClockPtr clock;
    std::string authorization;
    std::unique_ptr<ssl::context> tls;

    // Strand only.
    std::deque<ConnectionPtr> idle;
    asio::steady_timer probeTimer;
    bool stopped = false;

    mutable std::mutex statusMutex;
    BackendStatus status;
};

namespace {

// One request from resolving (or reusing a kept connection) to the answer, under one deadline.
// Runs on the client's strand.
class Exchange : public std::enable_shared_from_this<Exchange> {
public:
    using Impl = PrometheusClient::Impl;

    Exchange(std::shared_ptr<Impl> impl, Request request, milliseconds deadline,
             Impl::Finish finish)
        : m_impl(std::move(impl))
        , m_request(std::move(request))
        , m_deadline(deadline)
        , m_finish(std::move(finish))
        , m_timer(m_impl->strand)
        , m_resolver(m_impl->strand) {}

    void start() {
        asio::post(m_impl->strand, [self = shared_from_this()] { self->begin(); });
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
        m_connection = m_impl->takeIdle();
        m_reused = m_connection != nullptr;
        if (m_reused) {
            return write();
        }
        m_connection = std::make_unique<Connection>(m_impl->strand, m_impl->tls.get());
        m_resolver.async_resolve(
            m_impl->endpoint.host, m_impl->endpoint.port,
            [self = shared_from_this()](const beast::error_code &error,
                                        const tcp::resolver::results_type &results) {
                if (self->m_done) {
                    return;
                }
                if (error) {
                    return self->complete(self->m_impl->transportError(
                        "cannot resolve " + self->m_impl->endpoint.host, error));
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
                    return self->complete(self->m_impl->transportError("cannot connect", error));
                }
                self->handshake();
            });
    }

    void handshake() {
        auto *tls = m_connection->tls();
        if (tls == nullptr) {
            return write();
        }
        const std::string &host = m_impl->endpoint.host;
        if (SSL_set_tlsext_host_name(tls->native_handle(), host.c_str()) != 1) {
            return complete(unavailable("metrics backend " + m_impl->endpoint.url +
                                        ": cannot set the TLS server name"));
        }
        tls->set_verify_callback(ssl::host_name_verification(host));
        tls->async_handshake(ssl::stream_base::client, [self = shared_from_this()](
                                                           const beast::error_code &error) {
            if (self->m_done) {
                return;
            }
            if (error) {
                return self->complete(self->m_impl->transportError("TLS handshake failed", error));
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
        m_parser->body_limit(kBodyLimit);
        m_connection->visit([this](auto &stream) {
            http::async_read(
                stream, m_connection->buffer, *m_parser,
                [self = shared_from_this()](const beast::error_code &error, std::size_t) {
                    if (self->m_done) {
                        return;
                    }
                    if (error == http::error::body_limit) {
                        return self->complete(unavailable(
                            "metrics backend " + self->m_impl->endpoint.url +
                            ": the answer is larger than 1 GiB; select fewer series or points"));
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
            m_impl->putIdle(std::move(m_connection));
        }
        complete(std::move(answer));
    }

    // A kept connection the backend closed meanwhile fails at once: try once on a new one.
    void failedOnConnection(std::string_view what, const beast::error_code &error) {
        const bool nothingRead = !m_parser || !m_parser->got_some();
        if (m_reused && nothingRead) {
            m_connection.reset();
            return attempt();
        }
        complete(m_impl->transportError(what, error));
    }

    void expired() {
        if (m_done) {
            return;
        }
        complete(Status(StatusCode::DeadlineExceeded, "metrics backend " + m_impl->endpoint.url +
                                                          ": no answer within " +
                                                          formatDuration(m_deadline)));
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

    const std::shared_ptr<Impl> m_impl;
    Request m_request;
    const milliseconds m_deadline;
    const Impl::Finish m_finish;
    asio::steady_timer m_timer;
    tcp::resolver m_resolver;
    ConnectionPtr m_connection;
    std::optional<http::response_parser<http::string_body>> m_parser;
    bool m_reused = false;
    bool m_done = false;
};

} // namespace

void PrometheusClient::Impl::send(http::verb verb, std::string target, std::string form,
                                  milliseconds deadline, Finish finish) {
    Request request{verb, endpoint.basePath + target, 11};
    request.set(http::field::host, endpoint.hostHeader);
    request.set(http::field::user_agent, "aegisd");
    request.set(http::field::accept, "application/json");
    if (!authorization.empty()) {
        request.set(http::field::authorization, authorization);
    }
    if (verb == http::verb::post) {
        request.set(http::field::content_type, "application/x-www-form-urlencoded");
        request.body() = std::move(form);
    } else if (!form.empty()) {
        request.target(std::string(request.target()) + "?" + form);
    }
    request.keep_alive(true);
    request.prepare_payload();
    std::make_shared<Exchange>(shared_from_this(), std::move(request), deadline, std::move(finish))
        ->start();
}

Status PrometheusClient::Impl::answerStatus(const HttpAnswer &answer, const json *body,
                                            bool isQuery) const {
    const std::string where = "metrics backend " + endpoint.url;
    if (body != nullptr && body->is_object() && body->value("status", "") == "error") {
        const std::string type = body->value("errorType", "");
        const std::string error = body->value("error", "");
        if (type == "bad_data" || type == "execution") {
            return invalidArgument(rejectionMessage(error, isQuery));
        }
        if (type == "timeout") {
            return Status(StatusCode::DeadlineExceeded, where + ": " + error);
        }
        if (type == "not_found") {
            return notFound(where + ": " + error);
        }
        return unavailable(where + ": " + (type.empty() ? "" : type + ": ") + error);
    }
    if (answer.status >= 200 && answer.status < 300) {
        if (body == nullptr || !body->is_object() || body->value("status", "") != "success") {
            return unavailable(where + " answered with something other than the Prometheus API: " +
                               shortBody(answer.body));
        }
        return Status::ok();
    }
    const std::string http = "HTTP " + std::to_string(answer.status) + " " + answer.reason + ": " +
                             shortBody(answer.body);
    if (answer.status == 404) {
        return Status(StatusCode::Unimplemented, where + " does not serve this API (" + http + ")");
    }
    if (answer.status == 401 || answer.status == 403) {
        return unavailable(where + " refused aegisd's credentials (" + http +
                           "); check metrics.external.bearer_token_file or basic_auth_*");
    }
    if (answer.status == 400 || answer.status == 422) {
        return invalidArgument(rejectionMessage(shortBody(answer.body), isQuery));
    }
    return unavailable(where + ": " + http);
}

template <typename T, typename Decode>
void PrometheusClient::Impl::call(http::verb verb, std::string path, const Form &form,
                                  milliseconds timeout, bool isQuery, Decode decode, Done<T> done) {
    send(verb, std::move(path), form.text(), timeout + options.deadlineMargin,
         [self = shared_from_this(), isQuery, decode = std::move(decode),
          done = std::move(done)](StatusOr<HttpAnswer> answer) mutable {
             // Decoding a large answer takes time: off the strand, which only moves bytes.
             asio::post(self->executor,
                        [self, isQuery, decode = std::move(decode), done = std::move(done),
                         answer = std::move(answer)]() mutable {
                            StatusOr<T> result = answer.status();
                            if (answer) {
                                result = self->decodeAnswer<T>(*answer, isQuery, decode);
                            }
                            self->noteOutcome(result.status());
                            done(std::move(result));
                        });
         });
}

template <typename T, typename Decode>
StatusOr<T> PrometheusClient::Impl::decodeAnswer(const HttpAnswer &answer, bool isQuery,
                                                 const Decode &decode) const {
    const auto unreadable = [&](std::string_view reason) {
        return unavailable("metrics backend " + endpoint.url +
                           " answered with data aegisd cannot read: " + std::string(reason));
    };
    // Query answers can be tens of megabytes: a success is read in one pass from the body, and
    // only anything else is parsed into a document to map the error.
    std::optional<Status> fastFailure;
    if constexpr (std::is_same_v<T, QueryResult>) {
        if (answer.status >= 200 && answer.status < 300) {
            StatusOr<QueryResult> result = decode(answer.body);
            if (result) {
                return result;
            }
            fastFailure = result.status();
        }
    }
    json body = json::parse(answer.body, nullptr, false);
    const Status status = answerStatus(answer, body.is_discarded() ? nullptr : &body, isQuery);
    if (!status.isOk()) {
        return status;
    }
    if constexpr (std::is_same_v<T, QueryResult>) {
        return unreadable(fastFailure ? fastFailure->message() : "no answer was read");
    } else {
        try {
            return decode(body);
        } catch (const std::exception &error) {
            return unreadable(error.what());
        }
    }
}

void PrometheusClient::Impl::setState(BackendState state, std::string detail) {
    std::lock_guard lock(statusMutex);
    if (status.state != state) {
        status.state = state;
        status.since = clock->now();
    }
    status.detail = std::move(detail);
}

void PrometheusClient::Impl::noteOutcome(const Status &outcome) {
    if (outcome.isOk()) {
        setState(BackendState::Ready, "");
    } else if (outcome.code() == StatusCode::Unavailable) {
        setState(BackendState::Down, outcome.message());
    }
}

void PrometheusClient::Impl::probe() {
    const milliseconds timeout = std::min(options.requestTimeout, kProbeTimeout);
    call<QueryResult>(
        http::verb::get, "/api/v1/query",
        Form().add("query", "1").add("timeout", std::to_string(timeout.count()) + "ms"), timeout,
        true, parseQueryAnswer,
        Done<QueryResult>([weak = weak_from_this()](StatusOr<QueryResult> result) {
            const auto self = weak.lock();
            if (!self) {
                return;
            }
            if (!result && result.status().code() != StatusCode::Unavailable) {
                self->setState(BackendState::Down, result.status().message());
            }
            asio::post(self->strand, [self] {
                if (self->stopped) {
                    return;
                }
                self->probeTimer.expires_after(self->options.probeInterval);
                self->probeTimer.async_wait(
                    [weak = self->weak_from_this()](const beast::error_code &error) {
                        const auto again = weak.lock();
                        if (!error && again && !again->stopped) {
                            again->probe();
                        }
                    });
            });
        }));
}

StatusOr<PrometheusClientOptions>
PrometheusClientOptions::fromSettings(const MetricsSettings &settings) {
    const auto readFile = [](const std::filesystem::path &path,
                             std::string_view option) -> StatusOr<std::string> {
        std::ifstream in(path, std::ios::binary);
        if (!in) {
            return invalidArgument(std::string(option) + ": cannot read '" + path.string() + "'");
        }
        std::ostringstream text;
        text << in.rdbuf();
        std::string value = text.str();
        while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) {
            value.pop_back();
        }
        return value;
    };
    PrometheusClientOptions options;
    if (!settings.bearerTokenFile.empty()) {
        auto token = readFile(settings.bearerTokenFile, "metrics.external.bearer_token_file");
        if (!token) {
            return token.status();
        }
        options.bearerToken = std::move(*token);
    }
    if (!settings.basicAuthUser.empty()) {
        auto password =
            readFile(settings.basicAuthPasswordFile, "metrics.external.basic_auth_password_file");
        if (!password) {
            return password.status();
        }
        options.basicAuthUser = settings.basicAuthUser;
        options.basicAuthPassword = std::move(*password);
    }
    options.caFile = settings.caFile;
    options.requestTimeout = std::min(options.requestTimeout, settings.queryTimeout);
    return options;
}

StatusOr<std::unique_ptr<PrometheusClient>>
PrometheusClient::create(boost::asio::any_io_executor executor, std::string baseUrl,
                         PrometheusClientOptions options) {
    auto endpoint = parseUrl(std::move(baseUrl));
    if (!endpoint) {
        return endpoint.status();
    }
    auto impl = std::make_shared<Impl>(std::move(executor), std::move(*endpoint), options);
    impl->clock = options.clock ? options.clock : std::make_shared<SystemClock>();
    if (!options.bearerToken.empty()) {
        impl->authorization = "Bearer " + options.bearerToken;
    } else if (!options.basicAuthUser.empty()) {
        const std::string credentials = options.basicAuthUser + ":" + options.basicAuthPassword;
        std::string encoded(beast::detail::base64::encoded_size(credentials.size()), '\0');
        encoded.resize(
            beast::detail::base64::encode(encoded.data(), credentials.data(), credentials.size()));
        impl->authorization = "Basic " + encoded;
    }
    if (impl->endpoint.tls) {
        impl->tls = std::make_unique<ssl::context>(ssl::context::tls_client);
        impl->tls->set_verify_mode(ssl::verify_peer);
        beast::error_code error;
        if (options.caFile.empty()) {
            impl->tls->set_default_verify_paths(error);
        } else {
            impl->tls->load_verify_file(options.caFile.string(), error);
        }
        if (error) {
            return invalidArgument("metrics.external.ca_file: cannot load '" +
                                   options.caFile.string() + "': " + error.message());
        }
    }
    impl->status.mode = options.mode;
    impl->status.state = BackendState::Starting;
    impl->status.url = impl->endpoint.url;
    impl->status.detail = "waiting for the first answer";
    impl->status.since = impl->clock->now();
    if (options.probeInterval > milliseconds::zero()) {
        impl->probe();
    }
    return std::unique_ptr<PrometheusClient>(new PrometheusClient(std::move(impl)));
}

PrometheusClient::PrometheusClient(std::shared_ptr<Impl> impl)
    : m_impl(std::move(impl)) {}

PrometheusClient::~PrometheusClient() {
    asio::post(m_impl->strand, [impl = m_impl] {
        impl->stopped = true;
        impl->probeTimer.cancel();
        impl->idle.clear();
    });
}

void PrometheusClient::query(InstantQuery request, Done<QueryResult> done) {
    Form form;
    form.add("query", request.query)
        .addTime("time", request.time)
        .add("timeout", std::to_string(request.timeout.count()) + "ms");
    m_impl->call<QueryResult>(http::verb::post, "/api/v1/query", form, request.timeout, true,
                              parseQueryAnswer, std::move(done));
}

void PrometheusClient::queryRange(RangeQuery request, Done<QueryResult> done) {
    Form form;
    form.add("query", request.query)
        .addTime("start", request.start)
        .addTime("end", request.end)
        .add("step", Form::seconds(request.step))
        .add("timeout", std::to_string(request.timeout.count()) + "ms");
    m_impl->call<QueryResult>(http::verb::post, "/api/v1/query_range", form, request.timeout, true,
                              parseQueryAnswer, std::move(done));
}

void PrometheusClient::series(SeriesSelection selection, Done<std::vector<Labels>> done) {
    Form form;
    form.addMatchers(selection.matchers)
        .addTime("start", selection.start)
        .addTime("end", selection.end);
    m_impl->call<std::vector<Labels>>(
        http::verb::post, "/api/v1/series", form, m_impl->options.requestTimeout, false,
        [](const json &body) { return labelSetsOf(body.at("data")); }, std::move(done));
}

void PrometheusClient::labelNames(SeriesSelection selection, Done<std::vector<std::string>> done) {
    Form form;
    form.addMatchers(selection.matchers)
        .addTime("start", selection.start)
        .addTime("end", selection.end);
    m_impl->call<std::vector<std::string>>(
        http::verb::post, "/api/v1/labels", form, m_impl->options.requestTimeout, false,
        [](const json &body) { return stringsOf(body.at("data")); }, std::move(done));
}

void PrometheusClient::labelValues(std::string name, SeriesSelection selection,
                                   Done<std::vector<std::string>> done) {
    Form form;
    form.addMatchers(selection.matchers)
        .addTime("start", selection.start)
        .addTime("end", selection.end);
    // The only one of these endpoints Prometheus serves by GET alone.
    m_impl->call<std::vector<std::string>>(
        http::verb::get, "/api/v1/label/" + percentEncode(name) + "/values", form,
        m_impl->options.requestTimeout, false,
        [](const json &body) { return stringsOf(body.at("data")); }, std::move(done));
}

void PrometheusClient::targets(Done<std::vector<Target>> done) {
    m_impl->call<std::vector<Target>>(
        http::verb::get, "/api/v1/targets", Form().add("state", "active"),
        m_impl->options.requestTimeout, false,
        [](const json &body) { return targetsOf(body.at("data")); }, std::move(done));
}

BackendStatus PrometheusClient::status() const {
    std::lock_guard lock(m_impl->statusMutex);
    return m_impl->status;
}

const std::string &PrometheusClient::url() const {
    return m_impl->endpoint.url;
}

} // namespace aegis::metrics
