#include "views/releases_page.h"

#include "metrics/red_queries.h"
#include "models/display_format.h"
#include "models/display_names.h"
#include "models/instance_filter_model.h"
#include "models/instance_model.h"
#include "models/release_model.h"
#include "models/rollout_actions.h"
#include "models/rollout_format.h"
#include "models/rollout_history_model.h"
#include "models/rollout_pipeline.h"
#include "net/session.h"
#include "views/action_confirm_dialog.h"
#include "views/column_fitter.h"
#include "views/deployment_log_view.h"
#include "views/instance_delegate.h"
#include "views/new_release_dialog.h"
#include "views/page_skeleton.h"
#include "views/rollout_delegate.h"
#include "views/rollout_pipeline_view.h"
#include "views/stat_card.h"
#include "views/theme.h"
#include "views/traffic_bar.h"
#include "views/view_helpers.h"

#include <QEvent>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>

namespace aegis::console {
namespace {

constexpr int kRecentRollouts = 100;
constexpr int kLogPage = 500;
// The selected service's history.
constexpr int kHistoryPageSize = 50;
constexpr int kLogLinesKept = 5000;
constexpr int kUnimplemented = 12;
// The services panel is never narrower.
constexpr int kServiceListMinimum = 360;

QString actionDone(RolloutAction action, const QString &id) {
    switch (action) {
    case RolloutAction::Promote:
        return ReleasesPage::tr("Promoted %1").arg(id);
    case RolloutAction::Pause:
        return ReleasesPage::tr("Paused %1").arg(id);
    case RolloutAction::Resume:
        return ReleasesPage::tr("Resumed %1").arg(id);
    case RolloutAction::Abort:
        return ReleasesPage::tr("Aborted %1; traffic is going back").arg(id);
    case RolloutAction::Retry:
        return ReleasesPage::tr("Retrying %1").arg(id);
    case RolloutAction::Undo:
        return ReleasesPage::tr("Undoing %1; traffic is going back").arg(id);
    }
    return {};
}

} // namespace

ReleasesPage::ReleasesPage(Session *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_rollouts(session)
    , m_metrics(session)
    , m_releases(new ReleaseModel(this))
    , m_history(new RolloutHistoryModel(this))
    , m_skeleton(new PageSkeleton(session, tr("Releases"), tr("Blue-green and canary rollouts")))
    , m_newRelease(new QPushButton(tr("New release…")))
    , m_refresh(new QPushButton(tr("Refresh")))
    , m_releaseTable(new QTableView)
    , m_detailStack(new QStackedWidget)
    , m_placeholder(new QLabel)
    , m_rolloutTitle(new QLabel)
    , m_rolloutStatus(new QLabel)
    , m_rolloutMeta(new QLabel)
    , m_message(new QLabel)
    , m_pipeline(new RolloutPipelineView)
    , m_traffic(new TrafficBar)
    , m_trafficCaption(new QLabel)
    , m_instancesCard(new StatCard(tr("New instances")))
    , m_elapsedCard(new StatCard(tr("Elapsed")))
    , m_log(new QPlainTextEdit)
    , m_historyTable(new QTableView)
    , m_instances(new InstanceFilterModel(this))
    , m_instanceTable(new QTableView)
    , m_confirm([](QWidget *parent, const ActionConfirmation &confirmation) {
        return ActionConfirmDialog::ask(parent, confirmation);
    }) {
    m_newRelease->setObjectName(QStringLiteral("newRelease"));
    m_skeleton->addLiveBadge(
        tr("Rollouts, traffic and logs change here as they happen"),
        tr("Showing the rollouts loaded before the daemon became unreachable"));
    m_skeleton->addHeaderWidget(m_newRelease);
    m_skeleton->addHeaderWidget(m_refresh);
    m_tracesButton = new QPushButton(tr("Traces"));
    m_tracesButton->setToolTip(tr("Find the traces of the rollout's new colour and version "
                                  "since it started"));
    m_skeleton->addHeaderWidget(m_tracesButton);
    connect(m_tracesButton, &QPushButton::clicked, this, &ReleasesPage::requestTraces);
    m_logsButton = new QPushButton(tr("Logs…"));
    m_logsButton->setObjectName(QStringLiteral("deploymentLogs"));
    m_logsButton->setToolTip(tr("What the selected service's deployed instances write"));
    m_skeleton->addHeaderWidget(m_logsButton);
    connect(m_logsButton, &QPushButton::clicked, this, [this] {
        const QModelIndexList rows = m_instanceTable->selectionModel()->selectedRows();
        openLogs(rows.isEmpty()
                     ? QString()
                     : rows.first().data(InstanceModel::InstanceRole).value<ServiceInstance>().id);
    });
    // An instance of the list opens on its log.
    connect(m_instanceTable, &QTableView::doubleClicked, this, [this](const QModelIndex &index) {
        openLogs(index.data(InstanceModel::InstanceRole).value<ServiceInstance>().id);
    });

    m_splitter = new QSplitter(Qt::Horizontal);
    m_splitter->addWidget(buildServiceList());
    m_splitter->addWidget(buildRolloutPanel());
    m_splitter->setStretchFactor(0, 0);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setChildrenCollapsible(false);

    m_skeleton->setBody(m_splitter);
    // Once the operator moved the splitter, it stays where they put it.
    connect(m_splitter, &QSplitter::splitterMoved, this, [this] { m_userSplit = true; });
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_skeleton);

    connect(m_refresh, &QPushButton::clicked, this, &ReleasesPage::reload);
    connect(m_newRelease, &QPushButton::clicked, this, &ReleasesPage::openNewRelease);
    connect(m_session, &Session::identityChanged, this, &ReleasesPage::refreshActions);
    connect(m_session, &Session::connectionChanged, this, [this] {
        stopWatch();
        m_releases->clear();
        m_history->clear();
        m_actingOn.clear();
        m_loaded = false;
        display(std::nullopt);
        showActionError({});
        reload();
    });
    connect(m_session, &Session::stateChanged, this, [this](ConnectionState state) {
        // A first list that failed while the daemon was down is retried once it is back; after
        // that the watch resumes on its own.
        if (state == ConnectionState::Connected && !m_loaded && m_stage == Stage::Idle) {
            reload();
        }
        refreshActions();
    });

    // Durations of running rollouts tick, and an undo window closes; only while shown.
    m_clock.setInterval(1000);
    connect(&m_clock, &QTimer::timeout, this, &ReleasesPage::tick);
    m_clock.start();

    updateSummary();
    display(std::nullopt);
}

QWidget *ReleasesPage::buildServiceList() {
    m_releaseTable->setObjectName(QStringLiteral("releaseTable"));
    m_releaseTable->setModel(m_releases);
    styleTable(m_releaseTable);
    m_releaseTable->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_releaseTable->setItemDelegate(new RolloutDelegate(ReleaseModel::ToneRole, m_releaseTable));
    m_releaseTable->setColumnHidden(ReleaseModel::TrafficColumn, true);
    // The service's name is what a reader looks for: it keeps its whole width; the rollout's
    // phase gives way first (its tooltip and the panel on the right say it in full).
    m_serviceColumns = new ColumnFitter(m_releaseTable, ReleaseModel::ServiceColumn, 200);
    m_serviceColumns->setShrinkable({ReleaseModel::RolloutColumn, ReleaseModel::VersionColumn});
    connect(m_releases, &QAbstractItemModel::rowsInserted, this, [this] {
        QMetaObject::invokeMethod(this, &ReleasesPage::fitServiceList, Qt::QueuedConnection);
    });
    connect(m_releaseTable->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &ReleasesPage::onServiceSelected);
    // The selected row stays selected through inserts and removals (the model never resets).
    connect(m_releases, &QAbstractItemModel::dataChanged, this,
            [this](const QModelIndex &topLeft, const QModelIndex &bottomRight) {
                const QString service = selectedService();
                const int row = m_releases->rowOf(service);
                if (row >= topLeft.row() && row <= bottomRight.row()) {
                    if (m_followLatest) {
                        const auto latest = m_releases->latestRollout(service);
                        if (latest && (!m_shown || latest->id != m_shown->id ||
                                       latest->modRevision > m_shown->modRevision)) {
                            display(latest);
                            return;
                        }
                    }
                    refreshRollout();
                }
            });

    auto *panel = new QWidget;
    auto *layout = new QVBoxLayout(panel);
    layout->setContentsMargins(0, 0, 8, 0);
    layout->setSpacing(8);
    layout->addWidget(sectionTitle(tr("Services")));
    layout->addWidget(m_releaseTable, 1);
    panel->setMinimumWidth(kServiceListMinimum);
    return panel;
}

QWidget *ReleasesPage::buildActions() {
    auto *row = new QWidget;
    auto *layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(6);
    const struct {
        RolloutAction action;
        QString label;
        QString name;
    } buttons[] = {{RolloutAction::Promote, tr("Promote…"), QStringLiteral("promote")},
                   {RolloutAction::Pause, tr("Pause"), QStringLiteral("pause")},
                   {RolloutAction::Resume, tr("Resume…"), QStringLiteral("resume")},
                   {RolloutAction::Abort, tr("Abort…"), QStringLiteral("abort")},
                   {RolloutAction::Undo, tr("Undo…"), QStringLiteral("undo")},
                   {RolloutAction::Retry, tr("Retry…"), QStringLiteral("retry")}};
    for (const auto &button : buttons) {
        auto *push = new QPushButton(button.label);
        push->setObjectName(button.name);
        push->setEnabled(false);
        const RolloutAction action = button.action;
        connect(push, &QPushButton::clicked, this, [this, action] { requestAction(action); });
        m_actionButtons.insert(static_cast<int>(action), push);
        layout->addWidget(push);
        // Promote stands apart from Pause: it moves the release forward.
        if (action == RolloutAction::Promote) {
            layout->addSpacing(10);
        }
    }
    styleActionButtons();
    return row;
}

void ReleasesPage::styleActionButtons() {
    for (auto it = m_actionButtons.cbegin(); it != m_actionButtons.cend(); ++it) {
        const auto action = static_cast<RolloutAction>(it.key());
        setActionTone(it.value(), action == RolloutAction::Promote ? ActionTone::Primary
                                  : action == RolloutAction::Abort || action == RolloutAction::Undo
                                      ? ActionTone::Danger
                                      : ActionTone::Plain);
    }
}

void ReleasesPage::changeEvent(QEvent *event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        styleActionButtons();
    }
}

