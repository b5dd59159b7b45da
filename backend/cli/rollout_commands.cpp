// Rollouts: starting one (and following it to its end), its state, log and history, the releases
// rollouts leave, the live watch, and an operator's actions on a rollout.

#include "analysis_file.h"
#include "argument_values.h"
#include "command.h"
#include "command_context.h"
#include "common/duration.h"
#include "common/time_millis.h"
#include "resuming_watch.h"
#include "text_output.h"

#include "aegis/v1/rollout.grpc.pb.h"

#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace po = boost::program_options;

namespace aegis::cli {
namespace {

using Stub = v1::RolloutService::Stub;
using google::protobuf::util::TimeUtil;

constexpr int kMaxPageSize = 1000;
constexpr int kBarWidth = 10;
// Exit codes of `rollout start --wait` besides 0 (it succeeded), 1 and 2.
constexpr int kExitRolledBack = 3;
constexpr int kExitStillRunning = 4;

// ---- text ---------------------------------------------------------------------------------------

std::string millisText(std::int64_t ms) {
    return aegis::formatDuration(std::chrono::milliseconds(ms));
}

// The daemon's words for the phases, as its messages use them ("rollout web-3 is succeeded").
std::string phaseName(v1::RolloutPhase phase) {
    switch (phase) {
    case v1::ROLLOUT_PHASE_PENDING:
        return "pending";
    case v1::ROLLOUT_PHASE_PROVISIONING:
        return "provisioning";
    case v1::ROLLOUT_PHASE_VERIFYING:
        return "verifying";
    case v1::ROLLOUT_PHASE_AWAITING_APPROVAL:
        return "awaiting_approval";
    case v1::ROLLOUT_PHASE_SWITCHING:
        return "switching";
    case v1::ROLLOUT_PHASE_BAKING:
        return "baking";
    case v1::ROLLOUT_PHASE_FINALIZING:
        return "finalizing";
    case v1::ROLLOUT_PHASE_SUCCEEDED:
        return "succeeded";
    case v1::ROLLOUT_PHASE_ABORTING:
        return "aborting";
    case v1::ROLLOUT_PHASE_ROLLED_BACK:
        return "rolled_back";
    case v1::ROLLOUT_PHASE_FAILED:
        return "failed";
    default:
        return "unspecified";
    }
}

bool isFinished(v1::RolloutPhase phase) {
    return phase == v1::ROLLOUT_PHASE_SUCCEEDED || phase == v1::ROLLOUT_PHASE_ROLLED_BACK ||
           phase == v1::ROLLOUT_PHASE_FAILED;
}

// "switching", "verifying,paused".
std::string phaseText(const v1::Rollout &rollout) {
    return phaseName(rollout.phase()) + (rollout.paused() ? ",paused" : "");
}

std::string strategyName(v1::RolloutStrategy strategy) {
    return strategy == v1::ROLLOUT_STRATEGY_CANARY ? "canary" : "blue-green";
}

std::string replicasText(int replicas) {
    return std::to_string(replicas) + (replicas == 1 ? " replica" : " replicas");
}

// "green 100%", "blue 80% green 20%": for table cells.
std::string trafficText(const v1::TrafficSplit &split) {
    const auto share = [](const char *colour, int percent) {
        return std::string(colour) + " " + std::to_string(percent) + "%";
    };
    if (split.blue() == 0 && split.green() == 0) {
        return "-";
    }
    if (split.green() == 0) {
        return share("blue", split.blue());
    }
    if (split.blue() == 0) {
        return share("green", split.green());
    }
    return share("blue", split.blue()) + " " + share("green", split.green());
}

// "blue ████████░░ 80%  green 20%": the bar is blue's share, a colour with any traffic at least
// one cell.
std::string trafficBar(const v1::TrafficSplit &split) {
    const int blue = std::clamp(split.blue(), 0, 100);
    const int filled = std::clamp((blue * kBarWidth + 50) / 100, blue > 0 ? 1 : 0,
                                  blue < 100 ? kBarWidth - 1 : kBarWidth);
    std::string bar;
    for (int cell = 0; cell < kBarWidth; ++cell) {
        bar += cell < filled ? "█" : "░";
    }
    return "blue " + bar + " " + std::to_string(split.blue()) + "%  green " +
           std::to_string(split.green()) + "%";
}

// "blue 1.0 → green 2.0"; a service's first release has no stable colour.
std::string coloursText(const v1::Rollout &rollout) {
    const std::string next = rollout.new_color() + " " + rollout.spec().version();
    if (rollout.stable_color().empty()) {
        return next + " (the service's first release)";
    }
    return rollout.stable_color() +
           (rollout.stable_version().empty() ? "" : " " + rollout.stable_version()) + " → " + next;
}

// " (a=1, b=2)" in key order; empty without parameters.
std::string paramsText(const google::protobuf::Map<std::string, std::string> &params) {
    const std::map<std::string, std::string> sorted(params.begin(), params.end());
    std::string text;
    for (const auto &[key, value] : sorted) {
        text += (text.empty() ? "" : ", ") + key + "=" + value;
    }
    return text.empty() ? text : " (" + text + ")";
}

std::int64_t millisOf(const google::protobuf::Timestamp &time) {
    return TimeUtil::TimestampToMilliseconds(time);
}

// How long the rollout ran, or has been running; to the second.
std::string elapsedText(const v1::Rollout &rollout, std::chrono::system_clock::time_point now) {
    const std::int64_t end =
        rollout.has_finish_time() ? millisOf(rollout.finish_time()) : toMillis(now);
    const auto elapsed =
        std::chrono::milliseconds(std::max<std::int64_t>(0, end - millisOf(rollout.create_time())));
    return aegis::formatDuration(std::chrono::duration_cast<std::chrono::seconds>(elapsed));
}

// The steps a rollout walks, as the daemon derives them from the spec: the given ones followed by
// one of 100% unless the last already is, or a single step of 100% without any. current_step
// indexes these.
std::vector<v1::CanaryStep> effectiveSteps(const v1::RolloutSpec &spec) {
    std::vector<v1::CanaryStep> steps(spec.steps().begin(), spec.steps().end());
    if (steps.empty() || steps.back().weight() < 100) {
        v1::CanaryStep last;
        last.set_weight(100);
        steps.push_back(last);
    }
    return steps;
}

std::string stepWaitText(const v1::CanaryStep &step) {
    if (step.until_promoted()) {
        return "until promoted";
    }
    return step.pause_ms() > 0 ? "pause " + millisText(step.pause_ms()) : "-";
}

// "Rollout web-1 succeeded: 2.0 is live on green; ..." for a finished rollout.
std::string verdict(const v1::Rollout &rollout) {
    const std::string outcome = rollout.phase() == v1::ROLLOUT_PHASE_SUCCEEDED ? " succeeded"
                                : rollout.phase() == v1::ROLLOUT_PHASE_ROLLED_BACK
                                    ? " was rolled back"
                                    : " failed";
    return "Rollout " + rollout.id() + outcome +
           (rollout.message().empty() ? "" : ": " + rollout.message());
}

// Rollout changes and log lines as `start --wait` follows them: TIME, PHASE, MESSAGE.
const std::vector<std::size_t> kProgressWidths = {19, 17, 0};

std::string progressLine(const std::string &what, const std::string &text) {
    return alignedLine({formatTimestamp(TimeUtil::GetCurrentTime()), what, text}, kProgressWidths);
}

// ---- flags --------------------------------------------------------------------------------------

std::string idArg(const po::variables_map &values) {
    return values["id"].as<std::string>();
}

// --limit: absent means no limit.
std::optional<int> limitFlag(const po::variables_map &values) {
    if (!values.count("limit")) {
        return std::nullopt;
    }
    const int limit = values["limit"].as<int>();
    if (limit <= 0) {
        throw UsageError("--limit must be at least 1");
    }
    return limit;
}

v1::StartRolloutRequest buildStart(const po::variables_map &values) {
    v1::StartRolloutRequest request;
    auto &spec = *request.mutable_spec();
    spec.set_service(values["service"].as<std::string>());
    spec.set_version(values["version"].as<std::string>());
    if (values.count("replicas")) {
        // 0 would mean "as many as the live colour runs" on the wire, so it is refused.
        const int replicas = values["replicas"].as<int>();
        if (replicas < 1) {
            throw UsageError("--replicas must be at least 1 (without it, as many as the live "
                             "colour runs)");
        }
        spec.set_replicas(replicas);
    }
    if (values.count("strategy")) {
        const auto &text = values["strategy"].as<std::string>();
        const auto strategy = parseRolloutStrategy(text);
        if (!strategy) {
            throw UsageError("--strategy must be blue-green or canary, not \"" + text + "\"");
        }
        spec.set_strategy(*strategy);
    }
    if (values.count("step")) {
        // The order of the weights is the daemon's to check, naming the step.
        for (const auto &text : values["step"].as<std::vector<std::string>>()) {
            const auto step = parseCanaryStep(text);
            if (!step) {
                throw UsageError("--step must be WEIGHT[:PAUSE|:promote] with WEIGHT a percentage "
                                 "from 1 to 100, e.g. 20:5m, 50:promote or 100, not \"" +
                                 text + "\"");
            }
            *spec.add_steps() = *step;
        }
    }
    if (values.count("driver")) {
        spec.set_driver(values["driver"].as<std::string>());
    }
    for (const auto &[key, value] : keyValueFlag(values, "param")) {
        (*spec.mutable_driver_params())[key] = value;
    }
    if (values.count("router")) {
        spec.set_router(values["router"].as<std::string>());
    }
    for (const auto &[key, value] : keyValueFlag(values, "router-param")) {
        (*spec.mutable_router_params())[key] = value;
    }
    if (values.count("healthy-for")) {
        spec.set_healthy_for_ms(durationFlag(values, "healthy-for", ZeroDuration::Allowed).count());
    }
    spec.set_require_approval(values["approval"].as<bool>());
    if (values.count("bake")) {
        spec.set_bake_time_ms(durationFlag(values, "bake", ZeroDuration::Allowed).count());
    }
    if (values.count("scale-down-delay")) {
        spec.set_scale_down_delay_ms(
            durationFlag(values, "scale-down-delay", ZeroDuration::Allowed).count());
    }
    if (values.count("progress-deadline")) {
        spec.set_progress_deadline_ms(durationFlag(values, "progress-deadline").count());
    }
    if (values.count("description")) {
        spec.set_description(values["description"].as<std::string>());
    }
    if (values.count("analysis")) {
        *spec.mutable_analysis() = readAnalysisFile(values["analysis"].as<std::string>());
    }
    return request;
}

// ---- watches ------------------------------------------------------------------------------------

// A watch of rollout events (WatchRollouts), of one service or all, resumed where it broke off.
// Subclasses handle the events and say when they have what they waited for.
class RolloutEventWatch : public ResumingWatch {
public:
    RolloutEventWatch(CommandContext &context, v1::WatchRolloutsRequest request, int count,
                      std::optional<std::chrono::steady_clock::time_point> deadline)
        : ResumingWatch(context, count, deadline)
        , m_request(std::move(request))
        , m_stub(v1::RolloutService::NewStub(context.channel())) {}

