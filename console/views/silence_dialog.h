#pragma once

#include "net/alert_types.h"
#include "net/alerts_api.h"
#include "net/call_scope.h"

#include <QDialog>
#include <QTimer>

class QComboBox;
class QDateTimeEdit;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QTableView;
class QVBoxLayout;

namespace aegis::console {

class AlertListModel;
class Session;

// Creates a silence: matcher rows (label name, operator =, !=, =~, !~, value), a duration (1
// hour, 4 hours, 1 day, 1 week, or until a chosen time), a comment, and a preview of the alerts
// it would silence now (ListAlerts with the matchers, asked again a moment after each edit).
// Matchers are checked with the daemon's matcher code as they are typed; Create stays disabled
// until they are valid, select something and a comment is given. Nothing waits on the network:
// the dialog closes (accepted) once CreateSilence answered, or shows why not.
class SilenceDialog final : public QDialog {
    Q_OBJECT
public:
    // `session` is not owned and must outlive the dialog; `matchers` prefill the rows.
    SilenceDialog(Session *session, const QList<AlertMatcher> &matchers, QWidget *parent = nullptr);

    // The durations offered before "Custom", in milliseconds.
    static QList<qint64> durationChoices();

    QList<AlertMatcher> matchers() const;
    void setMatchers(const QList<AlertMatcher> &matchers);
    void addMatcherRow(const AlertMatcher &matcher = {});
    // The duration chosen now, in milliseconds.
    qint64 durationMs() const;
    void setDurationMs(qint64 ms);
    void setComment(const QString &comment);
    // Why Create is disabled; empty when it is not.
    QString problem() const { return m_problem; }
    AlertListModel *preview() const { return m_preview; }
    // What the line above the preview says ("2 alerts would be silenced").
    QString previewSummary() const;
    // Asks for the preview now instead of after the pause.
    void refreshPreview();
    // The silence created (once accepted).
    const SilenceInfo &created() const { return m_created; }

public slots:
    void accept() override;

private:
    struct Row {
        QWidget *widget = nullptr;
        QLineEdit *name = nullptr;
        QComboBox *op = nullptr;
        QLineEdit *value = nullptr;
    };

    void changed();
    void check();

    Session *m_session; // Not owned.
    AlertsApi m_alerts;
    QVBoxLayout *m_rowsLayout;
    QList<Row> m_rows;
    QComboBox *m_duration;
    QDateTimeEdit *m_until;
    QLineEdit *m_comment;
    QLabel *m_problemLabel;
    QLabel *m_previewLabel;
    AlertListModel *m_preview;
    QTableView *m_previewView;
    QDialogButtonBox *m_buttons;
    QString m_problem;
    QTimer m_previewTimer;
    CallScope m_previewScope;
    SilenceInfo m_created;
    bool m_creating = false;
};

} // namespace aegis::console