QWidget *ReleasesPage::buildRolloutPanel() {
    m_placeholder->setObjectName(QStringLiteral("PageSubtitle"));
    m_placeholder->setAlignment(Qt::AlignCenter);
    m_placeholder->setWordWrap(true);

    m_rolloutTitle->setObjectName(QStringLiteral("PageTitle"));
    m_rolloutTitle->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_rolloutMeta->setObjectName(QStringLiteral("PageSubtitle"));
    m_rolloutMeta->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_rolloutMeta->setWordWrap(true);
    m_message->setObjectName(QStringLiteral("rolloutMessage"));
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *titleRow = new QHBoxLayout;
    titleRow->setSpacing(12);
    titleRow->addWidget(m_rolloutTitle);
    titleRow->addWidget(m_rolloutStatus);
    titleRow->addStretch(1);
    // The actions on a row of their own: beside the title they made the page wider than a
    // 1280-pixel screen.
    auto *actionRow = new QHBoxLayout;
    actionRow->addWidget(buildActions());
    actionRow->addStretch(1);
    auto *heading = new QVBoxLayout;
    heading->setSpacing(2);
    heading->addLayout(titleRow);
    heading->addWidget(m_rolloutMeta);
    heading->addSpacing(6);
    heading->addLayout(actionRow);

    auto *pipelineCard = new QFrame;
    pipelineCard->setObjectName(QStringLiteral("Card"));
    auto *pipelineLayout = new QVBoxLayout(pipelineCard);
    pipelineLayout->setContentsMargins(12, 12, 12, 8);
    pipelineLayout->setSpacing(8);
    pipelineLayout->addWidget(m_message);
    pipelineLayout->addWidget(m_pipeline);

    auto *trafficCard = new QFrame;
    trafficCard->setObjectName(QStringLiteral("Card"));
    auto *trafficLayout = new QVBoxLayout(trafficCard);
    trafficLayout->setContentsMargins(16, 12, 16, 10);
    trafficLayout->setSpacing(6);
    auto *trafficLabel = new QLabel(tr("TRAFFIC"));
    trafficLabel->setObjectName(QStringLiteral("CardLabel"));
    auto *trafficHead = new QHBoxLayout;
    trafficHead->addWidget(trafficLabel);
    trafficHead->addStretch(1);
    m_trafficCaption->setObjectName(QStringLiteral("CardDetail"));
    trafficHead->addWidget(m_trafficCaption);
    trafficLayout->addLayout(trafficHead);
    trafficLayout->addWidget(m_traffic);
    trafficCard->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);

    auto *cards = new QHBoxLayout;
    cards->setSpacing(12);
    cards->addWidget(trafficCard, 3);
    cards->addWidget(m_instancesCard, 1);
    cards->addWidget(m_elapsedCard, 1);

    m_log->setObjectName(QStringLiteral("rolloutLog"));
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(kLogLinesKept);
    // Wrapped: beside the instance list the log is narrow, and a line read in pieces beats a
    // line scrolled sideways.
    m_log->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    m_log->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_log->setPlaceholderText(tr("No log lines yet"));
    auto *logPanel = new QWidget;
    auto *logLayout = new QVBoxLayout(logPanel);
    logLayout->setContentsMargins(0, 0, 0, 0);
    logLayout->setSpacing(6);
    logLayout->addWidget(sectionTitle(tr("Log")));
    logLayout->addWidget(m_log, 1);

    m_historyTable->setObjectName(QStringLiteral("historyTable"));
    m_historyTable->setModel(m_history);
    styleTable(m_historyTable);
    m_historyTable->setItemDelegate(
        new RolloutDelegate(RolloutHistoryModel::ToneRole, m_historyTable));
    m_historyTable->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    auto *historyColumns = new ColumnFitter(m_historyTable, RolloutHistoryModel::IdColumn, 160);
    historyColumns->setShrinkable(
        {RolloutHistoryModel::StartedColumn, RolloutHistoryModel::CreatedByColumn,
         RolloutHistoryModel::StrategyColumn, RolloutHistoryModel::OutcomeColumn});
    connect(m_historyTable->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &ReleasesPage::onHistorySelected);
    auto *historyPanel = new QWidget;
    auto *historyLayout = new QVBoxLayout(historyPanel);
    historyLayout->setContentsMargins(0, 0, 0, 0);
    historyLayout->setSpacing(6);
    historyLayout->addWidget(sectionTitle(tr("History")));
    historyLayout->addWidget(m_historyTable, 1);

    auto *logAndInstances = new QSplitter(Qt::Horizontal);
    logAndInstances->addWidget(logPanel);
    logAndInstances->addWidget(buildInstanceList());
    logAndInstances->setChildrenCollapsible(false);
    logAndInstances->setSizes({400, 560});

    auto *lower = new QSplitter(Qt::Vertical);
    lower->addWidget(logAndInstances);
    lower->addWidget(historyPanel);
    lower->setChildrenCollapsible(false);
    lower->setSizes({220, 180});

    auto *details = new QWidget;
    auto *layout = new QVBoxLayout(details);
    layout->setContentsMargins(8, 0, 0, 0);
    layout->setSpacing(12);
    layout->addLayout(heading);
    layout->addWidget(pipelineCard);
    layout->addLayout(cards);
    layout->addWidget(lower, 1);

    m_detailStack->addWidget(m_placeholder);
    m_detailStack->addWidget(details);
    return m_detailStack;
}

