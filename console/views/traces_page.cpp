#include "views/traces_page.h"

#include "models/display_format.h"
#include "models/promql_completion.h"
#include "models/trace_comparison_model.h"
#include "models/trace_results_model.h"
#include "models/trace_search_form.h"
#include "net/session.h"
#include "views/service_graph_view.h"
#include "views/tag_query_editor.h"
#include "views/theme.h"
#include "views/time_series_chart.h"
#include "views/trace_delegates.h"
#include "views/trace_view.h"
#include "views/view_helpers.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QDateTimeEdit>
#include <QDir>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPointer>
#include <QPushButton>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSpinBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTableView>
#include <QThreadPool>
#include <QVBoxLayout>

#include <grpcpp/support/status_code_enum.h>

namespace aegis::console {
namespace {

constexpr int kCustomWindow = -1;
constexpr int kDefaultLimit = 20;

QLabel *emptyState(const QString &text = {}) {
    auto *label = new QLabel(text);
    label->setObjectName(QStringLiteral("CardDetail"));
    label->setAlignment(Qt::AlignCenter);
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setMargin(24);
    return label;
}

QString summaryLine(const TraceSummary &trace) {
    return QCoreApplication::translate("TracesPage", "<b>%1: %2</b> · %3 · %n span(s)", nullptr,
                                       trace.spanCount)
               .arg(trace.rootService.toHtmlEscaped(), trace.rootOperation.toHtmlEscaped(),
                    formatDurationNanos(trace.durationNanos)) +
           (trace.errorCount > 0 ? QCoreApplication::translate("TracesPage", " · %n error(s)",
                                                               nullptr, trace.errorCount)
                                 : QString());
}

bool isTraceId(const QString &text) {
    static const QRegularExpression hex(QStringLiteral("^[0-9a-fA-F]{32}$"));
    return hex.match(text).hasMatch();
}

} // namespace

TracesPage::TracesPage(Session *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_traces(session)
    , m_skeleton(new PageSkeleton(session, tr("Traces"),
                                  tr("Requests across services, from the spans they report "
                                     "over OpenTelemetry")))
    , m_tabs(new QTabWidget)
    , m_results(new TraceResultsModel(this))
    , m_comparison(new TraceComparisonModel(this)) {
    m_tabStatus.resize(4);
    m_export = new QPushButton(tr("Export OTLP JSON…"));
    m_export->setToolTip(tr("Save the open trace as OTLP JSON, which any OpenTelemetry tool "
                            "reads"));
    m_export->setEnabled(false);
    m_skeleton->addHeaderWidget(m_export);
    m_tabs->addTab(buildSearchTab(), tr("Search"));
    m_tabs->addTab(buildTraceTab(), tr("Trace"));
    m_tabs->addTab(buildGraphTab(), tr("Service graph"));
    m_tabs->addTab(buildCompareTab(), tr("Compare"));
    m_tabs->setDocumentMode(true);
    m_skeleton->setBody(m_tabs);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_skeleton);

    connect(m_export, &QPushButton::clicked, this, &TracesPage::exportOpenTrace);
    connect(m_tabs, &QTabWidget::currentChanged, this, [this](int tab) {
        if (tab == GraphTab && !m_graphLoaded && m_session->isConnected()) {
            loadGraph();
        }
        updateStatus();
    });
    connect(m_session, &Session::connectionChanged, this, [this] {
        m_loaded = false;
        m_searched = false;
        m_graphLoaded = false;
        m_status.reset();
        m_traceView->clear();
        m_results->clear();
        m_comparison->clear();
        m_export->setEnabled(false);
        m_traceStack->setCurrentIndex(0);
        for (PageStatus &status : m_tabStatus) {
            status = {};
        }
        if (isVisible()) {
            reload();
        }
    });
    connect(m_session, &Session::stateChanged, this, [this](ConnectionState state) {
        if (state == ConnectionState::Connected && !m_loaded && isVisible()) {
            reload();
        }
    });
    updateStatus();
}

TracesPage::~TracesPage() = default;

QWidget *TracesPage::buildSearchTab() {
    m_service = new QComboBox;
    m_service->addItem(tr("All services"), QString());
    m_service->setMinimumContentsLength(14);
    m_service->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_operation = new QComboBox;
    m_operation->addItem(tr("All operations"), QString());
    m_operation->setEnabled(false);
    m_operation->setToolTip(tr("Choose a service first"));
    m_operation->setMinimumContentsLength(14);
    m_operation->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_window = new QComboBox;
    for (const TraceTimeWindow &window : traceTimeWindows()) {
        m_window->addItem(window.label, window.durationMs);
    }
    m_window->addItem(tr("Custom…"), kCustomWindow);
    m_window->setCurrentIndex(m_window->findData(kDefaultTraceWindowMs));
    m_customStart = new QDateTimeEdit;
    m_customEnd = new QDateTimeEdit;
    for (QDateTimeEdit *edit : {m_customStart, m_customEnd}) {
        edit->setCalendarPopup(true);
        edit->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        edit->setVisible(false);
    }
    m_minDuration = new QLineEdit;
    m_minDuration->setPlaceholderText(tr("e.g. 250ms"));
    m_maxDuration = new QLineEdit;
    m_maxDuration->setPlaceholderText(tr("e.g. 2s"));
    for (QLineEdit *edit : {m_minDuration, m_maxDuration}) {
        edit->setToolTip(tr("A duration: 800us, 250ms, 1.5s, 2m; a bare number is milliseconds"));
        connect(edit, &QLineEdit::textChanged, this, [edit] {
            edit->setProperty("invalid", !parseDurationNanos(edit->text()).has_value());
            edit->style()->unpolish(edit);
            edit->style()->polish(edit);
        });
        connect(edit, &QLineEdit::returnPressed, this, &TracesPage::search);
    }
    m_tagQuery = new TagQueryEditor;
    m_tagQueryError = new QLabel;
    m_tagQueryError->setObjectName(QStringLiteral("InlineError"));
    m_tagQueryError->setWordWrap(true);
    m_tagQueryError->setVisible(false);
    m_limit = new QSpinBox;
    m_limit->setRange(1, 1000);
    m_limit->setValue(kDefaultLimit);
    m_searchButton = new QPushButton(tr("Find traces"));
    m_searchButton->setDefault(true);

    auto *durations = new QHBoxLayout;
    durations->setContentsMargins(0, 0, 0, 0);
    durations->addWidget(m_minDuration);
    durations->addWidget(new QLabel(tr("to")));
    durations->addWidget(m_maxDuration);
    auto *form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->setRowWrapPolicy(QFormLayout::WrapLongRows);
    form->addRow(tr("Service"), m_service);
    form->addRow(tr("Operation"), m_operation);
    form->addRow(tr("When"), m_window);
    form->addRow(tr("From"), m_customStart);
    form->addRow(tr("Until"), m_customEnd);
    form->labelForField(m_customStart)->setVisible(false);
    form->labelForField(m_customEnd)->setVisible(false);
    form->addRow(tr("Duration"), durations);
    form->addRow(tr("Limit"), m_limit);
    auto *formPanel = new QWidget;
    auto *formLayout = new QVBoxLayout(formPanel);
    formLayout->setContentsMargins(12, 12, 8, 12);
    formLayout->addLayout(form);
    formLayout->addWidget(new QLabel(tr("Tags")));
    formLayout->addWidget(m_tagQuery);
    formLayout->addWidget(m_tagQueryError);
    formLayout->addWidget(m_searchButton);
    auto *syntax = new QLabel(
        tr("<b>Tags</b> match a span's attributes or its resource's:<br>"
           "<code>http.response.status_code &gt;= 500</code><br>"
           "<code>region = \"eu-*\" AND NOT retry = true</code><br>"
           "<code>(error OR kind = client) AND peer.service</code><br>"
           "Fields: <code>error</code>, <code>service</code>, <code>operation</code>, "
           "<code>version</code>, <code>colour</code>, <code>kind</code>. A bare key means "
           "present; <code>*</code> matches any text. Ctrl+Space completes."));
    syntax->setObjectName(QStringLiteral("CardDetail"));
    syntax->setWordWrap(true);
    syntax->setTextFormat(Qt::RichText);
    formLayout->addSpacing(8);
    formLayout->addWidget(syntax);
    formLayout->addStretch(1);
    formPanel->setMinimumWidth(280);
    formPanel->setMaximumWidth(380);

    m_scatter = new TimeSeriesChart(tr("Duration of traces over time"), MetricUnit::Seconds);
    m_scatter->setPointMode(true);
    m_scatter->setSeriesTone(traceScatterKey(false), TimeSeriesChart::SeriesTone::Accent);
    m_scatter->setSeriesTone(traceScatterKey(true), TimeSeriesChart::SeriesTone::Danger);
    m_scatter->setMinimumHeight(200);
    m_scatter->setPointText([this](const QString &key, int index) {
        const int s = int(std::find_if(m_scatter->series().cbegin(), m_scatter->series().cend(),
                                       [&key](const ChartSeries &one) { return one.key == key; }) -
                          m_scatter->series().cbegin());
        const TraceScatter scatter = traceScatter(m_results->traces());
        if (s >= scatter.traceIds.size() || index >= scatter.traceIds[s].size()) {
            return QString();
        }
        const int row = m_results->rowOf(scatter.traceIds[s][index]);
        return row < 0 ? QString()
                       : summaryLine(m_results->trace(row)) + QStringLiteral("<br>") +
                             absoluteTime(m_results->trace(row).startTime).toHtmlEscaped() +
                             QStringLiteral("<br>") + tr("Click to open");
    });

    m_resultsView = new QTableView;
    m_resultsView->setModel(m_results);
    styleTable(m_resultsView);
    m_resultsView->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_resultsView->setItemDelegate(new TraceResultsDelegate(m_resultsView));
    m_resultsView->setSortingEnabled(true);
    m_resultsView->sortByColumn(TraceResultsModel::StartColumn, Qt::DescendingOrder);
    QHeaderView *header = m_resultsView->horizontalHeader();
    header->setSectionResizeMode(QHeaderView::Interactive);
    header->setSectionResizeMode(TraceResultsModel::RootColumn, QHeaderView::Stretch);
    header->resizeSection(TraceResultsModel::StartColumn, 120);
    header->resizeSection(TraceResultsModel::DurationColumn, 150);
    header->resizeSection(TraceResultsModel::SpansColumn, 60);
    header->resizeSection(TraceResultsModel::ErrorsColumn, 60);
    header->resizeSection(TraceResultsModel::ServicesColumn, 240);
    m_resultsEmpty = emptyState();
    m_resultsStack = new QStackedWidget;
    m_resultsStack->addWidget(m_resultsEmpty);
    m_resultsStack->addWidget(m_resultsView);

    m_compareSelected = new QPushButton(tr("Compare selected"));
    m_compareSelected->setToolTip(tr("Select two traces (Ctrl+click) to compare their spans"));
    m_compareSelected->setEnabled(false);
    auto *openSelected = new QPushButton(tr("Open"));
    openSelected->setToolTip(tr("Open the selected trace (Enter, or double-click)"));
    auto *resultsBar = new QHBoxLayout;
    resultsBar->setContentsMargins(0, 0, 0, 0);
    resultsBar->addStretch(1);
    resultsBar->addWidget(openSelected);
    resultsBar->addWidget(m_compareSelected);
    auto *resultsPanel = new QWidget;
    auto *resultsLayout = new QVBoxLayout(resultsPanel);
    resultsLayout->setContentsMargins(0, 0, 0, 0);
    resultsLayout->addWidget(m_resultsStack, 1);
    resultsLayout->addLayout(resultsBar);

    auto *right = new QSplitter(Qt::Vertical);
    right->addWidget(m_scatter);
    right->addWidget(resultsPanel);
    right->setStretchFactor(0, 2);
    right->setStretchFactor(1, 3);
    right->setChildrenCollapsible(false);
    auto *splitter = new QSplitter(Qt::Horizontal);
    splitter->addWidget(formPanel);
    splitter->addWidget(right);
    splitter->setStretchFactor(1, 1);
    splitter->setChildrenCollapsible(false);

    connect(m_searchButton, &QPushButton::clicked, this, &TracesPage::search);
    connect(m_tagQuery, &TagQueryEditor::runRequested, this, &TracesPage::search);
    connect(m_tagQuery, &TagQueryEditor::valuesWanted, this, &TracesPage::loadValues);
    connect(m_tagQuery, &TagQueryEditor::errorChanged, this, [this](const QString &message) {
        m_tagQueryError->setText(message);
        m_tagQueryError->setVisible(!message.isEmpty());
    });
    connect(m_service, &QComboBox::currentIndexChanged, this, [this] {
        loadOperations();
        loadAttributeKeys();
        m_tagQuery->clearValues();
    });
    connect(m_window, &QComboBox::currentIndexChanged, this, &TracesPage::updateTimeFields);
    connect(m_resultsView, &QAbstractItemView::activated, this, [this](const QModelIndex &index) {
        openTrace(index.data(TraceResultsModel::TraceIdRole).toString());
    });
    connect(openSelected, &QPushButton::clicked, this, [this] {
        const QModelIndex current = m_resultsView->currentIndex();
        if (current.isValid()) {
            openTrace(current.data(TraceResultsModel::TraceIdRole).toString());
        }
    });
    connect(m_resultsView->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        updateCompareSelected();
        syncSelectionToScatter();
    });
    connect(m_compareSelected, &QPushButton::clicked, this, [this] {
        const QModelIndexList rows = m_resultsView->selectionModel()->selectedRows();
        if (rows.size() == 2) {
            // The earlier trace on the left: the comparison reads "what changed since".
            QString left = rows[0].data(TraceResultsModel::TraceIdRole).toString();
            QString right = rows[1].data(TraceResultsModel::TraceIdRole).toString();
            if (m_results->trace(rows[0].row()).startTime >
                m_results->trace(rows[1].row()).startTime) {
                std::swap(left, right);
            }
            compareTraces(left, right);
        }
    });
    connect(m_scatter, &TimeSeriesChart::pointActivated, this,
            [this](const QString &key, int index) {
                const TraceScatter scatter = traceScatter(m_results->traces());
                for (qsizetype s = 0; s < scatter.series.size(); ++s) {
                    if (scatter.series[s].key == key && index < scatter.traceIds[s].size()) {
                        openTrace(scatter.traceIds[s][index]);
                    }
                }
            });
    connect(m_scatter, &TimeSeriesChart::currentPointChanged, this,
            [this](const QString &key, int index) {
                const TraceScatter scatter = traceScatter(m_results->traces());
                for (qsizetype s = 0; s < scatter.series.size(); ++s) {
                    if (scatter.series[s].key == key && index < scatter.traceIds[s].size()) {
                        const int row = m_results->rowOf(scatter.traceIds[s][index]);
                        const QSignalBlocker blocker(m_resultsView->selectionModel());
                        m_resultsView->selectRow(row);
                        m_resultsView->scrollTo(m_results->index(row, 0));
                        updateCompareSelected();
                    }
                }
            });
    return splitter;
}

