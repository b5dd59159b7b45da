#include "sample/sample_http_server.h"

#include "common/logging.h"
#include "exposition/build_info.h"
#include "tracing/trace_ids.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>
#include <prometheus/text_serializer.h>

#include <future>
#include <set>

#ifndef AEGIS_VERSION
#define AEGIS_VERSION "0.0.0"
#endif

namespace aegis::sample {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

// Bounded label values: anything else counts as "other".
std::string routeLabel(std::string_view path) {
    if (path == "/" || path == "/health" || path == "/metrics") {
        return std::string(path);
    }
    return "other";
}

std::string methodLabel(http::verb method) {
    if (method == http::verb::get || method == http::verb::head) {
        return std::string(http::to_string(method));
    }
    return "other";
}

// Each route with the codes it answers to GET, whose series exist from the start at zero.
std::vector<std::pair<std::string, std::vector<int>>> servedRoutes(bool callsDownstream) {
    std::vector<int> root = {200, 500};
    if (callsDownstream) {
        root.push_back(502);
    }
    return {{"/", root}, {"/health", {200, 503}}, {"/metrics", {200}}, {"other", {404}}};
}

} // namespace

std::optional<RequestLog> parseRequestLog(std::string_view text) {
    if (text == "all") {
        return RequestLog::All;
    }
    if (text == "errors") {
        return RequestLog::Errors;
    }
    if (text == "none") {
        return RequestLog::None;
    }
    return std::nullopt;
}

prometheus::Histogram::BucketBoundaries requestDurationBuckets(std::chrono::milliseconds latency) {
    // From "/health" and "/metrics" (tens of microseconds) up to seconds.
    std::set<double> bounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                               0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5};
    if (latency.count() > 0) {
        // "/" never answers before its latency: dense boundaries just above it, so a quantile
        // interpolated within a bucket stays within a few percent of what was measured.
        const double seconds = std::chrono::duration<double>(latency).count();
        for (const double factor : {1.0, 1.02, 1.05, 1.1, 1.2, 1.5, 2.0, 4.0}) {
            bounds.insert(seconds * factor);
        }
    }
    return {bounds.begin(), bounds.end()};
}

// One keep-alive HTTP/1.1 connection, on its own strand.
class SampleHttpServer::Session : public std::enable_shared_from_this<Session> {
public:
    Session(tcp::socket socket, SampleHttpServer &server)
        : m_stream(std::move(socket))
        , m_delay(m_stream.get_executor())
        , m_server(server) {}
    ~Session() { m_server.forget(this); }

    void start() {
        net::dispatch(m_stream.get_executor(), [self = shared_from_this()] { self->read(); });
    }

    // Ends the session: at once when it waits for a request, after the response otherwise.
    void close() {
        net::post(m_stream.get_executor(), [self = shared_from_this()] {
            self->m_closing = true;
            if (self->m_idle) {
                self->closeSocket();
            }
        });
    }

private:
    void read() {
        if (m_closing) {
            closeSocket();
            return;
        }
        m_idle = true;
        m_request = {};
        m_stream.expires_after(m_server.m_options.idleTimeout);
        http::async_read(m_stream, m_buffer, m_request,
                         [self = shared_from_this()](beast::error_code error, std::size_t) {
                             self->m_idle = false;
                             if (!error) {
                                 self->handle();
                             }
                         });
    }

    void handle() {
        m_started = std::chrono::steady_clock::now();
        const auto target = m_request.target();
        const auto query = target.find('?');
        m_path = std::string(target.substr(0, query));
        if (m_request.method() != http::verb::get && m_request.method() != http::verb::head) {
            respond({405, "text/plain; charset=utf-8", "method not allowed\n", {}});
            return;
        }
        if (m_path != "/") {
            respond(m_server.answer(m_path, {}));
            return;
        }
        startSpan();
        const auto &downstream = m_server.m_options.downstream;
        if (!downstream) {
            wait();
            return;
        }
        std::optional<client::SpanContext> parent;
        if (m_span.context().isValid()) {
            parent = m_span.context();
        }
        // Blocking calls, on their own threads; the answer continues on this session's strand.
        m_stream.expires_never();
        net::post(*m_server.m_downstreamPool, [self = shared_from_this(), parent, downstream] {
            auto calls = downstream->callAll(parent);
            net::post(self->m_stream.get_executor(), [self, calls = std::move(calls)]() mutable {
                self->m_calls = std::move(calls);
                self->wait();
            });
        });
    }

