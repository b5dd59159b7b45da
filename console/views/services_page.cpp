#include "views/services_page.h"

#include "metrics/red_queries.h"
#include "models/display_format.h"
#include "models/instance_filter_model.h"
#include "models/instance_model.h"
#include "models/instance_selector.h"
#include "models/service_summary_model.h"
#include "net/session.h"
#include "views/column_fitter.h"
#include "views/deployment_log_view.h"
#include "views/health_check_dialog.h"
#include "views/instance_delegate.h"
#include "views/instance_detail_pane.h"
#include "views/page_skeleton.h"
#include "views/selected_instance_health.h"
#include "views/service_summary_delegate.h"
#include "views/theme.h"
#include "views/view_helpers.h"

#include <QAction>
#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollBar>
#include <QSplitter>
#include <QStyle>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

namespace aegis::console {
namespace {

constexpr int kPageSize = 500;
constexpr int kTrafficColumnWidth = 200;

} // namespace

ServicesPage::ServicesPage(Session *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_registry(session)
    , m_metrics(session)
    , m_instances(new InstanceModel(this))
    , m_filter(new InstanceFilterModel(this))
    , m_services(new ServiceSummaryModel(this))
    , m_skeleton(new PageSkeleton(session, tr("Services"),
                                  tr("Service discovery: services and instances")))
    , m_refresh(new QPushButton(tr("Refresh")))
    , m_serviceTable(new QTableView)
    , m_selector(new QLineEdit)
    , m_selectorError(new QLabel)
    , m_problemsOnly(new QCheckBox(tr("Problems only")))
    , m_problemCounts(new QLabel)
    , m_instanceTable(new QTableView)
    , m_detail(new InstanceDetailPane)
    , m_logs(new DeploymentLogView(session))
    , m_health(new SelectedInstanceHealth(session, this))
    , m_editCheck(new QPushButton(tr("Health check…")))
    , m_confirm([](QWidget *parent, const QString &title, const QString &text,
                   const QString &acceptLabel) {
        return confirmAction(parent, QMessageBox::Question, title, text, acceptLabel, Qt::RichText);
    }) {
    m_filter->setSourceModel(m_instances);
    m_services->setInstanceModel(m_instances);
    m_detail->setTimelineModel(m_health->timeline());
    connect(m_health, &SelectedInstanceHealth::changed, this,
            [this] { m_detail->showHealthReport(m_health->report(), m_health->problem()); });
    m_skeleton->addLiveBadge(
        tr("Instances change here as they register, change state or go"),
        tr("Showing the instances loaded before the daemon became unreachable"));
    m_skeleton->addHeaderWidget(m_refresh);

    buildActions();

    m_splitter = new QSplitter(Qt::Horizontal);
    m_splitter->addWidget(buildServiceList());
    m_splitter->addWidget(buildInstancePanel());
    m_splitter->setStretchFactor(0, 0);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setChildrenCollapsible(false);
    m_splitter->setSizes({410, 950});
    connect(m_splitter, &QSplitter::splitterMoved, this, [this] { m_listWidthByHand = true; });
    // Service names arrive with the listings: the list then takes the width they need (once the
    // event loop has laid the rows out).
    const auto refit = [this] { QTimer::singleShot(0, this, &ServicesPage::fitServiceList); };
    connect(m_services, &QAbstractItemModel::modelReset, this, refit);
    connect(m_services, &QAbstractItemModel::rowsInserted, this, refit);

    // Failed actions stay on the page until dismissed, so they cannot be missed.
    m_skeleton->setBody(m_splitter);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_skeleton);

    connect(m_refresh, &QPushButton::clicked, this, &ServicesPage::reload);
    connect(m_session, &Session::connectionChanged, this, [this] {
        stopWatch();
        m_instances->clear();
        m_services->setKnownServices({});
        m_loaded = false;
        showActionError({});
        reload();
        m_rateWatch.reset();
        m_errorWatch.reset();
        followTraffic();
    });
    connect(m_session, &Session::identityChanged, this, &ServicesPage::updateActions);
    connect(m_session, &Session::stateChanged, this, [this](ConnectionState state) {
        // A first list that failed while the daemon was down is retried once it is back; after
        // that the watch resumes on its own.
        if (state == ConnectionState::Connected && !m_loaded && m_stage == Stage::Idle) {
            reload();
        }
        updateActions();
        followTraffic();
    });

    // Lease ages tick; refresh that column (and the detail pane) only while the page is shown.
    m_clock.setInterval(1000);
    connect(&m_clock, &QTimer::timeout, this, [this] {
        if (isVisible()) {
            m_instances->setReferenceTime(QDateTime::currentDateTimeUtc());
        }
    });
    m_clock.start();

    m_servicesRefresh.setSingleShot(true);
    m_servicesRefresh.setInterval(1000);
    connect(&m_servicesRefresh, &QTimer::timeout, this, [this] { refreshServices(); });
    connect(m_instances, &InstanceModel::healthChanged, this, [this] {
        m_servicesRefresh.start();
        updateSummary();
    });

    updateSummary();
    updateActions();
    m_detail->showInstance(std::nullopt, {});
}

QWidget *ServicesPage::buildServiceList() {
    m_serviceTable->setModel(m_services);
    styleTable(m_serviceTable);
    // Names whole and every count's header in full (the page gives the list their width).
    m_serviceColumns = new ColumnFitter(m_serviceTable, ServiceSummaryModel::NameColumn, 200);
    m_serviceColumns->setFixedWidth(ServiceSummaryModel::TrafficColumn, kTrafficColumnWidth);
    for (int column = ServiceSummaryModel::InstancesColumn;
         column < ServiceSummaryModel::ColumnCount; ++column) {
        m_services->setHeaderData(column, Qt::Horizontal, int(Qt::AlignRight | Qt::AlignVCenter),
                                  Qt::TextAlignmentRole);
    }
    m_serviceTable->setColumnHidden(ServiceSummaryModel::TrafficColumn, true);
    connect(m_services, &QAbstractItemModel::dataChanged, this, &ServicesPage::showTrafficColumn);
    m_serviceTable->setItemDelegate(new ServiceSummaryDelegate(m_serviceTable));
    m_serviceTable->setMinimumWidth(320);
    connect(m_serviceTable->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &ServicesPage::onServiceSelected);
    // A service's unhealthy count jumps to its worst instance (the first: rows sort worst first).
    connect(m_serviceTable, &QTableView::clicked, this, [this](const QModelIndex &index) {
        if (index.column() == ServiceSummaryModel::UnhealthyColumn &&
            index.data(ServiceSummaryModel::UnhealthyRole).toInt() > 0 &&
            m_filter->rowCount() > 0) {
            m_instanceTable->selectRow(0);
            m_instanceTable->scrollToTop();
        }
    });

    connect(m_editCheck, &QPushButton::clicked, this, &ServicesPage::openHealthCheckEditor);
    auto *toolbar = new QHBoxLayout;
    toolbar->setSpacing(6);
    toolbar->addStretch(1);
    toolbar->addWidget(m_editCheck);

    auto *panel = new QWidget;
    auto *layout = new QVBoxLayout(panel);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(8);
    layout->addLayout(toolbar);
    layout->addWidget(m_serviceTable, 1);
    return panel;
}

QWidget *ServicesPage::buildInstancePanel() {
    m_selector->setPlaceholderText(tr("Filter by labels, e.g. color=green,zone!=b or "
                                      "version in (1.4.0,1.5.0)"));
    m_selector->setClearButtonEnabled(true);
    m_selector->setToolTip(tr("A label selector, as ListInstances takes it: key=value, key!=value, "
                              "key (present), !key (absent), key in (a,b), key notin (a,b); "
                              "comma-separated requirements must all hold"));
    m_selectorError->setObjectName(QStringLiteral("InlineError"));
    m_selectorError->setWordWrap(true);
    m_selectorError->hide();
    m_selectorDebounce.setSingleShot(true);
    m_selectorDebounce.setInterval(250);
    connect(&m_selectorDebounce, &QTimer::timeout, this, &ServicesPage::applySelectorText);
    connect(m_selector, &QLineEdit::textChanged, this, [this] { m_selectorDebounce.start(); });
    connect(m_selector, &QLineEdit::returnPressed, this, &ServicesPage::applySelectorText);

    m_problemsOnly->setObjectName(QStringLiteral("problemsOnly"));
    m_problemsOnly->setToolTip(
        tr("Show only instances whose health is warning, flapping, critical or ejected"));
    connect(m_problemsOnly, &QCheckBox::toggled, this, &ServicesPage::setProblemsOnly);
    m_problemCounts->setObjectName(QStringLiteral("problemCounts"));
    m_problemCounts->setTextFormat(Qt::RichText);
    m_problemCounts->setToolTip(tr("Click a count to select the next such instance"));
    connect(m_problemCounts, &QLabel::linkActivated, this,
            [this](const QString &link) { jumpToProblem(static_cast<HealthBadge>(link.toInt())); });
    auto *problems = new QHBoxLayout;
    problems->setSpacing(12);
    problems->addWidget(m_problemCounts, 1);
    problems->addWidget(m_problemsOnly);

    auto *toolbar = new QHBoxLayout;
    toolbar->setSpacing(6);
    toolbar->addWidget(m_selector, 1);
    toolbar->addSpacing(8);
    for (QAction *action : {m_drain, m_maintenance, m_serve, m_deregister}) {
        auto *button = new QToolButton;
        button->setDefaultAction(action);
        button->setToolButtonStyle(Qt::ToolButtonTextOnly);
        button->setAutoRaise(false);
        toolbar->addWidget(button);
    }

    m_instanceTable->setModel(m_filter);
    styleTable(m_instanceTable);
    m_instanceTable->setItemDelegate(new InstanceDelegate(m_instanceTable));
    m_instanceTable->setSortingEnabled(true);
    // Worst first; instances of equal health keep their service and id order.
    m_instanceTable->sortByColumn(InstanceModel::HealthColumn, Qt::DescendingOrder);
    m_instanceTable->setContextMenuPolicy(Qt::CustomContextMenu);
    QHeaderView *columns = m_instanceTable->horizontalHeader();
    columns->setMinimumSectionSize(60);
    columns->setSortIndicatorShown(true);
    // Who gets traffic before where it runs: colour, traffic, state and health come right after
    // the instance, so they stay in view at 1280 px; the version and address follow.
    for (const int later : {InstanceModel::AddressColumn, InstanceModel::VersionColumn}) {
        columns->moveSection(columns->visualIndex(later),
                             columns->visualIndex(InstanceModel::HealthColumn));
    }
    // Ids, addresses and versions whole, the labels taking the rest; a narrow window scrolls.
    new ColumnFitter(m_instanceTable, InstanceModel::LabelsColumn, 160);
    m_instanceTable->setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    connect(m_instanceTable->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            [this] {
                showSelection();
                updateActions();
            });
    // The selected instance may change (state, labels) or go; the pane and actions follow.
    connect(m_filter, &QAbstractItemModel::dataChanged, this, [this] {
        showSelection();
        updateActions();
    });
    connect(m_filter, &QAbstractItemModel::rowsRemoved, this, [this] {
        showSelection();
        updateActions();
    });
    connect(m_instanceTable, &QWidget::customContextMenuRequested, this, [this](const QPoint &at) {
        const QModelIndex index = m_instanceTable->indexAt(at);
        if (!index.isValid()) {
            return;
        }
        m_instanceTable->selectRow(index.row());
        QMenu menu(this);
        menu.addAction(m_drain);
        menu.addAction(m_maintenance);
        menu.addAction(m_serve);
        menu.addSeparator();
        menu.addAction(m_deregister);
        menu.exec(m_instanceTable->viewport()->mapToGlobal(at));
    });

    auto *tableAndDetail = new QSplitter(Qt::Vertical);
    tableAndDetail->addWidget(m_instanceTable);
    auto *detailTabs = new QTabWidget;
    detailTabs->setDocumentMode(true);
    detailTabs->addTab(m_detail, tr("Details"));
    detailTabs->addTab(m_logs, tr("Logs"));
    tableAndDetail->addWidget(detailTabs);
    tableAndDetail->setStretchFactor(0, 1);
    tableAndDetail->setStretchFactor(1, 0);
    tableAndDetail->setChildrenCollapsible(false);
    tableAndDetail->setSizes({400, 340});

    auto *panel = new QWidget;
    auto *layout = new QVBoxLayout(panel);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(8);
    layout->addLayout(toolbar);
    layout->addWidget(m_selectorError);
    layout->addLayout(problems);
    layout->addWidget(tableAndDetail, 1);
    return panel;
}

void ServicesPage::buildActions() {
    // Their tooltips are set by updateActions(), which knows whether the caller may use them.
    m_drain = new QAction(tr("Drain"), this);
    m_maintenance = new QAction(tr("Maintenance"), this);
    m_serve = new QAction(tr("Serve"), this);
    m_deregister = new QAction(tr("Deregister…"), this);
    connect(m_drain, &QAction::triggered, this, [this] { requestAction(Action::Drain); });
    connect(m_maintenance, &QAction::triggered, this,
            [this] { requestAction(Action::Maintenance); });
    connect(m_serve, &QAction::triggered, this, [this] { requestAction(Action::Serve); });
    connect(m_deregister, &QAction::triggered, this, [this] { requestAction(Action::Deregister); });
}

void ServicesPage::showEvent(QShowEvent *event) {
    m_instances->setReferenceTime(QDateTime::currentDateTimeUtc());
    m_health->setActive(true);
    QWidget::showEvent(event);
    followTraffic();
    QTimer::singleShot(0, this, &ServicesPage::fitServiceList);
}

void ServicesPage::hideEvent(QHideEvent *event) {
    m_health->setActive(false);
    QWidget::hideEvent(event);
    followTraffic();
}

void ServicesPage::showTrafficColumn() {
    const bool show = m_services->hasTraffic();
    if (show != m_serviceTable->isColumnHidden(ServiceSummaryModel::TrafficColumn)) {
        return;
    }
    m_serviceTable->setColumnHidden(ServiceSummaryModel::TrafficColumn, !show);
    fitServiceList();
}

void ServicesPage::fitServiceList() {
    // A hidden splitter has no real sizes yet; showEvent() fits it again.
    const QList<int> sizes = m_splitter->sizes();
    if (sizes.size() != 2 || m_listWidthByHand || !isVisible()) {
        return;
    }
    // The services as wide as their columns need, within a third of the page (the instances and
    // their details keep the rest).
    const int total = sizes[0] + sizes[1];
    const int left = std::min(m_serviceColumns->idealWidth(), total / 3);
    m_splitter->setSizes({left, total - left});
}

void ServicesPage::setTrafficWanted(bool wanted) {
    m_trafficWanted = wanted;
    followTraffic();
}

void ServicesPage::followTraffic() {
    if (!(isVisible() || m_trafficWanted) || !m_session->isConnected()) {
        m_rateWatch.reset();
        m_errorWatch.reset();
        m_services->clearTraffic();
        return;
    }
    if (m_rateWatch) {
        return;
    }
    // Every service at once: the RED queries of the Metrics page, summed by service.
    metrics::ServiceScope scope;
    scope.by = "service";
    const auto follow = [this](ServiceSummaryModel::TrafficSignal signal,
                               const std::string &query) {
        QueryWatchOptions options;
        options.query = QString::fromStdString(query);
        options.windowMs = m_services->trafficWindowMs();
        options.stepMs = 15000;
        options.intervalMs = 15000;
        QueryWatchCallbacks callbacks;
        callbacks.onEvents = [this, signal](const QueryTail &tail) {
            m_services->applyTrafficTail(signal, tail);
        };
        // Metrics off or the stream reconnecting: nothing rather than a stale line.
        callbacks.onLive = [this, signal](bool live, const QString &) {
            if (!live) {
                m_services->clearTraffic(signal);
            }
        };
        return m_metrics.watchQuery(options, this, std::move(callbacks));
    };
    m_rateWatch =
        follow(ServiceSummaryModel::TrafficSignal::Rate, metrics::requestRateQuery(scope));
    m_errorWatch =
        follow(ServiceSummaryModel::TrafficSignal::Errors, metrics::errorRatioQuery(scope));
}

HealthCheckDialog *ServicesPage::openHealthCheckEditor() {
    const QModelIndexList rows = m_serviceTable->selectionModel()->selectedRows();
    const QString service =
        rows.isEmpty() ? QString()
                       : rows.first().data(ServiceSummaryModel::ServiceNameRole).toString();
    if (service.isEmpty()) {
        return nullptr;
    }
    auto *dialog = new HealthCheckDialog(m_session, service, this);
    // A viewer may read the check; saving is for those who may change it.
    dialog->setWriteBlocked(writeBlockedReason());
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &HealthCheckDialog::saved, this, [this](const HealthCheckRevision &check) {
        m_lastActionNote =
            tr("Saved the health check of %1 (recorded in the audit log)").arg(check.service);
        updateSummary();
        m_servicesRefresh.start();
    });
    dialog->reload();
    dialog->open();
    return dialog;
}

