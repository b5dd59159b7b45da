#include "views/config_history_panel.h"

#include "models/config_version_model.h"
#include "views/diff_view.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace aegis::console {
namespace {

constexpr int kAborted = 10;
constexpr int kVersionPageSize = 100;

std::optional<QString> promptWithInputDialog(QWidget *parent, const QString &title,
                                             const QString &text) {
    for (;;) {
        bool ok = false;
        const QString comment =
            QInputDialog::getText(parent, title, text, QLineEdit::Normal, QString(), &ok);
        if (!ok) {
            return std::nullopt;
        }
        if (!comment.trimmed().isEmpty()) {
            return comment.trimmed();
        }
    }
}

} // namespace

ConfigHistoryPanel::ConfigHistoryPanel(Session *session, QWidget *parent)
    : QWidget(parent)
    , m_config(session)
    , m_versions(new ConfigVersionModel(this))
    , m_table(new QTableView)
    , m_diff(new DiffView)
    , m_rollback(new QPushButton(tr("Roll back…")))
    , m_message(new QLabel)
    , m_prompt(promptWithInputDialog) {
    m_table->setModel(m_versions);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setAlternatingRowColors(true);
    m_table->setShowGrid(false);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(28);
    m_table->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    m_table->horizontalHeader()->setHighlightSections(false);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setColumnWidth(ConfigVersionModel::VersionColumn, 70);
    m_table->setColumnWidth(ConfigVersionModel::KindColumn, 130);
    m_table->setColumnWidth(ConfigVersionModel::AuthorColumn, 110);
    m_table->setColumnWidth(ConfigVersionModel::TimeColumn, 150);
    m_rollback->setObjectName(QStringLiteral("rollback"));
    m_message->setObjectName(QStringLiteral("PageSubtitle"));
    m_message->setWordWrap(true);
    m_diff->setCaptions(tr("Older"), tr("Newer"));
    m_diff->showMessage(tr("Select a version to see what it changed, or two to compare them."));

    auto *hint = new QLabel(tr("Select one version to see what it changed; Ctrl-click a second "
                               "to compare the two."));
    hint->setObjectName(QStringLiteral("PageSubtitle"));
    auto *actions = new QHBoxLayout;
    actions->addWidget(hint, 1);
    actions->addWidget(m_rollback);

    auto *top = new QWidget;
    auto *topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins(0, 0, 0, 0);
    topLayout->addWidget(m_table, 1);
    topLayout->addLayout(actions);
    auto *splitter = new QSplitter(Qt::Vertical);
    splitter->addWidget(top);
    splitter->addWidget(m_diff);
    splitter->setChildrenCollapsible(false);
    splitter->setSizes({220, 360});

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 8, 0, 0);
    layout->addWidget(splitter, 1);
    layout->addWidget(m_message);

    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &ConfigHistoryPanel::onSelection);
    connect(m_rollback, &QPushButton::clicked, this, &ConfigHistoryPanel::requestRollback);
    updateActions();
}

void ConfigHistoryPanel::setItem(const ConfigItem &item, const QString &writeBlocked) {
    const bool same = item.ref == m_item.ref;
    m_item = item;
    m_writeBlocked = writeBlocked;
    if (!same) {
        m_versions->clear();
        m_diffed = {0, 0};
        m_diff->setContentFormat(item.format);
        m_diff->showMessage(tr("Select a version to see what it changed, or two to compare them."));
    }
    reload();
}

void ConfigHistoryPanel::clear() {
    m_item = {};
    m_versions->clear();
    m_diff->showMessage(QString());
    updateActions();
}

void ConfigHistoryPanel::reload() {
    if (!m_item.ref.isValid()) {
        return;
    }
    m_config.listVersions(m_item.ref, false, {}, kVersionPageSize, m_listScope.renew(),
                          [this](const CallResult<ConfigVersionPage> &result) {
                              if (result.ok()) {
                                  onVersions(result.value());
                                  return;
                              }
                              showMessage(
                                  tr("Could not list the versions: %1 (%2)")
                                      .arg(result.error().describe(), result.error().codeName()));
                              updateActions();
                          });
}

void ConfigHistoryPanel::onVersions(const ConfigVersionPage &page) {
    const QList<qint64> selected = [this] {
        QList<qint64> numbers;
        for (const QModelIndex &row : m_table->selectionModel()->selectedRows()) {
            numbers.append(row.data(ConfigVersionModel::VersionNumberRole).toLongLong());
        }
        return numbers;
    }();
    m_versions->setVersions(page.ref, page.versions);
    showMessage(tr("%n version(s)", nullptr, m_versions->rowCount()));
    if (selected.isEmpty() && m_versions->rowCount() > 0) {
        m_table->selectRow(0);
    }
    updateActions();
}

void ConfigHistoryPanel::onDiff(const CallResult<ConfigVersionDiff> &result) {
    if (!result.ok()) {
        const CallError &error = result.error();
        m_diffed = {0, 0};
        m_diff->showMessage(tr("No diff: %1 (%2)").arg(error.message, error.codeName()));
        updateActions();
        return;
    }
    const ConfigVersionDiff &diff = result.value();
    m_diffed = {diff.fromVersion, diff.toVersion};
    m_diff->setCaptions(tr("v%1").arg(diff.fromVersion), tr("v%1").arg(diff.toVersion));
    if (diff.unifiedDiff.isEmpty()) {
        m_diff->showMessage(
            tr("v%1 and v%2 have the same content.").arg(diff.fromVersion).arg(diff.toVersion));
    } else {
        m_diff->showUnifiedDiff(diff.unifiedDiff);
    }
}