QWidget *TracesPage::buildTraceTab() {
    m_traceIdField = new QLineEdit;
    m_traceIdField->setPlaceholderText(tr("Trace id (32 hex digits)"));
    m_traceIdField->setClearButtonEnabled(true);
    auto *open = new QPushButton(tr("Open"));
    auto openTyped = [this] {
        const QString id = m_traceIdField->text().trimmed();
        if (!isTraceId(id)) {
            m_skeleton->showError(tr("A trace id is 32 hex digits, as in a traceparent header "
                                     "or a log line's trace_id"));
            return;
        }
        openTrace(id.toLower());
    };
    connect(open, &QPushButton::clicked, this, openTyped);
    connect(m_traceIdField, &QLineEdit::returnPressed, this, openTyped);

    auto *none = new QWidget;
    auto *noneLayout = new QVBoxLayout(none);
    noneLayout->addStretch(1);
    noneLayout->addWidget(emptyState(tr("No trace open. Open one from the search results "
                                        "(double-click, or Enter), click a point of the scatter, "
                                        "or paste a trace id:")));
    auto *idRow = new QHBoxLayout;
    idRow->addStretch(1);
    idRow->addWidget(m_traceIdField, 2);
    idRow->addWidget(open);
    idRow->addStretch(1);
    noneLayout->addLayout(idRow);
    noneLayout->addStretch(2);

    m_traceView = new TraceView(m_session);
    connect(m_traceView, &TraceView::traceShown, this, [this](const QString &traceId) {
        m_export->setEnabled(true);
        setTabStatus(TraceTab, tr("Trace %1").arg(traceId));
        emit traceOpened(traceId);
    });
    connect(m_traceView, &TraceView::searchServiceRequested, this,
            [this](const QString &service, const QString &operation) {
                std::optional<TraceSearch> search = formSearch();
                if (!search) {
                    search = traceJumpSearch(service, {}, {}, {}, {});
                }
                search->service = service;
                search->operation = operation;
                search->tagQuery.clear();
                openSearch(*search);
            });
    connect(m_traceView, &TraceView::compareRequested, this, [this](const QString &traceId) {
        m_leftId->setText(traceId);
        m_rightId->clear();
        showTab(CompareTab);
        m_rightId->setFocus();
        setTabStatus(CompareTab, tr("Paste the other trace's id, or select two traces in the "
                                    "search results"));
    });

    m_traceStack = new QStackedWidget;
    m_traceStack->addWidget(none);
    m_traceStack->addWidget(m_traceView);
    return m_traceStack;
}

