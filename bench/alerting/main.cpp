// aegis-bench-alerting: aegisd's alert evaluation measured against its anchor, in one run.
//
//   1. Evaluation cost: 1,000 alerting rules (10 groups of 100) over 10,000 series, every 15 s,
//      evaluated by aegisd through the Prometheus HTTP API, and the same rule file evaluated by
//      Prometheus' own rule manager on the same data, one after the other on the same machine:
//      time per round and CPU per round of the evaluator and of Prometheus beyond scraping.
//   2. Latency: a series' condition turns true (the first scrape that sees it) → the webhook
//      behind a real Alertmanager (group_wait 0) receives the alert.
//   3. Restarts: aegisd SIGKILLed and restarted while alerts fire; the webhook counts duplicate
//      and missed notifications.
//
// Everything is real and on loopback: Debian's prometheus and prometheus-alertmanager, aegisd with
// an external metrics backend and external Alertmanager, and one exporter in this process.
#include "alertmanager_process.h"
#include "bench_support.h"
#include "daemon_process.h"
#include "exposition_server.h"
#include "http_get.h"
#include "prometheus_process.h"
#include "webhook_receiver.h"

#include "aegis/v1/alerting.grpc.pb.h"

#include <boost/program_options.hpp>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>

namespace v1 = aegis::v1;
namespace po = boost::program_options;
using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;
using aegis::bench::fixed;

namespace {

void pollFor(const std::function<bool()> &done, std::chrono::milliseconds timeout,
             const std::string &what) {
    const auto deadline = SteadyClock::now() + timeout;
    while (!done()) {
        if (SteadyClock::now() > deadline) {
            throw std::runtime_error("timed out waiting for " + what);
        }
        std::this_thread::sleep_for(50ms);
    }
}

template <typename T>
T require(aegis::StatusOr<T> value, const std::string &what) {
    if (!value.isOk()) {
        throw std::runtime_error(what + ": " + value.status().message());
    }
    return std::move(*value);
}

// The data: `bench_load{shard, id}` for the evaluation rules (values 0-99, fixed, so about 1 % of
// the series are above 98) and `bench_trigger{trial}` series the latency and restart runs turn
// on. Records when a trigger was first served as 1: the moment its condition became true in
// Prometheus.
class BenchData {
public:
    BenchData(int shards, int seriesPerShard) {
        for (int shard = 0; shard < shards; ++shard) {
            for (int id = 0; id < seriesPerShard; ++id) {
                m_load += "bench_load{shard=\"" + std::to_string(shard) + "\",id=\"" +
                          std::to_string(id) + "\"} " +
                          std::to_string((shard * 7 + id * 13) % 100) + "\n";
            }
        }
    }
    aegis::bench::ExpositionServer::Body pages() {
        return [this](std::string_view path) -> std::string {
            if (path != "/metrics") {
                return {};
            }
            std::lock_guard lock(m_mutex);
            std::string page = m_load;
            const auto now = SteadyClock::now();
            for (auto &[trial, trigger] : m_triggers) {
                page += "bench_trigger{trial=\"" + trial + "\"} " + (trigger.on ? "1" : "0") + "\n";
                if (trigger.on && !trigger.firstServed) {
                    trigger.firstServed = now;
                }
            }
            return page;
        };
    }
    void set(const std::string &trial, bool on) {
        std::lock_guard lock(m_mutex);
        auto &trigger = m_triggers[trial];
        trigger.on = on;
        trigger.firstServed.reset();
    }
    std::optional<SteadyClock::time_point> firstServed(const std::string &trial) {
        std::lock_guard lock(m_mutex);
        return m_triggers[trial].firstServed;
    }

private:
    struct Trigger {
        bool on = false;
        std::optional<SteadyClock::time_point> firstServed;
    };
    std::string m_load;
    std::mutex m_mutex;
    std::map<std::string, Trigger> m_triggers;
};

// 10 groups of rules/10 rules each; rule r fires for the series of shard r above 98.
std::string evaluationRules(int rules, std::chrono::seconds interval) {
    const int groups = std::max(1, rules / 100);
    std::string yaml = "groups:\n";
    for (int group = 0; group < groups; ++group) {
        yaml += "  - name: bench-" + std::to_string(group) +
                "\n    interval: " + std::to_string(interval.count()) + "s\n    rules:\n";
        for (int rule = group; rule < rules; rule += groups) {
            yaml += "      - alert: BenchLoadHigh" + std::to_string(rule) +
                    "\n        expr: bench_load{shard=\"" + std::to_string(rule) +
                    "\"} > 98\n        for: 1m\n        labels:\n          severity: warning\n"
                    "        annotations:\n          summary: 'shard {{ $labels.shard }} id {{ "
                    "$labels.id }} at {{ $value }}'\n";
        }
    }
    return yaml;
}

// One alert per trial: service is the trial, so each is its own Alertmanager group.
std::string triggerRules(std::chrono::seconds interval) {
    return "groups:\n  - name: bench-trigger\n    interval: " + std::to_string(interval.count()) +
           "s\n    rules:\n      - alert: BenchTrigger\n        expr: bench_trigger > 0\n"
           "        labels:\n          service: '{{ $labels.trial }}'\n          severity: "
           "critical\n        annotations:\n          summary: 'trial {{ $labels.trial }}'\n";
}

struct Daemon {
    std::unique_ptr<aegis::testing::DaemonProcess> process;
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<v1::AlertService::Stub> alerts;
    std::string token;

