// Traces: search with the tag query language, one trace as a span tree (or as OTLP JSON for
// export), services and operations, the service graph, two traces compared, and the tracing
// status, through aegisd's TraceService.

#include "argument_values.h"
#include "command.h"
#include "command_context.h"
#include "common/duration.h"
#include "text_output.h"
#include "tracing/otlp_json.h"
#include "tracing/tag_query.h"
#include "tracing/trace_ids.h"

#include "aegis/v1/tracing.grpc.pb.h"

#include <google/protobuf/util/time_util.h>

#include <cinttypes>
#include <cstdio>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace po = boost::program_options;

namespace aegis::cli {
namespace {

using google::protobuf::util::TimeUtil;
namespace otlp = opentelemetry::proto::trace::v1;

// A span tree deeper than this is indented no further; the depth is written instead.
constexpr int kMaxIndent = 24;

google::protobuf::Duration protoDuration(std::chrono::milliseconds duration) {
    return TimeUtil::MillisecondsToDuration(duration.count());
}

// The TRACE_ID argument `name`: 32 hex digits. Throws UsageError otherwise.
std::string traceIdArgument(const po::variables_map &values, const char *name) {
    const auto text = values[name].as<std::string>();
    const auto id = tracing::parseTraceId(text);
    if (!id) {
        throw UsageError(std::string(name) + ": '" + text +
                         "' is not a trace id (32 hex digits, not all zero)");
    }
    return tracing::toHex(*id);
}

// An OTLP trace id as hex; any other bytes as their hex too, so nothing is hidden.
std::string traceIdText(const std::string &bytes) {
    return tracing::bytesToHex(bytes);
}

// A span's duration at the precision that matters for it: "850ns", "12.5µs", "3.25ms", "1.2s",
// "2m5s".
std::string spanDurationText(std::uint64_t nanos) {
    if (nanos < 1000) {
        return std::to_string(nanos) + "ns";
    }
    if (nanos < 1000 * 1000) {
        return trimmedFixed(static_cast<double>(nanos) / 1e3, 1, "µs");
    }
    if (nanos < 1000 * 1000 * 1000) {
        return trimmedFixed(static_cast<double>(nanos) / 1e6, 2, "ms");
    }
    if (nanos < 60ULL * 1000 * 1000 * 1000) {
        return trimmedFixed(static_cast<double>(nanos) / 1e9, 3, "s");
    }
    return aegis::formatDuration(std::chrono::milliseconds(nanos / 1000000));
}

std::uint64_t durationNanos(const google::protobuf::Duration &duration) {
    const std::int64_t nanos = TimeUtil::DurationToNanoseconds(duration);
    return nanos < 0 ? 0 : static_cast<std::uint64_t>(nanos);
}

// Local time to the millisecond: "2024-05-01 14:03:12.345".
std::string startText(const google::protobuf::Timestamp &time) {
    const std::string seconds = formatTimestamp(time);
    if (seconds == "-") {
        return seconds;
    }
    char millis[8];
    std::snprintf(millis, sizeof millis, ".%03d", time.nanos() / 1000000);
    return seconds + millis;
}

std::string percentText(double ratio) {
    return trimmedFixed(ratio * 100, 1, "%");
}

// Three significant digits, per minute when under one per second: "12.5/s", "0.133/min".
std::string rateText(double perSecond) {
    char buffer[32];
    if (perSecond >= 1 || perSecond <= 0) {
        std::snprintf(buffer, sizeof buffer, "%.3g/s", perSecond);
    } else {
        std::snprintf(buffer, sizeof buffer, "%.3g/min", perSecond * 60);
    }
    return buffer;
}

std::string plural(std::uint64_t count, const char *one, const char *many) {
    return std::to_string(count) + " " + (count == 1 ? one : many);
}

std::string spanKindName(int kind) {
    switch (kind) {
    case otlp::Span::SPAN_KIND_INTERNAL:
        return "internal";
    case otlp::Span::SPAN_KIND_SERVER:
        return "server";
    case otlp::Span::SPAN_KIND_CLIENT:
        return "client";
    case otlp::Span::SPAN_KIND_PRODUCER:
        return "producer";
    case otlp::Span::SPAN_KIND_CONSUMER:
        return "consumer";
    default:
        return "-";
    }
}

// "checkout: GET /cart", marked when the root span was not received.
std::string rootText(const v1::TraceSummary &summary) {
    std::string text = orDash(summary.root_service()) + ": " + orDash(summary.root_operation());
    return summary.has_root() ? text : text + " (root not received)";
}

// "checkout 3, inventory 2 (1 error)".
std::string servicesText(const v1::TraceSummary &summary) {
    std::string text;
    for (const auto &service : summary.services()) {
        text += (text.empty() ? "" : ", ") + service.service() + " " +
                std::to_string(service.span_count());
        if (service.error_count() > 0) {
            text += " (" + plural(service.error_count(), "error", "errors") + ")";
        }
    }
    return orDash(text);
}

// A summary in the JSON the other commands print, with its trace id in hex rather than base64.
nlohmann::json summaryJson(const v1::TraceSummary &summary) {
    nlohmann::json json = messageToJson(summary);
    json["traceId"] = traceIdText(summary.trace_id());
    return json;
}

// The query's line `line` with a caret under character `column` (both 1-based), indented by
// two spaces; empty when the position is not in the text.
std::string caretUnder(const std::string &query, int line, int column) {
    const auto queryLines = splitOn(query, '\n');
    if (line < 1 || column < 1 || static_cast<std::size_t>(line) > queryLines.size()) {
        return {};
    }
    const std::string &text = queryLines[static_cast<std::size_t>(line) - 1];
    std::string pad;
    int character = 1;
    for (std::size_t i = 0; i < text.size() && character < column; ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) {
            continue;
        }
        pad += text[i] == '\t' ? '\t' : ' ';
        ++character;
    }
    return "  " + text + "\n  " + pad + "^\n";
}

// ---- traces search ----------------------------------------------------------------------------

int runSearch(CommandContext &context, const po::variables_map &values) {
    v1::SearchTracesRequest request;
    if (values.count("service")) {
        request.set_service(values["service"].as<std::string>());
    }
    if (values.count("operation")) {
        if (request.service().empty()) {
            throw UsageError("--operation needs --service (operation names are per service)");
        }
        request.set_operation(values["operation"].as<std::string>());
    }
    if (values.count("since") && values.count("start")) {
        throw UsageError("give --since or --start, not both");
    }
    if (values.count("since")) {
        *request.mutable_start_time() = timeFlag(values, "since", context.now());
    } else if (values.count("start")) {
        *request.mutable_start_time() = timeFlag(values, "start", context.now());
    }
    if (values.count("end")) {
        *request.mutable_end_time() = timeFlag(values, "end", context.now());
    }
    if (values.count("min-duration")) {
        *request.mutable_min_duration() =
            protoDuration(durationFlag(values, "min-duration", ZeroDuration::Allowed));
    }
    if (values.count("max-duration")) {
        *request.mutable_max_duration() = protoDuration(durationFlag(values, "max-duration"));
    }
    if (request.has_min_duration() && request.has_max_duration() &&
        request.min_duration().seconds() * 1000000000LL + request.min_duration().nanos() >
            request.max_duration().seconds() * 1000000000LL + request.max_duration().nanos()) {
        throw UsageError("--min-duration is longer than --max-duration");
    }
    const int limit = values["limit"].as<int>();
    if (limit < 1 || limit > 1000) {
        throw UsageError("--limit must be 1 to 1000");
    }
    request.set_limit(static_cast<std::uint32_t>(limit));
    if (values.count("query")) {
        request.set_tag_query(values["query"].as<std::string>());
        // The daemon parses it with the same code; checking here shows the caret without a call.
        const auto parsed = tracing::TagQuery::parse(request.tag_query());
        if (const auto *error = std::get_if<tracing::TagQueryError>(&parsed)) {
            context.err() << "error: --query: " << error->text() << "\n"
                          << caretUnder(request.tag_query(), error->line, error->column);
            return 2;
        }
    }

    auto stub = v1::TraceService::NewStub(context.channel());
    v1::SearchTracesResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->SearchTraces(call.get(), request, &response); !status.ok()) {
        const int code = context.failRpc(status);
        int line = 0;
        int column = 0;
        if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT &&
            std::sscanf(status.error_message().c_str(), "tag_query: %d:%d:", &line, &column) == 2) {
            context.err() << caretUnder(request.tag_query(), line, column);
        }
        return code;
    }
    if (context.format() == OutputFormat::Json) {
        nlohmann::json document = messageToJson(response);
        document["traces"] = nlohmann::json::array();
        for (const auto &summary : response.traces()) {
            document["traces"].push_back(summaryJson(summary));
        }
        context.printJson(document);
        return 0;
    }
    if (response.traces().empty()) {
        context.out() << "no traces\n";
        return 0;
    }
    TextTable table({"START", "TRACE ID", "ROOT", "DURATION", "SPANS", "ERRORS", "SERVICES"});
    for (const auto &summary : response.traces()) {
        table.addRow({startText(summary.start_time()), traceIdText(summary.trace_id()),
                      rootText(summary), spanDurationText(durationNanos(summary.duration())),
                      std::to_string(summary.span_count()), std::to_string(summary.error_count()),
                      servicesText(summary)});
    }
    table.print(context.out());
    if (response.truncated()) {
        context.err() << "note: more traces matched; showing the newest " << response.traces_size()
                      << " (raise --limit or narrow the search)\n";
    }
    return 0;
}