QWidget *ReleasesPage::buildInstanceList() {
    m_instanceTable->setObjectName(QStringLiteral("releaseInstances"));
    m_instanceTable->setModel(m_instances);
    styleTable(m_instanceTable);
    m_instanceTable->setItemDelegate(new InstanceDelegate(m_instanceTable));
    m_instanceTable->setSortingEnabled(true);
    m_instanceTable->horizontalHeader()->setMinimumSectionSize(60);
    m_instanceTable->setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    m_instanceTable->setToolTip(
        tr("Who gets traffic: each instance's share of the service's requests, its colour and "
           "whether that colour is live, idle, warm for undo or being torn down"));

    auto *panel = new QWidget;
    auto *layout = new QVBoxLayout(panel);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(6);
    layout->addWidget(sectionTitle(tr("Instances")));
    layout->addWidget(m_instanceTable, 1);
    return panel;
}

void ReleasesPage::setInstanceModel(InstanceModel *instances) {
    m_instances->setSourceModel(instances);
    m_instances->setService(selectedService());
    if (!instances) {
        return;
    }
    // The header has its sections only now that the list has a model with columns. The version
    // goes with the colour (the rollout's title says which runs where).
    for (const int hidden :
         {InstanceModel::ServiceColumn, InstanceModel::AddressColumn, InstanceModel::VersionColumn,
          InstanceModel::StateColumn, InstanceModel::LeaseAgeColumn, InstanceModel::LabelsColumn}) {
        m_instanceTable->setColumnHidden(hidden, true);
    }
    // Colour and role, traffic and health whole; the ids take the rest.
    if (!m_instanceTable->findChild<ColumnFitter *>(QString(), Qt::FindDirectChildrenOnly)) {
        new ColumnFitter(m_instanceTable, InstanceModel::InstanceColumn, 200);
    }
    // The colours together.
    m_instanceTable->sortByColumn(InstanceModel::ColourColumn, Qt::AscendingOrder);
}

