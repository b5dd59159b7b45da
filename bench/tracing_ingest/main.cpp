// aegis-bench-tracing-ingest: spans ingested and stored durably per second over OTLP/gRPC by a
// real aegisd, and the bytes per span its span store keeps on disk.
//
// Several concurrent exporters (each its own channel, hence TCP connection, and one call
// outstanding at a time, as an OpenTelemetry SDK's batch exporter) send batches of 512 spans with
// realistic attributes (HTTP server and client spans, database spans, an event on errors) to
// tracing.otlp_listen. An export is answered only once its spans are durable in traces.db, so
// answered spans per second is the durable ingest rate. The batches are built and serialized
// before the clock starts, every span with its own ids, so the client spends its CPU on gRPC
// only. Afterwards aegisd stops (its span store checkpointed) and traces.db's size is divided by
// the spans it holds.
#include "bench_support.h"
#include "daemon_process.h"
#include "http_get.h"

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

#include <boost/program_options.hpp>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace po = boost::program_options;
namespace otlp = opentelemetry::proto;
using SteadyClock = std::chrono::steady_clock;
using aegis::bench::fixed;

namespace {

constexpr const char *kExportMethod = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

void attribute(otlp::trace::v1::Span &span, const std::string &key, const std::string &value) {
    auto *kv = span.add_attributes();
    kv->set_key(key);
    kv->mutable_value()->set_string_value(value);
}
void attribute(otlp::trace::v1::Span &span, const std::string &key, std::int64_t value) {
    auto *kv = span.add_attributes();
    kv->set_key(key);
    kv->mutable_value()->set_int_value(value);
}

std::string bytesOf(std::uint64_t high, std::uint64_t low, std::size_t size) {
    std::string out(size, '\0');
    for (std::size_t i = 0; i < 8 && i < size; ++i) {
        out[size - 1 - i] = static_cast<char>((low >> (8 * i)) & 0xff);
    }
    for (std::size_t i = 8; i < size; ++i) {
        out[size - 1 - i] = static_cast<char>((high >> (8 * (i - 8))) & 0xff);
    }
    return out;
}

// One export: `spans` spans in traces of 8 (a server span, its handler, 3 client calls, 2
// database calls, a cache lookup) from 4 services, as an SDK's batch exporter sends them.
std::string makeBatch(std::uint64_t batch, int spans, std::mt19937_64 &random) {
    static const char *kServices[] = {"checkout", "inventory", "payments", "frontend"};
    static const char *kRoutes[] = {"/api/checkout", "/api/cart/{id}", "/api/items", "/api/pay"};
    otlp::collector::trace::v1::ExportTraceServiceRequest request;
    const std::uint64_t now =
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count());
    for (int service = 0; service < 4; ++service) {
        auto *resourceSpans = request.add_resource_spans();
        auto *resource = resourceSpans->mutable_resource();
        for (const auto &[key, value] :
             {std::pair<std::string, std::string>{"service.name", kServices[service]},
              {"service.version", "1.4." + std::to_string(service)},
              {"aegis.colour", service % 2 ? "green" : "blue"},
              {"host.name", "node-" + std::to_string(service)},
              {"telemetry.sdk.language", "cpp"},
              {"telemetry.sdk.name", "opentelemetry"}}) {
            auto *kv = resource->add_attributes();
            kv->set_key(key);
            kv->mutable_value()->set_string_value(value);
        }
        auto *scope = resourceSpans->add_scope_spans();
        scope->mutable_scope()->set_name("aegis-bench");
        scope->mutable_scope()->set_version("1.0.0");
    }
    for (int i = 0; i < spans; ++i) {
        const std::uint64_t trace =
            batch * static_cast<std::uint64_t>(spans) / 8 + static_cast<std::uint64_t>(i / 8);
        const int role = i % 8;
        const int service = role == 0 ? 3 : role < 5 ? 0 : role < 7 ? 1 : 2;
        auto *span = request.mutable_resource_spans(service)->mutable_scope_spans(0)->add_spans();
        span->set_trace_id(
            bytesOf(0x5eed000000000000ULL | batch, trace * 0x9e3779b97f4a7c15ULL, 16));
        span->set_span_id(bytesOf(0, (trace << 3 | static_cast<std::uint64_t>(role)) + 1, 8));
        if (role > 0) {
            span->set_parent_span_id(bytesOf(0, (trace << 3) + 1, 8));
        }
        const std::uint64_t start =
            now + trace * 1'000'000 + static_cast<std::uint64_t>(role) * 10'000;
        const std::uint64_t duration = 200'000 + random() % 40'000'000;
        span->set_start_time_unix_nano(start);
        span->set_end_time_unix_nano(start + duration);
        const bool failed = random() % 50 == 0;
        const char *route = kRoutes[trace % 4];
        switch (role) {
        case 0:
        case 1:
            span->set_name(std::string("POST ") + route);
            span->set_kind(otlp::trace::v1::Span::SPAN_KIND_SERVER);
            attribute(*span, "http.request.method", std::string("POST"));
            attribute(*span, "http.route", std::string(route));
            attribute(*span, "url.path", "/api/checkout/" + std::to_string(trace % 100000));
            attribute(*span, "http.response.status_code", failed ? 500 : 200);
            attribute(*span, "user_agent.original",
                      std::string("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36"));
            attribute(*span, "client.address", "10.0." + std::to_string(trace % 256) + ".7");
            attribute(*span, "enduser.id", "user-" + std::to_string(random() % 20000));
            break;
        case 2:
        case 3:
        case 4:
            span->set_name("GET inventory");
            span->set_kind(otlp::trace::v1::Span::SPAN_KIND_CLIENT);
            attribute(*span, "http.request.method", std::string("GET"));
            attribute(*span, "server.address", std::string("inventory.svc"));
            attribute(*span, "server.port", 8080);
            attribute(*span, "http.response.status_code", failed ? 503 : 200);
            attribute(*span, "url.full",
                      "http://inventory.svc:8080/items/" + std::to_string(random() % 5000));
            break;
        default:
            span->set_name(role == 7 ? "cache GET" : "SELECT items");
            span->set_kind(otlp::trace::v1::Span::SPAN_KIND_CLIENT);
            attribute(*span, "db.system", std::string(role == 7 ? "redis" : "postgresql"));
            attribute(*span, "db.namespace", std::string("shop"));
            attribute(*span, "db.query.text",
                      std::string("SELECT id, name, stock FROM items WHERE id = $1"));
            attribute(*span, "db.response.returned_rows", static_cast<std::int64_t>(random() % 20));
            break;
        }
        if (failed) {
            span->mutable_status()->set_code(otlp::trace::v1::Status::STATUS_CODE_ERROR);
            span->mutable_status()->set_message("upstream failed");
            auto *event = span->add_events();
            event->set_name("exception");
            event->set_time_unix_nano(start + duration / 2);
            auto *type = event->add_attributes();
            type->set_key("exception.type");
            type->mutable_value()->set_string_value("UpstreamError");
            auto *message = event->add_attributes();
            message->set_key("exception.message");
            message->mutable_value()->set_string_value("connection reset by peer");
        }
    }
    return request.SerializeAsString();
}

