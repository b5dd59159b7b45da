#pragma once

#include "net/watch.h"

#include <QDialog>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListView;
class QToolButton;

namespace aegis::console {

class LogLinesModel;
class Session;

// The log of one instance the process driver deployed, as DeploymentLogs serves it: monospace
// lines (the last LogLinesModel::maxLines() kept), a search that highlights every match with
// next/previous, and Follow: on, the view streams new lines and keeps the newest in sight; off, it
// stops streaming and keeps what it shows. It streams only while visible; the GUI never waits on
// it.
class DeploymentLogView final : public QWidget {
    Q_OBJECT
public:
    explicit DeploymentLogView(Session *session, QWidget *parent = nullptr);
    ~DeploymentLogView() override;

    // Shows the log of `instanceId` of `service` (empty: none), from its last lines.
    void setInstance(const QString &service, const QString &instanceId);
    QString instanceId() const { return m_instanceId; }

    // For tests and screenshots.
    LogLinesModel *model() const { return m_model; }
    QListView *list() const { return m_list; }
    QLineEdit *searchField() const { return m_search; }
    QCheckBox *followBox() const { return m_follow; }
    QString matchText() const;
    QString statusText() const;
    bool isStreaming() const { return m_watch != nullptr; }

    // How many lines the first message of a stream asks for.
    static constexpr int kTailLines = 1000;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    void start();
    void stop();
    void showMatch(int row);
    void updateMatchLabel();
    void setStatus(const QString &text);

    Session *m_session; // Not owned.
    LogLinesModel *m_model;
    QLineEdit *m_search;
    QToolButton *m_previous;
    QToolButton *m_next;
    QLabel *m_matches;
    QCheckBox *m_follow;
    QLabel *m_status;
    QListView *m_list;
    QString m_service;
    QString m_instanceId;
    WatchPtr m_watch;
};

// The Releases page's log window: the instances of a service's deployments in a picker, the
// chosen one's log below.
class DeploymentLogDialog final : public QDialog {
    Q_OBJECT
public:
    // `instanceIds`: the process driver's ids (<service>-<colour>-<n>), the first shown first.
    DeploymentLogDialog(Session *session, const QString &service, const QStringList &instanceIds,
                        QWidget *parent = nullptr);

    DeploymentLogView *view() const { return m_view; }
    QComboBox *instancePicker() const { return m_picker; }

private:
    QComboBox *m_picker;
    DeploymentLogView *m_view;
};

} // namespace aegis::console
