// aegis-bench-rollout: how fast a rollout moves live traffic through a real HAProxy 2.6, and what
// the move costs that traffic.
//   switches  blue-green rollouts with require_approval, each to the idle colour: from the moment
//             PromoteRollout returns on this client to the first request the new colour serves, and
//             to the last request the old colour serves (drained);
//   aborts    rollouts baking on the new colour (long bake): from the moment AbortRollout returns
//             to the first request the stable colour serves, and to the last one the new colour
//             serves;
//   load      wrk through HAProxy at the highest rate it sustains here, running throughout; every
//             non-2xx answer and socket error it reports is a failed request.
// aegisd runs the haproxy router (bind_addresses) and the external driver. This program is the
// external deployer: it registers each version's instances itself (labels color and version,
// addresses of small keep-alive HTTP servers inside this process, one set per colour, which note
// the steady-clock time of every request they serve), so the gates pass as soon as healthy_for
// has passed. Markdown tables go to stdout, progress to stderr. See bench/RESULTS.md, "Rollouts".

#include "aegis/v1/registry.grpc.pb.h"
#include "aegis/v1/rollout.grpc.pb.h"
#include "bench_support.h"
#include "child_process.h"
#include "client/connection.h"
#include "daemon_process.h"
#include "haproxy_process.h"
#include "rollout/haproxy_runtime.h"
#include "wrk_summary.h"

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
#include <optional>
#include <sstream>
#include <sys/resource.h>
#include <thread>

namespace po = boost::program_options;
namespace asio = boost::asio;
using namespace std::chrono;
using namespace std::chrono_literals;

namespace aegis::bench::rollouts {
namespace {

namespace v1 = aegis::v1;
using Clock = steady_clock;

constexpr const char *kWrk = "/usr/bin/wrk";
constexpr const char *kService = "shop";
constexpr int kSlotsPerColor = 2;

void progress(const std::string &line) {
    std::cerr << "[rollout] " << line << std::endl;
}

std::int64_t ticks(Clock::time_point time) {
    return duration_cast<nanoseconds>(time.time_since_epoch()).count();
}

double msBetween(std::int64_t fromTicks, std::int64_t toTicks) {
    return static_cast<double>(toTicks - fromTicks) / 1e6;
}

void storeMax(std::atomic<std::int64_t> &target, std::int64_t value) {
    std::int64_t seen = target.load(std::memory_order_relaxed);
    while (seen < value && !target.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
    }
}

// One colour's servers: `slots` listening ports on 127.0.0.1, answering every HTTP/1.1 request
// with 200 and the colour's name on kept-alive connections, from `threads` io threads. Notes the
// time of the last request served and of the first one after arm().
class TimedBackend {
public:
    TimedBackend(std::string color, int slots, int threads)
        : m_response("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
                     std::to_string(color.size() + 1) + "\r\n\r\n" + color + "\n") {
        for (int i = 0; i < slots; ++i) {
            auto acceptor = std::make_unique<asio::ip::tcp::acceptor>(
                m_io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
            m_ports.push_back(acceptor->local_endpoint().port());
            accept(*acceptor);
            m_acceptors.push_back(std::move(acceptor));
        }
        for (int i = 0; i < threads; ++i) {
            m_threads.emplace_back([this] { m_io.run(); });
        }
    }
    ~TimedBackend() {
        m_io.stop();
        for (auto &thread : m_threads) {
            thread.join();
        }
    }

    const std::vector<std::uint16_t> &ports() const { return m_ports; }
    std::uint64_t served() const { return m_served.load(std::memory_order_relaxed); }
    // Forgets the first request seen so far: the next one served is the new first.
    void arm() { m_first.store(0, std::memory_order_relaxed); }
    // Steady-clock ticks of the first request since arm(); 0 when none yet.
    std::int64_t first() const { return m_first.load(std::memory_order_relaxed); }
    std::int64_t last() const { return m_last.load(std::memory_order_relaxed); }

private:
    struct Session : std::enable_shared_from_this<Session> {
        Session(asio::ip::tcp::socket s, TimedBackend &owner)
            : socket(std::move(s))
            , backend(owner) {}

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
            // Requests are GETs without a body; answer every complete one in the buffer.
            std::size_t consumed = 0;
            int complete = 0;
            for (;;) {
                const std::string_view rest(buffer.data() + consumed, used - consumed);
                const auto end = rest.find("\r\n\r\n");
                if (end == std::string_view::npos) {
                    break;
                }
                consumed += end + 4;
                ++complete;
            }
            if (complete == 0) {
                if (used == buffer.size()) {
                    return; // a request larger than the buffer: drop the connection
                }
                return read();
            }
            std::memmove(buffer.data(), buffer.data() + consumed, used - consumed);
            used -= consumed;
            backend.record(complete);
            pending.clear();
            for (int i = 0; i < complete; ++i) {
                pending += backend.m_response;
            }
            asio::async_write(socket, asio::buffer(pending),
                              [self = shared_from_this()](auto error, std::size_t) {
                                  if (!error) {
                                      self->read();
                                  }
                              });
        }

        asio::ip::tcp::socket socket;
        TimedBackend &backend;
        std::array<char, 8192> buffer{};
        std::size_t used = 0;
        std::string pending;
    };

