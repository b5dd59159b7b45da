#pragma once

#include "net/alert_types.h"
#include "net/alerts_api.h"
#include "net/call_scope.h"

#include <QTimer>
#include <QWidget>

class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QTableView;

namespace aegis::console {

class AlertListModel;
class CodeEditor;
class Session;

// The Rules tab: the rule files (ListRules), one open in a YAML editor with line numbers whose
// problems are marked as you type (a pause runs the daemon's own parser locally, a longer one
// asks ValidateRuleFile with the expressions checked against the metrics backend), a live preview
// of what the rule under the cursor would make active now (TestRule), and Save (PutRuleFile,
// compare-and-set on the version the text was loaded from). Failures go to errorOccurred.
class RuleEditorPanel final : public QWidget {
    Q_OBJECT
public:
    // `session` is not owned and must outlive the panel.
    explicit RuleEditorPanel(Session *session, QWidget *parent = nullptr);

    // Lists the files again (and reopens the one open, unless it has unsaved edits).
    void reload();
    // Opens `name` (GetRuleFile).
    void openFile(const QString &name);
    // Starts a new, unsaved file.
    void newFile(const QString &name, const QString &content);

    CodeEditor *editor() const { return m_editor; }
    AlertListModel *preview() const { return m_preview; }
    QString previewSummary() const;
    QString fileName() const { return m_file; }
    qint64 baseVersion() const { return m_baseVersion; }
    const QList<RuleFileSummary> &files() const { return m_files; }
    // Asks the daemon for its diagnostics and the preview now instead of after the pause.
    void validateRemotely();
    void testRuleUnderCursor();
    void save(const QString &comment);
    // Why Save is not allowed for the caller (a viewer's token); empty: it is.
    void setWriteBlockedReason(const QString &reason);

signals:
    void errorOccurred(const QString &message);
    // A file was saved (or a proposal made); `note` says which.
    void saved(const QString &note);
    void filesLoaded();

private:
    void showProblems();
    void clearPreview();
    void setDirty(bool dirty);

    Session *m_session; // Not owned.
    AlertsApi m_alerts;
    QListWidget *m_fileList;
    QPushButton *m_newFile;
    QLabel *m_fileLabel;
    CodeEditor *m_editor;
    QListWidget *m_problems;
    QLineEdit *m_comment;
    QPushButton *m_save;
    QLabel *m_previewLabel;
    AlertListModel *m_preview;
    QTableView *m_previewView;
    QList<RuleFileSummary> m_files;
    QString m_file;
    qint64 m_baseVersion = 0;
    bool m_dirty = false;
    QString m_writeBlocked;
    bool m_loading = false;
    // The last rule tested, so moving within it does not ask again.
    QString m_testedRule;
    QTimer m_remoteTimer;
    QTimer m_testTimer;
    CallScope m_listScope;
    CallScope m_fileScope;
    CallScope m_validateScope;
    CallScope m_testScope;
};

} // namespace aegis::console
