#include "api/metrics_service.h"

#include "api/convert.h"
#include "api/stream_end.h"
#include "common/duration.h"
#include "common/time_millis.h"
#include "metrics/query_error.h"

#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>

namespace aegis::api {
namespace {

using namespace std::chrono;
namespace v1 = aegis::v1;

constexpr std::size_t kMaxQueryBytes = 16384;
constexpr milliseconds kMaxTimeout = seconds(120);
constexpr std::int32_t kDefaultMaxPoints = 1100;
constexpr std::int32_t kMaxPoints = 11000;
constexpr int kMaxMatchers = 32;
constexpr std::int32_t kDefaultSeriesLimit = 1000;
constexpr std::int32_t kMaxSeriesLimit = 10000;
constexpr std::int32_t kDefaultValuesLimit = 10000;
constexpr std::int32_t kMaxValuesLimit = 100000;
constexpr milliseconds kDefaultSelectionRange = hours(1);
constexpr milliseconds kDefaultWatchWindow = minutes(15);
constexpr milliseconds kMaxWatchWindow = hours(24 * 7);
constexpr milliseconds kMinWatchStep = seconds(1);
constexpr milliseconds kMaxWatchInterval = minutes(10);
constexpr std::string_view kWatchMethod = "/aegis.v1.MetricsService/WatchQuery";
constexpr const char *kPositionTrailer = "aegis-query-position";

std::string range(std::int64_t low, std::int64_t high) {
    return std::to_string(low) + " to " + std::to_string(high);
}

Status validateQuery(const std::string &query) {
    if (query.empty() || query.size() > kMaxQueryBytes) {
        return invalidArgument("query must be 1 to 16384 bytes (got " +
                               std::to_string(query.size()) + ")");
    }
    return Status::ok();
}

Status validateMatchers(const google::protobuf::RepeatedPtrField<std::string> &matchers,
                        bool required) {
    if ((required && matchers.empty()) || matchers.size() > kMaxMatchers) {
        return invalidArgument("matchers must have " + std::string(required ? "1" : "0") +
                               " to 32 entries (got " + std::to_string(matchers.size()) + ")");
    }
    for (int i = 0; i < matchers.size(); ++i) {
        if (matchers[i].empty() || matchers[i].size() > kMaxQueryBytes) {
            return invalidArgument("matchers[" + std::to_string(i) +
                                   "] must be 1 to 16384 bytes (got " +
                                   std::to_string(matchers[i].size()) + ")");
        }
    }
    return Status::ok();
}

// A limit field: `fallback` when 0, else within [1, high].
StatusOr<std::int32_t> limitOf(std::int32_t value, std::string_view field, std::int32_t fallback,
                               std::int32_t low, std::int32_t high) {
    if (value == 0) {
        return fallback;
    }
    if (value < low || value > high) {
        return invalidArgument(std::string(field) + " must be " + range(low, high) + " (got " +
                               std::to_string(value) + ")");
    }
    return value;
}

// How long the backend may evaluate: the request's timeout_ms (0: metrics.query_timeout), never
// more than metrics.query_timeout, nor than what is left of the call's deadline.
StatusOr<milliseconds> timeoutOf(std::int64_t timeoutMs, milliseconds queryTimeout,
                                 const grpc::CallbackServerContext &context) {
    if (timeoutMs < 0 || milliseconds(timeoutMs) > kMaxTimeout) {
        return invalidArgument("timeout_ms must be 0 to 120000 (got " + std::to_string(timeoutMs) +
                               ")");
    }
    milliseconds timeout = timeoutMs == 0 ? queryTimeout : milliseconds(timeoutMs);
    timeout = std::min(timeout, queryTimeout);
    const auto deadline = context.deadline();
    if (deadline < system_clock::time_point::max()) {
        const auto left = duration_cast<milliseconds>(deadline - system_clock::now());
        timeout = std::max(milliseconds(1), std::min(timeout, left));
    }
    return timeout;
}

struct TimeRange {
    system_clock::time_point start;
    system_clock::time_point end;
};

// start and end of a request: `end` defaults to now, `start` to end - defaultRange (when
// defaultRange is zero, start is required).
StatusOr<TimeRange> rangeOf(bool hasStart, const google::protobuf::Timestamp &start, bool hasEnd,
                            const google::protobuf::Timestamp &end, system_clock::time_point now,
                            milliseconds defaultRange) {
    for (const auto &[has, time, field] :
         {std::tuple{hasStart, &start, "start"}, std::tuple{hasEnd, &end, "end"}}) {
        if (has) {
            if (Status valid = validateTimestamp(*time, field); !valid.isOk()) {
                return valid;
            }
        }
    }
    TimeRange out;
    out.end = hasEnd ? fromProto(end) : now;
    if (!hasStart && defaultRange == milliseconds::zero()) {
        return invalidArgument("start is required");
    }
    out.start = hasStart ? fromProto(start) : out.end - defaultRange;
    if (out.end <= out.start) {
        return invalidArgument("end must be after start");
    }
    return out;
}

template <typename Request>
StatusOr<TimeRange> rangeOf(const Request &request, system_clock::time_point now,
                            milliseconds defaultRange) {
    return rangeOf(request.has_start(), request.start(), request.has_end(), request.end(), now,
                   defaultRange);
}

// The matchers and time range of a Series, LabelNames or LabelValues request, checked in that
// order (the first problem is the one reported).
template <typename Request>
StatusOr<metrics::SeriesSelection> selectionOf(const Request &request, bool matchersRequired,
                                               system_clock::time_point now) {
    if (Status valid = validateMatchers(request.matchers(), matchersRequired); !valid.isOk()) {
        return valid;
    }
    const auto span = rangeOf(request, now, kDefaultSelectionRange);
    if (!span) {
        return span.status();
    }
    return metrics::SeriesSelection{
        {request.matchers().begin(), request.matchers().end()}, span->start, span->end};
}

bool isLabelName(const std::string &name) {
    if (name.empty() || name.size() > 1024 || std::isdigit(static_cast<unsigned char>(name[0]))) {
        return false;
    }
    return std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
    });
}

