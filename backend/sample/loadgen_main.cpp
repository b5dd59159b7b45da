// aegis-loadgen: drives steady traffic across services found through aegisd, and prints one
// summary line per interval and a final one on exit.
//
//   aegis-loadgen [--aegis HOST:PORT] [--token-file F] [--services checkout,inventory,payments]
//                 [--rate 200] [--concurrency 16] [--strategy weighted] [--interval 1s]
//                 [--for DURATION]   (0: until SIGTERM or SIGINT)

#include "client/connection.h"
#include "common/duration.h"
#include "common/logging.h"
#include "sample/load_generator.h"

#include <boost/program_options.hpp>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <optional>
#include <pthread.h>
#include <sstream>

using namespace aegis;
namespace po = boost::program_options;

namespace {

std::optional<client::Strategy> parseStrategy(const std::string &name) {
    if (name == "weighted") {
        return client::Strategy::WeightedRoundRobin;
    }
    if (name == "round-robin") {
        return client::Strategy::RoundRobin;
    }
    if (name == "least-request") {
        return client::Strategy::LeastRequest;
    }
    if (name == "random") {
        return client::Strategy::Random;
    }
    if (name == "hash") {
        return client::Strategy::ConsistentHash;
    }
    return std::nullopt;
}

std::vector<std::string> splitList(const std::string &text) {
    std::vector<std::string> items;
    std::istringstream in(text);
    for (std::string item; std::getline(in, item, ',');) {
        if (!item.empty()) {
            items.push_back(item);
        }
    }
    return items;
}

std::string seconds(std::chrono::steady_clock::duration duration) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1fs", std::chrono::duration<double>(duration).count());
    return text;
}

timespec toTimespec(std::chrono::steady_clock::duration duration) {
    const auto nanos = std::max<std::int64_t>(
        0, std::chrono::duration_cast<std::chrono::nanoseconds>(duration).count());
    return {static_cast<time_t>(nanos / 1000000000), static_cast<long>(nanos % 1000000000)};
}

} // namespace

int main(int argc, char **argv) {
    client::ConnectionOptions connection;
    sample::LoadGeneratorOptions load;
    std::string tokenFile;
    std::string services;
    std::string strategy;
    std::string intervalText;
    std::string durationText;

    po::options_description flags("aegis-loadgen flags");
    // clang-format off
    flags.add_options()
        ("help,h", "print this help")
        ("aegis", po::value(&connection.address)->default_value("127.0.0.1:7400"),
            "aegisd's gRPC address")
        ("token-file", po::value(&tokenFile), "file holding a token (service role is enough)")
        ("services", po::value(&services)->default_value("checkout,inventory,payments"),
            "comma-separated services to send requests to, in turn")
        ("rate", po::value(&load.rate)->default_value(200), "requests per second, in total")
        ("concurrency", po::value(&load.concurrency)->default_value(16),
            "requests in flight at most (one worker thread each)")
        ("strategy", po::value(&strategy)->default_value("weighted"),
            "weighted, round-robin, least-request, random or hash")
        ("timeout", po::value<std::string>()->default_value("2s"), "deadline of each request")
        ("interval", po::value(&intervalText)->default_value("1s"), "how often to print a summary")
        ("for", po::value(&durationText)->default_value("0s"),
            "stop after this long; 0 runs until SIGTERM or SIGINT");
    // clang-format on
    po::variables_map values;
    try {
        po::store(po::parse_command_line(argc, argv, flags), values);
        po::notify(values);
    } catch (const po::error &error) {
        std::cerr << "aegis-loadgen: " << error.what() << "\n" << flags;
        return 2;
    }
    if (values.count("help")) {
        std::cout << flags;
        return 0;
    }
    const auto usage = [](const std::string &message) {
        std::cerr << "aegis-loadgen: " << message << "\n";
        return 2;
    };
    const auto interval = parseDuration(intervalText, "--interval");
    const auto duration = parseDuration(durationText, "--for");
    const auto timeout = parseDuration(values["timeout"].as<std::string>(), "--timeout");
    for (const auto *parsed : {&interval, &duration, &timeout}) {
        if (!*parsed) {
            return usage(parsed->status().message());
        }
    }
    if (interval->count() <= 0) {
        return usage("--interval must be positive");
    }
    const auto chosen = parseStrategy(strategy);
    if (!chosen) {
        return usage("--strategy must be weighted, round-robin, least-request, random or hash");
    }
    load.strategy = *chosen;
    load.services = splitList(services);
    load.requestTimeout = *timeout;
    log::init("warn");
    connection.tokenFile =
        tokenFile.empty() ? client::defaultTokenFile() : std::filesystem::path(tokenFile);

    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGTERM);
    sigaddset(&stopSignals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

    auto channel = client::makeChannel(connection);
    if (!channel) {
        return usage(channel.status().message());
    }
    auto generator = sample::LoadGenerator::start(*channel, load);
    if (!generator) {
        return usage(generator.status().message());
    }
    std::cout << "aegis-loadgen: " << load.rate << " req/s over " << services << " (" << strategy
              << ", concurrency " << load.concurrency << ")" << std::endl;
    if (!(*generator)->waitUntilDiscovered(std::chrono::seconds(10))) {
        std::cout << "aegis-loadgen: not every service has an instance yet; sending anyway"
                  << std::endl;
    }
    (*generator)->run();

    const auto started = std::chrono::steady_clock::now();
    // No --for: a deadline that never comes.
    const auto end =
        duration->count() > 0 ? started + *duration : std::chrono::steady_clock::time_point::max();
    auto nextReport = started + *interval;
    for (;;) {
        const timespec wait =
            toTimespec(std::min(nextReport, end) - std::chrono::steady_clock::now());
        if (sigtimedwait(&stopSignals, nullptr, &wait) > 0) {
            break;
        }
        const auto now = std::chrono::steady_clock::now();
        if (now >= nextReport) {
            std::cout << "[" << seconds(now - started) << "] "
                      << sample::formatReport((*generator)->takeInterval()) << std::endl;
            nextReport += *interval;
        }
        if (now >= end) {
            break;
        }
    }
    (*generator)->stop();
    const auto total = (*generator)->total();
    std::cout << "final: " << sample::formatReport(total) << " elapsed=" << seconds(total.elapsed)
              << std::endl;
    return 0;
}
