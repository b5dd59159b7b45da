// Service discovery: services, instances and their watch.

#include "argument_values.h"
#include "command.h"
#include "command_context.h"
#include "common/duration.h"
#include "common/status.h"
#include "interruption.h"
#include "resuming_watch.h"
#include "text_output.h"

#include "aegis/v1/registry.grpc.pb.h"

#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <map>
#include <optional>

namespace po = boost::program_options;

namespace aegis::cli {
namespace {

constexpr int kMaxPageSize = 1000;

std::string eventTypeText(v1::InstanceEventType type) {
    switch (type) {
    case v1::INSTANCE_EVENT_TYPE_ADDED:
        return "ADDED";
    case v1::INSTANCE_EVENT_TYPE_UPDATED:
        return "UPDATED";
    case v1::INSTANCE_EVENT_TYPE_REMOVED:
        return "REMOVED";
    default:
        return "UNSPECIFIED";
    }
}

std::string labelOr(const v1::Instance &instance, const std::string &key) {
    const auto found = instance.labels().find(key);
    return found == instance.labels().end() || found->second.empty() ? "-" : found->second;
}

std::string instanceName(const v1::Instance &instance) {
    return instance.service() + "/" + instance.id();
}

std::string lastPageHint(int limit) {
    return "(showing the first " + std::to_string(limit) + "; raise --limit for more)\n";
}

// --limit: absent means no limit.
std::optional<int> limitFlag(const po::variables_map &values) {
    if (!values.count("limit")) {
        return std::nullopt;
    }
    const int limit = values["limit"].as<int>();
    if (limit <= 0) {
        throw UsageError("--limit must be at least 1");
    }
    return limit;
}

// ---- services ----------------------------------------------------------------------------------

int runServicesList(CommandContext &context, const po::variables_map &values) {
    const auto limit = limitFlag(values);
    auto stub = v1::RegistryService::NewStub(context.channel());
    v1::ListServicesResponse all;
    v1::ListServicesRequest request;
    do {
        request.set_page_size(limit ? std::min(*limit - all.services_size(), kMaxPageSize)
                                    : kMaxPageSize);
        v1::ListServicesResponse page;
        const auto call = context.newCall();
        if (const auto status = stub->ListServices(call.get(), request, &page); !status.ok()) {
            return context.failRpc(status);
        }
        *all.mutable_header() = page.header();
        for (auto &service : *page.mutable_services()) {
            if (!limit || all.services_size() < *limit) {
                *all.add_services() = std::move(service);
            }
        }
        all.set_next_page_token(page.next_page_token());
        request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty() && (!limit || all.services_size() < *limit));

    if (context.format() == OutputFormat::Json) {
        context.printJson(all);
        return 0;
    }
    // Per-state counts would take a listing of every instance; `services get` shows them.
    TextTable table(
        {"NAME", "INSTANCES", "CREATE REVISION", "MOD REVISION", "LABELS", "DESCRIPTION"});
    for (const auto &service : all.services()) {
        table.addRow({service.name(), std::to_string(service.instance_count()),
                      std::to_string(service.create_revision()),
                      std::to_string(service.mod_revision()), labelsText(service.labels()),
                      service.description()});
    }
    table.print(context.out());
    if (limit && !all.next_page_token().empty()) {
        context.err() << lastPageHint(*limit);
    }
    return 0;
}

int runServicesGet(CommandContext &context, const po::variables_map &values) {
    v1::GetServiceRequest request;
    request.set_name(values["name"].as<std::string>());
    auto stub = v1::RegistryService::NewStub(context.channel());
    v1::GetServiceResponse response;
    {
        const auto call = context.newCall();
        if (const auto status = stub->GetService(call.get(), request, &response); !status.ok()) {
            return context.failRpc(status);
        }
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }

    // The instances by state, from a listing of this service's instances.
    std::map<v1::InstanceState, std::int64_t> byState;
    v1::ListInstancesRequest list;
    list.set_service(request.name());
    list.set_include_unroutable(true);
    list.set_page_size(kMaxPageSize);
    do {
        v1::ListInstancesResponse page;
        const auto call = context.newCall();
        if (const auto status = stub->ListInstances(call.get(), list, &page); !status.ok()) {
            return context.failRpc(status);
        }
        for (const auto &instance : page.instances()) {
            ++byState[instance.state()];
        }
        list.set_page_token(page.next_page_token());
    } while (!list.page_token().empty());

    const auto &service = response.service();
    TextTable table({"FIELD", "VALUE"});
    table.addRow({"name", service.name()});
    table.addRow({"description", service.description().empty() ? "-" : service.description()});
    table.addRow({"labels", labelsText(service.labels())});
    table.addRow({"instances", std::to_string(service.instance_count())});
    for (const auto state : {v1::INSTANCE_STATE_SERVING, v1::INSTANCE_STATE_DRAINING,
                             v1::INSTANCE_STATE_MAINTENANCE}) {
        table.addRow({instanceStateName(state), std::to_string(byState[state])});
    }
    table.addRow({"unroutable", std::to_string(service.unroutable_count())});
    table.addRow({"panic", service.panic() ? "yes: every instance is handed out" : "no"});
    table.addRow({"create revision", std::to_string(service.create_revision())});
    table.addRow({"mod revision", std::to_string(service.mod_revision())});
    table.print(context.out());
    return 0;
}

// ---- instances ---------------------------------------------------------------------------------

int runInstancesList(CommandContext &context, const po::variables_map &values) {
    const auto limit = limitFlag(values);
    v1::ListInstancesRequest request;
    if (values.count("service")) {
        request.set_service(values["service"].as<std::string>());
    }
    if (values.count("selector")) {
        // Checked by the server, which owns the selector grammar: a bad one is INVALID_ARGUMENT.
        request.set_selector(values["selector"].as<std::string>());
    }
    if (values.count("state")) {
        const auto &text = values["state"].as<std::string>();
        const auto state = parseInstanceState(text);
        if (!state) {
            throw UsageError("--state must be serving, draining or maintenance, not \"" + text +
                             "\"");
        }
        request.set_state(*state);
    }

    // Operators see every instance, with its health; discovery's view leaves out the unroutable.
    request.set_include_unroutable(true);

    auto stub = v1::RegistryService::NewStub(context.channel());
    v1::ListInstancesResponse all;
    do {
        request.set_page_size(limit ? std::min(*limit - all.instances_size(), kMaxPageSize)
                                    : kMaxPageSize);
        v1::ListInstancesResponse page;
        const auto call = context.newCall();
        if (const auto status = stub->ListInstances(call.get(), request, &page); !status.ok()) {
            return context.failRpc(status);
        }
        *all.mutable_header() = page.header();
        for (auto &instance : *page.mutable_instances()) {
            if (!limit || all.instances_size() < *limit) {
                *all.add_instances() = std::move(instance);
            }
        }
        all.set_next_page_token(page.next_page_token());
        request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty() && (!limit || all.instances_size() < *limit));

    if (context.format() == OutputFormat::Json) {
        context.printJson(all);
        return 0;
    }
    TextTable table({"SERVICE", "ID", "ADDRESS", "VERSION", "COLOR", "STATE", "HEALTH", "WEIGHT",
                     "LEASE", "REGISTERED", "LABELS"});
    for (const auto &instance : all.instances()) {
        table.addRow({instance.service(), instance.id(), instance.address(),
                      labelOr(instance, "version"), labelOr(instance, "color"),
                      instanceStateName(instance.state()), healthText(instance.health()),
                      instance.has_weight() ? std::to_string(instance.weight()) : "100",
                      aegis::formatDuration(std::chrono::seconds(instance.lease_ttl_seconds())),
                      formatRelative(instance.register_time(), context.now()),
                      labelsText(instance.labels(), {"version", "color"})});
    }
    table.print(context.out());
    if (limit && !all.next_page_token().empty()) {
        context.err() << lastPageHint(*limit);
    }
    return 0;
}

// Whether a failed keepalive or registration is worth trying again (the daemon restarting, a
// network blip) rather than a refusal that will not change.
bool isTransient(const grpc::Status &status) {
    switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::UNKNOWN:
        return true;
    default:
        return false;
    }
}

std::string statusText(const grpc::Status &status) {
    return std::string(statusCodeName(static_cast<StatusCode>(status.error_code()))) + ": " +
           status.error_message();
}

v1::RegisterInstanceRequest buildRegistration(const po::variables_map &values) {
    v1::RegisterInstanceRequest request;
    auto &instance = *request.mutable_instance();
    instance.set_service(values["service"].as<std::string>());
    instance.set_id(values["id"].as<std::string>());
    instance.set_address(values["address"].as<std::string>());
    auto pairs = [&](const char *flag, google::protobuf::Map<std::string, std::string> &into) {
        if (!values.count(flag)) {
            return;
        }
        for (const auto &text : values[flag].as<std::vector<std::string>>()) {
            const auto pair = parseKeyValue(text);
            if (!pair) {
                throw UsageError(std::string("--") + flag + " must be KEY=VALUE, not \"" + text +
                                 "\"");
            }
            if (!into.insert({pair->first, pair->second}).second) {
                throw UsageError(std::string("--") + flag + " " + pair->first +
                                 " is given more than once");
            }
        }
    };
    pairs("label", *instance.mutable_labels());
    pairs("meta", *instance.mutable_metadata());
    if (values.count("weight")) {
        instance.set_weight(values["weight"].as<int>());
    }
    const auto ttl = durationFlag(values, "ttl");
    if (ttl.count() % 1000 != 0) {
        throw UsageError("--ttl must be whole seconds, e.g. 30s");
    }
    request.set_ttl_seconds(ttl.count() / 1000);
    return request;
}

void printRegistered(CommandContext &context, const v1::RegisterInstanceResponse &response) {
    context.out() << "Registered " << instanceName(response.instance()) << " at "
                  << response.instance().address() << " (lease " << response.lease_id() << ", TTL "
                  << aegis::formatDuration(std::chrono::seconds(response.ttl_seconds()))
                  << ", revision " << response.header().revision() << ")." << std::endl;
}

// Keeps one registration's lease alive over a KeepAlive stream until interrupted, reconnecting
// (and registering again when the lease was lost) after transient failures, then deregisters.
class KeepAliveSession {
public:
    KeepAliveSession(CommandContext &context, v1::RegisterInstanceRequest registration,
                     Interruption &interruption)
        : m_context(context)
        , m_registration(std::move(registration))
        , m_interruption(interruption)
        , m_stub(v1::RegistryService::NewStub(context.channel()))
        // Renew at a third of the TTL, so that one lost renewal does not cost the lease.
        , m_interval(std::max<std::chrono::milliseconds>(
              std::chrono::milliseconds(m_registration.ttl_seconds() * 1000 / 3),
              std::chrono::milliseconds(100))) {}

