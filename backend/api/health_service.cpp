#include "api/health_service.h"

#include "api/convert.h"
#include "api/registry_service.h"
#include "api/watch_stream.h"
#include "common/duration.h"
#include "common/input_text.h"

namespace aegis::api {
namespace {

using namespace std::chrono;
using health::HealthMonitor;
using registry::HealthStatus;

constexpr std::string_view kWatchMethod = "/aegis.v1.HealthService/WatchHealth";
constexpr std::size_t kMaxReportOutput = 1024;
constexpr int kMaxOutcomes = 1000;
// Per token and peer address. A client reports once per interval per service it calls (every
// 250 ms by default), so this leaves room for a dozen called services.
constexpr double kOutcomeReportsPerSecond = 50;
constexpr double kOutcomeReportsBurst = 100;

std::string instanceResource(const std::string &service, const std::string &id) {
    return "services/" + service.substr(0, 63) + "/instances/" + id.substr(0, 128);
}

Status validateInstanceName(const std::string &service, const std::string &id) {
    if (Status s = registry::Registry::validateServiceName(service, "service"); !s.isOk()) {
        return s;
    }
    return registry::Registry::validateInstanceId(id, "instance_id");
}

void transitionToProto(const health::RecordedTransition &transition,
                       aegis::v1::HealthTransition *out) {
    out->set_service(transition.service);
    out->set_instance_id(transition.instanceId);
    out->set_from(static_cast<aegis::v1::HealthStatus>(transition.from));
    out->set_to(static_cast<aegis::v1::HealthStatus>(transition.to));
    out->set_flapping(transition.flapping);
    out->set_ejected(transition.ejected);
    out->set_reason(transition.reason);
    out->set_output(transition.output);
    api::toProto(transition.time, out->mutable_time());
    out->set_revision(transition.revision);
}

void convertTransitions(const std::vector<store::Event> &events,
                        aegis::v1::WatchHealthResponse &response) {
    for (const auto &event : events) {
        if (event.type != store::EventType::Put) {
            continue; // history trimmed, not a transition
        }
        if (auto transition = HealthMonitor::decodeTransition(event.kv)) {
            transition->revision = event.revision;
            transitionToProto(*transition, response.add_transitions());
        }
    }
}

} // namespace

HealthServiceImpl::HealthServiceImpl(ApiContext &api, registry::Registry &registry,
                                     health::HealthMonitor &monitor)
    : m_api(api)
    , m_registry(registry)
    , m_monitor(monitor)
    , m_outcomeReports(kOutcomeReportsPerSecond, kOutcomeReportsBurst) {}

void HealthServiceImpl::toProto(const health::ServiceCheck &check, aegis::v1::HealthCheck *out) {
    const health::CheckParams &p = check.params;
    out->set_kind(check.kind);
    out->set_port(check.port);
    out->mutable_options()->insert(check.options.begin(), check.options.end());
    out->set_interval_ms(p.interval.count());
    out->set_timeout_ms(p.timeout.count());
    out->set_rise(static_cast<std::int32_t>(p.rise));
    out->set_fall(static_cast<std::int32_t>(p.fall));
    out->set_initial_status(static_cast<aegis::v1::HealthStatus>(p.initialState));
    out->set_deregister_after_ms(p.deregisterAfter.count());
    out->set_jitter_ms(p.jitter.count());
    out->set_flap_max_transitions(static_cast<std::int32_t>(p.flap.maxTransitions));
    out->set_flap_window_ms(p.flap.window.count());
    out->set_panic_threshold(check.panicThreshold);
}

health::ServiceCheck HealthServiceImpl::fromProto(const aegis::v1::HealthCheck &in) {
    health::ServiceCheck check;
    health::CheckParams &p = check.params;
    check.kind = in.kind();
    check.port = static_cast<std::uint16_t>(in.port());
    check.options = {in.options().begin(), in.options().end()};
    p.interval = in.interval_ms() != 0 ? milliseconds(in.interval_ms()) : seconds(10);
    p.timeout = in.timeout_ms() != 0 ? milliseconds(in.timeout_ms()) : seconds(2);
    p.rise = in.rise() != 0 ? static_cast<unsigned>(in.rise()) : 2;
    p.fall = in.fall() != 0 ? static_cast<unsigned>(in.fall()) : 3;
    p.initialState = static_cast<health::HealthState>(in.initial_status());
    p.deregisterAfter = milliseconds(in.deregister_after_ms());
    p.jitter = in.has_jitter_ms() ? milliseconds(in.jitter_ms()) : p.interval / 10;
    p.flap.maxTransitions =
        in.has_flap_max_transitions() ? static_cast<std::size_t>(in.flap_max_transitions()) : 5;
    p.flap.window = in.flap_window_ms() != 0 ? milliseconds(in.flap_window_ms()) : minutes(5);
    check.panicThreshold =
        in.has_panic_threshold() ? in.panic_threshold() : registry::kDefaultPanicThreshold;
    return check;
}

grpc::ServerUnaryReactor *
HealthServiceImpl::GetHealthCheck(grpc::CallbackServerContext *context,
                                  const aegis::v1::GetHealthCheckRequest *request,
                                  aegis::v1::GetHealthCheckResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.HealthService/GetHealthCheck");
    if (!call->authorized()) {
        return call->reactor();
    }
    if (Status valid = registry::Registry::validateServiceName(request->service(), "service");
        !valid.isOk()) {
        call->finish(valid);
        return call->reactor();
    }
    store::Revision revision = 0;
    const auto stored = m_monitor.check(request->service(), &revision);
    if (!stored) {
        call->finish(
            notFound("service " + quoteInput(request->service()) + " has no health check"));
        return call->reactor();
    }
    response->mutable_header()->set_revision(revision);
    toProto(stored->check, response->mutable_check());
    response->set_mod_revision(stored->modRevision);
    call->finish(Status::ok());
    return call->reactor();
}

grpc::ServerUnaryReactor *
HealthServiceImpl::UpdateHealthCheck(grpc::CallbackServerContext *context,
                                     const aegis::v1::UpdateHealthCheckRequest *request,
                                     aegis::v1::UpdateHealthCheckResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.HealthService/UpdateHealthCheck",
                                 "services/" + request->service().substr(0, 63) + "/health-check");
    if (!call->authorized()) {
        return call->reactor();
    }
    const auto &in = request->check();
    for (const auto &[field, value, low, high] :
         {std::tuple<const char *, std::int64_t, std::int64_t, std::int64_t>{"check.port",
                                                                             in.port(), 0, 65535},
          {"check.rise", in.rise(), 0, 100},
          {"check.fall", in.fall(), 0, 100},
          {"check.initial_status", in.initial_status(), 0, 3},
          {"check.jitter_ms", in.jitter_ms(), 0, 1'800'000},
          {"check.flap_max_transitions", in.flap_max_transitions(), 0, 1000},
          {"check.deregister_after_ms", in.deregister_after_ms(), 0, 7 * 86'400'000LL}}) {
        if (value < low || value > high) {
            call->finish(invalidArgument(std::string(field) + " must be between " +
                                         std::to_string(low) + " and " + std::to_string(high) +
                                         " (got " + std::to_string(value) + ")"));
            return call->reactor();
        }
    }
    health::ServiceCheck check = fromProto(in);
    call->setSummary("health check " + check.kind.substr(0, 16) + " every " +
                     formatDuration(check.params.interval) + ", rise " +
                     std::to_string(check.params.rise) + ", fall " +
                     std::to_string(check.params.fall));
    m_monitor.setCheck(request->service(), check, request->expected_revision(),
                       [call, response, check](StatusOr<store::Revision> revision) {
                           if (!revision) {
                               return call->finish(revision.status());
                           }
                           response->mutable_header()->set_revision(*revision);
                           toProto(check, response->mutable_check());
                           response->set_mod_revision(*revision);
                           call->finish(Status::ok(), *revision, true);
                       },
                       {call->auditOperation()});
    return call->reactor();
}

