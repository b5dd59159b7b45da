#include "argument_values.h"
#include "command.h"
#include "command_context.h"
#include "common/status.h"
#include "resuming_watch.h"
#include "text_output.h"

#include "aegis/v1/audit.grpc.pb.h"
#include "aegis/v1/watch.pb.h"

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

// A watch's line: the cells separated by two spaces.
std::string joinedCells(const std::vector<std::string> &cells) {
    std::string line;
    for (const auto &cell : cells) {
        line += (line.empty() ? "" : "  ") + cell;
    }
    return line;
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

// Streams audit records until interrupted, --for or --count; when the stream breaks for a reason
// that may pass (the daemon restarting), it opens a new one after the last revision it printed,
// so no record is missed or repeated.
class AuditWatch final : public ResumingWatch {
public:
    AuditWatch(CommandContext &context, v1::WatchAuditRecordsRequest request, int count,
               std::optional<std::chrono::steady_clock::time_point> deadline)
        : ResumingWatch(context, count, deadline)
        , m_request(std::move(request)) {}

    std::int64_t nextRevision() const override { return m_request.start_revision(); }
    std::string itemsName() const override { return "records"; }
    std::string compactedHint(std::int64_t compact) const override {
        return "list what was written meanwhile with 'aegisctl audit list', then watch with "
               "--from " +
               std::to_string(compact + 1) + " or later.";
    }

private:
    grpc::Status stream(grpc::ClientContext &call) override {
        v1::WatchCreateRequest create;
        *create.mutable_audit() = m_request;
        return streamShared(call, create, [this](const v1::WatchResponse &message) {
            return print(message.audit());
        });
    }

    // Prints one message; true once --count is reached.
    bool print(const v1::WatchAuditRecordsResponse &response) {
        const bool json = m_context.format() == OutputFormat::Json;
        printHeaderOnce([] { return joinedCells(recordColumns()); });
        for (const auto &record : response.records()) {
            if (json) {
                m_context.printJsonLine(record);
            } else {
                m_context.out() << joinedCells(recordCells(record)) << "\n";
            }
            if (counted()) {
                break;
            }
        }
        return endOfMessage(m_request, response.header().revision());
    }

    v1::WatchAuditRecordsRequest m_request;
};

int runWatch(CommandContext &context, const po::variables_map &values) {
    v1::WatchAuditRecordsRequest request;
    *request.mutable_filter() = buildFilter(values, context.now());
    auto from = values["from"].as<std::int64_t>();
    // --start-revision is the flag's older name, kept so scripts using it go on working.
    if (values.count("start-revision") != 0) {
        if (!values["from"].defaulted()) {
            throw UsageError("--from and --start-revision (its older name) both given: give one");
        }
        from = values["start-revision"].as<std::int64_t>();
    }
    if (from < 0) {
        throw UsageError("--from must be a revision (0: from now)");
    }
    request.set_start_revision(from);
    AuditWatch watch(context, std::move(request), countFlag(values), forDeadline(values));
    return watch.run();
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
        {"audit watch", "[filter flags] [--from REV] [--for DURATION] [--count N] [flags]",
         "Prints audit records as they are written (JSON output: one record per line).",
         [](CommandFlags &flags) {
             declareFilterFlags(flags);
             // clang-format off
             flags.visible.add_options()
                 ("from", po::value<std::int64_t>()->value_name("REV")->default_value(0),
                     "start at this store revision (0: from now)")
                 ("for", po::value<std::string>()->value_name("DURATION"),
                     "stop after this long (default: until interrupted)")
                 ("count", po::value<int>()->value_name("N")->default_value(0),
                     "stop after N records (0: no limit)");
             flags.hidden.add_options()
                 ("start-revision", po::value<std::int64_t>());
             // clang-format on
         },
         runWatch},
    };
}

} // namespace aegis::cli