QWidget *TracesPage::buildGraphTab() {
    m_graph = new ServiceGraphView;
    m_graphWindow = new QComboBox;
    for (const TraceTimeWindow &window : traceTimeWindows()) {
        if (window.durationMs <= 24 * 3600 * 1000) {
            m_graphWindow->addItem(window.label, window.durationMs);
        }
    }
    m_graphWindow->setCurrentIndex(m_graphWindow->findData(qint64(15 * 60 * 1000)));
    m_byRelease = new QCheckBox(tr("By release"));
    m_byRelease->setToolTip(tr("One box per version and colour of each service, so a canary's "
                               "calls and errors stand apart from the stable release's"));
    auto *refresh = new QPushButton(tr("Refresh"));
    auto *legend = new QLabel(tr("Boxes and arrows: green below 1 % errors, amber to 5 %, red "
                                 "above; grey: no requests of its own. Click a service to find "
                                 "its traces."));
    legend->setObjectName(QStringLiteral("CardDetail"));
    legend->setWordWrap(true);
    auto *bar = new QHBoxLayout;
    bar->setContentsMargins(8, 8, 8, 0);
    bar->addWidget(new QLabel(tr("Window")));
    bar->addWidget(m_graphWindow);
    bar->addWidget(m_byRelease);
    bar->addWidget(refresh);
    bar->addWidget(legend, 1);
    auto *panel = new QWidget;
    auto *layout = new QVBoxLayout(panel);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(m_graph, 1);

    connect(m_graphWindow, &QComboBox::currentIndexChanged, this, &TracesPage::loadGraph);
    connect(m_byRelease, &QCheckBox::toggled, this, &TracesPage::loadGraph);
    connect(refresh, &QPushButton::clicked, this, &TracesPage::loadGraph);
    connect(m_graph, &ServiceGraphView::nodeActivated, this, [this](int index) {
        const ServiceGraphNode node = m_graph->graph().nodes.value(index);
        const QDateTime end =
            m_graph->graph().end.isValid() ? m_graph->graph().end : QDateTime::currentDateTimeUtc();
        const QDateTime start = m_graph->graph().start.isValid()
                                    ? m_graph->graph().start
                                    : end.addMSecs(-m_graphWindow->currentData().toLongLong());
        openSearch(traceJumpSearch(node.service, node.colour, node.version, start, end));
    });
    return panel;
}

