#include "sample/load_generator.h"

#include "sample/keep_alive_http_client.h"

#include "common/logging.h"

#include <algorithm>
#include <cstdio>
#include <random>
#include <set>
#include <sstream>

namespace aegis::sample {
namespace {

std::string milliseconds(std::chrono::microseconds duration) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1fms", duration.count() / 1000.0);
    return text;
}

} // namespace

void TrafficReport::merge(const TrafficReport &other) {
    ok += other.ok;
    failed += other.failed;
    retried += other.retried;
    latency.merge(other.latency);
    for (const auto &[service, count] : other.perService) {
        perService[service] += count;
    }
    breakersOpen = other.breakersOpen;
    elapsed += other.elapsed;
}

std::string formatReport(const TrafficReport &report) {
    std::ostringstream line;
    line << "ok=" << report.ok << " failed=" << report.failed << " retried=" << report.retried
         << " p50=" << milliseconds(report.latency.quantile(0.5))
         << " p99=" << milliseconds(report.latency.quantile(0.99));
    for (const auto &[service, count] : report.perService) {
        line << " " << service << "=" << count;
    }
    line << " breakers_open=" << report.breakersOpen;
    return line.str();
}

LoadGenerator::LoadGenerator(LoadGeneratorOptions options)
    : m_options(std::move(options))
    , m_limiter({m_options.rate, std::max(1.0, m_options.rate / 10)}) {}

StatusOr<LoadGeneratorPtr> LoadGenerator::start(std::shared_ptr<grpc::Channel> channel,
                                                LoadGeneratorOptions options) {
    if (options.services.empty()) {
        return invalidArgument("services: name at least one service");
    }
    if (!(options.rate > 0 && options.rate <= 1e6)) {
        return invalidArgument("rate must be between 0 and 1000000 requests per second");
    }
    if (options.concurrency < 1 || options.concurrency > 1024) {
        return invalidArgument("concurrency must be between 1 and 1024");
    }
    LoadGeneratorPtr generator(new LoadGenerator(options));
    for (const auto &service : options.services) {
        client::DiscoveryOptions discovery;
        discovery.service = service;
        discovery.strategy = options.strategy;
        discovery.picker.seed = options.seed + std::hash<std::string>()(service);
        auto started = client::Discovery::start(channel, discovery);
        if (!started) {
            return started.status();
        }
        generator->m_discoveries.emplace(service, std::move(*started));
    }
    return generator;
}

LoadGenerator::~LoadGenerator() {
    stop();
}

bool LoadGenerator::waitUntilDiscovered(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (const auto &[service, discovery] : m_discoveries) {
        while (discovery->pickable().empty()) {
            const auto left = deadline - std::chrono::steady_clock::now();
            if (left <= std::chrono::steady_clock::duration::zero() || m_stopping) {
                return false;
            }
            // Discovery has no "changed" wait of its own; poll it briefly, stoppably.
            waitBeforeRetrying(std::chrono::milliseconds(50));
        }
    }
    return true;
}

void LoadGenerator::run() {
    std::lock_guard lock(m_stopMutex);
    if (!m_workers.empty() || m_stopping) {
        return;
    }
    {
        std::lock_guard stats(m_statsMutex);
        m_runStart = m_intervalStart = std::chrono::steady_clock::now();
    }
    for (int i = 0; i < m_options.concurrency; ++i) {
        m_workers.emplace_back(
            [this, seed = m_options.seed + static_cast<std::uint64_t>(i)] { work(seed); });
    }
}

void LoadGenerator::stop() {
    {
        std::lock_guard lock(m_stopMutex);
        m_stopping = true;
    }
    m_stopWake.notify_all();
    for (auto &worker : m_workers) {
        if (worker.joinable()) {
            worker.join();
        }
    }
}

void LoadGenerator::waitBeforeRetrying(std::chrono::milliseconds duration) {
    std::unique_lock lock(m_stopMutex);
    m_stopWake.wait_for(lock, duration, [this] { return m_stopping.load(); });
}

TrafficReport LoadGenerator::takeInterval() {
    const int open = breakersOpen();
    std::lock_guard lock(m_statsMutex);
    const auto now = std::chrono::steady_clock::now();
    TrafficReport report = std::move(m_interval);
    m_interval = {};
    report.elapsed = now - m_intervalStart;
    report.breakersOpen = open;
    m_intervalStart = now;
    return report;
}

TrafficReport LoadGenerator::total() {
    const int open = breakersOpen();
    std::lock_guard lock(m_statsMutex);
    TrafficReport report = m_total;
    report.elapsed = std::chrono::steady_clock::now() - m_runStart;
    report.breakersOpen = open;
    return report;
}

