// aegis-bench-tracing-query: GetTrace and SearchTraces through a real aegisd's TraceService with
// millions of spans stored.
//
// Fills a traces.db through the span store's own append path (TraceStore::accept, the path the
// OTLP ingest uses) with realistic traces: 10 services with 5 operations each, 5 to 50 spans per
// trace (plus the client span of each cross-service call), about 10 attributes per span, 60
// resources (service x version x host). The data directory is kept under the build directory and
// reused by later runs with the same --spans. Then aegisd serves that directory and the benchmark
// times, one call at a time: GetTrace (timeline, and FULL), SearchTraces by service, by service
// and operation, by minimum duration, and with 3-term tag queries, over the whole data's window.

#include "aegis/v1/tracing.grpc.pb.h"
#include "api_test_helpers.h"
#include "bench_support.h"
#include "daemon_process.h"
#include "tracing/trace_store.h"

#include <boost/program_options.hpp>
#include <grpcpp/client_context.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <random>

namespace po = boost::program_options;
namespace otlp = opentelemetry::proto;
namespace v1 = aegis::v1;
using namespace aegis;
using namespace std::chrono;

namespace {

constexpr int kServices = 10;
constexpr int kOperationsPerService = 5;
constexpr int kHostsPerService = 3;
constexpr int kVersionsPerService = 2;
const char *const kRegions[] = {"eu-west-1", "eu-central-1", "us-east-1",
                                "us-west-2", "ap-south-1",   "ap-northeast-1"};
const char *const kTiers[] = {"gold", "silver", "bronze"};
const char *const kServiceNames[kServices] = {"frontend", "checkout", "payments", "inventory",
                                              "shipping", "users",    "catalog",  "search",
                                              "pricing",  "notify"};

std::uint64_t splitmix(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

// Trace number i's id: the same in the fill and in the queries.
std::string traceIdBytes(std::uint64_t i) {
    std::string bytes(16, '\0');
    const std::uint64_t high = splitmix(i * 2 + 1);
    const std::uint64_t low = splitmix(i * 2 + 2);
    for (int b = 0; b < 8; ++b) {
        bytes[static_cast<std::size_t>(b)] = static_cast<char>(high >> (56 - 8 * b));
        bytes[static_cast<std::size_t>(8 + b)] = static_cast<char>(low >> (56 - 8 * b));
    }
    bytes[0] = static_cast<char>(bytes[0] | 1); // never all zero
    return bytes;
}

std::string spanIdBytes(std::uint64_t value) {
    std::string bytes(8, '\0');
    for (int b = 7; b >= 0; --b) {
        bytes[static_cast<std::size_t>(b)] = static_cast<char>(value & 0xFF);
        value >>= 8;
    }
    return bytes;
}

void setString(otlp::common::v1::KeyValue *kv, const char *key, const std::string &value) {
    kv->set_key(key);
    kv->mutable_value()->set_string_value(value);
}

void setInt(otlp::common::v1::KeyValue *kv, const char *key, std::int64_t value) {
    kv->set_key(key);
    kv->mutable_value()->set_int_value(value);
}

// Builds exports of about `spansPerExport` spans from consecutive traces.
class Generator {
public:
    Generator(std::uint64_t firstStartNanos, std::uint64_t spacingNanos)
        : m_firstStart(firstStartNanos)
        , m_spacing(spacingNanos) {}

    // Appends trace number `index` to `request`; returns its span count.
    std::size_t addTrace(std::uint64_t index,
                         otlp::collector::trace::v1::ExportTraceServiceRequest &request,
                         std::map<int, otlp::trace::v1::ScopeSpans *> &scopes) {
        std::mt19937_64 rng(splitmix(index));
        const std::string trace = traceIdBytes(index);
        const std::uint64_t start = m_firstStart + index * m_spacing;
        const std::string region = kRegions[rng() % 6];
        const std::string tier = kTiers[rng() % 3];
        const std::string user = "user-" + std::to_string(rng() % 100000);
        char requestId[17];
        std::snprintf(requestId, sizeof requestId, "%016llx",
                      static_cast<unsigned long long>(rng()));
        const bool retry = rng() % 20 == 0;
        const int wanted = 5 + static_cast<int>(rng() % 46);
        struct Node {
            std::uint64_t id;
            int service;
            std::uint64_t start;
            std::uint64_t duration;
        };
        std::vector<Node> nodes;
        std::size_t count = 0;
        const auto emit = [&](const Node &node, std::uint64_t parent, int kind, int operation,
                              int status) {
            const int version = static_cast<int>((index / 997 + node.service) % 2);
            const int host = static_cast<int>(rng() % kHostsPerService);
            const int resource =
                (node.service * kVersionsPerService + version) * kHostsPerService + host;
            auto *&scope = scopes[resource];
            if (scope == nullptr) {
                auto *resourceSpans = request.add_resource_spans();
                auto *r = resourceSpans->mutable_resource();
                setString(r->add_attributes(), "service.name", kServiceNames[node.service]);
                setString(r->add_attributes(), "service.version",
                          "1." + std::to_string(version + 3) + ".0");
                setString(r->add_attributes(), "aegis.colour", version == 0 ? "blue" : "green");
                setString(r->add_attributes(), "host.name",
                          std::string(kServiceNames[node.service]) + "-" + std::to_string(host));
                setString(r->add_attributes(), "telemetry.sdk.language", "cpp");
                scope = resourceSpans->add_scope_spans();
                scope->mutable_scope()->set_name("aegis.client");
                scope->mutable_scope()->set_version("0.1.0");
            }
            auto *span = scope->add_spans();
            span->set_trace_id(trace);
            span->set_span_id(spanIdBytes(node.id));
            if (parent != 0) {
                span->set_parent_span_id(spanIdBytes(parent));
            }
            const std::string operationName =
                std::string(kServiceNames[node.service]) + ".op" + std::to_string(operation);
            span->set_name(kind == 3 ? "call " + operationName : operationName);
            span->set_kind(static_cast<otlp::trace::v1::Span::SpanKind>(kind));
            span->set_start_time_unix_nano(node.start);
            span->set_end_time_unix_nano(node.start + node.duration);
            const std::uint64_t roll = rng() % 100;
            const char *method = roll < 70   ? "GET"
                                 : roll < 90 ? "POST"
                                 : roll < 95 ? "PUT"
                                             : "DELETE";
            setString(span->add_attributes(), "http.method", method);
            setString(span->add_attributes(), "http.route", "/api/v1/" + operationName);
            setInt(span->add_attributes(), "http.response.status_code", status);
            setString(span->add_attributes(), "region", region);
            setString(span->add_attributes(), "customer.tier", tier);
            setString(span->add_attributes(), "user.id", user);
            setString(span->add_attributes(), "request.id", requestId);
            setInt(span->add_attributes(), "net.peer.port", 8000 + static_cast<int>(rng() % 10));
            setInt(span->add_attributes(), "thread.id", 1 + static_cast<int>(rng() % 64));
            auto *retried = span->add_attributes();
            retried->set_key("retry");
            retried->mutable_value()->set_bool_value(retry);
            if (status >= 500) {
                span->mutable_status()->set_code(otlp::trace::v1::Status::STATUS_CODE_ERROR);
            }
            ++count;
        };
        const auto statusOf = [&] {
            const std::uint64_t roll = rng() % 100;
            return roll < 93 ? 200 : roll < 97 ? 404 : roll < 99 ? 500 : 503;
        };
        const std::uint64_t rootDuration = 10'000'000 + rng() % 1'990'000'000;
        nodes.push_back(
            {index * 1000 + 1, static_cast<int>(rng() % kServices), start, rootDuration});
        emit(nodes[0], 0, 2, static_cast<int>(rng() % kOperationsPerService), statusOf());
        while (static_cast<int>(count) < wanted) {
            const Node parent = nodes[rng() % nodes.size()];
            const std::uint64_t offset = rng() % std::max<std::uint64_t>(1, parent.duration / 2);
            const std::uint64_t duration =
                std::max<std::uint64_t>(1000, (parent.duration - offset) / (1 + rng() % 4));
            const std::uint64_t id = index * 1000 + nodes.size() + 1 + count;
            const int operation = static_cast<int>(rng() % kOperationsPerService);
            if (rng() % 2 == 0) {
                Node node{id, parent.service, parent.start + offset, duration};
                emit(node, parent.id, 1, operation, statusOf());
                nodes.push_back(node);
            } else {
                // A call: the caller's client span, the callee's server span under it.
                const int callee = static_cast<int>(rng() % kServices);
                Node client{id, parent.service, parent.start + offset, duration};
                Node server{id + 500, callee, client.start + duration / 10, duration * 8 / 10};
                const int status = statusOf();
                emit(client, parent.id, 3, operation, status);
                emit(server, client.id, 2, operation, status);
                nodes.push_back(server);
            }
        }
        return count;
    }

private:
    std::uint64_t m_firstStart;
    std::uint64_t m_spacing;
};

struct FillInfo {
    std::uint64_t traces = 0;
    std::uint64_t spans = 0;
    std::uint64_t firstStart = 0;
    std::uint64_t spacing = 0;
};

std::optional<FillInfo> readInfo(const std::filesystem::path &path) {
    std::ifstream in(path);
    FillInfo info;
    if (!(in >> info.traces >> info.spans >> info.firstStart >> info.spacing)) {
        return std::nullopt;
    }
    return info;
}

// Fills <dir>/traces.db with `spans` spans through the store's append path.
StatusOr<FillInfo> fill(const std::filesystem::path &dir, std::uint64_t spans) {
    std::filesystem::create_directories(dir);
    std::filesystem::remove(dir / "traces.db");
    std::filesystem::remove(dir / "traces.db-wal");
    std::filesystem::remove(dir / "traces.db-shm");
    tracing::TraceStoreOptions options;
    options.path = dir / "traces.db";
    options.retentionMaxBytes = std::int64_t{1} << 50;
    auto store = tracing::TraceStore::open(options);
    if (!store) {
        return store.status();
    }
    FillInfo info;
    // About 35 spans per trace on average; the traces' starts cover the two hours before now.
    const std::uint64_t expectedTraces = std::max<std::uint64_t>(1, spans / 35);
    const std::uint64_t now = static_cast<std::uint64_t>(
        duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count());
    info.spacing = duration_cast<nanoseconds>(hours(2)).count() / expectedTraces;
    info.firstStart =
        now - static_cast<std::uint64_t>(duration_cast<nanoseconds>(hours(2)).count());
    Generator generator(info.firstStart, info.spacing);

    std::mutex mutex;
    std::condition_variable changed;
    int inFlight = 0;
    Status failure;
    const auto started = steady_clock::now();
    constexpr std::size_t kSpansPerExport = 2000;
    constexpr int kMaxInFlight = 16;
    while (info.spans < spans) {
        auto batch = std::make_shared<tracing::SpanBatch>();
        std::map<int, otlp::trace::v1::ScopeSpans *> scopes;
        std::size_t count = 0;
        while (count < kSpansPerExport && info.spans + count < spans) {
            count += generator.addTrace(info.traces++, batch->request, scopes);
        }
        batch->spanCount = count;
        batch->receivedUnixNano = static_cast<std::int64_t>(now);
        info.spans += count;
        {
            std::unique_lock lock(mutex);
            changed.wait(lock, [&] { return inFlight < kMaxInFlight; });
            ++inFlight;
        }
        (*store)->accept(batch, [&](Status status) {
            std::lock_guard lock(mutex);
            --inFlight;
            if (!status.isOk()) {
                failure = status;
            }
            changed.notify_all();
        });
        if (info.traces % 20000 < 60) {
            const double seconds = duration<double>(steady_clock::now() - started).count();
            std::cerr << "filled " << info.spans << " spans (" << info.traces << " traces), "
                      << bench::fixed(static_cast<double>(info.spans) / seconds, 0) << " spans/s\n";
        }
    }
    {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return inFlight == 0; });
    }
    if (!failure.isOk()) {
        return failure;
    }
    const double seconds = duration<double>(steady_clock::now() - started).count();
    const auto status = (*store)->status();
    std::cerr << "filled " << info.spans << " spans in " << bench::fixed(seconds, 1) << " s ("
              << bench::fixed(static_cast<double>(info.spans) / seconds, 0) << " spans/s), "
              << status.bytes / (1024 * 1024) << " MiB in use\n";
    (*store)->close();
    std::ofstream(dir / "bench-fill.txt") << info.traces << " " << info.spans << " "
                                          << info.firstStart << " " << info.spacing << "\n";
    return info;
}