QWidget *TracesPage::buildCompareTab() {
    m_leftId = new QLineEdit;
    m_rightId = new QLineEdit;
    m_leftId->setPlaceholderText(tr("Left trace id"));
    m_rightId->setPlaceholderText(tr("Right trace id"));
    auto *compare = new QPushButton(tr("Compare"));
    auto run = [this] {
        compareTraces(m_leftId->text().trimmed().toLower(), m_rightId->text().trimmed().toLower());
    };
    connect(compare, &QPushButton::clicked, this, run);
    connect(m_leftId, &QLineEdit::returnPressed, this, run);
    connect(m_rightId, &QLineEdit::returnPressed, this, run);
    m_leftSummary = new QLabel;
    m_rightSummary = new QLabel;
    for (QLabel *label : {m_leftSummary, m_rightSummary}) {
        label->setWordWrap(true);
        label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    }
    auto *ids = new QGridLayout;
    ids->setContentsMargins(8, 8, 8, 0);
    ids->addWidget(m_leftId, 0, 0);
    ids->addWidget(m_rightId, 0, 1);
    ids->addWidget(compare, 0, 2);
    ids->addWidget(m_leftSummary, 1, 0);
    ids->addWidget(m_rightSummary, 1, 1);
    ids->setColumnStretch(0, 1);
    ids->setColumnStretch(1, 1);

    m_comparisonView = new QTableView;
    m_comparisonView->setModel(m_comparison);
    styleTable(m_comparisonView, 26);
    m_comparisonView->setItemDelegate(new TraceComparisonDelegate(m_comparisonView));
    QHeaderView *header = m_comparisonView->horizontalHeader();
    header->setSectionResizeMode(QHeaderView::ResizeToContents);
    header->setSectionResizeMode(TraceComparisonModel::PathColumn, QHeaderView::Stretch);
    auto *legend = new QLabel(tr("Tinted: only in the left trace (red) or the right (green), "
                                 "called a different number of times (amber), notably slower "
                                 "(red) or faster (green) on the right."));
    legend->setObjectName(QStringLiteral("CardDetail"));
    legend->setWordWrap(true);
    m_compareStack = new QStackedWidget;
    m_compareStack->addWidget(
        emptyState(tr("Select two traces in the search results and press Compare selected, or "
                      "paste two trace ids above.")));
    auto *table = new QWidget;
    auto *tableLayout = new QVBoxLayout(table);
    tableLayout->setContentsMargins(0, 0, 0, 0);
    tableLayout->addWidget(m_comparisonView, 1);
    tableLayout->addWidget(legend);
    m_compareStack->addWidget(table);
    auto *panel = new QWidget;
    auto *layout = new QVBoxLayout(panel);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(ids);
    layout->addWidget(m_compareStack, 1);
    return panel;
}

int TracesPage::currentTab() const {
    return m_tabs->currentIndex();
}

