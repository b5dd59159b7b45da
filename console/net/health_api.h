#pragma once

#include "net/call_result.h"
#include "net/health_types.h"

class QObject;

namespace aegis::console {

class Session;

// HealthService for the console. Each call delivers its one result to `done` on `context`'s
// thread (see Session::submit).
class HealthApi {
public:
    explicit HealthApi(Session *session)
        : m_session(session) {}

    // A service's check configuration; NOT_FOUND when the service has none.
    void getHealthCheck(const QString &service, QObject *context,
                        ResultHandler<HealthCheckRevision> done);
    // Sets a service's check. `expectedRevision` 0 writes unconditionally, -1 requires that there
    // is no check yet, otherwise it must be the mod_revision the edit started from (else
    // ABORTED).
    void updateHealthCheck(const QString &service, const HealthCheckSpec &check,
                           qint64 expectedRevision, QObject *context,
                           ResultHandler<HealthCheckRevision> done);
    // One instance's health with the live detail of its check.
    void getInstanceHealth(const QString &service, const QString &instanceId, QObject *context,
                           ResultHandler<InstanceHealthReport> done);
    // One page of an instance's recorded transitions, newest first.
    void listHealthHistory(const QString &service, const QString &instanceId,
                           const QString &pageToken, int pageSize, QObject *context,
                           ResultHandler<HealthHistoryPage> done);

private:
    Session *m_session; // Not owned.
};

} // namespace aegis::console
