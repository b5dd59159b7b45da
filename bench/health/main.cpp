// aegis-bench-health: what health checking costs and how fast it takes a dead instance out.
//   scale    aegisd CPU and memory with N instances HTTP-checked every second (N targets on many
//            loopback addresses, answered by a small keep-alive responder in this process);
//   active   SIGKILL of a real aegis-sample -> the routable watch's REMOVED "critical" event, over
//            many kills, beside the bound fall × interval + timeout;
//   passive  SIGKILL under caller traffic, no active check: how long callers keep seeing failures
//            until the outlier reports eject the instance from their Discovery.
// Markdown tables go to stdout, progress to stderr. See bench/RESULTS.md, "Health checks".

#include "aegis/v1/auth.grpc.pb.h"
#include "aegis/v1/health.grpc.pb.h"
#include "aegis/v1/registry.grpc.pb.h"
#include "bench_support.h"
#include "child_process.h"
#include "client/connection.h"
#include "client/discovery.h"
#include "daemon_process.h"
#include "sample/keep_alive_http_client.h"

#include <boost/asio.hpp>
#include <boost/program_options.hpp>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <sys/resource.h>
#include <thread>

namespace po = boost::program_options;
namespace asio = boost::asio;
using namespace std::chrono;
using namespace std::chrono_literals;

namespace aegis::bench::health {
namespace {

using Clock = steady_clock;

void progress(const std::string &line) {
    std::cerr << "[health] " << line << std::endl;
}

double msSince(Clock::time_point start) {
    return duration<double, std::milli>(Clock::now() - start).count();
}

// Answers every HTTP/1.1 request on its listening ports with "200 ok", keeping connections open.
// One io thread; counts the requests it answered.
class Responder {
public:
    explicit Responder(int ports) {
        for (int i = 0; i < ports; ++i) {
            auto acceptor = std::make_unique<asio::ip::tcp::acceptor>(
                m_io, asio::ip::tcp::endpoint(asio::ip::address_v4::any(), 0));
            m_ports.push_back(acceptor->local_endpoint().port());
            accept(*acceptor);
            m_acceptors.push_back(std::move(acceptor));
        }
        m_thread = std::thread([this] { m_io.run(); });
    }
    ~Responder() {
        m_io.stop();
        m_thread.join();
    }
    const std::vector<std::uint16_t> &ports() const { return m_ports; }
    std::uint64_t requests() const { return m_requests; }

private:
    struct Session : std::enable_shared_from_this<Session> {
        explicit Session(asio::ip::tcp::socket s, std::atomic<std::uint64_t> &counter)
            : socket(std::move(s))
            , requests(counter) {}
        void read() {
            socket.async_read_some(asio::buffer(buffer.data() + used, buffer.size() - used),
                                   [self = shared_from_this()](auto error, std::size_t n) {
                                       if (!error) {
                                           self->received(n);
                                       }
                                   });
        }
        void received(std::size_t n) {
            used += n;
            const std::string_view seen(buffer.data(), used);
            const auto end = seen.find("\r\n\r\n");
            if (end == std::string_view::npos) {
                if (used == buffer.size()) {
                    return; // too large a request: drop the connection
                }
                return read();
            }
            // Probes are GETs without a body; anything after the headers is the next request.
            const std::size_t consumed = end + 4;
            std::memmove(buffer.data(), buffer.data() + consumed, used - consumed);
            used -= consumed;
            ++requests;
            static constexpr std::string_view kResponse =
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok";
            asio::async_write(socket, asio::buffer(kResponse.data(), kResponse.size()),
                              [self = shared_from_this()](auto error, std::size_t) {
                                  if (!error) {
                                      self->read();
                                  }
                              });
        }
        asio::ip::tcp::socket socket;
        std::array<char, 4096> buffer{};
        std::size_t used = 0;
        std::atomic<std::uint64_t> &requests;
    };

    void accept(asio::ip::tcp::acceptor &acceptor) {
        acceptor.async_accept([this, &acceptor](auto error, asio::ip::tcp::socket socket) {
            if (error) {
                return;
            }
            std::make_shared<Session>(std::move(socket), m_requests)->read();
            accept(acceptor);
        });
    }