grpc::ServerUnaryReactor *
HealthServiceImpl::DeleteHealthCheck(grpc::CallbackServerContext *context,
                                     const aegis::v1::DeleteHealthCheckRequest *request,
                                     aegis::v1::DeleteHealthCheckResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.HealthService/DeleteHealthCheck",
                                 "services/" + request->service().substr(0, 63) + "/health-check");
    if (!call->authorized()) {
        return call->reactor();
    }
    call->setSummary("delete health check");
    m_monitor.deleteCheck(request->service(),
                          [call, response](StatusOr<store::Revision> revision) {
                              if (!revision) {
                                  return call->finish(revision.status());
                              }
                              response->mutable_header()->set_revision(*revision);
                              call->finish(Status::ok(), *revision, true);
                          },
                          {call->auditOperation()});
    return call->reactor();
}

grpc::ServerUnaryReactor *
HealthServiceImpl::GetInstanceHealth(grpc::CallbackServerContext *context,
                                     const aegis::v1::GetInstanceHealthRequest *request,
                                     aegis::v1::GetInstanceHealthResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.HealthService/GetInstanceHealth");
    if (!call->authorized()) {
        return call->reactor();
    }
    if (Status valid = validateInstanceName(request->service(), request->instance_id());
        !valid.isOk()) {
        call->finish(valid);
        return call->reactor();
    }
    store::Revision revision = 0;
    const auto instance =
        m_registry.instance(request->service(), request->instance_id(), &revision);
    if (!instance) {
        call->finish(notFound("service " + quoteInput(request->service()) + " has no instance " +
                              quoteInput(request->instance_id())));
        return call->reactor();
    }
    response->mutable_header()->set_revision(revision);
    api::toProto(instance->health, response->mutable_health());
    response->set_routable(instance->routable);
    if (const auto detail = m_monitor.detail(request->service(), request->instance_id())) {
        auto *out = response->mutable_check();
        out->set_kind(detail->kind);
        out->set_target(detail->target);
        out->set_status(static_cast<aegis::v1::HealthStatus>(detail->snapshot.state));
        out->set_last_output(detail->snapshot.lastOutput);
        out->set_consecutive_passing(
            static_cast<std::int32_t>(detail->snapshot.consecutivePassing));
        out->set_consecutive_failing(
            static_cast<std::int32_t>(detail->snapshot.consecutiveFailing));
        out->set_probe_count(static_cast<std::int64_t>(detail->snapshot.probeCount));
        out->set_consecutive_call_failures(
            static_cast<std::int32_t>(detail->outlier.consecutiveFailures));
        out->set_ejection_count(static_cast<std::int32_t>(detail->outlier.ejections));
    }
    call->finish(Status::ok());
    return call->reactor();
}