void ServicesPage::refreshServices(const QString &pageToken) {
    if (m_stage != Stage::Idle || !m_loaded) {
        return; // A full reload is under way; it lists the services itself.
    }
    if (pageToken.isEmpty()) {
        m_refreshedServices.clear();
    }
    QObject *scope =
        pageToken.isEmpty() ? m_servicesRefreshScope.renew() : m_servicesRefreshScope.current();
    m_registry.listServices(pageToken, kPageSize, scope, [this](const CallResult<ServicePage> &r) {
        if (!r.ok()) {
            return; // The counts stay as they were; the next change of health tries again.
        }
        m_refreshedServices += r.value().services;
        if (!r.value().nextPageToken.isEmpty()) {
            refreshServices(r.value().nextPageToken);
        } else if (m_stage == Stage::Idle) {
            m_services->setKnownServices(m_refreshedServices);
            m_refreshedServices.clear();
        }
    });
}

void ServicesPage::stopWatch() {
    m_watch.reset();
    m_skeleton->setWatchState(false, {});
}

bool ServicesPage::isWatchLive() const {
    return m_skeleton->isWatchLive();
}

QString ServicesPage::actionError() const {
    return m_skeleton->errorText();
}

void ServicesPage::reload() {
    stopWatch();
    m_servicesRefreshScope.drop();
    m_listScope.renew();
    m_listedServices.clear();
    m_listedInstances.clear();
    m_listRevision = 0;
    m_lastListError.clear();
    m_stage = Stage::Services;
    requestNext({});
}