struct RunResult {
    int exporters = 0;
    double seconds = 0;
    std::uint64_t spans = 0;
    std::uint64_t failures = 0;
    std::vector<double> latenciesMs;
    double daemonCpu = 0;
    double benchCpu = 0;
};

RunResult run(const std::string &address, const std::vector<std::string> &batches,
              std::atomic<std::size_t> &next, int exporters, int spansPerBatch,
              std::chrono::seconds duration, int daemonPid) {
    RunResult result;
    result.exporters = exporters;
    auto channels = aegis::bench::makeChannels(address, exporters);
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> spans{0};
    std::atomic<std::uint64_t> failures{0};
    std::mutex latencyMutex;
    const double cpuBefore = aegis::bench::processCpuSeconds(daemonPid);
    const double benchBefore = aegis::bench::selfCpuSeconds();
    const auto started = SteadyClock::now();
    std::vector<std::thread> threads;
    for (int e = 0; e < exporters; ++e) {
        threads.emplace_back([&, e] {
            grpc::GenericStub stub(channels[static_cast<std::size_t>(e)]);
            std::vector<double> latencies;
            while (!stop) {
                const std::size_t index = next.fetch_add(1);
                if (index >= batches.size()) {
                    break;
                }
                grpc::Slice slice(batches[index]);
                grpc::ByteBuffer request(&slice, 1);
                grpc::ByteBuffer response;
                grpc::ClientContext context;
                context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
                std::promise<grpc::Status> done;
                const auto sent = SteadyClock::now();
                stub.UnaryCall(&context, kExportMethod, {}, &request, &response,
                               [&](grpc::Status status) { done.set_value(std::move(status)); });
                const grpc::Status status = done.get_future().get();
                latencies.push_back(
                    std::chrono::duration<double, std::milli>(SteadyClock::now() - sent).count());
                if (status.ok()) {
                    spans += static_cast<std::uint64_t>(spansPerBatch);
                } else {
                    if (failures++ == 0) {
                        std::cerr << "export failed: " << status.error_message() << "\n";
                    }
                }
            }
            std::lock_guard lock(latencyMutex);
            result.latenciesMs.insert(result.latenciesMs.end(), latencies.begin(), latencies.end());
        });
    }
    std::this_thread::sleep_for(duration);
    stop = true;
    for (auto &thread : threads) {
        thread.join();
    }
    result.seconds = std::chrono::duration<double>(SteadyClock::now() - started).count();
    result.spans = spans;
    result.failures = failures;
    result.daemonCpu = (aegis::bench::processCpuSeconds(daemonPid) - cpuBefore) / result.seconds;
    result.benchCpu = (aegis::bench::selfCpuSeconds() - benchBefore) / result.seconds;
    std::sort(result.latenciesMs.begin(), result.latenciesMs.end());
    return result;
}

} // namespace

