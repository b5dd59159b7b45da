#include "api/permission_table.h"

#include "aegis/v1/alerting.pb.h"
#include "aegis/v1/audit.pb.h"
#include "aegis/v1/auth.pb.h"
#include "aegis/v1/config.pb.h"
#include "aegis/v1/health.pb.h"
#include "aegis/v1/metrics.pb.h"
#include "aegis/v1/registry.pb.h"
#include "aegis/v1/rollout.pb.h"
#include "aegis/v1/system.pb.h"
#include "aegis/v1/tracing.pb.h"
#include "aegis/v1/watch.pb.h"

#include <google/protobuf/descriptor.h>

#include <algorithm>
#include <set>
#include <string>

namespace aegis::api {
namespace {

using auth::Access;
using auth::Target;

constexpr MethodPolicy kPolicies[] = {
    {"/aegis.v1.SystemService/GetStatus", Access::Authenticated, false},
    {"/aegis.v1.SystemService/SetLogLevel", Access::Admin, true},
    {"/aegis.v1.SystemService/ListExtensions", Access::Authenticated, false},
    {"/aegis.v1.AuthService/CreateToken", Access::Admin, true},
    {"/aegis.v1.AuthService/ListTokens", Access::Admin, false},
    {"/aegis.v1.AuthService/RevokeToken", Access::Admin, true},
    {"/aegis.v1.AuthService/WhoAmI", Access::Authenticated, false},
    {"/aegis.v1.AuditService/ListAuditRecords", Access::Read, false},
    {"/aegis.v1.AuditService/WatchAuditRecords", Access::Read, false},
    {"/aegis.v1.RegistryService/RegisterInstance", Access::ServiceSelf, true, Target::Service},
    // Checked per lease: a service token renews only leases that carry its services' instances.
    {"/aegis.v1.RegistryService/KeepAlive", Access::ServiceSelf, false, Target::Service},
    {"/aegis.v1.RegistryService/DeregisterInstance", Access::ServiceSelf, true, Target::Service},
    {"/aegis.v1.RegistryService/SetInstanceState", Access::Operate, true},
    {"/aegis.v1.RegistryService/GetService", Access::Authenticated, false},
    {"/aegis.v1.RegistryService/ListServices", Access::Authenticated, false},
    {"/aegis.v1.RegistryService/ListInstances", Access::Authenticated, false},
    {"/aegis.v1.RegistryService/WatchInstances", Access::Authenticated, false},
    {"/aegis.v1.HealthService/GetHealthCheck", Access::Read, false},
    {"/aegis.v1.HealthService/UpdateHealthCheck", Access::Operate, true},
    {"/aegis.v1.HealthService/DeleteHealthCheck", Access::Operate, true},
    {"/aegis.v1.HealthService/GetInstanceHealth", Access::Authenticated, false},
    {"/aegis.v1.HealthService/ListHealthHistory", Access::Read, false},
    {"/aegis.v1.HealthService/WatchHealth", Access::Read, false},
    // Reports feed the instance's check (a replica that does not run it relays the report through
    // the store): not audited, as they come at a rate.
    {"/aegis.v1.HealthService/ReportHealth", Access::ServiceSelf, false, Target::Service},
    // Open to any service: callers report on the services they call (rate-bounded per caller).
    {"/aegis.v1.HealthService/ReportCallOutcomes", Access::ServiceSelf, false},
    {"/aegis.v1.ConfigService/ListNamespaces", Access::Read, false},
    {"/aegis.v1.ConfigService/UpdateNamespace", Access::Admin, true},
    {"/aegis.v1.ConfigService/ListConfigItems", Access::Read, false},
    // Services read (and watch) the configuration they apply.
    {"/aegis.v1.ConfigService/GetConfigItem", Access::Authenticated, false, Target::Namespace},
    {"/aegis.v1.ConfigService/PublishConfig", Access::Operate, true},
    {"/aegis.v1.ConfigService/PublishChangeSet", Access::Operate, true},
    {"/aegis.v1.ConfigService/DeleteConfigItem", Access::Operate, true},
    {"/aegis.v1.ConfigService/ListConfigVersions", Access::Read, false},
    {"/aegis.v1.ConfigService/GetConfigVersion", Access::Read, false},
    {"/aegis.v1.ConfigService/DiffConfigVersions", Access::Read, false},
    {"/aegis.v1.ConfigService/RollbackConfig", Access::Operate, true},
    {"/aegis.v1.ConfigService/StartGrayRelease", Access::Operate, true},
    {"/aegis.v1.ConfigService/PromoteGrayRelease", Access::Operate, true},
    {"/aegis.v1.ConfigService/CancelGrayRelease", Access::Operate, true},
    {"/aegis.v1.ConfigService/ListProposals", Access::Read, false},
    {"/aegis.v1.ConfigService/ApproveProposal", Access::Operate, true},
    {"/aegis.v1.ConfigService/RejectProposal", Access::Operate, true},
    {"/aegis.v1.ConfigService/WatchConfig", Access::Authenticated, false, Target::Namespace},
    // Acknowledgements are recorded only when they change what is known (not audited).
    {"/aegis.v1.ConfigService/AckConfig", Access::ServiceSelf, false, Target::Service},
    {"/aegis.v1.ConfigService/GetAppliedStatus", Access::Read, false},
    {"/aegis.v1.ConfigService/ExportNamespace", Access::Read, false},
    {"/aegis.v1.ConfigService/ImportNamespace", Access::Operate, true},
    {"/aegis.v1.RolloutService/StartRollout", Access::Operate, true},
    {"/aegis.v1.RolloutService/GetRollout", Access::Read, false},
    {"/aegis.v1.RolloutService/ListRollouts", Access::Read, false},
    {"/aegis.v1.RolloutService/ListReleases", Access::Read, false},
    {"/aegis.v1.RolloutService/ListRolloutLog", Access::Read, false},
    {"/aegis.v1.RolloutService/WatchRollouts", Access::Read, false},
    {"/aegis.v1.RolloutService/PromoteRollout", Access::Operate, true},
    {"/aegis.v1.RolloutService/PauseRollout", Access::Operate, true},
    {"/aegis.v1.RolloutService/ResumeRollout", Access::Operate, true},
    {"/aegis.v1.RolloutService/AbortRollout", Access::Operate, true},
    {"/aegis.v1.RolloutService/RetryRollout", Access::Operate, true},
    {"/aegis.v1.RolloutService/UndoRollout", Access::Operate, true},
    {"/aegis.v1.RolloutService/DeploymentLogs", Access::Read, false},
    {"/aegis.v1.MetricsService/Query", Access::Read, false},
    {"/aegis.v1.MetricsService/QueryRange", Access::Read, false},
    {"/aegis.v1.MetricsService/Series", Access::Read, false},
    {"/aegis.v1.MetricsService/LabelNames", Access::Read, false},
    {"/aegis.v1.MetricsService/LabelValues", Access::Read, false},
    {"/aegis.v1.MetricsService/Targets", Access::Read, false},
    {"/aegis.v1.MetricsService/WatchQuery", Access::Read, false},
    {"/aegis.v1.AlertService/ListAlerts", Access::Read, false},
    {"/aegis.v1.AlertService/WatchAlerts", Access::Read, false},
    {"/aegis.v1.AlertService/GetAlertHistory", Access::Read, false},
    {"/aegis.v1.AlertService/ListRules", Access::Read, false},
    {"/aegis.v1.AlertService/GetRuleFile", Access::Read, false},
    {"/aegis.v1.AlertService/PutRuleFile", Access::Operate, true},
    {"/aegis.v1.AlertService/DeleteRuleFile", Access::Operate, true},
    // Validating and testing a draft change nothing (TestRule queries like MetricsService.Query).
    {"/aegis.v1.AlertService/ValidateRuleFile", Access::Read, false},
    {"/aegis.v1.AlertService/TestRule", Access::Read, false},
    {"/aegis.v1.AlertService/ListSilences", Access::Read, false},
    {"/aegis.v1.AlertService/CreateSilence", Access::Operate, true},
    {"/aegis.v1.AlertService/ExpireSilence", Access::Operate, true},
    {"/aegis.v1.AlertService/GetAlertmanagerConfig", Access::Read, false},
    {"/aegis.v1.AlertService/PutAlertmanagerConfig", Access::Operate, true},
    {"/aegis.v1.AlertService/GetAlertingStatus", Access::Read, false},
    {"/aegis.v1.TraceService/SearchTraces", Access::Read, false},
    {"/aegis.v1.TraceService/GetTrace", Access::Read, false},
    {"/aegis.v1.TraceService/ListServices", Access::Read, false},
    {"/aegis.v1.TraceService/ListOperations", Access::Read, false},
    {"/aegis.v1.TraceService/ListAttributeKeys", Access::Read, false},
    {"/aegis.v1.TraceService/ListAttributeValues", Access::Read, false},
    {"/aegis.v1.TraceService/GetServiceGraph", Access::Read, false},
    {"/aegis.v1.TraceService/CompareTraces", Access::Read, false},
    {"/aegis.v1.TraceService/GetTracingStatus", Access::Read, false},
    // Opening the stream needs a valid token only: each watch it creates is authorised against
    // the entry of the per-watcher RPC it stands for.
    {"/aegis.v1.WatchService/Watch", Access::Authenticated, false},
};

// Every API file; a new proto file must be added here (its services are then checked).
constexpr std::string_view kApiFiles[] = {
    "aegis/v1/system.proto",   "aegis/v1/auth.proto",    "aegis/v1/audit.proto",
    "aegis/v1/registry.proto", "aegis/v1/health.proto",  "aegis/v1/config.proto",
    "aegis/v1/rollout.proto",  "aegis/v1/metrics.proto", "aegis/v1/alerting.proto",
    "aegis/v1/tracing.proto",  "aegis/v1/watch.proto",
};

} // namespace

std::span<const MethodPolicy> permissionTable() {
    return kPolicies;
}

const MethodPolicy *findPolicy(std::string_view method) {
    const auto it = std::find_if(std::begin(kPolicies), std::end(kPolicies),
                                 [method](const MethodPolicy &p) { return p.method == method; });
    return it == std::end(kPolicies) ? nullptr : &*it;
}

Status checkPermissionTableCoverage() {
    // Referencing one message per file makes sure its descriptors are linked in and registered.
    (void)aegis::v1::GetStatusRequest::descriptor();
    (void)aegis::v1::CreateTokenRequest::descriptor();
    (void)aegis::v1::ListAuditRecordsRequest::descriptor();
    (void)aegis::v1::RegisterInstanceRequest::descriptor();
    (void)aegis::v1::GetHealthCheckRequest::descriptor();
    (void)aegis::v1::GetConfigItemRequest::descriptor();
    (void)aegis::v1::StartRolloutRequest::descriptor();
    (void)aegis::v1::QueryRequest::descriptor();
    (void)aegis::v1::ListAlertsRequest::descriptor();
    (void)aegis::v1::SearchTracesRequest::descriptor();
    (void)aegis::v1::WatchRequest::descriptor();
    const auto *pool = google::protobuf::DescriptorPool::generated_pool();
    std::set<std::string> served;
    for (std::string_view name : kApiFiles) {
        const auto *file = pool->FindFileByName(std::string(name));
        if (file == nullptr) {
            return internalError("the API file " + std::string(name) + " is not linked in");
        }
        for (int s = 0; s < file->service_count(); ++s) {
            const auto *service = file->service(s);
            for (int m = 0; m < service->method_count(); ++m) {
                served.insert("/" + service->full_name() + "/" + service->method(m)->name());
            }
        }
    }
    for (const std::string &method : served) {
        if (findPolicy(method) == nullptr) {
            return internalError("the permission table has no entry for " + method);
        }
    }
    for (const MethodPolicy &policy : kPolicies) {
        if (served.count(std::string(policy.method)) == 0) {
            return internalError("the permission table names an unknown method " +
                                 std::string(policy.method));
        }
    }
    return Status::ok();
}

} // namespace aegis::api