void TracesPage::showTab(Tab tab) {
    m_tabs->setCurrentIndex(tab);
}

void TracesPage::showEvent(QShowEvent *event) {
    QWidget::showEvent(event);
    if (!m_loaded && m_session->isConnected()) {
        reload();
    }
}

void TracesPage::reload() {
    if (m_service->currentIndex() > 0) {
        loadOperations();
    }
    search();
    if (m_tabs->currentIndex() == GraphTab) {
        loadGraph();
    }
}

void TracesPage::loadStatus() {
    // The status only completes what the page says (counts, where to send spans); a failure
    // to get it shows in the search's own result.
    m_traces.status(m_statusScope.renew(), [this](const CallResult<TracingStatus> &result) {
        if (result.ok()) {
            setTracingStatus(result.value());
        }
    });
}

void TracesPage::setTracingStatus(const TracingStatus &status) {
    m_status = status;
    if (m_results->rowCount() == 0) {
        m_resultsEmpty->setText(emptyResultsMessage());
        m_scatter->setMessage(m_searched ? chartMessage() : QString());
    }
    updateStatus();
}

QString TracesPage::emptyResultsMessage() const {
    if (m_status && !m_status->storeEnabled) {
        return tr("This daemon does not keep traces (tracing.store is false); it forwards "
                  "them to another collector.");
    }
    if (m_status && m_status->tracesStored == 0) {
        const QString address = m_status->otlpGrpcAddress.isEmpty()
                                    ? tr("the daemon's OTLP address")
                                    : m_status->otlpGrpcAddress;
        return tr("No traces yet: point an OpenTelemetry exporter at %1 (OTLP/gRPC), or POST "
                  "OTLP/HTTP to %2 on the daemon's HTTP endpoint.")
            .arg(address, m_status->otlpHttpPath.isEmpty() ? QStringLiteral("/v1/traces")
                                                           : m_status->otlpHttpPath);
    }
    return tr("No traces match. Widen the time window, lower the minimum duration or loosen "
              "the tag query.");
}

QString TracesPage::chartMessage() const {
    // One short line: the plot does not wrap; the list below says the rest.
    return m_status && m_status->tracesStored == 0 ? tr("No traces yet") : tr("No traces match");
}

void TracesPage::loadServices() {
    m_traces.listServices({}, {}, m_servicesScope.renew(),
                          [this](const CallResult<QList<TraceServiceInfo>> &result) {
                              if (result.ok()) {
                                  setServices(result.value());
                              }
                          });
}

void TracesPage::setServices(const QList<TraceServiceInfo> &services) {
    m_serviceInfo = services;
    const QString current = m_service->currentData().toString();
    {
        const QSignalBlocker blocker(m_service);
        m_service->clear();
        m_service->addItem(tr("All services"), QString());
        for (const TraceServiceInfo &service : services) {
            m_service->addItem(service.name, service.name);
        }
        int index = m_service->findData(current);
        if (index < 0 && !current.isEmpty()) {
            // A service asked for (a jump) that reported nothing lately stays choosable.
            m_service->addItem(current, current);
            index = m_service->count() - 1;
        }
        m_service->setCurrentIndex(std::max(0, index));
    }
    m_tagQuery->clearValues();
}

void TracesPage::loadOperations() {
    const QString service = m_service->currentData().toString();
    m_operation->setEnabled(!service.isEmpty());
    m_operation->setToolTip(service.isEmpty() ? tr("Choose a service first") : QString());
    const QString current = m_operation->currentData().toString();
    {
        const QSignalBlocker blocker(m_operation);
        m_operation->clear();
        m_operation->addItem(tr("All operations"), QString());
        if (!current.isEmpty() && !service.isEmpty()) {
            m_operation->addItem(current, current);
            m_operation->setCurrentIndex(1);
        }
    }
    m_operationInfo.clear();
    if (service.isEmpty()) {
        m_operationsScope.drop();
        return;
    }
    m_traces.listOperations(service, {}, {}, m_operationsScope.renew(),
                            [this, current](const CallResult<QList<TraceOperationInfo>> &result) {
                                if (!result.ok()) {
                                    return;
                                }
                                m_operationInfo = result.value();
                                const QSignalBlocker blocker(m_operation);
                                m_operation->clear();
                                m_operation->addItem(tr("All operations"), QString());
                                for (const TraceOperationInfo &operation : m_operationInfo) {
                                    m_operation->addItem(operation.name, operation.name);
                                }
                                int index = m_operation->findData(current);
                                if (index < 0 && !current.isEmpty()) {
                                    m_operation->addItem(current, current);
                                    index = m_operation->count() - 1;
                                }
                                m_operation->setCurrentIndex(std::max(0, index));
                            });
}

void TracesPage::loadAttributeKeys() {
    m_traces.listAttributeKeys(m_service->currentData().toString(), {}, 0, m_keysScope.renew(),
                               [this](const CallResult<QList<TraceAttributeKey>> &result) {
                                   if (!result.ok()) {
                                       return;
                                   }
                                   QStringList keys;
                                   for (const TraceAttributeKey &key : result.value()) {
                                       keys.append(key.key);
                                   }
                                   m_tagQuery->setKeys(keys);
                               });
}

