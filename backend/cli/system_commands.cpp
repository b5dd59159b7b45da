#include "argument_values.h"
#include "command.h"
#include "command_context.h"
#include "text_output.h"

#include "aegis/v1/system.grpc.pb.h"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <utility>

namespace po = boost::program_options;

namespace aegis::cli {
namespace {

// "managed", "ready": the enum names without their prefix, lower case.
std::string metricsEnumText(const std::string &name, std::string_view prefix) {
    std::string text = name.rfind(prefix, 0) == 0 ? name.substr(prefix.size()) : name;
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

void addMetricsBackendRows(TextTable &table, const v1::MetricsBackendStatus &backend,
                           std::chrono::system_clock::time_point now) {
    const std::string mode =
        metricsEnumText(v1::MetricsBackendMode_Name(backend.mode()), "METRICS_BACKEND_MODE_");
    std::string state =
        metricsEnumText(v1::MetricsBackendState_Name(backend.state()), "METRICS_BACKEND_STATE_");
    if (backend.has_since()) {
        state += " (" + formatRelative(backend.since(), now) + ")";
    }
    table.addRow({"metrics backend", mode});
    if (backend.mode() == v1::METRICS_BACKEND_MODE_NONE ||
        backend.mode() == v1::METRICS_BACKEND_MODE_UNSPECIFIED) {
        return;
    }
    table.addRow({"metrics state", state});
    table.addRow({"metrics url", backend.url()});
    if (!backend.detail().empty()) {
        table.addRow({"metrics detail", backend.detail()});
    }
    if (backend.mode() == v1::METRICS_BACKEND_MODE_MANAGED) {
        table.addRow({"metrics restarts", std::to_string(backend.restarts())});
    }
}

std::string joined(const google::protobuf::RepeatedPtrField<std::string> &items) {
    std::string text;
    for (const auto &item : items) {
        text += (text.empty() ? "" : ",") + item;
    }
    return orDash(text);
}

// The replicas, the leader and etcd's members, one row each in the FIELD/VALUE table.
void addControlPlaneRows(TextTable &table, const v1::ControlPlaneStatus &plane,
                         std::chrono::system_clock::time_point now) {
    if (plane.mode().empty()) {
        return;
    }
    table.addRow(
        {"control plane", plane.mode() == "single"
                              ? std::string("single (one aegisd on its SQLite store)")
                              : plane.mode() + ", " + std::to_string(plane.replicas_size()) +
                                    (plane.replicas_size() == 1 ? " replica" : " replicas")});
    table.addRow({"leader", plane.leader_id().empty() ? std::string("none (election in progress)")
                                                      : plane.leader_id()});
    if (!plane.writable()) {
        table.addRow({"writes", "refused: " + plane.write_problem()});
    }
    for (const auto &replica : plane.replicas()) {
        std::string value = replica.address() + ", " + (replica.leader() ? "leader" : "follower") +
                            ", " + (replica.healthy() ? "healthy" : "unhealthy") + ", " +
                            orDash(replica.version()) + ", since " +
                            formatRelative(replica.since(), now);
        if (replica.id() == plane.replica_id()) {
            value += " (answered)";
        }
        table.addRow({"replica " + replica.id(), value});
    }
    for (const auto &member : plane.store_members()) {
        std::string value =
            joined(member.client_urls()) + ", " +
            (member.healthy() ? std::string("healthy") : "unhealthy: " + orDash(member.problem()));
        if (member.leader()) {
            value += ", raft leader";
        }
        if (member.healthy()) {
            value += ", db " + bytesText(static_cast<std::uint64_t>(member.db_size_bytes()));
        }
        table.addRow({"etcd " + orDash(member.name()), value});
    }
}

int runStatus(CommandContext &context, const po::variables_map &) {
    auto stub = v1::SystemService::NewStub(context.channel());
    v1::GetStatusResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->GetStatus(call.get(), {}, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }

    TextTable table({"FIELD", "VALUE"});
    table.addRow({"server", context.options().connection.address});
    // Which of the listed replicas answered.
    table.addRow({"answered by", client::peerAddress(call->peer())});
    table.addRow({"version", response.version()});
    table.addRow({"started", formatTimestamp(response.start_time()) + " (" +
                                 formatRelative(response.start_time(), context.now()) + ")"});
    table.addRow({"uptime", formatDuration(response.uptime())});
    table.addRow({"store", response.store_kind()});
    table.addRow({"revision", std::to_string(response.header().revision())});
    table.addRow({"compact revision", std::to_string(response.compact_revision())});
    table.addRow({"log level", response.log_level()});
    addMetricsBackendRows(table, response.metrics_backend(), context.now());
    addControlPlaneRows(table, response.control_plane(), context.now());
    // A protobuf map has no order; sort so the output is stable.
    std::vector<std::pair<std::string, std::int64_t>> counts(response.resource_counts().begin(),
                                                             response.resource_counts().end());
    std::sort(counts.begin(), counts.end());
    for (const auto &[kind, count] : counts) {
        table.addRow({kind, std::to_string(count)});
    }
    table.print(context.out());
    return 0;
}

int runSetLogLevel(CommandContext &context, const po::variables_map &values) {
    v1::SetLogLevelRequest request;
    request.set_level(values["level"].as<std::string>());
    if (!isLogLevel(request.level())) {
        throw UsageError("LEVEL must be one of trace, debug, info, warn, error, critical, off, "
                         "not \"" +
                         request.level() + "\"");
    }
    auto stub = v1::SystemService::NewStub(context.channel());
    v1::SetLogLevelResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->SetLogLevel(call.get(), request, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    context.out() << "Log level changed from " << response.previous_level() << " to "
                  << request.level() << ".\n";
    return 0;
}

// The --kind values, as the daemon's messages and the table's KIND column name them.
constexpr std::pair<const char *, v1::ExtensionKind> kExtensionKinds[] = {
    {"driver", v1::EXTENSION_KIND_DEPLOY_DRIVER},
    {"router", v1::EXTENSION_KIND_TRAFFIC_ROUTER},
    {"prober", v1::EXTENSION_KIND_HEALTH_PROBER},
};

std::string extensionKindText(v1::ExtensionKind kind) {
    for (const auto &[name, value] : kExtensionKinds) {
        if (value == kind) {
            return name;
        }
    }
    return "-";
}

// "command (required), grace_period=10s, env.NAME": each parameter with its default.
std::string parametersText(const v1::Extension &extension) {
    std::string text;
    for (const auto &parameter : extension.parameters()) {
        text += text.empty() ? "" : ", ";
        text += parameter.prefix() ? parameter.name() + "NAME" : parameter.name();
        if (parameter.required()) {
            text += " (required)";
        } else if (!parameter.default_value().empty()) {
            text += "=" + parameter.default_value();
        }
    }
    return orDash(text);
}

int runListExtensions(CommandContext &context, const po::variables_map &values) {
    v1::ListExtensionsRequest request;
    if (values.count("kind")) {
        const auto &kind = values["kind"].as<std::string>();
        const auto *found = std::find_if(std::begin(kExtensionKinds), std::end(kExtensionKinds),
                                         [&](const auto &entry) { return kind == entry.first; });
        if (found == std::end(kExtensionKinds)) {
            throw UsageError("--kind must be driver, router or prober, not \"" + kind + "\"");
        }
        request.set_kind(found->second);
    }
    auto stub = v1::SystemService::NewStub(context.channel());
    v1::ListExtensionsResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->ListExtensions(call.get(), request, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    TextTable table({"KIND", "NAME", "DISPLAY NAME", "PARAMETERS"});
    for (const auto &extension : response.extensions()) {
        table.addRow({extensionKindText(extension.kind()), extension.name(),
                      orDash(extension.display_name()), parametersText(extension)});
    }
    table.print(context.out());
    return 0;
}

} // namespace

std::vector<Command> systemCommands() {
    return {
        {"status", "[flags]",
         "Shows the daemon's version, uptime, store, revision and counts, the replicas with their "
         "leader, and etcd's members.",
         nullptr, runStatus},
        {"log-level", "LEVEL [flags]",
         "Sets the daemon's log level (trace, debug, info, warn, error, critical, off).",
         [](CommandFlags &flags) {
             flags.hidden.add_options()("level", po::value<std::string>()->required(), "LEVEL");
             flags.positional.add("level", 1);
         },
         runSetLogLevel},
        {"extensions list", "[--kind driver|router|prober] [flags]",
         "Lists the deploy drivers, traffic routers and health probers the daemon offers, with "
         "their parameters.",
         [](CommandFlags &flags) {
             flags.visible.add_options()("kind", po::value<std::string>()->value_name("KIND"),
                                         "only this kind: driver, router or prober");
         },
         runListExtensions},
    };
}

} // namespace aegis::cli