    asio::io_context m_io;
    std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> m_acceptors;
    std::vector<std::uint16_t> m_ports;
    std::atomic<std::uint64_t> m_requests{0};
    std::thread m_thread;
};

struct Settings {
    std::vector<int> instanceCounts = {1000, 5000, 10000};
    milliseconds window{10000};
    int kills = 12;
    int fleet = 6;
    bool scale = true;
    bool active = true;
    bool passive = true;
    std::string samplePath;
};

void withDeadline(grpc::ClientContext &context, milliseconds timeout = 10s) {
    context.set_deadline(system_clock::now() + timeout);
}

std::unique_ptr<testing::DaemonProcess> startDaemon(const std::string &yaml,
                                                    const testing::TempDir &dir) {
    const auto file = dir.path() / "aegisd.yaml";
    std::ofstream(file) << yaml;
    testing::DaemonOptions options;
    options.extraArgs = {"--config", file.string(), "--log-level", "warn"};
    auto daemon = testing::DaemonProcess::start(options);
    if (!daemon) {
        throw std::runtime_error("aegisd did not start: " + daemon.status().message());
    }
    return std::move(*daemon);
}

std::shared_ptr<grpc::Channel> adminChannel(const testing::DaemonProcess &daemon) {
    return *client::makeChannel(daemon.adminConnection());
}

void setCheck(const std::shared_ptr<grpc::Channel> &channel, const std::string &service,
              int intervalMs, int timeoutMs, int rise, int fall) {
    auto stub = aegis::v1::HealthService::NewStub(channel);
    aegis::v1::UpdateHealthCheckRequest request;
    request.set_service(service);
    auto *check = request.mutable_check();
    check->set_kind("http");
    (*check->mutable_options())["path"] = "/health";
    check->set_interval_ms(intervalMs);
    check->set_timeout_ms(timeoutMs);
    check->set_rise(rise);
    check->set_fall(fall);
    aegis::v1::UpdateHealthCheckResponse response;
    grpc::ClientContext context;
    withDeadline(context);
    const auto status = stub->UpdateHealthCheck(&context, request, &response);
    if (!status.ok()) {
        throw std::runtime_error("UpdateHealthCheck: " + status.error_message());
    }
}

// Instances of `service` by health status, every instance listed.
std::map<int, int> statusCounts(const std::shared_ptr<grpc::Channel> &channel,
                                const std::string &service) {
    auto stub = aegis::v1::RegistryService::NewStub(channel);
    std::map<int, int> counts;
    std::string token;
    do {
        aegis::v1::ListInstancesRequest request;
        request.set_service(service);
        request.set_include_unroutable(true);
        request.set_page_size(1000);
        request.set_page_token(token);
        aegis::v1::ListInstancesResponse response;
        grpc::ClientContext context;
        withDeadline(context);
        if (!stub->ListInstances(&context, request, &response).ok()) {
            return counts;
        }
        for (const auto &instance : response.instances()) {
            ++counts[instance.health().status()];
        }
        token = response.next_page_token();
    } while (!token.empty());
    return counts;
}

// Registers `count` instances of "fleet" under one long lease, from 8 threads.
void registerFleet(const std::shared_ptr<grpc::Channel> &channel, int count,
                   const std::vector<std::uint16_t> &ports) {
    auto stub = aegis::v1::RegistryService::NewStub(channel);
    auto address = [&](int i) {
        // 127.0.A.B: every instance a target of its own, all reaching the responder's ports.
        return "127.0." + std::to_string(1 + i / 250) + "." + std::to_string(1 + i % 250) + ":" +
               std::to_string(ports[static_cast<std::size_t>(i) % ports.size()]);
    };
    aegis::v1::RegisterInstanceRequest first;
    first.mutable_instance()->set_service("fleet");
    first.mutable_instance()->set_id("i0");
    first.mutable_instance()->set_address(address(0));
    first.set_ttl_seconds(3600);
    aegis::v1::RegisterInstanceResponse created;
    grpc::ClientContext context;
    withDeadline(context);
    if (!stub->RegisterInstance(&context, first, &created).ok()) {
        throw std::runtime_error("cannot register the fleet");
    }
    const std::int64_t lease = created.lease_id();
    std::atomic<int> next{1};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            for (int i = next++; i < count; i = next++) {
                aegis::v1::RegisterInstanceRequest request;
                request.mutable_instance()->set_service("fleet");
                request.mutable_instance()->set_id("i" + std::to_string(i));
                request.mutable_instance()->set_address(address(i));
                request.set_lease_id(lease);
                aegis::v1::RegisterInstanceResponse response;
                grpc::ClientContext call;
                withDeadline(call);
                stub->RegisterInstance(&call, request, &response);
            }
        });
    }
    for (auto &thread : threads) {
        thread.join();
    }
}

