#include "app/critical_health_notifier.h"

#include "models/instance_model.h"

#include <QSystemTrayIcon>

#include <algorithm>

namespace aegis::console {
namespace {

constexpr int kMessageMs = 10000;
// Lines named in one message; the rest are counted.
constexpr int kNamedAtMost = 4;

} // namespace

CriticalHealthNotifier::CriticalHealthNotifier(InstanceModel *instances, QObject *parent)
    : QObject(parent)
    , m_instances(instances) {
    m_batch.setSingleShot(true);
    m_batch.setInterval(1500);
    connect(&m_batch, &QTimer::timeout, this, &CriticalHealthNotifier::flush);
    if (instances) {
        connect(instances, &InstanceModel::healthChanged, this,
                &CriticalHealthNotifier::onHealthChanged);
    }
}

CriticalHealthNotifier::~CriticalHealthNotifier() = default;

bool CriticalHealthNotifier::isSupported() {
    return QSystemTrayIcon::isSystemTrayAvailable() && QSystemTrayIcon::supportsMessages();
}

void CriticalHealthNotifier::setEnabled(bool enabled) {
    m_enabled = enabled;
    if (!enabled) {
        m_batch.stop();
        m_pending.clear();
        if (m_tray) {
            m_tray->hide();
        }
    }
}

void CriticalHealthNotifier::setIcon(const QIcon &icon) {
    m_icon = icon;
    if (m_tray) {
        m_tray->setIcon(icon);
    }
}

void CriticalHealthNotifier::onHealthChanged(const ServiceInstance &instance,
                                             const InstanceHealth &previous) {
    if (!m_enabled || instance.health.status != HealthStatus::Critical ||
        previous.status == HealthStatus::Critical) {
        return;
    }
    const QString key = instance.key();
    if (std::any_of(m_pending.cbegin(), m_pending.cend(),
                    [&key](const Pending &pending) { return pending.key == key; })) {
        return;
    }
    m_pending.append({key, instance.health.reason});
    if (!m_batch.isActive()) {
        m_batch.start();
    }
}

void CriticalHealthNotifier::ensureTray() {
    if (m_tray || m_sink) {
        return;
    }
    m_tray = new QSystemTrayIcon(m_icon, this);
    m_tray->setToolTip(tr("Aegis Console"));
    connect(m_tray, &QSystemTrayIcon::messageClicked, this, [this] {
        if (!m_lastAlertId.isEmpty()) {
            emit alertMessageClicked(m_lastAlertId);
        } else {
            emit messageClicked(m_lastFirstKey);
        }
    });
}

void CriticalHealthNotifier::flush() {
    if (!m_enabled || m_pending.isEmpty()) {
        return;
    }
    const int count = static_cast<int>(m_pending.size());
    QString title;
    QString text;
    if (count == 1) {
        const Pending &only = m_pending.first();
        title = tr("%1 is critical").arg(only.key);
        text = only.reason.isEmpty() ? tr("Its health check is failing.") : only.reason;
    } else {
        title = tr("%n instance(s) went critical", nullptr, count);
        QStringList lines;
        for (const Pending &pending : m_pending.mid(0, kNamedAtMost)) {
            lines.append(pending.reason.isEmpty() ? pending.key
                                                  : tr("%1 — %2").arg(pending.key, pending.reason));
        }
        if (count > kNamedAtMost) {
            lines.append(tr("and %n more", nullptr, count - kNamedAtMost));
        }
        text = lines.join(QLatin1Char('\n'));
    }
    m_lastFirstKey = m_pending.first().key;
    m_lastAlertId.clear();
    m_pending.clear();
    show(title, text);
}

void CriticalHealthNotifier::notifyAlertsFiring(const QList<AlertInfo> &alerts) {
    if (!m_alertsEnabled || alerts.isEmpty()) {
        return;
    }
    const auto describe = [](const AlertInfo &alert) {
        const QString service = labelValue(alert.labels, QStringLiteral("service"));
        const QString summary = labelValue(alert.annotations, QStringLiteral("summary"));
        QString line = service.isEmpty() ? alert.name() : tr("%1 on %2").arg(alert.name(), service);
        return summary.isEmpty() ? line : tr("%1 — %2").arg(line, summary);
    };
    const int count = static_cast<int>(alerts.size());
    QString title;
    QString text;
    if (count == 1) {
        const AlertInfo &only = alerts.first();
        const QString service = labelValue(only.labels, QStringLiteral("service"));
        title = service.isEmpty() ? tr("%1 is firing").arg(only.name())
                                  : tr("%1 is firing on %2").arg(only.name(), service);
        text = labelValue(only.annotations, QStringLiteral("summary"));
        if (text.isEmpty()) {
            text = tr("A critical alert started firing.");
        }
    } else {
        title = tr("%n critical alert(s) firing", nullptr, count);
        QStringList lines;
        for (const AlertInfo &alert : alerts.mid(0, kNamedAtMost)) {
            lines.append(describe(alert));
        }
        if (count > kNamedAtMost) {
            lines.append(tr("and %n more", nullptr, count - kNamedAtMost));
        }
        text = lines.join(QLatin1Char('\n'));
    }
    m_lastAlertId = alerts.first().id;
    show(title, text);
}

void CriticalHealthNotifier::show(const QString &title, const QString &text) {
    if (m_sink) {
        m_sink(title, text);
        return;
    }
    if (!isSupported()) {
        return;
    }
    ensureTray();
    m_tray->show();
    m_tray->showMessage(title, text, QSystemTrayIcon::Warning, kMessageMs);
}

} // namespace aegis::console
