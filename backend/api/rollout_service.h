#pragma once

#include "aegis/v1/rollout.grpc.pb.h"
#include "api/api_context.h"
#include "api/deployment_logs_stream.h"
#include "api/leader_forwarder.h"
#include "api/watch_stream.h"
#include "rollout/rollout_controller.h"

namespace aegis::api {

class RolloutServiceImpl final : public aegis::v1::RolloutService::CallbackService {
public:
    // `forwarder` carries StartRollout and the actions to the leader when this replica does not
    // lead; null where this replica always leads (one daemon on SQLite).
    RolloutServiceImpl(ApiContext &api, rollout::RolloutController &controller,
                       DeploymentLogSource logs, LeaderForwarder *forwarder = nullptr);

    grpc::ServerUnaryReactor *StartRollout(grpc::CallbackServerContext *context,
                                           const aegis::v1::StartRolloutRequest *request,
                                           aegis::v1::StartRolloutResponse *response) override;
    grpc::ServerUnaryReactor *GetRollout(grpc::CallbackServerContext *context,
                                         const aegis::v1::GetRolloutRequest *request,
                                         aegis::v1::GetRolloutResponse *response) override;
    grpc::ServerUnaryReactor *ListRollouts(grpc::CallbackServerContext *context,
                                           const aegis::v1::ListRolloutsRequest *request,
                                           aegis::v1::ListRolloutsResponse *response) override;
    grpc::ServerUnaryReactor *ListReleases(grpc::CallbackServerContext *context,
                                           const aegis::v1::ListReleasesRequest *request,
                                           aegis::v1::ListReleasesResponse *response) override;
    grpc::ServerUnaryReactor *ListRolloutLog(grpc::CallbackServerContext *context,
                                             const aegis::v1::ListRolloutLogRequest *request,
                                             aegis::v1::ListRolloutLogResponse *response) override;
    grpc::ServerWriteReactor<aegis::v1::WatchRolloutsResponse> *
    WatchRollouts(grpc::CallbackServerContext *context,
                  const aegis::v1::WatchRolloutsRequest *request) override;
    grpc::ServerUnaryReactor *PromoteRollout(grpc::CallbackServerContext *context,
                                             const aegis::v1::RolloutActionRequest *request,
                                             aegis::v1::RolloutActionResponse *response) override;
    grpc::ServerUnaryReactor *PauseRollout(grpc::CallbackServerContext *context,
                                           const aegis::v1::RolloutActionRequest *request,
                                           aegis::v1::RolloutActionResponse *response) override;
    grpc::ServerUnaryReactor *ResumeRollout(grpc::CallbackServerContext *context,
                                            const aegis::v1::RolloutActionRequest *request,
                                            aegis::v1::RolloutActionResponse *response) override;
    grpc::ServerUnaryReactor *AbortRollout(grpc::CallbackServerContext *context,
                                           const aegis::v1::RolloutActionRequest *request,
                                           aegis::v1::RolloutActionResponse *response) override;
    grpc::ServerUnaryReactor *RetryRollout(grpc::CallbackServerContext *context,
                                           const aegis::v1::RolloutActionRequest *request,
                                           aegis::v1::RolloutActionResponse *response) override;
    grpc::ServerUnaryReactor *UndoRollout(grpc::CallbackServerContext *context,
                                          const aegis::v1::RolloutActionRequest *request,
                                          aegis::v1::RolloutActionResponse *response) override;
    grpc::ServerWriteReactor<aegis::v1::DeploymentLogsResponse> *
    DeploymentLogs(grpc::CallbackServerContext *context,
                   const aegis::v1::DeploymentLogsRequest *request) override;

    static void toProto(const rollout::Rollout &rollout, aegis::v1::Rollout *out);
    static void toProto(const std::vector<rollout::ActionAvailability> &actions,
                        aegis::v1::Rollout *out);
    static void toProto(const rollout::Release &release, aegis::v1::Release *out);
    static rollout::RolloutSpec fromProto(const aegis::v1::RolloutSpec &spec);

    // The watch WatchRollouts streams, once the call is authorised; WatchService's rollout
    // watches too.
    StatusOr<WatchFeedPtr<aegis::v1::WatchRolloutsResponse>>
    openWatch(const aegis::v1::WatchRolloutsRequest &request, std::function<void()> notify);

private:
    // The rollout with its available actions now (against `release`, or the stored one when
    // null); a rollout whose actions cannot be judged is returned without them.
    void toProtoWithActions(const rollout::Rollout &rollout, aegis::v1::Rollout *out,
                            const rollout::Release *release = nullptr) const;
    grpc::ServerUnaryReactor *act(grpc::CallbackServerContext *context, std::string_view method,
                                  rollout::Action action,
                                  const aegis::v1::RolloutActionRequest *request,
                                  aegis::v1::RolloutActionResponse *response);

    ApiContext &m_api;
    rollout::RolloutController &m_controller;
    DeploymentLogSource m_logs;
    LeaderForwarder *m_forwarder; // Not owned; may be null.
};

} // namespace aegis::api
