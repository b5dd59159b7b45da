// Alerts: what fires and its history, rule files (list, get, put, test, import, export) and
// Alertmanager's silences, through aegisd's AlertService.

#include "alerting/matcher.h"
#include "argument_values.h"
#include "command.h"
#include "command_context.h"
#include "common/duration.h"
#include "config_support.h"
#include "resuming_watch.h"
#include "text_output.h"

#include "aegis/v1/alerting.grpc.pb.h"

#include <google/protobuf/util/time_util.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace aegis::cli {
namespace {

using AlertStub = v1::AlertService::Stub;

std::string alertStateName(v1::AlertState state) {
    switch (state) {
    case v1::ALERT_STATE_PENDING:
        return "pending";
    case v1::ALERT_STATE_FIRING:
        return "firing";
    case v1::ALERT_STATE_RESOLVED:
        return "resolved";
    case v1::ALERT_STATE_INACTIVE:
        return "inactive";
    default:
        return "unknown";
    }
}

std::string ruleHealthName(v1::RuleHealth health) {
    switch (health) {
    case v1::RULE_HEALTH_OK:
        return "ok";
    case v1::RULE_HEALTH_ERR:
        return "err";
    default:
        return "unknown";
    }
}

std::string silenceStateName(v1::SilenceState state) {
    switch (state) {
    case v1::SILENCE_STATE_ACTIVE:
        return "active";
    case v1::SILENCE_STATE_PENDING:
        return "pending";
    case v1::SILENCE_STATE_EXPIRED:
        return "expired";
    default:
        return "unknown";
    }
}

std::string valueText(double value) {
    if (std::isnan(value)) {
        return "NaN";
    }
    char text[32];
    std::snprintf(text, sizeof text, "%.6g", value);
    return text;
}

std::string labelOf(const google::protobuf::RepeatedPtrField<v1::Label> &labels,
                    std::string_view name) {
    for (const auto &label : labels) {
        if (label.name() == name) {
            return label.value();
        }
    }
    return {};
}

// `a="1", b="2"`, leaving out alertname (shown in its own column).
std::string labelsLine(const google::protobuf::RepeatedPtrField<v1::Label> &labels) {
    std::string text;
    for (const auto &label : labels) {
        if (label.name() != "alertname") {
            text += (text.empty() ? "" : ", ") + label.name() + "=\"" + label.value() + "\"";
        }
    }
    return text.empty() ? "-" : text;
}

std::string matchersText(const google::protobuf::RepeatedPtrField<v1::Matcher> &matchers) {
    std::string text;
    for (const auto &m : matchers) {
        text += (text.empty() ? "" : ", ") +
                alerting::formatMatcher({m.name(), m.value(), m.is_regex(), m.is_equal()});
    }
    return text;
}

// Matchers as Alertmanager writes them ("service=checkout", "severity=~crit.*"), one per word or
// several in one `{...}`. Throws UsageError naming `flag`.
void addMatchers(const std::vector<std::string> &words, const std::string &flag,
                 google::protobuf::RepeatedPtrField<v1::Matcher> *out) {
    for (const std::string &word : words) {
        auto parsed = alerting::parseMatchers(word, flag);
        if (!parsed) {
            throw UsageError(parsed.status().message());
        }
        for (const alerting::Matcher &matcher : *parsed) {
            auto *m = out->Add();
            m->set_name(matcher.name);
            m->set_value(matcher.value);
            m->set_is_regex(matcher.isRegex);
            m->set_is_equal(matcher.isEqual);
        }
    }
}

std::vector<std::string> listFlag(const po::variables_map &values, const char *name) {
    return values.count(name) ? values[name].as<std::vector<std::string>>()
                              : std::vector<std::string>{};
}

// ---- alerts list / watch / history ------------------------------------------------------------

int runAlertsList(CommandContext &context, const po::variables_map &values) {
    v1::ListAlertsRequest request;
    addMatchers(listFlag(values, "match"), "--match", request.mutable_matchers());
    request.set_include_resolved(values["resolved"].as<bool>());
    request.set_exclude_silenced(values["exclude-silenced"].as<bool>());
    auto stub = v1::AlertService::NewStub(context.channel());
    v1::ListAlertsResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->ListAlerts(call.get(), request, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    if (response.alerts().empty()) {
        context.out() << "no alerts\n";
        return 0;
    }
    TextTable table(
        {"STATE", "ALERT", "SEVERITY", "ACTIVE SINCE", "VALUE", "LABELS", "SILENCED", "ID"});
    for (const auto &alert : response.alerts()) {
        table.addRow({alertStateName(alert.state()), labelOf(alert.labels(), "alertname"),
                      orDash(labelOf(alert.labels(), "severity")),
                      formatRelative(alert.active_at(), context.now()), valueText(alert.value()),
                      labelsLine(alert.labels()), alert.silenced_by().empty() ? "-" : "yes",
                      alert.id()});
    }
    table.print(context.out());
    return 0;
}

const std::vector<std::size_t> &watchWidths() {
    static const std::vector<std::size_t> widths = {19, 8, 8, 9, 24, 12, 0};
    return widths;
}

// On an RPC of its own: WatchService carries no alert watch.
class AlertWatch final : public ResumingWatch {
public:
    AlertWatch(CommandContext &context, v1::WatchAlertsRequest request, int count,
               std::optional<std::chrono::steady_clock::time_point> deadline)
        : ResumingWatch(context, count, deadline)
        , m_request(std::move(request))
        , m_stub(v1::AlertService::NewStub(context.channel())) {}

    std::int64_t nextRevision() const override { return m_request.start_revision(); }
    std::string itemsName() const override { return "alert changes"; }
    std::string compactedHint(std::int64_t) const override {
        return "list the current alerts with 'aegisctl alerts list', then watch from now "
               "(--from 0).";
    }

private:
    grpc::Status stream(grpc::ClientContext &call) override {
        auto reader = m_stub->WatchAlerts(&call, m_request);
        const bool json = m_context.format() == OutputFormat::Json;
        v1::WatchAlertsResponse response;
        while (reader->Read(&response)) {
            received();
            printHeaderOnce([] {
                return alignedLine(
                    {"TIME", "REVISION", "EVENT", "STATE", "ALERT", "VALUE", "LABELS"},
                    watchWidths());
            });
            const auto receivedAt = google::protobuf::util::TimeUtil::GetCurrentTime();
            for (const auto &event : response.events()) {
                if (json) {
                    m_context.printJsonLine(event);
                } else {
                    const auto &alert = event.alert();
                    const std::string type = response.snapshot() ? "current"
                                             : event.type() == v1::ALERT_EVENT_TYPE_REMOVED
                                                 ? "removed"
                                                 : "changed";
                    m_context.out()
                        << alignedLine({formatTimestamp(receivedAt),
                                        std::to_string(response.header().revision()), type,
                                        alertStateName(alert.state()),
                                        labelOf(alert.labels(), "alertname"),
                                        valueText(alert.value()), labelsLine(alert.labels())},
                                       watchWidths())
                        << "\n";
                }
                if (counted()) {
                    break;
                }
            }
            if (endOfMessage(m_request, response.header().revision())) {
                call.TryCancel();
                (void)reader->Finish();
                return grpc::Status::OK;
            }
        }
        return reader->Finish();
    }

    v1::WatchAlertsRequest m_request;
    std::unique_ptr<AlertStub> m_stub;
};

int runAlertsWatch(CommandContext &context, const po::variables_map &values) {
    v1::WatchAlertsRequest request;
    addMatchers(listFlag(values, "match"), "--match", request.mutable_matchers());
    const auto from = values["from"].as<std::int64_t>();
    if (from < 0) {
        throw UsageError("--from must be a revision (0: the current alerts first)");
    }
    request.set_start_revision(from);
    AlertWatch watch(context, std::move(request), countFlag(values), forDeadline(values));
    return watch.run();
}

int runAlertsHistory(CommandContext &context, const po::variables_map &values) {
    v1::GetAlertHistoryRequest request;
    const auto id = stringFlag(values, "id");
    const auto rule = stringFlag(values, "rule");
    if (id.has_value() == rule.has_value()) {
        throw UsageError("give an alert id or --rule FILE/GROUP/ALERTNAME");
    }
    request.set_alert_id(id.value_or(""));
    request.set_rule(rule.value_or(""));
    request.set_limit(values["limit"].as<int>());
    auto stub = v1::AlertService::NewStub(context.channel());
    v1::GetAlertHistoryResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->GetAlertHistory(call.get(), request, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    if (response.transitions().empty()) {
        context.out() << "no transitions\n";
        return 0;
    }
    TextTable table({"TIME", "ALERT", "FROM", "TO", "VALUE", "LABELS"});
    for (const auto &transition : response.transitions()) {
        table.addRow({formatTimestamp(transition.time()), labelOf(transition.labels(), "alertname"),
                      alertStateName(transition.from()), alertStateName(transition.to()),
                      valueText(transition.value()), labelsLine(transition.labels())});
    }
    table.print(context.out());
    return 0;
}

// ---- alerts rules ---------------------------------------------------------------------------

int runRulesList(CommandContext &context, const po::variables_map &values) {
    v1::ListRulesRequest request;
    request.set_file(stringFlag(values, "file").value_or(""));
    auto stub = v1::AlertService::NewStub(context.channel());
    v1::ListRulesResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->ListRules(call.get(), request, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    if (response.files().empty()) {
        context.out() << "no rule files\n";
        return 0;
    }
    TextTable files({"FILE", "VERSION", "AUTHOR", "UPDATED", "GROUPS", "RULES"});
    for (const auto &file : response.files()) {
        files.addRow({file.name(), std::to_string(file.version()), file.author(),
                      formatRelative(file.update_time(), context.now()),
                      std::to_string(file.group_count()), std::to_string(file.rule_count())});
    }
    files.print(context.out());
    if (response.rules().empty()) {
        return 0;
    }
    context.out() << "\n";
    TextTable rules({"FILE", "GROUP", "RULE", "FOR", "HEALTH", "PENDING", "FIRING", "LAST ERROR"});
    for (const auto &rule : response.rules()) {
        rules.addRow({rule.file(), rule.group(),
                      rule.name() + (rule.recording() ? " (recording)" : ""),
                      aegis::formatDuration(std::chrono::milliseconds(rule.for_ms())),
                      ruleHealthName(rule.health()), std::to_string(rule.pending()),
                      std::to_string(rule.firing()), orDash(clipped(rule.last_error()))});
    }
    rules.print(context.out());
    return 0;
}

// The rule file `name` as it was put; NOT_FOUND ends the command.
grpc::Status getRuleFile(CommandContext &context, const std::string &name,
                         v1::GetRuleFileResponse &response) {
    auto stub = v1::AlertService::NewStub(context.channel());
    v1::GetRuleFileRequest request;
    request.set_name(name);
    const auto call = context.newCall();
    return stub->GetRuleFile(call.get(), request, &response);
}

int runRulesGet(CommandContext &context, const po::variables_map &values) {
    v1::GetRuleFileResponse response;
    if (const auto status = getRuleFile(context, values["name"].as<std::string>(), response);
        !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    writeData(context.out(), response.content());
    return 0;
}

int runRulesExport(CommandContext &context, const po::variables_map &values) {
    const auto outputFile = stringFlag(values, "output-file");
    if (outputFile && outputFile->empty()) {
        throw UsageError("--output-file must name a file");
    }
    v1::GetRuleFileResponse response;
    if (const auto status = getRuleFile(context, values["name"].as<std::string>(), response);
        !status.ok()) {
        return context.failRpc(status);
    }
    if (outputFile) {
        writeFile(*outputFile, response.content(), false);
        context.err() << "Wrote " << response.file().name() << " v" << response.file().version()
                      << " to " << *outputFile << ".\n";
        return 0;
    }
    writeData(context.out(), response.content());
    return 0;
}

// Publishes `content` as rule file `name`, over --base-version or the current version.
int putRuleFile(CommandContext &context, const po::variables_map &values, const std::string &name,
                const std::string &content) {
    const auto comment = stringFlag(values, "comment");
    if (!comment || comment->empty()) {
        throw UsageError("--comment is required: say why");
    }
    v1::PutRuleFileRequest request;
    request.set_name(name);
    request.set_content(content);
    request.set_comment(*comment);
    if (values.count("base-version")) {
        request.set_base_version(values["base-version"].as<std::int64_t>());
    } else {
        v1::GetRuleFileResponse current;
        const auto status = getRuleFile(context, name, current);
        if (!status.ok() && status.error_code() != grpc::StatusCode::NOT_FOUND) {
            return context.failRpc(status);
        }
        request.set_base_version(status.ok() ? current.file().version() : 0);
    }
    auto stub = v1::AlertService::NewStub(context.channel());
    v1::PutRuleFileResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->PutRuleFile(call.get(), request, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    if (!response.proposal_id().empty()) {
        context.out() << "Proposed " << name << " (proposal " << response.proposal_id()
                      << "): it is published once approved (aegisctl config proposals "
                         "aegis-alerting).\n";
        return 0;
    }
    context.out() << "Published rule file " << name << " v" << response.file().version() << " ("
                  << response.file().group_count() << " groups, " << response.file().rule_count()
                  << " rules; revision " << response.header().revision() << ").\n";
    return 0;
}

int runRulesPut(CommandContext &context, const po::variables_map &values) {
    const ContentSource source = contentSourceArg(values);
    return putRuleFile(context, values, values["name"].as<std::string>(), readContent(source));
}

int runRulesImport(CommandContext &context, const po::variables_map &values) {
    const auto path = values["path"].as<std::string>();
    std::string name;
    if (values.count("name")) {
        name = values["name"].as<std::string>();
    } else {
        // "rules/node.yml" is "node": the extension names the format, not the file.
        const std::filesystem::path file(path);
        const std::string extension = file.extension().string();
        name = extension == ".yml" || extension == ".yaml" ? file.stem().string()
                                                           : file.filename().string();
    }
    return putRuleFile(context, values, name, readFile(path));
}

int runRulesTest(CommandContext &context, const po::variables_map &values) {
    v1::TestRuleRequest request;
    request.set_rule(readContent(contentSourceArg(values)));
    if (values.count("interval")) {
        request.set_interval_ms(durationFlag(values, "interval").count());
    }
    auto stub = v1::AlertService::NewStub(context.channel());
    v1::TestRuleResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->TestRule(call.get(), request, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    for (const auto &warning : response.warnings()) {
        context.err() << "warning: " << warning << "\n";
    }
    context.out() << response.series_count() << " series; " << response.alerts_size()
                  << " would be active\n";
    if (response.alerts().empty()) {
        return 0;
    }
    TextTable table({"STATE", "ALERT", "VALUE", "LABELS", "SUMMARY"});
    for (const auto &alert : response.alerts()) {
        table.addRow({alertStateName(alert.state()), labelOf(alert.labels(), "alertname"),
                      valueText(alert.value()), labelsLine(alert.labels()),
                      orDash(clipped(labelOf(alert.annotations(), "summary")))});
    }
    table.print(context.out());
    return 0;
}

// ---- alerts silence -------------------------------------------------------------------------

int runSilenceAdd(CommandContext &context, const po::variables_map &values) {
    v1::CreateSilenceRequest request;
    addMatchers(listFlag(values, "matchers"), "matchers", request.mutable_matchers());
    request.set_duration_ms(durationFlag(values, "duration").count());
    const auto comment = stringFlag(values, "comment");
    if (!comment || comment->empty()) {
        throw UsageError("--comment is required: say why");
    }
    request.set_comment(*comment);
    auto stub = v1::AlertService::NewStub(context.channel());
    v1::CreateSilenceResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->CreateSilence(call.get(), request, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    context.out() << "Silenced {" << matchersText(response.silence().matchers()) << "} until "
                  << whenText(response.silence().ends_at(), context.now()) << " (silence "
                  << response.silence().id() << ").\n";
    return 0;
}

int runSilenceList(CommandContext &context, const po::variables_map &values) {
    v1::ListSilencesRequest request;
    request.set_include_expired(values["expired"].as<bool>());
    auto stub = v1::AlertService::NewStub(context.channel());
    v1::ListSilencesResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->ListSilences(call.get(), request, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    if (response.silences().empty()) {
        context.out() << "no silences\n";
        return 0;
    }
    TextTable table({"ID", "STATE", "MATCHERS", "ENDS", "BY", "COMMENT"});
    for (const auto &silence : response.silences()) {
        table.addRow({silence.id(), silenceStateName(silence.state()),
                      matchersText(silence.matchers()),
                      formatRelative(silence.ends_at(), context.now()), silence.created_by(),
                      clipped(silence.comment())});
    }
    table.print(context.out());
    return 0;
}

int runSilenceExpire(CommandContext &context, const po::variables_map &values) {
    v1::ExpireSilenceRequest request;
    request.set_id(values["id"].as<std::string>());
    auto stub = v1::AlertService::NewStub(context.channel());
    v1::ExpireSilenceResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->ExpireSilence(call.get(), request, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    context.out() << "Expired silence " << request.id() << ".\n";
    return 0;
}

// ---- declarations -----------------------------------------------------------------------------

void declareMatch(CommandFlags &flags) {
    flags.visible.add_options()(
        "match", po::value<std::vector<std::string>>()->value_name("MATCHER"),
        "only alerts matching this, e.g. service=checkout or severity=~crit.* (repeatable)");
}

void declareName(CommandFlags &flags) {
    flags.hidden.add_options()("name", po::value<std::string>()->required(), "NAME");
    flags.positional.add("name", 1);
}

void declarePublish(CommandFlags &flags) {
    // clang-format off
    flags.visible.add_options()
        ("comment", po::value<std::string>()->value_name("TEXT"), "why (required)")
        ("base-version", po::value<std::int64_t>()->value_name("N"),
            "the version this was edited from (default: the current one; 0 creates)");
    // clang-format on
}

void declareContent(CommandFlags &flags) {
    // clang-format off
    flags.visible.add_options()
        ("file", po::value<std::string>()->value_name("PATH"), "the content, from a file")
        ("content", po::value<std::string>()->value_name("TEXT"), "the content, given inline");
    flags.hidden.add_options()("stdin", po::value<std::string>(), "-");
    // clang-format on
}

} // namespace

std::vector<Command> alertCommands() {
    return {
        {"alerts list", "[--match MATCHER]... [--resolved] [--exclude-silenced] [flags]",
         "Lists pending and firing alerts (and lately resolved ones with --resolved).",
         [](CommandFlags &flags) {
             declareMatch(flags);
             // clang-format off
             flags.visible.add_options()
                 ("resolved", po::bool_switch(), "also alerts resolved in the last 15 minutes")
                 ("exclude-silenced", po::bool_switch(), "leave out alerts a silence matches");
             // clang-format on
         },
         runAlertsList},
        {"alerts watch", "[--match MATCHER]... [--from REV] [--for DURATION] [--count N] [flags]",
         "Prints the current alerts, then every change of an alert's state, value or annotations.",
         [](CommandFlags &flags) {
             declareMatch(flags);
             // clang-format off
             flags.visible.add_options()
                 ("from", po::value<std::int64_t>()->value_name("REV")->default_value(0),
                     "resume after this revision (0: the current alerts first)")
                 ("for", po::value<std::string>()->value_name("DURATION"),
                     "stop after this long (default: until interrupted)")
                 ("count", po::value<int>()->value_name("N")->default_value(0),
                     "stop after N alert changes (0: no limit)");
             // clang-format on
         },
         runAlertsWatch},
        {"alerts history", "(ID | --rule FILE/GROUP/ALERTNAME) [--limit N] [flags]",
         "Lists the state transitions of one alert, or of every alert of a rule, newest first.",
         [](CommandFlags &flags) {
             flags.hidden.add_options()("id", po::value<std::string>(), "ID");
             flags.positional.add("id", 1);
             // clang-format off
             flags.visible.add_options()
                 ("rule", po::value<std::string>()->value_name("RULE"),
                     "every alert of this rule: FILE/GROUP/ALERTNAME")
                 ("limit", po::value<int>()->value_name("N")->default_value(100),
                     "at most N transitions, 1 to 1000");
             // clang-format on
         },
         runAlertsHistory},
        {"alerts rules list", "[--file NAME] [flags]",
         "Lists the rule files, then every rule with its evaluation health.",
         [](CommandFlags &flags) {
             flags.visible.add_options()("file", po::value<std::string>()->value_name("NAME"),
                                         "only this rule file");
         },
         runRulesList},
        {"alerts rules get", "NAME [flags]",
         "Prints a rule file exactly as it was put (--output json adds its version and author).",
         declareName, runRulesGet},
        {"alerts rules put", "NAME (--file PATH | --content TEXT | -) --comment TEXT [flags]",
         "Creates or replaces a rule file (Prometheus format); aegisd validates every rule and "
         "checks each expression against the metrics backend first.",
         [](CommandFlags &flags) {
             declareName(flags);
             flags.positional.add("stdin", 1);
             declareContent(flags);
             declarePublish(flags);
         },
         guarded(runRulesPut)},
        {"alerts rules test", "(--file PATH | --content TEXT | -) [--interval DURATION] [flags]",
         "Evaluates one draft alerting rule now: which series would be pending or firing.",
         [](CommandFlags &flags) {
             flags.positional.add("stdin", 1);
             declareContent(flags);
             flags.visible.add_options()("interval",
                                         po::value<std::string>()->value_name("DURATION"),
                                         "the group interval it would run at (default: "
                                         "alerting.evaluation_interval)");
         },
         guarded(runRulesTest)},
        {"alerts rules import", "PATH [--name NAME] --comment TEXT [flags]",
         "Puts a Prometheus rule file from PATH unchanged; its name defaults to the file's name "
         "without .yml or .yaml.",
         [](CommandFlags &flags) {
             flags.hidden.add_options()("path", po::value<std::string>()->required(), "PATH");
             flags.positional.add("path", 1);
             flags.visible.add_options()("name", po::value<std::string>()->value_name("NAME"),
                                         "the rule file's name in aegisd");
             declarePublish(flags);
         },
         guarded(runRulesImport)},
        {"alerts rules export", "NAME [--output-file PATH] [flags]",
         "Writes a rule file exactly as it was put, to standard output or a file.",
         [](CommandFlags &flags) {
             declareName(flags);
             flags.visible.add_options()("output-file",
                                         po::value<std::string>()->value_name("PATH"),
                                         "write it here instead of standard output");
         },
         guarded(runRulesExport)},
        {"alerts silence add", "MATCHER... --duration DURATION --comment TEXT [flags]",
         "Silences the alerts every matcher matches (service=checkout severity=~crit.*) in "
         "Alertmanager.",
         [](CommandFlags &flags) {
             flags.hidden.add_options()(
                 "matchers", po::value<std::vector<std::string>>()->required(), "MATCHER");
             flags.positional.add("matchers", -1);
             // clang-format off
             flags.visible.add_options()
                 ("duration", po::value<std::string>()->value_name("DURATION")->default_value("2h"),
                     "how long, 1m to 90d")
                 ("comment", po::value<std::string>()->value_name("TEXT"), "why (required)");
             // clang-format on
         },
         runSilenceAdd},
        {"alerts silence list", "[--expired] [flags]", "Lists Alertmanager's silences.",
         [](CommandFlags &flags) {
             flags.visible.add_options()("expired", po::bool_switch(), "also expired silences");
         },
         runSilenceList},
        {"alerts silence expire", "ID [flags]", "Ends a silence now.",
         [](CommandFlags &flags) {
             flags.hidden.add_options()("id", po::value<std::string>()->required(), "ID");
             flags.positional.add("id", 1);
         },
         runSilenceExpire},
    };
}

} // namespace aegis::cli