grpc::ServerUnaryReactor *
HealthServiceImpl::ListHealthHistory(grpc::CallbackServerContext *context,
                                     const aegis::v1::ListHealthHistoryRequest *request,
                                     aegis::v1::ListHealthHistoryResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.HealthService/ListHealthHistory");
    if (!call->authorized()) {
        return call->reactor();
    }
    auto pageSize = pageSizeOrDefault(request->page_size());
    const std::string &token = request->page_token();
    const bool tokenValid =
        token.empty() ||
        (token.size() == 16 && token.find_first_not_of("0123456789") == std::string::npos);
    for (const Status &status :
         {validateInstanceName(request->service(), request->instance_id()), pageSize.status(),
          tokenValid ? Status::ok()
                     : invalidArgument("page_token is not one this server issued")}) {
        if (!status.isOk()) {
            call->finish(status);
            return call->reactor();
        }
    }
    // Newest first: a descending range below the last key of the previous page.
    const std::string prefix =
        HealthMonitor::historyPrefix(request->service(), request->instance_id());
    store::RangeRequest range;
    range.start = prefix;
    range.end = token.empty() ? store::prefixEnd(prefix) : prefix + token;
    range.limit = *pageSize;
    range.descending = true;
    auto result = m_api.store.range(range);
    if (!result) {
        call->finish(result.status());
        return call->reactor();
    }
    response->mutable_header()->set_revision(result->revision);
    for (const auto &kv : result->kvs) {
        if (auto transition = HealthMonitor::decodeTransition(kv)) {
            transitionToProto(*transition, response->add_transitions());
        }
    }
    if (result->more && !result->kvs.empty()) {
        const std::string &last = result->kvs.back().key;
        response->set_next_page_token(last.substr(last.rfind('/') + 1));
    }
    call->finish(Status::ok());
    return call->reactor();
}

grpc::ServerWriteReactor<aegis::v1::WatchHealthResponse> *
HealthServiceImpl::WatchHealth(grpc::CallbackServerContext *context,
                               const aegis::v1::WatchHealthRequest *request) {
    auto open = [this, request](std::function<void()> notify) {
        return openWatch(*request, std::move(notify));
    };
    return new WatchStream<aegis::v1::WatchHealthResponse>(m_api, context, kWatchMethod, open);
}

StatusOr<WatchFeedPtr<aegis::v1::WatchHealthResponse>>
HealthServiceImpl::openWatch(const aegis::v1::WatchHealthRequest &request,
                             std::function<void()> notify) {
    std::string prefix(HealthMonitor::kHistoryPrefix);
    if (!request.service().empty()) {
        if (Status valid = registry::Registry::validateServiceName(request.service(), "service");
            !valid.isOk()) {
            return valid;
        }
        prefix += request.service() + "/";
    }
    auto watcher = m_api.hub.watch(prefix, request.start_revision(), std::move(notify));
    if (!watcher) {
        return watcher.status();
    }
    auto convert = [](const std::vector<store::Event> &events,
                      aegis::v1::WatchHealthResponse &response) {
        convertTransitions(events, response);
        return response.transitions_size() > 0;
    };
    return WatchFeedPtr<aegis::v1::WatchHealthResponse>(
        std::make_unique<SourceWatchFeed<aegis::v1::WatchHealthResponse, store::Watcher>>(
            std::move(*watcher), std::move(convert)));
}

