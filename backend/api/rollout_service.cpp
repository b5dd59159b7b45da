#include "api/rollout_service.h"

#include "api/convert.h"
#include "api/watch_stream.h"
#include "common/input_text.h"
#include "registry/registry.h"
#include "rollout/rollout_watch.h"

#include <cmath>

namespace aegis::api {
namespace {

using namespace std::chrono;
using rollout::Color;

constexpr std::string_view kWatchMethod = "/aegis.v1.RolloutService/WatchRollouts";
constexpr std::size_t kMaxLogPage = 1000;

void splitToProto(const rollout::TrafficSplit &split, aegis::v1::TrafficSplit *out) {
    out->set_blue(split.blue);
    out->set_green(split.green);
}

std::string colorText(const std::optional<Color> &color) {
    return color ? std::string(rollout::colorName(*color)) : std::string();
}

void logToProto(const rollout::LogLine &line, aegis::v1::RolloutLogLine *out) {
    out->set_rollout_id(line.rolloutId);
    out->set_sequence(line.sequence);
    api::toProto(line.time, out->mutable_time());
    out->set_line(line.line);
}

std::string rolloutResource(const std::string &id) {
    return "rollouts/" + id.substr(0, 140);
}

// AnalysisStage bits <-> aegis.v1.AnalysisStage (1 << (value - 1)).
std::vector<aegis::v1::AnalysisStage> stagesToProto(unsigned stages) {
    std::vector<aegis::v1::AnalysisStage> result;
    for (int value = 1; value <= 3; ++value) {
        if ((stages & (1u << (value - 1))) != 0) {
            result.push_back(static_cast<aegis::v1::AnalysisStage>(value));
        }
    }
    return result;
}

aegis::v1::AnalysisVerdict verdictToProto(metrics::Verdict verdict) {
    return static_cast<aegis::v1::AnalysisVerdict>(static_cast<int>(verdict) + 1);
}

void analysisSpecToProto(const rollout::AnalysisSpec &in, aegis::v1::RolloutAnalysis *out) {
    for (const rollout::AnalysisCheck &check : in.checks) {
        auto *c = out->add_checks();
        c->set_name(check.name);
        c->set_query(check.query);
        c->set_success_condition(check.successCondition);
        c->set_interval_ms(check.interval.count());
        c->set_initial_delay_ms(check.initialDelay.count());
        c->set_count(check.count);
        c->set_failure_limit(check.failureLimit);
        c->set_inconclusive_limit(check.inconclusiveLimit);
        for (aegis::v1::AnalysisStage stage : stagesToProto(check.stages)) {
            c->add_run_during(stage);
        }
    }
    const rollout::CanaryComparison &comparison = in.comparison;
    auto *c = out->mutable_canary_comparison();
    c->set_enabled(comparison.enabled);
    c->set_window_ms(comparison.window.count());
    c->set_sample_interval_ms(comparison.sampleInterval.count());
    for (rollout::CanaryMetric metric : comparison.metrics) {
        c->add_metrics(static_cast<aegis::v1::CanaryMetric>(metric));
    }
    c->set_marginal_threshold(comparison.marginalThreshold);
    c->set_fail_threshold(comparison.failThreshold);
    c->set_inconclusive_limit(comparison.inconclusiveLimit);
}

rollout::AnalysisSpec analysisSpecFromProto(const aegis::v1::RolloutAnalysis &in) {
    rollout::AnalysisSpec spec;
    for (const aegis::v1::AnalysisCheck &c : in.checks()) {
        rollout::AnalysisCheck check;
        check.name = c.name();
        check.query = c.query();
        check.successCondition = c.success_condition();
        if (c.has_interval_ms()) {
            check.interval = milliseconds(c.interval_ms());
        }
        check.initialDelay = milliseconds(c.initial_delay_ms());
        check.count = c.count();
        check.failureLimit = c.failure_limit();
        check.inconclusiveLimit = c.inconclusive_limit();
        if (c.run_during_size() > 0) {
            check.stages = 0;
            for (int stage : c.run_during()) {
                check.stages |= 1u << (stage - 1);
            }
        }
        spec.checks.push_back(std::move(check));
    }
    const aegis::v1::CanaryComparison &c = in.canary_comparison();
    rollout::CanaryComparison &comparison = spec.comparison;
    comparison.enabled = c.enabled();
    if (c.has_window_ms()) {
        comparison.window = milliseconds(c.window_ms());
    }
    if (c.has_sample_interval_ms()) {
        comparison.sampleInterval = milliseconds(c.sample_interval_ms());
    }
    if (c.metrics_size() > 0) {
        comparison.metrics.clear();
        for (int metric : c.metrics()) {
            comparison.metrics.push_back(static_cast<rollout::CanaryMetric>(metric));
        }
    }
    if (c.has_marginal_threshold()) {
        comparison.marginalThreshold = c.marginal_threshold();
    }
    if (c.has_fail_threshold()) {
        comparison.failThreshold = c.fail_threshold();
    }
    comparison.inconclusiveLimit = c.inconclusive_limit();
    return spec;
}

// The enums the controller's validation cannot see once converted.
Status checkAnalysisEnums(const aegis::v1::RolloutAnalysis &in) {
    for (int i = 0; i < in.checks_size(); ++i) {
        const auto &stages = in.checks(i).run_during();
        for (int j = 0; j < stages.size(); ++j) {
            if (stages[j] < aegis::v1::ANALYSIS_STAGE_VERIFICATION ||
                stages[j] > aegis::v1::ANALYSIS_STAGE_BAKE) {
                return invalidArgument("spec.analysis.checks[" + std::to_string(i) +
                                       "].run_during[" + std::to_string(j) +
                                       "] must be VERIFICATION, CANARY_STEPS or BAKE (got " +
                                       std::to_string(stages[j]) + ")");
            }
        }
    }
    const auto &metrics = in.canary_comparison().metrics();
    for (int j = 0; j < metrics.size(); ++j) {
        if (metrics[j] != aegis::v1::CANARY_METRIC_ERROR_RATIO &&
            metrics[j] != aegis::v1::CANARY_METRIC_LATENCY_P99) {
            return invalidArgument("spec.analysis.canary_comparison.metrics[" + std::to_string(j) +
                                   "] must be ERROR_RATIO or LATENCY_P99 (got " +
                                   std::to_string(metrics[j]) + ")");
        }
    }
    return Status::ok();
}

void analysisStatusToProto(const rollout::Rollout &r, aegis::v1::RolloutAnalysisStatus *out) {
    const rollout::AnalysisStatus &in = r.analysis;
    out->set_stage(in.stage);
    if (in.stageStart.time_since_epoch().count() != 0) {
        api::toProto(in.stageStart, out->mutable_stage_start());
    }
    out->set_current_runs_from(static_cast<int>(in.firstRun));
    for (const rollout::CheckRun &run : in.runs) {
        auto *o = out->add_runs();
        o->set_check(run.check);
        o->set_stage(run.stage);
        o->set_state(static_cast<aegis::v1::AnalysisRunState>(run.state));
        o->set_successes(run.successes);
        o->set_failures(run.failures);
        o->set_inconclusives(run.inconclusives);
        for (const rollout::Measurement &m : run.measurements) {
            auto *measurement = o->add_measurements();
            api::toProto(m.time, measurement->mutable_time());
            if (!std::isnan(m.value)) {
                measurement->set_value(m.value);
            }
            measurement->set_verdict(verdictToProto(m.verdict));
            measurement->set_detail(m.detail);
        }
        for (const rollout::AnalysisCheck &check : r.spec.analysis.checks) {
            if (check.name == run.check) {
                o->set_count(check.count);
                o->set_failure_limit(check.failureLimit);
                o->set_inconclusive_limit(check.inconclusiveLimit);
            }
        }
    }
    for (const rollout::ComparisonResult &result : in.comparisons) {
        auto *o = out->add_comparisons();
        o->set_stage(result.stage);
        api::toProto(result.time, o->mutable_time());
        o->set_verdict(verdictToProto(result.verdict));
        o->set_score(result.score);
        o->set_summary(result.summary);
        for (const metrics::MetricJudgement &m : result.metrics) {
            auto *metric = o->add_metrics();
            metric->set_name(m.name);
            metric->set_verdict(verdictToProto(m.verdict));
            metric->set_score(m.score);
            metric->set_u(m.test.u);
            metric->set_p_value(m.test.pValue);
            metric->set_effect_size(m.test.effectSize);
            metric->set_stable_median(m.baselineMedian);
            metric->set_new_median(m.candidateMedian);
            metric->set_stable_samples(static_cast<int>(m.baselineCount));
            metric->set_new_samples(static_cast<int>(m.candidateCount));
        }
    }
}

} // namespace

RolloutServiceImpl::RolloutServiceImpl(ApiContext &api, rollout::RolloutController &controller,
                                       DeploymentLogSource logs, LeaderForwarder *forwarder)
    : m_api(api)
    , m_controller(controller)
    , m_logs(std::move(logs))
    , m_forwarder(forwarder) {}

void RolloutServiceImpl::toProto(const rollout::Rollout &r, aegis::v1::Rollout *out) {
    out->set_id(r.id);
    auto *spec = out->mutable_spec();
    spec->set_service(r.spec.service);
    spec->set_version(r.spec.version);
    spec->set_replicas(r.spec.replicas);
    spec->set_strategy(static_cast<aegis::v1::RolloutStrategy>(r.spec.strategy));
    for (const rollout::CanaryStep &step : r.spec.steps) {
        auto *s = spec->add_steps();
        s->set_weight(step.weight);
        s->set_pause_ms(step.pause.count());
        s->set_until_promoted(step.untilPromoted);
    }
    spec->set_driver(r.spec.driver);
    spec->mutable_driver_params()->insert(r.spec.driverParams.begin(), r.spec.driverParams.end());
    spec->set_router(r.spec.router);
    spec->mutable_router_params()->insert(r.spec.routerParams.begin(), r.spec.routerParams.end());
    spec->set_healthy_for_ms(r.spec.healthyFor.count());
    spec->set_require_approval(r.spec.requireApproval);
    spec->set_bake_time_ms(r.spec.bakeTime.count());
    spec->set_scale_down_delay_ms(r.spec.scaleDownDelay.count());
    spec->set_progress_deadline_ms(r.spec.progressDeadline.count());
    spec->set_description(r.spec.description);
    if (!r.spec.analysis.empty()) {
        analysisSpecToProto(r.spec.analysis, spec->mutable_analysis());
        analysisStatusToProto(r, out->mutable_analysis());
    }
    out->set_phase(static_cast<aegis::v1::RolloutPhase>(r.phase));
    out->set_paused(r.paused);
    out->set_message(r.message);
    out->set_stable_color(colorText(r.stableColor));
    out->set_stable_version(r.stableVersion);
    out->set_new_color(std::string(rollout::colorName(r.newColor)));
    splitToProto(r.traffic, out->mutable_traffic());
    out->set_current_step(r.currentStep);
    out->set_step_applied(r.stepApplied);
    out->set_healthy_instances(r.healthyInstances);
    out->set_registered_instances(r.registeredInstances);
    out->set_attempt(r.attempt);
    out->set_created_by(r.createdBy);
    api::toProto(r.createTime, out->mutable_create_time());
    api::toProto(r.phaseTime, out->mutable_phase_time());
    if (r.finishTime.time_since_epoch().count() != 0) {
        api::toProto(r.finishTime, out->mutable_finish_time());
    }
    for (const rollout::Transition &transition : r.transitions) {
        auto *t = out->add_transitions();
        t->set_phase(static_cast<aegis::v1::RolloutPhase>(transition.phase));
        api::toProto(transition.time, t->mutable_time());
        t->set_reason(transition.reason);
    }
    if (r.undoUntil.time_since_epoch().count() != 0) {
        api::toProto(r.undoUntil, out->mutable_undo_until());
    }
    out->set_create_revision(r.createRevision);
    out->set_mod_revision(r.modRevision);
}

void RolloutServiceImpl::toProto(const std::vector<rollout::ActionAvailability> &actions,
                                 aegis::v1::Rollout *out) {
    out->clear_available_actions();
    for (const rollout::ActionAvailability &action : actions) {
        auto *a = out->add_available_actions();
        a->set_action(
            static_cast<aegis::v1::RolloutActionKind>(static_cast<int>(action.action) + 1));
        a->set_enabled(action.enabled);
        a->set_disabled_reason(action.disabledReason);
    }
}

void RolloutServiceImpl::toProtoWithActions(const rollout::Rollout &rollout,
                                            aegis::v1::Rollout *out,
                                            const rollout::Release *release) const {
    toProto(rollout, out);
    if (auto actions = m_controller.availableActions(rollout, release)) {
        toProto(*actions, out);
    }
}

void RolloutServiceImpl::toProto(const rollout::Release &r, aegis::v1::Release *out) {
    out->set_service(r.service);
    out->set_live_color(colorText(r.liveColor));
    out->set_live_version(r.liveVersion);
    splitToProto(r.traffic, out->mutable_traffic());
    for (const auto &[color, deployment] : r.deployments) {
        auto *d = out->add_deployments();
        d->set_color(std::string(rollout::colorName(color)));
        d->set_version(deployment.version);
        d->set_replicas(deployment.replicas);
        d->set_driver(deployment.driver);
        d->set_rollout_id(deployment.rolloutId);
    }
    out->set_active_rollout_id(r.activeRolloutId);
    out->set_last_rollout_id(r.lastRolloutId);
    out->set_driver(r.driver);
    out->mutable_driver_params()->insert(r.driverParams.begin(), r.driverParams.end());
    out->set_router(r.router);
    out->mutable_router_params()->insert(r.routerParams.begin(), r.routerParams.end());
    out->set_mod_revision(r.modRevision);
}

rollout::RolloutSpec RolloutServiceImpl::fromProto(const aegis::v1::RolloutSpec &in) {
    rollout::RolloutSpec spec;
    spec.service = in.service();
    spec.version = in.version();
    spec.replicas = in.replicas();
    spec.strategy = in.strategy() == aegis::v1::ROLLOUT_STRATEGY_CANARY
                        ? rollout::Strategy::Canary
                        : rollout::Strategy::BlueGreen;
    for (const auto &step : in.steps()) {
        spec.steps.push_back({step.weight(), milliseconds(step.pause_ms()), step.until_promoted()});
    }
    spec.driver = in.driver();
    spec.driverParams = {in.driver_params().begin(), in.driver_params().end()};
    spec.router = in.router();
    spec.routerParams = {in.router_params().begin(), in.router_params().end()};
    if (in.has_healthy_for_ms()) {
        spec.healthyFor = milliseconds(in.healthy_for_ms());
    }
    spec.requireApproval = in.require_approval();
    spec.bakeTime = milliseconds(in.bake_time_ms());
    if (in.has_scale_down_delay_ms()) {
        spec.scaleDownDelay = milliseconds(in.scale_down_delay_ms());
    }
    if (in.has_progress_deadline_ms()) {
        spec.progressDeadline = milliseconds(in.progress_deadline_ms());
    }
    spec.description = in.description();
    spec.analysis = analysisSpecFromProto(in.analysis());
    return spec;
}

grpc::ServerUnaryReactor *
RolloutServiceImpl::StartRollout(grpc::CallbackServerContext *context,
                                 const aegis::v1::StartRolloutRequest *request,
                                 aegis::v1::StartRolloutResponse *response) {
    constexpr std::string_view kMethod = "/aegis.v1.RolloutService/StartRollout";
    const auto &in = request->spec();
    auto call = UnaryCall::start(m_api, context, kMethod,
                                 "services/" + in.service().substr(0, 63) + "/rollouts");
    if (!call->authorized()) {
        return call->reactor();
    }
    if (in.strategy() != aegis::v1::ROLLOUT_STRATEGY_UNSPECIFIED &&
        in.strategy() != aegis::v1::ROLLOUT_STRATEGY_BLUE_GREEN &&
        in.strategy() != aegis::v1::ROLLOUT_STRATEGY_CANARY) {
        call->finish(invalidArgument("spec.strategy must be BLUE_GREEN or CANARY"));
        return call->reactor();
    }
    if (Status valid = checkAnalysisEnums(in.analysis()); !valid.isOk()) {
        call->finish(valid);
        return call->reactor();
    }
    if (m_forwarder != nullptr &&
        m_forwarder->forwarded(call, *context, kMethod, *request, response)) {
        return call->reactor();
    }
    rollout::RolloutSpec spec = fromProto(in);
    call->setSummary("start rollout of " + spec.service.substr(0, 63) + " " +
                     spec.version.substr(0, 64) +
                     (spec.strategy == rollout::Strategy::Canary ? " (canary)" : " (blue-green)"));
    m_controller.startRollout(std::move(spec),
                              rollout::Actor{call->caller().name, {call->auditOperation()}},
                              [this, call, response](StatusOr<rollout::Rollout> started) {
                                  if (!started) {
                                      return call->finish(started.status());
                                  }
                                  response->mutable_header()->set_revision(started->modRevision);
                                  toProtoWithActions(*started, response->mutable_rollout());
                                  call->finish(Status::ok(), started->modRevision, true);
                              });
    return call->reactor();
}

grpc::ServerUnaryReactor *
RolloutServiceImpl::GetRollout(grpc::CallbackServerContext *context,
                               const aegis::v1::GetRolloutRequest *request,
                               aegis::v1::GetRolloutResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.RolloutService/GetRollout");
    if (!call->authorized()) {
        return call->reactor();
    }
    store::Revision revision = 0;
    const auto found = m_controller.get(request->id(), &revision);
    if (!found) {
        call->finish(found.status());
        return call->reactor();
    }
    response->mutable_header()->set_revision(revision);
    toProtoWithActions(*found, response->mutable_rollout());
    call->finish(Status::ok());
    return call->reactor();
}

grpc::ServerUnaryReactor *
RolloutServiceImpl::ListRollouts(grpc::CallbackServerContext *context,
                                 const aegis::v1::ListRolloutsRequest *request,
                                 aegis::v1::ListRolloutsResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.RolloutService/ListRollouts");
    if (!call->authorized()) {
        return call->reactor();
    }
    const auto pageSize = pageSizeOrDefault(request->page_size());
    Status valid = pageSize.status();
    if (valid.isOk() && !request->service().empty()) {
        valid = registry::Registry::validateServiceName(request->service(), "service");
    }
    if (!valid.isOk()) {
        call->finish(valid);
        return call->reactor();
    }
    rollout::RolloutQuery query;
    query.service = request->service();
    query.activeOnly = request->active_only();
    query.pageSize = *pageSize;
    query.pageToken = request->page_token();
    const auto page = m_controller.list(query);
    if (!page) {
        call->finish(page.status());
        return call->reactor();
    }
    response->mutable_header()->set_revision(page->revision);
    // Each rollout's actions are judged against its service's release, read once.
    std::map<std::string, rollout::Release> releases;
    if (auto stored = m_controller.releases()) {
        for (rollout::Release &release : stored->first) {
            const std::string service = release.service;
            releases.emplace(service, std::move(release));
        }
    }
    for (const rollout::Rollout &r : page->rollouts) {
        const auto release = releases.find(r.spec.service);
        toProtoWithActions(r, response->add_rollouts(),
                           release == releases.end() ? nullptr : &release->second);
    }
    response->set_next_page_token(page->nextPageToken);
    call->finish(Status::ok());
    return call->reactor();
}

grpc::ServerUnaryReactor *
RolloutServiceImpl::ListReleases(grpc::CallbackServerContext *context,
                                 const aegis::v1::ListReleasesRequest *,
                                 aegis::v1::ListReleasesResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.RolloutService/ListReleases");
    if (!call->authorized()) {
        return call->reactor();
    }
    const auto releases = m_controller.releases();
    if (!releases) {
        call->finish(releases.status());
        return call->reactor();
    }
    response->mutable_header()->set_revision(releases->second);
    for (const rollout::Release &release : releases->first) {
        toProto(release, response->add_releases());
    }
    call->finish(Status::ok());
    return call->reactor();
}

grpc::ServerUnaryReactor *
RolloutServiceImpl::ListRolloutLog(grpc::CallbackServerContext *context,
                                   const aegis::v1::ListRolloutLogRequest *request,
                                   aegis::v1::ListRolloutLogResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.RolloutService/ListRolloutLog");
    if (!call->authorized()) {
        return call->reactor();
    }
    const std::int32_t size = request->page_size();
    if (size < 0 || size > static_cast<std::int32_t>(kMaxLogPage) ||
        request->after_sequence() < 0 || request->after_sequence() > (std::int64_t{1} << 40)) {
        call->finish(invalidArgument("page_size must be between 0 and 1000 and after_sequence "
                                     "between 0 and 2^40"));
        return call->reactor();
    }
    store::Revision revision = 0;
    const auto lines =
        m_controller.log(request->rollout_id(), request->after_sequence(),
                         size == 0 ? 200 : static_cast<std::size_t>(size), &revision);
    if (!lines) {
        call->finish(lines.status());
        return call->reactor();
    }
    response->mutable_header()->set_revision(revision);
    for (const rollout::LogLine &line : lines->first) {
        logToProto(line, response->add_lines());
    }
    response->set_more(lines->second);
    call->finish(Status::ok());
    return call->reactor();
}

grpc::ServerWriteReactor<aegis::v1::WatchRolloutsResponse> *
RolloutServiceImpl::WatchRollouts(grpc::CallbackServerContext *context,
                                  const aegis::v1::WatchRolloutsRequest *request) {
    auto open = [this, request](std::function<void()> notify) {
        return openWatch(*request, std::move(notify));
    };
    return new WatchStream<aegis::v1::WatchRolloutsResponse>(m_api, context, kWatchMethod, open);
}

StatusOr<WatchFeedPtr<aegis::v1::WatchRolloutsResponse>>
RolloutServiceImpl::openWatch(const aegis::v1::WatchRolloutsRequest &request,
                              std::function<void()> notify) {
    using Watch = rollout::RolloutWatch;
    if (!request.service().empty()) {
        if (Status valid = registry::Registry::validateServiceName(request.service(), "service");
            !valid.isOk()) {
            return valid;
        }
    }
    auto watch =
        Watch::open(m_api.hub, request.service(), request.start_revision(), std::move(notify));
    if (!watch) {
        return watch.status();
    }
    auto convert = [this](const std::vector<rollout::RolloutEvent> &events,
                          aegis::v1::WatchRolloutsResponse &response) {
        for (const rollout::RolloutEvent &event : events) {
            aegis::v1::RolloutEvent *out = response.add_events();
            out->set_revision(event.revision);
            if (event.rollout) {
                toProtoWithActions(*event.rollout, out->mutable_rollout());
            } else if (event.release) {
                toProto(*event.release, out->mutable_release());
            } else if (event.logLine) {
                logToProto(*event.logLine, out->mutable_log_line());
            }
        }
        return response.events_size() > 0;
    };
    return WatchFeedPtr<aegis::v1::WatchRolloutsResponse>(
        std::make_unique<SourceWatchFeed<aegis::v1::WatchRolloutsResponse, Watch>>(
            std::move(*watch), std::move(convert)));
}

grpc::ServerUnaryReactor *RolloutServiceImpl::act(grpc::CallbackServerContext *context,
                                                  std::string_view method, rollout::Action action,
                                                  const aegis::v1::RolloutActionRequest *request,
                                                  aegis::v1::RolloutActionResponse *response) {
    auto call = UnaryCall::start(m_api, context, method, rolloutResource(request->id()));
    if (!call->authorized()) {
        return call->reactor();
    }
    if (!rollout::parseRolloutId(request->id())) {
        call->finish(invalidArgument("id must look like <service>-<number> (got " +
                                     quoteInput(request->id()) + ")"));
        return call->reactor();
    }
    if (Status valid = validateFreeText(request->reason(), "reason", 1024); !valid.isOk()) {
        call->finish(valid);
        return call->reactor();
    }
    if (m_forwarder != nullptr &&
        m_forwarder->forwarded(call, *context, method, *request, response)) {
        return call->reactor();
    }
    call->setSummary(std::string(rollout::actionName(action)) + " " + request->id() +
                     (request->reason().empty() ? "" : ": " + request->reason()));
    m_controller.act(request->id(), action, request->reason(),
                     rollout::Actor{call->caller().name, {call->auditOperation()}},
                     [this, call, response](StatusOr<rollout::Rollout> acted) {
                         if (!acted) {
                             return call->finish(acted.status());
                         }
                         response->mutable_header()->set_revision(acted->modRevision);
                         toProtoWithActions(*acted, response->mutable_rollout());
                         call->finish(Status::ok(), acted->modRevision, true);
                     });
    return call->reactor();
}

#define AEGIS_ROLLOUT_ACTION(Rpc, action)                                                          \
    grpc::ServerUnaryReactor *RolloutServiceImpl::Rpc(                                             \
        grpc::CallbackServerContext *context, const aegis::v1::RolloutActionRequest *request,      \
        aegis::v1::RolloutActionResponse *response) {                                              \
        return act(context, "/aegis.v1.RolloutService/" #Rpc, action, request, response);          \
    }
AEGIS_ROLLOUT_ACTION(PromoteRollout, rollout::Action::Promote)
AEGIS_ROLLOUT_ACTION(PauseRollout, rollout::Action::Pause)
AEGIS_ROLLOUT_ACTION(ResumeRollout, rollout::Action::Resume)
AEGIS_ROLLOUT_ACTION(AbortRollout, rollout::Action::Abort)
AEGIS_ROLLOUT_ACTION(RetryRollout, rollout::Action::Retry)
AEGIS_ROLLOUT_ACTION(UndoRollout, rollout::Action::Undo)
#undef AEGIS_ROLLOUT_ACTION

grpc::ServerWriteReactor<v1::DeploymentLogsResponse> *
RolloutServiceImpl::DeploymentLogs(grpc::CallbackServerContext *context,
                                   const v1::DeploymentLogsRequest *request) {
    return openDeploymentLogs(m_api, m_logs, context, *request);
}

} // namespace aegis::api