void labelsToProto(const metrics::Labels &labels,
                   google::protobuf::RepeatedPtrField<v1::Label> *out) {
    out->Reserve(static_cast<int>(labels.size()));
    for (const auto &[name, value] : labels) {
        auto *label = out->Add();
        label->set_name(name);
        label->set_value(value);
    }
}

// The points of `series` from index `from` on.
void seriesToProto(const metrics::Series &series, v1::Series *out, std::size_t from = 0) {
    labelsToProto(series.labels, out->mutable_labels());
    out->mutable_timestamps_ms()->Add(series.timestampsMs.begin() + static_cast<long>(from),
                                      series.timestampsMs.end());
    out->mutable_values()->Add(series.values.begin() + static_cast<long>(from),
                               series.values.end());
}

v1::ResultType resultTypeToProto(metrics::ResultType type) {
    switch (type) {
    case metrics::ResultType::Vector:
        return v1::RESULT_TYPE_VECTOR;
    case metrics::ResultType::Matrix:
        return v1::RESULT_TYPE_MATRIX;
    case metrics::ResultType::Scalar:
        return v1::RESULT_TYPE_SCALAR;
    case metrics::ResultType::String:
        return v1::RESULT_TYPE_STRING;
    }
    return v1::RESULT_TYPE_UNSPECIFIED;
}

void statusToProto(const metrics::BackendStatus &status, v1::MetricsBackendStatus *out) {
    switch (status.mode) {
    case metrics::BackendMode::None:
        out->set_mode(v1::METRICS_BACKEND_MODE_NONE);
        break;
    case metrics::BackendMode::Managed:
        out->set_mode(v1::METRICS_BACKEND_MODE_MANAGED);
        break;
    case metrics::BackendMode::External:
        out->set_mode(v1::METRICS_BACKEND_MODE_EXTERNAL);
        break;
    }
    switch (status.state) {
    case metrics::BackendState::Disabled:
        out->set_state(v1::METRICS_BACKEND_STATE_DISABLED);
        break;
    case metrics::BackendState::Starting:
        out->set_state(v1::METRICS_BACKEND_STATE_STARTING);
        break;
    case metrics::BackendState::Ready:
        out->set_state(v1::METRICS_BACKEND_STATE_READY);
        break;
    case metrics::BackendState::Down:
        out->set_state(v1::METRICS_BACKEND_STATE_DOWN);
        break;
    }
    out->set_url(status.url);
    out->set_detail(status.detail);
    out->set_restarts(status.restarts);
    if (status.since != system_clock::time_point{}) {
        toProto(status.since, out->mutable_since());
    }
    out->set_scrape_interval_ms(status.scrapeInterval.count());
}