int main(int argc, char **argv) {
    po::options_description options("aegis-bench-tracing-ingest options");
    options.add_options()("help", "this text")("exporters",
                                               po::value<std::string>()->default_value("1,4,8"),
                                               "concurrent exporters per run (comma-separated)")(
        "duration", po::value<int>()->default_value(10),
        "seconds per run")("batch", po::value<int>()->default_value(512), "spans per export")(
        "rate-hint", po::value<int>()->default_value(80000),
        "spans/s to prepare batches for (more is prepared than a run can send at this rate)");
    po::variables_map values;
    po::store(po::parse_command_line(argc, argv, options), values);
    po::notify(values);
    if (values.count("help")) {
        std::cout << options << "\n";
        return 0;
    }
    const auto exporterCounts = aegis::bench::parseIntList(values["exporters"].as<std::string>());
    const int duration = values["duration"].as<int>();
    const int spansPerBatch = values["batch"].as<int>();
    const std::size_t batchesPerRun = static_cast<std::size_t>(
        static_cast<double>(values["rate-hint"].as<int>()) * duration / spansPerBatch * 1.5);

    try {
        std::cerr << "preparing " << batchesPerRun * exporterCounts.size() << " batches of "
                  << spansPerBatch << " spans\n";
        std::mt19937_64 random(42);
        std::vector<std::string> batches;
        batches.reserve(batchesPerRun * exporterCounts.size());
        for (std::size_t i = 0; i < batchesPerRun * exporterCounts.size(); ++i) {
            batches.push_back(makeBatch(i, spansPerBatch, random));
        }
        double wireBytes = 0;
        for (const auto &batch : batches) {
            wireBytes += static_cast<double>(batch.size());
        }

        aegis::testing::DaemonOptions daemonOptions;
        daemonOptions.extraArgs = {"--log-level", "warn"};
        auto daemon = aegis::testing::DaemonProcess::start(daemonOptions);
        if (!daemon) {
            throw std::runtime_error("aegisd: " + daemon.status().message());
        }
        const std::string address = (*daemon)->otlpAddress();
        std::atomic<std::size_t> next{0};
        std::vector<RunResult> results;
        for (int exporters : exporterCounts) {
            std::cerr << "run: " << exporters << " exporters, " << duration << " s\n";
            next = std::max(next.load(), results.size() * batchesPerRun);
            results.push_back(run(address, batches, next, exporters, spansPerBatch,
                                  std::chrono::seconds(duration), (*daemon)->pid()));
        }
        const std::uint64_t stored = [&] {
            std::uint64_t total = 0;
            for (const auto &result : results) {
                total += result.spans;
            }
            return total;
        }();
        // What the span store says it holds (its gauge), to check the answered count against.
        double inStore = -1;
        {
            std::istringstream lines(
                aegis::testing::httpGet((*daemon)->httpAddress(), "/metrics").body);
            for (std::string line; std::getline(lines, line);) {
                if (line.rfind("aegis_tracing_store_spans ", 0) == 0) {
                    inStore = std::stod(line.substr(line.find(' ') + 1));
                }
            }
        }
        const auto dataDir = (*daemon)->dataDir();
        const int exit = (*daemon)->terminate();
        namespace fs = std::filesystem;
        std::error_code error;
        const auto dbBytes = fs::file_size(dataDir / "traces.db", error);
        const auto walBytes = fs::exists(dataDir / "traces.db-wal")
                                  ? fs::file_size(dataDir / "traces.db-wal", error)
                                  : 0;

        std::cout << "CPU: " << aegis::bench::cpuModel() << ", "
                  << std::thread::hardware_concurrency()
                  << " cores (aegisd and the exporters share them)\n\n";
        std::cout << "| exporters | spans/s durable | exports/s | p50 ms | p99 ms | failed exports "
                     "| aegisd CPU (cores) | bench CPU (cores) | spans/s per aegisd core |\n";
        std::cout << "|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
        for (const auto &result : results) {
            const double rate = static_cast<double>(result.spans) / result.seconds;
            std::cout << "| " << result.exporters << " | " << fixed(rate, 0) << " | "
                      << fixed(rate / spansPerBatch, 1) << " | "
                      << fixed(aegis::bench::percentile(result.latenciesMs, 0.5), 1) << " | "
                      << fixed(aegis::bench::percentile(result.latenciesMs, 0.99), 1) << " | "
                      << result.failures << " | " << fixed(result.daemonCpu, 2) << " | "
                      << fixed(result.benchCpu, 2) << " | "
                      << fixed(result.daemonCpu > 0 ? rate / result.daemonCpu : 0, 0) << " |\n";
        }
        std::cout << "\n| spans answered | spans in the store | traces.db bytes | bytes per span "
                     "on disk | OTLP bytes per "
                     "span on the wire | aegisd exit |\n|---:|---:|---:|---:|---:|---:|\n";
        std::cout << "| " << stored << " | " << fixed(inStore, 0) << " | " << dbBytes + walBytes
                  << " | "
                  << fixed(stored ? static_cast<double>(dbBytes + walBytes) /
                                        static_cast<double>(stored)
                                  : 0,
                           1)
                  << " | "
                  << fixed(wireBytes / static_cast<double>(batches.size() * spansPerBatch), 1)
                  << " | " << exit << " |\n";
    } catch (const std::exception &error) {
        std::cerr << "aegis-bench-tracing-ingest: " << error.what() << "\n";
        return 1;
    }
    return 0;
}
