// aegis-bench-metrics: the metrics path measured against its anchors, in one run.
//
//   1. QueryRange through aegisd (protobuf over gRPC) against the same query sent straight to
//      Prometheus' HTTP API (JSON), for 100 and 2,000 series x 1,000 steps: time and bytes.
//   2. A newly registered instance: registration to its first sample visible in a query.
//   3. 500 targets scraped every 5 s: CPU and memory of aegisd and of its Prometheus.
//
// aegisd runs with its defaults (managed Prometheus, 5 s scrapes); the targets are one exporter in
// this process, registered as many instances.
#include "bench_support.h"
#include "daemon_process.h"
#include "exposition_server.h"

#include "aegis/v1/metrics.grpc.pb.h"
#include "aegis/v1/registry.grpc.pb.h"
#include "aegis/v1/system.grpc.pb.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/program_options.hpp>
#include <grpcpp/grpcpp.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

namespace v1 = aegis::v1;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// /big (2,100 series: groups g100 and g2000) and /small (50 series): what Prometheus scrapes.
aegis::bench::ExpositionServer::Body benchPages() {
    std::string big;
    std::string small;
    for (int id = 0; id < 100; ++id) {
        big += "bench_series{group=\"g100\",id=\"" + std::to_string(id) + "\"} " +
               std::to_string(id) + "\n";
    }
    for (int id = 0; id < 2000; ++id) {
        big += "bench_series{group=\"g2000\",id=\"" + std::to_string(id) + "\"} " +
               std::to_string(id) + "\n";
    }
    for (int id = 0; id < 50; ++id) {
        small += "bench_small{id=\"" + std::to_string(id) + "\"} " + std::to_string(id) + "\n";
    }
    return [big, small](std::string_view path) {
        return path == "/big" ? big : path == "/small" ? small : std::string();
    };
}

// One kept-alive HTTP/1.1 connection to Prometheus for GETs of any size (a 2,000-series answer
// is tens of megabytes of JSON).
class DirectClient {
public:
    explicit DirectClient(const std::string &address) {
        const auto colon = address.rfind(':');
        m_stream.connect(asio::ip::tcp::endpoint(
            asio::ip::make_address(address.substr(0, colon)),
            static_cast<unsigned short>(std::stoi(address.substr(colon + 1)))));
        m_host = address;
    }
    // The body of a 200 answer; throws otherwise.
    std::string get(const std::string &target) {
        http::request<http::empty_body> request(http::verb::get, target, 11);
        request.set(http::field::host, m_host);
        request.keep_alive(true);
        http::write(m_stream, request);
        http::response_parser<http::string_body> parser;
        parser.body_limit(boost::none);
        http::read(m_stream, m_buffer, parser);
        if (parser.get().result() != http::status::ok) {
            throw std::runtime_error("direct query: HTTP " +
                                     std::to_string(parser.get().result_int()) + " " +
                                     parser.get().body().substr(0, 200));
        }
        return std::move(parser.get().body());
    }

private:
    asio::io_context m_io;
    beast::tcp_stream m_stream{m_io};
    beast::flat_buffer m_buffer;
    std::string m_host;
};

std::string urlEncode(const std::string &text) {
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            char hex[4];
            std::snprintf(hex, sizeof hex, "%%%02X", c);
            out += hex;
        }
    }
    return out;
}

