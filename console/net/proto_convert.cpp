#include "net/proto_convert.h"

#include <QTimeZone>

#include <algorithm>

namespace aegis::console {
namespace {

// One page of a List response: `items` converted into the page's `list`, the next page's token
// and the revision the page was served at.
template <typename Page, typename Item, typename Response, typename ProtoItems>
Page pageFromProto(const Response &response, const ProtoItems &items, QList<Item> Page::*list) {
    Page page;
    (page.*list).reserve(items.size());
    for (const auto &item : items) {
        (page.*list).append(fromProto(item));
    }
    page.nextPageToken = QString::fromStdString(response.next_page_token());
    page.revision = response.header().revision();
    return page;
}

} // namespace

QDateTime fromTimestamp(const google::protobuf::Timestamp &timestamp) {
    if (timestamp.seconds() == 0 && timestamp.nanos() == 0) {
        return {};
    }
    return QDateTime::fromMSecsSinceEpoch(timestamp.seconds() * 1000 + timestamp.nanos() / 1000000,
                                          QTimeZone::utc());
}

void toTimestamp(const QDateTime &time, google::protobuf::Timestamp *timestamp) {
    const qint64 ms = time.toMSecsSinceEpoch();
    timestamp->set_seconds(ms / 1000);
    timestamp->set_nanos(static_cast<int>(ms % 1000) * 1000000);
}

DaemonStatus fromProto(const v1::GetStatusResponse &response) {
    DaemonStatus status;
    status.version = QString::fromStdString(response.version());
    status.startTime = fromTimestamp(response.start_time());
    status.uptimeMs = response.uptime().seconds() * 1000 + response.uptime().nanos() / 1000000;
    status.revision = response.header().revision();
    status.compactRevision = response.compact_revision();
    status.storeKind = QString::fromStdString(response.store_kind());
    status.logLevel = QString::fromStdString(response.log_level());
    for (const auto &[kind, count] : response.resource_counts()) {
        status.resourceCounts.append({QString::fromStdString(kind), count});
    }
    std::sort(status.resourceCounts.begin(), status.resourceCounts.end());
    const v1::ControlPlaneStatus &plane = response.control_plane();
    ControlPlane &out = status.controlPlane;
    out.mode = QString::fromStdString(plane.mode());
    out.replicaId = QString::fromStdString(plane.replica_id());
    out.leaderId = QString::fromStdString(plane.leader_id());
    out.writable = plane.mode().empty() || plane.writable();
    out.writeProblem = QString::fromStdString(plane.write_problem());
    for (const auto &replica : plane.replicas()) {
        out.replicas.append({QString::fromStdString(replica.id()),
                             QString::fromStdString(replica.address()), replica.leader(),
                             replica.healthy(), QString::fromStdString(replica.version()),
                             fromTimestamp(replica.since())});
    }
    for (const auto &member : plane.store_members()) {
        ControlPlane::StoreMember m;
        m.name = QString::fromStdString(member.name());
        for (const auto &url : member.client_urls()) {
            m.clientUrls.append(QString::fromStdString(url));
        }
        m.healthy = member.healthy();
        m.problem = QString::fromStdString(member.problem());
        m.leader = member.leader();
        m.dbSizeBytes = member.db_size_bytes();
        out.storeMembers.append(m);
    }
    return status;
}

AuditEntry fromProto(const v1::AuditRecord &record) {
    AuditEntry entry;
    entry.id = QString::fromStdString(record.id());
    entry.time = fromTimestamp(record.time());
    entry.actor = QString::fromStdString(record.actor());
    entry.role = static_cast<int>(record.role());
    entry.peer = QString::fromStdString(record.peer());
    entry.method = QString::fromStdString(record.method());
    entry.resource = QString::fromStdString(record.resource());
    entry.summary = QString::fromStdString(record.summary());
    entry.code = record.code();
    entry.error = QString::fromStdString(record.error());
    entry.revision = record.revision();
    return entry;
}

void toProto(const AuditQuery &query, v1::AuditFilter *filter) {
    filter->set_actor(query.actor.toStdString());
    filter->set_method(query.method.toStdString());
    filter->set_resource(query.resourcePrefix.toStdString());
    switch (query.outcome) {
    case AuditOutcome::Any:
        filter->set_outcome(v1::AUDIT_OUTCOME_UNSPECIFIED);
        break;
    case AuditOutcome::Succeeded:
        filter->set_outcome(v1::AUDIT_OUTCOME_SUCCEEDED);
        break;
    case AuditOutcome::Failed:
        filter->set_outcome(v1::AUDIT_OUTCOME_FAILED);
        break;
    }
    if (query.from.isValid()) {
        toTimestamp(query.from, filter->mutable_start_time());
    }
    if (query.to.isValid()) {
        toTimestamp(query.to, filter->mutable_end_time());
    }
}

ServiceInstance fromProto(const v1::Instance &instance) {
    ServiceInstance result;
    result.service = QString::fromStdString(instance.service());
    result.id = QString::fromStdString(instance.id());
    result.address = QString::fromStdString(instance.address());
    for (const auto &[key, value] : instance.labels()) {
        result.labels.insert(QString::fromStdString(key), QString::fromStdString(value));
    }
    for (const auto &[key, value] : instance.metadata()) {
        result.metadata.insert(QString::fromStdString(key), QString::fromStdString(value));
    }
    result.weight = instance.has_weight() ? instance.weight() : 100;
    switch (instance.state()) {
    case v1::INSTANCE_STATE_SERVING:
        result.state = InstanceState::Serving;
        break;
    case v1::INSTANCE_STATE_DRAINING:
        result.state = InstanceState::Draining;
        break;
    case v1::INSTANCE_STATE_MAINTENANCE:
        result.state = InstanceState::Maintenance;
        break;
    default:
        result.state = InstanceState::Unspecified;
        break;
    }
    result.leaseId = instance.lease_id();
    result.leaseTtlSeconds = instance.lease_ttl_seconds();
    result.registerTime = fromTimestamp(instance.register_time());
    result.createRevision = instance.create_revision();
    result.modRevision = instance.mod_revision();
    result.health = fromProto(instance.health());
    result.routable = instance.routable();
    return result;
}

ServiceInfo fromProto(const v1::Service &service) {
    ServiceInfo result;
    result.name = QString::fromStdString(service.name());
    result.description = QString::fromStdString(service.description());
    result.instanceCount = service.instance_count();
    result.unroutableCount = service.unroutable_count();
    result.panic = service.panic();
    return result;
}

InstanceChange fromProto(const v1::InstanceEvent &event) {
    InstanceChange change;
    switch (event.type()) {
    case v1::INSTANCE_EVENT_TYPE_ADDED:
        change.type = InstanceChange::Type::Added;
        break;
    case v1::INSTANCE_EVENT_TYPE_REMOVED:
        change.type = InstanceChange::Type::Removed;
        break;
    default:
        change.type = InstanceChange::Type::Updated;
        break;
    }
    change.instance = fromProto(event.instance());
    change.reason = QString::fromStdString(event.reason());
    change.revision = event.revision();
    return change;
}

AuditRecordPage fromProto(const v1::ListAuditRecordsResponse &response) {
    return pageFromProto(response, response.records(), &AuditRecordPage::records);
}

ServicePage fromProto(const v1::ListServicesResponse &response) {
    return pageFromProto(response, response.services(), &ServicePage::services);
}

InstancePage fromProto(const v1::ListInstancesResponse &response) {
    return pageFromProto(response, response.instances(), &InstancePage::instances);
}

v1::InstanceState toProto(InstanceState state) {
    switch (state) {
    case InstanceState::Serving:
        return v1::INSTANCE_STATE_SERVING;
    case InstanceState::Draining:
        return v1::INSTANCE_STATE_DRAINING;
    case InstanceState::Maintenance:
        return v1::INSTANCE_STATE_MAINTENANCE;
    case InstanceState::Unspecified:
        break;
    }
    return v1::INSTANCE_STATE_UNSPECIFIED;
}

HealthStatus fromProto(v1::HealthStatus status) {
    switch (status) {
    case v1::HEALTH_STATUS_PASSING:
        return HealthStatus::Passing;
    case v1::HEALTH_STATUS_WARNING:
        return HealthStatus::Warning;
    case v1::HEALTH_STATUS_CRITICAL:
        return HealthStatus::Critical;
    default:
        return HealthStatus::Unknown;
    }
}

v1::HealthStatus toProto(HealthStatus status) {
    switch (status) {
    case HealthStatus::Passing:
        return v1::HEALTH_STATUS_PASSING;
    case HealthStatus::Warning:
        return v1::HEALTH_STATUS_WARNING;
    case HealthStatus::Critical:
        return v1::HEALTH_STATUS_CRITICAL;
    case HealthStatus::Unknown:
        break;
    }
    return v1::HEALTH_STATUS_UNKNOWN;
}

InstanceHealth fromProto(const v1::InstanceHealth &health) {
    InstanceHealth result;
    result.status = fromProto(health.status());
    result.flapping = health.flapping();
    result.ejected = health.ejected();
    result.ejectedUntil = fromTimestamp(health.ejected_until());
    result.reason = QString::fromStdString(health.reason());
    result.output = QString::fromStdString(health.output());
    result.changedAt = fromTimestamp(health.changed_at());
    result.checked = health.checked();
    return result;
}

HealthCheckSpec fromProto(const v1::HealthCheck &check) {
    HealthCheckSpec spec;
    spec.kind = QString::fromStdString(check.kind());
    spec.port = check.port();
    for (const auto &[key, value] : check.options()) {
        spec.options.insert(QString::fromStdString(key), QString::fromStdString(value));
    }
    spec.intervalMs = check.interval_ms();
    spec.timeoutMs = check.timeout_ms();
    spec.rise = check.rise();
    spec.fall = check.fall();
    spec.initialStatus = fromProto(check.initial_status());
    spec.deregisterAfterMs = check.deregister_after_ms();
    if (check.has_jitter_ms()) {
        spec.jitterMs = check.jitter_ms();
    }
    if (check.has_flap_max_transitions()) {
        spec.flapMaxTransitions = check.flap_max_transitions();
    }
    spec.flapWindowMs = check.flap_window_ms();
    if (check.has_panic_threshold()) {
        spec.panicThreshold = check.panic_threshold();
    }
    return spec;
}

void toProto(const HealthCheckSpec &spec, v1::HealthCheck *check) {
    check->set_kind(spec.kind.toStdString());
    check->set_port(spec.port);
    for (auto it = spec.options.cbegin(); it != spec.options.cend(); ++it) {
        (*check->mutable_options())[it.key().toStdString()] = it.value().toStdString();
    }
    check->set_interval_ms(spec.intervalMs);
    check->set_timeout_ms(spec.timeoutMs);
    check->set_rise(spec.rise);
    check->set_fall(spec.fall);
    check->set_initial_status(toProto(spec.initialStatus));
    check->set_deregister_after_ms(spec.deregisterAfterMs);
    if (spec.jitterMs) {
        check->set_jitter_ms(*spec.jitterMs);
    }
    if (spec.flapMaxTransitions) {
        check->set_flap_max_transitions(*spec.flapMaxTransitions);
    }
    check->set_flap_window_ms(spec.flapWindowMs);
    if (spec.panicThreshold) {
        check->set_panic_threshold(*spec.panicThreshold);
    }
}

CheckDetail fromProto(const v1::CheckDetail &detail) {
    CheckDetail result;
    result.kind = QString::fromStdString(detail.kind());
    result.target = QString::fromStdString(detail.target());
    result.status = fromProto(detail.status());
    result.lastOutput = QString::fromStdString(detail.last_output());
    result.consecutivePassing = detail.consecutive_passing();
    result.consecutiveFailing = detail.consecutive_failing();
    result.probeCount = detail.probe_count();
    result.consecutiveCallFailures = detail.consecutive_call_failures();
    result.ejectionCount = detail.ejection_count();
    return result;
}

HealthTransition fromProto(const v1::HealthTransition &transition) {
    HealthTransition result;
    result.service = QString::fromStdString(transition.service());
    result.instanceId = QString::fromStdString(transition.instance_id());
    result.from = fromProto(transition.from());
    result.to = fromProto(transition.to());
    result.flapping = transition.flapping();
    result.ejected = transition.ejected();
    result.reason = QString::fromStdString(transition.reason());
    result.output = QString::fromStdString(transition.output());
    result.time = fromTimestamp(transition.time());
    result.revision = transition.revision();
    return result;
}

HealthCheckRevision fromProto(const v1::GetHealthCheckResponse &response) {
    return {{}, fromProto(response.check()), response.mod_revision()};
}

HealthCheckRevision fromProto(const v1::UpdateHealthCheckResponse &response) {
    return {{}, fromProto(response.check()), response.mod_revision()};
}

InstanceHealthReport fromProto(const v1::GetInstanceHealthResponse &response) {
    InstanceHealthReport report;
    report.health = fromProto(response.health());
    report.routable = response.routable();
    if (response.has_check()) {
        report.check = fromProto(response.check());
    }
    return report;
}

HealthHistoryPage fromProto(const v1::ListHealthHistoryResponse &response) {
    return pageFromProto(response, response.transitions(), &HealthHistoryPage::transitions);
}

QString fromStd(const std::string &text) {
    return QString::fromStdString(text);
}

ConfigItemRef fromProto(const v1::ConfigItemRef &ref) {
    return {fromStd(ref.namespace_()), fromStd(ref.group()), fromStd(ref.key())};
}

void toProto(const ConfigItemRef &ref, v1::ConfigItemRef *out) {
    out->set_namespace_(ref.ns.toStdString());
    out->set_group(ref.group.toStdString());
    out->set_key(ref.key.toStdString());
}

v1::ConfigFormat toProto(ConfigFormat format) {
    return static_cast<v1::ConfigFormat>(format);
}

namespace {

ConfigFormat formatFromProto(v1::ConfigFormat format) {
    if (format < v1::CONFIG_FORMAT_UNSPECIFIED || format > v1::CONFIG_FORMAT_PROPERTIES) {
        return ConfigFormat::Unspecified;
    }
    return static_cast<ConfigFormat>(format);
}

} // namespace

ConfigItem fromProto(const v1::ConfigItem &item) {
    ConfigItem result;
    result.ref = fromProto(item.ref());
    result.format = formatFromProto(item.format());
    result.content = fromStd(item.content());
    result.hasContent = true;
    for (const auto &[key, value] : item.labels()) {
        result.labels.insert(fromStd(key), fromStd(value));
    }
    result.description = fromStd(item.description());
    result.secret = item.secret();
    result.schema = fromStd(item.schema());
    result.version = item.version();
    result.contentSha256 = fromStd(item.content_sha256());
    result.author = fromStd(item.author());
    result.comment = fromStd(item.comment());
    result.updateTime = fromTimestamp(item.update_time());
    result.createRevision = item.create_revision();
    result.modRevision = item.mod_revision();
    if (item.has_gray() && item.gray().version() > 0) {
        const v1::GrayRelease &in = item.gray();
        ConfigGrayRelease gray;
        gray.version = in.version();
        gray.selector = fromStd(in.selector());
        for (const auto &id : in.instance_ids()) {
            gray.instanceIds.append(fromStd(id));
        }
        gray.percent = in.percent();
        gray.author = fromStd(in.author());
        gray.startTime = fromTimestamp(in.start_time());
        gray.contentSha256 = fromStd(in.content_sha256());
        result.gray = gray;
    }
    result.masked = item.masked();
    return result;
}

ConfigNamespaceList fromProto(const v1::ListNamespacesResponse &response) {
    ConfigNamespaceList list;
    list.revision = response.header().revision();
    for (const auto &ns : response.namespaces()) {
        list.namespaces.append({fromStd(ns.name()), ns.require_approval(),
                                fromStd(ns.description()), ns.item_count()});
    }
    return list;
}

ConfigItemPage fromProto(const v1::ListConfigItemsResponse &response) {
    return pageFromProto(response, response.items(), &ConfigItemPage::items);
}

ConfigVersion fromProto(const v1::ConfigVersion &version) {
    ConfigVersion result;
    result.version = version.version();
    result.kind = version.kind() >= v1::CONFIG_VERSION_KIND_UNSPECIFIED &&
                          version.kind() <= v1::CONFIG_VERSION_KIND_IMPORT
                      ? static_cast<ConfigVersionKind>(version.kind())
                      : ConfigVersionKind::Unspecified;
    result.format = formatFromProto(version.format());
    result.content = fromStd(version.content());
    result.contentSha256 = fromStd(version.content_sha256());
    result.author = fromStd(version.author());
    result.comment = fromStd(version.comment());
    result.time = fromTimestamp(version.time());
    result.revision = version.revision();
    result.restores = version.restores();
    result.masked = version.masked();
    return result;
}

ConfigVersionPage fromProto(const v1::ListConfigVersionsResponse &response) {
    return pageFromProto(response, response.versions(), &ConfigVersionPage::versions);
}

ConfigProposal fromProto(const v1::Proposal &proposal) {
    ConfigProposal result;
    result.id = fromStd(proposal.id());
    result.ns = fromStd(proposal.namespace_());
    for (const auto &change : proposal.changes()) {
        result.changes.append({fromProto(change.ref()), formatFromProto(change.format()),
                               fromStd(change.content()), change.base_version()});
    }
    result.comment = fromStd(proposal.comment());
    result.proposer = fromStd(proposal.proposer());
    result.state = proposal.state() >= v1::PROPOSAL_STATE_UNSPECIFIED &&
                           proposal.state() <= v1::PROPOSAL_STATE_REJECTED
                       ? static_cast<ProposalState>(proposal.state())
                       : ProposalState::Unspecified;
    result.decidedBy = fromStd(proposal.decided_by());
    result.createTime = fromTimestamp(proposal.create_time());
    result.decideTime = fromTimestamp(proposal.decide_time());
    return result;
}

ConfigProposalList fromProto(const v1::ListProposalsResponse &response) {
    ConfigProposalList list;
    list.revision = response.header().revision();
    for (const auto &proposal : response.proposals()) {
        list.proposals.append(fromProto(proposal));
    }
    return list;
}

ConfigAppliedStatus fromProto(const v1::GetAppliedStatusResponse &response) {
    ConfigAppliedStatus status;
    status.publishedVersion = response.published_version();
    status.grayVersion = response.gray_version();
    for (const auto &instance : response.instances()) {
        status.instances.append({fromStd(instance.service()), fromStd(instance.instance_id()),
                                 instance.version(), fromStd(instance.error()),
                                 fromTimestamp(instance.time())});
    }
    status.summary = fromStd(response.summary());
    return status;
}

ConfigChangeEvent fromProto(const v1::ConfigEvent &event) {
    ConfigChangeEvent result;
    result.type = event.type() == v1::CONFIG_EVENT_TYPE_DELETE ? ConfigChangeEvent::Type::Delete
                                                               : ConfigChangeEvent::Type::Put;
    result.ref = fromProto(event.ref());
    result.format = formatFromProto(event.format());
    result.content = fromStd(event.content());
    result.version = event.version();
    result.contentSha256 = fromStd(event.content_sha256());
    result.gray = event.gray();
    result.revision = event.revision();
    return result;
}

ExtensionCatalog fromProto(const v1::ListExtensionsResponse &response) {
    ExtensionCatalog catalog;
    for (const v1::Extension &in : response.extensions()) {
        ExtensionDescription out;
        // Kinds and types this console does not know yet are left out rather than misread.
        switch (in.kind()) {
        case v1::EXTENSION_KIND_DEPLOY_DRIVER:
            out.kind = ExtensionKind::DeployDriver;
            break;
        case v1::EXTENSION_KIND_TRAFFIC_ROUTER:
            out.kind = ExtensionKind::TrafficRouter;
            break;
        case v1::EXTENSION_KIND_HEALTH_PROBER:
            out.kind = ExtensionKind::HealthProber;
            break;
        default:
            continue;
        }
        out.name = in.name();
        if (in.is_default() && out.kind == ExtensionKind::DeployDriver) {
            catalog.defaultDriver = fromStd(in.name());
        } else if (in.is_default() && out.kind == ExtensionKind::TrafficRouter) {
            catalog.defaultRouter = fromStd(in.name());
        }
        out.displayName = in.display_name();
        out.description = in.description();
        for (const v1::ExtensionParameter &parameter : in.parameters()) {
            ExtensionParameter p;
            p.name = parameter.name();
            switch (parameter.type()) {
            case v1::PARAMETER_TYPE_INTEGER:
                p.type = ParameterType::Integer;
                break;
            case v1::PARAMETER_TYPE_DURATION:
                p.type = ParameterType::Duration;
                break;
            case v1::PARAMETER_TYPE_BOOLEAN:
                p.type = ParameterType::Boolean;
                break;
            case v1::PARAMETER_TYPE_ENUM:
                p.type = ParameterType::Enum;
                break;
            case v1::PARAMETER_TYPE_STRING_LIST:
                p.type = ParameterType::StringList;
                break;
            case v1::PARAMETER_TYPE_COMMAND:
                p.type = ParameterType::Command;
                break;
            default:
                p.type = ParameterType::String;
                break;
            }
            p.required = parameter.required();
            p.prefix = parameter.prefix();
            p.defaultValue = parameter.default_value();
            p.allowedValues.assign(parameter.allowed_values().begin(),
                                   parameter.allowed_values().end());
            p.description = parameter.description();
            p.placeholder = parameter.placeholder();
            out.parameters.push_back(std::move(p));
        }
        catalog.extensions.append(std::move(out));
    }
    return catalog;
}

CallerIdentity fromProto(const v1::WhoAmIResponse &response) {
    return {fromStd(response.token().name()), static_cast<int>(response.token().role())};
}

namespace {

QMap<QString, QString> paramsFromProto(const google::protobuf::Map<std::string, std::string> &in) {
    QMap<QString, QString> params;
    for (const auto &[key, value] : in) {
        params.insert(fromStd(key), fromStd(value));
    }
    return params;
}

void paramsToProto(const QMap<QString, QString> &params,
                   google::protobuf::Map<std::string, std::string> *out) {
    for (auto it = params.cbegin(); it != params.cend(); ++it) {
        (*out)[it.key().toStdString()] = it.value().toStdString();
    }
}

} // namespace

RolloutPhase fromProto(v1::RolloutPhase phase) {
    return phase > v1::ROLLOUT_PHASE_UNSPECIFIED && phase <= v1::ROLLOUT_PHASE_FAILED
               ? static_cast<RolloutPhase>(phase)
               : RolloutPhase::Unspecified;
}

TrafficSplit fromProto(const v1::TrafficSplit &split) {
    return {split.blue(), split.green()};
}

RolloutSpec fromProto(const v1::RolloutSpec &spec) {
    RolloutSpec result;
    result.service = fromStd(spec.service());
    result.version = fromStd(spec.version());
    result.replicas = spec.replicas();
    switch (spec.strategy()) {
    case v1::ROLLOUT_STRATEGY_BLUE_GREEN:
        result.strategy = RolloutStrategy::BlueGreen;
        break;
    case v1::ROLLOUT_STRATEGY_CANARY:
        result.strategy = RolloutStrategy::Canary;
        break;
    default:
        result.strategy = RolloutStrategy::Unspecified;
        break;
    }
    for (const auto &step : spec.steps()) {
        result.steps.append({step.weight(), step.pause_ms(), step.until_promoted()});
    }
    result.driver = fromStd(spec.driver());
    result.driverParams = paramsFromProto(spec.driver_params());
    result.router = fromStd(spec.router());
    result.routerParams = paramsFromProto(spec.router_params());
    if (spec.has_healthy_for_ms()) {
        result.healthyForMs = spec.healthy_for_ms();
    }
    result.requireApproval = spec.require_approval();
    result.bakeTimeMs = spec.bake_time_ms();
    if (spec.has_scale_down_delay_ms()) {
        result.scaleDownDelayMs = spec.scale_down_delay_ms();
    }
    if (spec.has_progress_deadline_ms()) {
        result.progressDeadlineMs = spec.progress_deadline_ms();
    }
    result.description = fromStd(spec.description());
    return result;
}

void toProto(const RolloutSpec &spec, v1::RolloutSpec *out) {
    out->set_service(spec.service.toStdString());
    out->set_version(spec.version.toStdString());
    out->set_replicas(spec.replicas);
    switch (spec.strategy) {
    case RolloutStrategy::BlueGreen:
        out->set_strategy(v1::ROLLOUT_STRATEGY_BLUE_GREEN);
        break;
    case RolloutStrategy::Canary:
        out->set_strategy(v1::ROLLOUT_STRATEGY_CANARY);
        break;
    case RolloutStrategy::Unspecified:
        out->set_strategy(v1::ROLLOUT_STRATEGY_UNSPECIFIED);
        break;
    }
    for (const CanaryStep &step : spec.steps) {
        v1::CanaryStep *proto = out->add_steps();
        proto->set_weight(step.weight);
        proto->set_pause_ms(step.pauseMs);
        proto->set_until_promoted(step.untilPromoted);
    }
    out->set_driver(spec.driver.toStdString());
    paramsToProto(spec.driverParams, out->mutable_driver_params());
    out->set_router(spec.router.toStdString());
    paramsToProto(spec.routerParams, out->mutable_router_params());
    if (spec.healthyForMs) {
        out->set_healthy_for_ms(*spec.healthyForMs);
    }
    out->set_require_approval(spec.requireApproval);
    out->set_bake_time_ms(spec.bakeTimeMs);
    if (spec.scaleDownDelayMs) {
        out->set_scale_down_delay_ms(*spec.scaleDownDelayMs);
    }
    if (spec.progressDeadlineMs) {
        out->set_progress_deadline_ms(*spec.progressDeadlineMs);
    }
    out->set_description(spec.description.toStdString());
}

Rollout fromProto(const v1::Rollout &rollout) {
    Rollout result;
    result.id = fromStd(rollout.id());
    result.spec = fromProto(rollout.spec());
    result.phase = fromProto(rollout.phase());
    result.paused = rollout.paused();
    result.message = fromStd(rollout.message());
    result.stableColor = fromStd(rollout.stable_color());
    result.stableVersion = fromStd(rollout.stable_version());
    result.newColor = fromStd(rollout.new_color());
    result.traffic = fromProto(rollout.traffic());
    result.currentStep = rollout.current_step();
    result.stepApplied = rollout.step_applied();
    result.healthyInstances = rollout.healthy_instances();
    result.registeredInstances = rollout.registered_instances();
    result.attempt = rollout.attempt();
    result.createdBy = fromStd(rollout.created_by());
    result.createTime = fromTimestamp(rollout.create_time());
    result.phaseTime = fromTimestamp(rollout.phase_time());
    result.finishTime = fromTimestamp(rollout.finish_time());
    for (const auto &transition : rollout.transitions()) {
        result.transitions.append({fromProto(transition.phase()), fromTimestamp(transition.time()),
                                   fromStd(transition.reason())});
    }
    result.undoUntil = fromTimestamp(rollout.undo_until());
    result.createRevision = rollout.create_revision();
    result.modRevision = rollout.mod_revision();
    for (const auto &available : rollout.available_actions()) {
        const int kind = available.action();
        if (kind < v1::ROLLOUT_ACTION_KIND_PROMOTE || kind > v1::ROLLOUT_ACTION_KIND_UNDO) {
            continue; // an action this console does not know
        }
        result.availableActions.append({static_cast<RolloutAction>(kind - 1), available.enabled(),
                                        fromStd(available.disabled_reason())});
    }
    return result;
}

Release fromProto(const v1::Release &release) {
    Release result;
    result.service = fromStd(release.service());
    result.liveColor = fromStd(release.live_color());
    result.liveVersion = fromStd(release.live_version());
    result.traffic = fromProto(release.traffic());
    for (const auto &deployment : release.deployments()) {
        result.deployments.append({fromStd(deployment.color()), fromStd(deployment.version()),
                                   deployment.replicas(), fromStd(deployment.driver()),
                                   fromStd(deployment.rollout_id())});
    }
    result.activeRolloutId = fromStd(release.active_rollout_id());
    result.lastRolloutId = fromStd(release.last_rollout_id());
    result.driver = fromStd(release.driver());
    result.driverParams = paramsFromProto(release.driver_params());
    result.router = fromStd(release.router());
    result.routerParams = paramsFromProto(release.router_params());
    result.modRevision = release.mod_revision();
    return result;
}

RolloutLogLine fromProto(const v1::RolloutLogLine &line) {
    return {fromStd(line.rollout_id()), line.sequence(), fromTimestamp(line.time()),
            fromStd(line.line())};
}

RolloutEvent fromProto(const v1::RolloutEvent &event) {
    RolloutEvent result;
    result.revision = event.revision();
    switch (event.change_case()) {
    case v1::RolloutEvent::kRollout:
        result.rollout = fromProto(event.rollout());
        break;
    case v1::RolloutEvent::kRelease:
        result.release = fromProto(event.release());
        break;
    case v1::RolloutEvent::kLogLine:
        result.logLine = fromProto(event.log_line());
        break;
    case v1::RolloutEvent::CHANGE_NOT_SET:
        break;
    }
    return result;
}

RolloutPage fromProto(const v1::ListRolloutsResponse &response) {
    return pageFromProto(response, response.rollouts(), &RolloutPage::rollouts);
}

ReleaseList fromProto(const v1::ListReleasesResponse &response) {
    ReleaseList list;
    list.revision = response.header().revision();
    for (const auto &release : response.releases()) {
        list.releases.append(fromProto(release));
    }
    return list;
}

RolloutLogPage fromProto(const v1::ListRolloutLogResponse &response) {
    RolloutLogPage page;
    for (const auto &line : response.lines()) {
        page.lines.append(fromProto(line));
    }
    page.more = response.more();
    page.revision = response.header().revision();
    return page;
}

CallError fromStatus(const grpc::Status &status) {
    return {static_cast<int>(status.error_code()), QString::fromStdString(status.error_message())};
}

} // namespace aegis::console