void LoadGenerator::work(std::uint64_t seed) {
    KeepAliveHttpClient http(m_options.requestTimeout);
    std::mt19937_64 random(seed);
    // A limiter refusal means more reservations than this wait are ahead: try again after it.
    const auto pace = std::chrono::milliseconds(
        std::clamp<std::int64_t>(static_cast<std::int64_t>(1000 / m_options.rate), 1, 200));
    while (!m_stopping) {
        if (!m_limiter.acquire(std::chrono::steady_clock::now() + std::chrono::milliseconds(250))) {
            waitBeforeRetrying(pace);
            continue;
        }
        if (m_stopping) {
            break;
        }
        const std::uint64_t sequence = m_sequence++;
        const std::string &service = m_options.services[sequence % m_options.services.size()];
        // A key per simulated user: consistent hashing keeps each user on one instance.
        const std::string key = "user-" + std::to_string(random() % 1000);
        const auto started = std::chrono::steady_clock::now();
        bool retried = false;
        const Outcome outcome = send(http, service, key, retried);
        const auto latency = std::chrono::steady_clock::now() - started;

        std::lock_guard lock(m_statsMutex);
        for (TrafficReport *report : {&m_interval, &m_total}) {
            (outcome == Outcome::Ok ? report->ok : report->failed) += 1;
            report->retried += retried ? 1 : 0;
            report->perService[service] += 1;
        }
        m_interval.latency.record(latency);
        m_total.latency.record(latency);
    }
}

LoadGenerator::Outcome LoadGenerator::send(KeepAliveHttpClient &http, const std::string &service,
                                           const std::string &key, bool &retried) {
    client::Discovery &discovery = *m_discoveries.at(service);
    std::string excluded;
    for (int attempt = 0; attempt < 2; ++attempt) {
        std::shared_ptr<client::CircuitBreaker> breaker; // outlives the permit
        std::optional<client::CircuitBreaker::Permit> permit;
        auto pick =
            choose(discovery, attempt == 0 ? key : key + "/retry", excluded, breaker, permit);
        if (!pick) {
            return Outcome::Failed;
        }
        retried = attempt > 0;
        const auto result = http.get(pick->endpoint.address, m_options.target);
        if (result.connectionFailed) {
            permit->failure();
            discovery.reportOutcome(pick->endpoint.id, false);
            log::warn(attempt == 0 ? "connection failed; retrying on another instance"
                                   : "connection failed on the retry too",
                      {{"service", service},
                       {"instance", pick->endpoint.id},
                       {"address", pick->endpoint.address},
                       {"error", result.error}});
            excluded = pick->endpoint.id;
            continue;
        }
        // A 4xx is the caller's problem, not the instance's: only 5xx counts against it.
        discovery.reportOutcome(pick->endpoint.id, result.status < 500);
        if (result.status >= 200 && result.status < 300) {
            permit->success();
            return Outcome::Ok;
        }
        permit->failure();
        return Outcome::Failed;
    }
    return Outcome::Failed;
}

std::optional<client::Pick>
LoadGenerator::choose(client::Discovery &discovery, const std::string &key,
                      const std::string &excluded, std::shared_ptr<client::CircuitBreaker> &breaker,
                      std::optional<client::CircuitBreaker::Permit> &permit) {
    // Enough draws to pass over the excluded instance and those whose breaker is open, whatever
    // order the picker hands them out in.
    const int draws = 2 * static_cast<int>(discovery.pickable().size()) + 2;
    for (int draw = 0; draw < draws; ++draw) {
        auto pick = discovery.pick(draw == 0 ? key : key + "#" + std::to_string(draw));
        if (!pick) {
            return std::nullopt;
        }
        if (pick->endpoint.id == excluded) {
            continue;
        }
        breaker = breakerFor(pick->endpoint);
        if ((permit = breaker->admit())) {
            return pick;
        }
    }
    return std::nullopt;
}

std::shared_ptr<client::CircuitBreaker>
LoadGenerator::breakerFor(const client::Endpoint &endpoint) {
    std::lock_guard lock(m_breakersMutex);
    auto &breaker = m_breakers[endpoint.service + "/" + endpoint.id];
    if (!breaker) {
        breaker = std::make_shared<client::CircuitBreaker>(m_options.breaker);
    }
    return breaker;
}

int LoadGenerator::breakersOpen() {
    // Breakers of instances that left discovery are dropped: they would stay open forever.
    std::set<std::string> present;
    for (const auto &[service, discovery] : m_discoveries) {
        for (const auto &endpoint : discovery->instances()) {
            present.insert(endpoint.service + "/" + endpoint.id);
        }
    }
    std::lock_guard lock(m_breakersMutex);
    std::erase_if(m_breakers, [&](const auto &entry) { return !present.count(entry.first); });
    return static_cast<int>(std::count_if(m_breakers.begin(), m_breakers.end(), [](const auto &b) {
        return b.second->state() == client::CircuitBreaker::State::Open;
    }));
}

} // namespace aegis::sample