    static Daemon start(aegis::testing::DaemonOptions options) {
        Daemon daemon;
        daemon.process = require(aegis::testing::DaemonProcess::start(options), "aegisd");
        daemon.channel = aegis::bench::makeChannels(daemon.process->grpcAddress(), 1).front();
        daemon.alerts = v1::AlertService::NewStub(daemon.channel);
        daemon.token = daemon.process->adminToken();
        return daemon;
    }
    std::unique_ptr<grpc::ClientContext> call() const {
        auto context = std::make_unique<grpc::ClientContext>();
        context->AddMetadata("authorization", "Bearer " + token);
        context->set_deadline(std::chrono::system_clock::now() + 60s);
        return context;
    }
    void putRules(const std::string &name, const std::string &content) const {
        v1::PutRuleFileRequest request;
        request.set_name(name);
        request.set_content(content);
        request.set_comment("benchmark rules");
        v1::GetRuleFileRequest get;
        get.set_name(name);
        v1::GetRuleFileResponse current;
        if (alerts->GetRuleFile(call().get(), get, &current).ok()) {
            request.set_base_version(current.file().version());
        }
        v1::PutRuleFileResponse response;
        const auto status = alerts->PutRuleFile(call().get(), request, &response);
        if (!status.ok()) {
            throw std::runtime_error("PutRuleFile " + name + ": " + status.error_message());
        }
    }
    v1::GetAlertingStatusResponse status() const {
        v1::GetAlertingStatusResponse response;
        const auto status =
            alerts->GetAlertingStatus(call().get(), v1::GetAlertingStatusRequest(), &response);
        if (!status.ok()) {
            throw std::runtime_error("GetAlertingStatus: " + status.error_message());
        }
        return response;
    }
    std::vector<v1::Alert> firing() const {
        v1::ListAlertsResponse response;
        const auto status = alerts->ListAlerts(call().get(), v1::ListAlertsRequest(), &response);
        if (!status.ok()) {
            throw std::runtime_error("ListAlerts: " + status.error_message());
        }
        std::vector<v1::Alert> firing;
        for (const auto &alert : response.alerts()) {
            if (alert.state() == v1::ALERT_STATE_FIRING) {
                firing.push_back(alert);
            }
        }
        return firing;
    }
};

std::string scrapeJob(const std::string &exporter) {
    return aegis::testing::PrometheusProcess::staticJob("bench", {exporter});
}

// Sum of one metric's samples on a Prometheus' own /metrics page.
double sumOfMetric(std::uint16_t port, const std::string &name) {
    const auto page = aegis::testing::loopbackHttpGet(port, "/metrics", 10s);
    double sum = 0;
    std::size_t at = 0;
    while ((at = page.body.find(name, at)) != std::string::npos) {
        const bool lineStart = at == 0 || page.body[at - 1] == '\n';
        const auto end = page.body.find('\n', at);
        const auto line = page.body.substr(at, end - at);
        at = end;
        const char next = line.size() > name.size() ? line[name.size()] : '\0';
        if (!lineStart || (next != '{' && next != ' ')) {
            continue;
        }
        sum += std::stod(line.substr(line.rfind(' ') + 1));
    }
    return sum;
}

struct EvaluationRow {
    std::string evaluator;
    std::vector<double> roundMs;
    double evaluatorCpuMsPerRound = -1;
    double prometheusCpuMsPerRound = 0;
};

void evaluationCost(BenchData &, const std::string &exporter, int rules, int series,
                    std::chrono::seconds interval, int rounds, const std::filesystem::path &dir) {
    using aegis::testing::PrometheusProcess;
    const auto window = interval * rounds;
    const auto rulesText = evaluationRules(rules, interval);
    const auto rulesFile = dir / "bench-rules.yml";
    std::ofstream(rulesFile) << rulesText;
    std::vector<EvaluationRow> rows;

    // Prometheus scraping alone: the baseline both evaluators are measured above.
    double baselineCpuPerSecond = 0;
    {
        PrometheusProcess::Options options;
        options.scrapeConfigs = [&](std::uint16_t) { return scrapeJob(exporter); };
        options.scrapeInterval = 5s;
        auto prometheus = require(PrometheusProcess::start(dir / "prom-a", options), "prometheus");
        std::cerr << "evaluation: Prometheus scraping " << series << " series; baseline "
                  << window.count() << " s\n";
        std::this_thread::sleep_for(2 * interval);
        const double cpu = aegis::bench::processCpuSeconds(prometheus->pid());
        std::this_thread::sleep_for(window);
        baselineCpuPerSecond = (aegis::bench::processCpuSeconds(prometheus->pid()) - cpu) /
                               static_cast<double>(window.count());

        // aegisd evaluating through the HTTP API.
        aegis::testing::DaemonOptions daemonOptions;
        daemonOptions.extraArgs = {"--metrics-backend", "external",       "--metrics-url",
                                   prometheus->url(),   "--alertmanager", "none"};
        auto daemon = Daemon::start(daemonOptions);
        daemon.putRules("bench", rulesText);
        pollFor([&] { return daemon.status().last_round_duration_us() > 0; }, 3 * interval,
                "aegisd's first evaluation round");
        std::cerr << "evaluation: aegisd evaluating " << rules << " rules; " << window.count()
                  << " s\n";
        std::this_thread::sleep_for(interval);
        EvaluationRow row;
        row.evaluator = "aegisd (instant queries over HTTP)";
        const double daemonCpu = aegis::bench::processCpuSeconds(daemon.process->pid());
        const double promCpu = aegis::bench::processCpuSeconds(prometheus->pid());
        const auto start = SteadyClock::now();
        while (SteadyClock::now() - start < window) {
            std::this_thread::sleep_for(interval);
            row.roundMs.push_back(static_cast<double>(daemon.status().last_round_duration_us()) /
                                  1000.0);
        }
        const double seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
        const double roundsRun = seconds / static_cast<double>(interval.count());
        row.evaluatorCpuMsPerRound =
            (aegis::bench::processCpuSeconds(daemon.process->pid()) - daemonCpu) * 1000.0 /
            roundsRun;
        row.prometheusCpuMsPerRound =
            ((aegis::bench::processCpuSeconds(prometheus->pid()) - promCpu) -
             baselineCpuPerSecond * seconds) *
            1000.0 / roundsRun;
        const auto status = daemon.status();
        std::cerr << "  aegisd: " << status.rule_count() << " rules, " << status.erroring_rules()
                  << " erroring, " << status.pending() << " pending, " << status.firing()
                  << " firing\n";
        rows.push_back(row);
    }

    // Prometheus' rule manager on the same rules and data.
    {
        PrometheusProcess::Options options;
        options.scrapeConfigs = [&](std::uint16_t) { return scrapeJob(exporter); };
        options.scrapeInterval = 5s;
        options.ruleFiles = {rulesFile};
        options.evaluationInterval = interval;
        auto prometheus = require(PrometheusProcess::start(dir / "prom-b", options), "prometheus");
        std::cerr << "evaluation: Prometheus' rule manager on the same rules; " << window.count()
                  << " s\n";
        pollFor(
            [&] {
                return sumOfMetric(prometheus->port(),
                                   "prometheus_rule_group_last_duration_seconds") > 0;
            },
            3 * interval, "Prometheus' first rule evaluation");
        std::this_thread::sleep_for(interval);
        EvaluationRow row;
        row.evaluator = "Prometheus rule manager (in process)";
        const double promCpu = aegis::bench::processCpuSeconds(prometheus->pid());
        const auto start = SteadyClock::now();
        while (SteadyClock::now() - start < window) {
            std::this_thread::sleep_for(interval);
            row.roundMs.push_back(
                sumOfMetric(prometheus->port(), "prometheus_rule_group_last_duration_seconds") *
                1000.0);
        }
        const double seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
        const double roundsRun = seconds / static_cast<double>(interval.count());
        row.prometheusCpuMsPerRound =
            ((aegis::bench::processCpuSeconds(prometheus->pid()) - promCpu) -
             baselineCpuPerSecond * seconds) *
            1000.0 / roundsRun;
        rows.push_back(row);
    }

    std::cout << "\n### Evaluation: " << rules << " alerting rules over " << series
              << " series, every " << interval.count() << " s\n\n"
              << "| evaluator | round ms median | round ms max | evaluator CPU ms/round | "
                 "Prometheus CPU ms/round beyond scraping |\n|---|---:|---:|---:|---:|\n";
    for (auto &row : rows) {
        std::sort(row.roundMs.begin(), row.roundMs.end());
        std::cout << "| " << row.evaluator << " | "
                  << fixed(aegis::bench::percentile(row.roundMs, 0.5), 1) << " | "
                  << fixed(row.roundMs.empty() ? 0 : row.roundMs.back(), 1) << " | "
                  << (row.evaluatorCpuMsPerRound < 0 ? std::string("(inside Prometheus)")
                                                     : fixed(row.evaluatorCpuMsPerRound, 1))
                  << " | " << fixed(row.prometheusCpuMsPerRound, 1) << " |\n";
    }
}

struct AlertPath {
    std::unique_ptr<aegis::testing::WebhookReceiver> webhook;
    std::unique_ptr<aegis::testing::AlertmanagerProcess> alertmanager;
    std::unique_ptr<aegis::testing::PrometheusProcess> prometheus;
    aegis::testing::DaemonOptions daemonOptions;