void targetToProto(const metrics::Target &target, v1::Target *out) {
    labelsToProto(target.labels, out->mutable_labels());
    out->set_scrape_url(target.scrapeUrl);
    out->set_scrape_pool(target.scrapePool);
    switch (target.health) {
    case metrics::TargetHealth::Unknown:
        out->set_health(v1::TARGET_HEALTH_UNKNOWN);
        break;
    case metrics::TargetHealth::Up:
        out->set_health(v1::TARGET_HEALTH_UP);
        break;
    case metrics::TargetHealth::Down:
        out->set_health(v1::TARGET_HEALTH_DOWN);
        break;
    }
    out->set_last_error(target.lastError);
    if (target.lastScrape != system_clock::time_point{}) {
        toProto(target.lastScrape, out->mutable_last_scrape());
    }
    out->set_last_scrape_duration_us(target.lastScrapeDuration.count());
}

// A rejected query's position as the "aegis-query-position" trailer ("LINE:COLUMN").
void addQueryPosition(grpc::CallbackServerContext *context, const Status &status) {
    if (status.code() != StatusCode::InvalidArgument) {
        return;
    }
    if (const auto position = metrics::queryErrorPosition(status.message())) {
        context->AddTrailingMetadata(kPositionTrailer, std::to_string(position->line) + ":" +
                                                           std::to_string(position->column));
    }
}

// A series' identity within a watch.
std::string seriesKey(const metrics::Labels &labels) {
    std::string key;
    for (const auto &[name, value] : labels) {
        key += name;
        key += '\0';
        key += value;
        key += '\0';
    }
    return key;
}

std::string seriesKey(const v1::Series &series) {
    std::string key;
    for (const auto &label : series.labels()) {
        key += label.name();
        key += '\0';
        key += label.value();
        key += '\0';
    }
    return key;
}

// Appends `later` (a message that only appends) to `earlier`, which a slow client has not taken
// yet: one message per series, points in order.
void mergeInto(v1::WatchQueryResponse &earlier, v1::WatchQueryResponse &&later) {
    std::map<std::string, v1::Series *> byKey;
    for (auto &series : *earlier.mutable_series()) {
        byKey.emplace(seriesKey(series), &series);
    }
    for (auto &series : *later.mutable_series()) {
        const auto it = byKey.find(seriesKey(series));
        if (it == byKey.end()) {
            *earlier.add_series() = std::move(series);
            continue;
        }
        it->second->mutable_timestamps_ms()->Add(series.timestamps_ms().begin(),
                                                 series.timestamps_ms().end());
        it->second->mutable_values()->Add(series.values().begin(), series.values().end());
    }
    *earlier.mutable_header() = later.header();
    *earlier.mutable_evaluated_at() = later.evaluated_at();
    earlier.set_step_ms(later.step_ms());
    earlier.set_backend_error(later.backend_error());
}

// What a WatchQuery evaluates, once validated.
struct WatchPlan {
    std::string query;
    milliseconds window;
    milliseconds step;
    milliseconds interval;
    milliseconds timeout;
};

StatusOr<WatchPlan> watchPlanOf(const v1::WatchQueryRequest &request, milliseconds queryTimeout) {
    if (Status valid = validateQuery(request.query()); !valid.isOk()) {
        return valid;
    }
    WatchPlan plan;
    plan.query = request.query();
    plan.window =
        request.window_ms() == 0 ? kDefaultWatchWindow : milliseconds(request.window_ms());
    if (plan.window < seconds(1) || plan.window > kMaxWatchWindow) {
        return invalidArgument("window_ms must be 1000 to 604800000 (got " +
                               std::to_string(request.window_ms()) + ")");
    }
    if (request.step_ms() != 0 && request.step_ms() < kMinWatchStep.count()) {
        return invalidArgument("step_ms must be at least 1000 (got " +
                               std::to_string(request.step_ms()) + ")");
    }
    auto maxPoints = limitOf(request.max_points(), "max_points", kDefaultMaxPoints, 2, kMaxPoints);
    if (!maxPoints) {
        return maxPoints.status();
    }
    plan.step = std::max(
        kMinWatchStep,
        MetricsServiceImpl::widenedStep(plan.window, milliseconds(request.step_ms()), *maxPoints));
    if (request.interval_ms() != 0 &&
        (request.interval_ms() < 1000 || milliseconds(request.interval_ms()) > kMaxWatchInterval)) {
        return invalidArgument("interval_ms must be 1000 to 600000 (got " +
                               std::to_string(request.interval_ms()) + ")");
    }
    plan.interval = request.interval_ms() != 0 ? milliseconds(request.interval_ms())
                                               : std::min(plan.step, kMaxWatchInterval);
    plan.timeout = queryTimeout;
    return plan;
}

