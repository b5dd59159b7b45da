#include "views/audit_page.h"

#include "models/audit_filter_model.h"
#include "models/audit_record_model.h"
#include "net/session.h"
#include "views/audit_detail_pane.h"
#include "views/column_fitter.h"
#include "views/outcome_delegate.h"
#include "views/page_skeleton.h"

#include <QComboBox>
#include <QDateTimeEdit>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace aegis::console {
namespace {

constexpr int kPageSize = 100;
constexpr int kRowHeight = 30;

enum Range { AnyTime, Last15Minutes, LastHour, LastDay, LastWeek, CustomRange };

} // namespace

AuditPage::AuditPage(Session *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_audit(session)
    , m_model(new AuditRecordModel(this))
    , m_proxy(new AuditFilterModel(this))
    , m_skeleton(new PageSkeleton(session, tr("Audit log"),
                                  tr("Every mutation attempted through the API, newest first")))
    , m_refresh(new QPushButton(tr("Refresh")))
    , m_actor(new QLineEdit)
    , m_method(new QLineEdit)
    , m_resource(new QLineEdit)
    , m_outcome(new QComboBox)
    , m_range(new QComboBox)
    , m_from(new QDateTimeEdit)
    , m_to(new QDateTimeEdit)
    , m_search(new QLineEdit)
    , m_table(new QTableView)
    , m_detail(new AuditDetailPane)
    , m_loadMore(new QPushButton(tr("Load more"))) {
    m_proxy->setSourceModel(m_model);
    m_skeleton->addLiveBadge(tr("New records appear at the top as they are written"),
                             tr("Showing the records loaded before the daemon became unreachable"));
    m_skeleton->addHeaderWidget(m_refresh);

    auto *filterBar = new QWidget;
    buildFilterBar(filterBar);

    m_table->setModel(m_proxy);
    m_table->setItemDelegateForColumn(AuditRecordModel::OutcomeColumn,
                                      new OutcomeDelegate(m_table));
    m_table->setAlternatingRowColors(true);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setShowGrid(false);
    m_table->setWordWrap(false);
    m_table->setTextElideMode(Qt::ElideRight);
    m_table->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_table->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(kRowHeight);
    QHeaderView *columns = m_table->horizontalHeader();
    columns->setHighlightSections(false);
    columns->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    columns->setMinimumSectionSize(40);
    // The absolute time beside the relative one.
    columns->moveSection(columns->visualIndex(AuditRecordModel::AtColumn),
                         AuditRecordModel::TimeColumn + 1);
    // Columns follow their contents; the summary takes what is left (at least 200 px of it, as
    // far as there is room: then the resource, method and actor give way in turn).
    auto *fitter = new ColumnFitter(m_table, AuditRecordModel::SummaryColumn, 200);
    fitter->setShrinkable({AuditRecordModel::ResourceColumn, AuditRecordModel::MethodColumn,
                           AuditRecordModel::ActorColumn});
    m_table->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);

    auto *splitter = new QSplitter(Qt::Vertical);
    splitter->addWidget(m_table);
    splitter->addWidget(m_detail);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 0);
    splitter->setChildrenCollapsible(false);
    splitter->setSizes({560, 210});

    auto *body = new QWidget;
    auto *bodyLayout = new QVBoxLayout(body);
    bodyLayout->setContentsMargins(0, 0, 0, 0);
    bodyLayout->setSpacing(14);
    bodyLayout->addWidget(filterBar);
    bodyLayout->addWidget(splitter, 1);
    m_skeleton->setBody(body);
    m_skeleton->addStatusWidget(m_loadMore);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_skeleton);

    m_filterDebounce.setSingleShot(true);
    m_filterDebounce.setInterval(400);
    connect(&m_filterDebounce, &QTimer::timeout, this, &AuditPage::applyFilters);
    connect(m_refresh, &QPushButton::clicked, this, &AuditPage::reload);
    connect(m_loadMore, &QPushButton::clicked, this, &AuditPage::loadMore);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &AuditPage::showSelection);
    connect(m_proxy, &QAbstractItemModel::modelReset, this, &AuditPage::showSelection);

    connect(m_session, &Session::connectionChanged, this, [this] {
        m_model->reset({});
        m_loaded = false;
        reload();
    });
    connect(m_session, &Session::stateChanged, this, [this](ConnectionState state) {
        // A first list that failed while the daemon was down is retried once it is back; after
        // that the watch resumes on its own.
        if (state == ConnectionState::Connected && !m_loaded && !m_listing) {
            reload();
        }
    });

    // Relative times ("3 min ago") age; refresh that column only.
    m_clock.setInterval(15000);
    connect(&m_clock, &QTimer::timeout, this,
            [this] { m_model->setReferenceTime(QDateTime::currentDateTimeUtc()); });
    m_clock.start();

    updateFooter();
    m_detail->showEntry(std::nullopt);
}