    // The server span of a "/" request, child of the caller's traceparent.
    void startSpan() {
        const auto &tracer = m_server.m_options.tracer;
        if (!tracer) {
            return;
        }
        const auto parent = client::extractContext([this](std::string_view name) {
            std::vector<std::string> values;
            for (auto [it, end] =
                     m_request.equal_range(beast::string_view(name.data(), name.size()));
                 it != end; ++it) {
                values.emplace_back(it->value());
            }
            return values;
        });
        const auto remote = m_stream.socket().remote_endpoint(m_ignored);
        const auto &options = m_server.m_options;
        const std::string method(http::to_string(m_request.method()));
        m_span = tracer->startSpan(
            method + " /", {.kind = client::SpanKind::Server,
                            .parent = parent,
                            .root = !parent,
                            .attributes = {{"http.request.method", method},
                                           {"http.route", "/"},
                                           {"url.path", m_path},
                                           {"url.scheme", "http"},
                                           {"client.address", remote.address().to_string()},
                                           {"user_agent.original",
                                            std::string(m_request[http::field::user_agent])},
                                           {"aegis.instance", options.instanceId}}});
    }

    // The behaviour's latency, waited on a timer (inside the request's span), then the answer.
    void wait() {
        const auto behaviour = m_server.currentBehaviour();
        m_span.setAttribute("aegis.sample.config_version", behaviour->configVersion);
        if (behaviour->latency.count() > 0) {
            m_span.addEvent("injected latency",
                            {{"latency_ms", static_cast<std::int64_t>(behaviour->latency.count())},
                             {"source", behaviour->source}});
            m_stream.expires_never();
            m_delay.expires_after(behaviour->latency);
            m_delay.async_wait([self = shared_from_this()](beast::error_code) {
                self->respond(self->m_server.answer(self->m_path, self->m_calls));
            });
            return;
        }
        respond(m_server.answer(m_path, m_calls));
    }

    void respond(Response answer) {
        auto response = std::make_shared<http::response<http::string_body>>();
        response->version(m_request.version());
        response->result(static_cast<unsigned>(answer.status));
        response->set(http::field::server, "aegis-sample");
        response->set(http::field::content_type, answer.contentType);
        response->keep_alive(m_request.keep_alive() && !m_closing);
        response->body() = std::move(answer.body);
        response->prepare_payload();
        if (m_request.method() == http::verb::head) {
            response->body().clear();
        }
        const auto elapsed = std::chrono::steady_clock::now() - m_started;
        m_server.record(m_request.method(), m_path, answer.status, elapsed);
        if (m_path == "/") {
            finishSpan(answer, elapsed);
        }
        m_stream.expires_after(m_server.m_options.idleTimeout);
        http::async_write(
            m_stream, *response,
            [self = shared_from_this(), response](beast::error_code error, std::size_t) {
                if (!error && response->keep_alive()) {
                    self->read();
                } else {
                    self->closeSocket();
                }
            });
    }

    // Ends the request's span (a 5xx is an error of this server) and writes its log line with
    // the trace and span ids, so logs and traces find each other.
    void finishSpan(const Response &answer, std::chrono::steady_clock::duration elapsed) {
        m_span.setAttribute("http.response.status_code", answer.status);
        if (answer.status >= 500) {
            m_span.setAttribute("error.type", std::to_string(answer.status));
            m_span.recordError(answer.error.empty() ? "status " + std::to_string(answer.status)
                                                    : answer.error);
        }
        const client::SpanContext context = m_span.context();
        m_span.end();
        m_calls.clear();
        const RequestLog logged = m_server.m_options.requestLog;
        if (logged == RequestLog::None || (logged == RequestLog::Errors && answer.status < 500)) {
            return;
        }
        log::Fields fields = {
            {"instance", m_server.m_options.instanceId},
            {"method", std::string(http::to_string(m_request.method()))},
            {"path", m_path},
            {"status", answer.status},
            {"duration_ms", std::chrono::duration<double, std::milli>(elapsed).count()}};
        if (context.isValid()) {
            fields["trace_id"] = tracing::toHex(context.traceId);
            fields["span_id"] = tracing::toHex(context.spanId);
            fields["trace_sampled"] = context.isSampled();
        }
        if (!answer.error.empty()) {
            fields["error"] = answer.error;
        }
        log::info("request", fields);
    }