    int run() {
        v1::RegisterInstanceResponse registered;
        if (const auto status = registerOnce(registered); !status.ok()) {
            return m_context.failRpc(status);
        }
        if (m_context.format() == OutputFormat::Json) {
            m_context.printJson(registered);
            m_context.out().flush();
        } else {
            printRegistered(m_context, registered);
        }
        m_context.err() << "Keeping lease " << m_leaseId
                        << " alive; Ctrl-C or SIGTERM deregisters and exits." << std::endl;

        int failures = 0;
        while (!m_interruption.interrupted()) {
            const auto status = keepAlive();
            if (m_interruption.interrupted()) {
                break;
            }
            if (!isTransient(status)) {
                // A refusal that retrying will not change; the lease runs out by itself.
                return m_context.failRpc(status);
            }
            ++failures;
            const auto delay = std::min(m_interval * failures, std::chrono::milliseconds(5000));
            m_context.err() << "warning: keepalive interrupted (" << statusText(status)
                            << "); retrying in " << aegis::formatDuration(delay) << std::endl;
            if (!m_interruption.waitFor(delay)) {
                break;
            }
        }
        return deregister();
    }

private:
    grpc::Status registerOnce(v1::RegisterInstanceResponse &response) {
        const auto call = m_context.newCall();
        auto status = m_stub->RegisterInstance(call.get(), m_registration, &response);
        if (status.ok()) {
            m_leaseId = response.lease_id();
        }
        return status;
    }