void ServicesPage::requestNext(const QString &pageToken) {
    QObject *scope = m_listScope.current();
    if (m_stage == Stage::Services) {
        m_registry.listServices(
            pageToken, kPageSize, scope, [this](const CallResult<ServicePage> &result) {
                result.ok() ? onServicesPage(result.value()) : onListFailed(result.error());
            });
    } else {
        m_registry.listInstances(
            pageToken, kPageSize, scope, [this](const CallResult<InstancePage> &result) {
                result.ok() ? onInstancesPage(result.value()) : onListFailed(result.error());
            });
    }
    updateSummary();
}

void ServicesPage::onServicesPage(const ServicePage &page) {
    m_listedServices += page.services;
    if (!page.nextPageToken.isEmpty()) {
        requestNext(page.nextPageToken);
        return;
    }
    m_stage = Stage::Instances;
    requestNext({});
}

void ServicesPage::onInstancesPage(const InstancePage &page) {
    // Watching from the first page's revision + 1 replays whatever changed while later pages
    // were listed; the model ignores what it already has.
    if (m_listRevision == 0) {
        m_listRevision = page.revision;
    }
    m_listedInstances += page.instances;
    if (!page.nextPageToken.isEmpty()) {
        requestNext(page.nextPageToken);
        return;
    }
    m_stage = Stage::Idle;
    m_instances->setReferenceTime(QDateTime::currentDateTimeUtc());
    m_instances->sync(m_listedInstances);
    m_services->setKnownServices(m_listedServices);
    m_listedInstances.clear();
    InstanceWatchCallbacks callbacks;
    callbacks.onEvents = [this](const QList<InstanceChange> &changes, qint64) {
        onChanges(changes);
    };
    callbacks.onLive = [this](bool live, const QString &reason) {
        m_skeleton->setWatchState(live, reason);
    };
    // Runs inside the watch's own delivery; reload() destroys the watch only once this returns.
    callbacks.onResync = [this](qint64) {
        QMetaObject::invokeMethod(this, &ServicesPage::reload, Qt::QueuedConnection);
    };
    m_watch = m_registry.watchInstances(m_listRevision + 1, this, std::move(callbacks));
    const bool first = !m_loaded;
    m_loaded = true;
    updateSummary();
    if (first) {
        fitServiceList();
        if (m_serviceTable->selectionModel()->selectedRows().isEmpty()) {
            m_serviceTable->selectRow(0);
        }
        if (m_instanceTable->selectionModel()->selectedRows().isEmpty() &&
            m_filter->rowCount() > 0) {
            m_instanceTable->selectRow(0);
        }
        emit dataLoaded();
    }
}

