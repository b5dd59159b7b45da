#include "views/metrics_page.h"

#include "metrics/red_queries.h"
#include "models/chart_series.h"
#include "models/display_format.h"
#include "models/promql_completion.h"
#include "net/session.h"
#include "views/page_skeleton.h"
#include "views/promql_editor.h"
#include "views/theme.h"
#include "views/time_series_chart.h"

#include <QCheckBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QDateTimeEdit>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QSplitter>
#include <QTabWidget>
#include <QToolButton>
#include <QVBoxLayout>

#include <grpcpp/support/status_code_enum.h>

namespace aegis::console {
namespace {

constexpr qint64 kCustom = -1;
constexpr int kRolloutPage = 50;
// Log lines are read for this many of the newest rollouts (their canary steps).
constexpr int kRolloutsWithSteps = 5;

QString q(const std::string &text) {
    return QString::fromStdString(text);
}

QString rangeName(qint64 seconds) {
    // The counts are computed apart: Qt 6.4's lupdate never finishes on a division inside
    // translate()'s argument list.
    const int days = int(seconds / 86400);
    const int hours = int(seconds / 3600);
    const int minutes = int(seconds / 60);
    if (seconds % 86400 == 0) {
        return QCoreApplication::translate("MetricsPage", "Last %n day(s)", nullptr, days);
    }
    if (seconds % 3600 == 0) {
        return QCoreApplication::translate("MetricsPage", "Last %n hour(s)", nullptr, hours);
    }
    return QCoreApplication::translate("MetricsPage", "Last %n minute(s)", nullptr, minutes);
}

// "query: 1:12: unexpected ..." names the position in the message too; the trailer is preferred.
QString errorPosition(const CallError &error) {
    if (!error.position.isEmpty()) {
        return error.position;
    }
    static const QRegularExpression prefix(QStringLiteral("^query: (\\d+:\\d+): "));
    const QRegularExpressionMatch match = prefix.match(error.message);
    return match.hasMatch() ? match.captured(1) : QString();
}

} // namespace

MetricsPage::MetricsPage(Session *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_metrics(session)
    , m_rollouts(session)
    , m_skeleton(new PageSkeleton(session, tr("Metrics"),
                                  tr("Rate, errors and latency of every service, from Prometheus")))
    , m_serviceBox(new QComboBox)
    , m_instanceBox(new QComboBox)
    , m_rangeBox(new QComboBox)
    , m_liveBox(new QCheckBox(tr("Follow")))
    , m_refresh(new QPushButton(tr("Refresh")))
    , m_backendLabel(new QLabel)
    , m_tabs(new QTabWidget) {
    m_skeleton->addLiveBadge(tr("The charts follow the newest samples"),
                             tr("The charts show what was loaded; they resume when the daemon "
                                "answers again"));
    m_serviceBox->setObjectName(QStringLiteral("MetricsService"));
    m_serviceBox->setMinimumContentsLength(14);
    m_serviceBox->setPlaceholderText(tr("No service"));
    m_serviceBox->setToolTip(tr("The service whose dashboard is shown"));
    m_instanceBox->setMinimumContentsLength(14);
    m_instanceBox->setToolTip(tr("Drill down to one instance"));
    m_instanceBox->addItem(tr("All instances"), QString());
    for (const qint64 seconds : rangeChoices()) {
        m_rangeBox->addItem(rangeName(seconds), seconds);
    }
    m_rangeBox->addItem(tr("Custom…"), kCustom);
    m_rangeBox->setCurrentIndex(int(rangeChoices().indexOf(m_rangeSeconds)));
    m_liveBox->setChecked(true);
    m_liveBox->setToolTip(tr("Follow the newest samples as they are scraped"));
    m_skeleton->addHeaderWidget(m_serviceBox);
    m_skeleton->addHeaderWidget(m_instanceBox);
    m_skeleton->addHeaderWidget(m_rangeBox);
    m_skeleton->addHeaderWidget(m_liveBox);
    m_skeleton->addHeaderWidget(m_refresh);
    m_tracesButton = new QToolButton;
    m_tracesButton->setText(tr("Traces"));
    m_tracesButton->setToolTip(tr("Find this service's traces in the charts' window (the arrow: "
                                  "of one colour)"));
    m_tracesButton->setPopupMode(QToolButton::MenuButtonPopup);
    auto *tracesMenu = new QMenu(m_tracesButton);
    for (const QString &colour : {QStringLiteral("blue"), QStringLiteral("green")}) {
        connect(tracesMenu->addAction(tr("Traces of %1").arg(colour)), &QAction::triggered, this,
                [this, colour] { requestTraces(colour); });
    }
    m_tracesButton->setMenu(tracesMenu);
    connect(m_tracesButton, &QToolButton::clicked, this, [this] { requestTraces(); });
    m_skeleton->addHeaderWidget(m_tracesButton);

    auto *body = new QWidget;
    auto *bodyLayout = new QVBoxLayout(body);
    bodyLayout->setContentsMargins(0, 0, 0, 0);
    m_backendLabel->setObjectName(QStringLiteral("MetricsBackendNote"));
    m_backendLabel->setWordWrap(true);
    m_backendLabel->setMargin(8);
    m_backendLabel->setVisible(false);
    bodyLayout->addWidget(m_backendLabel);
    m_tabs->addTab(buildServiceTab(), tr("Service"));
    m_tabs->addTab(buildDaemonTab(), tr("aegisd"));
    m_tabs->addTab(buildQueryTab(), tr("Query"));
    m_tabs->setDocumentMode(true);
    bodyLayout->addWidget(m_tabs, 1);
    m_skeleton->setBody(body);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_skeleton);

    connect(m_serviceBox, &QComboBox::activated, this, [this] {
        m_service = m_serviceBox->currentText();
        m_instance.clear();
        loadInstances();
        updateServiceQueries();
        refreshCharts();
        loadMarkers();
    });
    connect(m_instanceBox, &QComboBox::activated, this, [this] {
        m_instance = m_instanceBox->currentData().toString();
        updateServiceQueries();
        refreshCharts();
    });
    connect(m_rangeBox, &QComboBox::activated, this, [this] {
        const qint64 seconds = m_rangeBox->currentData().toLongLong();
        if (seconds != kCustom) {
            setRangeSeconds(seconds);
            return;
        }
        QDialog dialog(this);
        dialog.setWindowTitle(tr("Custom range"));
        auto *form = new QFormLayout(&dialog);
        const QDateTime now = QDateTime::currentDateTime();
        auto *from = new QDateTimeEdit(m_customStart.isValid() ? m_customStart
                                                               : now.addSecs(-m_rangeSeconds));
        auto *to = new QDateTimeEdit(m_customEnd.isValid() ? m_customEnd : now);
        from->setCalendarPopup(true);
        to->setCalendarPopup(true);
        form->addRow(tr("From"), from);
        form->addRow(tr("To"), to);
        auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
        form->addRow(buttons);
        connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
        connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
        if (dialog.exec() == QDialog::Accepted && from->dateTime() < to->dateTime()) {
            setCustomRange(from->dateTime(), to->dateTime());
        } else {
            showRange();
        }
    });
    connect(m_liveBox, &QCheckBox::toggled, this, &MetricsPage::setLive);
    connect(m_refresh, &QPushButton::clicked, this, &MetricsPage::reload);
    connect(m_tabs, &QTabWidget::currentChanged, this, [this](int tab) {
        if (tab == QueryTab) {
            loadCompletions();
        }
        refreshCharts();
    });
    connect(m_session, &Session::connectionChanged, this, [this] {
        stopWatches();
        m_rolloutWatch.reset();
        m_loaded = false;
        m_completionsLoaded = false;
        reload();
    });
    connect(m_session, &Session::stateChanged, this, [this](ConnectionState state) {
        if (state == ConnectionState::Connected && !m_loaded) {
            reload();
        }
    });

    m_userRangeTimer.setSingleShot(true);
    m_userRangeTimer.setInterval(300);
    connect(&m_userRangeTimer, &QTimer::timeout, this, [this] { loadPanels(activePanels()); });
    m_tailTimer.setInterval(1000);
    connect(&m_tailTimer, &QTimer::timeout, this, [this] {
        if (m_live && isVisible()) {
            showRange();
        }
    });
    m_skeleton->showStatus(
        {.loading = false, .failure = {}, .loaded = false, .summary = {}, .note = {}});
}

MetricsPage::~MetricsPage() {
    stopWatches();
}

QList<qint64> MetricsPage::rangeChoices() {
    return {5 * 60, 15 * 60, 3600, 6 * 3600, 24 * 3600, 7 * 24 * 3600};
}

QWidget *MetricsPage::buildServiceTab() {
    auto *grid = new QWidget;
    auto *layout = new QGridLayout(grid);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->setSpacing(6);
    const QList<TimeSeriesChart *> charts{
        addPanel(m_servicePanels, tr("Request rate"), MetricUnit::RequestsPerSecond),
        addPanel(m_servicePanels, tr("Error ratio (5xx)"), MetricUnit::Ratio),
        addPanel(m_servicePanels, tr("Latency p50 / p95 / p99"), MetricUnit::Seconds,
                 {QStringLiteral("p50"), QStringLiteral("p95"), QStringLiteral("p99")}),
        addPanel(m_servicePanels, tr("Instances up"), MetricUnit::Number),
        addPanel(m_servicePanels, tr("CPU per instance"), MetricUnit::Cores),
        addPanel(m_servicePanels, tr("Memory per instance"), MetricUnit::Bytes)};
    for (int i = 0; i < charts.size(); ++i) {
        layout->addWidget(charts[i], i / 2, i % 2);
        layout->setRowStretch(i / 2, 1);
    }
    auto *scroll = new QScrollArea;
    scroll->setWidget(grid);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    return scroll;
}

QWidget *MetricsPage::buildDaemonTab() {
    auto *grid = new QWidget;
    auto *layout = new QGridLayout(grid);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->setSpacing(6);
    const QString rate = QStringLiteral("rate(aegis_grpc_requests_total[1m])");
    const QString buckets = QStringLiteral("rate(aegis_grpc_request_duration_seconds_bucket[1m])");
    TimeSeriesChart *byMethod =
        addPanel(m_daemonPanels, tr("RPC rate by method"), MetricUnit::RequestsPerSecond);
    m_daemonPanels.back().queries = {QStringLiteral("topk(10, sum by (method) (%1))").arg(rate)};
    TimeSeriesChart *errors =
        addPanel(m_daemonPanels, tr("RPC errors"), MetricUnit::RequestsPerSecond);
    m_daemonPanels.back().queries = {
        QStringLiteral("sum by (code) (rate(aegis_grpc_requests_total{code!=\"OK\"}[1m]))")};
    TimeSeriesChart *latency = addPanel(m_daemonPanels, tr("RPC latency"), MetricUnit::Seconds,
                                        {QStringLiteral("p50"), QStringLiteral("p99")});
    m_daemonPanels.back().queries = {
        QStringLiteral("histogram_quantile(0.5, sum by (le) (%1))").arg(buckets),
        QStringLiteral("histogram_quantile(0.99, sum by (le) (%1))").arg(buckets)};
    TimeSeriesChart *slowest =
        addPanel(m_daemonPanels, tr("RPC latency p99 by method"), MetricUnit::Seconds);
    m_daemonPanels.back().queries = {
        QStringLiteral("topk(8, histogram_quantile(0.99, sum by (le, method) (%1)) > 0)")
            .arg(buckets)};
    layout->addWidget(byMethod, 0, 0);
    layout->addWidget(errors, 0, 1);
    layout->addWidget(latency, 1, 0);
    layout->addWidget(slowest, 1, 1);
    return grid;
}

QWidget *MetricsPage::buildQueryTab() {
    auto *panel = new QWidget;
    auto *layout = new QVBoxLayout(panel);
    layout->setContentsMargins(4, 4, 4, 4);
    m_editor = new PromqlEditor;
    m_editor->setMaximumHeight(90);
    m_editor->setPlainText(QStringLiteral("sum by (service) (rate(http_requests_total[1m]))"));
    auto *run = new QPushButton(tr("Run"));
    run->setToolTip(tr("Run the query over the chosen range (Ctrl+Enter)"));
    m_unitBox = new QComboBox;
    const QList<std::pair<QString, MetricUnit>> units{
        {tr("Number"), MetricUnit::Number},
        {tr("Seconds"), MetricUnit::Seconds},
        {tr("Bytes"), MetricUnit::Bytes},
        {tr("Ratio (%)"), MetricUnit::Ratio},
        {tr("Requests/s"), MetricUnit::RequestsPerSecond},
        {tr("CPU cores"), MetricUnit::Cores}};
    for (const auto &[name, unit] : units) {
        m_unitBox->addItem(name, int(unit));
    }
    auto *row = new QHBoxLayout;
    row->addWidget(m_editor, 1);
    auto *side = new QVBoxLayout;
    side->addWidget(run);
    side->addWidget(m_unitBox);
    side->addStretch();
    row->addLayout(side);
    layout->addLayout(row);
    m_queryErrorLabel = new QLabel;
    m_queryErrorLabel->setObjectName(QStringLiteral("QueryError"));
    m_queryErrorLabel->setWordWrap(true);
    m_queryErrorLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_queryErrorLabel->setVisible(false);
    layout->addWidget(m_queryErrorLabel);
    m_queryChart = addPanel(m_queryPanels, tr("Result"), MetricUnit::Number);
    layout->addWidget(m_queryChart, 1);

    connect(run, &QPushButton::clicked, this, &MetricsPage::runQuery);
    connect(m_editor, &PromqlEditor::runRequested, this, &MetricsPage::runQuery);
    connect(m_unitBox, &QComboBox::activated, this,
            [this] { m_queryChart->setUnit(MetricUnit(m_unitBox->currentData().toInt())); });
    connect(m_editor, &PromqlEditor::labelValuesWanted, this, [this](const QString &label) {
        m_metrics.labelValues(label, {}, 2000, this,
                              [this, label](const CallResult<LabelValueList> &result) {
                                  if (result.ok()) {
                                      m_editor->setLabelValues(label, result.value().values);
                                      m_editor->complete();
                                  }
                              });
    });
    return panel;
}

TimeSeriesChart *MetricsPage::addPanel(std::vector<Panel> &panels, const QString &title,
                                       MetricUnit unit, const QStringList &roleNames) {
    auto *chart = new TimeSeriesChart(title, unit);
    chart->setMinimumHeight(220);
    for (int role = 0; role < roleNames.size(); ++role) {
        chart->setRoleName(role, roleNames[role]);
    }
    chart->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(chart, &QWidget::customContextMenuRequested, chart, [this, chart](const QPoint &at) {
        QMenu menu;
        QAction *png = menu.addAction(tr("Export PNG…"));
        menu.addAction(tr("Export CSV…"));
        QAction *chosen = menu.exec(chart->mapToGlobal(at));
        if (!chosen) {
            return;
        }
        const bool asPng = chosen == png;
        const QString path = QFileDialog::getSaveFileName(
            this, asPng ? tr("Export chart as PNG") : tr("Export chart as CSV"),
            chart->title() + (asPng ? QStringLiteral(".png") : QStringLiteral(".csv")),
            asPng ? tr("PNG images (*.png)") : tr("CSV files (*.csv)"));
        if (path.isEmpty()) {
            return;
        }
        const bool written = asPng ? chart->exportPng(path) : chart->exportCsv(path);
        m_skeleton->showError(written ? QString() : tr("Could not write %1").arg(path));
    });
    connect(chart, &TimeSeriesChart::timeRangeChangedByUser, this, &MetricsPage::onUserRange);
    panels.push_back({chart, {}});
    return chart;
}

QString MetricsPage::backendNote() const {
    return m_backendNote;
}

QString MetricsPage::queryError() const {
    return m_queryErrorLabel->isVisible() ? m_queryErrorLabel->text() : QString();
}

bool MetricsPage::selectService(const QString &service) {
    const int index = m_serviceBox->findText(service);
    if (index < 0) {
        return false;
    }
    m_serviceBox->setCurrentIndex(index);
    m_service = service;
    m_instance.clear();
    loadInstances();
    updateServiceQueries();
    refreshCharts();
    loadMarkers();
    return true;
}

bool MetricsPage::selectInstance(const QString &instance) {
    const int index = m_instanceBox->findData(instance);
    if (index < 0) {
        return false;
    }
    m_instanceBox->setCurrentIndex(index);
    m_instance = instance;
    updateServiceQueries();
    refreshCharts();
    return true;
}

void MetricsPage::setRangeSeconds(qint64 seconds) {
    m_rangeSeconds = seconds;
    m_customStart = {};
    m_customEnd = {};
    const int index = m_rangeBox->findData(seconds);
    if (index >= 0) {
        m_rangeBox->setCurrentIndex(index);
    }
    refreshCharts();
}

void MetricsPage::setCustomRange(const QDateTime &start, const QDateTime &end) {
    m_customStart = start;
    m_customEnd = end;
    m_rangeBox->setCurrentIndex(m_rangeBox->findData(kCustom));
    setLive(false);
}

void MetricsPage::setLive(bool live) {
    const bool changed = live != m_live;
    m_live = live;
    if (m_liveBox->isChecked() != live) {
        const QSignalBlocker blocker(m_liveBox);
        m_liveBox->setChecked(live);
    }
    if (live) {
        m_customStart = {};
        m_customEnd = {};
        const int index = m_rangeBox->findData(m_rangeSeconds);
        m_rangeBox->setCurrentIndex(index);
    }
    if (changed || !live) {
        refreshCharts();
    }
}

void MetricsPage::showTab(Tab tab) {
    m_tabs->setCurrentIndex(tab);
}

QList<TimeSeriesChart *> MetricsPage::serviceCharts() const {
    QList<TimeSeriesChart *> charts;
    for (const Panel &panel : m_servicePanels) {
        charts.append(panel.chart);
    }
    return charts;
}

QList<TimeSeriesChart *> MetricsPage::daemonCharts() const {
    QList<TimeSeriesChart *> charts;
    for (const Panel &panel : m_daemonPanels) {
        charts.append(panel.chart);
    }
    return charts;
}

void MetricsPage::reload() {
    if (!m_session->isConnected()) {
        return;
    }
    checkBackend();
}

void MetricsPage::setBackendNote(const QString &note) {
    m_backendNote = note;
    m_backendLabel->setText(note);
    m_backendLabel->setVisible(!note.isEmpty());
    const ThemeColors colors = themeColors(palette());
    m_backendLabel->setStyleSheet(
        QStringLiteral("QLabel#MetricsBackendNote { background: %1; color: %2; border: 1px solid "
                       "%3; border-radius: 4px; }")
            .arg(colors.bannerBackground.name(), colors.bannerText.name(), colors.border.name()));
    if (!m_backendUsable) {
        for (std::vector<Panel> *panels : {&m_servicePanels, &m_daemonPanels, &m_queryPanels}) {
            for (Panel &panel : *panels) {
                panel.chart->clear();
                // The banner above says why.
                panel.chart->setMessage(tr("Metrics unavailable"));
            }
        }
    }
}

void MetricsPage::checkBackend() {
    m_skeleton->showStatus(
        {.loading = true, .failure = {}, .loaded = m_loaded, .summary = {}, .note = {}});
    m_metrics.targets({}, m_backendScope.renew(), [this](const CallResult<MetricsTargets> &result) {
        if (!result.ok()) {
            const CallError &error = result.error();
            m_backendUsable = false;
            stopWatches();
            if (error.code == grpc::StatusCode::FAILED_PRECONDITION) {
                setBackendNote(tr("Metrics are turned off on this daemon (metrics.backend: none). "
                                  "Set metrics.backend to managed or external to see charts."));
            } else if (error.code == grpc::StatusCode::UNIMPLEMENTED) {
                setBackendNote(tr("This daemon has no metrics service; upgrade aegisd."));
            } else {
                setBackendNote(tr("Metrics backend down: %1").arg(error.describe()));
            }
            m_skeleton->showStatus({.loading = false,
                                    .failure = m_backendNote,
                                    .loaded = m_loaded,
                                    .summary = {},
                                    .note = {}});
            if (!m_loaded) {
                m_loaded = true;
                emit dataLoaded();
            }
            return;
        }
        const MetricsTargets &targets = result.value();
        const MetricsBackendStatus &backend = targets.backend;
        int up = 0;
        for (const MetricsTarget &target : targets.targets) {
            up += target.health == TargetHealth::Up ? 1 : 0;
        }
        switch (backend.state) {
        case MetricsBackendState::Disabled:
            m_backendUsable = false;
            setBackendNote(tr("Metrics are turned off on this daemon (metrics.backend: none). "
                              "Set metrics.backend to managed or external to see charts."));
            break;
        case MetricsBackendState::Down:
            m_backendUsable = false;
            setBackendNote(tr("Metrics backend down: %1 (%2)").arg(backend.detail, backend.url));
            break;
        case MetricsBackendState::Starting:
            m_backendUsable = true;
            setBackendNote(tr("Metrics backend starting: %1").arg(backend.detail));
            break;
        default:
            m_backendUsable = true;
            setBackendNote({});
            break;
        }
        const QString mode = backend.mode == MetricsBackendMode::Managed ? tr("managed Prometheus")
                             : backend.mode == MetricsBackendMode::External
                                 ? tr("external (%1)").arg(backend.url)
                                 : tr("off");
        m_skeleton->showStatus(
            {.loading = false,
             .failure = {},
             .loaded = true,
             .summary = tr("%1 · %n target(s), %2 up", nullptr, int(targets.targets.size()))
                            .arg(mode)
                            .arg(up),
             .note = {}});
        if (m_backendUsable) {
            loadServices();
            refreshCharts();
            loadMarkers();
        }
        if (!m_loaded) {
            m_loaded = true;
            emit dataLoaded();
        }
    });
}

void MetricsPage::loadServices() {
    m_metrics.labelValues(QStringLiteral("service"), {QStringLiteral("up")}, 1000,
                          m_listScope.renew(), [this](const CallResult<LabelValueList> &result) {
                              if (!result.ok()) {
                                  return;
                              }
                              const QStringList services = result.value().values;
                              m_serviceBox->clear();
                              m_serviceBox->addItems(services);
                              if (services.isEmpty()) {
                                  m_serviceBox->addItem(tr("(no service scraped)"));
                                  m_serviceBox->setEnabled(false);
                                  return;
                              }
                              m_serviceBox->setEnabled(true);
                              const bool changed = !services.contains(m_service);
                              if (changed) {
                                  m_service = services.first();
                              }
                              m_serviceBox->setCurrentIndex(m_serviceBox->findText(m_service));
                              loadInstances();
                              if (changed) {
                                  updateServiceQueries();
                                  refreshCharts();
                                  loadMarkers();
                              }
                          });
}

void MetricsPage::loadInstances() {
    if (m_service.isEmpty()) {
        return;
    }
    const QString matcher =
        QStringLiteral("up{service=%1}").arg(q(metrics::quoteLabelValue(m_service.toStdString())));
    m_metrics.labelValues(QStringLiteral("instance"), {matcher}, 1000, m_listScope.current(),
                          [this](const CallResult<LabelValueList> &result) {
                              if (!result.ok()) {
                                  return;
                              }
                              m_instanceBox->clear();
                              m_instanceBox->addItem(tr("All instances"), QString());
                              for (const QString &instance : result.value().values) {
                                  m_instanceBox->addItem(instance, instance);
                              }
                              const int index = m_instanceBox->findData(m_instance);
                              m_instanceBox->setCurrentIndex(std::max(index, 0));
                          });
}

void MetricsPage::updateServiceQueries() {
    metrics::ServiceScope scope;
    scope.service = m_service.toStdString();
    if (!m_instance.isEmpty()) {
        scope.instance = m_instance.toStdString();
        scope.by = "instance";
    }
    if (m_servicePanels.size() < 6) {
        return;
    }
    m_servicePanels[0].queries = {q(metrics::requestRateQuery(scope))};
    m_servicePanels[1].queries = {q(metrics::errorRatioQuery(scope))};
    m_servicePanels[2].queries = {q(metrics::latencyQuantileQuery(scope, 0.5)),
                                  q(metrics::latencyQuantileQuery(scope, 0.95)),
                                  q(metrics::latencyQuantileQuery(scope, 0.99))};
    m_servicePanels[3].queries = {q(metrics::instancesUpQuery(scope))};
    m_servicePanels[4].queries = {q(metrics::cpuQuery(scope))};
    m_servicePanels[5].queries = {q(metrics::memoryQuery(scope))};
    for (Panel &panel : m_servicePanels) {
        panel.chart->clear();
    }
}

std::vector<MetricsPage::Panel> &MetricsPage::activePanels() {
    switch (m_tabs->currentIndex()) {
    case DaemonTab:
        return m_daemonPanels;
    case QueryTab:
        return m_queryPanels;
    default:
        return m_servicePanels;
    }
}

void MetricsPage::requestTraces(const QString &colour) {
    QDateTime start = m_customStart;
    QDateTime end = m_customEnd;
    if (!start.isValid() || !end.isValid()) {
        end = QDateTime::currentDateTimeUtc();
        start = end.addMSecs(-windowMs());
    }
    emit tracesRequested(m_service, colour, QString(), start, end);
}

qint64 MetricsPage::windowMs() const {
    if (m_customStart.isValid() && m_customEnd.isValid()) {
        return m_customStart.msecsTo(m_customEnd);
    }
    return m_rangeSeconds * 1000;
}

void MetricsPage::showRange() {
    double lower = 0;
    double upper = 0;
    if (m_customStart.isValid() && m_customEnd.isValid()) {
        lower = double(m_customStart.toMSecsSinceEpoch()) / 1000.0;
        upper = double(m_customEnd.toMSecsSinceEpoch()) / 1000.0;
    } else {
        upper = double(QDateTime::currentMSecsSinceEpoch()) / 1000.0;
        lower = upper - double(m_rangeSeconds);
    }
    for (Panel &panel : activePanels()) {
        panel.chart->setTimeRange(lower, upper);
    }
}

void MetricsPage::refreshCharts() {
    stopWatches();
    if (!m_backendUsable || !m_session->isConnected()) {
        return;
    }
    showRange();
    if (m_tabs->currentIndex() == QueryTab) {
        return;
    }
    if (m_tabs->currentIndex() == ServiceTab && m_service.isEmpty()) {
        return;
    }
    if (m_live && isVisible()) {
        watchPanels(activePanels());
        m_tailTimer.start();
    } else {
        m_tailTimer.stop();
        loadPanels(activePanels());
    }
}

void MetricsPage::loadPanels(std::vector<Panel> &panels) {
    if (!m_backendUsable) {
        return;
    }
    QObject *context = m_chartScope.renew();
    const QDateTime end = m_customEnd.isValid() ? m_customEnd : QDateTime::currentDateTimeUtc();
    const QDateTime start = m_customStart.isValid() ? m_customStart : end.addSecs(-m_rangeSeconds);
    for (Panel &panel : panels) {
        TimeSeriesChart *chart = panel.chart;
        const int maxPoints = maxPointsForWidth(chart->width());
        for (int role = 0; role < panel.queries.size(); ++role) {
            RangeQuery query{panel.queries[role], start, end,
                             stepForRange(start.msecsTo(end), maxPoints, 0), maxPoints};
            m_metrics.queryRange(
                query, context, [chart, role](const CallResult<RangeQueryResult> &result) {
                    if (!result.ok()) {
                        chart->setMessage(result.error().describe());
                        return;
                    }
                    chart->setRoleSeries(role, result.value().series, result.value().stepMs);
                    chart->setMessage(chart->series().isEmpty() ? tr("No data in this range")
                                                                : QString());
                });
        }
    }
}

void MetricsPage::watchPanels(std::vector<Panel> &panels) {
    const qint64 window = windowMs();
    for (Panel &panel : panels) {
        TimeSeriesChart *chart = panel.chart;
        const int maxPoints = maxPointsForWidth(chart->width());
        for (int role = 0; role < panel.queries.size(); ++role) {
            QueryWatchOptions options;
            options.query = panel.queries[role];
            options.windowMs = window;
            options.stepMs = stepForRange(window, maxPoints, 0);
            options.maxPoints = maxPoints;
            QueryWatchCallbacks callbacks;
            callbacks.onEvents = [chart, role, window](const QueryTail &tail) {
                if (tail.snapshot) {
                    chart->setRoleSeries(role, tail.series, tail.stepMs);
                } else {
                    const double windowStart =
                        double(QDateTime::currentMSecsSinceEpoch() - window) / 1000.0;
                    chart->appendRoleTail(role, tail.series, tail.stepMs, windowStart);
                }
                chart->setMessage(!tail.backendError.isEmpty()
                                      ? tr("Metrics backend: %1").arg(tail.backendError)
                                  : chart->series().isEmpty() ? tr("No data in this range")
                                                              : QString());
            };
            callbacks.onLive = [this, chart](bool live, const QString &reason) {
                m_skeleton->setWatchState(live, reason);
                if (!live && !reason.isEmpty() && chart->series().isEmpty()) {
                    chart->setMessage(reason);
                }
            };
            m_watches.push_back(m_metrics.watchQuery(options, this, std::move(callbacks)));
        }
    }
}

void MetricsPage::stopWatches() {
    m_watches.clear();
    m_tailTimer.stop();
    m_skeleton->setWatchState(false, {});
}

void MetricsPage::onUserRange(double lower, double upper) {
    m_customStart = QDateTime::fromMSecsSinceEpoch(qint64(lower * 1000));
    m_customEnd = QDateTime::fromMSecsSinceEpoch(qint64(upper * 1000));
    if (m_live) {
        m_live = false;
        const QSignalBlocker blocker(m_liveBox);
        m_liveBox->setChecked(false);
        stopWatches();
    }
    m_rangeBox->setCurrentIndex(m_rangeBox->findData(kCustom));
    for (Panel &panel : activePanels()) {
        if (panel.chart->timeLower() != lower || panel.chart->timeUpper() != upper) {
            panel.chart->setTimeRange(lower, upper);
        }
    }
    // Zoomed in, finer steps are worth fetching; once the wheel or drag pauses.
    if (m_tabs->currentIndex() != QueryTab) {
        m_userRangeTimer.start();
    }
}

void MetricsPage::runQuery() {
    const QString text = m_editor->toPlainText().trimmed();
    if (text.isEmpty() || !m_backendUsable) {
        return;
    }
    m_queryPanels.front().queries = {text};
    m_queryErrorLabel->setVisible(false);
    m_editor->markError(std::nullopt);
    showRange();
    const QDateTime end = m_customEnd.isValid() ? m_customEnd : QDateTime::currentDateTimeUtc();
    const QDateTime start = m_customStart.isValid() ? m_customStart : end.addSecs(-m_rangeSeconds);
    const int maxPoints = maxPointsForWidth(m_queryChart->width());
    RangeQuery query{text, start, end, stepForRange(start.msecsTo(end), maxPoints, 0), maxPoints};
    const QString submitted = m_editor->toPlainText();
    m_metrics.queryRange(
        query, m_chartScope.renew(), [this, submitted](const CallResult<RangeQueryResult> &result) {
            if (!result.ok()) {
                const CallError &error = result.error();
                m_queryErrorLabel->setText(error.describe());
                m_queryErrorLabel->setStyleSheet(
                    QStringLiteral("color: %1").arg(themeColors(palette()).errorText.name()));
                m_queryErrorLabel->setVisible(true);
                if (m_editor->toPlainText() == submitted) {
                    // The daemon got the text without its leading blanks.
                    int lead = 0;
                    while (lead < submitted.size() && submitted[lead].isSpace()) {
                        ++lead;
                    }
                    const auto offset = positionOffset(submitted.mid(lead), errorPosition(error));
                    m_editor->markError(offset ? std::optional<int>(*offset + lead) : std::nullopt);
                }
                return;
            }
            m_queryChart->setRoleSeries(0, result.value().series, result.value().stepMs);
            m_queryChart->setMessage(result.value().series.isEmpty() ? tr("No data in this range")
                                                                     : QString());
        });
}

void MetricsPage::loadCompletions() {
    if (m_completionsLoaded || !m_backendUsable) {
        return;
    }
    m_completionsLoaded = true;
    m_metrics.labelValues(QStringLiteral("__name__"), {}, 10000, this,
                          [this](const CallResult<LabelValueList> &result) {
                              if (result.ok()) {
                                  m_editor->setMetricNames(result.value().values);
                              } else {
                                  m_completionsLoaded = false;
                              }
                          });
    m_metrics.labelNames({}, this, [this](const CallResult<QStringList> &result) {
        if (result.ok()) {
            m_editor->setLabelNames(result.value());
        }
    });
}

void MetricsPage::loadMarkers() {
    m_rolloutWatch.reset();
    m_rolloutList.clear();
    m_stepMarkers.clear();
    if (m_service.isEmpty()) {
        applyMarkers();
        return;
    }
    QObject *context = m_markerScope.renew();
    const QString service = m_service;
    m_rollouts.listRollouts(
        service, false, {}, kRolloutPage, context,
        [this, context, service](const CallResult<RolloutPage> &result) {
            if (!result.ok()) {
                return;
            }
            m_rolloutList = result.value().rollouts;
            for (int i = 0; i < m_rolloutList.size() && i < kRolloutsWithSteps; ++i) {
                m_rollouts.listRolloutLog(m_rolloutList[i].id, 0, 500, context,
                                          [this](const CallResult<RolloutLogPage> &log) {
                                              if (!log.ok()) {
                                                  return;
                                              }
                                              for (RolloutLogLine line : log.value().lines) {
                                                  line.rolloutId = log.value().rolloutId;
                                                  if (const auto marker = rolloutLogMarker(line)) {
                                                      m_stepMarkers.append(*marker);
                                                  }
                                              }
                                              applyMarkers();
                                          });
            }
            applyMarkers();
            RolloutWatchCallbacks callbacks;
            callbacks.onEvents = [this](const QList<RolloutEvent> &events, qint64) {
                for (const RolloutEvent &event : events) {
                    if (event.rollout) {
                        auto found = std::find_if(
                            m_rolloutList.begin(), m_rolloutList.end(),
                            [&event](const Rollout &r) { return r.id == event.rollout->id; });
                        if (found == m_rolloutList.end()) {
                            m_rolloutList.prepend(*event.rollout);
                        } else {
                            *found = *event.rollout;
                        }
                    } else if (event.logLine) {
                        if (const auto marker = rolloutLogMarker(*event.logLine)) {
                            m_stepMarkers.append(*marker);
                        }
                    }
                }
                applyMarkers();
            };
            callbacks.onResync = [this](qint64) { loadMarkers(); };
            m_rolloutWatch = m_rollouts.watchRollouts(service, result.value().revision + 1, this,
                                                      std::move(callbacks));
        });
}

void MetricsPage::applyMarkers() {
    QList<ChartMarker> markers = m_stepMarkers;
    for (const Rollout &rollout : std::as_const(m_rolloutList)) {
        markers.append(rolloutMarkers(rollout));
    }
    std::sort(markers.begin(), markers.end(),
              [](const ChartMarker &a, const ChartMarker &b) { return a.time < b.time; });
    for (std::vector<Panel> *panels : {&m_servicePanels, &m_daemonPanels, &m_queryPanels}) {
        for (Panel &panel : *panels) {
            panel.chart->setMarkers(markers);
        }
    }
}

void MetricsPage::showEvent(QShowEvent *event) {
    QWidget::showEvent(event);
    if (m_backendUsable && m_watches.empty()) {
        refreshCharts();
    }
}

void MetricsPage::hideEvent(QHideEvent *event) {
    QWidget::hideEvent(event);
    // Nothing streams for a page nobody looks at.
    stopWatches();
}

} // namespace aegis::console