    // One KeepAlive stream: renews until interrupted or the stream fails; returns why it ended.
    grpc::Status keepAlive() {
        grpc::ClientContext call;
        AttachedCall attached(m_interruption, call);
        auto stream = m_stub->KeepAlive(&call);
        for (;;) {
            v1::KeepAliveRequest request;
            request.set_lease_id(m_leaseId);
            v1::KeepAliveResponse response;
            // The stream has no deadline; each round trip has --timeout.
            m_interruption.setDeadline(std::chrono::steady_clock::now() +
                                       m_context.options().timeout);
            const bool answered = stream->Write(request) && stream->Read(&response);
            m_interruption.clearDeadline();
            if (!answered) {
                break;
            }
            if (response.ttl_seconds() <= 0) {
                // The lease expired (the daemon was out of reach too long, or restarted without
                // it): register again under a new one.
                m_context.err() << "warning: lease " << m_leaseId << " expired; registering again"
                                << std::endl;
                v1::RegisterInstanceResponse registered;
                if (const auto status = registerOnce(registered); !status.ok()) {
                    call.TryCancel();
                    (void)stream->Finish();
                    return status;
                }
                m_context.err() << "Registered again under lease " << m_leaseId << "." << std::endl;
                continue;
            }
            if (!m_interruption.waitFor(m_interval)) {
                break;
            }
        }
        const bool timedOut = m_interruption.deadlineFired();
        if (!timedOut && !m_interruption.interrupted()) {
            // The server ended the stream; its status says why.
            return stream->Finish();
        }
        call.TryCancel();
        (void)stream->Finish();
        return timedOut ? grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                                       "no keepalive answer within " +
                                           aegis::formatDuration(m_context.options().timeout))
                        : grpc::Status::CANCELLED;
    }