    void record(int requests) {
        const std::int64_t now = ticks(Clock::now());
        m_served.fetch_add(static_cast<std::uint64_t>(requests), std::memory_order_relaxed);
        if (m_first.load(std::memory_order_relaxed) == 0) {
            std::int64_t unset = 0;
            m_first.compare_exchange_strong(unset, now, std::memory_order_relaxed);
        }
        storeMax(m_last, now);
    }

    void accept(asio::ip::tcp::acceptor &acceptor) {
        acceptor.async_accept([this, &acceptor](auto error, asio::ip::tcp::socket socket) {
            if (error) {
                return;
            }
            socket.set_option(asio::ip::tcp::no_delay(true));
            std::make_shared<Session>(std::move(socket), *this)->read();
            accept(acceptor);
        });
    }

    const std::string m_response;
    asio::io_context m_io;
    std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> m_acceptors;
    std::vector<std::uint16_t> m_ports;
    std::atomic<std::uint64_t> m_served{0};
    std::atomic<std::int64_t> m_first{0};
    std::atomic<std::int64_t> m_last{0};
    std::vector<std::thread> m_threads;
};

struct Settings {
    int switches = 50;
    int aborts = 50;
    // wrk connections; 0: the best of a short sweep.
    int connections = 0;
    std::vector<int> sweep = {16, 32, 64, 128};
    int wrkThreads = 2;
    int backendThreads = 2;
    milliseconds sweepWindow{3000};
    // A colour is drained once it served nothing for this long.
    milliseconds quiet{200};
    milliseconds healthyFor{50};
};

void withDeadline(grpc::ClientContext &context, milliseconds timeout = 10s) {
    context.set_deadline(system_clock::now() + timeout);
}

std::string loadAverage() {
    std::ifstream in("/proc/loadavg");
    std::string one;
    std::string five;
    std::string fifteen;
    in >> one >> five >> fifteen;
    return one + " " + five + " " + fifteen;
}

// wrk through HAProxy, in the background until stop().
class WrkRun {
public:
    WrkRun(const testing::TempDir &dir, const std::string &name, std::uint16_t port,
           int connections, const Settings &settings)
        : m_out(dir.path() / (name + ".out")) {
        m_process = testing::ChildProcess::start(
            {kWrk, "-t" + std::to_string(settings.wrkThreads), "-c" + std::to_string(connections),
             "-d3600s", "--timeout", "2s", "http://127.0.0.1:" + std::to_string(port) + "/"},
            m_out, dir.path() / (name + ".err"));
        if (!m_process) {
            throw std::runtime_error("cannot start wrk");
        }
    }
    // SIGINT: wrk stops and prints its summary.
    testing::WrkSummary stop() {
        m_process->signal(SIGINT);
        if (m_process->wait(10s) != std::optional<int>(0)) {
            throw std::runtime_error("wrk did not stop cleanly: " + testing::readFile(m_out));
        }
        const std::string text = testing::readFile(m_out);
        const auto summary = testing::parseWrkSummary(text);
        if (!summary) {
            throw std::runtime_error("unreadable wrk output: " + text);
        }
        return *summary;
    }

private:
    std::filesystem::path m_out;
    std::unique_ptr<testing::ChildProcess> m_process;
};

// HAProxy's counters from `show stat`: by "<proxy>/<row>" ("web/FRONTEND", "shop/BACKEND",
// "shop/blue-1"), then by column name.
using StatCounters = std::map<std::string, std::map<std::string, std::int64_t>>;

StatCounters showStat(const std::string &socket) {
    asio::io_context io;
    const rollout::HaproxyRuntime runtime(io.get_executor(), {socket, {}, 0}, 2s);
    StatCounters stats;
    runtime.execute({"show stat"}, [&](StatusOr<std::vector<std::string>> answers) {
        if (!answers || answers->empty()) {
            return;
        }
        std::istringstream in(answers->front());
        std::vector<std::string> columns;
        for (std::string line; std::getline(in, line);) {
            std::vector<std::string> fields;
            std::istringstream cells(line.starts_with("# ") ? line.substr(2) : line);
            for (std::string cell; std::getline(cells, cell, ',');) {
                fields.push_back(cell);
            }
            if (line.starts_with("# ")) {
                columns = fields;
                continue;
            }
            if (fields.size() < 2) {
                continue;
            }
            auto &row = stats[fields[0] + "/" + fields[1]];
            for (std::size_t i = 2; i < fields.size() && i < columns.size(); ++i) {
                try {
                    row[columns[i]] = std::stoll(fields[i]);
                } catch (const std::exception &) {
                    // not a counter
                }
            }
        }
    });
    io.run();
    return stats;
}

struct Figures {
    std::vector<double> firstOnNew;
    std::vector<double> lastOnOld;
    std::vector<double> callMs;
};

class RolloutBench {
public:
    explicit RolloutBench(const Settings &settings)
        : m_settings(settings)
        , m_blue("blue", kSlotsPerColor, settings.backendThreads)
        , m_green("green", kSlotsPerColor, settings.backendThreads) {
        testing::DaemonOptions options;
        options.extraArgs = {"--log-level", "warn"};
        auto daemon = testing::DaemonProcess::start(options);
        if (!daemon) {
            throw std::runtime_error("aegisd did not start: " + daemon.status().message());
        }
        m_daemon = std::move(*daemon);
        auto channel = *client::makeChannel(m_daemon->adminConnection());
        m_rollouts = v1::RolloutService::NewStub(channel);
        m_registry = v1::RegistryService::NewStub(channel);
        startHaproxy();
    }