    void closeSocket() {
        beast::error_code ignored;
        m_stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        m_stream.close();
    }

    beast::tcp_stream m_stream;
    net::steady_timer m_delay;
    beast::flat_buffer m_buffer;
    http::request<http::string_body> m_request;
    std::string m_path;
    std::chrono::steady_clock::time_point m_started;
    client::Span m_span;
    std::vector<DownstreamCall> m_calls;
    beast::error_code m_ignored;
    // Both only touched on the strand.
    bool m_idle = false;
    bool m_closing = false;
    SampleHttpServer &m_server;
};

SampleHttpServer::SampleHttpServer(SampleServerOptions options)
    : m_options(std::move(options))
    , m_metrics(std::make_shared<prometheus::Registry>())
    , m_durationBuckets(requestDurationBuckets(m_options.behaviour.latency))
    , m_requests(prometheus::BuildCounter()
                     .Name("http_requests_total")
                     .Help("HTTP requests answered, by method, route and status code.")
                     .Register(*m_metrics))
    , m_durations(prometheus::BuildHistogram()
                      .Name("http_request_duration_seconds")
                      .Help("Time from a request's arrival to its response, by method and route.")
                      .Register(*m_metrics))
    , m_latencyGauge(prometheus::BuildGauge()
                         .Name("aegis_sample_latency_seconds")
                         .Help("Latency added to every '/' request by the behaviour in effect.")
                         .Register(*m_metrics)
                         .Add({}))
    , m_errorRateGauge(prometheus::BuildGauge()
                           .Name("aegis_sample_error_ratio")
                           .Help("Share of '/' requests answered 500 by the behaviour in effect.")
                           .Register(*m_metrics)
                           .Add({}))
    , m_configVersionGauge(prometheus::BuildGauge()
                               .Name("aegis_sample_config_version")
                               .Help("Version of the config item the behaviour comes from (0: "
                                     "the command-line flags).")
                               .Register(*m_metrics)
                               .Add({}))
    , m_featureGauges(prometheus::BuildGauge()
                          .Name("aegis_sample_feature_enabled")
                          .Help("Feature flags of the behaviour in effect: 1 on, 0 off.")
                          .Register(*m_metrics))
    , m_behaviourChanges(prometheus::BuildCounter()
                             .Name("aegis_sample_behaviour_changes_total")
                             .Help("Times the behaviour was changed while running (from config).")
                             .Register(*m_metrics)
                             .Add({}))
    , m_behaviour(std::make_shared<const Behaviour>(m_options.behaviour))
    , m_random(m_options.seed)
    , m_work(net::make_work_guard(m_io))
    , m_acceptor(net::make_strand(m_io)) {
    exposition::registerBuildInfo(*m_metrics, "aegis_sample_build_info",
                                  "aegis-sample's version; always 1.",
                                  {{"version", AEGIS_VERSION}});
    for (const auto &[route, codes] : servedRoutes(m_options.downstream != nullptr)) {
        for (const int code : codes) {
            m_requests.Add({{"method", "GET"}, {"route", route}, {"code", std::to_string(code)}});
        }
        m_durations.Add({{"method", "GET"}, {"route", route}}, m_durationBuckets);
    }
    std::lock_guard lock(m_behaviourMutex);
    exportBehaviour(*m_behaviour);
}

StatusOr<SampleHttpServerPtr> SampleHttpServer::start(SampleServerOptions options) {
    if (Status valid = validateBehaviour(options.behaviour); !valid.isOk()) {
        return valid;
    }
    if (options.threads < 1 || options.threads > 64) {
        return invalidArgument("threads must be between 1 and 64");
    }
    if (options.downstreamThreads < 1 || options.downstreamThreads > 256) {
        return invalidArgument("downstream threads must be between 1 and 256");
    }
    SampleHttpServerPtr server(new SampleHttpServer(std::move(options)));
    if (const Status status = server->listen(); !status.isOk()) {
        return status;
    }
    if (server->m_options.downstream) {
        server->m_downstreamPool = std::make_unique<net::thread_pool>(
            static_cast<std::size_t>(server->m_options.downstreamThreads));
    }
    server->accept();
    for (int i = 0; i < server->m_options.threads; ++i) {
        server->m_threads.emplace_back([io = &server->m_io] { io->run(); });
    }
    return server;
}

