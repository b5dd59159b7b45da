#include "views/selected_instance_health.h"

#include "models/health_timeline_model.h"
#include "net/session.h"

namespace aegis::console {
namespace {

constexpr int kHistoryPageSize = 200;
constexpr int kUnimplemented = 12;

} // namespace

SelectedInstanceHealth::SelectedInstanceHealth(Session *session, QObject *parent)
    : SelectedInstanceHealth(session, Options{}, parent) {}

SelectedInstanceHealth::SelectedInstanceHealth(Session *session, Options options, QObject *parent)
    : QObject(parent)
    , m_health(session)
    , m_options(options)
    , m_timeline(new HealthTimelineModel(this)) {
    m_refresh.setInterval(m_options.detailInterval);
    connect(&m_refresh, &QTimer::timeout, this, &SelectedInstanceHealth::refresh);
    // A burst of changes (a flapping instance) costs one history fetch.
    m_historyDebounce.setSingleShot(true);
    m_historyDebounce.setInterval(1500);
    connect(&m_historyDebounce, &QTimer::timeout, this, [this] { fetchHistory(); });
    connect(session, &Session::connectionChanged, this, [this] {
        m_instance.reset();
        reset();
    });
}

void SelectedInstanceHealth::reset() {
    m_report.reset();
    m_problem.clear();
    m_unsupported = false;
    m_calls.drop();
    m_detailPending = false;
    m_historyPending = false;
    m_collected.clear();
    m_hasHistory = false;
    m_historyDebounce.stop();
    m_timeline->clear();
    emit changed();
}

void SelectedInstanceHealth::follow(const std::optional<ServiceInstance> &instance) {
    const bool same = instance && m_instance && instance->key() == m_instance->key();
    if (!same) {
        m_instance = instance;
        reset();
        if (instance) {
            fetchDetail();
            fetchHistory();
        }
        return;
    }
    if (instance->health == m_instance->health) {
        m_instance = instance;
        return;
    }
    m_instance = instance;
    m_timeline->applyCurrent(instance->health, QDateTime::currentDateTimeUtc());
    fetchDetail();
    m_historyDebounce.start();
}

void SelectedInstanceHealth::setActive(bool active) {
    if (active == m_active) {
        return;
    }
    m_active = active;
    if (active) {
        m_refresh.start();
        refresh();
    } else {
        m_refresh.stop();
    }
}

void SelectedInstanceHealth::refresh() {
    if (!m_instance || !m_active) {
        return;
    }
    m_timeline->setNow(QDateTime::currentDateTimeUtc());
    if (m_unsupported) {
        // The daemon has no HealthService; asking every few seconds changes nothing.
        return;
    }
    fetchDetail();
    if (++m_refreshes % std::max(1, m_options.historyEvery) == 0 && !m_historyPending) {
        fetchHistory();
    }
}

void SelectedInstanceHealth::fetchDetail() {
    if (!m_instance || m_detailPending) {
        return;
    }
    m_detailPending = true;
    m_health.getInstanceHealth(m_instance->service, m_instance->id, m_calls.current(),
                               [this](const CallResult<InstanceHealthReport> &result) {
                                   m_detailPending = false;
                                   if (!result.ok()) {
                                       onFailed(result.error());
                                       return;
                                   }
                                   m_report = result.value();
                                   m_problem.clear();
                                   emit changed();
                               });
}

void SelectedInstanceHealth::fetchHistory(const QString &pageToken) {
    if (!m_instance) {
        return;
    }
    if (pageToken.isEmpty()) {
        m_collected.clear();
        m_historyPages = 0;
    }
    ++m_historyPages;
    m_historyPending = true;
    m_health.listHealthHistory(
        m_instance->service, m_instance->id, pageToken, kHistoryPageSize, m_calls.current(),
        [this](const CallResult<HealthHistoryPage> &result) {
            m_historyPending = false;
            result.ok() ? onHistoryPage(result.value()) : onFailed(result.error());
        });
}

void SelectedInstanceHealth::onHistoryPage(const HealthHistoryPage &page) {
    if (!m_instance) {
        return;
    }
    m_collected += page.transitions;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QDateTime windowStart = now.addMSecs(-m_timeline->span());
    // Newest first: the page's last transition is the oldest so far.
    const bool reachesBack = !m_collected.isEmpty() && m_collected.last().time.isValid() &&
                             m_collected.last().time <= windowStart;
    if (!page.nextPageToken.isEmpty() && !reachesBack &&
        m_historyPages < m_options.maxHistoryPages) {
        fetchHistory(page.nextPageToken);
        return;
    }
    m_timeline->setHistory(m_collected, m_instance->health, m_instance->registerTime, now);
    m_collected.clear();
    m_hasHistory = true;
    emit changed();
}

void SelectedInstanceHealth::onFailed(const CallError &error) {
    m_unsupported = error.code == kUnimplemented;
    m_problem = m_unsupported
                    ? tr("This daemon does not report health (it has no HealthService)")
                    : tr("Could not load health: %1 (%2)").arg(error.describe(), error.codeName());
    if (!m_hasHistory && m_instance && m_timeline->rowCount() == 0) {
        // Show at least what the instance watch says, from now on.
        m_timeline->setHistory({}, m_instance->health, QDateTime::currentDateTimeUtc(),
                               QDateTime::currentDateTimeUtc());
    }
    emit changed();
}

} // namespace aegis::console