// ---- traces get -------------------------------------------------------------------------------

std::string spanIdText(std::uint64_t id) {
    return tracing::toHex(tracing::spanIdFromInt(id));
}

// The timeline's spans in tree order: each span after its parent, siblings by start time; spans
// whose parent was not received are roots. Iterative, so a deep chain cannot exhaust the stack.
struct TreeRow {
    int span;
    int depth;
    bool parentMissing;
};

std::vector<TreeRow> treeOrder(const v1::TraceTimeline &timeline) {
    const int count = timeline.span_ids_size();
    std::unordered_map<std::uint64_t, int> indexOf;
    indexOf.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        indexOf.emplace(timeline.span_ids(i), i);
    }
    std::vector<std::vector<int>> children(static_cast<std::size_t>(count));
    std::vector<TreeRow> roots;
    for (int i = 0; i < count; ++i) {
        const std::uint64_t parent =
            i < timeline.parent_span_ids_size() ? timeline.parent_span_ids(i) : 0;
        const auto found = parent == 0 ? indexOf.end() : indexOf.find(parent);
        if (found == indexOf.end() || found->second == i) {
            roots.push_back({i, 0, parent != 0});
        } else {
            children[static_cast<std::size_t>(found->second)].push_back(i);
        }
    }
    std::vector<TreeRow> order;
    order.reserve(static_cast<std::size_t>(count));
    std::vector<bool> visited(static_cast<std::size_t>(count), false);
    std::vector<TreeRow> stack(roots.rbegin(), roots.rend());
    while (!stack.empty()) {
        const TreeRow row = stack.back();
        stack.pop_back();
        // A cycle of parent ids (malformed input) must not loop forever.
        if (visited[static_cast<std::size_t>(row.span)]) {
            continue;
        }
        visited[static_cast<std::size_t>(row.span)] = true;
        order.push_back(row);
        const auto &kids = children[static_cast<std::size_t>(row.span)];
        for (auto it = kids.rbegin(); it != kids.rend(); ++it) {
            stack.push_back({*it, row.depth + 1, false});
        }
    }
    // Spans only reachable through a cycle.
    for (int i = 0; i < count; ++i) {
        if (!visited[static_cast<std::size_t>(i)]) {
            order.push_back({i, 0, true});
        }
    }
    return order;
}

