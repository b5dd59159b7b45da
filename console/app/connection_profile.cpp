#include "app/connection_profile.h"

#include <QSettings>

namespace aegis::console {

ConnectionSettings ConnectionProfile::toSettings(const QString &token) const {
    ConnectionSettings settings;
    settings.address = address;
    settings.caFile = caFile;
    settings.certFile = certFile;
    settings.keyFile = keyFile;
    settings.tlsServerName = tlsServerName;
    if (storedToken && !token.isEmpty()) {
        settings.token = token;
    } else {
        settings.tokenFile = tokenFile;
    }
    return settings;
}

ConnectionProfile ProfileStore::defaultProfile() {
    ConnectionProfile profile;
    profile.name = QStringLiteral("local");
    profile.address = QStringLiteral("127.0.0.1:7400");
    profile.tokenFile = QString::fromStdString(client::defaultTokenFile().string());
    return profile;
}

void ProfileStore::load(QSettings &settings) {
    QList<ConnectionProfile> profiles;
    const int count = settings.beginReadArray(QStringLiteral("profiles"));
    for (int i = 0; i < count; ++i) {
        settings.setArrayIndex(i);
        ConnectionProfile profile;
        profile.name = settings.value(QStringLiteral("name")).toString();
        profile.address = settings.value(QStringLiteral("address")).toString();
        profile.caFile = settings.value(QStringLiteral("caFile")).toString();
        profile.certFile = settings.value(QStringLiteral("certFile")).toString();
        profile.keyFile = settings.value(QStringLiteral("keyFile")).toString();
        profile.tlsServerName = settings.value(QStringLiteral("tlsServerName")).toString();
        profile.tokenFile = settings.value(QStringLiteral("tokenFile")).toString();
        profile.storedToken = settings.value(QStringLiteral("storedToken"), false).toBool();
        if (!profile.name.isEmpty() && !profile.address.isEmpty()) {
            profiles.append(profile);
        }
    }
    settings.endArray();
    setProfiles(profiles);
    m_lastUsed = settings.value(QStringLiteral("lastProfile"), m_profiles.first().name).toString();
}

void ProfileStore::save(QSettings &settings) const {
    settings.remove(QStringLiteral("profiles"));
    settings.beginWriteArray(QStringLiteral("profiles"), static_cast<int>(m_profiles.size()));
    for (int i = 0; i < m_profiles.size(); ++i) {
        const ConnectionProfile &profile = m_profiles.at(i);
        settings.setArrayIndex(i);
        settings.setValue(QStringLiteral("name"), profile.name);
        settings.setValue(QStringLiteral("address"), profile.address);
        settings.setValue(QStringLiteral("caFile"), profile.caFile);
        settings.setValue(QStringLiteral("certFile"), profile.certFile);
        settings.setValue(QStringLiteral("keyFile"), profile.keyFile);
        settings.setValue(QStringLiteral("tlsServerName"), profile.tlsServerName);
        settings.setValue(QStringLiteral("tokenFile"), profile.tokenFile);
        // Only whether a token is kept in the keyring; never the token.
        settings.setValue(QStringLiteral("storedToken"), profile.storedToken);
    }
    settings.endArray();
    settings.setValue(QStringLiteral("lastProfile"), m_lastUsed);
}

void ProfileStore::setProfiles(const QList<ConnectionProfile> &profiles) {
    m_profiles = profiles;
    if (m_profiles.isEmpty()) {
        m_profiles.append(defaultProfile());
    }
}

ConnectionProfile ProfileStore::profile(const QString &name) const {
    for (const ConnectionProfile &profile : m_profiles) {
        if (profile.name == name) {
            return profile;
        }
    }
    return m_profiles.first();
}

} // namespace aegis::console
