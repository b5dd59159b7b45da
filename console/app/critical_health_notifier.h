#pragma once

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
// status becomes critical from anything else). Off until enabled; shown through a system tray
// icon's message, which never blocks, and only where a system tray exists. Instances that go
// critical together (a zone failing) make one message, not one each.
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
    // The tray icon's image (the application's).
    void setIcon(const QIcon &icon);
    // Replaces the tray: messages go to `sink` (tests). An empty sink restores the tray.
    void setSink(Sink sink) { m_sink = std::move(sink); }
    // How long changes are gathered into one message.
    void setBatchDelay(int milliseconds) { m_batch.setInterval(milliseconds); }

signals:
    // The operator clicked a message; `instanceKey` is the first instance it named.
    void messageClicked(const QString &instanceKey);

private:
    void onHealthChanged(const ServiceInstance &instance, const InstanceHealth &previous);
    void flush();
    void ensureTray();

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
    bool m_enabled = false;
};

} // namespace aegis::console
