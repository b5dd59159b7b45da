#include "argument_values.h"
#include "client/stop_signal.h"
#include "client/watch_mux.h"
#include "command.h"
#include "command_context.h"
#include "common/status.h"
#include "text_output.h"

#include "aegis/v1/audit.grpc.pb.h"
#include "aegis/v1/watch.pb.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <optional>

namespace po = boost::program_options;

namespace aegis::cli {
namespace {

void declareFilterFlags(CommandFlags &flags) {
    // clang-format off
    flags.visible.add_options()
        ("actor", po::value<std::string>()->value_name("TOKEN"), "only calls made with this token name")
        ("method", po::value<std::string>()->value_name("TEXT"),
            "only methods containing this text, e.g. CreateToken")
        ("resource", po::value<std::string>()->value_name("PREFIX"),
            "only resources starting with this, e.g. tokens/")
        ("outcome", po::value<std::string>()->value_name("ok|failed"), "only successes or failures")
        ("since", po::value<std::string>()->value_name("WHEN"),
            "only records from then on: a duration ago (1h) or an RFC 3339 time")
        ("until", po::value<std::string>()->value_name("WHEN"),
            "only records before then: a duration ago (10m) or an RFC 3339 time");
    // clang-format on
}

v1::AuditFilter buildFilter(const po::variables_map &values,
                            std::chrono::system_clock::time_point now) {
    v1::AuditFilter filter;
    if (values.count("actor")) {
        filter.set_actor(values["actor"].as<std::string>());
    }
    if (values.count("method")) {
        filter.set_method(values["method"].as<std::string>());
    }
    if (values.count("resource")) {
        filter.set_resource(values["resource"].as<std::string>());
    }
    if (values.count("outcome")) {
        const auto outcome = parseOutcome(values["outcome"].as<std::string>());
        if (!outcome) {
            throw UsageError("--outcome must be ok or failed, not \"" +
                             values["outcome"].as<std::string>() + "\"");
        }
        filter.set_outcome(*outcome);
    }
    // Looked up before touching the field: mutable_start_time() alone would set it (to 1970).
    auto timeFlag = [&](const char *name) -> std::optional<google::protobuf::Timestamp> {
        if (!values.count(name)) {
            return std::nullopt;
        }
        const auto &text = values[name].as<std::string>();
        const auto when = parseTimePoint(text, now);
        if (!when) {
            throw UsageError(std::string("--") + name +
                             " must be a duration ago such as 1h or an RFC 3339 time such as "
                             "2024-05-01T12:00:00Z, not \"" +
                             text + "\"");
        }
        return when;
    };
    if (const auto since = timeFlag("since")) {
        *filter.mutable_start_time() = *since;
    }
    if (const auto until = timeFlag("until")) {
        *filter.mutable_end_time() = *until;
    }
    return filter;
}

std::string outcomeText(const v1::AuditRecord &record) {
    return record.code() == 0 ? "ok" : statusCodeName(static_cast<StatusCode>(record.code()));
}

// The summary for a success; the error for a failure.
std::string detailText(const v1::AuditRecord &record) {
    return record.code() == 0 || record.error().empty() ? record.summary() : record.error();
}

const std::vector<std::string> &recordColumns() {
    static const std::vector<std::string> columns = {"TIME",    "ACTOR",    "METHOD", "RESOURCE",
                                                     "OUTCOME", "REVISION", "DETAIL"};
    return columns;
}

std::vector<std::string> recordCells(const v1::AuditRecord &record) {
    return {formatTimestamp(record.time()),
            record.actor(),
            shortMethodName(record.method()),
            record.resource().empty() ? "-" : record.resource(),
            outcomeText(record),
            record.revision() > 0 ? std::to_string(record.revision()) : "-",
            detailText(record)};
}

int runList(CommandContext &context, const po::variables_map &values) {
    const int limit = values["limit"].as<int>();
    const int pageSize = values["page-size"].as<int>();
    if (limit <= 0) {
        throw UsageError("--limit must be at least 1");
    }
    if (pageSize <= 0 || pageSize > 1000) {
        throw UsageError("--page-size must be between 1 and 1000");
    }
    v1::ListAuditRecordsRequest request;
    *request.mutable_filter() = buildFilter(values, context.now());

    auto stub = v1::AuditService::NewStub(context.channel());
    // Pages gathered into one response; next_page_token is kept when --limit cut the listing
    // short, so a script can continue from there.
    v1::ListAuditRecordsResponse all;
    do {
        request.set_page_size(std::min(limit - all.records_size(), pageSize));
        v1::ListAuditRecordsResponse page;
        const auto call = context.newCall();
        if (const auto status = stub->ListAuditRecords(call.get(), request, &page); !status.ok()) {
            return context.failRpc(status);
        }
        *all.mutable_header() = page.header();
        for (auto &record : *page.mutable_records()) {
            if (all.records_size() < limit) {
                *all.add_records() = std::move(record);
            }
        }
        all.set_next_page_token(page.next_page_token());
        request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty() && all.records_size() < limit);

    if (context.format() == OutputFormat::Json) {
        context.printJson(all);
        return 0;
    }
    TextTable table(recordColumns());
    for (const auto &record : all.records()) {
        table.addRow(recordCells(record));
    }
    table.print(context.out());
    if (!all.next_page_token().empty()) {
        context.err() << "(showing the newest " << limit << "; raise --limit for more)\n";
    }
    return 0;
}

int runWatch(CommandContext &context, const po::variables_map &values) {
    v1::WatchAuditRecordsRequest request;
    *request.mutable_filter() = buildFilter(values, context.now());
    request.set_start_revision(values["start-revision"].as<std::int64_t>());
    const int count = values["count"].as<int>();

    grpc::ClientContext call;
    if (values.count("for")) {
        client::setTimeout(call, durationFlag(values, "for"));
    }
    // The stream lasts until interrupted (or --for); --timeout bounds reaching the server.
    const auto connectDeadline = std::chrono::system_clock::now() + context.options().timeout;
    if (!context.channel()->WaitForConnected(connectDeadline)) {
        return context.failRpc(
            grpc::Status(grpc::StatusCode::UNAVAILABLE,
                         "cannot connect to " + context.options().connection.address));
    }

    const bool json = context.format() == OutputFormat::Json;
    if (!json) {
        std::string header;
        for (const auto &column : recordColumns()) {
            header += (header.empty() ? "" : "  ") + column;
        }
        context.out() << header << std::endl;
    }
    // On a WatchService stream like the other watches, but not resumed after an error (it is no
    // ResumingWatch): it ends at --count, at --for or with an error. Nothing stops `unused`:
    // Ctrl-C keeps its default effect here.
    client::WatchMux mux(context.channel());
    client::StopSignal unused;
    v1::WatchCreateRequest create;
    *create.mutable_audit() = request;
    int seen = 0;
    grpc::Status status;
    // OK: the shared stream reached its lifetime; the watch goes on from where it was.
    while (status.ok() && (count == 0 || seen < count)) {
        status = mux.run(
            create, call, unused,
            [&](const v1::WatchResponse &message) {
                auto &resume = *create.mutable_audit();
                resume.set_start_revision(
                    std::max(resume.start_revision(), message.audit().header().revision() + 1));
                for (const auto &record : message.audit().records()) {
                    if (json) {
                        std::string line;
                        (void)google::protobuf::util::MessageToJsonString(record, &line);
                        context.out() << line << "\n";
                    } else {
                        std::string line;
                        for (const auto &cell : recordCells(record)) {
                            line += (line.empty() ? "" : "  ") + cell;
                        }
                        context.out() << line << "\n";
                    }
                    if (count != 0 && ++seen >= count) {
                        break;
                    }
                }
                context.out().flush();
                return count == 0 || seen < count;
            },
            nullptr);
    }
    if (count != 0 && seen >= count) {
        return 0;
    }
    // Reaching --for is how a bounded watch ends, not an error.
    if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED && values.count("for")) {
        return 0;
    }
    return status.ok() ? 0 : context.failRpc(status);
}

} // namespace