// WatchQuery: evaluates the window once (the snapshot), then every interval the steps after the
// last one evaluated, sending only points newer than those sent for each series. Evaluations run
// one at a time on the executor's timer; a message waiting behind a slow client absorbs the next
// ones. Registered with the StreamCloser like every watch, so shutdown and revocation end it.
class WatchQueryStream final : public grpc::ServerWriteReactor<v1::WatchQueryResponse> {
public:
    WatchQueryStream(ApiContext &api, metrics::QueryBackend &backend,
                     const boost::asio::any_io_executor &executor,
                     grpc::CallbackServerContext *context, const v1::WatchQueryRequest &request,
                     milliseconds queryTimeout)
        : m_api(api)
        , m_backend(backend)
        , m_context(context)
        , m_rpc(api.metrics.openStream(std::string(kWatchMethod)))
        , m_state(std::make_shared<State>(executor)) {
        m_rpc->received(); // the request
        m_state->stream = this;
        Caller caller;
        Status status = authorizeMethod(api, *context, kWatchMethod, caller);
        if (status.isOk()) {
            auto plan = watchPlanOf(request, queryTimeout);
            status = plan.status();
            if (plan) {
                m_plan = std::move(*plan);
            }
        }
        if (status.isOk()) {
            m_closerId = addStateStream(api, m_state, caller);
        }
        std::lock_guard lock(m_state->mutex);
        if (!status.isOk()) {
            finishLocked(status);
            return;
        }
        evaluateLocked();
    }

    void OnWriteDone(bool ok) override {
        std::lock_guard lock(m_state->mutex);
        const std::optional<Status> pendingFinish = m_end.writeDone();
        if (ok) {
            m_rpc->sent();
        }
        if (pendingFinish) {
            finishLocked(*pendingFinish);
        } else if (!ok) {
            finishLocked(Status(StatusCode::Cancelled, "the client went away"));
        } else if (m_pending) {
            auto next = std::move(*m_pending);
            m_pending.reset();
            sendLocked(std::move(next));
        }
    }

    void OnCancel() override {
        std::lock_guard lock(m_state->mutex);
        finishLocked(Status(StatusCode::Cancelled, "the watch was cancelled"));
    }

    void OnDone() override {
        m_api.streams.remove(m_closerId);
        {
            std::lock_guard lock(m_state->mutex);
            m_state->stream = nullptr;
            m_state->timer.cancel();
        }
        delete this;
    }

private:
    // Registers the stream with the StreamCloser (calls finishLocked()).
    template <typename State>
    friend std::uint64_t api::addStateStream(ApiContext &, const std::shared_ptr<State> &,
                                             const Caller &);
    // Shared with the timer and the backend's callbacks, which may run after the stream is gone.
    // Recursive because gRPC may run a reaction inline from StartWrite or Finish.
    struct State {
        explicit State(const boost::asio::any_io_executor &executor)
            : timer(executor) {}
        std::recursive_mutex mutex;
        WatchQueryStream *stream = nullptr;
        boost::asio::steady_timer timer;
    };

    void evaluateLocked() {
        if (m_end.finished()) {
            return;
        }
        const std::int64_t stepMs = m_plan.step.count();
        // On a grid of whole steps, so the tail continues the snapshot's points exactly.
        const std::int64_t endMs = toMillis(m_api.clock->now()) / stepMs * stepMs;
        const bool snapshot = m_snapshotDue;
        const std::int64_t startMs =
            snapshot ? endMs - m_plan.window.count() / stepMs * stepMs : m_lastEndMs + stepMs;
        if (startMs > endMs) {
            return scheduleLocked();
        }
        metrics::RangeQuery query{m_plan.query, fromMillis(startMs), fromMillis(endMs), m_plan.step,
                                  m_plan.timeout};
        m_backend.queryRange(std::move(query), [state = m_state, snapshot,
                                                endMs](StatusOr<metrics::QueryResult> result) {
            std::lock_guard lock(state->mutex);
            if (state->stream != nullptr) {
                state->stream->evaluatedLocked(std::move(result), snapshot, endMs);
            }
        });
    }

