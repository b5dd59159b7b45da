#include "api/trace_service.h"

#include "api/convert.h"
#include "common/input_text.h"

#include <boost/asio/post.hpp>

#include <memory>

namespace aegis::api {
namespace {

using namespace std::chrono;
namespace v1 = aegis::v1;

constexpr auto kMaxSearchRange = hours(24 * 31);
constexpr auto kDefaultSearchRange = hours(1);
constexpr auto kDefaultListRange = hours(24);
constexpr auto kMaxGraphWindow = hours(24);
constexpr auto kDefaultGraphWindow = minutes(15);
constexpr std::uint32_t kDefaultSearchLimit = 20;
constexpr std::uint32_t kMaxSearchLimit = 1000;
constexpr std::uint32_t kDefaultListLimit = 200;
constexpr std::uint32_t kMaxListLimit = 1000;
constexpr int kMaxSpanIds = 1000;
constexpr std::size_t kMaxNameBytes = 1024;

std::string method(std::string_view name) {
    return "/aegis.v1.TraceService/" + std::string(name);
}

std::int64_t unixNanos(system_clock::time_point time) {
    return duration_cast<nanoseconds>(time.time_since_epoch()).count();
}

void timeInto(std::int64_t unixNano, google::protobuf::Timestamp *out) {
    out->set_seconds(unixNano / 1'000'000'000);
    out->set_nanos(static_cast<int>(unixNano % 1'000'000'000));
}

Status storeOff() {
    return failedPrecondition("the local span store is off (tracing.store: false); spans are only "
                              "forwarded");
}

Status validateName(const std::string &value, std::string_view field) {
    if (value.size() > kMaxNameBytes) {
        return invalidArgument(std::string(field) + " is " + std::to_string(value.size()) +
                               " bytes; at most " + std::to_string(kMaxNameBytes));
    }
    return Status::ok();
}

// The first of `names` (value, field) over kMaxNameBytes, as validateName answers it.
Status
validateNames(std::initializer_list<std::pair<const std::string *, std::string_view>> names) {
    for (const auto &[value, field] : names) {
        if (Status valid = validateName(*value, field); !valid.isOk()) {
            return valid;
        }
    }
    return Status::ok();
}

// Moves `checked`'s value into `into`; its error otherwise.
template <typename T, typename Into>
Status assignChecked(StatusOr<T> checked, Into &into) {
    if (!checked) {
        return checked.status();
    }
    into = std::move(*checked);
    return Status::ok();
}

StatusOr<tracing::TraceId> traceIdOf(const std::string &hex, std::string_view field) {
    const auto id = tracing::parseTraceId(hex);
    if (!id) {
        return invalidArgument(std::string(field) + " must be 32 hex digits, not all zero (got " +
                               quoteInput(hex) + ")");
    }
    return *id;
}

StatusOr<std::int64_t> durationOf(const google::protobuf::Duration &duration,
                                  std::string_view field) {
    if (duration.seconds() < 0 || duration.nanos() < 0 || duration.nanos() > 999'999'999 ||
        duration.seconds() > 315'576'000'000) {
        return invalidArgument(std::string(field) + " must be a non-negative duration");
    }
    return duration.seconds() * 1'000'000'000 + duration.nanos();
}

struct Window {
    std::int64_t from = 0;
    std::int64_t to = 0;
};

// A request's [start_time, end_time): end defaults to now, start to end - defaultRange; at most
// kMaxSearchRange.
template <typename Request>
StatusOr<Window> windowOf(const Request &request, system_clock::time_point now,
                          nanoseconds defaultRange) {
    constexpr nanoseconds maxRange = kMaxSearchRange;
    for (const auto &[has, time, field] :
         {std::tuple{request.has_start_time(), &request.start_time(), "start_time"},
          std::tuple{request.has_end_time(), &request.end_time(), "end_time"}}) {
        if (has) {
            if (Status valid = validateTimestamp(*time, field); !valid.isOk()) {
                return valid;
            }
        }
    }
    const auto to = request.has_end_time() ? fromProto(request.end_time()) : now;
    const auto from =
        request.has_start_time() ? fromProto(request.start_time()) : to - defaultRange;
    if (to <= from) {
        return invalidArgument("end_time must be after start_time");
    }
    if (to - from > maxRange) {
        return invalidArgument("the range from start_time to end_time may be at most " +
                               std::to_string(duration_cast<hours>(maxRange).count() / 24) +
                               " days");
    }
    return Window{unixNanos(from), unixNanos(to)};
}

StatusOr<std::size_t> limitOf(std::uint32_t limit, std::string_view field, std::uint32_t fallback,
                              std::uint32_t most) {
    if (limit > most) {
        return invalidArgument(std::string(field) + " must be 1 to " + std::to_string(most) +
                               " (0: " + std::to_string(fallback) + "); got " +
                               std::to_string(limit));
    }
    return limit == 0 ? fallback : limit;
}

void summaryToProto(const tracing::TraceSummary &summary, v1::TraceSummary *out) {
    out->set_trace_id(std::string(reinterpret_cast<const char *>(summary.traceId.data()),
                                  summary.traceId.size()));
    out->set_root_service(summary.rootService);
    out->set_root_operation(summary.rootOperation);
    timeInto(summary.startUnixNano, out->mutable_start_time());
    toProto(nanoseconds(summary.durationNanos), out->mutable_duration());
    out->set_span_count(summary.spanCount);
    out->set_error_count(summary.errorCount);
    for (const tracing::ServiceSpanCount &service : summary.services) {
        auto *entry = out->add_services();
        entry->set_service(service.service);
        entry->set_span_count(service.spanCount);
        entry->set_error_count(service.errorCount);
    }
    out->set_has_root(summary.hasRoot);
}

template <typename T, typename Field>
void assign(const std::vector<T> &from, Field *to) {
    to->Reserve(static_cast<int>(from.size()));
    to->Add(from.begin(), from.end());
}

void timelineToProto(tracing::TraceTimeline &timeline, v1::TraceTimeline *out) {
    out->set_start_unix_nano(static_cast<std::uint64_t>(timeline.startUnixNano));
    for (std::string &text : timeline.strings) {
        out->add_strings(std::move(text));
    }
    assign(timeline.spanIds, out->mutable_span_ids());
    assign(timeline.parentSpanIds, out->mutable_parent_span_ids());
    assign(timeline.services, out->mutable_services());
    assign(timeline.operations, out->mutable_operations());
    assign(timeline.startOffsetsNanos, out->mutable_start_offsets_nanos());
    assign(timeline.durationsNanos, out->mutable_durations_nanos());
    assign(timeline.flags, out->mutable_flags());
    assign(timeline.versions, out->mutable_versions());
    assign(timeline.colours, out->mutable_colours());
}

} // namespace

TraceServiceImpl::TraceServiceImpl(ApiContext &api, tracing::TraceStore *store,
                                   IngestStatusSource ingest, std::size_t queryThreads)
    : m_api(api)
    , m_store(store)
    , m_ingest(std::move(ingest))
    , m_pool(std::max<std::size_t>(1, queryThreads)) {}

TraceServiceImpl::~TraceServiceImpl() {
    m_pool.join();
}

grpc::ServerUnaryReactor *TraceServiceImpl::run(grpc::CallbackServerContext *context,
                                                std::string_view name,
                                                std::function<Status()> validate,
                                                std::function<Status()> query) {
    auto call = UnaryCall::start(m_api, context, method(name));
    if (!call->authorized()) {
        return call->reactor();
    }
    if (Status valid = validate(); !valid.isOk()) {
        call->finish(valid);
        return call->reactor();
    }
    if (m_store == nullptr) {
        call->finish(storeOff());
        return call->reactor();
    }
    boost::asio::post(m_pool, [call, query = std::move(query)] { call->finish(query()); });
    return call->reactor();
}

grpc::ServerUnaryReactor *TraceServiceImpl::SearchTraces(grpc::CallbackServerContext *context,
                                                         const v1::SearchTracesRequest *request,
                                                         v1::SearchTracesResponse *response) {
    auto search = std::make_shared<tracing::TraceSearch>();
    const auto validate = [this, request, search]() -> Status {
        if (Status valid = validateNames(
                {{&request->service(), "service"}, {&request->operation(), "operation"}});
            !valid.isOk()) {
            return valid;
        }
        if (!request->operation().empty() && request->service().empty()) {
            return invalidArgument("operation requires service (operations are per service)");
        }
        search->service = request->service();
        search->operation = request->operation();
        auto window = windowOf(*request, m_api.clock->now(), kDefaultSearchRange);
        if (!window) {
            return window.status();
        }
        search->fromUnixNano = window->from;
        search->toUnixNano = window->to;
        for (const auto &[has, duration, field, into] :
             {std::tuple{request->has_min_duration(), &request->min_duration(), "min_duration",
                         &search->minDurationNanos},
              std::tuple{request->has_max_duration(), &request->max_duration(), "max_duration",
                         &search->maxDurationNanos}}) {
            if (has) {
                if (Status valid = assignChecked(durationOf(*duration, field), *into);
                    !valid.isOk()) {
                    return valid;
                }
            }
        }
        if (search->minDurationNanos && search->maxDurationNanos &&
            *search->minDurationNanos > *search->maxDurationNanos) {
            return invalidArgument("min_duration must not exceed max_duration");
        }
        if (request->tag_query().size() > tracing::TagQuery::kMaxQueryBytes) {
            return invalidArgument("tag_query is " + std::to_string(request->tag_query().size()) +
                                   " bytes; at most " +
                                   std::to_string(tracing::TagQuery::kMaxQueryBytes));
        }
        auto parsed = tracing::TagQuery::parse(request->tag_query());
        if (const auto *error = std::get_if<tracing::TagQueryError>(&parsed)) {
            return invalidArgument("tag_query: " + error->text());
        }
        search->tagQuery = std::move(std::get<tracing::TagQuery>(parsed));
        return assignChecked(
            limitOf(request->limit(), "limit", kDefaultSearchLimit, kMaxSearchLimit),
            search->limit);
    };
    return run(context, "SearchTraces", validate, [this, search, response]() -> Status {
        auto result = m_store->search(*search);
        if (!result) {
            return result.status();
        }
        for (const tracing::TraceSummary &summary : result->traces) {
            summaryToProto(summary, response->add_traces());
        }
        response->set_truncated(result->truncated);
        return Status::ok();
    });
}

grpc::ServerUnaryReactor *TraceServiceImpl::GetTrace(grpc::CallbackServerContext *context,
                                                     const v1::GetTraceRequest *request,
                                                     v1::GetTraceResponse *response) {
    auto wanted = std::make_shared<tracing::TraceRequest>();
    const auto validate = [request, wanted]() -> Status {
        if (Status valid =
                assignChecked(traceIdOf(request->trace_id(), "trace_id"), wanted->traceId);
            !valid.isOk()) {
            return valid;
        }
        wanted->full = request->view() == v1::TRACE_VIEW_FULL;
        if (request->span_ids_size() > kMaxSpanIds) {
            return invalidArgument("span_ids has " + std::to_string(request->span_ids_size()) +
                                   " entries; at most " + std::to_string(kMaxSpanIds));
        }
        for (int i = 0; i < request->span_ids_size(); ++i) {
            const auto spanId = tracing::parseSpanId(request->span_ids(i));
            if (!spanId) {
                return invalidArgument("span_ids[" + std::to_string(i) +
                                       "] must be 16 hex digits, not all zero (got " +
                                       quoteInput(request->span_ids(i)) + ")");
            }
            wanted->spanIds.push_back(*spanId);
        }
        return Status::ok();
    };
    return run(context, "GetTrace", validate, [this, wanted, response]() -> Status {
        auto detail = m_store->trace(*wanted);
        if (!detail) {
            return detail.status();
        }
        summaryToProto(detail->summary, response->mutable_summary());
        timelineToProto(detail->timeline, response->mutable_timeline());
        if (detail->spans.resource_spans_size() > 0) {
            response->mutable_spans()->Swap(&detail->spans);
        }
        return Status::ok();
    });
}

grpc::ServerUnaryReactor *
TraceServiceImpl::ListServices(grpc::CallbackServerContext *context,
                               const v1::ListTraceServicesRequest *request,
                               v1::ListTraceServicesResponse *response) {
    auto window = std::make_shared<Window>();
    const auto validate = [this, request, window]() -> Status {
        return assignChecked(windowOf(*request, m_api.clock->now(), kDefaultListRange), *window);
    };
    return run(context, "ListServices", validate, [this, window, response]() -> Status {
        auto services = m_store->services(window->from, window->to);
        if (!services) {
            return services.status();
        }
        for (const tracing::TraceServiceInfo &service : *services) {
            auto *out = response->add_services();
            out->set_name(service.name);
            out->set_span_count(service.spanCount);
            out->set_operation_count(service.operationCount);
            for (const std::string &version : service.versions) {
                out->add_versions(version);
            }
            for (const std::string &colour : service.colours) {
                out->add_colours(colour);
            }
        }
        return Status::ok();
    });
}

grpc::ServerUnaryReactor *TraceServiceImpl::ListOperations(grpc::CallbackServerContext *context,
                                                           const v1::ListOperationsRequest *request,
                                                           v1::ListOperationsResponse *response) {
    auto window = std::make_shared<Window>();
    const auto validate = [this, request, window]() -> Status {
        if (request->service().empty()) {
            return invalidArgument("service is required");
        }
        if (Status valid = validateName(request->service(), "service"); !valid.isOk()) {
            return valid;
        }
        return assignChecked(windowOf(*request, m_api.clock->now(), kDefaultListRange), *window);
    };
    return run(context, "ListOperations", validate, [this, request, window, response]() -> Status {
        auto operations = m_store->operations(request->service(), window->from, window->to);
        if (!operations) {
            return operations.status();
        }
        for (const tracing::OperationInfo &operation : *operations) {
            auto *out = response->add_operations();
            out->set_name(operation.name);
            out->set_kind(
                static_cast<opentelemetry::proto::trace::v1::Span::SpanKind>(operation.kind));
            out->set_span_count(operation.spanCount);
        }
        return Status::ok();
    });
}

grpc::ServerUnaryReactor *
TraceServiceImpl::ListAttributeKeys(grpc::CallbackServerContext *context,
                                    const v1::ListAttributeKeysRequest *request,
                                    v1::ListAttributeKeysResponse *response) {
    auto limit = std::make_shared<std::size_t>(0);
    const auto validate = [request, limit]() -> Status {
        if (Status valid =
                validateNames({{&request->service(), "service"}, {&request->prefix(), "prefix"}});
            !valid.isOk()) {
            return valid;
        }
        return assignChecked(limitOf(request->limit(), "limit", kDefaultListLimit, kMaxListLimit),
                             *limit);
    };
    return run(context, "ListAttributeKeys", validate, [this, request, limit, response] {
        auto keys = m_store->attributeKeys(request->service(), request->prefix(), *limit);
        if (!keys) {
            return keys.status();
        }
        for (const tracing::AttributeKeyInfo &key : *keys) {
            auto *out = response->add_keys();
            out->set_key(key.key);
            out->set_resource(key.resource);
        }
        return Status::ok();
    });
}

grpc::ServerUnaryReactor *
TraceServiceImpl::ListAttributeValues(grpc::CallbackServerContext *context,
                                      const v1::ListAttributeValuesRequest *request,
                                      v1::ListAttributeValuesResponse *response) {
    auto limit = std::make_shared<std::size_t>(0);
    const auto validate = [request, limit]() -> Status {
        if (request->key().empty()) {
            return invalidArgument("key is required (an attribute key)");
        }
        if (Status valid = validateNames({{&request->key(), "key"},
                                          {&request->service(), "service"},
                                          {&request->prefix(), "prefix"}});
            !valid.isOk()) {
            return valid;
        }
        return assignChecked(limitOf(request->limit(), "limit", kDefaultListLimit, kMaxListLimit),
                             *limit);
    };
    return run(context, "ListAttributeValues", validate, [this, request, limit, response] {
        auto values =
            m_store->attributeValues(request->key(), request->service(), request->prefix(), *limit);
        if (!values) {
            return values.status();
        }
        for (std::string &value : *values) {
            response->add_values(std::move(value));
        }
        return Status::ok();
    });
}

grpc::ServerUnaryReactor *
TraceServiceImpl::GetServiceGraph(grpc::CallbackServerContext *context,
                                  const v1::GetServiceGraphRequest *request,
                                  v1::GetServiceGraphResponse *response) {
    auto window = std::make_shared<Window>();
    const auto validate = [this, request, window]() -> Status {
        if (request->has_end_time()) {
            if (Status valid = validateTimestamp(request->end_time(), "end_time"); !valid.isOk()) {
                return valid;
            }
        }
        std::int64_t length = duration_cast<nanoseconds>(kDefaultGraphWindow).count();
        if (request->has_window()) {
            if (Status valid = assignChecked(durationOf(request->window(), "window"), length);
                !valid.isOk()) {
                return valid;
            }
        }
        if (length <= 0 || length > duration_cast<nanoseconds>(kMaxGraphWindow).count()) {
            return invalidArgument("window must be more than 0 and at most 24 hours (unset: 15 "
                                   "minutes)");
        }
        window->to = request->has_end_time() ? unixNanos(fromProto(request->end_time()))
                                             : unixNanos(m_api.clock->now());
        window->from = window->to - length;
        return Status::ok();
    };
    return run(context, "GetServiceGraph", validate, [this, request, window, response] {
        auto graph = m_store->serviceGraph(window->from, window->to, request->by_release());
        if (!graph) {
            return graph.status();
        }
        for (const tracing::ServiceGraphNode &node : graph->nodes) {
            auto *out = response->add_nodes();
            out->set_service(node.service);
            out->set_version(node.version);
            out->set_colour(node.colour);
            out->set_request_rate(node.requestRate);
            out->set_error_ratio(node.errorRatio);
        }
        for (const tracing::ServiceGraphEdge &edge : graph->edges) {
            auto *out = response->add_edges();
            out->set_caller(edge.caller);
            out->set_callee(edge.callee);
            out->set_call_rate(edge.callRate);
            out->set_error_ratio(edge.errorRatio);
            toProto(nanoseconds(edge.p50Nanos), out->mutable_p50());
            toProto(nanoseconds(edge.p99Nanos), out->mutable_p99());
            out->set_calls(edge.calls);
        }
        timeInto(window->from, response->mutable_start_time());
        timeInto(window->to, response->mutable_end_time());
        response->set_truncated(graph->truncated);
        return Status::ok();
    });
}

grpc::ServerUnaryReactor *TraceServiceImpl::CompareTraces(grpc::CallbackServerContext *context,
                                                          const v1::CompareTracesRequest *request,
                                                          v1::CompareTracesResponse *response) {
    auto ids = std::make_shared<std::pair<tracing::TraceId, tracing::TraceId>>();
    const auto validate = [request, ids]() -> Status {
        if (Status valid =
                assignChecked(traceIdOf(request->left_trace_id(), "left_trace_id"), ids->first);
            !valid.isOk()) {
            return valid;
        }
        return assignChecked(traceIdOf(request->right_trace_id(), "right_trace_id"), ids->second);
    };
    return run(context, "CompareTraces", validate, [this, ids, response] {
        auto comparison = m_store->compare(ids->first, ids->second);
        if (!comparison) {
            return comparison.status();
        }
        summaryToProto(comparison->left, response->mutable_left());
        summaryToProto(comparison->right, response->mutable_right());
        for (const tracing::TracePathComparison &path : comparison->paths) {
            auto *out = response->add_paths();
            out->set_path(path.path);
            out->set_depth(path.depth);
            out->set_left_count(path.leftCount);
            out->set_right_count(path.rightCount);
            toProto(nanoseconds(path.leftDurationNanos), out->mutable_left_duration());
            toProto(nanoseconds(path.rightDurationNanos), out->mutable_right_duration());
            out->set_left_errors(path.leftErrors);
            out->set_right_errors(path.rightErrors);
        }
        return Status::ok();
    });
}

grpc::ServerUnaryReactor *
TraceServiceImpl::GetTracingStatus(grpc::CallbackServerContext *context,
                                   const v1::GetTracingStatusRequest *,
                                   v1::GetTracingStatusResponse *response) {
    auto call = UnaryCall::start(m_api, context, method("GetTracingStatus"));
    if (!call->authorized()) {
        return call->reactor();
    }
    const tracing::IngestStatus ingest = m_ingest ? m_ingest() : tracing::IngestStatus{};
    response->set_store_enabled(m_store != nullptr);
    response->set_otlp_grpc_address(ingest.otlpGrpcAddress);
    response->set_otlp_http_path(ingest.otlpHttpPath);
    response->set_spans_received(ingest.spansReceived);
    response->set_spans_rejected(ingest.spansRejected);
    response->set_spans_sampled_out(ingest.spansSampledOut);
    response->set_sampling_policy(ingest.samplingPolicy);
    response->set_sampling_policy_version(ingest.samplingPolicyVersion);
    for (const tracing::ForwardingStatus &forwarding : ingest.forwarding) {
        auto *out = response->add_forwarding();
        out->set_endpoint(forwarding.endpoint);
        out->set_connected(forwarding.connected);
        out->set_spans_sent(forwarding.spansSent);
        out->set_spans_dropped(forwarding.spansDropped);
        out->set_last_error(forwarding.lastError);
    }
    if (m_store == nullptr) {
        call->finish(Status::ok());
        return call->reactor();
    }
    // The oldest span is read from the file: on the pool, like every query.
    boost::asio::post(m_pool, [this, call, response] {
        const tracing::SpanStoreStatus store = m_store->status();
        response->set_spans_stored(store.spansStored);
        response->set_traces_stored(store.tracesStored);
        response->set_store_bytes(store.bytes);
        toProto(nanoseconds(store.retentionAgeNanos), response->mutable_retention_age());
        response->set_retention_bytes(store.retentionBytes);
        if (store.oldestSpanUnixNano != 0) {
            timeInto(store.oldestSpanUnixNano, response->mutable_oldest_span());
        }
        call->finish(Status::ok());
    });
    return call->reactor();
}

} // namespace aegis::api
