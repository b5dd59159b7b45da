#include "net/registry_api.h"

#include "net/facade_support.h"

#include <aegis/v1/registry.grpc.pb.h>

#include <algorithm>

namespace aegis::console {

void RegistryApi::listServices(const QString &pageToken, int pageSize, QObject *context,
                               ResultHandler<ServicePage> done) {
    v1::ListServicesRequest request;
    request.set_page_size(pageSize);
    request.set_page_token(pageToken.toStdString());
    callUnary(*m_session, std::move(request), &v1::RegistryService::Stub::ListServices,
              responseFromProto, context, std::move(done));
}

void RegistryApi::listInstances(const QString &pageToken, int pageSize, QObject *context,
                                ResultHandler<InstancePage> done) {
    v1::ListInstancesRequest request;
    request.set_page_size(pageSize);
    request.set_page_token(pageToken.toStdString());
    // Operators see every instance with its health; discovery's default hides critical ones.
    request.set_include_unroutable(true);
    callUnary(*m_session, std::move(request), &v1::RegistryService::Stub::ListInstances,
              responseFromProto, context, std::move(done));
}

void RegistryApi::setInstanceState(const QString &service, const QString &instanceId,
                                   InstanceState state, QObject *context,
                                   ResultHandler<Acknowledged> done) {
    v1::SetInstanceStateRequest request;
    request.set_service(service.toStdString());
    request.set_instance_id(instanceId.toStdString());
    request.set_state(toProto(state));
    callUnary(*m_session, std::move(request), &v1::RegistryService::Stub::SetInstanceState,
              acknowledged, context, std::move(done));
}

void RegistryApi::deregisterInstance(const QString &service, const QString &instanceId,
                                     QObject *context, ResultHandler<Acknowledged> done) {
    v1::DeregisterInstanceRequest request;
    request.set_service(service.toStdString());
    request.set_instance_id(instanceId.toStdString());
    callUnary(*m_session, std::move(request), &v1::RegistryService::Stub::DeregisterInstance,
              acknowledged, context, std::move(done));
}

WatchPtr RegistryApi::watchInstances(qint64 startRevision, QObject *context,
                                     InstanceWatchCallbacks callbacks) {
    return startWatch(
        *m_session, context, startRevision, callbacks,
        [onEvents = callbacks.onEvents](const Watch::Post &post) -> ResumableWatch::Session {
            return [post, onEvents](WatchCall &call, qint64 start,
                                    const ResumableWatch::Received &received) {
                v1::WatchCreateRequest create;
                create.mutable_instances()->set_start_revision(start);
                create.mutable_instances()->set_include_unroutable(true);
                return runSharedWatch<v1::WatchInstancesResponse>(
                    call, create, &v1::WatchResponse::instances,
                    [&](const v1::WatchInstancesResponse &response) {
                        QList<InstanceChange> changes;
                        changes.reserve(response.events_size());
                        qint64 revision = response.header().revision();
                        for (const auto &event : response.events()) {
                            changes.append(fromProto(event));
                            revision = std::max<qint64>(revision, event.revision());
                        }
                        received(revision);
                        if (!changes.isEmpty() && onEvents) {
                            post([onEvents, changes, revision] { onEvents(changes, revision); });
                        }
                    });
            };
        });
}

} // namespace aegis::console