void TracesPage::loadValues(const QString &key) {
    // The fields every span has are answered from what the page knows.
    QStringList values;
    if (key == QLatin1String("service")) {
        for (const TraceServiceInfo &service : std::as_const(m_serviceInfo)) {
            values.append(service.name);
        }
    } else if (key == QLatin1String("version") || key == QLatin1String("colour")) {
        for (const TraceServiceInfo &service : std::as_const(m_serviceInfo)) {
            for (const QString &value :
                 key == QLatin1String("version") ? service.versions : service.colours) {
                if (!value.isEmpty() && !values.contains(value)) {
                    values.append(value);
                }
            }
        }
    } else if (key == QLatin1String("operation")) {
        for (const TraceOperationInfo &operation : std::as_const(m_operationInfo)) {
            values.append(operation.name);
        }
    } else if (key == QLatin1String("kind")) {
        values = {QStringLiteral("server"), QStringLiteral("client"), QStringLiteral("internal"),
                  QStringLiteral("producer"), QStringLiteral("consumer")};
    } else if (key == QLatin1String("error")) {
        values = {QStringLiteral("true"), QStringLiteral("false")};
    } else {
        m_traces.listAttributeValues(key, m_service->currentData().toString(), {}, 0,
                                     m_valuesScope.current(),
                                     [this, key](const CallResult<QStringList> &result) {
                                         if (result.ok()) {
                                             m_tagQuery->setValues(key, result.value());
                                             if (m_tagQuery->hasFocus()) {
                                                 m_tagQuery->complete();
                                             }
                                         }
                                     });
        return;
    }
    values.sort();
    m_tagQuery->setValues(key, values);
}

void TracesPage::updateTimeFields() {
    const bool custom = m_window->currentData().toLongLong() == kCustomWindow;
    if (custom && !m_customStart->isVisible()) {
        const QDateTime now = QDateTime::currentDateTime();
        if (m_customEnd->dateTime() < QDateTime(QDate(2000, 1, 1), QTime())) {
            m_customEnd->setDateTime(now);
            m_customStart->setDateTime(now.addMSecs(-kDefaultTraceWindowMs));
        }
    }
    auto *form =
        qobject_cast<QFormLayout *>(m_customStart->parentWidget()->layout()->itemAt(0)->layout());
    for (QDateTimeEdit *edit : {m_customStart, m_customEnd}) {
        edit->setVisible(custom);
        if (form && form->labelForField(edit)) {
            form->labelForField(edit)->setVisible(custom);
        }
    }
}

std::optional<TraceSearch> TracesPage::formSearch(QString *error) const {
    TraceSearch search;
    search.service = m_service->currentData().toString();
    search.operation = search.service.isEmpty() ? QString() : m_operation->currentData().toString();
    const qint64 window = m_window->currentData().toLongLong();
    if (window == kCustomWindow) {
        search.start = m_customStart->dateTime().toUTC();
        search.end = m_customEnd->dateTime().toUTC();
        if (search.start >= search.end) {
            if (error) {
                *error = tr("The window's start must be before its end");
            }
            return std::nullopt;
        }
    } else {
        search.end = QDateTime::currentDateTimeUtc();
        search.start = search.end.addMSecs(-window);
    }
    const auto minimum = parseDurationNanos(m_minDuration->text());
    const auto maximum = parseDurationNanos(m_maxDuration->text());
    if (!minimum || !maximum) {
        if (error) {
            *error = tr("A duration is a number with a unit: 800us, 250ms, 1.5s, 2m");
        }
        return std::nullopt;
    }
    if (*minimum >= 0 && *maximum >= 0 && *minimum > *maximum) {
        if (error) {
            *error = tr("The minimum duration is above the maximum");
        }
        return std::nullopt;
    }
    search.minDurationNanos = *minimum;
    search.maxDurationNanos = *maximum;
    search.tagQuery = m_tagQuery->query().trimmed();
    const TagQueryCheck check = checkTagQuery(search.tagQuery);
    if (!check.ok) {
        if (error) {
            *error = tr("The tag query does not parse: %1").arg(check.message);
        }
        return std::nullopt;
    }
    search.limit = m_limit->value();
    return search;
}

void TracesPage::openSearch(const TraceSearch &search) {
    {
        const QSignalBlocker serviceBlocker(m_service);
        int index = m_service->findData(search.service);
        if (index < 0 && !search.service.isEmpty()) {
            m_service->addItem(search.service, search.service);
            index = m_service->count() - 1;
        }
        m_service->setCurrentIndex(std::max(0, index));
        const QSignalBlocker operationBlocker(m_operation);
        m_operation->clear();
        m_operation->addItem(tr("All operations"), QString());
        if (!search.operation.isEmpty()) {
            m_operation->addItem(search.operation, search.operation);
            m_operation->setCurrentIndex(1);
        }
    }
    loadOperations();
    loadAttributeKeys();
    m_tagQuery->clearValues();
    if (search.start.isValid() || search.end.isValid()) {
        const QDateTime end = search.end.isValid() ? search.end : QDateTime::currentDateTimeUtc();
        const QDateTime start =
            search.start.isValid() ? search.start : end.addMSecs(-kDefaultTraceWindowMs);
        m_window->setCurrentIndex(m_window->findData(kCustomWindow));
        m_customStart->setDateTime(start.toLocalTime());
        m_customEnd->setDateTime(end.toLocalTime());
        updateTimeFields();
    }
    m_minDuration->setText(search.minDurationNanos >= 0
                               ? QString::number(double(search.minDurationNanos) / 1e6) + "ms"
                               : QString());
    m_maxDuration->setText(search.maxDurationNanos >= 0
                               ? QString::number(double(search.maxDurationNanos) / 1e6) + "ms"
                               : QString());
    m_tagQuery->setQuery(search.tagQuery);
    if (search.limit > 0) {
        m_limit->setValue(search.limit);
    }
    showTab(SearchTab);
    this->search();
}

void TracesPage::search() {
    // Services and attribute keys come and go with the spans: the pickers and the store's
    // counts follow each search.
    loadStatus();
    loadServices();
    loadAttributeKeys();
    QString error;
    const std::optional<TraceSearch> search = formSearch(&error);
    if (!search) {
        setTabStatus(SearchTab, {}, error);
        return;
    }
    m_skeleton->showError({});
    m_lastSearch = search;
    m_searched = true;
    setTabStatus(SearchTab, {}, {}, true);
    m_traces.search(*search, m_searchScope.renew(),
                    [this, search = *search](const CallResult<TraceSearchResult> &result) {
                        onSearchResult(search, result);
                    });
}

