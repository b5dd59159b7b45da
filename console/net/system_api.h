#pragma once

#include "net/call_result.h"

class QObject;

namespace aegis::console {

class Session;

// SystemService and AuthService's WhoAmI. The Session itself uses this to probe the daemon and to
// learn the caller's identity; pages read both from the Session.
class SystemApi {
public:
    explicit SystemApi(Session *session)
        : m_session(session) {}

    // The daemon's status, with the round trip measured on the worker thread.
    void getStatus(QObject *context, ResultHandler<DaemonStatus> done);
    // Who the token belongs to, and its role.
    void whoAmI(QObject *context, ResultHandler<CallerIdentity> done);

private:
    Session *m_session; // Not owned.
};

} // namespace aegis::console