void AuditPage::buildFilterBar(QWidget *bar) {
    m_actor->setPlaceholderText(tr("Actor"));
    m_actor->setToolTip(tr("Token name, exactly"));
    m_method->setPlaceholderText(tr("Method contains"));
    m_resource->setPlaceholderText(tr("Resource prefix"));
    m_search->setPlaceholderText(tr("Search loaded records…"));
    m_search->setClearButtonEnabled(true);
    for (QLineEdit *edit : {m_actor, m_method, m_resource}) {
        edit->setClearButtonEnabled(true);
        edit->setMinimumWidth(120);
        connect(edit, &QLineEdit::textEdited, this, [this] { m_filterDebounce.start(); });
        connect(edit, &QLineEdit::returnPressed, this, &AuditPage::applyFilters);
    }
    m_outcome->addItem(tr("Any outcome"), int(AuditOutcome::Any));
    m_outcome->addItem(tr("Succeeded"), int(AuditOutcome::Succeeded));
    m_outcome->addItem(tr("Failed"), int(AuditOutcome::Failed));
    m_range->addItem(tr("Any time"), AnyTime);
    m_range->addItem(tr("Last 15 minutes"), Last15Minutes);
    m_range->addItem(tr("Last hour"), LastHour);
    m_range->addItem(tr("Last 24 hours"), LastDay);
    m_range->addItem(tr("Last 7 days"), LastWeek);
    m_range->addItem(tr("Custom range…"), CustomRange);
    const QDateTime now = QDateTime::currentDateTime();
    for (QDateTimeEdit *edit : {m_from, m_to}) {
        edit->setCalendarPopup(true);
        edit->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm"));
        edit->setVisible(false);
        connect(edit, &QDateTimeEdit::dateTimeChanged, this, [this] { m_filterDebounce.start(); });
    }
    m_from->setDateTime(now.addSecs(-3600));
    m_to->setDateTime(now.addSecs(3600));
    m_from->setToolTip(tr("From (inclusive)"));
    m_to->setToolTip(tr("To (exclusive)"));
    connect(m_outcome, &QComboBox::currentIndexChanged, this, &AuditPage::applyFilters);
    connect(m_range, &QComboBox::currentIndexChanged, this, [this] {
        const bool custom = m_range->currentData().toInt() == CustomRange;
        m_from->setVisible(custom);
        m_to->setVisible(custom);
        applyFilters();
    });
    connect(m_search, &QLineEdit::textChanged, this, [this](const QString &text) {
        m_proxy->setSearchText(text);
        updateFooter();
    });
    auto *clear = new QPushButton(tr("Clear"));
    clear->setToolTip(tr("Clear all filters"));
    connect(clear, &QPushButton::clicked, this, &AuditPage::clearFilters);

    auto *layout = new QHBoxLayout(bar);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(8);
    layout->addWidget(m_actor, 2);
    layout->addWidget(m_method, 2);
    layout->addWidget(m_resource, 2);
    layout->addWidget(m_outcome, 1);
    layout->addWidget(m_range, 1);
    layout->addWidget(m_from, 1);
    layout->addWidget(m_to, 1);
    layout->addWidget(clear);
    layout->addSpacing(12);
    layout->addWidget(m_search, 3);
}

AuditQuery AuditPage::queryFromFilters() const {
    AuditQuery query;
    query.actor = m_actor->text().trimmed();
    query.method = m_method->text().trimmed();
    query.resourcePrefix = m_resource->text().trimmed();
    query.outcome = static_cast<AuditOutcome>(m_outcome->currentData().toInt());
    const QDateTime now = QDateTime::currentDateTimeUtc();
    switch (m_range->currentData().toInt()) {
    case Last15Minutes:
        query.from = now.addSecs(-15 * 60);
        break;
    case LastHour:
        query.from = now.addSecs(-3600);
        break;
    case LastDay:
        query.from = now.addDays(-1);
        break;
    case LastWeek:
        query.from = now.addDays(-7);
        break;
    case CustomRange:
        query.from = m_from->dateTime().toUTC();
        query.to = m_to->dateTime().toUTC();
        break;
    default:
        break;
    }
    return query;
}

void AuditPage::applyFilters() {
    m_filterDebounce.stop();
    const AuditQuery query = queryFromFilters();
    if (query == m_query && m_loaded) {
        return;
    }
    m_query = query;
    reload();
}

void AuditPage::clearFilters() {
    for (QLineEdit *edit : {m_actor, m_method, m_resource}) {
        edit->clear();
    }
    const QSignalBlocker outcome(m_outcome);
    const QSignalBlocker range(m_range);
    m_outcome->setCurrentIndex(0);
    m_range->setCurrentIndex(0);
    m_from->setVisible(false);
    m_to->setVisible(false);
    applyFilters();
}

void AuditPage::setQuery(const AuditQuery &query) {
    const QSignalBlocker outcome(m_outcome);
    const QSignalBlocker range(m_range);
    m_actor->setText(query.actor);
    m_method->setText(query.method);
    m_resource->setText(query.resourcePrefix);
    m_outcome->setCurrentIndex(m_outcome->findData(int(query.outcome)));
    const bool custom = query.from.isValid() || query.to.isValid();
    m_range->setCurrentIndex(custom ? m_range->findData(CustomRange) : 0);
    m_from->setVisible(custom);
    m_to->setVisible(custom);
    if (query.from.isValid()) {
        m_from->setDateTime(query.from.toLocalTime());
    }
    if (query.to.isValid()) {
        m_to->setDateTime(query.to.toLocalTime());
    }
    m_query = query;
    reload();
}

