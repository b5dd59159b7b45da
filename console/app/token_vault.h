#pragma once

#include <QHash>
#include <QObject>
#include <QString>

#include <functional>

namespace aegis::console {

// Keeps the tokens operators type into connection profiles: in the system keyring through
// QtKeychain when one is reachable, otherwise in memory for this session only. Tokens never go
// to settings files. Keyring calls are asynchronous; callbacks run on the GUI thread, once.
// Setting AEGIS_CONSOLE_NO_KEYRING=1 skips the keyring (headless runs, tests).
class TokenVault final : public QObject {
    Q_OBJECT
public:
    enum class Backend { Unknown, Keyring, SessionOnly };

    explicit TokenVault(QObject *parent = nullptr);

    // `done` gets the token, or an empty string when none is kept.
    void read(const QString &profile, std::function<void(const QString &token)> done);
    // `done` says whether the token was persisted in the keyring (false: session only).
    void write(const QString &profile, const QString &token, std::function<void(bool)> done);
    void remove(const QString &profile);

    Backend backend() const { return m_backend; }
    // A sentence for the profiles dialog.
    QString backendDescription() const;

signals:
    void backendChanged();

private:
    void markUnavailable(const QString &why);

    Backend m_backend = Backend::Unknown;
    QString m_unavailableReason;
    QHash<QString, QString> m_session;
};

} // namespace aegis::console