void ServicesPage::onListFailed(const CallError &error) {
    m_stage = Stage::Idle;
    m_listScope.drop();
    m_lastListError = error.describe();
    updateSummary();
}

void ServicesPage::onActionDone(Action action, const QString &key, const CallError *error) {
    if (!error) {
        m_lastActionNote = actionDone(action, key);
        updateSummary();
        emit actionFinished(action, key, {});
        return;
    }
    const QString text =
        tr("Could not %1 %2: %3 (%4)")
            .arg(actionVerb(action).toLower(), key, error->describe(), error->codeName());
    showActionError(text);
    emit actionFinished(action, key, text);
}

void ServicesPage::onChanges(const QList<InstanceChange> &changes) {
    // Rows inserted or removed above the viewport would move what the reader is looking at; keep
    // the top visible row where it is unless the view is scrolled to the very top.
    QScrollBar *scroll = m_instanceTable->verticalScrollBar();
    QPersistentModelIndex anchor;
    int anchorTop = 0;
    if (scroll->value() > 0) {
        anchor = m_instanceTable->indexAt(QPoint(4, 4));
        anchorTop = m_instanceTable->visualRect(anchor).top();
    }
    m_instances->applyChanges(changes);
    if (anchor.isValid()) {
        const int shift = m_instanceTable->visualRect(anchor).top() - anchorTop;
        if (shift != 0) {
            scroll->setMaximum(std::max(scroll->maximum(), scroll->value() + shift));
            scroll->setValue(scroll->value() + shift);
        }
    }
    updateSummary();
}