void AuditPage::stopWatch() {
    m_watch.reset();
    m_skeleton->setWatchState(false, {});
}

bool AuditPage::isWatchLive() const {
    return m_skeleton->isWatchLive();
}

void AuditPage::watchFrom(qint64 revision) {
    stopWatch();
    AuditWatchCallbacks callbacks;
    callbacks.onEvents = [this](const QList<AuditEntry> &records, qint64) {
        onLiveRecords(records);
    };
    callbacks.onLive = [this](bool live, const QString &reason) {
        m_skeleton->setWatchState(live, reason);
    };
    callbacks.onResync = [this](qint64) { requestPage(ListMode::Resync); };
    m_watch = m_audit.watchRecords(m_query, revision, this, std::move(callbacks));
}

void AuditPage::reload() {
    stopWatch();
    m_proxy->setQuery(m_query);
    m_nextPageToken.clear();
    requestPage(ListMode::First);
}

void AuditPage::loadMore() {
    if (m_nextPageToken.isEmpty() || m_listing) {
        return;
    }
    requestPage(ListMode::More);
}

void AuditPage::requestPage(ListMode mode) {
    m_listing = mode;
    m_audit.listRecords(m_query, mode == ListMode::More ? m_nextPageToken : QString(), kPageSize,
                        m_list.renew(), [this, mode](const CallResult<AuditRecordPage> &result) {
                            m_listing.reset();
                            result.ok() ? onPage(mode, result.value())
                                        : onPageFailed(result.error());
                        });
    updateFooter();
}

void AuditPage::onPage(ListMode mode, const AuditRecordPage &page) {
    m_lastError.clear();
    switch (mode) {
    case ListMode::First:
        m_model->reset(page.records);
        m_nextPageToken = page.nextPageToken;
        watchFrom(page.revision + 1);
        break;
    case ListMode::More:
        m_model->appendOlder(page.records);
        m_nextPageToken = page.nextPageToken;
        break;
    case ListMode::Resync:
        // Whatever was written while the watch was behind is in this page (if it fits; older
        // gaps stay reachable through a refresh). Merged in at the top, no reset.
        onLiveRecords(page.records);
        watchFrom(page.revision + 1);
        break;
    }
    const bool first = !m_loaded;
    m_loaded = true;
    updateFooter();
    if (first) {
        // Start with the newest record in the detail pane rather than an empty one.
        if (m_table->selectionModel()->selectedRows().isEmpty() && m_proxy->rowCount() > 0) {
            m_table->selectRow(0);
        }
        emit dataLoaded();
    }
}

void AuditPage::onPageFailed(const CallError &error) {
    m_lastError = error.describe();
    updateFooter();
}

void AuditPage::onLiveRecords(const QList<AuditEntry> &records) {
    QList<AuditEntry> matching;
    for (const AuditEntry &entry : records) {
        if (m_query.matches(entry)) {
            matching.append(entry);
        }
    }
    // Rows inserted above the viewport would push what the reader is looking at down; keep it in
    // place unless they are at the very top, where new records should come into view.
    QScrollBar *scroll = m_table->verticalScrollBar();
    const int offset = scroll->value();
    const int before = m_proxy->rowCount();
    m_model->prependNewer(matching);
    const int added = m_proxy->rowCount() - before;
    if (added > 0 && offset > 0) {
        const int shift = added * m_table->verticalHeader()->defaultSectionSize();
        scroll->setMaximum(scroll->maximum() + shift);
        scroll->setValue(offset + shift);
    }
    if (added > 0) {
        updateFooter();
    }
}

void AuditPage::updateFooter() {
    const int shown = m_proxy->rowCount();
    const int loaded = m_model->rowCount();
    PageStatus status;
    status.loading = m_listing == ListMode::First;
    status.failure =
        m_lastError.isEmpty() ? QString() : tr("Could not load records: %1").arg(m_lastError);
    status.loaded = m_loaded;
    status.summary =
        shown == loaded
            ? tr("%n record(s) loaded", nullptr, loaded)
            : tr("%1 of %n loaded record(s) match the search", nullptr, loaded).arg(shown);
    if (m_nextPageToken.isEmpty()) {
        status.summary += tr(" · end of the log");
    }
    m_skeleton->showStatus(status);
    m_loadMore->setEnabled(!m_nextPageToken.isEmpty() && !m_listing);
}

void AuditPage::showSelection() {
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    if (rows.isEmpty()) {
        m_detail->showEntry(std::nullopt);
        return;
    }
    m_detail->showEntry(rows.first().data(AuditRecordModel::EntryRole).value<AuditEntry>());
}

} // namespace aegis::console