QPushButton *ReleasesPage::actionButton(RolloutAction action) const {
    return m_actionButtons.value(static_cast<int>(action));
}

void ReleasesPage::showEvent(QShowEvent *event) {
    tick();
    QWidget::showEvent(event);
    // Once the layout gave the splitter its width.
    QMetaObject::invokeMethod(this, &ReleasesPage::fitServiceList, Qt::QueuedConnection);
    followRates(selectedService());
}

void ReleasesPage::fitServiceList() {
    if (m_userSplit || !isVisible()) {
        return;
    }
    // The services as wide as their columns need (the panel's margin included), within 42 % of
    // the page; the rollout panel takes the rest.
    const int total = m_splitter->width();
    const int wanted = m_serviceColumns->idealWidth() + 8;
    const int services =
        std::clamp(wanted, kServiceListMinimum, std::max(kServiceListMinimum, total * 42 / 100));
    if (m_splitter->sizes().value(0) != services) {
        m_splitter->setSizes({services, std::max(0, total - services)});
    }
}

void ReleasesPage::hideEvent(QHideEvent *event) {
    QWidget::hideEvent(event);
    followRates({});
}

void ReleasesPage::followRates(const QString &service) {
    const QString wanted = isVisible() ? service : QString();
    if (wanted == m_rateService) {
        return;
    }
    m_rateService = wanted;
    m_rateWatch.reset();
    m_traffic->setRates({});
    if (wanted.isEmpty() || !m_session->isConnected()) {
        m_rateScope.drop();
        return;
    }
    // Only a backend that answers is followed: with metrics off the stream would only fail.
    m_metrics.targets(
        wanted, m_rateScope.renew(), [this, wanted](const CallResult<MetricsTargets> &result) {
            if (!result.ok() || result.value().backend.state != MetricsBackendState::Ready) {
                return;
            }
            metrics::ServiceScope scope;
            scope.service = wanted.toStdString();
            QueryWatchOptions options;
            options.query = QString::fromStdString(metrics::requestRateQuery(scope));
            options.windowMs = 60000;
            options.stepMs = 5000;
            QueryWatchCallbacks callbacks;
            callbacks.onEvents = [this](const QueryTail &tail) {
                QMap<QString, double> rates =
                    tail.snapshot ? QMap<QString, double>() : m_traffic->rates();
                for (const MetricSeries &series : tail.series) {
                    if (!series.values.isEmpty()) {
                        rates.insert(series.labels.value(QStringLiteral("color")),
                                     series.values.last());
                    }
                }
                m_traffic->setRates(tail.backendError.isEmpty() ? rates : QMap<QString, double>());
            };
            m_rateWatch = m_metrics.watchQuery(options, this, std::move(callbacks));
        });
}

void ReleasesPage::tick() {
    if (!isVisible()) {
        return;
    }
    m_history->setReferenceTime(QDateTime::currentDateTimeUtc());
    if (m_shown && (m_shown->isActive() || m_shown->phase == RolloutPhase::Succeeded)) {
        refreshRollout();
    }
}

void ReleasesPage::stopWatch() {
    m_watch.reset();
    if (m_skeleton->isWatchLive()) {
        m_skeleton->setWatchState(false, {});
        updateSummary();
    }
}