void ServicesPage::onServiceSelected() {
    const QModelIndexList rows = m_serviceTable->selectionModel()->selectedRows();
    const QString service =
        rows.isEmpty() ? QString()
                       : rows.first().data(ServiceSummaryModel::ServiceNameRole).toString();
    m_filter->setService(service);
    m_instanceTable->setColumnHidden(InstanceModel::ServiceColumn, !service.isEmpty());
    showSelection();
    updateActions();
    updateSummary();
}

bool ServicesPage::selectService(const QString &service) {
    const int row = m_services->rowOf(service);
    if (row < 0) {
        return false;
    }
    m_serviceTable->selectRow(row);
    return true;
}

bool ServicesPage::selectInstance(const QString &service, const QString &id) {
    const int sourceRow = m_instances->rowOf(service, id);
    if (sourceRow < 0) {
        return false;
    }
    const QModelIndex index = m_filter->mapFromSource(m_instances->index(sourceRow, 0));
    if (!index.isValid()) {
        return false;
    }
    m_instanceTable->selectRow(index.row());
    m_instanceTable->scrollTo(index);
    return true;
}

bool ServicesPage::setSelectorText(const QString &text) {
    if (m_selector->text() != text) {
        const QSignalBlocker blocker(m_selector);
        m_selector->setText(text);
    }
    applySelectorText();
    return m_selectorErrorText.isEmpty();
}