struct ScaleRow {
    int instances = 0;
    double probesPerSecond = 0;
    double daemonCores = 0;
    double responderCores = 0;
    std::int64_t rssNoChecksKib = 0;
    std::int64_t rssCheckedKib = 0;
    double secondsToAllPassing = 0;
};

ScaleRow measureScale(int instances, const Settings &settings) {
    testing::TempDir dir;
    auto daemon = startDaemon("log_level: warn\n", dir);
    auto channel = adminChannel(*daemon);
    Responder responder(16);
    progress("scale: registering " + std::to_string(instances) + " instances");
    registerFleet(channel, instances, responder.ports());
    std::this_thread::sleep_for(1s); // let the daemon settle before the baseline reading
    ScaleRow row;
    row.instances = instances;
    row.rssNoChecksKib = processRssKib(daemon->pid());

    const auto configured = Clock::now();
    setCheck(channel, "fleet", 1000, 1000, 1, 3);
    while (statusCounts(channel, "fleet")[aegis::v1::HEALTH_STATUS_PASSING] < instances) {
        if (Clock::now() - configured > 120s) {
            throw std::runtime_error("not every instance became passing within 120 s");
        }
        std::this_thread::sleep_for(200ms);
    }
    row.secondsToAllPassing = msSince(configured) / 1000.0;
    std::this_thread::sleep_for(2s); // steady state
    const double cpuBefore = processCpuSeconds(daemon->pid());
    const double selfBefore = selfCpuSeconds();
    const auto requestsBefore = responder.requests();
    const auto start = Clock::now();
    std::this_thread::sleep_for(settings.window);
    const double seconds = msSince(start) / 1000.0;
    row.daemonCores = (processCpuSeconds(daemon->pid()) - cpuBefore) / seconds;
    row.responderCores = (selfCpuSeconds() - selfBefore) / seconds;
    row.probesPerSecond = static_cast<double>(responder.requests() - requestsBefore) / seconds;
    row.rssCheckedKib = processRssKib(daemon->pid());
    daemon->terminate();
    return row;
}

// Collects the routable view's REMOVED events (instance id -> when and why) on its own thread.
class RemovalWatch {
public:
    RemovalWatch(const std::shared_ptr<grpc::Channel> &channel, const std::string &service) {
        m_stub = aegis::v1::RegistryService::NewStub(channel);
        withDeadline(m_context, 30min);
        aegis::v1::WatchInstancesRequest request;
        request.set_service(service);
        m_reader = m_stub->WatchInstances(&m_context, request);
        m_thread = std::thread([this] {
            aegis::v1::WatchInstancesResponse response;
            while (m_reader->Read(&response)) {
                const auto now = Clock::now();
                std::lock_guard lock(m_mutex);
                for (const auto &event : response.events()) {
                    if (event.type() == aegis::v1::INSTANCE_EVENT_TYPE_REMOVED) {
                        m_removed.try_emplace(event.instance().id(), now, event.reason());
                    }
                }
            }
        });
    }
    ~RemovalWatch() {
        m_context.TryCancel();
        m_thread.join();
    }
    std::optional<std::pair<Clock::time_point, std::string>> removed(const std::string &id) {
        std::lock_guard lock(m_mutex);
        const auto it = m_removed.find(id);
        return it == m_removed.end() ? std::nullopt : std::optional(it->second);
    }

private:
    std::unique_ptr<aegis::v1::RegistryService::Stub> m_stub;
    grpc::ClientContext m_context;
    std::unique_ptr<grpc::ClientReader<aegis::v1::WatchInstancesResponse>> m_reader;
    std::mutex m_mutex;
    std::map<std::string, std::pair<Clock::time_point, std::string>> m_removed;
    std::thread m_thread;
};

