#pragma once

// Conversions between the generated protobuf types and the console's value types. Internal to net/.

#include "net/api_types.h"

#include <aegis/v1/audit.pb.h>
#include <aegis/v1/auth.pb.h>
#include <aegis/v1/config.pb.h>
#include <aegis/v1/health.pb.h>
#include <aegis/v1/registry.pb.h>
#include <aegis/v1/rollout.pb.h>
#include <aegis/v1/system.pb.h>
#include <grpcpp/support/status.h>

namespace aegis::console {

QDateTime fromTimestamp(const google::protobuf::Timestamp &timestamp);
void toTimestamp(const QDateTime &time, google::protobuf::Timestamp *timestamp);

DaemonStatus fromProto(const v1::GetStatusResponse &response);
ExtensionCatalog fromProto(const v1::ListExtensionsResponse &response);
AuditEntry fromProto(const v1::AuditRecord &record);
void toProto(const AuditQuery &query, v1::AuditFilter *filter);
ServiceInstance fromProto(const v1::Instance &instance);
ServiceInfo fromProto(const v1::Service &service);
InstanceChange fromProto(const v1::InstanceEvent &event);
AuditRecordPage fromProto(const v1::ListAuditRecordsResponse &response);
ServicePage fromProto(const v1::ListServicesResponse &response);
InstancePage fromProto(const v1::ListInstancesResponse &response);
v1::InstanceState toProto(InstanceState state);
HealthStatus fromProto(v1::HealthStatus status);
v1::HealthStatus toProto(HealthStatus status);
InstanceHealth fromProto(const v1::InstanceHealth &health);
HealthCheckSpec fromProto(const v1::HealthCheck &check);
void toProto(const HealthCheckSpec &spec, v1::HealthCheck *check);
CheckDetail fromProto(const v1::CheckDetail &detail);
HealthTransition fromProto(const v1::HealthTransition &transition);
// The responses carry no service name; the caller adds the one it asked about.
HealthCheckRevision fromProto(const v1::GetHealthCheckResponse &response);
HealthCheckRevision fromProto(const v1::UpdateHealthCheckResponse &response);
InstanceHealthReport fromProto(const v1::GetInstanceHealthResponse &response);
HealthHistoryPage fromProto(const v1::ListHealthHistoryResponse &response);
// Config center. The responses carry no namespace or ref; the caller adds the one it asked about.
QString fromStd(const std::string &text);
ConfigItemRef fromProto(const v1::ConfigItemRef &ref);
void toProto(const ConfigItemRef &ref, v1::ConfigItemRef *out);
v1::ConfigFormat toProto(ConfigFormat format);
ConfigItem fromProto(const v1::ConfigItem &item);
ConfigNamespaceList fromProto(const v1::ListNamespacesResponse &response);
ConfigItemPage fromProto(const v1::ListConfigItemsResponse &response);
ConfigVersion fromProto(const v1::ConfigVersion &version);
ConfigVersionPage fromProto(const v1::ListConfigVersionsResponse &response);
ConfigProposal fromProto(const v1::Proposal &proposal);
ConfigProposalList fromProto(const v1::ListProposalsResponse &response);
ConfigAppliedStatus fromProto(const v1::GetAppliedStatusResponse &response);
ConfigChangeEvent fromProto(const v1::ConfigEvent &event);
CallerIdentity fromProto(const v1::WhoAmIResponse &response);
// Rollouts. The list and log responses carry no service or rollout id; the caller adds the one
// it asked about.
RolloutPhase fromProto(v1::RolloutPhase phase);
TrafficSplit fromProto(const v1::TrafficSplit &split);
RolloutSpec fromProto(const v1::RolloutSpec &spec);
void toProto(const RolloutSpec &spec, v1::RolloutSpec *out);
Rollout fromProto(const v1::Rollout &rollout);
Release fromProto(const v1::Release &release);
RolloutLogLine fromProto(const v1::RolloutLogLine &line);
RolloutEvent fromProto(const v1::RolloutEvent &event);
RolloutPage fromProto(const v1::ListRolloutsResponse &response);
ReleaseList fromProto(const v1::ListReleasesResponse &response);
RolloutLogPage fromProto(const v1::ListRolloutLogResponse &response);
CallError fromStatus(const grpc::Status &status);

} // namespace aegis::console
