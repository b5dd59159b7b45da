#pragma once

#include "net/call_result.h"
#include "net/registry_types.h"
#include "net/watch.h"

class QObject;

namespace aegis::console {

class Session;

using InstanceWatchCallbacks =
    WatchCallbacks<const QList<InstanceChange> & /*changes*/, qint64 /*revision*/>;

// RegistryService for the console. Each call delivers its one result to `done` on `context`'s
// thread (see Session::submit); watches post to their context until the returned Watch is
// destroyed.
class RegistryApi {
public:
    explicit RegistryApi(Session *session)
        : m_session(session) {}

    // One page of services by name.
    void listServices(const QString &pageToken, int pageSize, QObject *context,
                      ResultHandler<ServicePage> done);
    // One page of every service's instances, unroutable ones (critical, ejected) included, each
    // with its health.
    void listInstances(const QString &pageToken, int pageSize, QObject *context,
                       ResultHandler<InstancePage> done);
    // The operator actions. The daemon audits both, and the change itself arrives through the
    // instance watch.
    void setInstanceState(const QString &service, const QString &instanceId, InstanceState state,
                          QObject *context, ResultHandler<Acknowledged> done);
    void deregisterInstance(const QString &service, const QString &instanceId, QObject *context,
                            ResultHandler<Acknowledged> done);

    // Streams every service's instance changes in revision order from `startRevision` (0 = from
    // now). Unroutable instances are included: a change of health arrives as an update carrying
    // the new health.
    WatchPtr watchInstances(qint64 startRevision, QObject *context,
                            InstanceWatchCallbacks callbacks);

private:
    Session *m_session; // Not owned.
};

} // namespace aegis::console
