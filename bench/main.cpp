// aegis-bench: starts a real aegisd and measures unary read throughput (SystemService.GetStatus)
// and durable audited mutations (AuthService.CreateToken) at several concurrencies, printing a
// markdown table. See bench/RESULTS.md for how to read it.

#include "bench_support.h"
#include "closed_loop_load.h"
#include "daemon_process.h"

#include "aegis/v1/auth.grpc.pb.h"
#include "aegis/v1/system.grpc.pb.h"

#include <boost/program_options.hpp>
#include <grpcpp/create_channel.h>

#include <iostream>
#include <optional>
#include <sstream>
#include <thread>

namespace po = boost::program_options;
using namespace std::chrono_literals;

namespace aegis::bench {
namespace {

struct BenchOptions {
    std::vector<int> concurrencies = {1, 16, 64};
    std::chrono::milliseconds warmup{2000};
    std::chrono::milliseconds window{10000};
    std::chrono::milliseconds mutationWindow{5000};
    // Connections to spread the calls over; 0 picks min(concurrency, 4).
    int channels = 0;
    bool unary = true;
    bool mutations = true;
    std::filesystem::path dataDir;
    std::vector<std::string> daemonArgs;
};

struct Row {
    std::string workload;
    LoadResult load;
    double daemonCores = 0;
    double benchCores = 0;
};

// One workload at one concurrency: per-slot request state and a starter for runClosedLoop.
template <typename Stub, typename Request, typename Response>
struct SlotCalls {
    struct Slot {
        std::unique_ptr<grpc::ClientContext> context;
        Request request;
        Response response;
        std::uint64_t sequence = 0;
    };
    std::vector<Slot> slots;
    std::vector<std::unique_ptr<Stub>> stubs;
};

Row measure(const std::string &workload, int concurrency, const CallStarter &start,
            std::chrono::milliseconds warmup, std::chrono::milliseconds window, int daemonPid) {
    double daemonCpu = 0;
    double benchCpu = 0;
    const auto result = runClosedLoop(concurrency, start, warmup, window, [&](bool starting) {
        const double sign = starting ? -1 : 1;
        daemonCpu += sign * processCpuSeconds(daemonPid);
        benchCpu += sign * selfCpuSeconds();
    });
    Row row{workload, result};
    row.daemonCores = daemonCpu / result.window.count();
    row.benchCores = benchCpu / result.window.count();
    return row;
}

Row benchGetStatus(const BenchOptions &options, const testing::DaemonProcess &daemon,
                   const std::string &bearer, int concurrency) {
    const int channelCount = options.channels > 0 ? options.channels : std::min(concurrency, 4);
    const auto channels = makeChannels(daemon.grpcAddress(), channelCount);
    SlotCalls<v1::SystemService::Stub, v1::GetStatusRequest, v1::GetStatusResponse> calls;
    calls.slots.resize(static_cast<std::size_t>(concurrency));
    for (const auto &channel : channels) {
        calls.stubs.push_back(v1::SystemService::NewStub(channel));
    }
    const CallStarter start = [&](int index, std::function<void(const grpc::Status &)> done) {
        auto &slot = calls.slots[static_cast<std::size_t>(index)];
        slot.context = std::make_unique<grpc::ClientContext>();
        slot.context->set_deadline(std::chrono::system_clock::now() + 10s);
        slot.context->AddMetadata("authorization", bearer);
        calls.stubs[static_cast<std::size_t>(index % channelCount)]->async()->GetStatus(
            slot.context.get(), &slot.request, &slot.response, std::move(done));
    };
    return measure("GetStatus (unary read)", concurrency, start, options.warmup, options.window,
                   daemon.pid());
}

Row benchCreateToken(const BenchOptions &options, const testing::DaemonProcess &daemon,
                     const std::string &bearer, int concurrency) {
    const int channelCount = options.channels > 0 ? options.channels : std::min(concurrency, 4);
    const auto channels = makeChannels(daemon.grpcAddress(), channelCount);
    SlotCalls<v1::AuthService::Stub, v1::CreateTokenRequest, v1::CreateTokenResponse> calls;
    calls.slots.resize(static_cast<std::size_t>(concurrency));
    for (const auto &channel : channels) {
        calls.stubs.push_back(v1::AuthService::NewStub(channel));
    }
    const std::string prefix = "bench-c" + std::to_string(concurrency) + "-";
    const CallStarter start = [&](int index, std::function<void(const grpc::Status &)> done) {
        auto &slot = calls.slots[static_cast<std::size_t>(index)];
        slot.context = std::make_unique<grpc::ClientContext>();
        slot.context->set_deadline(std::chrono::system_clock::now() + 30s);
        slot.context->AddMetadata("authorization", bearer);
        slot.request.set_name(prefix + std::to_string(index) + "-" +
                              std::to_string(slot.sequence++));
        slot.request.set_role(v1::ROLE_VIEWER);
        calls.stubs[static_cast<std::size_t>(index % channelCount)]->async()->CreateToken(
            slot.context.get(), &slot.request, &slot.response, std::move(done));
    };
    return measure("CreateToken (durable, audited)", concurrency, start, options.warmup / 2,
                   options.mutationWindow, daemon.pid());
}

void printTable(const std::vector<Row> &rows) {
    std::cout << "| workload | clients | calls/s | p50 ms | p99 ms | errors | aegisd CPU (cores) | "
                 "bench CPU (cores) | calls/s per aegisd core |\n"
              << "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
    for (const auto &row : rows) {
        const auto &load = row.load;
        std::cout << "| " << row.workload << " | " << load.concurrency << " | "
                  << fixed(load.callsPerSecond(), 0) << " | " << fixed(load.p50Ms, 3) << " | "
                  << fixed(load.p99Ms, 3) << " | " << load.failed << " | "
                  << fixed(row.daemonCores, 2) << " | " << fixed(row.benchCores, 2) << " | "
                  << fixed(row.daemonCores > 0 ? load.callsPerSecond() / row.daemonCores : 0, 0)
                  << " |\n";
    }
}

std::optional<std::chrono::milliseconds> positiveSeconds(double value) {
    if (value <= 0) {
        return std::nullopt;
    }
    return std::chrono::milliseconds(static_cast<long long>(value * 1000));
}

int run(int argc, char **argv) {
    BenchOptions options;
    std::string concurrencies = "1,16,64";
    double warmup = 2;
    double window = 10;
    double mutationWindow = 5;
    std::string only;
    po::options_description flags("aegis-bench flags");
    // clang-format off
    flags.add_options()
        ("concurrency", po::value(&concurrencies)->default_value(concurrencies),
            "comma-separated numbers of outstanding calls")
        ("warmup", po::value(&warmup)->default_value(warmup), "warm-up seconds before each window")
        ("duration", po::value(&window)->default_value(window), "measuring window for reads, seconds")
        ("mutation-duration", po::value(&mutationWindow)->default_value(mutationWindow),
            "measuring window for mutations, seconds")
        ("channels", po::value(&options.channels)->default_value(0),
            "connections to spread calls over (0: min(concurrency, 4))")
        ("only", po::value(&only), "run only 'reads' or 'mutations'")
        ("data-dir", po::value<std::string>(), "aegisd data directory (default: a fresh temporary one)")
        ("daemon-arg", po::value(&options.daemonArgs), "extra aegisd argument (repeatable)")
        ("help,h", "show help");
    // clang-format on
    po::variables_map values;
    try {
        po::store(po::parse_command_line(argc, argv, flags), values);
        po::notify(values);
    } catch (const po::error &error) {
        std::cerr << "error: " << error.what() << "\n" << flags;
        return 2;
    }
    if (values.count("help")) {
        std::cout << flags;
        return 0;
    }
    options.concurrencies = parseIntList(concurrencies);
    const auto warmupMs = positiveSeconds(warmup);
    const auto windowMs = positiveSeconds(window);
    const auto mutationMs = positiveSeconds(mutationWindow);
    if (!warmupMs || !windowMs || !mutationMs ||
        (!only.empty() && only != "reads" && only != "mutations")) {
        std::cerr << "error: durations must be positive; --only is reads or mutations\n";
        return 2;
    }
    options.warmup = *warmupMs;
    options.window = *windowMs;
    options.mutationWindow = *mutationMs;
    options.unary = only != "mutations";
    options.mutations = only != "reads";

    testing::DaemonOptions daemonOptions;
    if (values.count("data-dir")) {
        daemonOptions.dataDir = values["data-dir"].as<std::string>();
    }
    daemonOptions.extraArgs = options.daemonArgs;
    auto daemon = testing::DaemonProcess::start(daemonOptions);
    if (!daemon) {
        std::cerr << "error: " << daemon.status().toString() << "\n";
        return 1;
    }
    const std::string bearer = "Bearer " + (*daemon)->adminToken();
    std::cerr << "aegisd " << (*daemon)->grpcAddress() << " (pid " << (*daemon)->pid() << ", data "
              << (*daemon)->dataDir().string() << ")\n";

    std::vector<Row> rows;
    auto report = [&](Row row) {
        std::cerr << row.workload << " x" << row.load.concurrency << ": "
                  << fixed(row.load.callsPerSecond(), 0) << " calls/s"
                  << (row.load.failed ? ", first error " + row.load.firstError : "") << "\n";
        rows.push_back(std::move(row));
    };
    if (options.unary) {
        for (const int concurrency : options.concurrencies) {
            report(benchGetStatus(options, **daemon, bearer, concurrency));
        }
    }
    if (options.mutations) {
        for (const int concurrency : options.concurrencies) {
            report(benchCreateToken(options, **daemon, bearer, concurrency));
        }
    }

    std::cout << "aegis-bench: " << std::thread::hardware_concurrency() << " cores (" << cpuModel()
              << "); aegisd and the load generator share them. Reads: " << window
              << " s window after " << warmup << " s warm-up; mutations: " << mutationWindow
              << " s window.\n\n";
    printTable(rows);
    const int exitCode = (*daemon)->terminate();
    if (exitCode != 0) {
        std::cerr << "warning: aegisd exited with " << exitCode << "; see "
                  << (*daemon)->logFile().string() << "\n";
    }
    return 0;
}

} // namespace
} // namespace aegis::bench

int main(int argc, char **argv) {
    return aegis::bench::run(argc, argv);
}