google::protobuf::Timestamp timestampOf(std::uint64_t unixNano) {
    google::protobuf::Timestamp time;
    time.set_seconds(static_cast<std::int64_t>(unixNano / 1'000'000'000));
    time.set_nanos(static_cast<int>(unixNano % 1'000'000'000));
    return time;
}

struct Timings {
    std::vector<double> ms;
    std::uint64_t results = 0;
    int failures = 0;
    std::string lastError;
};

std::string row(const std::string &name, Timings &t, const std::string &goal) {
    std::sort(t.ms.begin(), t.ms.end());
    const double mean = t.ms.empty() ? 0 : static_cast<double>(t.results) / t.ms.size();
    return "| " + name + " | " + std::to_string(t.ms.size()) + " | " +
           bench::fixed(bench::percentile(t.ms, 0.5), 2) + " | " +
           bench::fixed(bench::percentile(t.ms, 0.99), 2) + " | " +
           bench::fixed(t.ms.empty() ? 0 : t.ms.back(), 2) + " | " + bench::fixed(mean, 1) + " | " +
           goal + " |";
}

} // namespace

int main(int argc, char **argv) {
    po::options_description options("aegis-bench-tracing-query [options]");
    // clang-format off
    options.add_options()
        ("help,h", "show this help")
        ("spans", po::value<std::uint64_t>()->default_value(10'000'000), "spans stored")
        ("data-dir", po::value<std::string>(), "where the filled data directory is kept (default: <build>/bench-data/tracing-query-<spans>)")
        ("refill", "fill again although a filled directory exists")
        ("queries", po::value<int>()->default_value(200), "calls per query kind");
    // clang-format on
    po::variables_map values;
    po::store(po::parse_command_line(argc, argv, options), values);
    po::notify(values);
    if (values.count("help")) {
        std::cout << options << "\n";
        return 0;
    }
    const std::uint64_t spans = values["spans"].as<std::uint64_t>();
    const int queries = values["queries"].as<int>();
    const std::filesystem::path dir =
        values.count("data-dir") ? std::filesystem::path(values["data-dir"].as<std::string>())
                                 : std::filesystem::path(AEGIS_BENCH_DATA_DIR) /
                                       ("tracing-query-" + std::to_string(spans));

    auto info = values.count("refill") ? std::nullopt : readInfo(dir / "bench-fill.txt");
    // A fill stops at the end of the trace that reaches the count asked for.
    if (!info || info->spans < spans || info->spans >= spans + 100) {
        auto filled = fill(dir, spans);
        if (!filled) {
            std::cerr << "fill failed: " << filled.status().message() << "\n";
            return 1;
        }
        info = *filled;
    } else {
        std::cerr << "reusing " << dir << " (" << info->spans << " spans)\n";
    }
    const auto dbBytes = std::filesystem::file_size(dir / "traces.db");

    // aegisd keeps everything: no retention by age or size during the benchmark.
    const auto config = dir / "bench-aegisd.yaml";
    std::ofstream(config) << "tracing:\n  retention:\n    max_age: 87600h\n"
                             "    max_bytes: 1000000000000000\n";
    testing::DaemonOptions daemonOptions;
    daemonOptions.dataDir = dir;
    daemonOptions.extraArgs = {"--config", config.string()};
    daemonOptions.startTimeout = milliseconds(120000);
    auto daemon = testing::DaemonProcess::start(daemonOptions);
    if (!daemon) {
        std::cerr << "aegisd: " << daemon.status().message() << "\n";
        return 1;
    }
    auto stub = v1::TraceService::NewStub(
        testing::channelFor((*daemon)->grpcAddress(), (*daemon)->adminToken()));

    const std::uint64_t windowStart = info->firstStart - 60'000'000'000ULL;
    const std::uint64_t windowEnd =
        info->firstStart + info->traces * info->spacing + 600'000'000'000ULL;
    std::mt19937_64 rng(42);
    std::map<std::string, Timings> timings;
    const auto timed = [&](const std::string &name, auto &&call) {
        Timings &t = timings[name];
        const auto started = steady_clock::now();
        grpc::ClientContext context;
        context.set_deadline(system_clock::now() + seconds(30));
        std::uint64_t results = 0;
        const grpc::Status status = call(context, results);
        t.ms.push_back(duration<double, std::milli>(steady_clock::now() - started).count());
        t.results += results;
        if (!status.ok()) {
            ++t.failures;
            t.lastError = status.error_message();
        }
    };
    const auto search = [&](const std::string &name, v1::SearchTracesRequest request) {
        *request.mutable_start_time() = timestampOf(windowStart);
        *request.mutable_end_time() = timestampOf(windowEnd);
        timed(name, [&](grpc::ClientContext &context, std::uint64_t &results) {
            v1::SearchTracesResponse response;
            const grpc::Status status = stub->SearchTraces(&context, request, &response);
            results = static_cast<std::uint64_t>(response.traces_size());
            return status;
        });
    };
    // A warm-up pass over each kind, not counted: the first touches of the file.
    for (int round = 0; round < queries + 5; ++round) {
        const auto region = std::string(kRegions[rng() % 6]);
        const auto tier = std::string(kTiers[rng() % 3]);
        const std::string service = kServiceNames[rng() % kServices];
        const std::uint64_t trace = rng() % info->traces;

        v1::GetTraceRequest get;
        get.set_trace_id(tracing::toHex(*tracing::traceIdFromBytes(traceIdBytes(trace))));
        timed("GetTrace (timeline)", [&](grpc::ClientContext &context, std::uint64_t &results) {
            v1::GetTraceResponse response;
            const grpc::Status status = stub->GetTrace(&context, get, &response);
            results = static_cast<std::uint64_t>(response.timeline().span_ids_size());
            return status;
        });
        get.set_view(v1::TRACE_VIEW_FULL);
        timed("GetTrace (FULL)", [&](grpc::ClientContext &context, std::uint64_t &results) {
            v1::GetTraceResponse response;
            const grpc::Status status = stub->GetTrace(&context, get, &response);
            results = static_cast<std::uint64_t>(response.timeline().span_ids_size());
            return status;
        });

        v1::SearchTracesRequest request;
        request.set_service(service);
        search("SearchTraces service", request);
        request.set_operation(service + ".op" + std::to_string(rng() % kOperationsPerService));
        search("SearchTraces service + operation", request);
        request.Clear();
        request.mutable_min_duration()->set_seconds(1);
        request.mutable_min_duration()->set_nanos(900'000'000);
        search("SearchTraces min_duration 1.9 s", request);

        const std::string tagQueries[] = {
            "http.response.status_code = 500 AND region = " + region +
                " AND customer.tier = " + tier,
            "region = " + region + " AND http.method = DELETE AND retry = true",
            "customer.tier = " + tier +
                " AND http.method = PUT AND http.response.status_code = 404",
            "user.id = \"user-" + std::to_string(rng() % 100000) + "\" AND region = " + region +
                " AND http.method = GET",
        };
        request.Clear();
        request.set_tag_query(tagQueries[round % 4]);
        search("SearchTraces 3-term tag query", request);
        request.set_service(service);
        search("SearchTraces service + 3-term tag query", request);
        if (round == 4) {
            timings.clear(); // warm-up done
        }
    }

    std::cout << "### Tracing: queries with " << info->spans << " spans stored\n\n";
    std::cout << "CPU: " << bench::cpuModel() << "; " << info->spans << " spans in " << info->traces
              << " traces, traces.db " << dbBytes / (1024 * 1024)
              << " MiB; every query over the whole data's window, one call at a time through "
                 "aegisd's TraceService (gRPC, loopback), "
              << queries << " calls each.\n\n";
    std::cout << "| query | calls | p50 ms | p99 ms | max ms | results per call | goal |\n";
    std::cout << "|---|---|---|---|---|---|---|\n";
    const std::map<std::string, std::string> goals = {
        {"GetTrace (timeline)", "p99 < 10 ms"},
        {"SearchTraces 3-term tag query", "p99 < 200 ms"},
        {"SearchTraces service + 3-term tag query", "p99 < 200 ms"}};
    int failures = 0;
    for (auto &[name, t] : timings) {
        const auto goal = goals.find(name);
        std::cout << row(name, t, goal == goals.end() ? "" : goal->second) << "\n";
        if (t.failures > 0) {
            std::cerr << name << ": " << t.failures << " failed, e.g. " << t.lastError << "\n";
            failures += t.failures;
        }
    }
    std::cout << "\naegisd: " << bench::fixed(bench::processCpuSeconds((*daemon)->pid()), 1)
              << " CPU s, RSS " << bench::processRssKib((*daemon)->pid()) / 1024 << " MiB\n";
    (*daemon)->terminate();
    return failures == 0 ? 0 : 1;
}