    int run() {
        std::cout << "aegis-bench-rollout: " << cpuModel() << ", "
                  << std::thread::hardware_concurrency()
                  << " cores shared by aegisd, HAProxy, wrk and this program's backends; load "
                     "average at start "
                  << loadAverage() << ".\n\n";
        // The service as it ran before its first rollout: v0 on blue, which HAProxy serves.
        deploy(Color::Blue, "v0");
        const int connections = m_settings.connections > 0 ? m_settings.connections : calibrate();

        progress("load: wrk -t" + std::to_string(m_settings.wrkThreads) + " -c" +
                 std::to_string(connections) + " throughout");
        const StatCounters before = showStat(m_adminSocket);
        WrkRun load(m_dir, "wrk-run", m_frontendPort, connections, m_settings);
        std::this_thread::sleep_for(1s);
        Figures switches;
        Figures aborts;
        int version = 1;
        for (int i = 0; i < m_settings.switches; ++i) {
            measureSwitch("v" + std::to_string(version++), switches);
        }
        for (int i = 0; i < m_settings.aborts; ++i) {
            measureAbort("v" + std::to_string(version++), aborts);
        }
        std::this_thread::sleep_for(1s);
        const testing::WrkSummary wrk = load.stop();
        const StatCounters after = showStat(m_adminSocket);
        report(connections, wrk, switches, aborts, before, after);
        return 0;
    }

private:
    enum class Color { Blue, Green };
    static std::string name(Color color) { return color == Color::Blue ? "blue" : "green"; }
    static Color other(Color color) { return color == Color::Blue ? Color::Green : Color::Blue; }
    TimedBackend &backend(Color color) { return color == Color::Blue ? m_blue : m_green; }