void TracesPage::onSearchResult(const TraceSearch &search,
                                const CallResult<TraceSearchResult> &result) {
    if (!result.ok()) {
        const CallError &error = result.error();
        if (error.code == grpc::StatusCode::INVALID_ARGUMENT &&
            error.message.startsWith(QLatin1String("tag_query: "))) {
            // "tag_query: 1:14: ..." marks where the daemon stopped.
            const QString position = error.message.mid(11).section(QLatin1Char(':'), 0, 1);
            m_tagQuery->markError(positionOffset(m_tagQuery->query(), position));
        }
        if (error.code == grpc::StatusCode::FAILED_PRECONDITION) {
            TracingStatus off = m_status.value_or(TracingStatus());
            off.storeEnabled = false;
            m_status = off;
        }
        m_results->clear();
        m_resultsEmpty->setText(error.code == grpc::StatusCode::FAILED_PRECONDITION
                                    ? emptyResultsMessage()
                                    : describeFailure(error));
        m_resultsStack->setCurrentWidget(m_resultsEmpty);
        m_scatter->setSeries({});
        m_scatter->setMessage(tr("No traces"));
        setTabStatus(SearchTab, {}, describeFailure(error));
        if (!m_loaded) {
            m_loaded = true;
            emit dataLoaded();
        }
        return;
    }
    setSearchResult(search, result.value());
    if (!m_loaded) {
        m_loaded = true;
        emit dataLoaded();
    }
}

void TracesPage::setSearchResult(const TraceSearch &search, const TraceSearchResult &result) {
    m_searched = true;
    m_lastSearch = search;
    m_results->setTraces(result.traces, result.truncated);
    m_resultsView->sortByColumn(m_resultsView->horizontalHeader()->sortIndicatorSection(),
                                m_resultsView->horizontalHeader()->sortIndicatorOrder());
    m_resultsEmpty->setText(emptyResultsMessage());
    m_resultsStack->setCurrentWidget(
        result.traces.isEmpty() ? static_cast<QWidget *>(m_resultsEmpty) : m_resultsView);
    updateScatter(search);
    updateCompareSelected();
    int errors = 0;
    for (const TraceSummary &trace : result.traces) {
        errors += trace.errorCount > 0 ? 1 : 0;
    }
    QString summary = result.traces.isEmpty()
                          ? (m_status && m_status->tracesStored == 0 ? tr("No traces yet")
                                                                     : tr("No traces match"))
                          : tr("%n trace(s)", nullptr, int(result.traces.size())) +
                                (errors > 0 ? tr(", %n with errors", nullptr, errors) : QString());
    if (result.truncated) {
        summary += tr(" — more matched: raise the limit or narrow the search");
    }
    setTabStatus(SearchTab, summary);
}

void TracesPage::updateScatter(const TraceSearch &search) {
    const TraceScatter scatter = traceScatter(m_results->traces());
    m_scatter->setSeries(scatter.series);
    const QDateTime end = search.end.isValid() ? search.end : QDateTime::currentDateTimeUtc();
    const QDateTime start =
        search.start.isValid() ? search.start : end.addMSecs(-kDefaultTraceWindowMs);
    m_scatter->setTimeRange(double(start.toMSecsSinceEpoch()) / 1000.0,
                            double(end.toMSecsSinceEpoch()) / 1000.0);
    m_scatter->setMessage(m_results->rowCount() == 0 ? chartMessage() : QString());
}

void TracesPage::syncSelectionToScatter() {
    const QModelIndex current = m_resultsView->selectionModel()->currentIndex();
    if (!current.isValid() || !m_resultsView->selectionModel()->isRowSelected(current.row())) {
        m_scatter->setCurrentPoint({}, -1);
        return;
    }
    const TraceScatter scatter = traceScatter(m_results->traces());
    const auto [series, point] =
        scatter.find(current.data(TraceResultsModel::TraceIdRole).toString());
    m_scatter->setCurrentPoint(series < 0 ? QString() : scatter.series[series].key, point);
}

void TracesPage::updateCompareSelected() {
    const int selected = int(m_resultsView->selectionModel()->selectedRows().size());
    m_compareSelected->setEnabled(selected == 2);
}

void TracesPage::openTrace(const QString &traceId) {
    if (traceId.isEmpty()) {
        return;
    }
    m_traceStack->setCurrentWidget(m_traceView);
    showTab(TraceTab);
    m_traceView->openTrace(traceId);
}

void TracesPage::showTrace(const TraceDetail &detail) {
    m_traceStack->setCurrentWidget(m_traceView);
    m_traceView->showTrace(detail);
}

QString TracesPage::openTraceId() const {
    return m_traceView->traceId();
}

void TracesPage::compareTraces(const QString &leftTraceId, const QString &rightTraceId) {
    m_leftId->setText(leftTraceId);
    m_rightId->setText(rightTraceId);
    showTab(CompareTab);
    if (!isTraceId(leftTraceId) || !isTraceId(rightTraceId)) {
        setTabStatus(CompareTab, {}, tr("Two trace ids of 32 hex digits are needed"));
        return;
    }
    setTabStatus(CompareTab, {}, {}, true);
    m_traces.compare(leftTraceId, rightTraceId, m_compareScope.renew(),
                     [this](const CallResult<TraceComparison> &result) {
                         if (!result.ok()) {
                             setTabStatus(CompareTab, {}, describeFailure(result.error()));
                             return;
                         }
                         setComparison(result.value());
                     });
}

