#include "net/rollout_api.h"

#include "net/facade_support.h"

#include <aegis/v1/rollout.grpc.pb.h>

#include <algorithm>

namespace aegis::console {

void RolloutApi::startRollout(const RolloutSpec &spec, QObject *context,
                              ResultHandler<Rollout> done) {
    v1::StartRolloutRequest request;
    toProto(spec, request.mutable_spec());
    callUnary(
        *m_session, std::move(request), &v1::RolloutService::Stub::StartRollout,
        [](const v1::StartRolloutResponse &response) { return fromProto(response.rollout()); },
        context, std::move(done));
}

void RolloutApi::listRollouts(const QString &service, bool activeOnly, const QString &pageToken,
                              int pageSize, QObject *context, ResultHandler<RolloutPage> done) {
    v1::ListRolloutsRequest request;
    request.set_service(service.toStdString());
    request.set_active_only(activeOnly);
    request.set_page_size(pageSize);
    request.set_page_token(pageToken.toStdString());
    callUnary(
        *m_session, std::move(request), &v1::RolloutService::Stub::ListRollouts,
        [service](const v1::ListRolloutsResponse &response) {
            RolloutPage page = fromProto(response);
            page.service = service;
            return page;
        },
        context, std::move(done));
}

void RolloutApi::listReleases(QObject *context, ResultHandler<ReleaseList> done) {
    callUnary(*m_session, v1::ListReleasesRequest{}, &v1::RolloutService::Stub::ListReleases,
              responseFromProto, context, std::move(done));
}

void RolloutApi::listRolloutLog(const QString &rolloutId, qint64 afterSequence, int pageSize,
                                QObject *context, ResultHandler<RolloutLogPage> done) {
    v1::ListRolloutLogRequest request;
    request.set_rollout_id(rolloutId.toStdString());
    request.set_after_sequence(afterSequence);
    request.set_page_size(pageSize);
    callUnary(
        *m_session, std::move(request), &v1::RolloutService::Stub::ListRolloutLog,
        [rolloutId](const v1::ListRolloutLogResponse &response) {
            RolloutLogPage page = fromProto(response);
            page.rolloutId = rolloutId;
            return page;
        },
        context, std::move(done));
}

void RolloutApi::act(RolloutAction action, const QString &id, const QString &reason,
                     QObject *context, ResultHandler<Rollout> done) {
    v1::RolloutActionRequest request;
    request.set_id(id.toStdString());
    request.set_reason(reason.toStdString());
    using Stub = v1::RolloutService::Stub;
    UnaryRpc<Stub, v1::RolloutActionRequest, v1::RolloutActionResponse> rpc = nullptr;
    switch (action) {
    case RolloutAction::Promote:
        rpc = &Stub::PromoteRollout;
        break;
    case RolloutAction::Pause:
        rpc = &Stub::PauseRollout;
        break;
    case RolloutAction::Resume:
        rpc = &Stub::ResumeRollout;
        break;
    case RolloutAction::Abort:
        rpc = &Stub::AbortRollout;
        break;
    case RolloutAction::Retry:
        rpc = &Stub::RetryRollout;
        break;
    case RolloutAction::Undo:
        rpc = &Stub::UndoRollout;
        break;
    }
    callUnary(
        *m_session, std::move(request), rpc,
        [](const v1::RolloutActionResponse &response) { return fromProto(response.rollout()); },
        context, std::move(done));
}

WatchPtr RolloutApi::watchRollouts(const QString &service, qint64 startRevision, QObject *context,
                                   RolloutWatchCallbacks callbacks) {
    return startWatch(
        *m_session, context, startRevision, callbacks,
        [service,
         onEvents = callbacks.onEvents](const Watch::Post &post) -> ResumableWatch::Session {
            return [post, service, onEvents](WatchCall &call, qint64 start,
                                             const ResumableWatch::Received &received) {
                v1::WatchCreateRequest create;
                create.mutable_rollouts()->set_service(service.toStdString());
                create.mutable_rollouts()->set_start_revision(start);
                return runSharedWatch<v1::WatchRolloutsResponse>(
                    call, create, &v1::WatchResponse::rollouts,
                    [&](const v1::WatchRolloutsResponse &response) {
                        QList<RolloutEvent> events;
                        events.reserve(response.events_size());
                        qint64 revision = response.header().revision();
                        for (const auto &event : response.events()) {
                            events.append(fromProto(event));
                            revision = std::max<qint64>(revision, event.revision());
                        }
                        received(revision);
                        if (!events.isEmpty() && onEvents) {
                            post([onEvents, events, revision] { onEvents(events, revision); });
                        }
                    });
            };
        });
}

WatchPtr RolloutApi::followDeploymentLogs(const QString &service, const QString &instanceId,
                                          int tailLines, const QString &filter, QObject *context,
                                          DeploymentLogCallbacks callbacks) {
    v1::DeploymentLogsRequest request;
    request.set_service(service.toStdString());
    request.set_instance_id(instanceId.toStdString());
    request.set_tail_lines(tailLines);
    request.set_follow(true);
    request.set_filter(filter.toStdString());
    return startWatch(
        *m_session, context, 0, callbacks,
        [request,
         onEvents = callbacks.onEvents](const Watch::Post &post) -> ResumableWatch::Session {
            return [post, request, onEvents](WatchCall &call, qint64,
                                             const ResumableWatch::Received &received) {
                auto stub = v1::RolloutService::NewStub(call.channel);
                auto reader = stub->DeploymentLogs(&call.context, request);
                v1::DeploymentLogsResponse response;
                bool first = true;
                while (reader->Read(&response)) {
                    received(0);
                    QStringList lines;
                    lines.reserve(response.lines_size());
                    for (const auto &line : response.lines()) {
                        lines.append(QString::fromStdString(line));
                    }
                    if (onEvents) {
                        post([onEvents, lines, replace = first, reset = response.reset()] {
                            onEvents(lines, replace, reset);
                        });
                    }
                    first = false;
                }
                return reader->Finish();
            };
        },
        [](int code) {
            return code != grpc::StatusCode::NOT_FOUND &&
                   code != grpc::StatusCode::INVALID_ARGUMENT &&
                   code != grpc::StatusCode::PERMISSION_DENIED &&
                   code != grpc::StatusCode::UNAUTHENTICATED;
        });
}

} // namespace aegis::console