std::vector<Command> auditCommands() {
    return {
        {"audit list",
         "[--actor A] [--method M] [--resource R] [--outcome ok|failed] [--since WHEN] "
         "[--limit N] [flags]",
         "Lists audit records, newest first.",
         [](CommandFlags &flags) {
             declareFilterFlags(flags);
             // clang-format off
             flags.visible.add_options()
                 ("limit", po::value<int>()->value_name("N")->default_value(100),
                     "show at most N records, following pages as needed")
                 ("page-size", po::value<int>()->value_name("N")->default_value(1000),
                     "records to ask for per request (at most 1000)");
             // clang-format on
         },
         runList},
        {"audit watch", "[filter flags] [--for DURATION] [--count N] [flags]",
         "Prints audit records as they are written (JSON output: one record per line).",
         [](CommandFlags &flags) {
             declareFilterFlags(flags);
             // clang-format off
             flags.visible.add_options()
                 ("start-revision", po::value<std::int64_t>()->value_name("REV")->default_value(0),
                     "start at this store revision (0: from now)")
                 ("for", po::value<std::string>()->value_name("DURATION"),
                     "stop after this long (default: until interrupted)")
                 ("count", po::value<int>()->value_name("N")->default_value(0),
                     "stop after N records (0: no limit)");
             // clang-format on
         },
         runWatch},
    };
}

} // namespace aegis::cli