    void startHaproxy() {
        m_adminSocket = (m_dir.path() / "admin.sock").string();
        const auto config = [&](const std::vector<std::uint16_t> &ports) {
            std::ostringstream config;
            config << "global\n"
                   << "    stats socket " << m_adminSocket << " mode 600 level admin\n"
                   << "    stats timeout 10s\n"
                   << "    maxconn 4096\n"
                   << "defaults\n"
                   << "    mode http\n"
                   << "    timeout connect 2s\n"
                   << "    timeout client 10s\n"
                   << "    timeout server 10s\n"
                   << "frontend web\n"
                   << "    bind 127.0.0.1:" << ports[0] << "\n"
                   << "    default_backend shop\n"
                   << "backend shop\n"
                   << "    balance roundrobin\n";
            for (Color color : {Color::Blue, Color::Green}) {
                for (int i = 0; i < kSlotsPerColor; ++i) {
                    config << "    server " << name(color) << "-" << i + 1
                           << " 127.0.0.1:" << backend(color).ports()[static_cast<std::size_t>(i)]
                           << (color == Color::Green ? " disabled" : "") << "\n";
                }
            }
            return config.str();
        };
        auto process = testing::HaproxyProcess::start(m_dir.path(), m_adminSocket, 1, config);
        if (!process) {
            throw std::runtime_error(process.status().message());
        }
        m_haproxy = std::move(*process);
        m_frontendPort = m_haproxy->ports()[0];
    }

    // As the external deployer: the instances of `version` on `color` replace whatever that colour
    // had registered.
    void deploy(Color color, const std::string &version) {
        for (const std::string &id : m_registered[color]) {
            v1::DeregisterInstanceRequest request;
            request.set_service(kService);
            request.set_instance_id(id);
            v1::DeregisterInstanceResponse response;
            grpc::ClientContext context;
            withDeadline(context);
            const auto status = m_registry->DeregisterInstance(&context, request, &response);
            if (!status.ok()) {
                throw std::runtime_error("DeregisterInstance: " + status.error_message());
            }
        }
        m_registered[color].clear();
        for (int i = 0; i < kSlotsPerColor; ++i) {
            v1::RegisterInstanceRequest request;
            auto *instance = request.mutable_instance();
            instance->set_service(kService);
            instance->set_id(std::string(kService) + "-" + name(color) + "-" +
                             std::to_string(i + 1) + "-" + version);
            instance->set_address(
                "127.0.0.1:" + std::to_string(backend(color).ports()[static_cast<std::size_t>(i)]));
            (*instance->mutable_labels())["color"] = name(color);
            (*instance->mutable_labels())["version"] = version;
            request.set_ttl_seconds(3600);
            v1::RegisterInstanceResponse response;
            grpc::ClientContext context;
            withDeadline(context);
            const auto status = m_registry->RegisterInstance(&context, request, &response);
            if (!status.ok()) {
                throw std::runtime_error("RegisterInstance: " + status.error_message());
            }
            m_registered[color].push_back(instance->id());
        }
    }

    v1::RolloutSpec specFor(const std::string &version, bool requireApproval,
                            milliseconds bake) const {
        v1::RolloutSpec spec;
        spec.set_service(kService);
        spec.set_version(version);
        spec.set_replicas(kSlotsPerColor);
        spec.set_driver("external");
        spec.set_router("haproxy");
        auto &params = *spec.mutable_router_params();
        params["socket"] = m_adminSocket;
        params["backend"] = "shop";
        params["blue_servers"] = "blue-1,blue-2";
        params["green_servers"] = "green-1,green-2";
        params["bind_addresses"] = "true";
        spec.set_healthy_for_ms(m_settings.healthyFor.count());
        spec.set_require_approval(requireApproval);
        spec.set_bake_time_ms(bake.count());
        spec.set_scale_down_delay_ms(3'600'000);
        return spec;
    }

    v1::Rollout startRollout(const v1::RolloutSpec &spec) {
        v1::StartRolloutRequest request;
        *request.mutable_spec() = spec;
        v1::StartRolloutResponse response;
        grpc::ClientContext context;
        withDeadline(context);
        const auto status = m_rollouts->StartRollout(&context, request, &response);
        if (!status.ok()) {
            throw std::runtime_error("StartRollout: " + status.error_message());
        }
        return response.rollout();
    }

    v1::Rollout get(const std::string &id) {
        v1::GetRolloutRequest request;
        request.set_id(id);
        v1::GetRolloutResponse response;
        grpc::ClientContext context;
        withDeadline(context);
        const auto status = m_rollouts->GetRollout(&context, request, &response);
        if (!status.ok()) {
            throw std::runtime_error("GetRollout: " + status.error_message());
        }
        return response.rollout();
    }