// A fleet of real aegis-sample processes of one service, registered with a long lease so that
// only health takes a dead one out.
class SampleFleet {
public:
    SampleFleet(const testing::DaemonProcess &daemon, const std::string &service,
                const Settings &settings, const testing::TempDir &dir)
        : m_daemon(daemon)
        , m_service(service)
        , m_samplePath(settings.samplePath)
        , m_dir(dir) {
        auto auth = aegis::v1::AuthService::NewStub(adminChannel(daemon));
        aegis::v1::CreateTokenRequest request;
        request.set_name(service + "-fleet");
        request.set_role(aegis::v1::ROLE_SERVICE);
        request.add_services(service);
        aegis::v1::CreateTokenResponse response;
        grpc::ClientContext context;
        withDeadline(context);
        if (!auth->CreateToken(&context, request, &response).ok()) {
            throw std::runtime_error("cannot create the fleet token");
        }
        m_tokenFile = dir.path() / (service + ".token");
        std::ofstream(m_tokenFile) << response.secret() << "\n";
    }
    std::string start() {
        const std::string id = m_service + "-" + std::to_string(m_next++);
        const auto log = m_dir.path() / (id + ".log");
        m_samples[id] = testing::ChildProcess::start(
            {m_samplePath, "--service", m_service, "--id", id, "--listen", "127.0.0.1:0", "--aegis",
             m_daemon.grpcAddress(), "--token-file", m_tokenFile.string(), "--latency", "0ms",
             "--error-rate", "0", "--ttl", "600s"},
            log, log);
        return id;
    }
    void kill(const std::string &id) {
        m_samples.at(id)->signal(SIGKILL);
        m_samples.at(id)->wait(5s);
        m_samples.erase(id);
    }
    std::vector<std::string> ids() const {
        std::vector<std::string> ids;
        for (const auto &[id, sample] : m_samples) {
            ids.push_back(id);
        }
        return ids;
    }
    // Removes a killed instance's leftover registration (it holds a 600 s lease).
    void forget(const std::string &id) {
        auto stub = aegis::v1::RegistryService::NewStub(adminChannel(m_daemon));
        aegis::v1::DeregisterInstanceRequest request;
        request.set_service(m_service);
        request.set_instance_id(id);
        aegis::v1::DeregisterInstanceResponse response;
        grpc::ClientContext context;
        withDeadline(context);
        stub->DeregisterInstance(&context, request, &response);
    }

private:
    const testing::DaemonProcess &m_daemon;
    std::string m_service;
    std::string m_samplePath;
    const testing::TempDir &m_dir;
    std::filesystem::path m_tokenFile;
    std::map<std::string, std::unique_ptr<testing::ChildProcess>> m_samples;
    int m_next = 1;
};

bool waitFor(const std::function<bool()> &condition, milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!condition()) {
        if (Clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(20ms);
    }
    return true;
}

struct Distribution {
    std::vector<double> ms;
    std::string describe() const {
        auto sorted = ms;
        std::sort(sorted.begin(), sorted.end());
        if (sorted.empty()) {
            return "| n/a | n/a | n/a | n/a |";
        }
        return "| " + fixed(sorted.front(), 0) + " | " + fixed(percentile(sorted, 0.5), 0) + " | " +
               fixed(percentile(sorted, 0.99), 0) + " | " + fixed(sorted.back(), 0) + " |";
    }
};

Distribution measureActive(const Settings &settings) {
    testing::TempDir dir;
    auto daemon = startDaemon("log_level: warn\n", dir);
    auto channel = adminChannel(*daemon);
    SampleFleet fleet(*daemon, "victim", settings, dir);
    for (int i = 0; i < settings.fleet; ++i) {
        fleet.start();
    }
    setCheck(channel, "victim", 1000, 500, 2, 3);
    auto allPassing = [&] {
        const auto counts = statusCounts(channel, "victim");
        return counts.count(aegis::v1::HEALTH_STATUS_PASSING) &&
               counts.at(aegis::v1::HEALTH_STATUS_PASSING) == settings.fleet;
    };
    if (!waitFor(allPassing, 30s)) {
        throw std::runtime_error("the victim fleet did not become passing");
    }
    RemovalWatch watch(channel, "victim");
    Distribution detection;
    for (int kill = 0; kill < settings.kills; ++kill) {
        const std::string victim = fleet.ids().front();
        const auto killedAt = Clock::now();
        fleet.kill(victim);
        if (!waitFor([&] { return watch.removed(victim).has_value(); }, 15s)) {
            progress("active: " + victim + " was not removed within 15 s");
            continue;
        }
        const auto [at, reason] = *watch.removed(victim);
        detection.ms.push_back(duration<double, std::milli>(at - killedAt).count());
        progress("active: " + victim + " removed (" + reason + ") after " +
                 fixed(detection.ms.back(), 0) + " ms");
        fleet.forget(victim);
        fleet.start();
        waitFor(allPassing, 30s);
    }
    daemon->terminate();
    return detection;
}