SampleHttpServer::~SampleHttpServer() {
    shutdown(std::chrono::milliseconds(0));
}

Status SampleHttpServer::listen() {
    const auto colon = m_options.listen.rfind(':');
    if (colon == std::string::npos) {
        return invalidArgument("listen: expected HOST:PORT, got '" + m_options.listen + "'");
    }
    std::string host = m_options.listen.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    beast::error_code error;
    tcp::resolver resolver(m_io);
    const auto results = resolver.resolve(host, m_options.listen.substr(colon + 1), error);
    if (error || results.empty()) {
        return invalidArgument("listen: cannot resolve '" + m_options.listen +
                               "': " + error.message());
    }
    const tcp::endpoint endpoint = *results.begin();
    m_acceptor.open(endpoint.protocol(), error);
    if (!error) {
        m_acceptor.set_option(net::socket_base::reuse_address(true), error);
    }
    if (!error) {
        m_acceptor.bind(endpoint, error);
    }
    if (!error) {
        m_acceptor.listen(net::socket_base::max_listen_connections, error);
    }
    if (error) {
        return unavailable("listen: cannot listen on " + m_options.listen + ": " + error.message());
    }
    return Status::ok();
}

std::string SampleHttpServer::address() const {
    beast::error_code error;
    const auto endpoint = m_acceptor.local_endpoint(error);
    if (error) {
        return {};
    }
    const auto address = endpoint.address();
    return (address.is_v6() ? "[" + address.to_string() + "]" : address.to_string()) + ":" +
           std::to_string(endpoint.port());
}

void SampleHttpServer::setDraining() {
    m_draining = true;
}

Status SampleHttpServer::setBehaviour(Behaviour behaviour) {
    if (Status valid = validateBehaviour(behaviour); !valid.isOk()) {
        return valid;
    }
    std::lock_guard lock(m_behaviourMutex);
    if (*m_behaviour == behaviour) {
        return Status::ok();
    }
    m_behaviour = std::make_shared<const Behaviour>(std::move(behaviour));
    exportBehaviour(*m_behaviour);
    m_behaviourChanges.Increment();
    return Status::ok();
}

Behaviour SampleHttpServer::behaviour() const {
    return *currentBehaviour();
}

std::shared_ptr<const Behaviour> SampleHttpServer::currentBehaviour() const {
    std::lock_guard lock(m_behaviourMutex);
    return m_behaviour;
}

// Called with m_behaviourMutex held.
void SampleHttpServer::exportBehaviour(const Behaviour &behaviour) {
    m_latencyGauge.Set(std::chrono::duration<double>(behaviour.latency).count());
    m_errorRateGauge.Set(behaviour.errorRate);
    m_configVersionGauge.Set(static_cast<double>(behaviour.configVersion));
    for (auto it = m_exportedFeatures.begin(); it != m_exportedFeatures.end();) {
        if (behaviour.features.count(it->first)) {
            ++it;
        } else {
            // A flag that is gone is not "off": its series ends.
            m_featureGauges.Remove(it->second);
            it = m_exportedFeatures.erase(it);
        }
    }
    for (const auto &[name, enabled] : behaviour.features) {
        auto &gauge = m_exportedFeatures[name];
        if (gauge == nullptr) {
            gauge = &m_featureGauges.Add({{"feature", name}});
        }
        gauge->Set(enabled ? 1 : 0);
    }
}

void SampleHttpServer::accept() {
    m_acceptor.async_accept(
        net::make_strand(m_io), [this](beast::error_code error, tcp::socket socket) {
            if (error == net::error::operation_aborted || !m_acceptor.is_open()) {
                return;
            }
            if (!error) {
                auto session = std::make_shared<Session>(std::move(socket), *this);
                std::lock_guard lock(m_sessionsMutex);
                if (m_stopping) {
                    return;
                }
                m_sessions.emplace(session.get(), session);
                session->start();
            }
            accept();
        });
}