void ServicesPage::applySelectorText() {
    m_selectorDebounce.stop();
    QString error;
    const auto selector = InstanceSelector::parse(m_selector->text(), &error);
    m_selectorErrorText = selector ? QString() : error;
    m_selector->setProperty("invalid", !selector.has_value());
    m_selector->style()->unpolish(m_selector);
    m_selector->style()->polish(m_selector);
    if (selector) {
        m_selectorError->hide();
        m_filter->setSelector(*selector);
    } else {
        m_selectorError->setText(
            tr("Invalid selector — %1. Still showing the last valid filter.").arg(error));
        m_selectorError->show();
    }
    updateSummary();
}

std::optional<ServiceInstance> ServicesPage::selectedInstance() const {
    const QModelIndexList rows = m_instanceTable->selectionModel()->selectedRows();
    if (rows.isEmpty()) {
        return std::nullopt;
    }
    return rows.first().data(InstanceModel::InstanceRole).value<ServiceInstance>();
}

QString ServicesPage::actionVerb(Action action) {
    switch (action) {
    case Action::Drain:
        return tr("Drain");
    case Action::Maintenance:
        return tr("Put into maintenance");
    case Action::Serve:
        return tr("Return to serving");
    case Action::Deregister:
        return tr("Deregister");
    }
    return {};
}

QString ServicesPage::actionDone(Action action, const QString &key) {
    switch (action) {
    case Action::Drain:
        return tr("Drained %1 (recorded in the audit log)").arg(key);
    case Action::Maintenance:
        return tr("Put %1 into maintenance (recorded in the audit log)").arg(key);
    case Action::Serve:
        return tr("Returned %1 to serving (recorded in the audit log)").arg(key);
    case Action::Deregister:
        return tr("Deregistered %1 (recorded in the audit log)").arg(key);
    }
    return {};
}

