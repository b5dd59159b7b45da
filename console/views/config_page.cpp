#include "views/config_page.h"

#include "models/config_tree_filter_model.h"
#include "models/config_tree_model.h"
#include "models/display_format.h"
#include "models/display_names.h"
#include "models/json_layout.h"
#include "net/session.h"
#include "views/code_editor.h"
#include "views/config_applied_panel.h"
#include "views/config_gray_panel.h"
#include "views/config_history_panel.h"
#include "views/config_proposals_dialog.h"
#include "views/config_publish_dialog.h"
#include "views/page_skeleton.h"
#include "views/view_helpers.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSplitter>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTreeView>
#include <QVBoxLayout>

namespace aegis::console {
namespace {

constexpr int kPageSize = 500;
constexpr int kNotFound = 5;

} // namespace

ConfigPage::ConfigPage(Session *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_config(session)
    , m_tree(new ConfigTreeModel(this))
    , m_filter(new ConfigTreeFilterModel(this))
    , m_skeleton(new PageSkeleton(session, tr("Configuration"),
                                  tr("Configuration center: namespaces, groups and keys")))
    , m_refresh(new QPushButton(tr("Refresh")))
    , m_search(new QLineEdit)
    , m_treeView(new QTreeView)
    , m_itemStack(new QStackedWidget)
    , m_placeholder(new QLabel)
    , m_itemTitle(new QLabel)
    , m_itemMeta(new QLabel)
    , m_tabs(new QTabWidget)
    , m_noticeText(new QLabel)
    , m_noticeAction(new QPushButton)
    , m_editor(new CodeEditor)
    , m_problem(new QLabel)
    , m_editState(new QLabel)
    , m_revert(new QPushButton(tr("Revert")))
    , m_review(new QPushButton(tr("Review and publish…")))
    , m_prettyToggle(new QPushButton(tr("Pretty")))
    , m_history(new ConfigHistoryPanel(session))
    , m_gray(new ConfigGrayPanel(session))
    , m_applied(new ConfigAppliedPanel(session))
    , m_confirm([](QWidget *parent, const QString &title, const QString &text,
                   const QString &acceptLabel) {
        return confirmAction(parent, QMessageBox::Question, title, text, acceptLabel);
    }) {
    m_filter->setSourceModel(m_tree);
    m_skeleton->addLiveBadge(
        tr("Items change here as they are published, in the selected item's namespace"),
        tr("Showing the items loaded before the daemon became unreachable"));
    m_skeleton->addHeaderWidget(m_refresh);
    auto *proposals = new QPushButton(tr("Proposals…"));
    proposals->setObjectName(QStringLiteral("proposals"));
    proposals->setToolTip(tr("Approve or reject the changes awaiting approval"));
    m_skeleton->addHeaderWidget(proposals);
    connect(proposals, &QPushButton::clicked, this, &ConfigPage::openProposals);

    auto *splitter = new QSplitter(Qt::Horizontal);
    splitter->addWidget(buildTreePanel());
    splitter->addWidget(buildItemPanel());
    splitter->setStretchFactor(0, 0);
    splitter->setStretchFactor(1, 1);
    splitter->setChildrenCollapsible(false);
    splitter->setSizes({330, 1030});

    m_skeleton->setBody(splitter);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_skeleton);

    connect(m_refresh, &QPushButton::clicked, this, &ConfigPage::reload);
    connect(m_session, &Session::identityChanged, this, &ConfigPage::updateEditState);
    connect(m_session, &Session::connectionChanged, this, [this] {
        stopWatch();
        m_tree->clear();
        m_current.reset();
        m_tree->setEditedItem({});
        m_newer.reset();
        m_selectedRef = {};
        m_refreshing.clear();
        m_opening = false;
        m_loaded = false;
        m_itemStack->setCurrentIndex(0);
        showError({});
        reload();
    });
    connect(m_session, &Session::stateChanged, this, [this](ConnectionState state) {
        if (state == ConnectionState::Connected && !m_loaded && m_stage == Stage::Idle) {
            reload();
        }
        updateEditState();
    });

    connect(m_history, &ConfigHistoryPanel::rolledBack, this, [this](const ConfigItem &item) {
        m_tree->upsertItem(item);
        onNewerVersion(item);
    });
    connect(m_gray, &ConfigGrayPanel::itemChanged, this, [this](const ConfigItem &item) {
        m_tree->upsertItem(item);
        if (m_current && item.version > m_current->version) {
            onNewerVersion(item); // A promotion published a new version.
        } else {
            refreshAttributes(item);
        }
        m_history->reload();
        m_applied->refresh();
    });
    m_gray->setContentSource([this] { return m_editor->toPlainText(); });

    updateSummary();
    updateEditState();
}

QWidget *ConfigPage::buildTreePanel() {
    m_search->setObjectName(QStringLiteral("configSearch"));
    m_search->setPlaceholderText(tr("Search namespaces, groups and keys"));
    m_search->setClearButtonEnabled(true);
    connect(m_search, &QLineEdit::textChanged, this, [this](const QString &text) {
        m_filter->setSearchText(text);
        m_treeView->expandAll();
        // The open item is selected again once the search shows it.
        if (m_selectedRef.isValid() && m_treeView->selectionModel()->selectedRows().isEmpty()) {
            const QModelIndex index = m_filter->mapFromSource(m_tree->indexOf(m_selectedRef));
            if (index.isValid()) {
                m_restoringSelection = true;
                m_treeView->selectionModel()->setCurrentIndex(
                    index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
                m_restoringSelection = false;
            }
        }
    });

    m_treeView->setModel(m_filter);
    m_treeView->setHeaderHidden(false);
    styleTree(m_treeView);
    m_treeView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_treeView->setAlternatingRowColors(false);
    m_treeView->header()->setStretchLastSection(false);
    m_treeView->header()->setSectionResizeMode(ConfigTreeModel::NameColumn, QHeaderView::Stretch);
    m_treeView->header()->setSectionResizeMode(ConfigTreeModel::VersionColumn,
                                               QHeaderView::ResizeToContents);
    m_treeView->header()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    connect(m_treeView->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &ConfigPage::onTreeSelection);
    // New namespaces and groups open as they arrive.
    connect(m_filter, &QAbstractItemModel::rowsInserted, this, [this](const QModelIndex &parent) {
        if (!parent.isValid() || !m_treeView->isExpanded(parent)) {
            m_treeView->expandAll();
        }
    });

    auto *panel = new QWidget;
    auto *layout = new QVBoxLayout(panel);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(8);
    layout->addWidget(m_search);
    layout->addWidget(m_treeView, 1);
    return panel;
}

QWidget *ConfigPage::buildItemPanel() {
    m_placeholder->setObjectName(QStringLiteral("PageSubtitle"));
    m_placeholder->setAlignment(Qt::AlignCenter);
    m_placeholder->setWordWrap(true);
    m_placeholder->setText(tr("Select a key to view and edit it"));

    m_itemTitle->setObjectName(QStringLiteral("SectionTitle"));
    m_itemTitle->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_itemMeta->setObjectName(QStringLiteral("PageSubtitle"));
    m_itemMeta->setWordWrap(true);
    m_itemMeta->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_notice = banner(QStringLiteral("Banner"), m_noticeText, m_noticeAction);
    m_noticeText->setObjectName(QStringLiteral("configNotice"));
    m_noticeAction->hide();
    connect(m_noticeAction, &QPushButton::clicked, this, [this] {
        if (m_newer) {
            const ConfigItem newer = *m_newer;
            open(newer);
        } else {
            showNotice({});
        }
    });

    m_editor->setObjectName(QStringLiteral("configEditor"));
    // Long lines wrap, so no content hides past the right edge; the gutter numbers lines.
    m_editor->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    m_editor->setWordWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
    m_prettyToggle->setObjectName(QStringLiteral("prettyJson"));
    m_prettyToggle->setCheckable(true);
    m_prettyToggle->setChecked(m_jsonPretty);
    m_prettyToggle->hide();
    connect(m_prettyToggle, &QPushButton::toggled, this, &ConfigPage::setJsonPretty);
    m_problem->setObjectName(QStringLiteral("InlineError"));
    m_problem->setWordWrap(true);
    m_problem->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_problem->hide();
    m_editState->setObjectName(QStringLiteral("PageSubtitle"));
    m_review->setObjectName(QStringLiteral("reviewAndPublish"));
    m_review->setDefault(true);
    connect(m_editor, &CodeEditor::problemChanged, this,
            [this](const std::optional<ContentProblem> &problem) {
                if (problem) {
                    m_problem->setText(problem->line > 0 ? tr("Line %1, column %2: %3")
                                                               .arg(problem->line)
                                                               .arg(problem->column)
                                                               .arg(problem->message)
                                                         : problem->message);
                }
                m_problem->setVisible(problem.has_value());
                updateEditState();
            });
    connect(m_editor, &QPlainTextEdit::textChanged, this, &ConfigPage::updateEditState);
    connect(m_revert, &QPushButton::clicked, this, [this] {
        if (m_current) {
            const ConfigItem current = *m_current;
            open(current);
        }
    });
    connect(m_review, &QPushButton::clicked, this, &ConfigPage::openReview);

    auto *editorTab = new QWidget;
    auto *editorLayout = new QVBoxLayout(editorTab);
    editorLayout->setContentsMargins(0, 8, 0, 0);
    editorLayout->setSpacing(6);
    editorLayout->addWidget(m_notice);
    editorLayout->addWidget(m_editor, 1);
    editorLayout->addWidget(m_problem);
    auto *actions = new QHBoxLayout;
    actions->addWidget(m_prettyToggle);
    actions->addWidget(m_editState, 1);
    actions->addWidget(m_revert);
    actions->addWidget(m_review);
    editorLayout->addLayout(actions);

    m_tabs->addTab(editorTab, tr("Editor"));
    m_tabs->addTab(m_history, tr("History"));
    m_tabs->addTab(m_gray, tr("Gray release"));
    m_tabs->addTab(m_applied, tr("Applied"));
    m_tabs->setDocumentMode(true);

    auto *item = new QWidget;
    auto *itemLayout = new QVBoxLayout(item);
    itemLayout->setContentsMargins(0, 0, 0, 0);
    itemLayout->setSpacing(2);
    itemLayout->addWidget(m_itemTitle);
    itemLayout->addWidget(m_itemMeta);
    itemLayout->addWidget(m_tabs, 1);

    m_itemStack->addWidget(m_placeholder);
    m_itemStack->addWidget(item);
    return m_itemStack;
}

void ConfigPage::reload() {
    m_listed.clear();
    m_lastListError.clear();
    m_namespaceQueue.clear();
    m_stage = Stage::Namespaces;
    m_config.listNamespaces(
        m_listScope.renew(), [this](const CallResult<ConfigNamespaceList> &result) {
            result.ok() ? onNamespaces(result.value()) : onListFailed(result.error());
        });
    updateSummary();
}

void ConfigPage::onNamespaces(const ConfigNamespaceList &list) {
    m_tree->setNamespaces(list.namespaces);
    for (const ConfigNamespace &ns : list.namespaces) {
        m_namespaceQueue.append(ns.name);
    }
    m_stage = Stage::Items;
    listNext({});
}

void ConfigPage::listNext(const QString &pageToken) {
    if (pageToken.isEmpty()) {
        if (m_namespaceQueue.isEmpty()) {
            m_stage = Stage::Idle;
            m_listScope.drop();
            for (auto it = m_listed.cbegin(); it != m_listed.cend(); ++it) {
                m_tree->syncNamespace(it.key(), it.value());
            }
            m_listed.clear();
            m_treeView->expandAll();
            const bool first = !m_loaded;
            m_loaded = true;
            updateSummary();
            if (first) {
                if (m_treeView->selectionModel()->selectedRows().isEmpty()) {
                    // The first key of the first namespace.
                    QModelIndex index = m_filter->index(0, 0);
                    while (index.isValid() &&
                           index.data(ConfigTreeModel::NodeKindRole).toInt() !=
                               static_cast<int>(ConfigTreeModel::NodeKind::Key)) {
                        index = m_filter->index(0, 0, index);
                    }
                    if (index.isValid()) {
                        m_treeView->setCurrentIndex(index);
                    } else if (!m_tree->namespaceNames().isEmpty()) {
                        watchNamespace(m_tree->namespaceNames().first());
                    }
                }
                emit dataLoaded();
            }
            return;
        }
        m_listingNamespace = m_namespaceQueue.takeFirst();
        m_listed[m_listingNamespace];
    }
    m_config.listItems(m_listingNamespace, pageToken, false, kPageSize, m_listScope.current(),
                       [this](const CallResult<ConfigItemPage> &result) {
                           result.ok() ? onItemsPage(result.value()) : onListFailed(result.error());
                       });
    updateSummary();
}

void ConfigPage::onItemsPage(const ConfigItemPage &page) {
    m_listed[page.ns] += page.items;
    listNext(page.nextPageToken);
}

void ConfigPage::onListFailed(const CallError &error) {
    m_stage = Stage::Idle;
    m_listScope.drop();
    m_lastListError = error.describe();
    updateSummary();
}

void ConfigPage::onOpened(const CallResult<ConfigItem> &result) {
    m_opening = false;
    if (!result.ok()) {
        const CallError &error = result.error();
        showError(tr("Could not load %1: %2 (%3)")
                      .arg(m_selectedRef.path(), error.describe(), error.codeName()));
        if (error.code == kNotFound) {
            m_tree->removeItem(m_selectedRef);
        }
        return;
    }
    m_tree->upsertItem(result.value());
    open(result.value());
}

void ConfigPage::onRefreshed(const QString &path, const CallResult<ConfigItem> &result) {
    m_refreshing.remove(path);
    if (!result.ok()) {
        return;
    }
    const ConfigItem &item = result.value();
    m_tree->upsertItem(item);
    if (!m_current || !(m_current->ref == item.ref) || m_opening) {
        return;
    }
    if (item.version > m_current->version) {
        onNewerVersion(item);
    } else if (item.version == m_current->version) {
        refreshAttributes(item);
    }
}

void ConfigPage::onEvents(const QString &ns, const QList<ConfigChangeEvent> &events,
                          bool snapshot) {
    if (snapshot) {
        m_tree->applySnapshot(ns, events);
    } else {
        m_tree->applyEvents(events);
    }
    for (const ConfigChangeEvent &event : events) {
        const bool open = m_current && m_current->ref == event.ref;
        if (event.type == ConfigChangeEvent::Type::Delete) {
            if (open) {
                showNotice(tr("%1 was deleted. Publishing your edit creates it again.")
                               .arg(event.ref.path()));
            }
            continue;
        }
        // A snapshot repeats what the listing had; only a change is worth a call.
        if (!snapshot || (open && event.version != m_current->version)) {
            requestRefresh(event.ref);
        }
    }
    updateSummary();
}

void ConfigPage::requestRefresh(const ConfigItemRef &ref) {
    const QString path = ref.path();
    if (m_refreshing.contains(path)) {
        return;
    }
    m_refreshing.insert(path);
    m_config.getItem(ref, this, [this, path](const CallResult<ConfigItem> &result) {
        onRefreshed(path, result);
    });
}

void ConfigPage::stopWatch() {
    m_watch.reset();
    m_watchNamespace.clear();
    m_skeleton->setWatchState(false, {});
}

bool ConfigPage::isWatchLive() const {
    return m_skeleton->isWatchLive();
}

void ConfigPage::watchNamespace(const QString &ns) {
    if (ns.isEmpty() || ns == m_watchNamespace) {
        return;
    }
    stopWatch();
    ConfigWatchCallbacks callbacks;
    callbacks.onEvents = [this, ns](const QList<ConfigChangeEvent> &events, qint64, bool snapshot) {
        onEvents(ns, events, snapshot);
    };
    callbacks.onLive = [this](bool live, const QString &reason) {
        m_skeleton->setWatchState(live, reason);
    };
    // Watched again from now: the first message is a snapshot of every item.
    callbacks.onResync = [this, ns](qint64) {
        QMetaObject::invokeMethod(
            this,
            [this, ns] {
                stopWatch();
                watchNamespace(ns);
            },
            Qt::QueuedConnection);
    };
    m_watch = m_config.watch(ns, 0, this, std::move(callbacks));
    m_watchNamespace = ns;
}

void ConfigPage::onTreeSelection() {
    if (m_restoringSelection) {
        return;
    }
    const QModelIndexList rows = m_treeView->selectionModel()->selectedRows();
    const QModelIndex index = rows.isEmpty() ? QModelIndex() : rows.first();
    if (!index.isValid()) {
        // The search hid the selection: the open item stays open.
        return;
    }
    const auto ref = index.data(ConfigTreeModel::RefRole).value<ConfigItemRef>();
    const bool key = ref.isValid();
    if (key && ref == m_selectedRef) {
        return;
    }
    if (isDirty() && !(ref == m_current->ref)) {
        if (!m_confirm(this, tr("Discard your edit?"),
                       tr("Your edit of %1 is not published. Open another item and discard it?")
                           .arg(m_current->ref.path()),
                       tr("Discard edit"))) {
            // Back to the item being edited.
            m_restoringSelection = true;
            const QModelIndex back = m_filter->mapFromSource(m_tree->indexOf(m_current->ref));
            m_treeView->selectionModel()->setCurrentIndex(
                back, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
            m_restoringSelection = false;
            return;
        }
    }
    watchNamespace(ref.ns);
    if (!key) {
        m_selectedRef = {};
        m_current.reset();
        m_tree->setEditedItem({});
        m_newer.reset();
        m_openScope.drop();
        m_opening = false;
        const int count = index.data(ConfigTreeModel::ItemCountRole).toInt();
        m_placeholder->setText(
            tr("%1: %n item(s). Select a key to view and edit it.", nullptr, count)
                .arg(index.data(ConfigTreeModel::PathRole).toString()));
        m_itemStack->setCurrentIndex(0);
        m_history->clear();
        m_applied->setItem({});
        return;
    }
    m_selectedRef = ref;
    m_opening = true;
    m_config.getItem(ref, m_openScope.renew(),
                     [this](const CallResult<ConfigItem> &result) { onOpened(result); });
    m_itemStack->setCurrentIndex(1);
    m_itemTitle->setText(ref.path());
    m_itemMeta->setText(tr("Loading…"));
    m_editor->setReadOnly(true);
    m_applied->setItem(ref);
}

void ConfigPage::open(const ConfigItem &item) {
    m_current = item;
    m_newer.reset();
    m_selectedRef = item.ref;
    showNotice({});
    m_editor->setPlainText(shownContent());
    m_editor->setContentFormat(item.format);
    m_editor->setSchema(item.schema);
    m_editor->validateNow();
    m_itemStack->setCurrentIndex(1);
    updateHeader();
    updateEditState();
    m_history->setItem(item, writeBlockedReason());
    m_gray->setItem(item, writeBlockedReason());
    m_applied->setItem(item.ref);
    emit itemOpened(item.ref);
}

void ConfigPage::onNewerVersion(const ConfigItem &item) {
    if (!m_current || !(m_current->ref == item.ref)) {
        return;
    }
    if (!isDirty()) {
        open(item);
        m_lastNote =
            tr("%1 is now v%2%3")
                .arg(item.ref.path())
                .arg(item.version)
                .arg(item.author.isEmpty() ? QString() : tr(", published by %1").arg(item.author));
        updateSummary();
        return;
    }
    m_newer = item;
    showNotice(
        tr("%1 published v%2 while you were editing v%3%4. Your edit is kept; review and "
           "publish shows their version beside it.")
            .arg(item.author.isEmpty() ? tr("Someone") : item.author)
            .arg(item.version)
            .arg(m_current->version)
            .arg(item.comment.isEmpty() ? QString() : QStringLiteral(" (“%1”)").arg(item.comment)),
        tr("Load v%1, discard my edit").arg(item.version));
    m_history->setItem(item, writeBlockedReason());
}

void ConfigPage::refreshAttributes(const ConfigItem &item) {
    if (!m_current || !(m_current->ref == item.ref)) {
        return;
    }
    const QString content = m_current->content;
    m_current = item;
    m_current->content = content;
    updateHeader();
    m_gray->setItem(*m_current, writeBlockedReason());
}

bool ConfigPage::selectItem(const ConfigItemRef &ref) {
    const QModelIndex source = m_tree->indexOf(ref);
    if (!source.isValid()) {
        return false;
    }
    const QModelIndex index = m_filter->mapFromSource(source);
    if (!index.isValid()) {
        return false;
    }
    m_treeView->scrollTo(index);
    m_treeView->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect |
                                                             QItemSelectionModel::Rows);
    return true;
}

void ConfigPage::setSearchText(const QString &text) {
    m_search->setText(text);
}

void ConfigPage::showTab(Tab tab) {
    m_tabs->setCurrentIndex(static_cast<int>(tab));
}

bool ConfigPage::isDirty() const {
    return m_current && m_editor->toPlainText() != shownContent();
}

QString ConfigPage::shownContent() const {
    if (!m_current) {
        return {};
    }
    if (m_jsonPretty && m_current->format == ConfigFormat::Json && !m_current->masked) {
        return prettyJson(m_current->content).value_or(m_current->content);
    }
    return m_current->content;
}

void ConfigPage::setJsonPretty(bool pretty) {
    if (pretty == m_jsonPretty || isDirty()) {
        const QSignalBlocker blocker(m_prettyToggle);
        m_prettyToggle->setChecked(m_jsonPretty);
        return;
    }
    m_jsonPretty = pretty;
    {
        const QSignalBlocker blocker(m_prettyToggle);
        m_prettyToggle->setChecked(pretty);
    }
    if (m_current) {
        m_editor->setPlainText(shownContent());
        m_editor->validateNow();
    }
    updateEditState();
}

CallerIdentity ConfigPage::identity() const {
    return m_session->identity().value_or(CallerIdentity{});
}

QString ConfigPage::writeBlockedReason() const {
    if (!m_session->mayChange()) {
        return tr("Your token (%1) has the viewer role: viewers read configuration but cannot "
                  "publish, roll back or release it.")
            .arg(m_session->identity()->name);
    }
    if (m_current && m_current->masked) {
        return tr("This secret is masked for your role; its content cannot be edited here.");
    }
    return {};
}

QString ConfigPage::problemText() const {
    return m_problem->isVisibleTo(this) ? m_problem->text() : QString();
}

QString ConfigPage::noticeText() const {
    return m_notice->isVisibleTo(this) ? m_noticeText->text() : QString();
}

ConfigProposalsDialog *ConfigPage::openProposals() {
    auto *dialog = new ConfigProposalsDialog(m_session, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &ConfigProposalsDialog::decided, this,
            [this](bool approve, const QString &, const QString &, const QString &error) {
                // An approval published items: the tree and the open item follow the watch; a
                // listing brings the other namespaces'.
                if (approve && error.isEmpty()) {
                    reload();
                }
            });
    dialog->open();
    return dialog;
}

ConfigPublishDialog *ConfigPage::openReview() {
    if (!m_current || !isDirty() || !writeBlockedReason().isEmpty()) {
        return nullptr;
    }
    // The daemon would refuse content that does not validate; say so here, on its line.
    m_editor->validateNow();
    if (m_editor->problem()) {
        return nullptr;
    }
    // The edit is compared with the published content as the editor showed it.
    ConfigItem shown = *m_current;
    shown.content = shownContent();
    auto *dialog = new ConfigPublishDialog(m_session, shown, m_editor->toPlainText(), this);
    dialog->setJsonPretty(m_jsonPretty && shown.format == ConfigFormat::Json);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &ConfigPublishDialog::published, this, [this](const ConfigItem &item) {
        m_tree->upsertItem(item);
        if (m_current && m_current->ref == item.ref) {
            open(item);
        }
        m_lastNote = tr("Published %1 v%2 (recorded in the audit log)")
                         .arg(item.ref.path())
                         .arg(item.version);
        updateSummary();
        emit published(item);
    });
    connect(dialog, &ConfigPublishDialog::proposed, this, [this](const ConfigProposal &proposal) {
        showNotice(tr("%1 requires approval: your change is proposal %2, waiting for another "
                      "operator to approve it. The edit stays here until then.")
                       .arg(proposal.ns, proposal.id));
    });
    connect(dialog, &ConfigPublishDialog::discarded, this, [this](const ConfigItem &current) {
        m_tree->upsertItem(current);
        open(current);
    });
    dialog->open();
    return dialog;
}

void ConfigPage::showNotice(const QString &text, const QString &action) {
    m_noticeText->setText(text);
    m_notice->setVisible(!text.isEmpty());
    m_noticeAction->setText(action);
    m_noticeAction->setVisible(!action.isEmpty());
}

void ConfigPage::showError(const QString &text) {
    m_skeleton->showError(text);
}

void ConfigPage::updateHeader() {
    if (!m_current) {
        return;
    }
    const ConfigItem &item = *m_current;
    m_itemTitle->setText(item.ref.path());
    QStringList parts;
    parts.append(configFormatName(item.format));
    parts.append(tr("v%1").arg(item.version));
    if (!item.author.isEmpty()) {
        parts.append(
            item.updateTime.isValid()
                ? tr("published by %1 at %2").arg(item.author, absoluteTime(item.updateTime))
                : tr("published by %1").arg(item.author));
    }
    if (!item.comment.isEmpty()) {
        parts.append(QStringLiteral("“%1”").arg(item.comment));
    }
    if (item.secret) {
        parts.append(item.masked ? tr("secret (masked for you)") : tr("secret"));
    }
    if (item.gray) {
        parts.append(
            tr("gray v%1 to %2").arg(item.gray->version).arg(item.gray->targetDescription()));
    }
    if (!item.schema.isEmpty()) {
        parts.append(tr("checked against a JSON Schema"));
    }
    m_itemMeta->setText(parts.join(QStringLiteral("  ·  ")));
}

void ConfigPage::updateEditState() {
    const QString blocked = writeBlockedReason();
    const bool open = m_current.has_value() && !m_opening;
    m_editor->setReadOnly(!open || !blocked.isEmpty());
    m_editor->setToolTip(blocked);
    const bool dirty = isDirty();
    m_tree->setEditedItem(dirty ? m_current->ref : ConfigItemRef{});
    const bool problem = m_editor->problem().has_value();
    m_review->setEnabled(open && dirty && blocked.isEmpty() && !problem);
    m_review->setToolTip(!blocked.isEmpty() ? blocked
                         : !dirty           ? tr("Edit the content first")
                         : problem          ? tr("Fix the problem under the editor first")
                                            : tr("See your edit beside the published version, "
                                                          "then publish it with a comment"));
    m_revert->setEnabled(open && dirty);
    const bool json = open && m_current->format == ConfigFormat::Json && !m_current->masked;
    m_prettyToggle->setVisible(json);
    m_prettyToggle->setEnabled(json && !dirty);
    m_prettyToggle->setToolTip(dirty ? tr("Publish or revert your edit first")
                                     : tr("Show the JSON one member per line (on) or as it was "
                                          "published (off); an edit is published as shown"));
    m_revert->setToolTip(tr("Discard your edit and show the published content again"));
    if (!open) {
        m_editState->clear();
    } else if (!blocked.isEmpty()) {
        m_editState->setText(tr("Read-only"));
        m_editState->setToolTip(blocked);
    } else if (dirty) {
        m_editState->setText(tr("Edited — based on v%1, not published").arg(m_current->version));
        m_editState->setToolTip({});
    } else {
        m_editState->setText(tr("No changes"));
        m_editState->setToolTip({});
    }
}

void ConfigPage::updateSummary() {
    const int items = m_tree->itemCount();
    const int namespaces = static_cast<int>(m_tree->namespaceNames().size());
    if (m_loaded) {
        m_skeleton->setSubtitle(
            tr("%n item(s) in ", nullptr, items) + tr("%n namespace(s)", nullptr, namespaces) +
            (m_watchNamespace.isEmpty() ? QString()
                                        : tr(", %1 watched live").arg(m_watchNamespace)));
    }
    PageStatus status;
    status.loading = m_stage != Stage::Idle && !m_loaded;
    status.failure = m_lastListError.isEmpty()
                         ? QString()
                         : tr("Could not list the configuration: %1").arg(m_lastListError);
    status.loaded = m_loaded;
    status.summary = tr("%n item(s)", nullptr, items);
    status.note = m_lastNote;
    m_skeleton->showStatus(status);
}

} // namespace aegis::console
