#pragma once

#include "net/call_scope.h"
#include "net/trace_types.h"
#include "net/traces_api.h"
#include "views/page_skeleton.h"

#include <QWidget>

#include <optional>

class QCheckBox;
class QComboBox;
class QDateTimeEdit;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QStackedWidget;
class QTabWidget;
class QTableView;

namespace aegis::console {

class PageSkeleton;
class ServiceGraphView;
class Session;
class TagQueryEditor;
class TimeSeriesChart;
class TraceComparisonModel;
class TraceResultsModel;
class TraceView;

// Traces from the daemon's span store (TraceService). Four tabs: Search — a form (service and
// operation from ListServices / ListOperations, time window, duration bounds, the tag query with
// completion of attribute keys and values and marks where it does not parse, limit) whose
// results are a scatter of duration over time (errors red; click or Enter opens a trace) and a
// list (start, root, duration bar, spans, errors, service chips); Trace — the opened trace in a
// TraceView (waterfall, critical path, span details);
// Service graph — who calls whom with rates, error ratios and p99, coloured by health, split by
// release on demand (a click on a service searches its traces); Compare — two traces' span paths
// side by side with the differences tinted. The open trace exports as OTLP JSON. No call blocks
// the GUI; every list reports its state in the status line, and an empty one says what to do.
class TracesPage final : public QWidget {
    Q_OBJECT
public:
    enum Tab { SearchTab, TraceTab, GraphTab, CompareTab };

    explicit TracesPage(Session *session, QWidget *parent = nullptr);
    ~TracesPage() override;

    // The tracing status and the first search arrived after a (re)connect.
    bool hasData() const { return m_loaded; }
    PageSkeleton *skeleton() const { return m_skeleton; }
    TraceResultsModel *results() const { return m_results; }
    TraceComparisonModel *comparison() const { return m_comparison; }
    TimeSeriesChart *scatter() const { return m_scatter; }
    QTableView *resultsView() const { return m_resultsView; }
    ServiceGraphView *graphView() const { return m_graph; }
    TagQueryEditor *tagQueryEditor() const { return m_tagQuery; }
    QComboBox *serviceBox() const { return m_service; }
    QComboBox *operationBox() const { return m_operation; }
    QPushButton *exportButton() const { return m_export; }
    QPushButton *compareSelectedButton() const { return m_compareSelected; }
    TraceView *traceView() const { return m_traceView; }
    int currentTab() const;
    void showTab(Tab tab);
    void reload();

    // What the form asks for; nullopt with `error` set when a field does not parse.
    std::optional<TraceSearch> formSearch(QString *error = nullptr) const;
    // Fills the form with `search` (service, operation, window, bounds, tag query, limit) and
    // runs it: the jumps from the Metrics and Releases pages.
    void openSearch(const TraceSearch &search);
    // Runs the search the form describes.
    void search();
    // Shows trace `traceId` on the Trace tab.
    void openTrace(const QString &traceId);
    // The trace on the Trace tab; empty when none.
    QString openTraceId() const;
    void compareTraces(const QString &leftTraceId, const QString &rightTraceId);
    void loadGraph();
    void setGraphByRelease(bool byRelease);
    // Asks where to save the open trace (a dialog that does not block), then writes it.
    void exportOpenTrace();
    // Fetches the open trace in full and writes it to `path` as OTLP JSON off the GUI thread;
    // exportFinished reports the outcome.
    void exportOpenTraceTo(const QString &path);

    // What the page shows without a daemon (tests and screenshots).
    void setTracingStatus(const TracingStatus &status);
    void setServices(const QList<TraceServiceInfo> &services);
    void setSearchResult(const TraceSearch &search, const TraceSearchResult &result);
    void setGraph(const ServiceGraph &graph);
    void setComparison(const TraceComparison &comparison);
    void showTrace(const TraceDetail &detail);

    // What an empty result says, given the status known (where to send spans when there are
    // none yet).
    QString emptyResultsMessage() const;

signals:
    void dataLoaded();
    void traceOpened(const QString &traceId);
    // An export ended: `error` empty when the file was written.
    void exportFinished(const QString &path, const QString &error);

protected:
    void showEvent(QShowEvent *event) override;

private:
    QWidget *buildSearchTab();
    QWidget *buildTraceTab();
    QWidget *buildGraphTab();
    QWidget *buildCompareTab();
    void loadStatus();
    void loadServices();
    void loadOperations();
    void loadAttributeKeys();
    void loadValues(const QString &key);
    void onSearchResult(const TraceSearch &search, const CallResult<TraceSearchResult> &result);
    void updateScatter(const TraceSearch &search);
    void syncSelectionToScatter();
    void updateCompareSelected();
    void updateStatus();
    void updateTimeFields();
    void setTabStatus(Tab tab, const QString &summary, const QString &failure = {},
                      bool loading = false);
    QString describeFailure(const CallError &error) const;
    // What the scatter says when it has no points.
    QString chartMessage() const;

    Session *m_session; // Not owned.
    TracesApi m_traces;
    PageSkeleton *m_skeleton;
    QTabWidget *m_tabs;
    TraceResultsModel *m_results;
    TraceComparisonModel *m_comparison;

    // Search tab.
    QComboBox *m_service;
    QComboBox *m_operation;
    QComboBox *m_window;
    QDateTimeEdit *m_customStart;
    QDateTimeEdit *m_customEnd;
    QLineEdit *m_minDuration;
    QLineEdit *m_maxDuration;
    TagQueryEditor *m_tagQuery;
    QLabel *m_tagQueryError;
    QSpinBox *m_limit;
    QPushButton *m_searchButton;
    TimeSeriesChart *m_scatter;
    QStackedWidget *m_resultsStack;
    QTableView *m_resultsView;
    QLabel *m_resultsEmpty;
    QPushButton *m_compareSelected;
    QStringList m_scatterIds;

    // Trace tab.
    QStackedWidget *m_traceStack;
    QLineEdit *m_traceIdField;
    TraceView *m_traceView;
    QPushButton *m_export;

    // Graph tab.
    ServiceGraphView *m_graph;
    QComboBox *m_graphWindow;
    QCheckBox *m_byRelease;

    // Compare tab.
    QLineEdit *m_leftId;
    QLineEdit *m_rightId;
    QLabel *m_leftSummary;
    QLabel *m_rightSummary;
    QTableView *m_comparisonView;
    QStackedWidget *m_compareStack;

    std::optional<TracingStatus> m_status;
    QList<TraceServiceInfo> m_serviceInfo;
    QList<TraceOperationInfo> m_operationInfo;
    std::optional<TraceSearch> m_lastSearch;
    QList<PageStatus> m_tabStatus;
    bool m_loaded = false;
    bool m_searched = false;
    bool m_graphLoaded = false;
    CallScope m_statusScope;
    CallScope m_servicesScope;
    CallScope m_operationsScope;
    CallScope m_keysScope;
    CallScope m_valuesScope;
    CallScope m_searchScope;
    CallScope m_graphScope;
    CallScope m_compareScope;
    CallScope m_exportScope;
};

} // namespace aegis::console