    void evaluatedLocked(StatusOr<metrics::QueryResult> result, bool snapshot, std::int64_t endMs) {
        if (m_end.finished()) {
            return;
        }
        v1::WatchQueryResponse message;
        message.mutable_header()->set_revision(m_api.store.currentRevision());
        message.set_step_ms(m_plan.step.count());
        toProto(fromMillis(endMs), message.mutable_evaluated_at());
        if (!result) {
            const Status &error = result.status();
            if (error.code() != StatusCode::Unavailable &&
                error.code() != StatusCode::DeadlineExceeded) {
                addQueryPosition(m_context, error);
                return finishLocked(error);
            }
            m_snapshotDue = true;
            if (error.message() != m_backendError) {
                m_backendError = error.message();
                message.set_backend_error(m_backendError);
                sendLocked(std::move(message));
            }
            return scheduleLocked();
        }
        m_lastEndMs = endMs;
        if (snapshot) {
            m_sent.clear();
            m_snapshotDue = false;
            m_backendError.clear();
            message.set_snapshot(true);
        }
        for (const metrics::Series &series : result->series) {
            if (series.timestampsMs.empty()) {
                continue;
            }
            auto [sent, added] = m_sent.try_emplace(seriesKey(series.labels),
                                                    std::numeric_limits<std::int64_t>::min());
            const auto from = std::upper_bound(series.timestampsMs.begin(),
                                               series.timestampsMs.end(), sent->second);
            if (from == series.timestampsMs.end()) {
                continue;
            }
            seriesToProto(series, message.add_series(),
                          static_cast<std::size_t>(from - series.timestampsMs.begin()));
            sent->second = series.timestampsMs.back();
        }
        if (snapshot || message.series_size() > 0) {
            sendLocked(std::move(message));
        }
        scheduleLocked();
    }

    void scheduleLocked() {
        if (m_end.finished()) {
            return;
        }
        m_state->timer.expires_after(m_plan.interval);
        m_state->timer.async_wait([state = m_state](const boost::system::error_code &error) {
            if (error) {
                return;
            }
            std::lock_guard lock(state->mutex);
            if (state->stream != nullptr) {
                state->stream->evaluateLocked();
            }
        });
    }

    void sendLocked(v1::WatchQueryResponse message) {
        if (m_end.ending()) {
            return;
        }
        if (!m_end.writing()) {
            m_out = std::move(message);
            m_end.startWrite();
            StartWrite(&m_out);
        } else if (!m_pending || message.snapshot()) {
            m_pending = std::move(message);
        } else {
            mergeInto(*m_pending, std::move(message));
        }
    }

    void finishLocked(const Status &status) {
        if (!m_end.finishNow(status)) {
            return;
        }
        m_state->timer.cancel();
        m_rpc->finished(status.code());
        Finish(toGrpc(status));
    }

    ApiContext &m_api;
    metrics::QueryBackend &m_backend;
    grpc::CallbackServerContext *m_context; // Owned by gRPC.
    const std::unique_ptr<RpcStreamMetrics> m_rpc;
    std::shared_ptr<State> m_state;
    std::uint64_t m_closerId = 0;
    WatchPlan m_plan;

    // Under m_state->mutex.
    bool m_snapshotDue = true;
    std::int64_t m_lastEndMs = 0;
    // The newest timestamp sent per series.
    std::map<std::string, std::int64_t> m_sent;
    // The backend error last sent ("" while the backend answers).
    std::string m_backendError;
    v1::WatchQueryResponse m_out;
    std::optional<v1::WatchQueryResponse> m_pending;
    StreamEnd m_end;
};

} // namespace

MetricsServiceImpl::MetricsServiceImpl(ApiContext &api, metrics::QueryBackend &backend,
                                       StatusSource status, boost::asio::any_io_executor executor,
                                       milliseconds queryTimeout)
    : m_api(api)
    , m_backend(backend)
    , m_status(std::move(status))
    , m_executor(std::move(executor))
    , m_queryTimeout(std::min(queryTimeout, kMaxTimeout)) {}

milliseconds MetricsServiceImpl::widenedStep(milliseconds range, milliseconds wanted,
                                             std::int32_t maxPoints) {
    // n points span n - 1 steps: range / step + 1 <= maxPoints.
    const std::int64_t steps = std::max<std::int64_t>(1, maxPoints - 1);
    const milliseconds narrowest((range.count() + steps - 1) / steps);
    return std::max({wanted, narrowest, milliseconds(1)});
}

