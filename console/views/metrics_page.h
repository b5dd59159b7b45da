#pragma once

#include "models/chart_markers.h"
#include "models/metric_units.h"
#include "net/call_scope.h"
#include "net/metrics_api.h"
#include "net/rollout_api.h"
#include "net/watch.h"

#include <QDateTime>
#include <QTimer>
#include <QWidget>

#include <vector>

class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QTabWidget;
class QToolButton;

namespace aegis::console {

class PageSkeleton;
class PromqlEditor;
class Session;
class TimeSeriesChart;

// Charts of metrics from the daemon's MetricsService. Three tabs: a service's RED dashboard
// (request rate, error ratio and latency p50/p95/p99 split by colour, so a release shows as two
// lines; instances up; CPU and memory per instance), narrowed to one instance by the drill-down;
// aegisd's own dashboard (RPC rate and latency by method); and a PromQL editor with completion
// whose result is charted. A range picker chooses the last 5 minutes to 7 days or a custom
// window; in live mode every chart follows the tail through WatchQuery, otherwise it is loaded
// once with QueryRange (again after a zoom or pan with the mouse, which leaves live mode). The
// service's rollouts are drawn as markers on every chart. When metrics are off or the backend is
// down (Targets) the page says so instead of showing empty charts. No call blocks the GUI.
class MetricsPage final : public QWidget {
    Q_OBJECT
public:
    enum Tab { ServiceTab, DaemonTab, QueryTab };

    explicit MetricsPage(Session *session, QWidget *parent = nullptr);
    ~MetricsPage() override;

    // The ranges the picker offers, in seconds; custom is set with setCustomRange().
    static QList<qint64> rangeChoices();

    bool hasData() const { return m_loaded; }
    QString backendNote() const;
    QString service() const { return m_service; }
    bool selectService(const QString &service);
    bool selectInstance(const QString &instance);
    void setRangeSeconds(qint64 seconds);
    void setCustomRange(const QDateTime &start, const QDateTime &end);
    void setLive(bool live);
    bool isLive() const { return m_live; }
    void showTab(Tab tab);
    void reload();

    // The charts of the tab shown now.
    QList<TimeSeriesChart *> serviceCharts() const;
    QList<TimeSeriesChart *> daemonCharts() const;
    TimeSeriesChart *queryChart() const { return m_queryChart; }
    PromqlEditor *queryEditor() const { return m_editor; }
    QString queryError() const;
    void runQuery();
    // Asks for the traces of the service shown (of `colour` only, when given) in the charts'
    // window: tracesRequested. The header's Traces button does it.
    void requestTraces(const QString &colour = {});
    QToolButton *tracesButton() const { return m_tracesButton; }

signals:
    // The backend's state and the first charts arrived after a (re)connect.
    void dataLoaded();
    // The Traces page should search `service`'s traces (of `colour` and `version` when not
    // empty) between `start` and `end`.
    void tracesRequested(const QString &service, const QString &colour, const QString &version,
                         const QDateTime &start, const QDateTime &end);

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    // One chart and the PromQL of each of its roles.
    struct Panel {
        TimeSeriesChart *chart = nullptr;
        QStringList queries;
    };

    QWidget *buildServiceTab();
    QWidget *buildDaemonTab();
    QWidget *buildQueryTab();
    TimeSeriesChart *addPanel(std::vector<Panel> &panels, const QString &title, MetricUnit unit,
                              const QStringList &roleNames = {});
    void checkBackend();
    void loadServices();
    void loadInstances();
    void updateServiceQueries();
    void refreshCharts();
    void loadPanels(std::vector<Panel> &panels);
    void watchPanels(std::vector<Panel> &panels);
    void stopWatches();
    void showRange();
    void onUserRange(double lower, double upper);
    void loadMarkers();
    void applyMarkers();
    void loadCompletions();
    void setBackendNote(const QString &note);
    std::vector<Panel> &activePanels();
    qint64 windowMs() const;

    Session *m_session; // Not owned.
    MetricsApi m_metrics;
    RolloutApi m_rollouts;
    PageSkeleton *m_skeleton;
    QComboBox *m_serviceBox;
    QComboBox *m_instanceBox;
    QComboBox *m_rangeBox;
    QCheckBox *m_liveBox;
    QPushButton *m_refresh;
    QToolButton *m_tracesButton;
    QLabel *m_backendLabel;
    QTabWidget *m_tabs;
    PromqlEditor *m_editor = nullptr;
    QComboBox *m_unitBox = nullptr;
    QLabel *m_queryErrorLabel = nullptr;
    TimeSeriesChart *m_queryChart = nullptr;
    std::vector<Panel> m_servicePanels;
    std::vector<Panel> m_daemonPanels;
    std::vector<Panel> m_queryPanels;
    QString m_service;
    QString m_instance;
    qint64 m_rangeSeconds = 3600;
    // A custom or zoomed window (not live); invalid while a "last N" range is chosen.
    QDateTime m_customStart;
    QDateTime m_customEnd;
    bool m_live = true;
    bool m_backendUsable = false;
    bool m_loaded = false;
    bool m_completionsLoaded = false;
    QString m_backendNote;
    CallScope m_backendScope;
    CallScope m_chartScope;
    CallScope m_listScope;
    CallScope m_markerScope;
    std::vector<WatchPtr> m_watches;
    WatchPtr m_rolloutWatch;
    QList<Rollout> m_rolloutList;
    QList<ChartMarker> m_stepMarkers;
    QTimer m_userRangeTimer;
    // Keeps the shown window moving with the clock in live mode.
    QTimer m_tailTimer;
};

} // namespace aegis::console