struct PassiveResult {
    Distribution failureWindow; // kill -> last failed call a caller saw
    Distribution ejection;      // kill -> the caller's Discovery no longer hands it out
    std::uint64_t calls = 0;
    std::uint64_t failedCalls = 0;
};

PassiveResult measurePassive(const Settings &settings) {
    testing::TempDir dir;
    auto daemon = startDaemon("log_level: warn\nhealth:\n  outlier:\n"
                              "    consecutive_failures: 5\n    max_ejected_percent: 50\n",
                              dir);
    SampleFleet fleet(*daemon, "callee", settings, dir);
    for (int i = 0; i < settings.fleet; ++i) {
        fleet.start();
    }
    client::ConnectionOptions connection = daemon->adminConnection();
    auto channel = *client::makeChannel(connection);
    client::DiscoveryOptions options;
    options.service = "callee";
    auto discovery = client::Discovery::start(channel, options).value();
    if (!waitFor([&] { return discovery->pickable().size() == std::size_t(settings.fleet); },
                 30s)) {
        throw std::runtime_error("the callee fleet did not register");
    }

    // Callers: two threads calling picked instances back to back, reporting each outcome, with
    // no retry, so every call that meets the dead instance is a failure a user would see.
    std::atomic<bool> stop{false};
    std::mutex mutex;
    std::map<std::string, Clock::time_point> lastFailure;
    std::atomic<std::uint64_t> calls{0};
    std::atomic<std::uint64_t> failed{0};
    std::vector<std::thread> callers;
    for (int t = 0; t < 2; ++t) {
        callers.emplace_back([&, t] {
            sample::KeepAliveHttpClient http(1s);
            int n = 0;
            while (!stop) {
                auto pick = discovery->pick(std::to_string(t) + "/" + std::to_string(n++));
                if (!pick) {
                    std::this_thread::sleep_for(1ms);
                    continue;
                }
                const auto result = http.get(pick->endpoint.address, "/");
                const bool ok = !result.connectionFailed && result.status < 500;
                discovery->reportOutcome(pick->endpoint.id, ok);
                ++calls;
                if (!ok) {
                    ++failed;
                    std::lock_guard lock(mutex);
                    lastFailure[pick->endpoint.id] = Clock::now();
                }
            }
        });
    }

    PassiveResult result;
    for (int kill = 0; kill < settings.kills; ++kill) {
        std::this_thread::sleep_for(300ms); // traffic flowing to everyone
        const std::string victim = fleet.ids().front();
        const auto killedAt = Clock::now();
        fleet.kill(victim);
        auto pickable = [&] {
            for (const auto &endpoint : discovery->pickable()) {
                if (endpoint.id == victim) {
                    return true;
                }
            }
            return false;
        };
        if (!waitFor([&] { return !pickable(); }, 15s)) {
            progress("passive: " + victim + " still picked after 15 s");
            continue;
        }
        result.ejection.ms.push_back(msSince(killedAt));
        std::this_thread::sleep_for(200ms); // calls picked before the change complete
        {
            std::lock_guard lock(mutex);
            if (const auto it = lastFailure.find(victim); it != lastFailure.end()) {
                result.failureWindow.ms.push_back(
                    duration<double, std::milli>(it->second - killedAt).count());
            }
        }
        progress("passive: " + victim + " ejected after " + fixed(result.ejection.ms.back(), 0) +
                 " ms");
        fleet.forget(victim);
        fleet.start();
        waitFor([&] { return discovery->pickable().size() == std::size_t(settings.fleet); }, 30s);
    }
    stop = true;
    for (auto &caller : callers) {
        caller.join();
    }
    result.calls = calls;
    result.failedCalls = failed;
    discovery.reset();
    daemon->terminate();
    return result;
}

