#pragma once

#include "net/api_types.h"
#include "net/call_scope.h"
#include "net/config_api.h"

#include <QWidget>

#include <functional>

class QLabel;
class QPushButton;
class QTableView;

namespace aegis::console {

class Session;
class ConfigVersionModel;
class DiffView;

// One item's history: its versions (number, kind, author, time, comment), newest first. One
// selected version shows its diff against the version before it, two selected show the diff
// between them, both with the daemon's DiffConfigVersions. "Roll back…" restores the selected
// version's content as a new version, after a confirmation that asks for the comment, with the
// same compare-and-set as a publish.
class ConfigHistoryPanel final : public QWidget {
    Q_OBJECT
public:
    // Asks for a rollback's comment; nullopt cancels. Replaceable for tests.
    using CommentPrompt = std::function<std::optional<QString>(
        QWidget *parent, const QString &title, const QString &text)>;

    explicit ConfigHistoryPanel(Session *session, QWidget *parent = nullptr);

    // Shows `item`'s history (listing it again when it is the same item). `writeBlocked`: why
    // the caller may not roll back (empty: they may).
    void setItem(const ConfigItem &item, const QString &writeBlocked);
    void clear();
    void reload();

    ConfigVersionModel *versions() const { return m_versions; }
    QTableView *table() const { return m_table; }
    DiffView *diffView() const { return m_diff; }
    // Selects the versions `numbers` (one or two) in the table.
    bool selectVersions(const QList<qint64> &numbers);
    // The versions the shown diff compares (0, 0 while there is none).
    QPair<qint64, qint64> diffedVersions() const { return m_diffed; }
    QString messageText() const;

    void setCommentPrompt(CommentPrompt prompt) { m_prompt = std::move(prompt); }
    // Asks for a comment, then rolls back to the selected version.
    void requestRollback();

signals:
    // A rollback the daemon accepted: the item as it is now.
    void rolledBack(const aegis::console::ConfigItem &item);

private:
    void onSelection();
    void onVersions(const ConfigVersionPage &page);
    void onDiff(const CallResult<ConfigVersionDiff> &result);
    void onRolledBack(const CallResult<ConfigPublishResult> &result);
    void updateActions();
    void showMessage(const QString &text);

    ConfigApi m_config;
    ConfigVersionModel *m_versions;
    ConfigItem m_item;
    QString m_writeBlocked;
    QTableView *m_table;
    DiffView *m_diff;
    QPushButton *m_rollback;
    QLabel *m_message;
    CommentPrompt m_prompt;
    // Only the latest listing and diff are shown.
    CallScope m_listScope;
    CallScope m_diffScope;
    bool m_rollingBack = false;
    QPair<qint64, qint64> m_diffed{0, 0};
    QPair<qint64, qint64> m_wanted{0, 0};
};

} // namespace aegis::console
