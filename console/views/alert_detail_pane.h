#pragma once

#include "net/alert_types.h"
#include "net/alerts_api.h"
#include "net/call_scope.h"
#include "net/metrics_api.h"

#include <QWidget>

#include <optional>

class QLabel;
class QPushButton;
class QTableView;

namespace aegis::console {

class AlertHistoryModel;
class Session;
class TimeSeriesChart;

// One alert in full: its state and age, labels, rendered annotations, the rule's expression
// charted around the alert (QueryRange; for an `X > N` rule X is charted with N as a threshold
// line, and the pending and firing spans are shaded), the silences that match it and its
// transitions (GetAlertHistory). What it fetches it fetches for the alert shown last only;
// failures are reported through errorOccurred for the page's banner.
class AlertDetailPane final : public QWidget {
    Q_OBJECT
public:
    // `session` is not owned and must outlive the pane.
    explicit AlertDetailPane(Session *session, QWidget *parent = nullptr);

    // Shows `alert`, whose rule's expression is `expr` (empty: unknown, nothing is charted),
    // among `silences` (those that match it are listed). Fetches the chart and the history
    // when the alert differs from the one shown.
    void showAlert(const AlertInfo &alert, const QString &expr, const QList<SilenceInfo> &silences);
    // Updates the alert shown (a newer state from the watch) without fetching again.
    void updateAlert(const AlertInfo &alert, const QList<SilenceInfo> &silences);
    void clear();
    // Why the caller may not silence (a viewer); empty: it may.
    void setSilenceBlockedReason(const QString &blockedReason);
    std::optional<AlertInfo> alert() const { return m_alert; }

    TimeSeriesChart *chart() const { return m_chart; }
    AlertHistoryModel *history() const { return m_history; }
    // The matching silences as listed (tests).
    QString silencesText() const;
    QString annotationsText() const;

signals:
    void errorOccurred(const QString &message);
    // The operator asked to silence the alert shown.
    void silenceRequested(const aegis::console::AlertInfo &alert);

private:
    void showFacts(const QList<SilenceInfo> &silences);
    void loadChart();
    void loadHistory();
    void applySpans();

    Session *m_session; // Not owned.
    AlertsApi m_alerts;
    MetricsApi m_metrics;
    QLabel *m_title;
    QLabel *m_state;
    QLabel *m_labels;
    QLabel *m_annotations;
    QLabel *m_silences;
    QPushButton *m_silence;
    // Everything below the title and state; hidden while no alert is shown.
    QWidget *m_body = nullptr;
    TimeSeriesChart *m_chart;
    AlertHistoryModel *m_history;
    QTableView *m_historyView;
    std::optional<AlertInfo> m_alert;
    QString m_expr;
    QString m_silenceBlocked;
    CallScope m_scope;
};

} // namespace aegis::console