    std::int64_t nextRevision() const override { return m_request.start_revision(); }
    std::string itemsName() const override { return "events"; }

protected:
    // Called with each stream's first message (which has no events), before anything else is
    // read: to print a header, or to list what the stream may have started after.
    virtual grpc::Status opened() { return grpc::Status::OK; }
    // Handles one event; true once the command has what it waited for (the watch ends then).
    virtual bool handle(const v1::RolloutEvent &event) = 0;

    Stub &stub() { return *m_stub; }

private:
    grpc::Status stream(grpc::ClientContext &call) override {
        v1::WatchCreateRequest create;
        *create.mutable_rollouts() = m_request;
        bool first = true;
        grpc::Status openFailed;
        const grpc::Status ended =
            streamShared(call, create, [&](const v1::WatchResponse &message) {
                if (first) {
                    first = false;
                    openFailed = opened();
                    if (!openFailed.ok()) {
                        return true;
                    }
                }
                return take(message.rollouts());
            });
        return openFailed.ok() ? ended : openFailed;
    }

    // Handles one message's events; true once the command has what it waited for.
    bool take(const v1::WatchRolloutsResponse &response) {
        bool done = false;
        for (const auto &event : response.events()) {
            m_request.set_start_revision(
                std::max(m_request.start_revision(), event.revision() + 1));
            done = handle(event);
            if (done) {
                break;
            }
        }
        if (done) {
            finish();
        }
        // The header's revision: the last event's, or (first message) where the watch starts.
        return endOfMessage(m_request, response.header().revision()) || done;
    }