void TracesPage::setComparison(const TraceComparison &comparison) {
    m_comparison->setComparison(comparison);
    if (m_leftId->text().isEmpty()) {
        m_leftId->setText(comparison.left.traceId);
        m_rightId->setText(comparison.right.traceId);
    }
    m_leftSummary->setText(summaryLine(comparison.left));
    m_rightSummary->setText(summaryLine(comparison.right));
    m_compareStack->setCurrentIndex(1);
    setTabStatus(CompareTab, tr("%n path(s), ", nullptr, int(comparison.paths.size())) +
                                 tr("%n differ", nullptr, m_comparison->differenceCount()));
}

void TracesPage::setGraphByRelease(bool byRelease) {
    m_byRelease->setChecked(byRelease);
}

void TracesPage::loadGraph() {
    m_graphLoaded = true;
    setTabStatus(GraphTab, {}, {}, true);
    const qint64 windowMs = m_graphWindow->currentData().toLongLong();
    m_traces.serviceGraph({}, windowMs, m_byRelease->isChecked(), m_graphScope.renew(),
                          [this](const CallResult<ServiceGraph> &result) {
                              if (!result.ok()) {
                                  m_graph->setGraph({});
                                  m_graph->setMessage(result.error().code ==
                                                              grpc::StatusCode::FAILED_PRECONDITION
                                                          ? emptyResultsMessage()
                                                          : describeFailure(result.error()));
                                  setTabStatus(GraphTab, {}, describeFailure(result.error()));
                                  return;
                              }
                              setGraph(result.value());
                          });
}

void TracesPage::setGraph(const ServiceGraph &graph) {
    m_graphLoaded = true;
    m_graph->setMessage(
        graph.nodes.isEmpty()
            ? (m_status && m_status->tracesStored == 0
                   ? emptyResultsMessage()
                   : tr("No calls between services in the last %1. Widen the "
                        "window.")
                         .arg(m_graphWindow->currentText().section(QLatin1Char(' '), 1).toLower()))
            : QString());
    m_graph->setGraph(graph);
    setTabStatus(GraphTab, tr("%n service(s), ", nullptr, int(graph.nodes.size())) +
                               tr("%n call path(s)", nullptr, int(graph.edges.size())));
}

void TracesPage::exportOpenTrace() {
    if (openTraceId().isEmpty()) {
        return;
    }
    auto *dialog = new QFileDialog(this, tr("Export trace as OTLP JSON"),
                                   QStringLiteral("trace-%1.json").arg(openTraceId()),
                                   tr("OTLP JSON (*.json)"));
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setDefaultSuffix(QStringLiteral("json"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QFileDialog::fileSelected, this, &TracesPage::exportOpenTraceTo);
    dialog->open();
}

void TracesPage::exportOpenTraceTo(const QString &path) {
    const QString traceId = openTraceId();
    if (traceId.isEmpty() || path.isEmpty()) {
        return;
    }
    m_export->setEnabled(false);
    m_tabStatus[TraceTab].note = tr("Exporting trace %1…").arg(traceId);
    updateStatus();
    m_traces.exportOtlpJson(
        traceId, m_exportScope.renew(),
        [this, path, traceId](const CallResult<QByteArray> &result) {
            if (!result.ok()) {
                m_export->setEnabled(!openTraceId().isEmpty());
                const QString error = describeFailure(result.error());
                m_tabStatus[TraceTab].note.clear();
                m_skeleton->showError(tr("Export of trace %1 failed: %2").arg(traceId, error));
                updateStatus();
                emit exportFinished(path, error);
                return;
            }
            // Tens of megabytes take a moment to write: on a pool thread, reported back here.
            const QPointer<TracesPage> self(this);
            const QByteArray json = result.value();
            QThreadPool::globalInstance()->start([self, path, traceId, json] {
                QSaveFile file(path);
                QString error;
                if (!file.open(QIODevice::WriteOnly) || file.write(json) != json.size() ||
                    !file.commit()) {
                    error = file.errorString();
                }
                QMetaObject::invokeMethod(
                    qApp,
                    [self, path, traceId, error, bytes = json.size()] {
                        if (!self) {
                            return;
                        }
                        self->m_export->setEnabled(!self->openTraceId().isEmpty());
                        if (error.isEmpty()) {
                            self->m_tabStatus[TraceTab].note =
                                tr("Trace %1 saved to %2 (%3)")
                                    .arg(traceId, QDir::toNativeSeparators(path),
                                         QLocale().formattedDataSize(bytes));
                        } else {
                            self->m_tabStatus[TraceTab].note.clear();
                            self->m_skeleton->showError(
                                tr("Could not write %1: %2").arg(path, error));
                        }
                        self->updateStatus();
                        emit self->exportFinished(path, error);
                    },
                    Qt::QueuedConnection);
            });
        });
}

void TracesPage::setTabStatus(Tab tab, const QString &summary, const QString &failure,
                              bool loading) {
    PageStatus &status = m_tabStatus[tab];
    status.loading = loading;
    status.failure = failure;
    if (!loading && failure.isEmpty()) {
        status.loaded = true;
        status.summary = summary;
    }
    updateStatus();
}

void TracesPage::updateStatus() {
    PageStatus status = m_tabStatus.value(m_tabs->currentIndex());
    if (m_status && status.failure.isEmpty()) {
        const QString store = m_status->storeEnabled
                                  ? tr("%n trace(s) stored", nullptr, int(m_status->tracesStored))
                                  : tr("traces are forwarded, not stored");
        status.note = status.note.isEmpty() ? store : status.note + QStringLiteral(" · ") + store;
    }
    m_skeleton->showStatus(status);
}

QString TracesPage::describeFailure(const CallError &error) const {
    return error.describe();
}

} // namespace aegis::console
