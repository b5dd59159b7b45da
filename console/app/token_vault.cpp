#include "app/token_vault.h"

#include <QTimer>

#include <memory>

#ifdef AEGIS_HAVE_QTKEYCHAIN
#include <qt6keychain/keychain.h>
#endif

namespace aegis::console {
namespace {

#ifdef AEGIS_HAVE_QTKEYCHAIN
const QString kService = QStringLiteral("aegis-console");
// A keyring that does not answer (no session bus, a locked wallet prompt nobody sees) must not
// hold up connecting.
constexpr int kKeyringTimeoutMs = 4000;

QString keyFor(const QString &profile) {
    return QStringLiteral("profile/") + profile;
}
#endif

} // namespace

TokenVault::TokenVault(QObject *parent)
    : QObject(parent) {
#ifdef AEGIS_HAVE_QTKEYCHAIN
    if (qEnvironmentVariableIntValue("AEGIS_CONSOLE_NO_KEYRING") == 1) {
        m_backend = Backend::SessionOnly;
        m_unavailableReason = tr("disabled by AEGIS_CONSOLE_NO_KEYRING");
    }
#else
    m_backend = Backend::SessionOnly;
    m_unavailableReason = tr("built without QtKeychain");
#endif
}

QString TokenVault::backendDescription() const {
    switch (m_backend) {
    case Backend::Keyring:
        return tr("Tokens are kept in the system keyring.");
    case Backend::SessionOnly:
        return tr("No system keyring is reachable (%1): tokens entered here are kept for this "
                  "session only. Use a token file to keep one between runs.")
            .arg(m_unavailableReason);
    case Backend::Unknown:
        break;
    }
    return tr("Tokens are kept in the system keyring when one is reachable.");
}

void TokenVault::markUnavailable(const QString &why) {
    if (m_backend != Backend::SessionOnly) {
        m_backend = Backend::SessionOnly;
        m_unavailableReason = why;
        emit backendChanged();
    }
}

void TokenVault::read(const QString &profile, std::function<void(const QString &)> done) {
    if (m_session.contains(profile) || m_backend == Backend::SessionOnly) {
        const QString token = m_session.value(profile);
        QTimer::singleShot(0, this, [done, token] { done(token); });
        return;
    }
#ifdef AEGIS_HAVE_QTKEYCHAIN
    auto answered = std::make_shared<bool>(false);
    auto *job = new QKeychain::ReadPasswordJob(kService, this);
    job->setKey(keyFor(profile));
    job->setAutoDelete(true);
    connect(job, &QKeychain::Job::finished, this, [this, job, done, answered, profile] {
        if (*answered) {
            return;
        }
        *answered = true;
        if (job->error() == QKeychain::NoError) {
            if (m_backend != Backend::Keyring) {
                m_backend = Backend::Keyring;
                emit backendChanged();
            }
            m_session.insert(profile, job->textData());
            done(job->textData());
            return;
        }
        if (job->error() != QKeychain::EntryNotFound) {
            markUnavailable(job->errorString());
        }
        done(QString());
    });
    QTimer::singleShot(kKeyringTimeoutMs, this, [this, done, answered] {
        if (!*answered) {
            *answered = true;
            markUnavailable(tr("the keyring did not answer"));
            done(QString());
        }
    });
    job->start();
#endif
}

void TokenVault::write(const QString &profile, const QString &token,
                       std::function<void(bool)> done) {
    m_session.insert(profile, token);
    if (m_backend == Backend::SessionOnly) {
        QTimer::singleShot(0, this, [done] { done(false); });
        return;
    }
#ifdef AEGIS_HAVE_QTKEYCHAIN
    auto answered = std::make_shared<bool>(false);
    auto *job = new QKeychain::WritePasswordJob(kService, this);
    job->setKey(keyFor(profile));
    job->setTextData(token);
    job->setAutoDelete(true);
    connect(job, &QKeychain::Job::finished, this, [this, job, done, answered] {
        if (*answered) {
            return;
        }
        *answered = true;
        if (job->error() == QKeychain::NoError) {
            m_backend = Backend::Keyring;
            emit backendChanged();
            done(true);
        } else {
            markUnavailable(job->errorString());
            done(false);
        }
    });
    QTimer::singleShot(kKeyringTimeoutMs, this, [this, done, answered] {
        if (!*answered) {
            *answered = true;
            markUnavailable(tr("the keyring did not answer"));
            done(false);
        }
    });
    job->start();
#endif
}

void TokenVault::remove(const QString &profile) {
    m_session.remove(profile);
#ifdef AEGIS_HAVE_QTKEYCHAIN
    if (m_backend == Backend::SessionOnly) {
        return;
    }
    auto *job = new QKeychain::DeletePasswordJob(kService, this);
    job->setKey(keyFor(profile));
    job->setAutoDelete(true);
    job->start();
#endif
}

} // namespace aegis::console