grpc::ServerUnaryReactor *
HealthServiceImpl::ReportHealth(grpc::CallbackServerContext *context,
                                const aegis::v1::ReportHealthRequest *request,
                                aegis::v1::ReportHealthResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.HealthService/ReportHealth",
                                 instanceResource(request->service(), request->instance_id()),
                                 request->service());
    if (!call->authorized()) {
        return call->reactor();
    }
    Status valid = validateInstanceName(request->service(), request->instance_id());
    if (valid.isOk() && (request->status() < aegis::v1::HEALTH_STATUS_PASSING ||
                         request->status() > aegis::v1::HEALTH_STATUS_CRITICAL)) {
        valid = invalidArgument("status must be HEALTH_STATUS_PASSING, HEALTH_STATUS_WARNING or "
                                "HEALTH_STATUS_CRITICAL");
    }
    if (valid.isOk() && request->output().size() > kMaxReportOutput) {
        valid = invalidArgument("output may be at most 1024 bytes (got " +
                                std::to_string(request->output().size()) + ")");
    }
    if (!valid.isOk()) {
        call->finish(valid);
        return call->reactor();
    }
    const health::ProbeResult result{static_cast<health::HealthState>(request->status()),
                                     request->output()};
    m_monitor.report(request->service(), request->instance_id(), result,
                     [this, call, response](Status reported) {
                         response->mutable_header()->set_revision(m_api.store.currentRevision());
                         call->finish(reported);
                     });
    return call->reactor();
}

grpc::ServerUnaryReactor *
HealthServiceImpl::ReportCallOutcomes(grpc::CallbackServerContext *context,
                                      const aegis::v1::ReportCallOutcomesRequest *request,
                                      aegis::v1::ReportCallOutcomesResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.HealthService/ReportCallOutcomes",
                                 "services/" + request->service().substr(0, 63));
    if (!call->authorized()) {
        return call->reactor();
    }
    const std::string reporter =
        call->caller().name + "@" + FailedAuthLimiter::peerAddress(call->caller().peer);
    if (!m_outcomeReports.take(reporter, m_api.clock->steadyNow())) {
        call->finish(Status(StatusCode::ResourceExhausted,
                            "token '" + call->caller().name + "' reports call outcomes from " +
                                FailedAuthLimiter::peerAddress(call->caller().peer) +
                                " more than " +
                                std::to_string(static_cast<int>(kOutcomeReportsPerSecond)) +
                                " times a second: gather them into fewer calls (each takes up to "
                                "1000 outcomes)"));
        return call->reactor();
    }
    Status valid = registry::Registry::validateServiceName(request->service(), "service");
    if (valid.isOk() && request->outcomes_size() > kMaxOutcomes) {
        valid = invalidArgument("outcomes may have at most 1000 entries (got " +
                                std::to_string(request->outcomes_size()) + ")");
    }
    std::vector<health::CallOutcome> outcomes;
    if (valid.isOk()) {
        outcomes.reserve(static_cast<std::size_t>(request->outcomes_size()));
    }
    for (int i = 0; valid.isOk() && i < request->outcomes_size(); ++i) {
        const auto &in = request->outcomes(i);
        const std::string field = "outcomes[" + std::to_string(i) + "]";
        valid = registry::Registry::validateInstanceId(in.instance_id(), field + ".instance_id");
        if (valid.isOk() &&
            (in.successes() < 0 || in.failures() < 0 || in.trailing_failures() < 0 ||
             in.trailing_failures() > in.failures())) {
            valid = invalidArgument(field + ": counts must not be negative, and "
                                            "trailing_failures at most failures");
        }
        outcomes.push_back({in.instance_id(), static_cast<std::uint32_t>(in.successes()),
                            static_cast<std::uint32_t>(in.failures()),
                            static_cast<std::uint32_t>(in.trailing_failures())});
    }
    if (!valid.isOk()) {
        call->finish(valid);
        return call->reactor();
    }
    for (auto &id : m_monitor.recordOutcomes(request->service(), outcomes)) {
        response->add_ejected(std::move(id));
    }
    response->mutable_header()->set_revision(m_api.store.currentRevision());
    call->finish(Status::ok());
    return call->reactor();
}

} // namespace aegis::api