template <typename Repeated>
std::uint64_t at(const Repeated &values, int i) {
    return i < values.size() ? static_cast<std::uint64_t>(values.Get(i)) : 0;
}

std::string timelineString(const v1::TraceTimeline &timeline, std::uint64_t index) {
    return index < static_cast<std::uint64_t>(timeline.strings_size())
               ? timeline.strings(static_cast<int>(index))
               : std::string();
}

std::string releaseText(const std::string &version, const std::string &colour) {
    if (version.empty() && colour.empty()) {
        return "-";
    }
    return orDash(version) + (colour.empty() ? "" : "/" + colour);
}

std::string spanStatusText(std::uint32_t flags) {
    if (flags & v1::TIMELINE_FLAG_ERROR) {
        return "error";
    }
    return flags & v1::TIMELINE_FLAG_OK ? "ok" : "-";
}

nlohmann::json traceJson(const v1::GetTraceResponse &response) {
    const auto &timeline = response.timeline();
    nlohmann::json document;
    document["summary"] = summaryJson(response.summary());
    nlohmann::json spans = nlohmann::json::array();
    for (const TreeRow &row : treeOrder(timeline)) {
        const int i = row.span;
        const auto flags = static_cast<std::uint32_t>(at(timeline.flags(), i));
        const std::uint64_t parent = at(timeline.parent_span_ids(), i);
        spans.push_back({
            {"spanId", spanIdText(at(timeline.span_ids(), i))},
            {"parentSpanId", parent == 0 ? "" : spanIdText(parent)},
            {"depth", row.depth},
            {"service", timelineString(timeline, at(timeline.services(), i))},
            {"operation", timelineString(timeline, at(timeline.operations(), i))},
            {"kind", spanKindName(static_cast<int>(flags & v1::TIMELINE_FLAG_KIND_MASK))},
            {"startOffsetNanos", at(timeline.start_offsets_nanos(), i)},
            {"durationNanos", at(timeline.durations_nanos(), i)},
            {"error", (flags & v1::TIMELINE_FLAG_ERROR) != 0},
            {"version", timelineString(timeline, at(timeline.versions(), i))},
            {"colour", timelineString(timeline, at(timeline.colours(), i))},
        });
    }
    document["spans"] = std::move(spans);
    return document;
}

