#pragma once

#include "net/api_types.h"
#include "net/call_scope.h"
#include "net/health_api.h"

#include <QObject>
#include <QTimer>

#include <chrono>

#include <optional>

namespace aegis::console {

class Session;
class HealthTimelineModel;

// The health detail of one instance, the one selected on the Services page: its live check
// detail (GetInstanceHealth, refreshed every few seconds while active) and its timeline over the
// last hour (ListHealthHistory, paged back to the window's start and fetched again now and then,
// since a flapping check records transitions it does not announce). A change of health the watch
// reports extends the timeline at once and triggers a refetch. All calls go through HealthApi;
// answers for an instance no longer followed are dropped.
class SelectedInstanceHealth final : public QObject {
    Q_OBJECT
public:
    struct Options {
        std::chrono::milliseconds detailInterval{5000};
        // Every this many detail refreshes, the history is fetched again.
        int historyEvery = 3;
        // Pages of 200 transitions fetched at most to reach back to the window's start.
        int maxHistoryPages = 5;
    };

    // `session` is not owned and must outlive this object.
    explicit SelectedInstanceHealth(Session *session, QObject *parent = nullptr);
    SelectedInstanceHealth(Session *session, Options options, QObject *parent = nullptr);

    HealthTimelineModel *timeline() const { return m_timeline; }

    // Follows `instance` (nullopt: none). The same instance again, with other health, extends the
    // timeline and refreshes the detail; with the same health it costs nothing.
    void follow(const std::optional<ServiceInstance> &instance);
    // Refreshes run only while active (the pane is visible).
    void setActive(bool active);

    const std::optional<InstanceHealthReport> &report() const { return m_report; }
    // Why there is no detail or history (an old daemon, an error); empty otherwise.
    const QString &problem() const { return m_problem; }
    // Whether the timeline holds the instance's fetched history (not only what the watch said).
    bool hasHistory() const { return m_hasHistory; }

signals:
    // The report, the problem or whether history has loaded changed.
    void changed();

private:
    void fetchDetail();
    void fetchHistory(const QString &pageToken = {});
    void onHistoryPage(const HealthHistoryPage &page);
    void onFailed(const CallError &error);
    void refresh();
    void reset();

    HealthApi m_health;
    Options m_options;
    HealthTimelineModel *m_timeline;
    QTimer m_refresh;
    QTimer m_historyDebounce;
    std::optional<ServiceInstance> m_instance;
    std::optional<InstanceHealthReport> m_report;
    QString m_problem;
    // The instance's calls in flight; reset() drops their answers.
    CallScope m_calls;
    bool m_detailPending = false;
    bool m_historyPending = false;
    int m_historyPages = 0;
    QList<HealthTransition> m_collected;
    int m_refreshes = 0;
    bool m_active = false;
    bool m_hasHistory = false;
    // The daemon answered UNIMPLEMENTED: it predates health checking.
    bool m_unsupported = false;
};

} // namespace aegis::console
