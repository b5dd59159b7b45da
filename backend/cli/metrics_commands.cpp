// Metrics: PromQL through aegisd's metrics backend (instant and range queries, series, label
// names and values) and what the backend scrapes.

#include "argument_values.h"
#include "command.h"
#include "command_context.h"
#include "common/duration.h"
#include "text_output.h"

#include "aegis/v1/metrics.grpc.pb.h"

#include <google/protobuf/util/time_util.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace po = boost::program_options;

namespace aegis::cli {
namespace {

using google::protobuf::util::TimeUtil;

// `up{instance="a:1",job="x"}`: a series as PromQL writes it; "{}" for one without labels.
std::string seriesText(const google::protobuf::RepeatedPtrField<v1::Label> &labels) {
    std::string name;
    std::string rest;
    for (const auto &label : labels) {
        if (label.name() == "__name__") {
            name = label.value();
            continue;
        }
        rest += (rest.empty() ? "" : ",") + label.name() + "=\"" + label.value() + "\"";
    }
    return rest.empty() && !name.empty() ? name : name + "{" + rest + "}";
}

// As Prometheus writes sample values: "NaN", "+Inf", "-Inf", else the shortest exact form.
std::string valueText(double value) {
    if (std::isnan(value)) {
        return "NaN";
    }
    if (std::isinf(value)) {
        return value > 0 ? "+Inf" : "-Inf";
    }
    char text[32];
    std::snprintf(text, sizeof text, "%.15g", value);
    return text;
}

std::string pointTime(std::int64_t ms) {
    return formatTimestamp(TimeUtil::MillisecondsToTimestamp(ms));
}

// A rejected query: the error, then the query's line with a caret under the position the
// backend named (the "aegis-query-position" trailer).
int failQuery(CommandContext &context, const grpc::ClientContext &call, const grpc::Status &status,
              const std::string &query) {
    const int code = context.failRpc(status);
    const std::string position = trailingMetadata(call, "aegis-query-position");
    int line = 0;
    int column = 0;
    if (position.empty() || std::sscanf(position.c_str(), "%d:%d", &line, &column) != 2 ||
        line < 1 || column < 1) {
        return code;
    }
    const auto lines = splitOn(query, '\n');
    if (static_cast<std::size_t>(line) <= lines.size()) {
        const std::string &text = lines[static_cast<std::size_t>(line) - 1];
        context.err() << "  " << text << "\n  "
                      << std::string(std::min<std::size_t>(static_cast<std::size_t>(column) - 1,
                                                           text.size()),
                                     ' ')
                      << "^\n";
    }
    return code;
}

void printWarnings(CommandContext &context,
                   const google::protobuf::RepeatedPtrField<std::string> &warnings) {
    for (const auto &warning : warnings) {
        context.err() << "warning: " << warning << "\n";
    }
}

// Series as SERIES / TIME / VALUE rows, one per point.
void printPoints(CommandContext &context,
                 const google::protobuf::RepeatedPtrField<v1::Series> &series) {
    TextTable table({"SERIES", "TIME", "VALUE"});
    for (const auto &one : series) {
        const std::string name = seriesText(one.labels());
        for (int i = 0; i < one.timestamps_ms_size() && i < one.values_size(); ++i) {
            table.addRow({name, pointTime(one.timestamps_ms(i)), valueText(one.values(i))});
        }
    }
    if (table.empty()) {
        context.out() << "no series\n";
        return;
    }
    table.print(context.out());
}

void declareQuery(CommandFlags &flags) {
    flags.hidden.add_options()("query", po::value<std::string>()->required(), "EXPR");
    flags.positional.add("query", 1);
}

int runQuery(CommandContext &context, const po::variables_map &values) {
    v1::QueryRequest request;
    request.set_query(values["query"].as<std::string>());
    if (values.count("time")) {
        *request.mutable_time() = timeFlag(values, "time", context.now());
    }
    auto stub = v1::MetricsService::NewStub(context.channel());
    v1::QueryResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->Query(call.get(), request, &response); !status.ok()) {
        return failQuery(context, *call, status, request.query());
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    printWarnings(context, response.warnings());
    switch (response.result_type()) {
    case v1::RESULT_TYPE_STRING:
        context.out() << response.string_value() << "\n";
        break;
    case v1::RESULT_TYPE_SCALAR:
        context.out() << valueText(response.series(0).values(0)) << "\n";
        break;
    case v1::RESULT_TYPE_VECTOR: {
        TextTable table({"SERIES", "VALUE"});
        for (const auto &series : response.series()) {
            table.addRow({seriesText(series.labels()),
                          series.values_size() > 0 ? valueText(series.values(0)) : "-"});
        }
        if (table.empty()) {
            context.out() << "no series\n";
        } else {
            table.print(context.out());
        }
        break;
    }
    default:
        printPoints(context, response.series());
    }
    return 0;
}

int runRange(CommandContext &context, const po::variables_map &values) {
    v1::QueryRangeRequest request;
    request.set_query(values["query"].as<std::string>());
    *request.mutable_start() = timeFlag(values, "since", context.now());
    *request.mutable_end() = values.count("until")
                                 ? timeFlag(values, "until", context.now())
                                 : TimeUtil::MillisecondsToTimestamp(
                                       std::chrono::duration_cast<std::chrono::milliseconds>(
                                           context.now().time_since_epoch())
                                           .count());
    if (values.count("step")) {
        request.set_step_ms(durationFlag(values, "step").count());
    }
    const int maxPoints = values["max-points"].as<int>();
    if (maxPoints < 2 || maxPoints > 11000) {
        throw UsageError("--max-points must be 2 to 11000");
    }
    request.set_max_points(maxPoints);
    auto stub = v1::MetricsService::NewStub(context.channel());
    v1::QueryRangeResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->QueryRange(call.get(), request, &response); !status.ok()) {
        return failQuery(context, *call, status, request.query());
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    printWarnings(context, response.warnings());
    context.out() << "step " << aegis::formatDuration(std::chrono::milliseconds(response.step_ms()))
                  << "\n";
    printPoints(context, response.series());
    return 0;
}

std::string backendModeName(v1::MetricsBackendMode mode) {
    switch (mode) {
    case v1::METRICS_BACKEND_MODE_NONE:
        return "none";
    case v1::METRICS_BACKEND_MODE_MANAGED:
        return "managed";
    case v1::METRICS_BACKEND_MODE_EXTERNAL:
        return "external";
    default:
        return "unknown";
    }
}

std::string backendStateName(v1::MetricsBackendState state) {
    switch (state) {
    case v1::METRICS_BACKEND_STATE_DISABLED:
        return "disabled";
    case v1::METRICS_BACKEND_STATE_STARTING:
        return "starting";
    case v1::METRICS_BACKEND_STATE_READY:
        return "ready";
    case v1::METRICS_BACKEND_STATE_DOWN:
        return "down";
    default:
        return "unknown";
    }
}

// "backend: external http://prom:9090, ready since 2024-05-01 14:03:12 (3m ago)", with the
// detail and the restarts when there are any.
std::string backendLine(const v1::MetricsBackendStatus &backend,
                        std::chrono::system_clock::time_point now) {
    std::string line = "backend: " + backendModeName(backend.mode());
    if (!backend.url().empty()) {
        line += " " + backend.url();
    }
    line += ", " + backendStateName(backend.state());
    if (backend.has_since()) {
        line += " since " + whenText(backend.since(), now);
    }
    if (!backend.detail().empty()) {
        line += ": " + backend.detail();
    }
    if (backend.restarts() > 0) {
        line += " (" + std::to_string(backend.restarts()) + " restarts)";
    }
    return line;
}

std::string targetHealthName(v1::TargetHealth health) {
    switch (health) {
    case v1::TARGET_HEALTH_UP:
        return "up";
    case v1::TARGET_HEALTH_DOWN:
        return "down";
    default:
        return "unknown";
    }
}

std::string labelValue(const v1::Target &target, const std::string &name) {
    for (const auto &label : target.labels()) {
        if (label.name() == name) {
            return label.value();
        }
    }
    return {};
}

int runTargets(CommandContext &context, const po::variables_map &values) {
    v1::TargetsRequest request;
    if (values.count("service")) {
        request.set_service(values["service"].as<std::string>());
    }
    auto stub = v1::MetricsService::NewStub(context.channel());
    v1::TargetsResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->Targets(call.get(), request, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    context.out() << backendLine(response.backend(), context.now()) << "\n";
    TextTable table(
        {"JOB", "SERVICE", "INSTANCE", "HEALTH", "LAST SCRAPE", "DURATION", "URL", "ERROR"});
    for (const auto &target : response.targets()) {
        table.addRow({target.scrape_pool(), orDash(labelValue(target, "service")),
                      orDash(labelValue(target, "instance")), targetHealthName(target.health()),
                      formatRelative(target.last_scrape(), context.now(), "never"),
                      aegis::formatDuration(std::chrono::milliseconds(
                          (target.last_scrape_duration_us() + 999) / 1000)),
                      target.scrape_url(), orDash(target.last_error())});
    }
    if (table.empty()) {
        context.out() << "no targets\n";
    } else {
        table.print(context.out());
    }
    return 0;
}

void declareSelection(CommandFlags &flags, const char *sinceDefault) {
    // clang-format off
    flags.visible.add_options()
        ("since", po::value<std::string>()->value_name("TIME")->default_value(sinceDefault),
            "from this time: a duration ago (1h) or RFC 3339")
        ("until", po::value<std::string>()->value_name("TIME"),
            "up to this time (default: now)");
    // clang-format on
}

template <typename Request>
void setSelection(const CommandContext &context, const po::variables_map &values,
                  Request &request) {
    *request.mutable_start() = timeFlag(values, "since", context.now());
    if (values.count("until")) {
        *request.mutable_end() = timeFlag(values, "until", context.now());
    }
}

int runSeries(CommandContext &context, const po::variables_map &values) {
    v1::SeriesRequest request;
    for (const auto &matcher : values["matchers"].as<std::vector<std::string>>()) {
        request.add_matchers(matcher);
    }
    setSelection(context, values, request);
    request.set_limit(values["limit"].as<int>());
    auto stub = v1::MetricsService::NewStub(context.channel());
    v1::SeriesResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->Series(call.get(), request, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    for (const auto &series : response.series()) {
        context.out() << seriesText(series.labels()) << "\n";
    }
    if (response.truncated()) {
        context.err() << "note: more series matched; showing the first " << response.series_size()
                      << " (raise --limit)\n";
    }
    return 0;
}

int runLabels(CommandContext &context, const po::variables_map &values) {
    auto stub = v1::MetricsService::NewStub(context.channel());
    const auto call = context.newCall();
    const std::vector<std::string> matchers = values.count("match")
                                                  ? values["match"].as<std::vector<std::string>>()
                                                  : std::vector<std::string>{};
    google::protobuf::RepeatedPtrField<std::string> found;
    bool truncated = false;
    if (values.count("name")) {
        v1::LabelValuesRequest request;
        request.set_name(values["name"].as<std::string>());
        request.mutable_matchers()->Add(matchers.begin(), matchers.end());
        setSelection(context, values, request);
        v1::LabelValuesResponse response;
        if (const auto status = stub->LabelValues(call.get(), request, &response); !status.ok()) {
            return context.failRpc(status);
        }
        if (context.format() == OutputFormat::Json) {
            context.printJson(response);
            return 0;
        }
        found = response.values();
        truncated = response.truncated();
    } else {
        v1::LabelNamesRequest request;
        request.mutable_matchers()->Add(matchers.begin(), matchers.end());
        setSelection(context, values, request);
        v1::LabelNamesResponse response;
        if (const auto status = stub->LabelNames(call.get(), request, &response); !status.ok()) {
            return context.failRpc(status);
        }
        if (context.format() == OutputFormat::Json) {
            context.printJson(response);
            return 0;
        }
        found = response.names();
    }
    for (const auto &value : found) {
        context.out() << value << "\n";
    }
    if (truncated) {
        context.err() << "note: there are more values; showing the first " << found.size() << "\n";
    }
    return 0;
}

} // namespace

std::vector<Command> metricsCommands() {
    return {
        {"metrics query", "EXPR [--time TIME] [flags]",
         "Evaluates a PromQL expression at one time (default: now) through aegisd's metrics "
         "backend.",
         [](CommandFlags &flags) {
             declareQuery(flags);
             flags.visible.add_options()("time", po::value<std::string>()->value_name("TIME"),
                                         "evaluate at this time: a duration ago (5m) or RFC 3339");
         },
         runQuery},
        {"metrics range", "EXPR [--since TIME] [--until TIME] [--step D] [--max-points N] [flags]",
         "Evaluates a PromQL expression over a range; the step is widened so that no series has "
         "more than --max-points points.",
         [](CommandFlags &flags) {
             declareQuery(flags);
             declareSelection(flags, "15m");
             // clang-format off
             flags.visible.add_options()
                 ("step", po::value<std::string>()->value_name("DURATION"),
                     "resolution (default: the range divided by --max-points)")
                 ("max-points", po::value<int>()->value_name("N")->default_value(1100),
                     "at most N points per series, 2 to 11000");
             // clang-format on
         },
         runRange},
        {"metrics targets", "[--service SERVICE] [flags]",
         "Shows the metrics backend's state, then what it scrapes with each target's health.",
         [](CommandFlags &flags) {
             flags.visible.add_options()("service", po::value<std::string>()->value_name("SERVICE"),
                                         "only the targets of this service");
         },
         runTargets},
        {"metrics series", "MATCHER... [--since TIME] [--until TIME] [--limit N] [flags]",
         "Lists the series that match selectors such as 'up{job=\"aegisd\"}'.",
         [](CommandFlags &flags) {
             flags.hidden.add_options()(
                 "matchers", po::value<std::vector<std::string>>()->required(), "MATCHER");
             flags.positional.add("matchers", -1);
             declareSelection(flags, "1h");
             flags.visible.add_options()("limit",
                                         po::value<int>()->value_name("N")->default_value(1000),
                                         "at most N series, 1 to 10000");
         },
         runSeries},
        {"metrics labels", "[NAME] [--match MATCHER]... [--since TIME] [--until TIME] [flags]",
         "Lists label names, or the values of label NAME (__name__: metric names).",
         [](CommandFlags &flags) {
             flags.hidden.add_options()("name", po::value<std::string>(), "NAME");
             flags.positional.add("name", 1);
             declareSelection(flags, "1h");
             flags.visible.add_options()(
                 "match", po::value<std::vector<std::string>>()->value_name("MATCHER"),
                 "only labels of series matching this selector (repeatable)");
         },
         runLabels},
    };
}

} // namespace aegis::cli
