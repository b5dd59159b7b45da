#pragma once

#include "net/api_types.h"
#include "net/call_scope.h"
#include "net/config_api.h"
#include "net/watch.h"

#include <QHash>
#include <QSet>
#include <QWidget>

#include <functional>
#include <optional>

class QFrame;
class QLabel;
class QLineEdit;
class QPushButton;
class QStackedWidget;
class QTabWidget;
class QTreeView;

namespace aegis::console {

class Session;
class CodeEditor;
class ConfigAppliedPanel;
class ConfigGrayPanel;
class ConfigHistoryPanel;
class ConfigProposalsDialog;
class ConfigPublishDialog;
class ConfigTreeFilterModel;
class ConfigTreeModel;
class PageSkeleton;

// The configuration center: on the left the namespaces, groups and keys (searchable), on the
// right the selected item in a code editor (line numbers, highlighting for its format, long lines
// wrapped, JSON laid out one member per line unless "Pretty" is off, live validation with the
// daemon's own validator) with its history, gray release and applied status.
// Lists every namespace's items, then watches the selected item's namespace with a resumable
// WatchConfig (from now, after a snapshot), so the tree stays live; an item published by someone
// else while it is open reloads the editor when there is no edit, and otherwise is announced
// above the editor, the edit kept. "Review and publish…" diffs the edit against the version it
// started from and publishes it conditioned on that version; the dialog handles the conflict
// when someone published first. Viewers (and everyone, for a secret the daemon masked) see the
// editor read-only, with the actions disabled and a tooltip saying why.
class ConfigPage final : public QWidget {
    Q_OBJECT
public:
    // Asks the operator to confirm; true to go ahead. Replaceable for tests.
    using Confirmation = std::function<bool(QWidget *parent, const QString &title,
                                            const QString &text, const QString &acceptLabel)>;
    enum class Tab { Editor, History, Gray, Applied };

    explicit ConfigPage(Session *session, QWidget *parent = nullptr);

    bool hasData() const { return m_loaded; }
    ConfigTreeModel *tree() const { return m_tree; }
    ConfigTreeFilterModel *filteredTree() const { return m_filter; }
    QTreeView *treeView() const { return m_treeView; }
    CodeEditor *editor() const { return m_editor; }
    ConfigHistoryPanel *historyPanel() const { return m_history; }
    ConfigGrayPanel *grayPanel() const { return m_gray; }
    ConfigAppliedPanel *appliedPanel() const { return m_applied; }

    // Lists again and merges what changed.
    void reload();
    // Selects (and opens) the item; false if the tree does not show it.
    bool selectItem(const ConfigItemRef &ref);
    void setSearchText(const QString &text);
    void showTab(Tab tab);

    // The item open in the editor as the edit started from it (its published content).
    const std::optional<ConfigItem> &openItem() const { return m_current; }
    // Whether the editor holds an edit that is not published.
    bool isDirty() const;
    // Whether JSON content is shown laid out (prettyJson), one member per line: on by default.
    // An edit made that way is published as laid out; the toggle waits until there is no edit.
    bool isJsonPretty() const { return m_jsonPretty; }
    void setJsonPretty(bool pretty);
    // The open item's published content as the editor shows it when there is no edit.
    QString shownContent() const;
    // Why the open item cannot be published from here; empty when it can.
    QString writeBlockedReason() const;
    // The caller as the session knows it (no role yet: the daemon decides on each call).
    CallerIdentity identity() const;
    // Whether the watch of the open namespace is streaming.
    bool isWatchLive() const;
    // The problem shown under the editor; empty if none.
    QString problemText() const;
    // The note above the editor (a newer version, a proposal); empty if none.
    QString noticeText() const;

    // Opens "Review and publish" for the edit; nullptr when there is nothing to publish, the
    // content does not validate or the caller may not. The dialog deletes itself when closed.
    ConfigPublishDialog *openReview();
    void setConfirmation(Confirmation confirmation) { m_confirm = std::move(confirmation); }
    // Opens the proposals awaiting approval (Approve / Reject). Deletes itself when closed.
    ConfigProposalsDialog *openProposals();

signals:
    // The first complete listing arrived after a (re)connect.
    void dataLoaded();
    // An item's content is in the editor.
    void itemOpened(const aegis::console::ConfigItemRef &ref);
    void published(const aegis::console::ConfigItem &item);

private:
    enum class Stage { Idle, Namespaces, Items };

    QWidget *buildTreePanel();
    QWidget *buildItemPanel();
    void listNext(const QString &pageToken);
    void onNamespaces(const ConfigNamespaceList &list);
    void onItemsPage(const ConfigItemPage &page);
    void onListFailed(const CallError &error);
    void onOpened(const CallResult<ConfigItem> &result);
    void onRefreshed(const QString &path, const CallResult<ConfigItem> &result);
    void stopWatch();
    void onEvents(const QString &ns, const QList<ConfigChangeEvent> &events, bool snapshot);
    void onTreeSelection();
    // Loads `item` (with content) into the editor, discarding any edit.
    void open(const ConfigItem &item);
    // The daemon has a later version of the open item than the edit started from.
    void onNewerVersion(const ConfigItem &item);
    // The open item's attributes changed without a new version (a gray release started or
    // ended): the edit and its base stay.
    void refreshAttributes(const ConfigItem &item);
    void requestRefresh(const ConfigItemRef &ref);
    void watchNamespace(const QString &ns);
    void showNotice(const QString &text, const QString &action = {});
    void showError(const QString &text);
    void updateEditState();
    void updateHeader();
    void updateSummary();

    Session *m_session; // Not owned.
    ConfigApi m_config;
    ConfigTreeModel *m_tree;
    ConfigTreeFilterModel *m_filter;
    PageSkeleton *m_skeleton;
    QPushButton *m_refresh;
    QLineEdit *m_search;
    QTreeView *m_treeView;
    QStackedWidget *m_itemStack;
    QLabel *m_placeholder;
    QLabel *m_itemTitle;
    QLabel *m_itemMeta;
    QTabWidget *m_tabs;
    QFrame *m_notice;
    QLabel *m_noticeText;
    QPushButton *m_noticeAction;
    CodeEditor *m_editor;
    QLabel *m_problem;
    QLabel *m_editState;
    QPushButton *m_revert;
    QPushButton *m_review;
    QPushButton *m_prettyToggle;
    ConfigHistoryPanel *m_history;
    ConfigGrayPanel *m_gray;
    ConfigAppliedPanel *m_applied;
    Confirmation m_confirm;

    Stage m_stage = Stage::Idle;
    // The listing a reload runs; renewed by each reload so an older one's answers are dropped.
    CallScope m_listScope;
    QStringList m_namespaceQueue;
    QString m_listingNamespace;
    QHash<QString, QList<ConfigItem>> m_listed;
    bool m_loaded = false;
    QString m_lastListError;
    QString m_lastNote;

    std::optional<ConfigItem> m_current;
    std::optional<ConfigItem> m_newer;
    // The GetConfigItem of the selected item; selecting another drops its answer.
    CallScope m_openScope;
    bool m_opening = false;
    // Paths with a GetConfigItem in flight that refreshes what the tree (and the header) shows.
    QSet<QString> m_refreshing;
    WatchPtr m_watch;
    QString m_watchNamespace;
    ConfigItemRef m_selectedRef;
    bool m_restoringSelection = false;
    bool m_jsonPretty = true;
};

} // namespace aegis::console