    v1::WatchRolloutsRequest m_request;
    std::unique_ptr<Stub> m_stub;
};

const std::vector<std::string> kWatchHeaders = {"TIME", "REVISION", "EVENT",
                                                "NAME", "STATE",    "DETAIL"};
const std::vector<std::size_t> kWatchWidths = {19, 8, 7, 16, 17, 0};

// TIME (of arrival), REVISION, EVENT, NAME, STATE, DETAIL.
std::vector<std::string> eventCells(const v1::RolloutEvent &event) {
    const std::string time = formatTimestamp(TimeUtil::GetCurrentTime());
    const std::string revision = std::to_string(event.revision());
    switch (event.change_case()) {
    case v1::RolloutEvent::kRollout: {
        const auto &rollout = event.rollout();
        return {time,         revision,           "rollout",
                rollout.id(), phaseText(rollout), orDash(rollout.message())};
    }
    case v1::RolloutEvent::kRelease: {
        const auto &release = event.release();
        return {time,
                revision,
                "release",
                release.service(),
                release.live_color().empty()
                    ? "not live"
                    : "live " + release.live_color() + " " + release.live_version(),
                "traffic " + trafficText(release.traffic()) +
                    (release.active_rollout_id().empty()
                         ? ""
                         : "; " + release.active_rollout_id() + " active")};
    }
    case v1::RolloutEvent::kLogLine: {
        const auto &line = event.log_line();
        return {time, revision, "log", line.rollout_id(), "-", line.line()};
    }
    default:
        return {time, revision, "-", "-", "-", "-"};
    }
}

// `rollout watch`: one line per event until interrupted, --for or --count. A rollout's record and
// its release are written together, and often with nothing shown changed (a driver's state, the
// counts behind a message), so the table leaves out lines that would repeat the last one of the
// same rollout or release; JSON output has every event.
class RolloutWatch final : public RolloutEventWatch {
public:
    using RolloutEventWatch::RolloutEventWatch;

    std::string compactedHint(std::int64_t compact) const override {
        return "see the current state with 'aegisctl rollout list' and 'aegisctl rollout "
               "releases', then watch with --from " +
               std::to_string(compact + 1) + " or later.";
    }

private:
    grpc::Status opened() override {
        printHeaderOnce([] { return alignedLine(kWatchHeaders, kWatchWidths); });
        return grpc::Status::OK;
    }

    bool handle(const v1::RolloutEvent &event) override {
        if (m_context.format() == OutputFormat::Json) {
            m_context.out() << messageToJson(event).dump() << "\n";
            return counted();
        }
        const auto cells = eventCells(event);
        if (event.has_rollout() || event.has_release()) {
            // What is shown besides the time and revision, by event kind and name.
            const std::vector<std::string> shown(cells.begin() + 2, cells.end());
            auto &last = m_lastShown[cells[2] + "/" + cells[3]];
            if (last == shown) {
                return false;
            }
            last = shown;
        }
        m_context.out() << alignedLine(cells, kWatchWidths) << "\n";
        return counted();
    }

    std::map<std::string, std::vector<std::string>> m_lastShown;
};

// `rollout start --wait`: one rollout's changes and log lines until it finishes.
class RolloutWait final : public RolloutEventWatch {
public:
    RolloutWait(CommandContext &context, v1::WatchRolloutsRequest request,
                const v1::Rollout &started)
        : RolloutEventWatch(context, std::move(request), 0, std::nullopt)
        , m_last(started) {}

    std::string compactedHint(std::int64_t) const override {
        return "see where it is with 'aegisctl rollout status " + m_last.id() + "'.";
    }

    bool finished() const { return isFinished(m_last.phase()); }
    // The rollout as last seen, and the revision it was seen at.
    const v1::Rollout &last() const { return m_last; }
    std::int64_t lastRevision() const { return m_lastRevision; }

private:
    bool handle(const v1::RolloutEvent &event) override {
        const bool table = m_context.format() != OutputFormat::Json;
        if (event.has_log_line()) {
            if (table && event.log_line().rollout_id() == m_last.id()) {
                m_context.out() << progressLine("(log)", event.log_line().line()) << "\n";
            }
            return false;
        }
        if (!event.has_rollout() || event.rollout().id() != m_last.id()) {
            return false;
        }
        const auto &rollout = event.rollout();
        // Traffic and instance counts change without a word; only news is printed.
        const auto news = [](const v1::Rollout &r) {
            return std::tuple(r.phase(), r.paused(), r.message());
        };
        if (table && news(rollout) != news(m_last)) {
            m_context.out() << progressLine(phaseText(rollout), orDash(rollout.message())) << "\n";
        }
        m_last = rollout;
        m_lastRevision = event.revision();
        return finished();
    }

