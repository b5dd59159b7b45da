#pragma once

#include "client/tracer.h"
#include "common/status.h"
#include "exposition/process_metrics.h"
#include "sample/behaviour.h"
#include "sample/downstream_calls.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/http/verb.hpp>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace aegis::sample {

enum class RequestLog { All, Errors, None };

// "all", "errors" (5xx only) or "none"; nullopt for anything else.
std::optional<RequestLog> parseRequestLog(std::string_view text);

struct SampleServerOptions {
    // host:port to bind; port 0 picks a free one (see SampleHttpServer::address()).
    std::string listen = "127.0.0.1:0";
    // Who this instance is, answered by "/".
    std::string service;
    std::string instanceId;
    std::string version;
    std::string color;
    std::string zone;
    // How "/" behaves at start (latency waited on a timer, not a thread); see setBehaviour().
    Behaviour behaviour;
    // Threads running the io_context.
    int threads = 2;
    // How long a keep-alive connection may stay idle, or a request take to arrive.
    std::chrono::seconds idleTimeout{60};
    std::uint64_t seed = std::random_device{}();
    // A server span per "/" request, child of its traceparent (null: no spans).
    client::TracerPtr tracer;
    // The services each "/" request calls before it answers (null: none); a failed call makes
    // the request answer 502. Run on their own threads, never the HTTP ones.
    std::shared_ptr<DownstreamCalls> downstream;
    int downstreamThreads = 8;
    // Which "/" requests write a JSON log line (status, duration, trace_id and span_id).
    RequestLog requestLog = RequestLog::All;
};

// The bucket boundaries of http_request_duration_seconds for a service whose "/" waits `latency`:
// a general set from 100 µs to seconds, dense just above `latency` (from the start-up behaviour;
// the buckets stay when the behaviour changes, so every quantile of the series stays comparable).
prometheus::Histogram::BucketBoundaries requestDurationBuckets(std::chrono::milliseconds latency);

// The sample service's HTTP side, on Boost.Beast: "/" calls the downstream services, then answers
// a JSON greeting with the feature flags and the calls (or a simulated 500, or 502 when a call
// failed), traced as a server span whose latency and errors are the behaviour's; "/health" the
// health, "/metrics" Prometheus metrics: every request
// in the RED convention of metrics/red_queries.h (http_requests_total{method,route,code},
// http_request_duration_seconds{method,route}, the series of the routes and codes it serves
// present from the start at zero), the behaviour in effect, aegis_sample_build_info and the
// process_* metrics.
// Connections are asynchronous sessions on a small pool of threads sharing one io_context; each
// session runs on its own strand.
//
// All methods are thread-safe. shutdown() (or destruction) stops accepting, closes idle
// keep-alive connections, lets in-flight requests finish (answered with "Connection: close") and
// joins the threads.
class SampleHttpServer {
public:
    // INVALID_ARGUMENT for bad options, UNAVAILABLE when the address cannot be bound.
    static StatusOr<std::unique_ptr<SampleHttpServer>> start(SampleServerOptions options);
    ~SampleHttpServer();
    SampleHttpServer(const SampleHttpServer &) = delete;
    SampleHttpServer &operator=(const SampleHttpServer &) = delete;

    // The bound address, "host:port".
    std::string address() const;
    // Makes "/health" answer 503: the instance is leaving (it deregistered).
    void setDraining();
    // Changes how "/" behaves from the next request on. INVALID_ARGUMENT (and nothing changes) when
    // out of range.
    Status setBehaviour(Behaviour behaviour);
    Behaviour behaviour() const;
    // Returns true when every connection ended within `timeout`; later calls return at once.
    bool shutdown(std::chrono::milliseconds timeout);

private:
    class Session;
    struct Response {
        int status = 200;
        std::string contentType;
        std::string body;
        // Why the request failed (a simulated failure, a downstream call), for its span.
        std::string error{};
    };

    explicit SampleHttpServer(SampleServerOptions options);
    Status listen();
    void accept();
    // Answers one request; `path` has no query string; `calls` are the downstream calls made.
    Response answer(std::string_view path, const std::vector<DownstreamCall> &calls);
    void record(boost::beast::http::verb method, std::string_view path, int status,
                std::chrono::steady_clock::duration elapsed);
    bool shouldFail(double errorRate);
    std::shared_ptr<const Behaviour> currentBehaviour() const;
    void exportBehaviour(const Behaviour &behaviour);
    void forget(const Session *session);

    const SampleServerOptions m_options;

    std::shared_ptr<prometheus::Registry> m_metrics;
    exposition::ProcessMetrics m_processMetrics;
    const prometheus::Histogram::BucketBoundaries m_durationBuckets;
    prometheus::Family<prometheus::Counter> &m_requests;
    prometheus::Family<prometheus::Histogram> &m_durations;
    prometheus::Gauge &m_latencyGauge;
    prometheus::Gauge &m_errorRateGauge;
    prometheus::Gauge &m_configVersionGauge;
    prometheus::Family<prometheus::Gauge> &m_featureGauges;
    prometheus::Counter &m_behaviourChanges;

    // Requests only copy the pointer under it, so a change never keeps them waiting. Also guards
    // the exported feature gauges.
    mutable std::mutex m_behaviourMutex;
    std::shared_ptr<const Behaviour> m_behaviour;
    std::map<std::string, prometheus::Gauge *> m_exportedFeatures; // Not owned: the family's.

    std::mutex m_randomMutex;
    std::mt19937_64 m_random;

    std::atomic<bool> m_draining{false};

    // Guards the sessions and the stopping flag, so a session accepted while shutting down is
    // either closed by shutdown() or never started.
    std::mutex m_sessionsMutex;
    std::condition_variable m_sessionsChanged;
    std::map<const Session *, std::weak_ptr<Session>> m_sessions;
    bool m_stopping = false;
    bool m_stopped = false;

    // Runs the downstream calls; stopped and joined by shutdown().
    std::unique_ptr<boost::asio::thread_pool> m_downstreamPool;

    // Last: destroyed first, so sessions still queued in it can forget() themselves.
    boost::asio::io_context m_io;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> m_work;
    boost::asio::ip::tcp::acceptor m_acceptor;
    std::vector<std::thread> m_threads;
};

using SampleHttpServerPtr = std::unique_ptr<SampleHttpServer>;

} // namespace aegis::sample