    // The webhook's firing and resolved notifications of one trial.
    std::pair<int, int> notificationsOf(const std::string &trial) const {
        int firing = 0;
        int resolved = 0;
        for (const auto &alert : webhook->alerts()) {
            if (alert["labels"].value("service", "") != trial) {
                continue;
            }
            (alert.value("status", "") == "resolved" ? resolved : firing) += 1;
        }
        return {firing, resolved};
    }
};

AlertPath startAlertPath(const std::string &exporter, const std::filesystem::path &dir) {
    AlertPath path;
    path.webhook = require(aegis::testing::WebhookReceiver::start(), "webhook receiver");
    path.alertmanager =
        require(aegis::testing::AlertmanagerProcess::start(
                    dir / "alertmanager",
                    aegis::testing::AlertmanagerProcess::webhookConfig(path.webhook->url())),
                "alertmanager");
    aegis::testing::PrometheusProcess::Options options;
    options.scrapeConfigs = [&](std::uint16_t) { return scrapeJob(exporter); };
    options.scrapeInterval = 1s;
    path.prometheus =
        require(aegis::testing::PrometheusProcess::start(dir / "prom-c", options), "prometheus");
    path.daemonOptions.dataDir = dir / "aegisd";
    path.daemonOptions.extraArgs = {
        "--metrics-backend", "external", "--metrics-url",      path.prometheus->url(),
        "--alertmanager",    "external", "--alertmanager-url", path.alertmanager->url()};
    return path;
}

void notificationLatency(BenchData &data, AlertPath &path, std::chrono::seconds interval,
                         int trials) {
    auto daemon = Daemon::start(path.daemonOptions);
    daemon.putRules("bench-trigger", triggerRules(interval));
    std::cerr << "latency: " << trials << " trials, evaluation every " << interval.count()
              << " s\n";
    std::vector<double> seconds;
    std::vector<double> afterEvaluation;
    // Conditions turn true at random points of the interval, as they do in production.
    std::mt19937 random(42);
    std::uniform_int_distribution<int> offsetMs(0, static_cast<int>(interval.count()) * 1000);
    for (int trial = 0; trial < trials; ++trial) {
        const std::string name = "latency-" + std::to_string(trial);
        std::this_thread::sleep_for(std::chrono::milliseconds(offsetMs(random)));
        data.set(name, true);
        pollFor([&] { return path.notificationsOf(name).first > 0; }, 3 * interval + 10s,
                "the webhook to receive " + name);
        const auto received = SteadyClock::now();
        const auto receivedWall = std::chrono::system_clock::now();
        const auto served = data.firstServed(name);
        seconds.push_back(std::chrono::duration<double>(received - *served).count());
        // The evaluation that fired it: the alert's fired_at is that evaluation's time.
        for (const auto &alert : daemon.firing()) {
            for (const auto &label : alert.labels()) {
                if (label.name() == "service" && label.value() == name) {
                    const auto firedAt = std::chrono::system_clock::time_point(
                        std::chrono::seconds(alert.fired_at().seconds()) +
                        std::chrono::nanoseconds(alert.fired_at().nanos()));
                    afterEvaluation.push_back(
                        std::chrono::duration<double>(receivedWall - firedAt).count());
                }
            }
        }
        data.set(name, false);
    }
    std::sort(seconds.begin(), seconds.end());
    std::sort(afterEvaluation.begin(), afterEvaluation.end());
    std::cout << "\n### Condition true to the webhook (Alertmanager group_wait 0, evaluation every "
              << interval.count() << " s, `for` 0, scrapes every 1 s)\n\n"
              << "| from | trials | p50 s | p99 s | max s |\n|---|---:|---:|---:|---:|\n"
              << "| first scrape showing the condition | " << seconds.size() << " | "
              << fixed(aegis::bench::percentile(seconds, 0.5), 2) << " | "
              << fixed(aegis::bench::percentile(seconds, 0.99), 2) << " | "
              << fixed(seconds.back(), 2) << " |\n"
              << "| the evaluation that fired it | " << afterEvaluation.size() << " | "
              << fixed(aegis::bench::percentile(afterEvaluation, 0.5), 2) << " | "
              << fixed(aegis::bench::percentile(afterEvaluation, 0.99), 2) << " | "
              << fixed(afterEvaluation.empty() ? 0 : afterEvaluation.back(), 2) << " |\n";
    daemon.process->terminate();
}

void restarts(BenchData &data, AlertPath &path, std::chrono::seconds interval, int kills) {
    auto daemon = Daemon::start(path.daemonOptions);
    const auto address = daemon.process->grpcAddress();
    daemon.putRules("bench-trigger", triggerRules(interval));
    // Ten alerts firing before the first kill; one more turned on just before each kill, so some
    // are pending or not yet sent when aegisd dies.
    std::vector<std::string> trials;
    for (int index = 0; index < 10; ++index) {
        trials.push_back("steady-" + std::to_string(index));
        data.set(trials.back(), true);
    }
    pollFor(
        [&] {
            return std::all_of(trials.begin(), trials.end(), [&](const std::string &trial) {
                return path.notificationsOf(trial).first > 0;
            });
        },
        3 * interval + 20s, "the first notifications");
    std::map<std::string, std::string> firedAt;
    for (const auto &alert : daemon.firing()) {
        firedAt[alert.id()] = alert.fired_at().DebugString();
    }
    std::cerr << "restarts: " << kills << " SIGKILLs with " << trials.size() << " alerts firing\n";
    for (int kill = 0; kill < kills; ++kill) {
        trials.push_back("kill-" + std::to_string(kill));
        data.set(trials.back(), true);
        std::this_thread::sleep_for(std::chrono::milliseconds(200 * (kill % 10)));
        daemon.process->kill();
        daemon.process.reset();
        auto options = path.daemonOptions;
        options.grpcListen = address;
        daemon = Daemon::start(options);
        // Two rounds after the restart: every alert on by now has had its chance to be sent.
        std::this_thread::sleep_for(2 * interval);
    }
    pollFor(
        [&] {
            return std::all_of(trials.begin(), trials.end(), [&](const std::string &trial) {
                return path.notificationsOf(trial).first > 0;
            });
        },
        3 * interval + 20s, "every alert's notification");
    int duplicates = 0;
    int missed = 0;
    int resolved = 0;
    for (const auto &trial : trials) {
        const auto [firing, resolutions] = path.notificationsOf(trial);
        duplicates += std::max(0, firing - 1);
        missed += firing == 0 ? 1 : 0;
        resolved += resolutions;
    }
    int restarted = 0;
    for (const auto &alert : daemon.firing()) {
        if (const auto it = firedAt.find(alert.id());
            it != firedAt.end() && it->second != alert.fired_at().DebugString()) {
            ++restarted;
        }
    }
    std::cout << "\n### Restarts: " << kills << " SIGKILLs of aegisd while alerts fire\n\n"
              << "| alerts | duplicate notifications | missed | resolved wrongly | alerts whose "
                 "start changed |\n|---:|---:|---:|---:|---:|\n"
              << "| " << trials.size() << " | " << duplicates << " | " << missed << " | "
              << resolved << " | " << restarted << " |\n";
    daemon.process->terminate();
}

} // namespace

