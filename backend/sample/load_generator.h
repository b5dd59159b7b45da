#pragma once

#include "client/circuit_breaker.h"
#include "client/discovery.h"
#include "client/rate_limiter.h"
#include "common/status.h"
#include "sample/latency_histogram.h"

#include <grpcpp/channel.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace aegis::sample {

class KeepAliveHttpClient;

struct LoadGeneratorOptions {
    // Required: the services to spread requests over, in turn.
    std::vector<std::string> services;
    // Requests per second across all services, and how many may be in flight at once.
    double rate = 200;
    int concurrency = 16;
    client::Strategy strategy = client::Strategy::WeightedRoundRobin;
    // Deadline of each HTTP request.
    std::chrono::milliseconds requestTimeout{2000};
    // The path requested from every instance.
    std::string target = "/";
    client::CircuitBreakerOptions breaker;
    std::uint64_t seed = 0x5eed;
};

// What the traffic came to over some period.
struct TrafficReport {
    // Requests answered 2xx, and those that were not (error status, timeout, no instance left).
    std::int64_t ok = 0;
    std::int64_t failed = 0;
    // Requests sent to a second instance after a connection failure on the first.
    std::int64_t retried = 0;
    LatencyHistogram latency;
    // Requests per service.
    std::map<std::string, std::int64_t> perService;
    // Breakers open at the end of the period.
    int breakersOpen = 0;
    std::chrono::steady_clock::duration elapsed{};

    void merge(const TrafficReport &other);
};

// "ok=198 failed=0 retried=1 p50=6.2ms p99=11.8ms checkout=66 inventory=66 payments=66
// breakers_open=0"
std::string formatReport(const TrafficReport &report);

// Drives steady traffic across services found through Discovery: a RateLimiter paces requests,
// each request goes to the instance the picker chooses whose CircuitBreaker admits it, and a
// connection failure is retried once on another instance (so an instance that died before its
// lease expired costs no failed request). `concurrency` worker threads each keep one keep-alive
// connection per instance.
//
// All methods are thread-safe. stop() (or destruction) lets the requests in flight end and joins.
class LoadGenerator {
public:
    // INVALID_ARGUMENT for bad options. Starts at once; requests to a service that has no
    // instance yet count as failed, so callers wait for waitUntilDiscovered() first.
    static StatusOr<std::unique_ptr<LoadGenerator>> start(std::shared_ptr<grpc::Channel> channel,
                                                          LoadGeneratorOptions options);
    ~LoadGenerator();
    LoadGenerator(const LoadGenerator &) = delete;
    LoadGenerator &operator=(const LoadGenerator &) = delete;

    // Whether every service has at least one pickable instance before `timeout`.
    bool waitUntilDiscovered(std::chrono::milliseconds timeout);
    // Starts sending requests (once).
    void run();
    // The traffic since the last call (or since run()).
    TrafficReport takeInterval();
    // The traffic since run().
    TrafficReport total();
    void stop();

private:
    enum class Outcome { Ok, Failed };

    explicit LoadGenerator(LoadGeneratorOptions options);
    void work(std::uint64_t seed);
    // Sends one request to `service`; sets `retried` when it went to a second instance.
    Outcome send(KeepAliveHttpClient &http, const std::string &service, const std::string &key,
                 bool &retried);
    // An instance of `service` other than `excluded` whose breaker admits a request, with that
    // breaker and its permit.
    std::optional<client::Pick> choose(client::Discovery &discovery, const std::string &key,
                                       const std::string &excluded,
                                       std::shared_ptr<client::CircuitBreaker> &breaker,
                                       std::optional<client::CircuitBreaker::Permit> &permit);
    std::shared_ptr<client::CircuitBreaker> breakerFor(const client::Endpoint &endpoint);
    int breakersOpen();
    void waitBeforeRetrying(std::chrono::milliseconds duration);

    const LoadGeneratorOptions m_options;
    client::RateLimiter m_limiter;
    std::map<std::string, client::DiscoveryPtr> m_discoveries; // by service; fixed after start()
    std::atomic<std::uint64_t> m_sequence{0};

    std::mutex m_breakersMutex;
    std::map<std::string, std::shared_ptr<client::CircuitBreaker>> m_breakers; // "service/id"

    std::mutex m_statsMutex;
    TrafficReport m_interval;
    TrafficReport m_total;
    std::chrono::steady_clock::time_point m_intervalStart;
    std::chrono::steady_clock::time_point m_runStart;

    std::mutex m_stopMutex;
    std::condition_variable m_stopWake;
    std::atomic<bool> m_stopping{false};
    std::vector<std::thread> m_workers;
};

using LoadGeneratorPtr = std::unique_ptr<LoadGenerator>;

} // namespace aegis::sample