grpc::ServerUnaryReactor *MetricsServiceImpl::Query(grpc::CallbackServerContext *context,
                                                    const v1::QueryRequest *request,
                                                    v1::QueryResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.MetricsService/Query");
    if (!call->authorized()) {
        return call->reactor();
    }
    Status valid = validateQuery(request->query());
    if (valid.isOk() && request->has_time()) {
        valid = validateTimestamp(request->time(), "time");
    }
    const auto timeout = timeoutOf(request->timeout_ms(), m_queryTimeout, *context);
    if (valid.isOk()) {
        valid = timeout.status();
    }
    if (!valid.isOk()) {
        call->finish(valid);
        return call->reactor();
    }
    metrics::InstantQuery query{
        request->query(), request->has_time() ? fromProto(request->time()) : m_api.clock->now(),
        *timeout};
    m_backend.query(
        std::move(query), [this, call, context, response](StatusOr<metrics::QueryResult> result) {
            if (!result) {
                addQueryPosition(context, result.status());
                return call->finish(result.status());
            }
            response->mutable_header()->set_revision(m_api.store.currentRevision());
            response->set_result_type(resultTypeToProto(result->type));
            response->mutable_series()->Reserve(static_cast<int>(result->series.size()));
            for (const auto &series : result->series) {
                seriesToProto(series, response->add_series());
            }
            response->set_string_value(std::move(result->stringValue));
            response->mutable_warnings()->Add(result->warnings.begin(), result->warnings.end());
            call->finish(Status::ok());
        });
    return call->reactor();
}

grpc::ServerUnaryReactor *MetricsServiceImpl::QueryRange(grpc::CallbackServerContext *context,
                                                         const v1::QueryRangeRequest *request,
                                                         v1::QueryRangeResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.MetricsService/QueryRange");
    if (!call->authorized()) {
        return call->reactor();
    }
    Status valid = validateQuery(request->query());
    const auto span = rangeOf(*request, m_api.clock->now(), milliseconds::zero());
    if (valid.isOk()) {
        valid = span.status();
    }
    if (valid.isOk() && request->step_ms() < 0) {
        valid = invalidArgument("step_ms must be at least 1 (got " +
                                std::to_string(request->step_ms()) + ")");
    }
    const auto maxPoints =
        limitOf(request->max_points(), "max_points", kDefaultMaxPoints, 2, kMaxPoints);
    if (valid.isOk()) {
        valid = maxPoints.status();
    }
    const auto timeout = timeoutOf(request->timeout_ms(), m_queryTimeout, *context);
    if (valid.isOk()) {
        valid = timeout.status();
    }
    if (!valid.isOk()) {
        call->finish(valid);
        return call->reactor();
    }
    const milliseconds step = widenedStep(duration_cast<milliseconds>(span->end - span->start),
                                          milliseconds(request->step_ms()), *maxPoints);
    metrics::RangeQuery query{request->query(), span->start, span->end, step, *timeout};
    m_backend.queryRange(std::move(query), [this, call, context, response,
                                            step](StatusOr<metrics::QueryResult> result) {
        if (!result) {
            addQueryPosition(context, result.status());
            return call->finish(result.status());
        }
        response->mutable_header()->set_revision(m_api.store.currentRevision());
        response->set_result_type(resultTypeToProto(result->type));
        response->mutable_series()->Reserve(static_cast<int>(result->series.size()));
        for (const auto &series : result->series) {
            seriesToProto(series, response->add_series());
        }
        response->set_step_ms(step.count());
        response->mutable_warnings()->Add(result->warnings.begin(), result->warnings.end());
        call->finish(Status::ok());
    });
    return call->reactor();
}

