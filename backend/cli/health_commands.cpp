// Health checking: a service's check configuration, its instances' health, their transitions, and
// the reports of ttl checks.

#include "argument_values.h"
#include "command.h"
#include "command_context.h"
#include "common/duration.h"
#include "common/status.h"
#include "interruption.h"
#include "resuming_watch.h"
#include "text_output.h"
#include "validation/http_status_range.h"

#include "aegis/v1/health.grpc.pb.h"
#include "aegis/v1/registry.grpc.pb.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace po = boost::program_options;

namespace aegis::cli {
namespace {

constexpr int kMaxPageSize = 1000;
// Below this interval the server's default probe timeout (2 s) would exceed it.
constexpr std::int64_t kDefaultTimeoutMs = 2000;

std::string instanceName(const std::string &service, const std::string &id) {
    return service + "/" + id;
}

std::string millisText(std::int64_t ms) {
    return aegis::formatDuration(std::chrono::milliseconds(ms));
}

bool isNotFound(const grpc::Status &status) {
    return status.error_code() == grpc::StatusCode::NOT_FOUND;
}

// The reason without the output it quotes at its end ("3 consecutive failures: HTTP 503"), for
// output that shows both.
std::string bareReason(const std::string &reason, const std::string &output) {
    const std::string quoted = ": " + output;
    if (!output.empty() && reason.size() > quoted.size() && reason.ends_with(quoted)) {
        return reason.substr(0, reason.size() - quoted.size());
    }
    return reason;
}

// Reason and output in one cell: "3 consecutive failures: HTTP 503"; "-" when neither is set.
std::string reasonText(const std::string &reason, const std::string &output) {
    const std::string bare = bareReason(reason, output);
    if (bare.empty() || output.empty()) {
        return orDash(bare.empty() ? output : bare);
    }
    return bare + ": " + output;
}

// "passing → critical", with the markers of the new status.
std::string changeText(const v1::HealthTransition &transition) {
    std::string text =
        healthStatusName(transition.from()) + " → " + healthStatusName(transition.to());
    if (transition.flapping()) {
        text += ",flapping";
    }
    if (transition.ejected()) {
        text += ",ejected";
    }
    return text;
}

// TIME, REVISION, [INSTANCE,] CHANGE, REASON, OUTPUT.
std::vector<std::string> transitionCells(const v1::HealthTransition &transition,
                                         bool withInstance) {
    std::vector<std::string> cells = {formatTimestamp(transition.time()),
                                      std::to_string(transition.revision())};
    if (withInstance) {
        cells.push_back(instanceName(transition.service(), transition.instance_id()));
    }
    cells.push_back(changeText(transition));
    cells.push_back(orDash(bareReason(transition.reason(), transition.output())));
    cells.push_back(orDash(transition.output()));
    return cells;
}

// ---- check configuration ------------------------------------------------------------------------

std::string optionOr(const v1::HealthCheck &check, const std::string &name,
                     const std::string &fallback) {
    const auto found = check.options().find(name);
    return found == check.options().end() ? fallback : found->second;
}

// The check as FIELD / VALUE rows: what it probes, how often, and what turns an instance.
void addCheckRows(TextTable &table, const v1::HealthCheck &check) {
    table.addRow({"kind", check.kind()});
    if (check.kind() != "ttl") {
        table.addRow(
            {"port", check.port() == 0 ? "the instance's own" : std::to_string(check.port())});
    }
    const std::map<std::string, std::string> options(check.options().begin(),
                                                     check.options().end());
    if (check.kind() == "http") {
        table.addRow({"path", optionOr(check, "path", "/")});
        table.addRow({"status", optionOr(check, "status", "200-299")});
        table.addRow({"body contains", optionOr(check, "body_contains", "-")});
    } else if (check.kind() == "grpc") {
        table.addRow({"grpc service", optionOr(check, "service", "(the server as a whole)")});
    } else if (check.kind() == "ttl") {
        table.addRow({"ttl", optionOr(check, "ttl", "-")});
    }
    for (const auto &[name, value] : options) {
        const bool shown = (check.kind() == "http" &&
                            (name == "path" || name == "status" || name == "body_contains")) ||
                           (check.kind() == "grpc" && name == "service") ||
                           (check.kind() == "ttl" && name == "ttl");
        if (shown) {
            continue;
        }
        if (check.kind() == "http" && name.starts_with("header.")) {
            table.addRow({"header", name.substr(7) + ": " + value});
        } else {
            table.addRow({"option " + name, value});
        }
    }
    table.addRow({"interval", millisText(check.interval_ms())});
    table.addRow({"timeout", millisText(check.timeout_ms())});
    table.addRow({"rise", std::to_string(check.rise()) + " (passes in a row to turn passing)"});
    table.addRow({"fall", std::to_string(check.fall()) + " (failures in a row to turn critical)"});
    table.addRow({"initial status", healthStatusName(check.initial_status())});
    table.addRow({"deregister after", check.deregister_after_ms() == 0
                                          ? "never"
                                          : millisText(check.deregister_after_ms())});
    table.addRow({"jitter", millisText(check.jitter_ms())});
    table.addRow({"flap detection", check.flap_max_transitions() == 0
                                        ? "off"
                                        : std::to_string(check.flap_max_transitions()) +
                                              " transitions within " +
                                              millisText(check.flap_window_ms())});
    const double threshold = check.panic_threshold();
    char share[32];
    std::snprintf(share, sizeof share, "%g", threshold);
    table.addRow({"panic threshold", threshold >= 1.0
                                         ? std::string(share) + " (never in panic)"
                                         : std::string(share) + " (panic when over " +
                                               std::to_string(std::lround(threshold * 100)) +
                                               "% unroutable)"});
}

void printCheck(CommandContext &context, const std::string &service, const v1::HealthCheck &check,
                std::int64_t modRevision) {
    TextTable table({"FIELD", "VALUE"});
    table.addRow({"service", service});
    addCheckRows(table, check);
    table.addRow({"mod revision", std::to_string(modRevision)});
    table.print(context.out());
}

// ---- show ---------------------------------------------------------------------------------------

struct HealthCounts {
    std::map<v1::HealthStatus, int> byStatus;
    int unroutable = 0;
    int ejected = 0;
    int flapping = 0;
};

HealthCounts countHealth(const google::protobuf::RepeatedPtrField<v1::Instance> &instances) {
    HealthCounts counts;
    for (const auto &instance : instances) {
        ++counts.byStatus[instance.health().status()];
        counts.unroutable += instance.routable() ? 0 : 1;
        counts.ejected += instance.health().ejected() ? 1 : 0;
        counts.flapping += instance.health().flapping() ? 1 : 0;
    }
    return counts;
}

constexpr v1::HealthStatus kStatusOrder[] = {v1::HEALTH_STATUS_PASSING, v1::HEALTH_STATUS_WARNING,
                                             v1::HEALTH_STATUS_CRITICAL, v1::HEALTH_STATUS_UNKNOWN};

// "4 instances: 3 passing, 1 critical; 1 unroutable; not in panic".
std::string summaryLine(int total, const HealthCounts &counts, bool panic) {
    std::string line = std::to_string(total) + (total == 1 ? " instance" : " instances");
    std::string byStatus;
    for (const auto status : kStatusOrder) {
        const auto found = counts.byStatus.find(status);
        if (found != counts.byStatus.end() && found->second > 0) {
            byStatus += (byStatus.empty() ? "" : ", ") + std::to_string(found->second) + " " +
                        healthStatusName(status);
        }
    }
    if (!byStatus.empty()) {
        line += ": " + byStatus;
    }
    for (const auto &[count, what] :
         {std::pair{counts.ejected, "ejected"}, std::pair{counts.flapping, "flapping"},
          std::pair{counts.unroutable, "unroutable"}}) {
        if (count > 0) {
            line += "; " + std::to_string(count) + " " + what;
        }
    }
    line += panic ? "; IN PANIC: too many are unroutable, so discovery hands out every instance"
                  : "; not in panic";
    return line;
}

std::string routableText(const v1::Instance &instance) {
    if (!instance.routable()) {
        return "no";
    }
    const bool unhealthy =
        instance.health().status() == v1::HEALTH_STATUS_CRITICAL || instance.health().ejected();
    return unhealthy ? "yes (panic)" : "yes";
}

std::string instanceReason(const v1::Instance &instance,
                           std::chrono::system_clock::time_point now) {
    const auto &health = instance.health();
    std::string text = reasonText(health.reason(), health.output());
    if (health.ejected()) {
        const std::string until = "ejected until " + formatRelative(health.ejected_until(), now);
        text = text == "-" ? until : until + "; " + text;
    }
    return text;
}

int runShow(CommandContext &context, const po::variables_map &values) {
    const auto service = values["service"].as<std::string>();
    auto health = v1::HealthService::NewStub(context.channel());
    auto registry = v1::RegistryService::NewStub(context.channel());

    v1::GetHealthCheckRequest checkRequest;
    checkRequest.set_service(service);
    v1::GetHealthCheckResponse check;
    bool hasCheck = true;
    {
        const auto call = context.newCall();
        const auto status = health->GetHealthCheck(call.get(), checkRequest, &check);
        if (isNotFound(status)) {
            hasCheck = false;
        } else if (!status.ok()) {
            return context.failRpc(status);
        }
    }

    // The service for its panic flag; it exists only while it has instances.
    v1::GetServiceRequest serviceRequest;
    serviceRequest.set_name(service);
    v1::GetServiceResponse serviceResponse;
    bool serviceExists = true;
    {
        const auto call = context.newCall();
        const auto status = registry->GetService(call.get(), serviceRequest, &serviceResponse);
        if (isNotFound(status)) {
            serviceExists = false;
        } else if (!status.ok()) {
            return context.failRpc(status);
        }
    }
    if (!hasCheck && !serviceExists) {
        return context.failRpc(
            grpc::Status(grpc::StatusCode::NOT_FOUND,
                         "service '" + service + "' has no health check and no instances"));
    }

    v1::ListInstancesResponse instances;
    if (serviceExists) {
        v1::ListInstancesRequest list;
        list.set_service(service);
        list.set_include_unroutable(true);
        list.set_page_size(kMaxPageSize);
        do {
            v1::ListInstancesResponse page;
            const auto call = context.newCall();
            if (const auto status = registry->ListInstances(call.get(), list, &page);
                !status.ok()) {
                return context.failRpc(status);
            }
            for (auto &instance : *page.mutable_instances()) {
                *instances.add_instances() = std::move(instance);
            }
            list.set_page_token(page.next_page_token());
        } while (!list.page_token().empty());
    }

    const auto counts = countHealth(instances.instances());
    const bool panic = serviceResponse.service().panic();
    if (context.format() == OutputFormat::Json) {
        nlohmann::json statusCounts = nlohmann::json::object();
        for (const auto status : kStatusOrder) {
            const auto found = counts.byStatus.find(status);
            statusCounts[healthStatusName(status)] =
                found == counts.byStatus.end() ? 0 : found->second;
        }
        nlohmann::json document = {
            {"service", service},
            {"check", hasCheck ? messageToJson(check.check()) : nlohmann::json(nullptr)},
            {"modRevision", std::to_string(hasCheck ? check.mod_revision() : 0)},
            {"panic", panic},
            {"counts",
             {{"instances", instances.instances_size()},
              {"status", statusCounts},
              {"unroutable", counts.unroutable},
              {"ejected", counts.ejected},
              {"flapping", counts.flapping}}},
            {"instances", messageToJson(instances).value("instances", nlohmann::json::array())},
        };
        context.printJson(document);
        return 0;
    }

    if (hasCheck) {
        printCheck(context, service, check.check(), check.mod_revision());
    } else {
        context.out() << service << ": no health check configured; instances stay unknown and "
                      << "routable. Set one with 'aegisctl health set " << service
                      << " --http PATH' (or --tcp, --grpc, --ttl DURATION).\n";
    }
    context.out() << "\n" << summaryLine(instances.instances_size(), counts, panic) << "\n";
    if (instances.instances_size() == 0) {
        return 0;
    }
    TextTable table({"ID", "ADDRESS", "STATE", "HEALTH", "ROUTABLE", "SINCE", "REASON"});
    for (const auto &instance : instances.instances()) {
        table.addRow({instance.id(), instance.address(), instanceStateName(instance.state()),
                      healthText(instance.health()), routableText(instance),
                      formatRelative(instance.health().changed_at(), context.now()),
                      instanceReason(instance, context.now())});
    }
    table.print(context.out());
    return 0;
}

// ---- set / delete -------------------------------------------------------------------------------

// The flags that only an http check reads.
constexpr const char *kHttpOnlyFlags[] = {"status", "body-contains", "header"};

v1::UpdateHealthCheckRequest buildUpdate(const po::variables_map &values) {
    v1::UpdateHealthCheckRequest request;
    request.set_service(values["service"].as<std::string>());
    auto &check = *request.mutable_check();
    auto &options = *check.mutable_options();

    const int kinds = static_cast<int>(values.count("http")) + (values["tcp"].as<bool>() ? 1 : 0) +
                      static_cast<int>(values.count("grpc")) +
                      static_cast<int>(values.count("ttl"));
    if (kinds != 1) {
        throw UsageError(std::string(kinds == 0 ? "missing the kind of check: "
                                                : "more than one kind of check: ") +
                         "give exactly one of --http PATH, --tcp, --grpc [NAME] and "
                         "--ttl DURATION");
    }
    if (values.count("http")) {
        check.set_kind("http");
        const auto &path = values["http"].as<std::string>();
        if (path.empty() || path.front() != '/') {
            throw UsageError("--http must be a path starting with '/', not \"" + path + "\"");
        }
        options["path"] = path;
    } else if (values["tcp"].as<bool>()) {
        check.set_kind("tcp");
    } else if (values.count("grpc")) {
        check.set_kind("grpc");
        if (const auto &name = values["grpc"].as<std::string>(); !name.empty()) {
            options["service"] = name;
        }
    } else {
        check.set_kind("ttl");
        options["ttl"] = aegis::formatDuration(durationFlag(values, "ttl"));
    }

    for (const char *flag : kHttpOnlyFlags) {
        if (values.count(flag) && check.kind() != "http") {
            throw UsageError(std::string("--") + flag + " applies to --http checks only");
        }
    }
    if (values.count("status")) {
        const auto &range = values["status"].as<std::string>();
        if (!validation::parseHttpStatusRange(range)) {
            throw UsageError(validation::httpStatusRangeProblem("--status", range));
        }
        options["status"] = range;
    }
    if (values.count("body-contains")) {
        options["body_contains"] = values["body-contains"].as<std::string>();
    }
    if (values.count("header")) {
        for (const auto &text : values["header"].as<std::vector<std::string>>()) {
            const auto header = parseKeyValue(text);
            if (!header) {
                throw UsageError("--header must be Name=Value, not \"" + text + "\"");
            }
            if (!options.insert({"header." + header->first, header->second}).second) {
                throw UsageError("--header " + header->first + " is given more than once");
            }
        }
    }

    if (values.count("port")) {
        const int port = values["port"].as<int>();
        if (port < 1 || port > 65535) {
            throw UsageError("--port must be between 1 and 65535 (without it, each instance's "
                             "own port is probed)");
        }
        check.set_port(port);
    }
    // 0 would mean "the default" on the wire, so it is refused rather than sent.
    auto countFlag = [&](const char *flag) {
        const int count = values[flag].as<int>();
        if (count < 1) {
            throw UsageError(std::string("--") + flag + " must be at least 1");
        }
        return count;
    };
    if (values.count("rise")) {
        check.set_rise(countFlag("rise"));
    }
    if (values.count("fall")) {
        check.set_fall(countFlag("fall"));
    }
    if (values.count("interval")) {
        check.set_interval_ms(durationFlag(values, "interval").count());
    }
    if (values.count("probe-timeout")) {
        check.set_timeout_ms(durationFlag(values, "probe-timeout").count());
    } else if (check.interval_ms() != 0 && check.interval_ms() < kDefaultTimeoutMs) {
        // The default timeout is longer than this interval, and a probe may take at most that.
        check.set_timeout_ms(check.interval_ms());
    }
    if (values.count("jitter")) {
        check.set_jitter_ms(durationFlag(values, "jitter", ZeroDuration::Allowed).count());
    }
    if (values.count("deregister-after")) {
        check.set_deregister_after_ms(
            durationFlag(values, "deregister-after", ZeroDuration::Allowed).count());
    }
    if (values.count("flap-max-transitions")) {
        const int transitions = values["flap-max-transitions"].as<int>();
        if (transitions < 0) {
            throw UsageError("--flap-max-transitions must not be negative (0 turns flap "
                             "detection off)");
        }
        check.set_flap_max_transitions(transitions);
    }
    if (values.count("flap-window")) {
        check.set_flap_window_ms(durationFlag(values, "flap-window").count());
    }
    if (values.count("panic-threshold")) {
        const double threshold = values["panic-threshold"].as<double>();
        if (!(threshold >= 0.0 && threshold <= 1.0)) {
            throw UsageError("--panic-threshold must be a share between 0 and 1, e.g. 0.5 (1: "
                             "never in panic)");
        }
        check.set_panic_threshold(threshold);
    }
    if (values.count("initial")) {
        const auto &text = values["initial"].as<std::string>();
        const auto status = parseHealthStatus(text);
        if (!status) {
            throw UsageError("--initial must be unknown, passing, warning or critical, not \"" +
                             text + "\"");
        }
        check.set_initial_status(*status);
    }
    if (values.count("expect-revision")) {
        const auto revision = values["expect-revision"].as<std::int64_t>();
        if (revision < -1) {
            throw UsageError("--expect-revision must be a revision, or -1 to require that the "
                             "service has no check yet");
        }
        request.set_expected_revision(revision);
    }
    return request;
}

int runSet(CommandContext &context, const po::variables_map &values) {
    const auto request = buildUpdate(values);
    auto stub = v1::HealthService::NewStub(context.channel());
    v1::UpdateHealthCheckResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->UpdateHealthCheck(call.get(), request, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    context.out() << "Health check of " << request.service() << " set (revision "
                  << response.mod_revision() << ").\n";
    printCheck(context, request.service(), response.check(), response.mod_revision());
    return 0;
}

int runDelete(CommandContext &context, const po::variables_map &values) {
    v1::DeleteHealthCheckRequest request;
    request.set_service(values["service"].as<std::string>());
    auto stub = v1::HealthService::NewStub(context.channel());
    v1::DeleteHealthCheckResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->DeleteHealthCheck(call.get(), request, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    context.out() << "Deleted the health check of " << request.service() << " (revision "
                  << response.header().revision()
                  << "); its instances' health is unknown from now on.\n";
    return 0;
}

// ---- one instance -------------------------------------------------------------------------------

std::string yesNo(bool value) {
    return value ? "yes" : "no";
}

int runGet(CommandContext &context, const po::variables_map &values) {
    v1::GetInstanceHealthRequest request;
    request.set_service(values["service"].as<std::string>());
    request.set_instance_id(values["id"].as<std::string>());
    auto stub = v1::HealthService::NewStub(context.channel());
    v1::GetInstanceHealthResponse response;
    {
        const auto call = context.newCall();
        if (const auto status = stub->GetInstanceHealth(call.get(), request, &response);
            !status.ok()) {
            return context.failRpc(status);
        }
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    const auto &health = response.health();
    const auto now = context.now();
    TextTable table({"FIELD", "VALUE"});
    table.addRow({"instance", instanceName(request.service(), request.instance_id())});
    table.addRow({"status", healthStatusName(health.status())});
    table.addRow(
        {"flapping", health.flapping() ? "yes: transitions are recorded, not announced" : "no"});
    table.addRow({"ejected", health.ejected()
                                 ? "yes, until " + formatTimestamp(health.ejected_until()) + " (" +
                                       formatRelative(health.ejected_until(), now) + ")"
                                 : "no"});
    const bool unhealthy = health.status() == v1::HEALTH_STATUS_CRITICAL || health.ejected();
    table.addRow({"routable", response.routable() && unhealthy ? "yes (the service is in panic)"
                                                               : yesNo(response.routable())});
    table.addRow({"since", formatTimestamp(health.changed_at()) + " (" +
                               formatRelative(health.changed_at(), now) + ")"});
    table.addRow({"reason", orDash(bareReason(health.reason(), health.output()))});
    table.addRow({"output", orDash(health.output())});
    if (response.has_check()) {
        const auto &check = response.check();
        table.addRow({"check", check.kind() + " " + check.target()});
        table.addRow({"check status", healthStatusName(check.status())});
        table.addRow({"last output", orDash(check.last_output())});
        table.addRow({"consecutive", std::to_string(check.consecutive_passing()) + " passing, " +
                                         std::to_string(check.consecutive_failing()) + " failing"});
        table.addRow({"probes", std::to_string(check.probe_count())});
        table.addRow({"call failures", std::to_string(check.consecutive_call_failures()) +
                                           " in a row, " + std::to_string(check.ejection_count()) +
                                           " ejections so far"});
    } else {
        table.addRow({"check", "none (the service has no check, or the instance opts out)"});
    }
    table.print(context.out());
    return 0;
}

int runHistory(CommandContext &context, const po::variables_map &values) {
    const int limit = values["limit"].as<int>();
    if (limit <= 0) {
        throw UsageError("--limit must be at least 1");
    }
    v1::ListHealthHistoryRequest request;
    request.set_service(values["service"].as<std::string>());
    request.set_instance_id(values["id"].as<std::string>());
    auto stub = v1::HealthService::NewStub(context.channel());
    // Pages gathered into one response; next_page_token is kept when --limit cut the listing
    // short, so that a script can go on from there.
    v1::ListHealthHistoryResponse all;
    do {
        request.set_page_size(std::min(limit - all.transitions_size(), kMaxPageSize));
        v1::ListHealthHistoryResponse page;
        const auto call = context.newCall();
        if (const auto status = stub->ListHealthHistory(call.get(), request, &page); !status.ok()) {
            return context.failRpc(status);
        }
        *all.mutable_header() = page.header();
        for (auto &transition : *page.mutable_transitions()) {
            if (all.transitions_size() < limit) {
                *all.add_transitions() = std::move(transition);
            }
        }
        all.set_next_page_token(page.next_page_token());
        request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty() && all.transitions_size() < limit);

    if (context.format() == OutputFormat::Json) {
        context.printJson(all);
        return 0;
    }
    TextTable table({"TIME", "REVISION", "CHANGE", "REASON", "OUTPUT"});
    for (const auto &transition : all.transitions()) {
        table.addRow(transitionCells(transition, false));
    }
    table.print(context.out());
    if (all.transitions_size() == 0) {
        context.err() << "(no transitions recorded for "
                      << instanceName(request.service(), request.instance_id()) << ")\n";
    } else if (!all.next_page_token().empty()) {
        context.err() << "(showing the newest " << limit << "; raise --limit for more)\n";
    }
    return 0;
}

int runReport(CommandContext &context, const po::variables_map &values) {
    v1::ReportHealthRequest request;
    request.set_service(values["service"].as<std::string>());
    request.set_instance_id(values["id"].as<std::string>());
    const auto &text = values["status"].as<std::string>();
    const auto status = parseHealthStatus(text);
    if (!status || *status == v1::HEALTH_STATUS_UNKNOWN) {
        throw UsageError("STATUS must be passing, warning or critical, not \"" + text + "\"");
    }
    request.set_status(*status);
    if (values.count("message")) {
        request.set_output(values["message"].as<std::string>());
    }
    auto stub = v1::HealthService::NewStub(context.channel());
    v1::ReportHealthResponse response;
    const auto call = context.newCall();
    if (const auto rpc = stub->ReportHealth(call.get(), request, &response); !rpc.ok()) {
        return context.failRpc(rpc);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    context.out() << "Reported " << text << " for "
                  << instanceName(request.service(), request.instance_id()) << " (revision "
                  << response.header().revision() << ").\n";
    return 0;
}

// ---- watch --------------------------------------------------------------------------------------

const std::vector<std::string> kWatchHeaders = {"TIME",   "REVISION", "INSTANCE",
                                                "CHANGE", "REASON",   "OUTPUT"};
const std::vector<std::size_t> kWatchWidths = {19, 8, 28, 22, 30, 0};

// Streams transitions until interrupted, --for or --count; when the stream breaks for a reason
// that may pass, it opens a new one from the revision after the last it saw, so nothing is missed
// or repeated.
class HealthWatch final : public ResumingWatch {
public:
    HealthWatch(CommandContext &context, v1::WatchHealthRequest request, int count,
                std::optional<std::chrono::steady_clock::time_point> deadline)
        : ResumingWatch(context, count, deadline)
        , m_request(std::move(request)) {}

    std::int64_t nextRevision() const override { return m_request.start_revision(); }
    std::string itemsName() const override { return "transitions"; }
    std::string compactedHint(std::int64_t compact) const override {
        return "see each instance's recent transitions with 'aegisctl health history', then watch "
               "with --from " +
               std::to_string(compact + 1) + " or later.";
    }

private:
    grpc::Status stream(grpc::ClientContext &call) override {
        v1::WatchCreateRequest create;
        *create.mutable_health() = m_request;
        return streamShared(call, create, [this](const v1::WatchResponse &message) {
            return print(message.health());
        });
    }

    // Prints one message; true once --count is reached.
    bool print(const v1::WatchHealthResponse &response) {
        const bool json = m_context.format() == OutputFormat::Json;
        printHeaderOnce([] { return alignedLine(kWatchHeaders, kWatchWidths); });
        google::protobuf::util::JsonPrintOptions jsonOptions;
        jsonOptions.always_print_primitive_fields = true;
        for (const auto &transition : response.transitions()) {
            if (json) {
                std::string line;
                (void)google::protobuf::util::MessageToJsonString(transition, &line, jsonOptions);
                m_context.out() << line << "\n";
            } else {
                m_context.out() << alignedLine(transitionCells(transition, true), kWatchWidths)
                                << "\n";
            }
            m_request.set_start_revision(transition.revision() + 1);
            if (counted()) {
                break;
            }
        }
        return endOfMessage(m_request, response.header().revision());
    }

    v1::WatchHealthRequest m_request;
};

int runWatch(CommandContext &context, const po::variables_map &values) {
    v1::WatchHealthRequest request;
    if (values.count("service")) {
        request.set_service(values["service"].as<std::string>());
    }
    const auto from = values["from"].as<std::int64_t>();
    if (from < 0) {
        throw UsageError("--from must be a revision (0: from now)");
    }
    request.set_start_revision(from);
    HealthWatch watch(context, std::move(request), countFlag(values), forDeadline(values));
    return watch.run();
}

// ---- declarations -------------------------------------------------------------------------------

void declareService(CommandFlags &flags) {
    flags.hidden.add_options()("service", po::value<std::string>()->required(), "SERVICE");
    flags.positional.add("service", 1);
}

void declareServiceAndInstance(CommandFlags &flags) {
    // clang-format off
    flags.hidden.add_options()
        ("service", po::value<std::string>()->required(), "SERVICE")
        ("id", po::value<std::string>()->required(), "INSTANCE");
    // clang-format on
    flags.positional.add("service", 1).add("id", 1);
}

void declareSet(CommandFlags &flags) {
    declareService(flags);
    // clang-format off
    flags.visible.add_options()
        ("http", po::value<std::string>()->value_name("PATH"),
            "probe with HTTP GET PATH; passing on --status")
        ("tcp", po::bool_switch(), "probe by opening a TCP connection")
        ("grpc", po::value<std::string>()->value_name("[NAME]")->implicit_value(""),
            "probe with grpc.health.v1 Check: the server as a whole, or its service NAME")
        ("ttl", po::value<std::string>()->value_name("DURATION"),
            "the instance reports its own health ('aegisctl health report'); critical when no "
            "report came for this long")
        ("port", po::value<int>()->value_name("N"),
            "port to probe (default: each instance's own; an instance may override it with the "
            "metadata health.port)")
        ("status", po::value<std::string>()->value_name("RANGE"),
            "HTTP statuses that pass, e.g. 200 or 200-399 (default 200-299)")
        ("body-contains", po::value<std::string>()->value_name("TEXT"),
            "the HTTP body must contain TEXT to pass")
        ("header", po::value<std::vector<std::string>>()->composing()->value_name("NAME=VALUE"),
            "a header to send with the HTTP probe; repeatable")
        ("interval", po::value<std::string>()->value_name("DURATION"),
            "time between probes, 100ms to 1h (default 10s)")
        ("probe-timeout", po::value<std::string>()->value_name("DURATION"),
            "time one probe may take, at most the interval (default 2s, or the interval if "
            "shorter; --timeout is the deadline of the call to aegisd)")
        ("rise", po::value<int>()->value_name("N"),
            "consecutive passes to turn passing (default 2)")
        ("fall", po::value<int>()->value_name("N"),
            "consecutive failures to turn critical (default 3)")
        ("deregister-after", po::value<std::string>()->value_name("DURATION"),
            "remove an instance critical for this long (default 0s: never)")
        ("jitter", po::value<std::string>()->value_name("DURATION"),
            "vary each interval by up to this much (default a tenth of the interval)")
        ("flap-max-transitions", po::value<int>()->value_name("N"),
            "this many transitions within --flap-window mark an instance flapping (default 5; 0: "
            "off)")
        ("flap-window", po::value<std::string>()->value_name("DURATION"),
            "the window of flap detection (default 5m)")
        ("panic-threshold", po::value<double>()->value_name("SHARE"),
            "when more than this share of the service is unroutable, discovery hands out every "
            "instance (default 0.5; 1: never)")
        ("initial", po::value<std::string>()->value_name("STATUS"),
            "status of a new instance: unknown, passing, warning or critical (default unknown)")
        ("expect-revision", po::value<std::int64_t>()->value_name("REV"),
            "change the check only if its mod revision is still REV (-1: only if the service has "
            "no check yet); ABORTED otherwise");
    // clang-format on
}

} // namespace

std::vector<Command> healthCommands() {
    return {
        {"health show", "SERVICE [flags]",
         "Shows a service's health check and the health of each of its instances.", declareService,
         runShow},
        {"health set",
         "SERVICE --http PATH | --tcp | --grpc [NAME] | --ttl DURATION [--port N] [--interval D] "
         "[--probe-timeout D] [--rise N] [--fall N] [...] [flags]",
         "Sets a service's health check, replacing the one it had (flags left out take their "
         "defaults).",
         declareSet, runSet},
        {"health delete", "SERVICE [flags]",
         "Deletes a service's health check; its instances' health becomes unknown.", declareService,
         runDelete},
        {"health get", "SERVICE INSTANCE [flags]",
         "Shows one instance's health with the live state of its check.", declareServiceAndInstance,
         runGet},
        {"health history", "SERVICE INSTANCE [--limit N] [flags]",
         "Lists an instance's health transitions, newest first.",
         [](CommandFlags &flags) {
             declareServiceAndInstance(flags);
             flags.visible.add_options()("limit",
                                         po::value<int>()->value_name("N")->default_value(100),
                                         "show at most N transitions, following pages as needed");
         },
         runHistory},
        {"health watch", "[SERVICE] [--from REV] [--for DURATION] [--count N] [flags]",
         "Prints health transitions as they happen, resuming after a lost connection (JSON "
         "output: one transition per line).",
         [](CommandFlags &flags) {
             flags.hidden.add_options()("service", po::value<std::string>(), "SERVICE");
             flags.positional.add("service", 1);
             // clang-format off
             flags.visible.add_options()
                 ("from", po::value<std::int64_t>()->value_name("REV")->default_value(0),
                     "start at this revision, replaying the transitions since (0: only new ones)")
                 ("for", po::value<std::string>()->value_name("DURATION"),
                     "stop after this long (default: until interrupted)")
                 ("count", po::value<int>()->value_name("N")->default_value(0),
                     "stop after N transitions (0: no limit)");
             // clang-format on
         },
         runWatch},
        {"health report", "SERVICE INSTANCE passing|warning|critical [--message TEXT] [flags]",
         "Reports an instance's own health to its service's ttl check.",
         [](CommandFlags &flags) {
             declareServiceAndInstance(flags);
             flags.hidden.add_options()("status", po::value<std::string>()->required(), "STATUS");
             flags.positional.add("status", 1);
             // Not --output, which is the global -o.
             flags.visible.add_options()("message", po::value<std::string>()->value_name("TEXT"),
                                         "what the instance says about itself, shown as the "
                                         "check's output (at most 1024 bytes)");
         },
         runReport},
    };
}

} // namespace aegis::cli
