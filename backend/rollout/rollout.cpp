#include "rollout/rollout.h"

#include "common/input_text.h"
#include "common/json_number.h"
#include "common/time_millis.h"
#include "registry/registry.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cstdio>

namespace aegis::rollout {
namespace {

using namespace std::chrono;
using nlohmann::json;

std::string padded(std::int64_t number, int width) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%0*lld", width, static_cast<long long>(number));
    return buffer;
}

// "checkout-12" -> "checkout/00000012".
std::string idPath(const std::string &id) {
    const auto parsed = parseRolloutId(id);
    if (!parsed) {
        return id;
    }
    return parsed->first + "/" + padded(parsed->second, 8);
}

json encodeSplit(const TrafficSplit &split) {
    return json{{"blue", split.blue}, {"green", split.green}};
}

TrafficSplit decodeSplit(const json &value) {
    if (!value.is_object()) {
        return {};
    }
    return {numberOr(value, "blue", 100), numberOr(value, "green", 0)};
}

std::optional<Color> optionalColor(const json &value, const char *name) {
    const auto it = value.find(name);
    return it != value.end() && it->is_string() ? parseColor(it->get<std::string>()) : std::nullopt;
}

json encodeSpec(const RolloutSpec &spec) {
    json steps = json::array();
    for (const CanaryStep &step : spec.steps) {
        steps.push_back({{"weight", step.weight},
                         {"pause_ms", step.pause.count()},
                         {"until_promoted", step.untilPromoted}});
    }
    return json{{"service", spec.service},
                {"version", spec.version},
                {"replicas", spec.replicas},
                {"strategy", static_cast<int>(spec.strategy)},
                {"steps", steps},
                {"driver", spec.driver},
                {"driver_params", spec.driverParams},
                {"router", spec.router},
                {"router_params", spec.routerParams},
                {"healthy_for_ms", spec.healthyFor.count()},
                {"require_approval", spec.requireApproval},
                {"bake_time_ms", spec.bakeTime.count()},
                {"scale_down_delay_ms", spec.scaleDownDelay.count()},
                {"progress_deadline_ms", spec.progressDeadline.count()},
                {"description", spec.description},
                {"analysis", encodeAnalysisSpec(spec.analysis)}};
}

RolloutSpec decodeSpec(const json &value) {
    RolloutSpec spec;
    if (!value.is_object()) {
        return spec;
    }
    spec.service = value.value("service", "");
    spec.version = value.value("version", "");
    spec.replicas = numberOr(value, "replicas", 0);
    spec.strategy = numberOr(value, "strategy", 1) == 2 ? Strategy::Canary : Strategy::BlueGreen;
    if (const auto steps = value.find("steps"); steps != value.end() && steps->is_array()) {
        for (const json &step : *steps) {
            spec.steps.push_back({numberOr(step, "weight", 100),
                                  milliseconds(numberOr<std::int64_t>(step, "pause_ms", 0)),
                                  step.value("until_promoted", false)});
        }
    }
    spec.driver = value.value("driver", "");
    spec.driverParams = value.value("driver_params", Params{});
    spec.router = value.value("router", "");
    spec.routerParams = value.value("router_params", Params{});
    spec.healthyFor = milliseconds(numberOr<std::int64_t>(value, "healthy_for_ms", 10'000));
    spec.requireApproval = value.value("require_approval", false);
    spec.bakeTime = milliseconds(numberOr<std::int64_t>(value, "bake_time_ms", 0));
    spec.scaleDownDelay =
        milliseconds(numberOr<std::int64_t>(value, "scale_down_delay_ms", 30'000));
    spec.progressDeadline =
        milliseconds(numberOr<std::int64_t>(value, "progress_deadline_ms", 600'000));
    spec.description = value.value("description", "");
    spec.analysis = decodeAnalysisSpec(value.value("analysis", json::object()));
    return spec;
}

Status checkDuration(milliseconds value, milliseconds max, std::string_view field) {
    if (value < 0ms || value > max) {
        return invalidArgument("spec." + std::string(field) + " must be between 0 and " +
                               std::to_string(max.count()) + " ms (got " +
                               std::to_string(value.count()) + ")");
    }
    return Status::ok();
}

Status checkParams(const Params &params, std::string_view field) {
    if (params.size() > 64) {
        return invalidArgument("spec." + std::string(field) + " may have at most 64 entries");
    }
    for (const auto &[key, value] : params) {
        if (key.empty() || key.size() > 128 || value.size() > 4096) {
            return invalidArgument("spec." + std::string(field) +
                                   ": keys must be 1 to 128 characters and values at most 4096 "
                                   "bytes ('" +
                                   key.substr(0, 128) + "')");
        }
    }
    return Status::ok();
}

} // namespace

std::string_view phaseName(Phase phase) {
    switch (phase) {
    case Phase::Pending:
        return "pending";
    case Phase::Provisioning:
        return "provisioning";
    case Phase::Verifying:
        return "verifying";
    case Phase::AwaitingApproval:
        return "awaiting_approval";
    case Phase::Switching:
        return "switching";
    case Phase::Baking:
        return "baking";
    case Phase::Finalizing:
        return "finalizing";
    case Phase::Succeeded:
        return "succeeded";
    case Phase::Aborting:
        return "aborting";
    case Phase::RolledBack:
        return "rolled_back";
    case Phase::Failed:
        return "failed";
    case Phase::Unspecified:
        break;
    }
    return "unspecified";
}

std::vector<CanaryStep> RolloutSpec::effectiveSteps() const {
    if (steps.empty()) {
        return {CanaryStep{}};
    }
    std::vector<CanaryStep> result = steps;
    if (result.back().weight < 100) {
        result.push_back(CanaryStep{});
    }
    return result;
}

Status validateSpec(const RolloutSpec &spec) {
    if (Status valid = registry::Registry::validateServiceName(spec.service, "spec.service");
        !valid.isOk()) {
        return valid;
    }
    if (spec.version.empty() || spec.version.size() > 64) {
        return invalidArgument("spec.version must be 1 to 64 characters");
    }
    for (char c : spec.version) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_' &&
            c != '+') {
            return invalidArgument("spec.version may hold letters, digits and . - _ + only (got " +
                                   quoteInput(spec.version) + ")");
        }
    }
    if (spec.replicas < 0 || spec.replicas > 100) {
        return invalidArgument("spec.replicas must be between 1 and 100, or 0 for as many as the "
                               "live colour runs (got " +
                               std::to_string(spec.replicas) + ")");
    }
    if (spec.strategy == Strategy::Canary && spec.steps.empty()) {
        return invalidArgument("spec.steps: a canary rollout needs at least one step");
    }
    if (spec.steps.size() > 20) {
        return invalidArgument("spec.steps may have at most 20 steps");
    }
    int previous = 0;
    for (std::size_t i = 0; i < spec.steps.size(); ++i) {
        const CanaryStep &step = spec.steps[i];
        const std::string field = "steps[" + std::to_string(i) + "]";
        if (step.weight < 1 || step.weight > 100) {
            return invalidArgument("spec." + field + ".weight must be between 1 and 100 (got " +
                                   std::to_string(step.weight) + ")");
        }
        if (step.weight < previous) {
            return invalidArgument("spec." + field +
                                   ".weight must not be lower than the step "
                                   "before (" +
                                   std::to_string(previous) + ")");
        }
        previous = step.weight;
        if (Status valid = checkDuration(step.pause, 24h, field + ".pause_ms"); !valid.isOk()) {
            return valid;
        }
    }
    for (const auto &[value, max, field] :
         {std::tuple{spec.healthyFor, milliseconds(1h), "healthy_for_ms"},
          std::tuple{spec.bakeTime, milliseconds(24h), "bake_time_ms"},
          std::tuple{spec.scaleDownDelay, milliseconds(24h), "scale_down_delay_ms"},
          std::tuple{spec.progressDeadline, milliseconds(24h), "progress_deadline_ms"}}) {
        if (Status valid = checkDuration(value, max, field); !valid.isOk()) {
            return valid;
        }
    }
    if (spec.progressDeadline < 1s) {
        return invalidArgument("spec.progress_deadline_ms must be at least 1000");
    }
    if (Status valid = validateFreeText(spec.description, "spec.description", 1024);
        !valid.isOk()) {
        return valid;
    }
    for (const auto &[name, field] :
         {std::pair{&spec.driver, "spec.driver"}, std::pair{&spec.router, "spec.router"}}) {
        // Empty means "as the last release"; otherwise an extension's registered name.
        if (!name->empty() &&
            (name->size() > 63 || !std::all_of(name->begin(), name->end(), [](char c) {
                 return std::islower(static_cast<unsigned char>(c)) ||
                        std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '_';
             }))) {
            return invalidArgument(std::string(field) +
                                   " must be 1 to 63 characters of a-z 0-9 - _ (got " +
                                   quoteInput(*name) + ")");
        }
    }
    if (Status valid = checkParams(spec.driverParams, "driver_params"); !valid.isOk()) {
        return valid;
    }
    if (Status valid = checkParams(spec.routerParams, "router_params"); !valid.isOk()) {
        return valid;
    }
    return validateAnalysis(spec.analysis);
}

namespace keys {
std::string rollout(const std::string &id) {
    return std::string(kItems) + idPath(id);
}
std::string release(const std::string &service) {
    return std::string(kReleases) + service;
}
std::string logPrefix(const std::string &rolloutId) {
    return std::string(kLog) + idPath(rolloutId) + "/";
}
std::string logLine(const std::string &rolloutId, std::int64_t sequence) {
    return logPrefix(rolloutId) + padded(sequence, 10);
}
} // namespace keys

std::string rolloutId(const std::string &service, int number) {
    return service + "-" + std::to_string(number);
}

std::optional<std::pair<std::string, int>> parseRolloutId(std::string_view id) {
    const auto dash = id.rfind('-');
    if (dash == std::string_view::npos || dash == 0 || dash + 1 == id.size() ||
        !registry::Registry::validateServiceName(std::string(id.substr(0, dash)), "id").isOk()) {
        return std::nullopt;
    }
    int number = 0;
    const auto digits = id.substr(dash + 1);
    if (digits.front() == '0') {
        return std::nullopt; // one spelling per rollout
    }
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
    if (error != std::errc() || end != digits.data() + digits.size() || number <= 0) {
        return std::nullopt;
    }
    return std::pair{std::string(id.substr(0, dash)), number};
}

std::string encode(const Rollout &rollout) {
    json transitions = json::array();
    for (const Transition &transition : rollout.transitions) {
        transitions.push_back({{"phase", static_cast<int>(transition.phase)},
                               {"time_ms", toMillis(transition.time)},
                               {"reason", transition.reason}});
    }
    json out{{"id", rollout.id},
             {"spec", encodeSpec(rollout.spec)},
             {"phase", static_cast<int>(rollout.phase)},
             {"paused", rollout.paused},
             {"message", rollout.message},
             {"stable_version", rollout.stableVersion},
             {"new_color", colorName(rollout.newColor)},
             {"traffic", encodeSplit(rollout.traffic)},
             {"current_step", rollout.currentStep},
             {"step_applied", rollout.stepApplied},
             {"step_time_ms", toMillis(rollout.stepTime)},
             {"deadline_ms", toMillis(rollout.deadline)},
             {"healthy", rollout.healthyInstances},
             {"registered", rollout.registeredInstances},
             {"attempt", rollout.attempt},
             {"created_by", rollout.createdBy},
             {"create_time_ms", toMillis(rollout.createTime)},
             {"phase_time_ms", toMillis(rollout.phaseTime)},
             {"finish_time_ms", toMillis(rollout.finishTime)},
             {"undo_until_ms", toMillis(rollout.undoUntil)},
             {"transitions", transitions}};
    if (!rollout.analysis.stage.empty() || !rollout.analysis.runs.empty() ||
        !rollout.analysis.comparisons.empty()) {
        out["analysis"] = encodeAnalysisStatus(rollout.analysis);
    }
    if (rollout.stableColor) {
        out["stable_color"] = colorName(*rollout.stableColor);
    }
    return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

static std::optional<Rollout> parseRollout(const store::KeyValue &kv) {
    const auto value = json::parse(kv.value, nullptr, false);
    if (value.is_discarded() || !value.is_object()) {
        return std::nullopt;
    }
    Rollout rollout;
    rollout.id = value.value("id", "");
    rollout.spec = decodeSpec(value.value("spec", json::object()));
    const int phase = numberOr(value, "phase", 1);
    rollout.phase = phase >= 1 && phase <= 11 ? static_cast<Phase>(phase) : Phase::Failed;
    rollout.paused = value.value("paused", false);
    rollout.message = value.value("message", "");
    rollout.stableColor = optionalColor(value, "stable_color");
    rollout.stableVersion = value.value("stable_version", "");
    rollout.newColor = optionalColor(value, "new_color").value_or(Color::Blue);
    rollout.traffic = decodeSplit(value.value("traffic", json::object()));
    rollout.currentStep = numberOr(value, "current_step", 0);
    rollout.stepApplied = value.value("step_applied", false);
    rollout.stepTime = fromMillis(numberOr<std::int64_t>(value, "step_time_ms", 0));
    rollout.deadline = fromMillis(numberOr<std::int64_t>(value, "deadline_ms", 0));
    rollout.healthyInstances = numberOr(value, "healthy", 0);
    rollout.registeredInstances = numberOr(value, "registered", 0);
    rollout.attempt = numberOr(value, "attempt", 1);
    rollout.createdBy = value.value("created_by", "");
    rollout.createTime = fromMillis(numberOr<std::int64_t>(value, "create_time_ms", 0));
    rollout.phaseTime = fromMillis(numberOr<std::int64_t>(value, "phase_time_ms", 0));
    rollout.finishTime = fromMillis(numberOr<std::int64_t>(value, "finish_time_ms", 0));
    rollout.undoUntil = fromMillis(numberOr<std::int64_t>(value, "undo_until_ms", 0));
    if (const auto list = value.find("transitions"); list != value.end() && list->is_array()) {
        for (const json &transition : *list) {
            const int p = numberOr(transition, "phase", 1);
            rollout.transitions.push_back(
                {p >= 1 && p <= 11 ? static_cast<Phase>(p) : Phase::Failed,
                 fromMillis(numberOr<std::int64_t>(transition, "time_ms", 0)),
                 transition.value("reason", "")});
        }
    }
    rollout.analysis = decodeAnalysisStatus(value.value("analysis", json::object()));
    rollout.createRevision = kv.createRevision;
    rollout.modRevision = kv.modRevision;
    if (rollout.id.empty()) {
        return std::nullopt;
    }
    return rollout;
}

std::string encode(const Release &release) {
    json deployments = json::object();
    for (const auto &[color, deployment] : release.deployments) {
        deployments[std::string(colorName(color))] = {{"version", deployment.version},
                                                      {"replicas", deployment.replicas},
                                                      {"driver", deployment.driver},
                                                      {"driver_params", deployment.driverParams},
                                                      {"driver_state", deployment.driverState},
                                                      {"rollout_id", deployment.rolloutId}};
    }
    json out{{"service", release.service},
             {"live_version", release.liveVersion},
             {"traffic", encodeSplit(release.traffic)},
             {"deployments", deployments},
             {"active_rollout_id", release.activeRolloutId},
             {"last_rollout_id", release.lastRolloutId},
             {"rollout_count", release.rolloutCount},
             {"driver", release.driver},
             {"driver_params", release.driverParams},
             {"router", release.router},
             {"router_params", release.routerParams},
             {"scale_down_time_ms", toMillis(release.scaleDownTime)}};
    if (release.liveColor) {
        out["live_color"] = colorName(*release.liveColor);
    }
    if (release.scaleDownColor) {
        out["scale_down_color"] = colorName(*release.scaleDownColor);
    }
    return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

static std::optional<Release> parseRelease(const store::KeyValue &kv) {
    const auto value = json::parse(kv.value, nullptr, false);
    if (value.is_discarded() || !value.is_object()) {
        return std::nullopt;
    }
    Release release;
    release.service = value.value("service", "");
    release.liveColor = optionalColor(value, "live_color");
    release.liveVersion = value.value("live_version", "");
    release.traffic = decodeSplit(value.value("traffic", json::object()));
    if (const auto list = value.find("deployments"); list != value.end() && list->is_object()) {
        for (const auto &[name, deployment] : list->items()) {
            const auto color = parseColor(name);
            if (!color || !deployment.is_object()) {
                continue;
            }
            release.deployments[*color] = {
                deployment.value("version", ""),      numberOr(deployment, "replicas", 0),
                deployment.value("driver", ""),       deployment.value("driver_params", Params{}),
                deployment.value("driver_state", ""), deployment.value("rollout_id", "")};
        }
    }
    release.activeRolloutId = value.value("active_rollout_id", "");
    release.lastRolloutId = value.value("last_rollout_id", "");
    release.rolloutCount = numberOr(value, "rollout_count", 0);
    release.driver = value.value("driver", "");
    release.driverParams = value.value("driver_params", Params{});
    release.router = value.value("router", "");
    release.routerParams = value.value("router_params", Params{});
    release.scaleDownColor = optionalColor(value, "scale_down_color");
    release.scaleDownTime = fromMillis(numberOr<std::int64_t>(value, "scale_down_time_ms", 0));
    release.modRevision = kv.modRevision;
    if (release.service.empty()) {
        return std::nullopt;
    }
    return release;
}

std::string encode(const LogLine &line) {
    return json{{"rollout_id", line.rolloutId},
                {"sequence", line.sequence},
                {"time_ms", toMillis(line.time)},
                {"line", line.line}}
        .dump(-1, ' ', false, json::error_handler_t::replace);
}

static std::optional<LogLine> parseLogLine(const store::KeyValue &kv) {
    const auto value = json::parse(kv.value, nullptr, false);
    if (value.is_discarded() || !value.is_object()) {
        return std::nullopt;
    }
    return LogLine{value.value("rollout_id", ""), numberOr<std::int64_t>(value, "sequence", 0),
                   fromMillis(numberOr<std::int64_t>(value, "time_ms", 0)),
                   value.value("line", "")};
}

// A record with a field of the wrong type is unreadable, not fatal (nlohmann's value() throws).
template <typename Parse>
auto guarded(Parse parse, const store::KeyValue &kv) -> decltype(parse(kv)) {
    try {
        return parse(kv);
    } catch (const std::exception &) {
        return std::nullopt;
    }
}

std::optional<Rollout> decodeRollout(const store::KeyValue &kv) {
    return guarded(parseRollout, kv);
}
std::optional<Release> decodeRelease(const store::KeyValue &kv) {
    return guarded(parseRelease, kv);
}
std::optional<LogLine> decodeLogLine(const store::KeyValue &kv) {
    return guarded(parseLogLine, kv);
}

} // namespace aegis::rollout