    int deregister() {
        v1::DeregisterInstanceRequest request;
        request.set_service(m_registration.instance().service());
        request.set_instance_id(m_registration.instance().id());
        v1::DeregisterInstanceResponse response;
        const auto call = m_context.newCall();
        const auto status = m_stub->DeregisterInstance(call.get(), request, &response);
        const std::string name = m_registration.instance().service() + "/" + request.instance_id();
        if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
            m_context.err() << "Instance " << name << " was already gone." << std::endl;
            return 0;
        }
        if (!status.ok()) {
            return m_context.failRpc(status);
        }
        m_context.err() << "Deregistered " << name << " (revision " << response.header().revision()
                        << ")." << std::endl;
        return 0;
    }

    CommandContext &m_context;
    v1::RegisterInstanceRequest m_registration;
    Interruption &m_interruption;
    std::unique_ptr<v1::RegistryService::Stub> m_stub;
    std::chrono::milliseconds m_interval;
    std::int64_t m_leaseId = 0;
};

int runRegister(CommandContext &context, const po::variables_map &values) {
    auto request = buildRegistration(values);
    if (values["keepalive"].as<bool>()) {
        // Signals are caught from before the registration, so that one arriving at any point
        // still ends with the instance deregistered.
        Interruption interruption;
        KeepAliveSession session(context, std::move(request), interruption);
        return session.run();
    }
    auto stub = v1::RegistryService::NewStub(context.channel());
    v1::RegisterInstanceResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->RegisterInstance(call.get(), request, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    printRegistered(context, response);
    context.out() << "Keep the lease alive (KeepAlive) within its TTL, or the instance expires.\n";
    return 0;
}

int runDeregister(CommandContext &context, const po::variables_map &values) {
    v1::DeregisterInstanceRequest request;
    request.set_service(values["service"].as<std::string>());
    request.set_instance_id(values["id"].as<std::string>());
    auto stub = v1::RegistryService::NewStub(context.channel());
    v1::DeregisterInstanceResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->DeregisterInstance(call.get(), request, &response);
        !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    context.out() << "Deregistered " << request.service() << "/" << request.instance_id()
                  << " (revision " << response.header().revision() << ").\n";
    return 0;
}

int runSetState(CommandContext &context, const po::variables_map &values, v1::InstanceState state) {
    v1::SetInstanceStateRequest request;
    request.set_service(values["service"].as<std::string>());
    request.set_instance_id(values["id"].as<std::string>());
    request.set_state(state);
    auto stub = v1::RegistryService::NewStub(context.channel());
    v1::SetInstanceStateResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->SetInstanceState(call.get(), request, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    context.out() << instanceName(response.instance()) << " is now "
                  << instanceStateName(response.instance().state()) << " (revision "
                  << response.header().revision() << ").\n";
    return 0;
}

// ---- watch -------------------------------------------------------------------------------------

// Widths of the streamed columns, so that lines mostly align without buffering.
const std::vector<std::pair<std::string, std::size_t>> &watchColumns() {
    static const std::vector<std::pair<std::string, std::size_t>> columns = {
        {"TIME", 19},    {"REVISION", 8}, {"TYPE", 7},  {"INSTANCE", 24},
        {"ADDRESS", 21}, {"STATE", 11},   {"REASON", 0}};
    return columns;
}

std::string watchLine(const std::vector<std::string> &cells) {
    std::vector<std::size_t> widths;
    for (const auto &column : watchColumns()) {
        widths.push_back(column.second);
    }
    return alignedLine(cells, widths);
}

// Streams instance events until interrupted, --for or --count; when the stream breaks for a
// reason that may pass (the daemon restarting), it opens a new one from the revision after the
// last it saw, so nothing is missed or repeated.
class InstanceWatch final : public ResumingWatch {
public:
    InstanceWatch(CommandContext &context, v1::WatchInstancesRequest request, int count,
                  std::optional<std::chrono::steady_clock::time_point> deadline)
        : ResumingWatch(context, count, deadline)
        , m_request(std::move(request)) {}

    std::int64_t nextRevision() const override { return m_request.start_revision(); }
    std::string itemsName() const override { return "events"; }
    std::string compactedHint(std::int64_t compact) const override {
        return "list the current state with 'aegisctl instances list', then watch with --from " +
               std::to_string(compact + 1) + " or later.";
    }

private:
    grpc::Status stream(grpc::ClientContext &call) override {
        v1::WatchCreateRequest create;
        *create.mutable_instances() = m_request;
        return streamShared(call, create, [this](const v1::WatchResponse &message) {
            return print(message.instances());
        });
    }

    // Prints one message; true once --count is reached.
    bool print(const v1::WatchInstancesResponse &response) {
        const bool json = m_context.format() == OutputFormat::Json;
        printHeaderOnce([] {
            std::vector<std::string> header;
            for (const auto &column : watchColumns()) {
                header.push_back(column.first);
            }
            return watchLine(header);
        });
        const auto receivedAt = google::protobuf::util::TimeUtil::GetCurrentTime();
        for (const auto &event : response.events()) {
            if (json) {
                m_context.printJsonLine(event);
            } else {
                const auto &instance = event.instance();
                m_context.out() << watchLine({formatTimestamp(receivedAt),
                                              std::to_string(event.revision()),
                                              eventTypeText(event.type()), instanceName(instance),
                                              instance.address(),
                                              instanceStateName(instance.state()),
                                              event.reason().empty() ? "-" : event.reason()})
                                << "\n";
            }
            m_request.set_start_revision(event.revision() + 1);
            if (counted()) {
                break;
            }
        }
        return endOfMessage(m_request, response.header().revision());
    }

    v1::WatchInstancesRequest m_request;
};

int runWatch(CommandContext &context, const po::variables_map &values) {
    v1::WatchInstancesRequest request;
    if (values.count("service")) {
        request.set_service(values["service"].as<std::string>());
    }
    const auto from = values["from"].as<std::int64_t>();
    if (from < 0) {
        throw UsageError("--from must be a revision (0: from now)");
    }
    request.set_start_revision(from);
    InstanceWatch watch(context, std::move(request), countFlag(values), forDeadline(values));
    return watch.run();
}

// ---- declarations ------------------------------------------------------------------------------

void declareServiceAndId(CommandFlags &flags) {
    // clang-format off
    flags.hidden.add_options()
        ("service", po::value<std::string>()->required(), "SERVICE")
        ("id", po::value<std::string>()->required(), "ID");
    // clang-format on
    flags.positional.add("service", 1).add("id", 1);
}

void declareLimit(CommandFlags &flags, const char *what) {
    const std::string help = std::string("show at most N ") + what + " (default: all)";
    flags.visible.add_options()("limit", po::value<int>()->value_name("N"), help.c_str());
}

Command stateCommand(const char *word, v1::InstanceState state, const char *summary) {
    return {std::string("instances ") + word, "SERVICE ID [flags]", summary, declareServiceAndId,
            [state](CommandContext &context, const po::variables_map &values) {
                return runSetState(context, values, state);
            }};
}

} // namespace

std::vector<Command> registryCommands() {
    return {
        {"services list", "[--limit N] [flags]",
         "Lists services with their instance counts and revisions.",
         [](CommandFlags &flags) { declareLimit(flags, "services"); }, runServicesList},
        {"services get", "NAME [flags]",
         "Describes a service, with its instances counted by state.",
         [](CommandFlags &flags) {
             flags.hidden.add_options()("name", po::value<std::string>()->required(), "NAME");
             flags.positional.add("name", 1);
         },
         runServicesGet},
        {"instances list",
         "[SERVICE] [--selector SEL] [--state serving|draining|maintenance] [--limit N] [flags]",
         "Lists instances of one service or of all with their health (unroutable ones too), "
         "following pages.",
         [](CommandFlags &flags) {
             flags.hidden.add_options()("service", po::value<std::string>(), "SERVICE");
             flags.positional.add("service", 1);
             // clang-format off
             flags.visible.add_options()
                 ("selector,l", po::value<std::string>()->value_name("SEL"),
                     "label selector, e.g. 'color=green,zone!=b', 'version in (1,2)', '!canary'")
                 ("state", po::value<std::string>()->value_name("STATE"),
                     "only instances in this state: serving, draining or maintenance");
             // clang-format on
             declareLimit(flags, "instances");
         },
         runInstancesList},
        {"instances register",
         "SERVICE ID ADDRESS [--label K=V]... [--meta K=V]... [--weight N] [--ttl DURATION] "
         "[--keepalive] [flags]",
         "Registers an instance (--keepalive: renews its lease until Ctrl-C, then deregisters).",
         [](CommandFlags &flags) {
             declareServiceAndId(flags);
             flags.hidden.add_options()("address", po::value<std::string>()->required(), "ADDRESS");
             flags.positional.add("address", 1);
             // clang-format off
             flags.visible.add_options()
                 ("label", po::value<std::vector<std::string>>()->composing()->value_name("K=V"),
                     "a label to select the instance by (version, color, zone, ...); repeatable")
                 ("meta", po::value<std::vector<std::string>>()->composing()->value_name("K=V"),
                     "free-form metadata (metrics_path, ...); repeatable")
                 ("weight", po::value<int>()->value_name("N"),
                     "weight for balancing, 0 to 10000 (default 100)")
                 ("ttl", po::value<std::string>()->value_name("DURATION")->default_value("30s"),
                     "lease TTL in whole seconds, 1s to 1h")
                 ("keepalive", po::bool_switch(),
                     "keep the lease alive until interrupted, then deregister");
             // clang-format on
         },
         runRegister},
        {"instances deregister", "SERVICE ID [flags]", "Removes an instance.", declareServiceAndId,
         runDeregister},
        stateCommand("drain", v1::INSTANCE_STATE_DRAINING,
                     "Marks an instance draining: callers send it no new requests."),
        stateCommand("maintenance", v1::INSTANCE_STATE_MAINTENANCE,
                     "Takes an instance out of rotation for maintenance."),
        stateCommand("serve", v1::INSTANCE_STATE_SERVING, "Puts an instance back in rotation."),
        {"watch", "[SERVICE] [--from REV] [--for DURATION] [--count N] [flags]",
         "Prints instance events as they happen (JSON output: one event per line).",
         [](CommandFlags &flags) {
             flags.hidden.add_options()("service", po::value<std::string>(), "SERVICE");
             flags.positional.add("service", 1);
             // clang-format off
             flags.visible.add_options()
                 ("from", po::value<std::int64_t>()->value_name("REV")->default_value(0),
                     "start at this revision, replaying the events since (0: only new events)")
                 ("for", po::value<std::string>()->value_name("DURATION"),
                     "stop after this long (default: until interrupted)")
                 ("count", po::value<int>()->value_name("N")->default_value(0),
                     "stop after N events (0: no limit)");
             // clang-format on
         },
         runWatch},
    };
}

} // namespace aegis::cli