bool ReleasesPage::isWatchLive() const {
    return m_skeleton->isWatchLive();
}

QString ReleasesPage::actionError() const {
    return m_skeleton->errorText();
}

void ReleasesPage::reload() {
    stopWatch();
    m_lastListError.clear();
    m_stage = Stage::Releases;
    m_rollouts.listReleases(m_listScope.renew(), [this](const CallResult<ReleaseList> &result) {
        result.ok() ? onReleases(result.value()) : onListFailed(result.error());
    });
    updateSummary();
}

void ReleasesPage::onReleases(const ReleaseList &list) {
    m_releases->setReleases(list.releases);
    m_listRevision = list.revision;
    m_stage = Stage::Rollouts;
    m_rollouts.listRollouts({}, false, {}, kRecentRollouts, m_listScope.current(),
                            [this](const CallResult<RolloutPage> &result) {
                                result.ok() ? onRolloutsPage(result.value())
                                            : onListFailed(result.error());
                            });
    updateSummary();
}

void ReleasesPage::listHistory(const QString &service) {
    m_rollouts.listRollouts(service, false, {}, kHistoryPageSize, m_historyScope.renew(),
                            [this](const CallResult<RolloutPage> &result) { onHistory(result); });
}

void ReleasesPage::onHistory(const CallResult<RolloutPage> &result) {
    if (!result.ok()) {
        m_lastNote = tr("Could not list the rollouts of %1: %2")
                         .arg(selectedService(), result.error().describe());
        updateSummary();
        if (m_announcePending) {
            m_announcePending = false;
            emit dataLoaded();
        }
        return;
    }
    const RolloutPage &page = result.value();
    m_history->setRollouts(page.service, page.rollouts);
    for (const Rollout &rollout : page.rollouts) {
        m_releases->applyRollout(rollout);
    }
    if (m_shown && m_history->rowOf(m_shown->id) >= 0) {
        const QModelIndex row = m_history->index(m_history->rowOf(m_shown->id), 0);
        const QSignalBlocker blocker(m_historyTable->selectionModel());
        m_historyTable->selectionModel()->setCurrentIndex(row, QItemSelectionModel::ClearAndSelect |
                                                                   QItemSelectionModel::Rows);
    } else if (!m_shown && !page.rollouts.isEmpty()) {
        display(page.rollouts.first());
    }
    if (m_announcePending) {
        m_announcePending = false;
        emit dataLoaded();
    }
}

void ReleasesPage::onRolloutsPage(const RolloutPage &page) {
    m_stage = Stage::Idle;
    m_listScope.drop();
    // Oldest first, so each service ends with its latest.
    for (auto it = page.rollouts.crbegin(); it != page.rollouts.crend(); ++it) {
        m_releases->applyRollout(*it);
    }
    RolloutWatchCallbacks callbacks;
    callbacks.onEvents = [this](const QList<RolloutEvent> &events, qint64) { onEvents(events); };
    callbacks.onLive = [this](bool live, const QString &reason) {
        m_skeleton->setWatchState(live, reason);
        updateSummary();
    };
    callbacks.onResync = [this](qint64) {
        QMetaObject::invokeMethod(this, &ReleasesPage::reload, Qt::QueuedConnection);
    };
    m_watch = m_rollouts.watchRollouts({}, m_listRevision + 1, this, std::move(callbacks));
    const bool first = !m_loaded;
    m_loaded = true;
    updateSummary();
    if (m_releaseTable->selectionModel()->selectedRows().isEmpty() && m_releases->rowCount() > 0) {
        m_announcePending = first;
        m_releaseTable->selectRow(0);
    } else {
        onServiceSelected();
        m_announcePending = first && !selectedService().isEmpty();
    }
    if (first && !m_announcePending) {
        emit dataLoaded();
    }
}

void ReleasesPage::onListFailed(const CallError &error) {
    m_stage = Stage::Idle;
    m_listScope.drop();
    m_lastListError = error.code == kUnimplemented
                          ? tr("this daemon has no RolloutService (%1)").arg(error.describe())
                          : error.describe();
    updateSummary();
}

void ReleasesPage::onActionDone(RolloutAction action, const QString &rolloutId,
                                const CallResult<Rollout> &result) {
    m_actingOn.remove(rolloutId);
    if (!result.ok()) {
        const CallError &error = result.error();
        const QString text = tr("Could not %1 %2: %3 (%4)")
                                 .arg(rolloutActionName(action).toLower(), rolloutId,
                                      error.describe(), error.codeName());
        showActionError(text);
        refreshActions();
        emit actionFinished(action, rolloutId, text);
        return;
    }
    applyRollout(result.value());
    m_lastNote = actionDone(action, rolloutId) + tr(" (recorded in the audit log)");
    updateSummary();
    refreshActions();
    emit actionFinished(action, rolloutId, {});
}

void ReleasesPage::applyRollout(const Rollout &rollout) {
    m_history->applyRollout(rollout);
    m_releases->applyRollout(rollout);
    if (m_shown && m_shown->id == rollout.id && rollout.modRevision >= m_shown->modRevision) {
        display(rollout);
    }
}