int runGet(CommandContext &context, const po::variables_map &values) {
    v1::GetTraceRequest request;
    request.set_trace_id(traceIdArgument(values, "trace-id"));
    const bool otlpJson = values["otlp-json"].as<bool>();
    request.set_view(otlpJson ? v1::TRACE_VIEW_FULL : v1::TRACE_VIEW_TIMELINE);
    auto stub = v1::TraceService::NewStub(context.channel());
    v1::GetTraceResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->GetTrace(call.get(), request, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (otlpJson) {
        context.out() << tracing::toOtlpJson(response.spans(), tracing::OtlpJsonLayout::Indented)
                      << "\n";
        return 0;
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(traceJson(response));
        return 0;
    }
    const auto &summary = response.summary();
    const auto &timeline = response.timeline();
    context.out() << "trace " << traceIdText(summary.trace_id()) << "  " << rootText(summary)
                  << "\n"
                  << "started " << startText(summary.start_time()) << " ("
                  << formatRelative(summary.start_time(), context.now()) << "), "
                  << spanDurationText(durationNanos(summary.duration())) << ", "
                  << plural(summary.span_count(), "span", "spans") << ", "
                  << plural(summary.error_count(), "error", "errors") << "\n"
                  << "services: " << servicesText(summary) << "\n\n";
    TextTable table(
        {"SPAN", "SERVICE", "START", "DURATION", "KIND", "STATUS", "RELEASE", "SPAN ID"});
    for (const TreeRow &row : treeOrder(timeline)) {
        const int i = row.span;
        const auto flags = static_cast<std::uint32_t>(at(timeline.flags(), i));
        std::string name =
            std::string(2 * static_cast<std::size_t>(std::min(row.depth, kMaxIndent)), ' ');
        if (row.depth > kMaxIndent) {
            name += "[depth " + std::to_string(row.depth) + "] ";
        }
        name += orDash(timelineString(timeline, at(timeline.operations(), i)));
        if (row.parentMissing) {
            name += " (parent not received)";
        }
        table.addRow({name, orDash(timelineString(timeline, at(timeline.services(), i))),
                      "+" + spanDurationText(at(timeline.start_offsets_nanos(), i)),
                      spanDurationText(at(timeline.durations_nanos(), i)),
                      spanKindName(static_cast<int>(flags & v1::TIMELINE_FLAG_KIND_MASK)),
                      spanStatusText(flags),
                      releaseText(timelineString(timeline, at(timeline.versions(), i)),
                                  timelineString(timeline, at(timeline.colours(), i))),
                      spanIdText(at(timeline.span_ids(), i))});
    }
    table.print(context.out());
    return 0;
}

// ---- traces services / operations -------------------------------------------------------------

void declareWindow(CommandFlags &flags, const char *defaultText) {
    // clang-format off
    flags.visible.add_options()
        ("since", po::value<std::string>()->value_name("TIME"),
            (std::string("from this time: a duration ago (1h) or RFC 3339 (default: ") +
             defaultText + ")").c_str())
        ("until", po::value<std::string>()->value_name("TIME"), "up to this time (default: now)");
    // clang-format on
}

template <typename Request>
void setWindow(const CommandContext &context, const po::variables_map &values, Request &request) {
    if (values.count("since")) {
        *request.mutable_start_time() = timeFlag(values, "since", context.now());
    }
    if (values.count("until")) {
        *request.mutable_end_time() = timeFlag(values, "until", context.now());
    }
}

std::string joined(const google::protobuf::RepeatedPtrField<std::string> &items) {
    std::string text;
    for (const auto &item : items) {
        text += (text.empty() ? "" : ", ") + item;
    }
    return orDash(text);
}

int runServices(CommandContext &context, const po::variables_map &values) {
    v1::ListTraceServicesRequest request;
    setWindow(context, values, request);
    auto stub = v1::TraceService::NewStub(context.channel());
    v1::ListTraceServicesResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->ListServices(call.get(), request, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    if (response.services().empty()) {
        context.out() << "no services reported spans\n";
        return 0;
    }
    TextTable table({"SERVICE", "SPANS", "OPERATIONS", "VERSIONS", "COLOURS"});
    for (const auto &service : response.services()) {
        table.addRow({service.name(), std::to_string(service.span_count()),
                      std::to_string(service.operation_count()), joined(service.versions()),
                      joined(service.colours())});
    }
    table.print(context.out());
    return 0;
}

int runOperations(CommandContext &context, const po::variables_map &values) {
    v1::ListOperationsRequest request;
    request.set_service(values["service"].as<std::string>());
    setWindow(context, values, request);
    auto stub = v1::TraceService::NewStub(context.channel());
    v1::ListOperationsResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->ListOperations(call.get(), request, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    if (response.operations().empty()) {
        context.out() << "no operations of " << request.service() << "\n";
        return 0;
    }
    TextTable table({"OPERATION", "KIND", "SPANS"});
    for (const auto &operation : response.operations()) {
        table.addRow({operation.name(), spanKindName(operation.kind()),
                      std::to_string(operation.span_count())});
    }
    table.print(context.out());
    return 0;
}

// ---- traces graph -----------------------------------------------------------------------------

std::string nodeName(const v1::ServiceGraphNode &node) {
    if (node.version().empty() && node.colour().empty()) {
        return node.service();
    }
    return node.service() + "@" + releaseText(node.version(), node.colour());
}

int runGraph(CommandContext &context, const po::variables_map &values) {
    v1::GetServiceGraphRequest request;
    *request.mutable_window() = protoDuration(durationFlag(values, "window"));
    if (values.count("end")) {
        *request.mutable_end_time() = timeFlag(values, "end", context.now());
    }
    request.set_by_release(values["by-release"].as<bool>());
    auto stub = v1::TraceService::NewStub(context.channel());
    v1::GetServiceGraphResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->GetServiceGraph(call.get(), request, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    context.out() << "window " << formatTimestamp(response.start_time()) << " to "
                  << formatTimestamp(response.end_time()) << "\n";
    if (response.nodes().empty()) {
        context.out() << "no calls between services in this window\n";
        return 0;
    }
    TextTable nodes({"SERVICE", "REQUESTS", "ERRORS"});
    for (const auto &node : response.nodes()) {
        nodes.addRow(
            {nodeName(node), rateText(node.request_rate()), percentText(node.error_ratio())});
    }
    nodes.print(context.out());
    context.out() << "\n";
    if (response.edges().empty()) {
        context.out() << "no calls between services in this window\n";
        return 0;
    }
    TextTable edges({"CALLER", "CALLEE", "CALLS", "RATE", "ERRORS", "P50", "P99"});
    const auto name = [&response](std::uint32_t index) {
        return index < static_cast<std::uint32_t>(response.nodes_size())
                   ? nodeName(response.nodes(static_cast<int>(index)))
                   : std::string("?");
    };
    for (const auto &edge : response.edges()) {
        edges.addRow({name(edge.caller()), name(edge.callee()), std::to_string(edge.calls()),
                      rateText(edge.call_rate()), percentText(edge.error_ratio()),
                      spanDurationText(durationNanos(edge.p50())),
                      spanDurationText(durationNanos(edge.p99()))});
    }
    edges.print(context.out());
    return 0;
}

// ---- traces compare ---------------------------------------------------------------------------

// "2 × 300ms (1 error)"; "-" when the trace has no span on the path.
std::string sideText(std::uint32_t count, const google::protobuf::Duration &duration,
                     std::uint32_t errors) {
    if (count == 0) {
        return "-";
    }
    std::string text = std::to_string(count) + " × " + spanDurationText(durationNanos(duration));
    if (errors > 0) {
        text += " (" + plural(errors, "error", "errors") + ")";
    }
    return text;
}

std::string differenceText(const v1::TracePathComparison &path) {
    if (path.left_count() == 0) {
        return "only right";
    }
    if (path.right_count() == 0) {
        return "only left";
    }
    const auto left = static_cast<std::int64_t>(durationNanos(path.left_duration()));
    const auto right = static_cast<std::int64_t>(durationNanos(path.right_duration()));
    if (left == right) {
        return "=";
    }
    return (right > left ? "+" : "-") +
           spanDurationText(static_cast<std::uint64_t>(right > left ? right - left : left - right));
}

int runCompare(CommandContext &context, const po::variables_map &values) {
    v1::CompareTracesRequest request;
    request.set_left_trace_id(traceIdArgument(values, "left"));
    request.set_right_trace_id(traceIdArgument(values, "right"));
    auto stub = v1::TraceService::NewStub(context.channel());
    v1::CompareTracesResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->CompareTraces(call.get(), request, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        nlohmann::json document = messageToJson(response);
        document["left"] = summaryJson(response.left());
        document["right"] = summaryJson(response.right());
        context.printJson(document);
        return 0;
    }
    TextTable heads({"", "TRACE ID", "ROOT", "DURATION", "SPANS", "ERRORS"});
    for (const auto &[side, summary] :
         {std::pair{"left", &response.left()}, std::pair{"right", &response.right()}}) {
        heads.addRow({side, traceIdText(summary->trace_id()), rootText(*summary),
                      spanDurationText(durationNanos(summary->duration())),
                      std::to_string(summary->span_count()),
                      std::to_string(summary->error_count())});
    }
    heads.print(context.out());
    context.out() << "\n";
    TextTable paths({"PATH", "LEFT", "RIGHT", "DIFFERENCE"});
    for (const auto &path : response.paths()) {
        const std::size_t last = path.path().rfind(" > ");
        const std::string step =
            last == std::string::npos ? path.path() : path.path().substr(last + 3);
        const int depth = std::min(static_cast<int>(path.depth()), kMaxIndent);
        paths.addRow({std::string(2 * static_cast<std::size_t>(depth), ' ') + step,
                      sideText(path.left_count(), path.left_duration(), path.left_errors()),
                      sideText(path.right_count(), path.right_duration(), path.right_errors()),
                      differenceText(path)});
    }
    paths.print(context.out());
    return 0;
}

// ---- traces status ----------------------------------------------------------------------------

int runStatus(CommandContext &context, const po::variables_map &) {
    auto stub = v1::TraceService::NewStub(context.channel());
    v1::GetTracingStatusResponse response;
    const auto call = context.newCall();
    if (const auto status =
            stub->GetTracingStatus(call.get(), v1::GetTracingStatusRequest(), &response);
        !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    auto &out = context.out();
    out << "OTLP/gRPC:  " << orDash(response.otlp_grpc_address()) << "\n"
        << "OTLP/HTTP:  " << orDash(response.otlp_http_path()) << "\n"
        << "received:   " << plural(response.spans_received(), "span", "spans") << " ("
        << response.spans_rejected() << " rejected, " << response.spans_sampled_out()
        << " sampled out)\n";
    if (response.store_enabled()) {
        std::string retention;
        if (response.has_retention_age()) {
            retention = aegis::formatDuration(std::chrono::milliseconds(
                TimeUtil::DurationToMilliseconds(response.retention_age())));
        }
        if (response.retention_bytes() > 0) {
            retention += (retention.empty() ? "" : " or ") + bytesText(response.retention_bytes());
        }
        out << "store:      " << plural(response.spans_stored(), "span", "spans") << " in "
            << plural(response.traces_stored(), "trace", "traces") << ", "
            << bytesText(response.store_bytes()) << ", oldest span "
            << whenText(response.oldest_span(), context.now()) << "\n"
            << "retention:  " << orDash(retention) << "\n";
    } else {
        out << "store:      off (tracing.store: false); spans are only forwarded\n";
    }
    if (response.sampling_policy_version() > 0) {
        out << "sampling:   policy version " << response.sampling_policy_version() << "\n";
    } else {
        out << "sampling:   the defaults (no aegis-tracing/sampling/policy item)\n";
    }
    for (const auto &line : splitOn(response.sampling_policy(), '\n')) {
        if (!line.empty()) {
            out << "  " << line << "\n";
        }
    }
    if (response.forwarding().empty()) {
        out << "forwarding: none\n";
        return 0;
    }
    out << "forwarding:\n";
    TextTable table({"ENDPOINT", "CONNECTED", "SENT", "DROPPED", "LAST ERROR"});
    for (const auto &destination : response.forwarding()) {
        table.addRow({destination.endpoint(), destination.connected() ? "yes" : "no",
                      std::to_string(destination.spans_sent()),
                      std::to_string(destination.spans_dropped()),
                      orDash(destination.last_error())});
    }
    table.print(out);
    return 0;
}

} // namespace

std::vector<Command> traceCommands() {
    return {
        {"traces search",
         "[--service S] [--operation O] [--since TIME | --start TIME] [--end TIME] "
         "[--min-duration D] [--max-duration D] [--query QUERY] [--limit N] [flags]",
         "Finds traces with a span that matches every condition, newest first. --query is a tag "
         "query: 'http.response.status_code >= 500 AND (region = \"eu-*\" OR NOT retry = true)'.",
         [](CommandFlags &flags) {
             // clang-format off
             flags.visible.add_options()
                 ("service", po::value<std::string>()->value_name("SERVICE"),
                     "a span of this service")
                 ("operation", po::value<std::string>()->value_name("OPERATION"),
                     "a span with this name (needs --service)")
                 ("since", po::value<std::string>()->value_name("TIME"),
                     "spans started since: a duration ago (1h) or RFC 3339 (default: 1h before "
                     "--end)")
                 ("start", po::value<std::string>()->value_name("TIME"), "the same as --since")
                 ("end", po::value<std::string>()->value_name("TIME"),
                     "spans started before this time (default: now)")
                 ("min-duration", po::value<std::string>()->value_name("DURATION"),
                     "a span at least this long (100ms)")
                 ("max-duration", po::value<std::string>()->value_name("DURATION"),
                     "a span at most this long")
                 ("query", po::value<std::string>()->value_name("QUERY"),
                     "a tag query over the span's and its resource's attributes: AND, OR, NOT, "
                     "parentheses, = != > >= < <=, '*' wildcards; see docs/tracing.md")
                 ("limit", po::value<int>()->value_name("N")->default_value(20),
                     "at most N traces, 1 to 1000");
             // clang-format on
         },
         runSearch},
        {"traces get", "TRACE_ID [--otlp-json] [flags]",
         "Shows one trace as a span tree with each span's start, duration, kind and status; "
         "--otlp-json prints its spans as OTLP JSON (a file any OTLP tool reads).",
         [](CommandFlags &flags) {
             flags.hidden.add_options()("trace-id", po::value<std::string>()->required(),
                                        "TRACE_ID");
             flags.positional.add("trace-id", 1);
             flags.visible.add_options()("otlp-json", po::bool_switch(),
                                         "print the spans as OTLP JSON, as received");
         },
         runGet},
        {"traces services", "[--since TIME] [--until TIME] [flags]",
         "Lists the services that reported spans (default: in the last 24 hours), with their "
         "versions and colours.",
         [](CommandFlags &flags) { declareWindow(flags, "24h"); }, runServices},
        {"traces operations", "SERVICE [--since TIME] [--until TIME] [flags]",
         "Lists one service's operations (span names) with their kinds.",
         [](CommandFlags &flags) {
             flags.hidden.add_options()("service", po::value<std::string>()->required(), "SERVICE");
             flags.positional.add("service", 1);
             declareWindow(flags, "24h");
         },
         runOperations},
        {"traces graph", "[--window D] [--end TIME] [--by-release] [flags]",
         "Shows the calls between services in a window: each service's request rate and errors, "
         "each caller-callee edge's calls, rate, errors and latency.",
         [](CommandFlags &flags) {
             // clang-format off
             flags.visible.add_options()
                 ("window", po::value<std::string>()->value_name("DURATION")->default_value("15m"),
                     "how far back from --end, at most 24h")
                 ("end", po::value<std::string>()->value_name("TIME"),
                     "the window's end (default: now)")
                 ("by-release", po::bool_switch(),
                     "one node per service version and colour (service@version/colour)");
             // clang-format on
         },
         runGraph},
        {"traces compare", "LEFT_TRACE_ID RIGHT_TRACE_ID [flags]",
         "Compares two traces path by path (service: operation from the root): the spans and "
         "time each spent there, and what only one of them did.",
         [](CommandFlags &flags) {
             flags.hidden.add_options()("left", po::value<std::string>()->required(),
                                        "LEFT_TRACE_ID")(
                 "right", po::value<std::string>()->required(), "RIGHT_TRACE_ID");
             flags.positional.add("left", 1).add("right", 1);
         },
         runCompare},
        {"traces status", "[flags]",
         "Shows the OTLP endpoints, ingest counters, the span store's size and retention, the "
         "sampling policy in force and each forwarding destination.",
         nullptr, runStatus},
    };
}

} // namespace aegis::cli