SampleHttpServer::Response SampleHttpServer::answer(std::string_view path,
                                                    const std::vector<DownstreamCall> &calls) {
    if (path == "/") {
        nlohmann::json called = nlohmann::json::array();
        for (const auto &call : calls) {
            called.push_back(
                {{"service", call.service}, {"instance", call.instance}, {"status", call.status}});
            if (!call.ok()) {
                const nlohmann::json failure = {{"error", call.error}, {"calls", called}};
                return {502, "application/json", failure.dump() + "\n", call.error};
            }
        }
        const auto behaviour = currentBehaviour();
        if (shouldFail(behaviour->errorRate)) {
            return {500, "application/json",
                    R"({"error":"simulated failure"})"
                    "\n",
                    "simulated failure"};
        }
        nlohmann::json greeting = {
            {"service", m_options.service},
            {"id", m_options.instanceId},
            {"version", m_options.version},
            {"color", m_options.color},
            {"zone", m_options.zone},
            {"greeting", behaviour->greeting},
            {"features", behaviour->features},
            {"config", {{"source", behaviour->source}, {"version", behaviour->configVersion}}},
        };
        if (!calls.empty()) {
            greeting["calls"] = called;
        }
        return {200, "application/json", greeting.dump() + "\n"};
    }
    if (path == "/health") {
        return m_draining ? Response{503, "application/json",
                                     R"({"status":"draining"})"
                                     "\n"}
                          : Response{200, "application/json",
                                     R"({"status":"ok"})"
                                     "\n"};
    }
    if (path == "/metrics") {
        auto families = m_metrics->Collect();
        for (auto &family : m_processMetrics.Collect()) {
            families.push_back(std::move(family));
        }
        return {200, "text/plain; version=0.0.4; charset=utf-8",
                prometheus::TextSerializer().Serialize(families)};
    }
    return {404, "text/plain; charset=utf-8", "not found; try /, /health or /metrics\n"};
}

void SampleHttpServer::record(http::verb method, std::string_view path, int status,
                              std::chrono::steady_clock::duration elapsed) {
    const std::string route = routeLabel(path);
    const std::string verb = methodLabel(method);
    m_requests.Add({{"method", verb}, {"route", route}, {"code", std::to_string(status)}})
        .Increment();
    m_durations.Add({{"method", verb}, {"route", route}}, m_durationBuckets)
        .Observe(std::chrono::duration<double>(elapsed).count());
}

bool SampleHttpServer::shouldFail(double errorRate) {
    if (errorRate <= 0) {
        return false;
    }
    std::lock_guard lock(m_randomMutex);
    return std::uniform_real_distribution<double>(0, 1)(m_random) < errorRate;
}

void SampleHttpServer::forget(const Session *session) {
    std::lock_guard lock(m_sessionsMutex);
    m_sessions.erase(session);
    m_sessionsChanged.notify_all();
}

bool SampleHttpServer::shutdown(std::chrono::milliseconds timeout) {
    std::vector<std::shared_ptr<Session>> sessions;
    {
        std::lock_guard lock(m_sessionsMutex);
        if (m_stopping) {
            return m_stopped;
        }
        m_stopping = true;
        for (const auto &[key, weak] : m_sessions) {
            if (auto session = weak.lock()) {
                sessions.push_back(std::move(session));
            }
        }
    }
    if (m_threads.empty()) {
        beast::error_code ignored;
        m_acceptor.close(ignored);
    } else {
        // The acceptor belongs to its strand: close it there, and wait so nothing is accepted
        // once this returns.
        std::promise<void> closed;
        net::post(m_acceptor.get_executor(), [this, &closed] {
            beast::error_code ignored;
            m_acceptor.close(ignored);
            closed.set_value();
        });
        closed.get_future().wait();
    }
    for (const auto &session : sessions) {
        session->close();
    }
    sessions.clear();

    bool drained = false;
    {
        std::unique_lock lock(m_sessionsMutex);
        drained = m_sessionsChanged.wait_for(lock, timeout, [this] { return m_sessions.empty(); });
    }
    // Calls in flight end within their deadline; those not started are abandoned.
    if (m_downstreamPool) {
        m_downstreamPool->stop();
        m_downstreamPool->join();
    }
    m_work.reset();
    m_io.stop();
    for (auto &thread : m_threads) {
        thread.join();
    }
    m_threads.clear();
    std::lock_guard lock(m_sessionsMutex);
    m_stopped = drained;
    return drained;
}

} // namespace aegis::sample