    v1::Rollout m_last;
    std::int64_t m_lastRevision = 0;
};

// ---- start / status -----------------------------------------------------------------------------

void printStarted(CommandContext &context, const v1::Rollout &rollout, std::int64_t revision) {
    const auto &spec = rollout.spec();
    context.out() << "Started rollout " << rollout.id() << ": " << coloursText(rollout) << " ("
                  << strategyName(spec.strategy()) << ", " << replicasText(spec.replicas()) << ", "
                  << spec.driver() << " driver, " << spec.router() << " router; revision "
                  << revision << ").\n"
                  << "State: " << phaseText(rollout) << " (" << orDash(rollout.message()) << ").\n";
}

// Follows `started` until it finishes: the exit code of `start --wait`.
int waitForRollout(CommandContext &context, const v1::Rollout &started, std::int64_t revision) {
    v1::GetRolloutResponse outcome;
    *outcome.mutable_rollout() = started;
    outcome.mutable_header()->set_revision(revision);
    if (!isFinished(started.phase())) {
        context.err() << "Waiting for " << started.id()
                      << " to finish; Ctrl-C stops waiting, not the rollout." << std::endl;
        v1::WatchRolloutsRequest request;
        request.set_service(started.spec().service());
        // Everything since its creation: the rollout may have moved on before the reply came.
        request.set_start_revision(started.create_revision() + 1);
        RolloutWait wait(context, std::move(request), started);
        if (const int code = wait.run(); code != 0) {
            return code;
        }
        if (!wait.finished()) {
            context.err() << "Stopped waiting: " << started.id() << " is still "
                          << phaseText(wait.last()) << "; see it with 'aegisctl rollout status "
                          << started.id() << "'.\n";
            return kExitStillRunning;
        }
        *outcome.mutable_rollout() = wait.last();
        outcome.mutable_header()->set_revision(wait.lastRevision());
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(outcome);
    } else {
        context.out() << verdict(outcome.rollout()) << "\n";
    }
    return outcome.rollout().phase() == v1::ROLLOUT_PHASE_SUCCEEDED ? 0 : kExitRolledBack;
}

int runStart(CommandContext &context, const po::variables_map &values) {
    const auto request = buildStart(values);
    const bool wait = values["wait"].as<bool>();
    auto stub = v1::RolloutService::NewStub(context.channel());
    v1::StartRolloutResponse response;
    {
        const auto call = context.newCall();
        if (const auto status = stub->StartRollout(call.get(), request, &response); !status.ok()) {
            return context.failRpc(status);
        }
    }
    const auto &rollout = response.rollout();
    if (context.format() == OutputFormat::Json) {
        if (!wait) {
            context.printJson(response);
            return 0;
        }
    } else {
        printStarted(context, rollout, response.header().revision());
        if (!wait) {
            context.out() << "Follow it with 'aegisctl rollout status " << rollout.id()
                          << "' or 'aegisctl rollout watch " << rollout.spec().service()
                          << "'; stop it with 'aegisctl rollout abort " << rollout.id() << "'.\n";
            return 0;
        }
        context.out().flush();
    }
    return waitForRollout(context, rollout, response.header().revision());
}

// "promote", "pause", ... as the commands are named.
std::string actionKindName(v1::RolloutActionKind kind) {
    switch (kind) {
    case v1::ROLLOUT_ACTION_KIND_PROMOTE:
        return "promote";
    case v1::ROLLOUT_ACTION_KIND_PAUSE:
        return "pause";
    case v1::ROLLOUT_ACTION_KIND_RESUME:
        return "resume";
    case v1::ROLLOUT_ACTION_KIND_ABORT:
        return "abort";
    case v1::ROLLOUT_ACTION_KIND_RETRY:
        return "retry";
    case v1::ROLLOUT_ACTION_KIND_UNDO:
        return "undo";
    default:
        return "action " + std::to_string(static_cast<int>(kind));
    }
}

std::string verdictName(v1::AnalysisVerdict verdict) {
    switch (verdict) {
    case v1::ANALYSIS_VERDICT_PASS:
        return "pass";
    case v1::ANALYSIS_VERDICT_MARGINAL:
        return "marginal";
    case v1::ANALYSIS_VERDICT_FAIL:
        return "fail";
    default:
        return "inconclusive";
    }
}

std::string runStateName(v1::AnalysisRunState state) {
    switch (state) {
    case v1::ANALYSIS_RUN_STATE_RUNNING:
        return "running";
    case v1::ANALYSIS_RUN_STATE_PASSED:
        return "passed";
    case v1::ANALYSIS_RUN_STATE_FAILED:
        return "failed";
    default:
        return "inconclusive";
    }
}

std::string realText(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.4g", value);
    return text;
}

// Each check's run per stage (measured of count, failures and inconclusives against their
// limits, the last measurement) and each canary comparison's judgement.
void printAnalysis(CommandContext &context, const v1::Rollout &rollout) {
    const auto &spec = rollout.spec().analysis();
    if (spec.checks_size() == 0 && !spec.canary_comparison().enabled()) {
        return;
    }
    const auto &analysis = rollout.analysis();
    auto &out = context.out();
    out << "\nAnalysis"
        << (analysis.stage().empty() ? std::string(": not begun")
                                     : " of " + analysis.stage() + ", since " +
                                           formatRelative(analysis.stage_start(), context.now()))
        << "\n";
    TextTable checks({"CHECK", "STAGE", "STATE", "MEASURED", "FAILED", "INCONCLUSIVE", "LAST"});
    for (const auto &run : analysis.runs()) {
        std::string last = "-";
        if (run.measurements_size() > 0) {
            const auto &m = run.measurements(run.measurements_size() - 1);
            last = (m.has_value() ? realText(m.value()) : m.detail()) + " " +
                   verdictName(m.verdict()) + ", " + formatRelative(m.time(), context.now());
        }
        const int measured = run.successes() + run.failures() + run.inconclusives();
        checks.addRow(
            {run.check(), run.stage(), runStateName(run.state()),
             std::to_string(measured) + (run.count() > 0 ? "/" + std::to_string(run.count()) : ""),
             std::to_string(run.failures()) + " (limit " + std::to_string(run.failure_limit()) +
                 ")",
             std::to_string(run.inconclusives()) + " (limit " +
                 std::to_string(run.inconclusive_limit()) + ")",
             last});
    }
    if (analysis.runs_size() > 0) {
        checks.print(out);
    }
    if (analysis.comparisons_size() > 0) {
        TextTable comparisons({"COMPARISON", "VERDICT", "SCORE", "WHEN", "METRICS"});
        for (const auto &comparison : analysis.comparisons()) {
            std::string metrics;
            for (const auto &m : comparison.metrics()) {
                metrics += (metrics.empty() ? "" : "; ") + m.name() + " " +
                           verdictName(m.verdict()) + " (new " + realText(m.new_median()) +
                           " vs stable " + realText(m.stable_median()) +
                           ", p=" + realText(m.p_value()) + ")";
            }
            comparisons.addRow({comparison.stage(), verdictName(comparison.verdict()),
                                realText(comparison.score()),
                                formatRelative(comparison.time(), context.now()),
                                metrics.empty() ? orDash(comparison.summary()) : metrics});
        }
        if (analysis.runs_size() > 0) {
            out << "\n";
        }
        comparisons.print(out);
    }
}

void printRollout(CommandContext &context, const v1::Rollout &rollout) {
    const auto now = context.now();
    const auto &spec = rollout.spec();
    auto &out = context.out();
    TextTable table({"FIELD", "VALUE"});
    table.addRow(
        {"rollout", rollout.id() + (rollout.attempt() > 1
                                        ? " (attempt " + std::to_string(rollout.attempt()) + ")"
                                        : "")});
    table.addRow({"service", spec.service()});
    table.addRow({"version", spec.version() + " (" + strategyName(spec.strategy()) + ", " +
                                 replicasText(spec.replicas()) + ")"});
    table.addRow({"phase", rollout.paused() ? phaseName(rollout.phase()) +
                                                  ", paused: 'aegisctl rollout resume " +
                                                  rollout.id() + "' continues it"
                                            : phaseName(rollout.phase())});
    table.addRow({"message", orDash(rollout.message())});
    table.addRow({"colours", coloursText(rollout)});
    table.addRow({"traffic", trafficBar(rollout.traffic())});
    table.addRow({"instances", std::to_string(rollout.healthy_instances()) + "/" +
                                   std::to_string(spec.replicas()) + " healthy, " +
                                   std::to_string(rollout.registered_instances()) + " registered"});
    table.addRow({"driver", spec.driver() + paramsText(spec.driver_params())});
    table.addRow({"router", spec.router() + paramsText(spec.router_params())});
    table.addRow({"healthy for", millisText(spec.healthy_for_ms())});
    table.addRow({"approval", spec.require_approval() ? "required" : "no"});
    table.addRow({"bake", millisText(spec.bake_time_ms())});
    table.addRow({"scale-down delay", millisText(spec.scale_down_delay_ms())});
    table.addRow({"progress deadline", millisText(spec.progress_deadline_ms())});
    table.addRow({"description", orDash(spec.description())});
    table.addRow(
        {"started", whenText(rollout.create_time(), now) + " by " + orDash(rollout.created_by())});
    if (rollout.has_finish_time()) {
        table.addRow({"finished", whenText(rollout.finish_time(), now) + ", after " +
                                      elapsedText(rollout, now)});
    }
    if (rollout.phase() == v1::ROLLOUT_PHASE_SUCCEEDED && rollout.has_undo_until()) {
        const bool open = millisOf(rollout.undo_until()) > toMillis(now);
        table.addRow(
            {"undo until", whenText(rollout.undo_until(), now) +
                               (open ? ": 'aegisctl rollout undo " + rollout.id() +
                                           "' moves traffic back to " + rollout.stable_color()
                                     : ": passed, " + rollout.stable_color() + " is scaled down")});
    }
    table.addRow({"revisions", "created at " + std::to_string(rollout.create_revision()) +
                                   ", modified at " + std::to_string(rollout.mod_revision())});
    table.print(out);

    // The current step is marked while traffic moves.
    out << "\n";
    const bool switching = rollout.phase() == v1::ROLLOUT_PHASE_SWITCHING;
    const auto steps = effectiveSteps(spec);
    TextTable stepTable({"STEP", "WEIGHT", "WAIT"});
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const bool current = switching && static_cast<int>(i) == rollout.current_step();
        const bool implied = static_cast<int>(i) >= spec.steps_size();
        stepTable.addRow({(current ? "→ " : "  ") + std::to_string(i + 1),
                          std::to_string(steps[i].weight()) + "%" + (implied ? " (implied)" : ""),
                          stepWaitText(steps[i])});
    }
    stepTable.print(out);

