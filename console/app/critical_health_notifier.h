#pragma once

#include "net/alert_types.h"
#include "net/api_types.h"

#include <QIcon>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <functional>

class QSystemTrayIcon;

namespace aegis::console {

class InstanceModel;

// Tells the operator, with a desktop notification, when an instance goes critical (its check's
// status becomes critical from anything else) and when critical alerts start firing (which ones
// do, AlertTreeModel decides). Each kind is off until enabled; shown through the console's one
// system tray icon's message, which never blocks, and only where a system tray exists. Instances
// that go critical together (a zone failing) make one message, not one each; so do alerts.
class CriticalHealthNotifier final : public QObject {
    Q_OBJECT
public:
    // Shows one message; replaceable for tests.
    using Sink = std::function<void(const QString &title, const QString &text)>;

    // `instances` is not owned; its healthChanged signal is what is watched.
    explicit CriticalHealthNotifier(InstanceModel *instances, QObject *parent = nullptr);
    ~CriticalHealthNotifier() override;

    // Whether the desktop has a system tray to show messages through.
    static bool isSupported();

    void setEnabled(bool enabled);
    bool isEnabled() const { return m_enabled; }
    // Whether critical alerts starting to fire are notified.
    void setAlertsEnabled(bool enabled) { m_alertsEnabled = enabled; }
    bool alertsEnabled() const { return m_alertsEnabled; }
    // Shows one message for `alerts`, which just started firing (when alerts are enabled).
    void notifyAlertsFiring(const QList<aegis::console::AlertInfo> &alerts);
    // The tray icon's image (the application's).
    void setIcon(const QIcon &icon);
    // Replaces the tray: messages go to `sink` (tests). An empty sink restores the tray.
    void setSink(Sink sink) { m_sink = std::move(sink); }
    // How long changes are gathered into one message.
    void setBatchDelay(int milliseconds) { m_batch.setInterval(milliseconds); }

signals:
    // The operator clicked a message; `instanceKey` is the first instance it named.
    void messageClicked(const QString &instanceKey);
    // The operator clicked an alert message; `alertId` is the first alert it named.
    void alertMessageClicked(const QString &alertId);

private:
    void onHealthChanged(const ServiceInstance &instance, const InstanceHealth &previous);
    void flush();
    void ensureTray();
    void show(const QString &title, const QString &text);

    QPointer<InstanceModel> m_instances;
    QSystemTrayIcon *m_tray = nullptr;
    QIcon m_icon;
    Sink m_sink;
    QTimer m_batch;
    struct Pending {
        QString key;
        QString reason;
    };
    // Each instance gone critical since the last message.
    QList<Pending> m_pending;
    QString m_lastFirstKey;
    // The first alert the last message named; empty when it was about instances.
    QString m_lastAlertId;
    bool m_enabled = false;
    bool m_alertsEnabled = false;
};

} // namespace aegis::console