    void waitForPhase(const std::string &id, v1::RolloutPhase phase) {
        const auto deadline = Clock::now() + 30s;
        for (;;) {
            const v1::Rollout rollout = get(id);
            if (rollout.phase() == phase) {
                return;
            }
            if (Clock::now() > deadline || rollout.phase() == v1::ROLLOUT_PHASE_FAILED ||
                (rollout.phase() == v1::ROLLOUT_PHASE_ROLLED_BACK &&
                 phase != v1::ROLLOUT_PHASE_ROLLED_BACK)) {
                throw std::runtime_error(id + " is " + v1::RolloutPhase_Name(rollout.phase()) +
                                         ", not " + v1::RolloutPhase_Name(phase) + ": " +
                                         rollout.message());
            }
            std::this_thread::sleep_for(5ms);
        }
    }

    // Waits until `color` served its first request since arm() and `drained` served none for the
    // quiet period.
    void waitForMove(Color to, Color drained) {
        const auto deadline = Clock::now() + 30s;
        while (backend(to).first() == 0 ||
               ticks(Clock::now()) - backend(drained).last() <
                   duration_cast<nanoseconds>(m_settings.quiet).count()) {
            if (Clock::now() > deadline) {
                throw std::runtime_error("traffic did not move from " + name(drained) + " to " +
                                         name(to) + " within 30 s");
            }
            std::this_thread::sleep_for(5ms);
        }
    }

    grpc::Status act(const std::string &id, bool abort, std::int64_t &returned, double &callMs) {
        v1::RolloutActionRequest request;
        request.set_id(id);
        request.set_reason("aegis-bench-rollout");
        v1::RolloutActionResponse response;
        grpc::ClientContext context;
        withDeadline(context);
        const auto sent = Clock::now();
        const grpc::Status status = abort
                                        ? m_rollouts->AbortRollout(&context, request, &response)
                                        : m_rollouts->PromoteRollout(&context, request, &response);
        const auto now = Clock::now();
        returned = ticks(now);
        callMs = duration<double, std::milli>(now - sent).count();
        return status;
    }

    void measureSwitch(const std::string &version, Figures &figures) {
        const Color from = m_live;
        const Color to = other(from);
        deploy(to, version);
        const v1::Rollout rollout = startRollout(specFor(version, true, 0ms));
        waitForPhase(rollout.id(), v1::ROLLOUT_PHASE_AWAITING_APPROVAL);
        backend(to).arm();
        std::int64_t returned = 0;
        double callMs = 0;
        if (const auto status = act(rollout.id(), false, returned, callMs); !status.ok()) {
            throw std::runtime_error("PromoteRollout: " + status.error_message());
        }
        waitForMove(to, from);
        waitForPhase(rollout.id(), v1::ROLLOUT_PHASE_SUCCEEDED);
        figures.firstOnNew.push_back(msBetween(returned, backend(to).first()));
        figures.lastOnOld.push_back(msBetween(returned, backend(from).last()));
        figures.callMs.push_back(callMs);
        m_live = to;
        progress("switch " + rollout.id() + " " + name(from) + "→" + name(to) + ": first on " +
                 name(to) + " " + fixed(figures.firstOnNew.back(), 2) + " ms, last on " +
                 name(from) + " " + fixed(figures.lastOnOld.back(), 2) + " ms");
    }

    void measureAbort(const std::string &version, Figures &figures) {
        const Color stable = m_live;
        const Color next = other(stable);
        deploy(next, version);
        const v1::Rollout rollout = startRollout(specFor(version, false, 1h));
        waitForPhase(rollout.id(), v1::ROLLOUT_PHASE_BAKING);
        backend(next).arm();
        waitForMove(next, stable);
        backend(stable).arm();
        std::int64_t returned = 0;
        double callMs = 0;
        if (const auto status = act(rollout.id(), true, returned, callMs); !status.ok()) {
            throw std::runtime_error("AbortRollout: " + status.error_message());
        }
        waitForMove(stable, next);
        waitForPhase(rollout.id(), v1::ROLLOUT_PHASE_ROLLED_BACK);
        figures.firstOnNew.push_back(msBetween(returned, backend(stable).first()));
        figures.lastOnOld.push_back(msBetween(returned, backend(next).last()));
        figures.callMs.push_back(callMs);
        progress("abort " + rollout.id() + " back to " + name(stable) + ": first on " +
                 name(stable) + " " + fixed(figures.firstOnNew.back(), 2) + " ms, last on " +
                 name(next) + " " + fixed(figures.lastOnOld.back(), 2) + " ms");
    }

