#pragma once

#include "net/api_types.h"

#include <QList>
#include <QString>

class QSettings;

namespace aegis::console {

// A named way to reach a daemon, as the operator set it up in the profiles dialog. The token is
// never part of what is saved: it lives in the keyring (TokenVault) or, with `tokenFile`, on disk
// where the daemon or an administrator put it.
struct ConnectionProfile {
    QString name;
    QString address;
    QString caFile;
    QString certFile;
    QString keyFile;
    QString tlsServerName;
    // Read whenever a channel is built; used when no token is kept for the profile.
    QString tokenFile;
    // Whether the operator entered a token that the vault keeps for this profile.
    bool storedToken = false;

    // Settings for Session; `token` comes from the vault when `storedToken` is set.
    ConnectionSettings toSettings(const QString &token = {}) const;
    friend bool operator==(const ConnectionProfile &, const ConnectionProfile &) = default;
};

// The saved profiles (QSettings group "profiles") and which one was used last. Always holds at
// least the default profile "local" (127.0.0.1:7400 with the daemon's default token file).
class ProfileStore {
public:
    static ConnectionProfile defaultProfile();

    void load(QSettings &settings);
    void save(QSettings &settings) const;

    const QList<ConnectionProfile> &profiles() const { return m_profiles; }
    void setProfiles(const QList<ConnectionProfile> &profiles);
    // The profile named `name`, or the first one.
    ConnectionProfile profile(const QString &name) const;
    QString lastUsed() const { return m_lastUsed; }
    void setLastUsed(const QString &name) { m_lastUsed = name; }

private:
    QList<ConnectionProfile> m_profiles{defaultProfile()};
    QString m_lastUsed = QStringLiteral("local");
};

} // namespace aegis::console