grpc::ServerUnaryReactor *MetricsServiceImpl::Series(grpc::CallbackServerContext *context,
                                                     const v1::SeriesRequest *request,
                                                     v1::SeriesResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.MetricsService/Series");
    if (!call->authorized()) {
        return call->reactor();
    }
    auto selection = selectionOf(*request, true, m_api.clock->now());
    const auto limit = limitOf(request->limit(), "limit", kDefaultSeriesLimit, 1, kMaxSeriesLimit);
    if (Status valid = selection ? limit.status() : selection.status(); !valid.isOk()) {
        call->finish(valid);
        return call->reactor();
    }
    m_backend.series(std::move(*selection), [this, call, response, limit = *limit](
                                                StatusOr<std::vector<metrics::Labels>> sets) {
        if (!sets) {
            return call->finish(sets.status());
        }
        response->mutable_header()->set_revision(m_api.store.currentRevision());
        const std::size_t kept = std::min(sets->size(), static_cast<std::size_t>(limit));
        for (std::size_t i = 0; i < kept; ++i) {
            labelsToProto((*sets)[i], response->add_series()->mutable_labels());
        }
        response->set_truncated(sets->size() > kept);
        call->finish(Status::ok());
    });
    return call->reactor();
}

grpc::ServerUnaryReactor *MetricsServiceImpl::LabelNames(grpc::CallbackServerContext *context,
                                                         const v1::LabelNamesRequest *request,
                                                         v1::LabelNamesResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.MetricsService/LabelNames");
    if (!call->authorized()) {
        return call->reactor();
    }
    auto selection = selectionOf(*request, false, m_api.clock->now());
    if (!selection) {
        call->finish(selection.status());
        return call->reactor();
    }
    m_backend.labelNames(
        std::move(*selection), [this, call, response](StatusOr<std::vector<std::string>> names) {
            if (!names) {
                return call->finish(names.status());
            }
            std::sort(names->begin(), names->end());
            response->mutable_header()->set_revision(m_api.store.currentRevision());
            response->mutable_names()->Add(names->begin(), names->end());
            call->finish(Status::ok());
        });
    return call->reactor();
}

grpc::ServerUnaryReactor *MetricsServiceImpl::LabelValues(grpc::CallbackServerContext *context,
                                                          const v1::LabelValuesRequest *request,
                                                          v1::LabelValuesResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.MetricsService/LabelValues");
    if (!call->authorized()) {
        return call->reactor();
    }
    if (!isLabelName(request->name())) {
        call->finish(invalidArgument("name must be a label name of up to 1024 characters "
                                     "([a-zA-Z_][a-zA-Z0-9_]*, e.g. __name__ or job)"));
        return call->reactor();
    }
    auto selection = selectionOf(*request, false, m_api.clock->now());
    const auto limit = limitOf(request->limit(), "limit", kDefaultValuesLimit, 1, kMaxValuesLimit);
    if (Status valid = selection ? limit.status() : selection.status(); !valid.isOk()) {
        call->finish(valid);
        return call->reactor();
    }
    m_backend.labelValues(
        request->name(), std::move(*selection),
        [this, call, response, limit = *limit](StatusOr<std::vector<std::string>> values) {
            if (!values) {
                return call->finish(values.status());
            }
            std::sort(values->begin(), values->end());
            response->mutable_header()->set_revision(m_api.store.currentRevision());
            const std::size_t kept = std::min(values->size(), static_cast<std::size_t>(limit));
            response->mutable_values()->Add(values->begin(),
                                            values->begin() + static_cast<long>(kept));
            response->set_truncated(values->size() > kept);
            call->finish(Status::ok());
        });
    return call->reactor();
}

grpc::ServerUnaryReactor *MetricsServiceImpl::Targets(grpc::CallbackServerContext *context,
                                                      const v1::TargetsRequest *request,
                                                      v1::TargetsResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.MetricsService/Targets");
    if (!call->authorized()) {
        return call->reactor();
    }
    m_backend.targets([this, call, response, service = request->service()](
                          StatusOr<std::vector<metrics::Target>> targets) {
        if (!targets) {
            return call->finish(targets.status());
        }
        response->mutable_header()->set_revision(m_api.store.currentRevision());
        statusToProto(m_status(), response->mutable_backend());
        for (const auto &target : *targets) {
            const bool selected =
                service.empty() ||
                std::find(target.labels.begin(), target.labels.end(),
                          std::pair<std::string, std::string>{"service", service}) !=
                    target.labels.end();
            if (selected) {
                targetToProto(target, response->add_targets());
            }
        }
        call->finish(Status::ok());
    });
    return call->reactor();
}

grpc::ServerWriteReactor<v1::WatchQueryResponse> *
MetricsServiceImpl::WatchQuery(grpc::CallbackServerContext *context,
                               const v1::WatchQueryRequest *request) {
    return new WatchQueryStream(m_api, m_backend, m_executor, context, *request, m_queryTimeout);
}

} // namespace aegis::api