int run(const Settings &settings) {
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    std::cout << "Machine: " << cpuModel() << ", " << std::thread::hardware_concurrency()
              << " cores; aegisd and this benchmark share them.\n\n";
    if (settings.scale) {
        std::vector<ScaleRow> rows;
        for (int count : settings.instanceCounts) {
            rows.push_back(measureScale(count, settings));
        }
        std::cout << "### HTTP checks every second (interval 1 s, timeout 1 s, keep-alive; "
                  << settings.window.count() / 1000 << " s window)\n\n"
                  << "| instances | probes/s | aegisd CPU (cores) | µs of aegisd CPU per probe | "
                     "aegisd RSS without checks (MiB) | with checks (MiB) | KiB per check | "
                     "all passing after (s) | responder CPU (cores) |\n"
                  << "|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
        for (const auto &row : rows) {
            std::cout << "| " << row.instances << " | " << fixed(row.probesPerSecond, 0) << " | "
                      << fixed(row.daemonCores, 2) << " | "
                      << fixed(row.daemonCores * 1e6 / std::max(1.0, row.probesPerSecond), 1)
                      << " | " << fixed(row.rssNoChecksKib / 1024.0, 1) << " | "
                      << fixed(row.rssCheckedKib / 1024.0, 1) << " | "
                      << fixed(static_cast<double>(row.rssCheckedKib - row.rssNoChecksKib) /
                                   row.instances,
                               2)
                      << " | " << fixed(row.secondsToAllPassing, 1) << " | "
                      << fixed(row.responderCores, 2) << " |\n";
        }
        std::cout << "\n";
    }
    if (settings.active) {
        const auto detection = measureActive(settings);
        std::cout << "### Active detection: SIGKILL to REMOVED \"critical\" in the routable watch ("
                  << detection.ms.size()
                  << " kills; interval 1 s, timeout 500 ms, rise 2, fall 3, jitter 100 ms)\n\n"
                  << "| measure | min ms | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|\n"
                  << "| detection " << detection.describe() << "\n"
                  << "| bound, refused connection: (fall − 1) × (interval − jitter) to fall × "
                     "(interval + jitter) | 1800 | | | 3300 |\n"
                  << "| bound, black hole: the same + timeout | 2300 | | | 3800 |\n\n";
    }
    if (settings.passive) {
        const auto passive = measurePassive(settings);
        std::cout << "### Passive detection: SIGKILL under caller traffic, no active check ("
                  << passive.ejection.ms.size()
                  << " kills; 5 consecutive failures eject; reports every 250 ms)\n\n"
                  << "| measure | min ms | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|\n"
                  << "| callers see failures for (kill to last failed call) "
                  << passive.failureWindow.describe() << "\n"
                  << "| out of the callers' Discovery after " << passive.ejection.describe()
                  << "\n\n"
                  << "Calls: " << passive.calls << ", failed: " << passive.failedCalls
                  << " (callers did not retry).\n\n";
    }
    return 0;
}

} // namespace
} // namespace aegis::bench::health

int main(int argc, char **argv) {
    aegis::bench::health::Settings settings;
    std::string counts = "1000,5000,10000";
    std::string only;
    int windowSeconds = 10;
    po::options_description flags("aegis-bench-health");
    flags.add_options()("help", "this text")("instances", po::value(&counts)->default_value(counts),
                                             "instance counts of the scale measure")(
        "window", po::value(&windowSeconds), "seconds measured at each scale")(
        "kills", po::value(&settings.kills)->default_value(settings.kills),
        "SIGKILLs in each detection measure")("only", po::value(&only), "scale, active or passive")(
        "sample", po::value(&settings.samplePath)->default_value(AEGIS_SAMPLE_PATH),
        "the aegis-sample binary");
    po::variables_map values;
    try {
        po::store(po::parse_command_line(argc, argv, flags), values);
        po::notify(values);
        settings.instanceCounts = aegis::bench::parseIntList(counts);
    } catch (const std::exception &error) {
        std::cerr << error.what() << "\n" << flags;
        return 2;
    }
    if (values.count("help")) {
        std::cout << flags;
        return 0;
    }
    settings.window = std::chrono::seconds(windowSeconds);
    if (!only.empty()) {
        settings.scale = only == "scale";
        settings.active = only == "active";
        settings.passive = only == "passive";
    }
    try {
        return aegis::bench::health::run(settings);
    } catch (const std::exception &error) {
        std::cerr << "aegis-bench-health: " << error.what() << "\n";
        return 1;
    }
}