    printAnalysis(context, rollout);

    // As the daemon judged them when it answered: the action's command refuses the others.
    if (rollout.available_actions_size() > 0) {
        out << "\n";
        TextTable actions({"ACTION", "AVAILABLE", "WHY NOT"});
        for (const auto &action : rollout.available_actions()) {
            actions.addRow({actionKindName(action.action()), action.enabled() ? "yes" : "no",
                            orDash(action.disabled_reason())});
        }
        actions.print(out);
    }

    out << "\n";
    TextTable transitions({"TIME", "PHASE", "REASON"});
    for (const auto &transition : rollout.transitions()) {
        transitions.addRow({formatTimestamp(transition.time()), phaseName(transition.phase()),
                            orDash(transition.reason())});
    }
    transitions.print(out);
}

int runStatus(CommandContext &context, const po::variables_map &values) {
    v1::GetRolloutRequest request;
    request.set_id(idArg(values));
    auto stub = v1::RolloutService::NewStub(context.channel());
    v1::GetRolloutResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->GetRollout(call.get(), request, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    printRollout(context, response.rollout());
    return 0;
}

// ---- list / releases ----------------------------------------------------------------------------

int runList(CommandContext &context, const po::variables_map &values) {
    const auto limit = limitFlag(values);
    v1::ListRolloutsRequest request;
    if (values.count("service")) {
        request.set_service(values["service"].as<std::string>());
    }
    request.set_active_only(values["active"].as<bool>());
    auto stub = v1::RolloutService::NewStub(context.channel());
    // Pages gathered into one response; next_page_token is kept when --limit cut it short.
    v1::ListRolloutsResponse all;
    do {
        request.set_page_size(limit ? std::min(*limit - all.rollouts_size(), kMaxPageSize)
                                    : kMaxPageSize);
        v1::ListRolloutsResponse page;
        const auto call = context.newCall();
        if (const auto status = stub->ListRollouts(call.get(), request, &page); !status.ok()) {
            return context.failRpc(status);
        }
        *all.mutable_header() = page.header();
        for (auto &rollout : *page.mutable_rollouts()) {
            if (!limit || all.rollouts_size() < *limit) {
                *all.add_rollouts() = std::move(rollout);
            }
        }
        all.set_next_page_token(page.next_page_token());
        request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty() && (!limit || all.rollouts_size() < *limit));

    if (context.format() == OutputFormat::Json) {
        context.printJson(all);
        return 0;
    }
    TextTable table(
        {"ID", "SERVICE", "VERSION", "STRATEGY", "PHASE", "TRAFFIC", "STARTED", "DURATION", "BY"});
    for (const auto &rollout : all.rollouts()) {
        table.addRow({rollout.id(), rollout.spec().service(), rollout.spec().version(),
                      strategyName(rollout.spec().strategy()), phaseText(rollout),
                      trafficText(rollout.traffic()),
                      formatRelative(rollout.create_time(), context.now()),
                      elapsedText(rollout, context.now()), orDash(rollout.created_by())});
    }
    table.print(context.out());
    if (all.rollouts_size() == 0) {
        context.err() << "(no " << (request.active_only() ? "active " : "") << "rollouts"
                      << (request.service().empty() ? "" : " of " + request.service()) << ")\n";
    } else if (limit && !all.next_page_token().empty()) {
        context.err() << "(showing the newest " << *limit << "; raise --limit for more)\n";
    }
    return 0;
}

int runReleases(CommandContext &context, const po::variables_map &) {
    auto stub = v1::RolloutService::NewStub(context.channel());
    v1::ListReleasesResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->ListReleases(call.get(), {}, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    TextTable table(
        {"SERVICE", "LIVE", "VERSION", "TRAFFIC", "ACTIVE ROLLOUT", "DRIVER", "ROUTER"});
    for (const auto &release : response.releases()) {
        table.addRow({release.service(), orDash(release.live_color()),
                      orDash(release.live_version()), trafficText(release.traffic()),
                      orDash(release.active_rollout_id()), orDash(release.driver()),
                      orDash(release.router())});
    }
    table.print(context.out());
    if (response.releases_size() == 0) {
        context.err() << "(no service has been released through a rollout yet)\n";
    }
    return 0;
}

// ---- log ----------------------------------------------------------------------------------------

std::string logLineText(const v1::RolloutLogLine &line) {
    return formatTimestamp(line.time()) + "  " + line.line();
}

// Pages through a rollout's log after `afterSequence`, handing each line to `take` and moving
// `afterSequence` past it.
grpc::Status listLog(CommandContext &context, Stub &stub, const std::string &id,
                     std::int64_t &afterSequence,
                     const std::function<void(v1::ListRolloutLogResponse &)> &take) {
    v1::ListRolloutLogRequest request;
    request.set_rollout_id(id);
    request.set_page_size(kMaxPageSize);
    for (;;) {
        request.set_after_sequence(afterSequence);
        v1::ListRolloutLogResponse page;
        const auto call = context.newCall();
        if (auto status = stub.ListRolloutLog(call.get(), request, &page); !status.ok()) {
            return status;
        }
        if (page.lines_size() > 0) {
            afterSequence = page.lines(page.lines_size() - 1).sequence();
        }
        take(page);
        if (!page.more() || page.lines_size() == 0) {
            return grpc::Status::OK;
        }
    }
}

void printLogLine(CommandContext &context, const v1::RolloutLogLine &line) {
    if (context.format() == OutputFormat::Json) {
        context.out() << messageToJson(line).dump() << "\n";
    } else {
        context.out() << logLineText(line) << "\n";
    }
}

// `rollout log --follow`: the lines so far, then new ones as they come. The listing is made once
// the watch has started, and the watch's lines are told apart from listed ones by their sequence,
// so none is missed or printed twice.
class LogFollow final : public RolloutEventWatch {
public:
    LogFollow(CommandContext &context, v1::WatchRolloutsRequest request, std::string id,
              std::optional<std::chrono::steady_clock::time_point> deadline)
        : RolloutEventWatch(context, std::move(request), 0, deadline)
        , m_id(std::move(id)) {}

    std::string compactedHint(std::int64_t) const override {
        return "list the log with 'aegisctl rollout log " + m_id + "', then follow it again.";
    }

private:
    grpc::Status opened() override {
        return listLog(m_context, stub(), m_id, m_lastSequence,
                       [this](v1::ListRolloutLogResponse &page) {
                           for (const auto &line : page.lines()) {
                               printLogLine(m_context, line);
                           }
                       });
    }

    bool handle(const v1::RolloutEvent &event) override {
        if (event.has_log_line() && event.log_line().rollout_id() == m_id &&
            event.log_line().sequence() > m_lastSequence) {
            printLogLine(m_context, event.log_line());
            m_lastSequence = event.log_line().sequence();
        }
        return false;
    }

    const std::string m_id;
    std::int64_t m_lastSequence = 0;
};

int runLog(CommandContext &context, const po::variables_map &values) {
    const auto id = idArg(values);
    const bool follow = values["follow"].as<bool>();
    if (values.count("for") && !follow) {
        throw UsageError("--for goes with --follow");
    }
    const auto deadline = forDeadline(values);
    auto stub = v1::RolloutService::NewStub(context.channel());
    // The log of a rollout that does not exist is empty; the rollout says so.
    v1::GetRolloutRequest get;
    get.set_id(id);
    v1::GetRolloutResponse rollout;
    {
        const auto call = context.newCall();
        if (const auto status = stub->GetRollout(call.get(), get, &rollout); !status.ok()) {
            return context.failRpc(status);
        }
    }

    if (follow) {
        v1::WatchRolloutsRequest request;
        request.set_service(rollout.rollout().spec().service());
        LogFollow watch(context, std::move(request), id, deadline);
        return watch.run();
    }

    v1::ListRolloutLogResponse all;
    std::int64_t after = 0;
    const auto status = listLog(context, *stub, id, after, [&](v1::ListRolloutLogResponse &page) {
        *all.mutable_header() = page.header();
        for (auto &line : *page.mutable_lines()) {
            *all.add_lines() = std::move(line);
        }
    });
    if (!status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(all);
        return 0;
    }
    for (const auto &line : all.lines()) {
        context.out() << logLineText(line) << "\n";
    }
    if (all.lines_size() == 0) {
        context.err() << "(no log lines for " << id << ")\n";
    }
    return 0;
}

int runWatch(CommandContext &context, const po::variables_map &values) {
    v1::WatchRolloutsRequest request;
    if (values.count("service")) {
        request.set_service(values["service"].as<std::string>());
    }
    const auto from = values["from"].as<std::int64_t>();
    if (from < 0) {
        throw UsageError("--from must be a revision (0: from now)");
    }
    request.set_start_revision(from);
    RolloutWatch watch(context, std::move(request), countFlag(values), forDeadline(values));
    return watch.run();
}

// ---- actions ------------------------------------------------------------------------------------

using ActionCall = grpc::Status (Stub::*)(grpc::ClientContext *, const v1::RolloutActionRequest &,
                                          v1::RolloutActionResponse *);

int runAction(CommandContext &context, const po::variables_map &values, ActionCall action,
              bool moves) {
    v1::RolloutActionRequest request;
    request.set_id(idArg(values));
    if (values.count("reason")) {
        request.set_reason(values["reason"].as<std::string>());
    }
    auto stub = v1::RolloutService::NewStub(context.channel());
    v1::RolloutActionResponse response;
    const auto call = context.newCall();
    if (const auto status = ((*stub).*action)(call.get(), request, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    const auto &rollout = response.rollout();
    context.out() << rollout.id() << " is now " << phaseText(rollout) << ": "
                  << orDash(rollout.message()) << " (revision " << response.header().revision()
                  << ").\n";
    if (moves) {
        // The reply comes once the action is durable; traffic may still be moving.
        context.out() << "Follow it with 'aegisctl rollout status " << rollout.id()
                      << "' or 'aegisctl rollout watch " << rollout.spec().service() << "'.\n";
    }
    return 0;
}

// ---- declarations -------------------------------------------------------------------------------

void declareId(CommandFlags &flags) {
    flags.hidden.add_options()("id", po::value<std::string>()->required(), "ID");
    flags.positional.add("id", 1);
}

void declareOptionalService(CommandFlags &flags) {
    flags.hidden.add_options()("service", po::value<std::string>(), "SERVICE");
    flags.positional.add("service", 1);
}

void declareStart(CommandFlags &flags) {
    flags.hidden.add_options()("service", po::value<std::string>()->required(), "SERVICE");
    flags.positional.add("service", 1);
    // clang-format off
    flags.visible.add_options()
        ("version", po::value<std::string>()->required()->value_name("V"),
            "the version to release, as its instances carry it in their 'version' label "
            "(required)")
        ("replicas", po::value<int>()->value_name("N"),
            "new instances to run and wait for, 1 to 100 (default: as many as the live colour "
            "runs, at least 1)")
        ("strategy", po::value<std::string>()->value_name("NAME"),
            "blue-green: all traffic at once after verification (or through --step); canary: "
            "through the --step weights (default blue-green)")
        ("step", po::value<std::vector<std::string>>()->composing()
                     ->value_name("WEIGHT[:PAUSE|:promote]"),
            "give the new version WEIGHT% of the traffic, then wait PAUSE, or until 'aegisctl "
            "rollout promote'; repeatable, weights rising (a last step of 100% is implied)")
        ("driver", po::value<std::string>()->value_name("NAME"),
            "deploy driver: process, exec or external (default: the service's last one, else "
            "process)")
        ("param", po::value<std::vector<std::string>>()->composing()->value_name("K=V"),
            "a deploy driver parameter; repeatable (default: the last rollout's, for the same "
            "driver)")
        ("router", po::value<std::string>()->value_name("NAME"),
            "traffic router: registry or haproxy (default: the service's last one, else "
            "registry)")
        ("router-param", po::value<std::vector<std::string>>()->composing()->value_name("K=V"),
            "a traffic router parameter; repeatable (default: the last rollout's, for the same "
            "router)")
        ("healthy-for", po::value<std::string>()->value_name("DURATION"),
            "every new instance must pass its health check this long (be registered, without a "
            "check) before traffic moves (default 10s)")
        ("approval", po::bool_switch(),
            "once verified, wait for 'aegisctl rollout promote' before moving traffic")
        ("bake", po::value<std::string>()->value_name("DURATION"),
            "with all traffic moved, roll back if a new instance goes critical within this long "
            "(default 0s)")
        ("scale-down-delay", po::value<std::string>()->value_name("DURATION"),
            "keep the replaced colour running this long after success, so that 'aegisctl rollout "
            "undo' can return to it (default 30s)")
        ("progress-deadline", po::value<std::string>()->value_name("DURATION"),
            "roll back unless provisioning and verifying are done within this (default 10m)")
        ("description", po::value<std::string>()->value_name("TEXT"),
            "what the release is about, shown with the rollout")
        ("analysis", po::value<std::string>()->value_name("FILE"),
            "gate the rollout on PromQL checks and the canary comparison in FILE (YAML or "
            "JSON, see docs/rollouts.md): a failure rolls back, an inconclusive result pauses")
        ("wait", po::bool_switch(),
            "follow the rollout until it finishes; exit code 0 when it succeeded, 3 when it was "
            "rolled back or failed, 4 when waiting stopped first (Ctrl-C; the rollout goes on). "
            "JSON output: the finished rollout");
    // clang-format on
}

void declareReason(CommandFlags &flags) {
    declareId(flags);
    flags.visible.add_options()("reason", po::value<std::string>()->value_name("TEXT"),
                                "why (recorded with the transition and in the audit log)");
}

Command actionCommand(const char *word, ActionCall action, bool moves, const char *summary) {
    return {std::string("rollout ") + word, "ID [--reason TEXT] [flags]", summary, declareReason,
            [action, moves](CommandContext &context, const po::variables_map &values) {
                return runAction(context, values, action, moves);
            }};
}

} // namespace

std::vector<Command> rolloutCommands() {
    return {
        {"rollout start",
         "SERVICE --version V [--replicas N] [--strategy blue-green|canary] "
         "[--step WEIGHT[:PAUSE|:promote]]... [--driver NAME] [--param K=V]... [--router NAME] "
         "[--router-param K=V]... [--healthy-for D] [--approval] [--bake D] "
         "[--scale-down-delay D] [--progress-deadline D] [--description TEXT] [--analysis FILE] "
         "[--wait] [flags]",
         "Starts a rollout of a new version of a service on its idle colour (--wait: follows it "
         "to its end).",
         declareStart, runStart},
        {"rollout status", "ID [flags]",
         "Shows a rollout: phase, colours, traffic split, instances, steps, analysis and "
         "transitions.",
         declareId, runStatus},
        {"rollout list", "[SERVICE] [--active] [--limit N] [flags]",
         "Lists rollouts of one service or of all, newest first.",
         [](CommandFlags &flags) {
             declareOptionalService(flags);
             // clang-format off
             flags.visible.add_options()
                 ("active", po::bool_switch(), "only rollouts that have not finished")
                 ("limit", po::value<int>()->value_name("N"),
                     "show at most N rollouts (default: all)");
             // clang-format on
         },
         runList},
        {"rollout releases", "[flags]",
         "Lists services released through rollouts with their live colour, version and traffic.",
         nullptr, runReleases},
        {"rollout log", "ID [--follow [--for DURATION]] [flags]",
         "Prints a rollout's log: its drivers' output and its transitions (--follow: then new "
         "lines as they come; JSON output: one object per line).",
         [](CommandFlags &flags) {
             declareId(flags);
             // clang-format off
             flags.visible.add_options()
                 ("follow,f", po::bool_switch(), "keep printing new lines until interrupted")
                 ("for", po::value<std::string>()->value_name("DURATION"),
                     "with --follow: stop after this long");
             // clang-format on
         },
         runLog},
        {"rollout watch", "[SERVICE] [--from REV] [--for DURATION] [--count N] [flags]",
         "Prints rollout changes, release changes and log lines as they happen, resuming after a "
         "lost connection (JSON output: every event, one per line).",
         [](CommandFlags &flags) {
             declareOptionalService(flags);
             // clang-format off
             flags.visible.add_options()
                 ("from", po::value<std::int64_t>()->value_name("REV")->default_value(0),
                     "start at this revision, replaying the events since (0: only new ones)")
                 ("for", po::value<std::string>()->value_name("DURATION"),
                     "stop after this long (default: until interrupted)")
                 ("count", po::value<int>()->value_name("N")->default_value(0),
                     "stop after N events (0: no limit)");
             // clang-format on
         },
         runWatch},
        actionCommand("promote", &Stub::PromoteRollout, true,
                      "Skips what a rollout waits for: its approval, a canary pause or the rest "
                      "of the bake."),
        actionCommand("pause", &Stub::PauseRollout, false,
                      "Holds a rollout where it is; traffic stays as it is until resume or abort."),
        actionCommand("resume", &Stub::ResumeRollout, false,
                      "Continues a paused rollout; the wait it was in starts over."),
        actionCommand("abort", &Stub::AbortRollout, true,
                      "Puts traffic back on the stable colour at once; the rollout ends rolled "
                      "back."),
        actionCommand("retry", &Stub::RetryRollout, true,
                      "Runs a rolled back or failed rollout again from the start (the service's "
                      "latest only)."),
        actionCommand("undo", &Stub::UndoRollout, true,
                      "Moves traffic back to the colour a succeeded rollout replaced, while that "
                      "colour still runs."),
    };
}

} // namespace aegis::cli
