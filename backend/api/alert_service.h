#pragma once

#include "aegis/v1/alerting.grpc.pb.h"
#include "alerting/alert_engine.h"
#include "alerting/alerting_settings.h"
#include "alerting/notifier.h"
#include "api/api_context.h"
#include "config/config_center.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace aegis::api {

// What AlertService works with besides the engine and the config center.
struct AlertServiceOptions {
    alerting::AlertmanagerMode mode = alerting::AlertmanagerMode::None;
    // Null when alerting.alertmanager is none: silences are then FAILED_PRECONDITION.
    alerting::SilenceApi *silences = nullptr;
    // Whether expressions can be checked against a metrics backend (metrics.backend is not none).
    bool metricsOn = false;
    // A group without `interval` runs at this (TestRule's default).
    std::chrono::milliseconds evaluationInterval{15000};
    // INVALID_ARGUMENT with the problem for an Alertmanager configuration Alertmanager would
    // refuse.
    std::function<Status(const std::string &content)> validateAlertmanagerConfig;
    // Alerts that could not be sent to any Alertmanager since start (0 when not given).
    std::function<std::int64_t()> notificationsDropped;
};

// AlertService over the alerting module: validates each request at the edge with the limits
// alerting.proto names and converts the engine's, the config center's and Alertmanager's answers
// to protobuf. Rule files and Alertmanager's configuration are items of the reserved namespace
// aegis-alerting, published through the config center (compare-and-set, approval, history) once
// valid; every mutation is audited in its own transaction where it writes the store.
class AlertServiceImpl final : public aegis::v1::AlertService::CallbackService {
public:
    AlertServiceImpl(ApiContext &api, alerting::AlertEngine &engine, config::ConfigCenter &config,
                     AlertServiceOptions options);

    grpc::ServerUnaryReactor *ListAlerts(grpc::CallbackServerContext *context,
                                         const aegis::v1::ListAlertsRequest *request,
                                         aegis::v1::ListAlertsResponse *response) override;
    grpc::ServerWriteReactor<aegis::v1::WatchAlertsResponse> *
    WatchAlerts(grpc::CallbackServerContext *context,
                const aegis::v1::WatchAlertsRequest *request) override;
    grpc::ServerUnaryReactor *
    GetAlertHistory(grpc::CallbackServerContext *context,
                    const aegis::v1::GetAlertHistoryRequest *request,
                    aegis::v1::GetAlertHistoryResponse *response) override;
    grpc::ServerUnaryReactor *ListRules(grpc::CallbackServerContext *context,
                                        const aegis::v1::ListRulesRequest *request,
                                        aegis::v1::ListRulesResponse *response) override;
    grpc::ServerUnaryReactor *GetRuleFile(grpc::CallbackServerContext *context,
                                          const aegis::v1::GetRuleFileRequest *request,
                                          aegis::v1::GetRuleFileResponse *response) override;
    grpc::ServerUnaryReactor *PutRuleFile(grpc::CallbackServerContext *context,
                                          const aegis::v1::PutRuleFileRequest *request,
                                          aegis::v1::PutRuleFileResponse *response) override;
    grpc::ServerUnaryReactor *DeleteRuleFile(grpc::CallbackServerContext *context,
                                             const aegis::v1::DeleteRuleFileRequest *request,
                                             aegis::v1::DeleteRuleFileResponse *response) override;
    grpc::ServerUnaryReactor *
    ValidateRuleFile(grpc::CallbackServerContext *context,
                     const aegis::v1::ValidateRuleFileRequest *request,
                     aegis::v1::ValidateRuleFileResponse *response) override;
    grpc::ServerUnaryReactor *TestRule(grpc::CallbackServerContext *context,
                                       const aegis::v1::TestRuleRequest *request,
                                       aegis::v1::TestRuleResponse *response) override;
    grpc::ServerUnaryReactor *ListSilences(grpc::CallbackServerContext *context,
                                           const aegis::v1::ListSilencesRequest *request,
                                           aegis::v1::ListSilencesResponse *response) override;
    grpc::ServerUnaryReactor *CreateSilence(grpc::CallbackServerContext *context,
                                            const aegis::v1::CreateSilenceRequest *request,
                                            aegis::v1::CreateSilenceResponse *response) override;
    grpc::ServerUnaryReactor *ExpireSilence(grpc::CallbackServerContext *context,
                                            const aegis::v1::ExpireSilenceRequest *request,
                                            aegis::v1::ExpireSilenceResponse *response) override;
    grpc::ServerUnaryReactor *
    GetAlertmanagerConfig(grpc::CallbackServerContext *context,
                          const aegis::v1::GetAlertmanagerConfigRequest *request,
                          aegis::v1::GetAlertmanagerConfigResponse *response) override;
    grpc::ServerUnaryReactor *
    PutAlertmanagerConfig(grpc::CallbackServerContext *context,
                          const aegis::v1::PutAlertmanagerConfigRequest *request,
                          aegis::v1::PutAlertmanagerConfigResponse *response) override;
    grpc::ServerUnaryReactor *
    GetAlertingStatus(grpc::CallbackServerContext *context,
                      const aegis::v1::GetAlertingStatusRequest *request,
                      aegis::v1::GetAlertingStatusResponse *response) override;

private:
    // FAILED_PRECONDITION when there is no Alertmanager to hold silences.
    Status silencesAvailable() const;

    ApiContext &m_api;
    alerting::AlertEngine &m_engine;
    config::ConfigCenter &m_config;
    const AlertServiceOptions m_options;
};

} // namespace aegis::api
