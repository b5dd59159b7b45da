#pragma once

#include "net/call_result.h"

class QObject;

namespace aegis::console {

class Session;

// SystemService and AuthService's WhoAmI. The Session itself uses this to probe the daemon, to
// learn the caller's identity and the daemon's extensions; pages read them from the Session.
class SystemApi {
public:
    explicit SystemApi(Session *session)
        : m_session(session) {}

    // The daemon's status, with the round trip measured on the worker thread.
    void getStatus(QObject *context, ResultHandler<DaemonStatus> done);
    // Who the token belongs to, and its role.
    void whoAmI(QObject *context, ResultHandler<CallerIdentity> done);
    // The daemon's drivers, routers and probers (pages read the Session's copy).
    void listExtensions(QObject *context, ResultHandler<ExtensionCatalog> done);

private:
    Session *m_session; // Not owned.
};

} // namespace aegis::console