int main(int argc, char **argv) {
    po::options_description options("aegis-bench-alerting [options]");
    options.add_options()("help,h", "show this help")(
        "rules", po::value<int>()->default_value(1000), "alerting rules of the evaluation run")(
        "series", po::value<int>()->default_value(10000), "series they select")(
        "interval", po::value<int>()->default_value(15), "evaluation interval in seconds")(
        "rounds", po::value<int>()->default_value(4), "rounds measured per evaluator")(
        "trials", po::value<int>()->default_value(20),
        "latency trials")("trial-interval", po::value<int>()->default_value(5),
                          "evaluation interval of the latency and restart runs, seconds")(
        "kills", po::value<int>()->default_value(20),
        "SIGKILLs of the restart run")("only", po::value<std::string>()->default_value(""),
                                       "evaluation | latency | restarts (default: all)");
    po::variables_map values;
    po::store(po::parse_command_line(argc, argv, options), values);
    if (values.count("help")) {
        std::cout << options;
        return 0;
    }
    try {
        const int rules = values["rules"].as<int>();
        const int series = values["series"].as<int>();
        const auto only = values["only"].as<std::string>();
        const auto trialInterval = std::chrono::seconds(values["trial-interval"].as<int>());
        BenchData data(rules, std::max(1, series / rules));
        aegis::bench::ExpositionServer exporter(data.pages());
        const auto dir = std::filesystem::temp_directory_path() /
                         ("aegis-bench-alerting-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir);

        std::cout << "## Alerting (" << aegis::bench::cpuModel() << ", "
                  << std::thread::hardware_concurrency() << " cores)\n";
        if (only.empty() || only == "evaluation") {
            evaluationCost(data, exporter.address(), rules, series,
                           std::chrono::seconds(values["interval"].as<int>()),
                           values["rounds"].as<int>(), dir);
        }
        if (only.empty() || only == "latency" || only == "restarts") {
            auto path = startAlertPath(exporter.address(), dir);
            if (only.empty() || only == "latency") {
                notificationLatency(data, path, trialInterval, values["trials"].as<int>());
            }
            if (only.empty() || only == "restarts") {
                restarts(data, path, trialInterval, values["kills"].as<int>());
            }
        }
        std::filesystem::remove_all(dir);
    } catch (const std::exception &error) {
        std::cerr << "aegis-bench-alerting: " << error.what() << "\n";
        return 1;
    }
    return 0;
}
