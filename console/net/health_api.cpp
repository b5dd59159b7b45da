#include "net/health_api.h"

#include "net/facade_support.h"

#include <aegis/v1/health.grpc.pb.h>

namespace aegis::console {

void HealthApi::getHealthCheck(const QString &service, QObject *context,
                               ResultHandler<HealthCheckRevision> done) {
    v1::GetHealthCheckRequest request;
    request.set_service(service.toStdString());
    callUnary(
        *m_session, std::move(request), &v1::HealthService::Stub::GetHealthCheck,
        [service](const v1::GetHealthCheckResponse &response) {
            HealthCheckRevision check = fromProto(response);
            check.service = service;
            return check;
        },
        context, std::move(done));
}

void HealthApi::updateHealthCheck(const QString &service, const HealthCheckSpec &check,
                                  qint64 expectedRevision, QObject *context,
                                  ResultHandler<HealthCheckRevision> done) {
    v1::UpdateHealthCheckRequest request;
    request.set_service(service.toStdString());
    toProto(check, request.mutable_check());
    request.set_expected_revision(expectedRevision);
    callUnary(
        *m_session, std::move(request), &v1::HealthService::Stub::UpdateHealthCheck,
        [service](const v1::UpdateHealthCheckResponse &response) {
            HealthCheckRevision updated = fromProto(response);
            updated.service = service;
            return updated;
        },
        context, std::move(done));
}

void HealthApi::getInstanceHealth(const QString &service, const QString &instanceId,
                                  QObject *context, ResultHandler<InstanceHealthReport> done) {
    v1::GetInstanceHealthRequest request;
    request.set_service(service.toStdString());
    request.set_instance_id(instanceId.toStdString());
    callUnary(
        *m_session, std::move(request), &v1::HealthService::Stub::GetInstanceHealth,
        [service, instanceId](const v1::GetInstanceHealthResponse &response) {
            InstanceHealthReport report = fromProto(response);
            report.service = service;
            report.instanceId = instanceId;
            return report;
        },
        context, std::move(done));
}

void HealthApi::listHealthHistory(const QString &service, const QString &instanceId,
                                  const QString &pageToken, int pageSize, QObject *context,
                                  ResultHandler<HealthHistoryPage> done) {
    v1::ListHealthHistoryRequest request;
    request.set_service(service.toStdString());
    request.set_instance_id(instanceId.toStdString());
    request.set_page_size(pageSize);
    request.set_page_token(pageToken.toStdString());
    callUnary(
        *m_session, std::move(request), &v1::HealthService::Stub::ListHealthHistory,
        [service, instanceId](const v1::ListHealthHistoryResponse &response) {
            HealthHistoryPage page = fromProto(response);
            page.service = service;
            page.instanceId = instanceId;
            return page;
        },
        context, std::move(done));
}

} // namespace aegis::console