// Calls `attempt` every `interval` until it answers true or `timeout` passes.
bool pollFor(const std::function<bool()> &attempt, std::chrono::milliseconds timeout,
             std::chrono::milliseconds interval) {
    const auto deadline = Clock::now() + timeout;
    while (!attempt()) {
        if (Clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(interval);
    }
    return true;
}

double millisSince(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values.empty() ? 0 : values[values.size() / 2];
}

// The process whose parent is `parent` and whose command is `name` (aegisd's Prometheus).
int childProcess(int parent, const std::string &name) {
    for (const auto &entry : std::filesystem::directory_iterator("/proc")) {
        const std::string pid = entry.path().filename();
        if (pid.find_first_not_of("0123456789") != std::string::npos) {
            continue;
        }
        std::ifstream stat(entry.path() / "stat");
        std::string line;
        std::getline(stat, line);
        const auto close = line.rfind(')');
        if (close == std::string::npos) {
            continue;
        }
        const std::string command = line.substr(line.find('(') + 1, close - line.find('(') - 1);
        int parentPid = 0;
        char state = 0;
        std::sscanf(line.c_str() + close + 2, "%c %d", &state, &parentPid);
        if (parentPid == parent && command == name) {
            return std::stoi(pid);
        }
    }
    return -1;
}

struct Bench {
    std::shared_ptr<grpc::Channel> channel;
    std::string token;
    std::unique_ptr<v1::MetricsService::Stub> metrics;
    std::unique_ptr<v1::RegistryService::Stub> registry;

    void authorise(grpc::ClientContext &context, std::chrono::seconds deadline = 30s) const {
        context.AddMetadata("authorization", "Bearer " + token);
        context.set_deadline(std::chrono::system_clock::now() + deadline);
    }

    void registerTarget(const std::string &service, const std::string &id,
                        const std::string &address, const std::string &path) const {
        v1::RegisterInstanceRequest request;
        auto *instance = request.mutable_instance();
        instance->set_service(service);
        instance->set_id(id);
        instance->set_address(address);
        (*instance->mutable_labels())["color"] = "blue";
        (*instance->mutable_metadata())["metrics_path"] = path;
        request.set_ttl_seconds(3600);
        v1::RegisterInstanceResponse response;
        grpc::ClientContext context;
        authorise(context);
        const grpc::Status status = registry->RegisterInstance(&context, request, &response);
        if (!status.ok()) {
            throw std::runtime_error("RegisterInstance " + id + ": " + status.error_message());
        }
    }

    // The value of the query's first series now, or NaN.
    double instant(const std::string &query) const {
        v1::QueryRequest request;
        request.set_query(query);
        v1::QueryResponse response;
        grpc::ClientContext context;
        authorise(context);
        if (!metrics->Query(&context, request, &response).ok() || response.series().empty() ||
            response.series(0).values().empty()) {
            return std::nan("");
        }
        return response.series(0).values(0);
    }
};

void compareQueryRange(const Bench &bench, const std::string &prometheusAddress, int repeats) {
    std::cout << "### QueryRange: aegisd (protobuf) vs Prometheus' HTTP API (JSON), 1,000 steps\n\n"
              << "| series | path | median ms | bytes | bytes vs JSON | time vs direct |\n"
              << "|---:|---|---:|---:|---:|---:|\n";
    DirectClient direct(prometheusAddress);
    const auto start = std::chrono::system_clock::now() + 5s;
    const auto end = start + 999s;
    const auto seconds = [](std::chrono::system_clock::time_point time) {
        return std::to_string(
            std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count());
    };
    for (const auto &[series, group] : {std::pair{100, "g100"}, std::pair{2000, "g2000"}}) {
        // Values that change every step, with the digits a rate has.
        const std::string query = "last_over_time(bench_series{group=\"" + std::string(group) +
                                  "\"}[1h]) + (time() % 100) / 7";
        const std::string target = "/api/v1/query_range?query=" + urlEncode(query) +
                                   "&start=" + seconds(start) + "&end=" + seconds(end) + "&step=1";
        std::vector<double> directMs, directParsedMs, aegisMs;
        std::size_t jsonBytes = 0, protoBytes = 0;
        for (int round = 0; round < repeats + 1; ++round) {
            auto began = Clock::now();
            const std::string body = direct.get(target);
            const double fetched = millisSince(began);
            const auto parsed = nlohmann::json::parse(body);
            const double parsedMs = millisSince(began);
            if (parsed["data"]["result"].size() != static_cast<std::size_t>(series)) {
                throw std::runtime_error(
                    "direct query: " + std::to_string(parsed["data"]["result"].size()) +
                    " series, expected " + std::to_string(series));
            }
            jsonBytes = body.size();

            v1::QueryRangeRequest request;
            request.set_query(query);
            request.mutable_start()->set_seconds(
                std::chrono::duration_cast<std::chrono::seconds>(start.time_since_epoch()).count());
            request.mutable_end()->set_seconds(
                std::chrono::duration_cast<std::chrono::seconds>(end.time_since_epoch()).count());
            request.set_step_ms(1000);
            request.set_max_points(1000);
            v1::QueryRangeResponse response;
            grpc::ClientContext context;
            bench.authorise(context, 60s);
            began = Clock::now();
            const grpc::Status status = bench.metrics->QueryRange(&context, request, &response);
            const double viaAegis = millisSince(began);
            if (!status.ok() || response.series_size() != series ||
                response.series(0).values_size() != 1000) {
                throw std::runtime_error("QueryRange: " + status.error_message() + " (" +
                                         std::to_string(response.series_size()) + " series)");
            }
            protoBytes = response.ByteSizeLong();
            if (round == 0) {
                continue; // warm-up: connections, Prometheus' caches
            }
            directMs.push_back(fetched);
            directParsedMs.push_back(parsedMs);
            aegisMs.push_back(viaAegis);
        }
        using aegis::bench::fixed;
        const double directTime = median(directParsedMs);
        std::cout << "| " << series << " | Prometheus HTTP, body read | "
                  << fixed(median(directMs), 1) << " | " << jsonBytes << " | 1.00 | |\n"
                  << "| " << series << " | Prometheus HTTP + JSON parse | " << fixed(directTime, 1)
                  << " | " << jsonBytes << " | 1.00 | 1.00 |\n"
                  << "| " << series << " | aegisd QueryRange | " << fixed(median(aegisMs), 1)
                  << " | " << protoBytes << " | "
                  << fixed(static_cast<double>(protoBytes) / static_cast<double>(jsonBytes), 2)
                  << " | " << fixed(median(aegisMs) / directTime, 2) << " |\n";
    }
    std::cout << "\n";
}

void registrationToFirstSample(const Bench &bench, const std::string &exporter, int count) {
    std::cout << "### Registration to first sample (scrape interval 5 s, defaults)\n\n"
              << "| instance | seconds |\n|---|---:|\n";
    std::vector<double> all;
    for (int n = 0; n < count; ++n) {
        const std::string id = "fresh-" + std::to_string(n);
        const auto began = Clock::now();
        bench.registerTarget("bench-fresh", id, exporter, "/small");
        const std::string query = "count(bench_small{instance=\"" + id + "\"})";
        const bool seen = pollFor([&] { return bench.instant(query) == 50; }, 60s, 100ms);
        const double seconds = millisSince(began) / 1000;
        if (!seen) {
            throw std::runtime_error(id + ": no sample within 60 s");
        }
        all.push_back(seconds);
        std::cout << "| " << id << " | " << aegis::bench::fixed(seconds, 1) << " |\n";
    }
    std::sort(all.begin(), all.end());
    std::cout << "| median / max | " << aegis::bench::fixed(median(all), 1) << " / "
              << aegis::bench::fixed(all.back(), 1) << " |\n\n";
}

void fleetScrapeCost(const Bench &bench, const std::string &exporter, int aegisdPid, int targets,
                     std::chrono::seconds window) {
    for (int n = 0; n < targets; ++n) {
        bench.registerTarget("bench-fleet", "fleet-" + std::to_string(n), exporter, "/small");
    }
    const std::string upQuery = "sum(up{service=\"bench-fleet\"})";
    if (!pollFor([&] { return bench.instant(upQuery) == targets; }, 120s, 500ms)) {
        throw std::runtime_error("not every fleet target came up within 120 s");
    }
    const int prometheusPid = childProcess(aegisdPid, "prometheus");
    using aegis::bench::processCpuSeconds;
    const double aegisdBefore = processCpuSeconds(aegisdPid);
    const double prometheusBefore = processCpuSeconds(prometheusPid);
    std::this_thread::sleep_for(window); // the measurement window, not a wait for a condition
    const double seconds = static_cast<double>(window.count());
    const double aegisdCpu = (processCpuSeconds(aegisdPid) - aegisdBefore) / seconds * 100;
    const double prometheusCpu =
        (processCpuSeconds(prometheusPid) - prometheusBefore) / seconds * 100;
    using aegis::bench::fixed;
    std::cout << "### " << targets << " targets x 50 series, scraped every 5 s (" << window.count()
              << " s window)\n\n"
              << "| process | CPU (% of one core) | RSS MiB |\n|---|---:|---:|\n"
              << "| aegisd (SD, registry, proxy) | " << fixed(aegisdCpu, 1) << " | "
              << fixed(static_cast<double>(aegis::bench::processRssKib(aegisdPid)) / 1024, 0)
              << " |\n"
              << "| prometheus | " << fixed(prometheusCpu, 1) << " | "
              << fixed(static_cast<double>(aegis::bench::processRssKib(prometheusPid)) / 1024, 0)
              << " |\n\n";
}

} // namespace

