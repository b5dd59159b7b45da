#include "api/system_service.h"

#include "api/convert.h"
#include "common/input_text.h"
#include "common/logging.h"

#include <algorithm>

namespace aegis::api {
namespace {

aegis::v1::ExtensionKind toProto(ExtensionKind kind) {
    switch (kind) {
    case ExtensionKind::DeployDriver:
        return aegis::v1::EXTENSION_KIND_DEPLOY_DRIVER;
    case ExtensionKind::TrafficRouter:
        return aegis::v1::EXTENSION_KIND_TRAFFIC_ROUTER;
    case ExtensionKind::HealthProber:
        return aegis::v1::EXTENSION_KIND_HEALTH_PROBER;
    }
    return aegis::v1::EXTENSION_KIND_UNSPECIFIED;
}

aegis::v1::ParameterType toProto(ParameterType type) {
    switch (type) {
    case ParameterType::String:
        return aegis::v1::PARAMETER_TYPE_STRING;
    case ParameterType::Integer:
        return aegis::v1::PARAMETER_TYPE_INTEGER;
    case ParameterType::Duration:
        return aegis::v1::PARAMETER_TYPE_DURATION;
    case ParameterType::Boolean:
        return aegis::v1::PARAMETER_TYPE_BOOLEAN;
    case ParameterType::Enum:
        return aegis::v1::PARAMETER_TYPE_ENUM;
    case ParameterType::StringList:
        return aegis::v1::PARAMETER_TYPE_STRING_LIST;
    case ParameterType::Command:
        return aegis::v1::PARAMETER_TYPE_COMMAND;
    }
    return aegis::v1::PARAMETER_TYPE_UNSPECIFIED;
}

void toProto(const ExtensionDescription &in, aegis::v1::Extension *out) {
    out->set_kind(toProto(in.kind));
    out->set_name(in.name);
    out->set_display_name(in.displayName);
    out->set_description(in.description);
    for (const ExtensionParameter &parameter : in.parameters) {
        aegis::v1::ExtensionParameter *p = out->add_parameters();
        p->set_name(parameter.name);
        p->set_type(toProto(parameter.type));
        p->set_required(parameter.required);
        p->set_prefix(parameter.prefix);
        p->set_default_value(parameter.defaultValue);
        p->mutable_allowed_values()->Add(parameter.allowedValues.begin(),
                                         parameter.allowedValues.end());
        p->set_description(parameter.description);
        p->set_placeholder(parameter.placeholder);
    }
}

// The leader first, then the others by id.
void toProto(const cluster::ClusterStatus &in, aegis::v1::ControlPlaneStatus *out) {
    out->set_mode(in.mode);
    out->set_replica_id(in.selfId);
    out->set_leader_id(in.leaderId);
    out->set_writable(in.writes.isOk());
    out->set_write_problem(in.writes.message());
    std::vector<const cluster::ReplicaStatus *> replicas;
    for (const auto &replica : in.replicas) {
        replicas.push_back(&replica);
    }
    std::stable_sort(replicas.begin(), replicas.end(), [](const auto *a, const auto *b) {
        return a->leader != b->leader ? a->leader : a->info.id < b->info.id;
    });
    for (const auto *replica : replicas) {
        auto *r = out->add_replicas();
        r->set_id(replica->info.id);
        r->set_address(replica->info.grpcAddress);
        r->set_http_address(replica->info.httpAddress);
        r->set_leader(replica->leader);
        r->set_healthy(replica->healthy);
        r->set_version(replica->info.version);
        api::toProto(replica->info.startedAt, r->mutable_start_time());
        api::toProto(replica->since, r->mutable_since());
    }
    for (const auto &member : in.storeMembers) {
        auto *m = out->add_store_members();
        m->set_name(member.name);
        m->set_id(member.id);
        for (const auto &url : member.clientUrls) {
            m->add_client_urls(url);
        }
        for (const auto &url : member.peerUrls) {
            m->add_peer_urls(url);
        }
        m->set_healthy(member.healthy);
        m->set_problem(member.problem);
        m->set_leader(member.leader);
        m->set_db_size_bytes(member.dbSizeBytes);
    }
}

} // namespace

grpc::ServerUnaryReactor *SystemServiceImpl::GetStatus(grpc::CallbackServerContext *context,
                                                       const aegis::v1::GetStatusRequest *,
                                                       aegis::v1::GetStatusResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.SystemService/GetStatus");
    if (!call->authorized()) {
        return call->reactor();
    }
    response->mutable_header()->set_revision(m_api.store.currentRevision());
    response->set_version(m_api.info.version);
    toProto(m_api.info.startTime, response->mutable_start_time());
    toProto(std::chrono::steady_clock::now() - m_api.info.startSteady, response->mutable_uptime());
    response->set_store_kind(m_api.store.kind());
    response->set_compact_revision(m_api.store.compactRevision());
    auto &counts = *response->mutable_resource_counts();
    counts["tokens"] = static_cast<std::int64_t>(m_api.tokens.count());
    counts["audit_records"] = m_api.audit.count();
    counts["services"] = static_cast<std::int64_t>(m_api.registry.serviceCount());
    counts["instances"] = static_cast<std::int64_t>(m_api.registry.instanceCount());
    counts["leases"] = static_cast<std::int64_t>(m_api.registry.leaseCount());
    response->set_log_level(log::level());
    toProto(m_metricsStatus ? m_metricsStatus() : metrics::BackendStatus{},
            response->mutable_metrics_backend());
    if (m_clusterStatus) {
        toProto(m_clusterStatus(), response->mutable_control_plane());
    }
    call->finish(Status::ok());
    return call->reactor();
}

grpc::ServerUnaryReactor *
SystemServiceImpl::SetLogLevel(grpc::CallbackServerContext *context,
                               const aegis::v1::SetLogLevelRequest *request,
                               aegis::v1::SetLogLevelResponse *response) {
    auto call =
        UnaryCall::start(m_api, context, "/aegis.v1.SystemService/SetLogLevel", "daemon/log-level");
    if (!call->authorized()) {
        return call->reactor();
    }
    if (!log::isValidLevel(request->level())) {
        call->finish(invalidArgument(
            "level must be one of trace, debug, info, warn, error, critical, off (got " +
            quoteInput(request->level()) + ")"));
        return call->reactor();
    }
    const std::string previous = log::level();
    log::setLevel(request->level());
    log::info("log level changed",
              {{"from", previous}, {"to", log::level()}, {"by", call->caller().name}});
    call->setSummary("log level " + previous + " -> " + log::level());
    response->mutable_header()->set_revision(m_api.store.currentRevision());
    response->set_previous_level(previous);
    call->finish(Status::ok());
    return call->reactor();
}

grpc::ServerUnaryReactor *
SystemServiceImpl::ListExtensions(grpc::CallbackServerContext *context,
                                  const aegis::v1::ListExtensionsRequest *request,
                                  aegis::v1::ListExtensionsResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.SystemService/ListExtensions");
    if (!call->authorized()) {
        return call->reactor();
    }
    if (!aegis::v1::ExtensionKind_IsValid(request->kind())) {
        call->finish(invalidArgument("kind must be one of EXTENSION_KIND_UNSPECIFIED (all), "
                                     "DEPLOY_DRIVER, TRAFFIC_ROUTER, HEALTH_PROBER (got " +
                                     std::to_string(request->kind()) + ")"));
        return call->reactor();
    }
    std::vector<const ExtensionDescription *> all = m_rolloutExtensions.descriptions();
    const auto probers = m_probers.descriptions();
    all.insert(all.end(), probers.begin(), probers.end());
    // By kind, then name; each registry already lists its own by name.
    std::stable_sort(all.begin(), all.end(), [](const auto *a, const auto *b) {
        return static_cast<int>(a->kind) < static_cast<int>(b->kind);
    });
    for (const ExtensionDescription *description : all) {
        const aegis::v1::ExtensionKind kind = toProto(description->kind);
        if (request->kind() == aegis::v1::EXTENSION_KIND_UNSPECIFIED || request->kind() == kind) {
            aegis::v1::Extension *extension = response->add_extensions();
            toProto(*description, extension);
            const std::string &defaultName = description->kind == ExtensionKind::DeployDriver
                                                 ? m_rolloutExtensions.defaultDriver()
                                             : description->kind == ExtensionKind::TrafficRouter
                                                 ? m_rolloutExtensions.defaultRouter()
                                                 : std::string();
            extension->set_is_default(!defaultName.empty() && defaultName == description->name);
        }
    }
    response->mutable_header()->set_revision(m_api.store.currentRevision());
    call->finish(Status::ok());
    return call->reactor();
}

} // namespace aegis::api
