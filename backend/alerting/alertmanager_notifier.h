#pragma once

#include "alerting/alertmanager_client.h"
#include "alerting/notifier.h"

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace aegis::alerting {

struct AlertmanagerNotifierOptions {
    // The most alerts waiting to be posted, in the queue and again in each Alertmanager's retry:
    // beyond it the oldest are dropped and counted.
    std::size_t capacity = 10000;
};

// The Notifier of alerting.alertmanager: managed and external. Its own thread takes everything
// queued since the last batch and posts it to EVERY Alertmanager at once (an HA pair deduplicates
// by labels), waiting for all of them. An Alertmanager that failed keeps its batch, and gets it
// again with the next one (an alert queued again since replaces its older copy), so it catches
// up once it answers; the others are not held back by it.
class AlertmanagerNotifier final : public Notifier {
public:
    // The clients' executor must run while the notifier exists.
    AlertmanagerNotifier(std::vector<AlertmanagerClientPtr> clients,
                         AlertmanagerNotifierOptions options = {});
    // Stops the thread after the batch in flight (whose posts end within their deadline).
    ~AlertmanagerNotifier() override;
    AlertmanagerNotifier(const AlertmanagerNotifier &) = delete;
    AlertmanagerNotifier &operator=(const AlertmanagerNotifier &) = delete;

    void send(std::vector<OutgoingAlert> alerts) override;

    // Registers on aegisd's /metrics, per Alertmanager (label `alertmanager`, its URL):
    //   aegis_alerting_notifications_sent_total{alertmanager}   alerts it accepted
    //   aegis_alerting_notification_errors_total{alertmanager}  posts to it that failed
    //   aegis_alerting_notifications_dropped_total              alerts dropped (queue or retry
    //                                                           full, or refused as malformed)
    // Call once, before the first send().
    void exportMetrics(prometheus::Registry &registry);

    // Alerts dropped so far because the queue or a retry was full, or an Alertmanager refused
    // them as malformed.
    std::uint64_t droppedAlerts() const;
    // Each Alertmanager as its calls left it (url, up, last error, last success).
    std::vector<AlertmanagerState> states() const;

private:
    void run();
    void drop(std::size_t alerts);
    // Merges `alerts` into `into`: a newer copy of an alert (same labels) replaces the older one,
    // and beyond capacity the oldest are dropped. Under the lock.
    void merge(std::deque<OutgoingAlert> &into, std::vector<OutgoingAlert> alerts);

    const std::vector<AlertmanagerClientPtr> m_clients;
    const AlertmanagerNotifierOptions m_options;

    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<OutgoingAlert> m_queue;
    // What each Alertmanager failed to take, for its next batch. Notifier thread only.
    std::vector<std::vector<OutgoingAlert>> m_retry;
    std::uint64_t m_dropped = 0;
    // Null until exportMetrics(); the counters are thread-safe.
    prometheus::Counter *m_droppedCounter = nullptr;
    std::vector<prometheus::Counter *> m_sentCounters;
    std::vector<prometheus::Counter *> m_errorCounters;
    bool m_stopping = false;
    std::thread m_thread;
};

} // namespace aegis::alerting