void ServicesPage::requestAction(Action action) {
    const auto instance = selectedInstance();
    if (!instance) {
        return;
    }
    const QString name =
        QStringLiteral("<b>%1</b> (%2)")
            .arg(instance->key().toHtmlEscaped(), instance->address.toHtmlEscaped());
    const QString audited = tr("The daemon records this in the audit log.");
    QString title;
    QString text;
    QString accept;
    switch (action) {
    case Action::Drain:
        title = tr("Drain instance");
        text = tr("Drain %1?<br><br>It finishes its current work and callers send it no new "
                  "requests. It stays registered.")
                   .arg(name);
        accept = tr("Drain");
        break;
    case Action::Maintenance:
        title = tr("Put instance into maintenance");
        text = tr("Put %1 into maintenance?<br><br>It leaves rotation until it is returned to "
                  "serving.")
                   .arg(name);
        accept = tr("Put into maintenance");
        break;
    case Action::Serve:
        title = tr("Return instance to serving");
        text =
            tr("Return %1 to serving?<br><br>It rejoins rotation and receives traffic.").arg(name);
        accept = tr("Return to serving");
        break;
    case Action::Deregister:
        title = tr("Deregister instance");
        text = tr("Deregister %1?<br><br>It disappears from discovery at once. The process itself "
                  "keeps running and may register again.")
                   .arg(name);
        accept = tr("Deregister");
        break;
    }
    if (!m_confirm(this, title, text + QStringLiteral("<br>") + audited, accept)) {
        return;
    }
    perform(action, *instance);
}

void ServicesPage::perform(Action action, const ServiceInstance &instance) {
    showActionError({});
    const QString key = instance.key();
    auto done = [this, action, key](const CallResult<Acknowledged> &result) {
        onActionDone(action, key, result.ok() ? nullptr : &result.error());
    };
    switch (action) {
    case Action::Drain:
        m_registry.setInstanceState(instance.service, instance.id, InstanceState::Draining, this,
                                    done);
        break;
    case Action::Maintenance:
        m_registry.setInstanceState(instance.service, instance.id, InstanceState::Maintenance, this,
                                    done);
        break;
    case Action::Serve:
        m_registry.setInstanceState(instance.service, instance.id, InstanceState::Serving, this,
                                    done);
        break;
    case Action::Deregister:
        m_registry.deregisterInstance(instance.service, instance.id, this, done);
        break;
    }
    m_lastActionNote = tr("%1 %2…").arg(actionVerb(action), instance.key());
    updateSummary();
}

void ServicesPage::showActionError(const QString &text) {
    m_skeleton->showError(text);
}

QString ServicesPage::writeBlockedReason() const {
    if (m_session->mayChange()) {
        return {};
    }
    return tr("Your token (%1) has the viewer role: viewers see services, instances and health "
              "checks but cannot change them.")
        .arg(m_session->identity()->name);
}

void ServicesPage::updateActions() {
    const auto instance = selectedInstance();
    const QString blocked = writeBlockedReason();
    const bool usable = instance && m_session->isConnected() && blocked.isEmpty();
    m_drain->setEnabled(usable && instance->state != InstanceState::Draining);
    m_maintenance->setEnabled(usable && instance->state != InstanceState::Maintenance);
    m_serve->setEnabled(usable && instance->state != InstanceState::Serving);
    m_deregister->setEnabled(usable);
    const QList<QPair<QAction *, QString>> tips = {
        {m_drain, tr("Finish current work; callers send no new requests")},
        {m_maintenance, tr("Take the instance out of rotation")},
        {m_serve, tr("Return the instance to rotation")},
        {m_deregister, tr("Remove the instance from discovery")}};
    for (const auto &[action, tip] : tips) {
        action->setToolTip(blocked.isEmpty() ? tip : blocked);
    }

    const QModelIndexList rows = m_serviceTable->selectionModel()->selectedRows();
    const QString service =
        rows.isEmpty() ? QString()
                       : rows.first().data(ServiceSummaryModel::ServiceNameRole).toString();
    m_editCheck->setEnabled(!service.isEmpty());
    m_editCheck->setToolTip(
        service.isEmpty() ? tr("Select a service to edit its health check")
        : !blocked.isEmpty()
            ? tr("See how %1's instances are health-checked. %2").arg(service, blocked)
            : tr("Edit how %1's instances are health-checked").arg(service));
}