void ReleasesPage::onEvents(const QList<RolloutEvent> &events) {
    QList<RolloutLogLine> lines;
    for (const RolloutEvent &event : events) {
        if (event.release) {
            m_releases->upsertRelease(*event.release);
        }
        if (event.rollout) {
            applyRollout(*event.rollout);
        }
        if (event.logLine && event.logLine->rolloutId == m_logRolloutId) {
            lines.append(*event.logLine);
        }
    }
    if (!lines.isEmpty()) {
        if (m_logLoading) {
            m_heldLogLines += lines;
        } else {
            appendLog(lines);
        }
    }
    updateSummary();
}

void ReleasesPage::requestTraces() {
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (!m_shown) {
        emit tracesRequested(selectedService(), QString(), QString(), now.addSecs(-3600), now);
        return;
    }
    const Rollout &rollout = *m_shown;
    // From a little before it started, so the first requests of the new colour are in.
    const QDateTime start =
        rollout.createTime.isValid() ? rollout.createTime.addSecs(-60) : now.addSecs(-3600);
    const QDateTime end = rollout.finishTime.isValid() ? rollout.finishTime.addSecs(60) : now;
    emit tracesRequested(rollout.spec.service, rollout.newColor, rollout.spec.version, start,
                         std::min(end, now));
}