void ConfigHistoryPanel::onRolledBack(const CallResult<ConfigPublishResult> &result) {
    m_rollingBack = false;
    if (!result.ok()) {
        const CallError &error = result.error();
        showMessage(error.code == kAborted
                        ? tr("Not rolled back: someone published meanwhile. The history is "
                             "reloaded; check it and try again.")
                        : tr("Not rolled back: %1 (%2)").arg(error.message, error.codeName()));
        reload();
        updateActions();
        return;
    }
    if (!result.value().items.isEmpty()) {
        const ConfigItem &item = result.value().items.first();
        showMessage(tr("Rolled back: v%1 restores v%2 (recorded in the audit log)")
                        .arg(item.version)
                        .arg(m_wanted.first));
        emit rolledBack(item);
    }
    updateActions();
}

bool ConfigHistoryPanel::selectVersions(const QList<qint64> &numbers) {
    QItemSelection selection;
    for (qint64 number : numbers) {
        const int row = m_versions->rowOf(number);
        if (row < 0) {
            return false;
        }
        selection.select(m_versions->index(row, 0),
                         m_versions->index(row, ConfigVersionModel::ColumnCount - 1));
    }
    m_table->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect);
    return true;
}

QString ConfigHistoryPanel::messageText() const {
    return m_message->text();
}

void ConfigHistoryPanel::onSelection() {
    QList<qint64> numbers;
    for (const QModelIndex &row : m_table->selectionModel()->selectedRows()) {
        numbers.append(row.data(ConfigVersionModel::VersionNumberRole).toLongLong());
    }
    std::sort(numbers.begin(), numbers.end());
    updateActions();
    qint64 from = 0;
    qint64 to = 0;
    if (numbers.size() == 1) {
        to = numbers.first();
        from = to - 1;
    } else if (numbers.size() == 2) {
        from = numbers.first();
        to = numbers.last();
    } else {
        m_diffed = {0, 0};
        m_diff->showMessage(numbers.isEmpty()
                                ? tr("Select a version to see what it changed, or two to "
                                     "compare them.")
                                : tr("Select at most two versions to compare."));
        return;
    }
    if (from < 1) {
        // The first version: all of it is what it changed, shown against nothing.
        m_diff->setCaptions(tr("Nothing"), tr("v%1").arg(to));
        m_diff->showMessage(tr("Loading v%1…").arg(to));
        m_config.getVersion(m_item.ref, to, m_diffScope.renew(),
                            [this, to](const CallResult<ConfigVersion> &result) {
                                if (!result.ok()) {
                                    m_diffed = {0, 0};
                                    m_diff->showMessage(tr("Could not load v%1: %2 (%3)")
                                                            .arg(to)
                                                            .arg(result.error().message,
                                                                 result.error().codeName()));
                                    return;
                                }
                                m_diffed = {0, to};
                                m_diff->showTexts(QString(), result.value().content);
                            });
        return;
    }
    m_diff->showMessage(tr("Loading the diff of v%1 and v%2…").arg(from).arg(to));
    m_config.diffVersions(m_item.ref, from, to, 3, m_diffScope.renew(),
                          [this](const CallResult<ConfigVersionDiff> &result) { onDiff(result); });
}

void ConfigHistoryPanel::requestRollback() {
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    if (rows.size() != 1 || !m_writeBlocked.isEmpty() || m_rollingBack) {
        return;
    }
    const qint64 number = rows.first().data(ConfigVersionModel::VersionNumberRole).toLongLong();
    const auto comment =
        m_prompt(this, tr("Roll back %1").arg(m_item.ref.path()),
                 tr("Publish the content of v%1 again as v%2, replacing v%3 for every instance.\n"
                    "Comment (required):")
                     .arg(number)
                     .arg(m_item.version + 1)
                     .arg(m_item.version));
    if (!comment || comment->trimmed().isEmpty()) {
        return;
    }
    m_wanted = {number, m_item.version};
    m_rollingBack = true;
    m_config.rollback(
        m_item.ref, number, m_item.version, *comment, this,
        [this](const CallResult<ConfigPublishResult> &result) { onRolledBack(result); });
    showMessage(tr("Rolling back to v%1…").arg(number));
    updateActions();
}

void ConfigHistoryPanel::updateActions() {
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    const qint64 number =
        rows.size() == 1 ? rows.first().data(ConfigVersionModel::VersionNumberRole).toLongLong()
                         : 0;
    const bool usable =
        m_writeBlocked.isEmpty() && number > 0 && number != m_item.version && !m_rollingBack;
    m_rollback->setEnabled(usable);
    m_rollback->setText(number > 0 ? tr("Roll back to v%1…").arg(number) : tr("Roll back…"));
    m_rollback->setToolTip(!m_writeBlocked.isEmpty() ? m_writeBlocked
                           : number == m_item.version && number > 0
                               ? tr("v%1 is the published version").arg(number)
                               : tr("Publish the selected version's content again"));
}

void ConfigHistoryPanel::showMessage(const QString &text) {
    m_message->setText(text);
}

} // namespace aegis::console