int main(int argc, char **argv) {
    namespace po = boost::program_options;
    po::options_description options("aegis-bench-metrics [options]");
    options.add_options()("help,h", "show this help")(
        "repeats", po::value<int>()->default_value(10), "QueryRange rounds per size")(
        "fresh", po::value<int>()->default_value(5), "instances timed from registration")(
        "targets", po::value<int>()->default_value(500), "targets of the scrape-cost run")(
        "window", po::value<int>()->default_value(60), "seconds the scrape cost is measured");
    po::variables_map values;
    po::store(po::parse_command_line(argc, argv, options), values);
    if (values.count("help")) {
        std::cout << options;
        return 0;
    }
    try {
        aegis::bench::ExpositionServer exporter(benchPages());
        aegis::testing::DaemonOptions daemonOptions;
        daemonOptions.extraArgs = {"--metrics-backend", "managed"};
        auto daemon = aegis::testing::DaemonProcess::start(daemonOptions);
        if (!daemon) {
            throw std::runtime_error("aegisd: " + daemon.status().message());
        }
        Bench bench;
        // Receives up to 64 MiB: the 2,000-series answer is larger than gRPC's default 4 MiB.
        bench.channel = aegis::bench::makeChannels((*daemon)->grpcAddress(), 1).front();
        bench.token = (*daemon)->adminToken();
        bench.metrics = v1::MetricsService::NewStub(bench.channel);
        bench.registry = v1::RegistryService::NewStub(bench.channel);
        auto system = v1::SystemService::NewStub(bench.channel);

        std::string prometheusUrl;
        pollFor(
            [&] {
                v1::GetStatusRequest request;
                v1::GetStatusResponse response;
                grpc::ClientContext context;
                bench.authorise(context);
                system->GetStatus(&context, request, &response);
                if (response.metrics_backend().state() != v1::METRICS_BACKEND_STATE_READY) {
                    return false;
                }
                prometheusUrl = response.metrics_backend().url();
                return true;
            },
            60s, 100ms);
        if (prometheusUrl.empty()) {
            throw std::runtime_error("the managed Prometheus did not get ready within 60 s");
        }
        std::cerr << "aegisd " << (*daemon)->grpcAddress() << ", Prometheus " << prometheusUrl
                  << ", exporter " << exporter.address() << "\n";
        std::cout << "## Metrics (" << aegis::bench::cpuModel() << ", "
                  << std::thread::hardware_concurrency() << " cores)\n\n";

        bench.registerTarget("bench-big", "big-0", exporter.address(), "/big");
        if (!pollFor([&] { return bench.instant("count(bench_series)") == 2100; }, 60s, 200ms)) {
            throw std::runtime_error("the 2,100 benchmark series were not scraped within 60 s");
        }
        const std::string prometheusAddress = prometheusUrl.substr(prometheusUrl.find("//") + 2);
        compareQueryRange(bench, prometheusAddress, values["repeats"].as<int>());
        registrationToFirstSample(bench, exporter.address(), values["fresh"].as<int>());
        fleetScrapeCost(bench, exporter.address(), (*daemon)->pid(), values["targets"].as<int>(),
                        std::chrono::seconds(values["window"].as<int>()));
        (*daemon)->terminate();
    } catch (const std::exception &error) {
        std::cerr << "aegis-bench-metrics: " << error.what() << "\n";
        return 1;
    }
    return 0;
}