    // Short wrk runs at several connection counts; the one with the most requests/s wins.
    int calibrate() {
        int best = m_settings.sweep.front();
        double bestRate = 0;
        std::ostringstream table;
        table << "### Load calibration: wrk -t" << m_settings.wrkThreads << " through HAProxy, "
              << m_settings.sweepWindow.count() / 1000 << " s each, all traffic on blue\n\n"
              << "| connections | requests/s | failed |\n|---:|---:|---:|\n";
        for (int connections : m_settings.sweep) {
            WrkRun run(m_dir, "wrk-sweep-" + std::to_string(connections), m_frontendPort,
                       connections, m_settings);
            std::this_thread::sleep_for(m_settings.sweepWindow);
            const auto summary = run.stop();
            progress("calibration: " + std::to_string(connections) + " connections, " +
                     fixed(summary.requestsPerSecond, 0) + " requests/s");
            table << "| " << connections << " | " << fixed(summary.requestsPerSecond, 0) << " | "
                  << summary.failed() << " |\n";
            if (summary.requestsPerSecond > bestRate) {
                bestRate = summary.requestsPerSecond;
                best = connections;
            }
        }
        std::cout << table.str() << "\n";
        return best;
    }

    static std::string row(const std::string &measure, std::vector<double> values) {
        std::sort(values.begin(), values.end());
        if (values.empty()) {
            return "| " + measure + " | 0 | n/a | n/a | n/a | n/a |\n";
        }
        return "| " + measure + " | " + std::to_string(values.size()) + " | " +
               fixed(values.front(), 2) + " | " + fixed(percentile(values, 0.5), 2) + " | " +
               fixed(percentile(values, 0.99), 2) + " | " + fixed(values.back(), 2) + " |\n";
    }

    void report(int connections, const testing::WrkSummary &wrk, const Figures &switches,
                const Figures &aborts, const StatCounters &before, const StatCounters &after) {
        const auto read = [](const StatCounters &stats, const std::string &row,
                             const std::string &counter) -> std::int64_t {
            const auto r = stats.find(row);
            if (r == stats.end()) {
                return 0;
            }
            const auto c = r->second.find(counter);
            return c == r->second.end() ? 0 : c->second;
        };
        const auto delta = [&](const std::string &row, const std::string &counter) {
            return read(after, row, counter) - read(before, row, counter);
        };
        std::cout << "### Traffic moves through HAProxy 2.6 (haproxy router, bind_addresses; "
                  << "wrk -t" << m_settings.wrkThreads << " -c" << connections << " at "
                  << fixed(wrk.requestsPerSecond, 0) << " requests/s throughout)\n\n"
                  << "Times from the moment the API call returned on the client, in ms (negative: "
                     "before it returned).\n\n"
                  << "| measure | n | min | p50 | p99 | max |\n|---|---:|---:|---:|---:|---:|\n"
                  << row("switch: PromoteRollout returned → first request on the new colour",
                         switches.firstOnNew)
                  << row("switch: PromoteRollout returned → last request on the old colour "
                         "(drained)",
                         switches.lastOnOld)
                  << row("abort: AbortRollout returned → first request on the stable colour",
                         aborts.firstOnNew)
                  << row("abort: AbortRollout returned → last request on the new colour "
                         "(drained)",
                         aborts.lastOnOld)
                  << row("PromoteRollout call (sent → returned)", switches.callMs)
                  << row("AbortRollout call (sent → returned)", aborts.callMs) << "\n";
        std::cout << "### Load during the run (wrk through HAProxy)\n\n"
                  << "| requests | seconds | requests/s | non-2xx | socket errors (connect / read "
                     "/ write / timeout) | failed |\n"
                  << "|---:|---:|---:|---:|---|---:|\n"
                  << "| " << wrk.requests << " | " << fixed(wrk.seconds, 1) << " | "
                  << fixed(wrk.requestsPerSecond, 0) << " | " << wrk.non2xx << " | "
                  << wrk.connectErrors << " / " << wrk.readErrors << " / " << wrk.writeErrors
                  << " / " << wrk.timeouts << " | **" << wrk.failed() << "** |\n\n"
                  << "HAProxy over the same run: frontend connections accepted "
                  << delta("web/FRONTEND", "stot") << " (wrk keeps " << connections
                  << " open), request errors " << delta("web/FRONTEND", "ereq")
                  << ", client aborts " << delta("shop/BACKEND", "cli_abrt") << ", server aborts "
                  << delta("shop/BACKEND", "srv_abrt") << "; backend 2xx "
                  << delta("shop/BACKEND", "hrsp_2xx") << ", 5xx "
                  << delta("shop/BACKEND", "hrsp_5xx") << ", connection errors "
                  << delta("shop/BACKEND", "econ") << ", response errors "
                  << delta("shop/BACKEND", "eresp") << ", retries "
                  << delta("shop/BACKEND", "wretr")
                  << ". Backends served since the start (calibration included): blue "
                  << m_blue.served() << ", green " << m_green.served()
                  << " requests. Load average at the end: " << loadAverage() << ".\n";
        // wrk connects once more before its run, to check the address; any other connection is a
        // reconnection after HAProxy closed one.
        if (const auto accepted = delta("web/FRONTEND", "stot"); accepted != connections + 1) {
            std::cout << "\n**HAProxy accepted " << accepted << " connections from wrk, not "
                      << connections + 1 << ": connections were closed and opened again.**\n";
        }
    }