void ServicesPage::updateSummary() {
    const int services = m_services->rowCount() - 1;
    const int instances = m_instances->rowCount();
    const int shown = m_filter->rowCount();
    if (m_loaded) {
        const int unhealthy = m_services->healthCounts(0).unhealthy;
        m_skeleton->setSubtitle(
            tr("%n service(s), ", nullptr, services) + tr("%n instance(s)", nullptr, instances) +
            (unhealthy > 0 ? tr(" (%n unhealthy)", nullptr, unhealthy) : QString()) +
            tr(", watched live"));
    }
    PageStatus status;
    status.loading = m_stage != Stage::Idle && !m_loaded;
    status.failure = m_lastListError.isEmpty()
                         ? QString()
                         : tr("Could not list instances: %1").arg(m_lastListError);
    status.loaded = m_loaded;
    status.summary = shown == instances
                         ? tr("%n instance(s) shown", nullptr, shown)
                         : tr("%1 of %n instance(s) shown", nullptr, instances).arg(shown);
    status.note = m_lastActionNote;
    m_skeleton->showStatus(status);
    updateProblemCounts();
}

void ServicesPage::setProblemsOnly(bool problemsOnly) {
    if (m_problemsOnly->isChecked() != problemsOnly) {
        m_problemsOnly->setChecked(problemsOnly); // Comes back here through toggled.
        return;
    }
    m_filter->setProblemsOnly(problemsOnly);
    updateSummary();
}

QString ServicesPage::problemCountsText() const {
    return m_problemCounts->property("plainCounts").toString();
}

void ServicesPage::updateProblemCounts() {
    // Counted over the rows shown (service and selector applied), worst first.
    QMap<int, int> counts;
    for (int row = 0; row < m_filter->rowCount(); ++row) {
        const QModelIndex index = m_filter->index(row, 0);
        if (index.data(InstanceModel::SeverityRole).toInt() >=
            badgeSeverity(HealthBadge::Warning)) {
            ++counts[index.data(InstanceModel::HealthBadgeRole).toInt()];
        }
    }
    const ThemeColors colors = themeColors(palette());
    QStringList links;
    QStringList plain;
    for (const HealthBadge badge : {HealthBadge::Ejected, HealthBadge::Critical,
                                    HealthBadge::Flapping, HealthBadge::Warning}) {
        const int count = counts.value(static_cast<int>(badge));
        if (count == 0) {
            continue;
        }
        const QString text = tr("%1 %2").arg(formatCount(count), healthBadgeName(badge));
        plain.append(text);
        links.append(QStringLiteral("<a href=\"%1\" style=\"color:%2; font-weight:600; "
                                    "text-decoration:none\">● %3</a>")
                         .arg(static_cast<int>(badge))
                         .arg(healthBadgeTone(badge, colors).name(), text.toHtmlEscaped()));
    }
    m_problemCounts->setProperty("plainCounts", plain.join(QStringLiteral(" · ")));
    if (links.isEmpty()) {
        m_problemCounts->setText(
            QStringLiteral("<span style=\"color:%1\">● %2</span>")
                .arg(colors.success.name(),
                     m_loaded ? tr("No problems among the instances shown").toHtmlEscaped()
                              : QString()));
        return;
    }
    m_problemCounts->setText(tr("Needs attention:") + QStringLiteral(" ") +
                             links.join(QStringLiteral(" &nbsp;·&nbsp; ")));
}

bool ServicesPage::jumpToProblem(HealthBadge badge) {
    const int rows = m_filter->rowCount();
    const QModelIndexList selected = m_instanceTable->selectionModel()->selectedRows();
    const int start = selected.isEmpty() ? 0 : selected.first().row() + 1;
    for (int i = 0; i < rows; ++i) {
        const int row = (start + i) % rows;
        const QModelIndex index = m_filter->index(row, 0);
        if (index.data(InstanceModel::HealthBadgeRole).toInt() == static_cast<int>(badge)) {
            m_instanceTable->selectRow(row);
            m_instanceTable->scrollTo(index);
            return true;
        }
    }
    return false;
}

void ServicesPage::showSelection() {
    const auto selected = selectedInstance();
    m_detail->showInstance(selected, m_instances->referenceTime());
    m_health->follow(selected);
    m_logs->setInstance(selected ? selected->service : QString(),
                        selected ? selected->id : QString());
}

} // namespace aegis::console