void ReleasesPage::openLogs(const QString &instanceId) {
    QStringList ids = deployedInstanceIds();
    if (!instanceId.isEmpty()) {
        ids.removeAll(instanceId);
        ids.prepend(instanceId);
    }
    if (ids.isEmpty()) {
        return;
    }
    auto *dialog = new DeploymentLogDialog(m_session, selectedService(), ids, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
}

QStringList ReleasesPage::deployedInstanceIds() const {
    const auto release = m_releases->release(selectedService());
    if (!release) {
        return {};
    }
    QList<ColorDeployment> deployments = release->deployments;
    // The colour being released first: its instances are the ones to watch.
    std::stable_sort(deployments.begin(), deployments.end(),
                     [&](const ColorDeployment &a, const ColorDeployment &b) {
                         return a.color != release->liveColor && b.color == release->liveColor;
                     });
    QStringList ids;
    for (const auto &deployment : deployments) {
        for (int n = 1; n <= deployment.replicas; ++n) {
            ids << QStringLiteral("%1-%2-%3").arg(release->service, deployment.color).arg(n);
        }
    }
    return ids;
}

QString ReleasesPage::selectedService() const {
    const QModelIndexList rows = m_releaseTable->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.first().data(ReleaseModel::ServiceNameRole).toString();
}

bool ReleasesPage::selectService(const QString &service) {
    const int row = m_releases->rowOf(service);
    if (row < 0) {
        return false;
    }
    m_releaseTable->selectRow(row);
    return true;
}

void ReleasesPage::onServiceSelected() {
    const QString service = selectedService();
    m_followLatest = true;
    // Without a service the placeholder hides the instance list.
    m_instances->setService(service);
    if (service.isEmpty()) {
        m_history->clear();
        display(std::nullopt);
        followRates({});
        return;
    }
    m_history->setRollouts(service, {});
    listHistory(service);
    display(m_releases->latestRollout(service));
    followRates(service);
}

void ReleasesPage::onHistorySelected() {
    const QModelIndexList rows = m_historyTable->selectionModel()->selectedRows();
    if (rows.isEmpty()) {
        return;
    }
    const Rollout rollout = rows.first().data(RolloutHistoryModel::RolloutRole).value<Rollout>();
    const auto latest = m_releases->latestRollout(selectedService());
    m_followLatest = !latest || latest->id == rollout.id;
    display(rollout);
}

bool ReleasesPage::showRollout(const QString &id) {
    const int row = m_history->rowOf(id);
    if (row < 0) {
        return false;
    }
    m_historyTable->selectRow(row);
    return true;
}

void ReleasesPage::display(const std::optional<Rollout> &rollout) {
    const bool other = !rollout || !m_shown || m_shown->id != rollout->id;
    m_shown = rollout;
    if (!rollout) {
        const QString service = selectedService();
        if (!service.isEmpty()) {
            m_placeholder->setText(tr("No rollout of %1 is known yet.").arg(service));
        } else if (m_loaded && m_releases->rowCount() == 0) {
            m_placeholder->setText(tr("No service has been released through a rollout yet.\n"
                                      "“New release…” starts the first one."));
        } else {
            m_placeholder->setText(m_loaded ? tr("Select a service to see its rollouts.")
                                            : tr("Loading…"));
        }
        m_detailStack->setCurrentIndex(0);
        m_pipeline->clear();
        m_traffic->clear();
        m_log->clear();
        m_logRolloutId.clear();
        m_logScope.drop();
        m_logLoading = false;
        refreshActions();
        return;
    }
    m_detailStack->setCurrentIndex(1);
    if (other) {
        m_log->clear();
        m_logRolloutId = rollout->id;
        m_logSequence = 0;
        m_heldLogLines.clear();
        listLog(rollout->id, 0);
    }
    if (m_history->rowOf(rollout->id) >= 0) {
        const QSignalBlocker blocker(m_historyTable->selectionModel());
        m_historyTable->selectionModel()->setCurrentIndex(
            m_history->index(m_history->rowOf(rollout->id), 0),
            QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    }
    refreshRollout();
}

void ReleasesPage::listLog(const QString &rolloutId, qint64 afterSequence) {
    m_logLoading = true;
    QObject *scope = afterSequence == 0 ? m_logScope.renew() : m_logScope.current();
    m_rollouts.listRolloutLog(
        rolloutId, afterSequence, kLogPage, scope,
        [this](const CallResult<RolloutLogPage> &result) { onLogPage(result); });
}

void ReleasesPage::onLogPage(const CallResult<RolloutLogPage> &result) {
    if (!result.ok()) {
        m_logLoading = false;
        m_log->appendPlainText(tr("— could not load the log: %1 —").arg(result.error().describe()));
        appendLog(m_heldLogLines);
        m_heldLogLines.clear();
        return;
    }
    const RolloutLogPage &page = result.value();
    if (page.rolloutId != m_logRolloutId) {
        return;
    }
    appendLog(page.lines);
    if (page.more && !page.lines.isEmpty()) {
        listLog(m_logRolloutId, m_logSequence);
        return;
    }
    m_logLoading = false;
    appendLog(m_heldLogLines);
    m_heldLogLines.clear();
}

void ReleasesPage::appendLog(const QList<RolloutLogLine> &lines) {
    QScrollBar *scroll = m_log->verticalScrollBar();
    // Follow the end only while the reader is at it.
    const bool atEnd = scroll->value() >= scroll->maximum() - 2;
    for (const RolloutLogLine &line : lines) {
        if (line.sequence <= m_logSequence) {
            continue;
        }
        m_logSequence = line.sequence;
        const QString time = line.time.isValid()
                                 ? line.time.toLocalTime().toString(QStringLiteral("HH:mm:ss"))
                                 : QStringLiteral("--:--:--");
        m_log->appendPlainText(QStringLiteral("%1  %2").arg(time, line.line));
    }
    if (atEnd) {
        scroll->setValue(scroll->maximum());
    }
}

void ReleasesPage::refreshRollout() {
    if (!m_shown) {
        return;
    }
    const Rollout &rollout = *m_shown;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const ThemeColors colors = themeColors(palette());
    const auto release = m_releases->release(rollout.spec.service);
    const bool latest =
        release && (release->activeRolloutId == rollout.id ||
                    (release->activeRolloutId.isEmpty() && release->lastRolloutId == rollout.id));

    m_rolloutTitle->setText(rollout.id);
    const QColor tone = rolloutToneColor(rolloutPhaseTone(rollout.phase, rollout.paused), colors);
    m_rolloutStatus->setText(
        QStringLiteral("<span style=\"color:%1; font-weight:600\">● %2</span>")
            .arg(tone.name(), rolloutStatusText(rollout.phase, rollout.paused).toHtmlEscaped()));
    QStringList meta;
    const QString incoming = colourVersionText(rollout.newColor, rollout.spec.version);
    meta.append(
        rollout.stableVersion.isEmpty()
            ? tr("%1, the first release").arg(incoming)
            : tr("%1 replacing %2")
                  .arg(incoming, colourVersionText(rollout.stableColor, rollout.stableVersion)));
    meta.append(rolloutStrategyName(rollout.spec.strategy));
    if (!rollout.createdBy.isEmpty()) {
        meta.append(
            tr("started by %1 at %2").arg(rollout.createdBy, absoluteTime(rollout.createTime)));
    }
    if (rollout.attempt > 1) {
        meta.append(tr("attempt %1").arg(rollout.attempt));
    }
    if (!rollout.spec.description.isEmpty()) {
        meta.append(QStringLiteral("“%1”").arg(rollout.spec.description));
    }
    m_rolloutMeta->setText(meta.join(QStringLiteral("  ·  ")));
    m_message->setText(rollout.message.isEmpty() ? QStringLiteral(" ") : rollout.message);

    m_pipeline->setPipeline(derivePipeline(rollout, now));

    // The applied split: the release's for the rollout that holds it, else where that one left it.
    const TrafficSplit split = latest ? release->traffic : rollout.traffic;
    QString blueVersion;
    QString greenVersion;
    for (const QString &colour : {QStringLiteral("blue"), QStringLiteral("green")}) {
        QString version;
        if (colour == rollout.newColor) {
            version = rollout.spec.version;
        } else if (colour == rollout.stableColor) {
            version = rollout.stableVersion;
        }
        (colour == QLatin1String("blue") ? blueVersion : greenVersion) = version;
    }
    m_traffic->setSplit(split, rollout.stableColor.isEmpty() ? QString() : rollout.stableColor,
                        blueVersion, greenVersion);
    m_trafficCaption->setText(latest ? tr("as applied now") : tr("as %1 left it").arg(rollout.id));

    const int wanted = rollout.spec.replicas;
    m_instancesCard->setValue(wanted > 0 ? tr("%1 / %2").arg(rollout.healthyInstances).arg(wanted)
                                         : QString::number(rollout.healthyInstances),
                              tr("healthy · %n registered", nullptr, rollout.registeredInstances));
    const qint64 elapsed = RolloutHistoryModel::durationMs(rollout, now);
    m_elapsedCard->setValue(
        elapsed < 0 ? QStringLiteral("—") : humanDuration(elapsed),
        rollout.isActive()
            ? tr("in %1 for %2")
                  .arg(rolloutPhaseName(rollout.phase),
                       humanDuration(rollout.phaseTime.isValid() ? rollout.phaseTime.msecsTo(now)
                                                                 : 0))
            : tr("finished %1").arg(relativeTime(rollout.finishTime, now)));
    refreshActions();
}

CallerIdentity ReleasesPage::identity() const {
    return m_session->identity().value_or(CallerIdentity{});
}

QString ReleasesPage::writeBlockedReason() const {
    if (!m_session->mayChange()) {
        return tr("Your token (%1) has the viewer role: viewers see releases but cannot start or "
                  "change rollouts.")
            .arg(m_session->identity()->name);
    }
    return {};
}

void ReleasesPage::refreshActions() {
    const QString blocked = writeBlockedReason();
    const bool connected = m_session->isConnected();
    m_newRelease->setEnabled(blocked.isEmpty() && connected);
    m_newRelease->setToolTip(!blocked.isEmpty() ? blocked
                             : connected        ? tr("Start a rollout of a new version")
                                                : tr("Not connected"));
    const bool busy = m_shown && m_actingOn.contains(m_shown->id);
    const RolloutActionSet set =
        m_shown ? availableRolloutActions(*m_shown, QDateTime::currentDateTimeUtc())
                : RolloutActionSet{};
    for (auto it = m_actionButtons.cbegin(); it != m_actionButtons.cend(); ++it) {
        const auto action = static_cast<RolloutAction>(it.key());
        const RolloutActionState &state = set[action];
        QPushButton *button = it.value();
        button->setEnabled(m_shown && state.enabled && blocked.isEmpty() && connected && !busy);
        button->setToolTip(!blocked.isEmpty() ? blocked
                           : !m_shown         ? tr("No rollout selected")
                           : !connected       ? tr("Not connected")
                           : busy             ? tr("Waiting for the daemon to answer")
                                              : state.reason);
    }
}

QString ReleasesPage::confirmationText(RolloutAction action) const {
    if (!m_shown) {
        return {};
    }
    const ActionConfirmation confirmation = rolloutConfirmation(action, *m_shown);
    if (!confirmation.asks) {
        return {};
    }
    return confirmation.details.isEmpty()
               ? confirmation.effect
               : confirmation.effect + QLatin1Char(' ') + confirmation.details;
}

void ReleasesPage::requestAction(RolloutAction action) {
    if (!m_shown) {
        return;
    }
    const Rollout rollout = *m_shown;
    QString reason;
    if (const ActionConfirmation confirmation = rolloutConfirmation(action, rollout);
        confirmation.asks) {
        const std::optional<QString> given = m_confirm(this, confirmation);
        if (!given) {
            return;
        }
        reason = *given;
    }
    showActionError({});
    m_actingOn.insert(rollout.id);
    m_rollouts.act(action, rollout.id, reason, this,
                   [this, action, id = rollout.id](const CallResult<Rollout> &result) {
                       onActionDone(action, id, result);
                   });
    m_lastNote = tr("%1 %2…").arg(rolloutActionName(action), rollout.id);
    updateSummary();
    refreshActions();
}

NewReleaseDialog *ReleasesPage::openNewRelease() {
    if (!writeBlockedReason().isEmpty()) {
        return nullptr;
    }
    QList<Release> releases;
    for (int row = 0; row < m_releases->rowCount(); ++row) {
        releases.append(m_releases->releaseAt(row));
    }
    auto *dialog = new NewReleaseDialog(m_session, releases, selectedService(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &NewReleaseDialog::started, this, [this](const Rollout &rollout) {
        m_lastNote = tr("Started %1: %2 of %3 (recorded in the audit log)")
                         .arg(rollout.id, rollout.spec.version, rollout.spec.service);
        applyRollout(rollout);
        if (!selectService(rollout.spec.service)) {
            // Its release arrives through the watch; select it then.
            const QString service = rollout.spec.service;
            auto *once = new QMetaObject::Connection;
            *once =
                connect(m_releases, &QAbstractItemModel::rowsInserted, this, [this, service, once] {
                    if (selectService(service)) {
                        disconnect(*once);
                        delete once;
                    }
                });
        } else {
            m_followLatest = true;
            display(m_releases->latestRollout(rollout.spec.service));
            listHistory(rollout.spec.service);
        }
        updateSummary();
    });
    dialog->open();
    return dialog;
}

void ReleasesPage::showActionError(const QString &text) {
    m_skeleton->showError(text);
}

void ReleasesPage::updateSummary() {
    const int services = m_releases->rowCount();
    int active = 0;
    for (int row = 0; row < services; ++row) {
        if (!m_releases->releaseAt(row).activeRolloutId.isEmpty()) {
            ++active;
        }
    }
    if (m_loaded) {
        m_skeleton->setSubtitle(tr("%n service(s) released, ", nullptr, services) +
                                tr("%n rollout(s) in progress", nullptr, active) +
                                (m_skeleton->isWatchLive() ? tr(", watched live") : QString()));
    }
    PageStatus status;
    status.loading = m_stage != Stage::Idle && !m_loaded;
    status.failure = m_lastListError.isEmpty()
                         ? QString()
                         : tr("Could not list releases: %1").arg(m_lastListError);
    status.loaded = m_loaded;
    status.summary = tr("%n service(s)", nullptr, services);
    status.note = m_lastNote;
    m_skeleton->showStatus(status);
}

} // namespace aegis::console