    const Settings m_settings;
    testing::TempDir m_dir;
    TimedBackend m_blue;
    TimedBackend m_green;
    std::unique_ptr<testing::DaemonProcess> m_daemon;
    std::unique_ptr<v1::RolloutService::Stub> m_rollouts;
    std::unique_ptr<v1::RegistryService::Stub> m_registry;
    std::unique_ptr<testing::HaproxyProcess> m_haproxy;
    std::string m_adminSocket;
    std::uint16_t m_frontendPort = 0;
    std::map<Color, std::vector<std::string>> m_registered;
    Color m_live = Color::Blue;
};

} // namespace
} // namespace aegis::bench::rollouts

int main(int argc, char **argv) {
    aegis::bench::rollouts::Settings settings;
    std::string sweep = "16,32,64,128";
    int quietMs = static_cast<int>(settings.quiet.count());
    po::options_description flags("aegis-bench-rollout");
    flags.add_options()("help", "this text")(
        "switches", po::value(&settings.switches)->default_value(settings.switches),
        "blue-green switches (PromoteRollout) measured")(
        "aborts", po::value(&settings.aborts)->default_value(settings.aborts),
        "aborts during the bake (AbortRollout) measured")(
        "connections", po::value(&settings.connections)->default_value(0),
        "wrk connections; 0 picks the fastest of --sweep")(
        "sweep", po::value(&sweep)->default_value(sweep), "wrk connection counts tried")(
        "wrk-threads", po::value(&settings.wrkThreads)->default_value(settings.wrkThreads),
        "wrk threads")("backend-threads",
                       po::value(&settings.backendThreads)->default_value(settings.backendThreads),
                       "io threads of each colour's backend")(
        "quiet-ms", po::value(&quietMs)->default_value(quietMs),
        "a colour counts as drained after serving nothing for this long");
    po::variables_map values;
    try {
        po::store(po::parse_command_line(argc, argv, flags), values);
        po::notify(values);
        settings.sweep = aegis::bench::parseIntList(sweep);
    } catch (const std::exception &error) {
        std::cerr << error.what() << "\n" << flags;
        return 2;
    }
    if (values.count("help")) {
        std::cout << flags;
        return 0;
    }
    settings.quiet = std::chrono::milliseconds(quietMs);
    if (settings.sweep.empty() || settings.switches < 0 || settings.aborts < 0) {
        std::cerr << "--sweep needs a connection count; --switches and --aborts not negative\n";
        return 2;
    }
    for (const char *binary : {aegis::testing::HaproxyProcess::kBinary, "/usr/bin/wrk"}) {
        if (!std::filesystem::exists(binary)) {
            std::cerr << "aegis-bench-rollout: " << binary << " is not installed\n";
            return 1;
        }
    }
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    try {
        aegis::bench::rollouts::RolloutBench bench(settings);
        return bench.run();
    } catch (const std::exception &error) {
        std::cerr << "aegis-bench-rollout: " << error.what() << "\n";
        return 1;
    }
}
