#include "alerting/alertmanager_notifier.h"

#include "common/logging.h"

#include <map>

namespace aegis::alerting {

AlertmanagerNotifier::AlertmanagerNotifier(std::vector<AlertmanagerClientPtr> clients,
                                           AlertmanagerNotifierOptions options)
    : m_clients(std::move(clients))
    , m_options(options)
    , m_retry(m_clients.size()) {
    m_thread = std::thread([this] { run(); });
}

AlertmanagerNotifier::~AlertmanagerNotifier() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    m_thread.join();
}

void AlertmanagerNotifier::exportMetrics(prometheus::Registry &registry) {
    auto &sent = prometheus::BuildCounter()
                     .Name("aegis_alerting_notifications_sent_total")
                     .Help("Alerts an Alertmanager accepted.")
                     .Register(registry);
    auto &errors = prometheus::BuildCounter()
                       .Name("aegis_alerting_notification_errors_total")
                       .Help("Posts of alerts to an Alertmanager that failed.")
                       .Register(registry);
    std::lock_guard lock(m_mutex);
    m_droppedCounter = &prometheus::BuildCounter()
                            .Name("aegis_alerting_notifications_dropped_total")
                            .Help("Alerts dropped: the queue or a retry was full, or an "
                                  "Alertmanager refused them as malformed.")
                            .Register(registry)
                            .Add({});
    for (const auto &client : m_clients) {
        m_sentCounters.push_back(&sent.Add({{"alertmanager", client->url()}}));
        m_errorCounters.push_back(&errors.Add({{"alertmanager", client->url()}}));
    }
}

// Under the lock.
void AlertmanagerNotifier::drop(std::size_t alerts) {
    m_dropped += alerts;
    if (m_droppedCounter != nullptr) {
        m_droppedCounter->Increment(static_cast<double>(alerts));
    }
}

void AlertmanagerNotifier::merge(std::deque<OutgoingAlert> &into,
                                 std::vector<OutgoingAlert> alerts) {
    for (OutgoingAlert &alert : alerts) {
        into.push_back(std::move(alert));
    }
    if (into.size() > m_options.capacity) {
        const std::size_t excess = into.size() - m_options.capacity;
        into.erase(into.begin(), into.begin() + static_cast<std::ptrdiff_t>(excess));
        drop(excess);
    }
}

void AlertmanagerNotifier::send(std::vector<OutgoingAlert> alerts) {
    if (alerts.empty()) {
        return;
    }
    {
        std::lock_guard lock(m_mutex);
        merge(m_queue, std::move(alerts));
    }
    m_wake.notify_one();
}

std::uint64_t AlertmanagerNotifier::droppedAlerts() const {
    std::lock_guard lock(m_mutex);
    return m_dropped;
}

std::vector<AlertmanagerState> AlertmanagerNotifier::states() const {
    std::vector<AlertmanagerState> states;
    states.reserve(m_clients.size());
    for (const auto &client : m_clients) {
        states.push_back(client->state());
    }
    return states;
}

namespace {

// The alerts to post to one Alertmanager: its retry, then the new batch; of several copies of one
// alert (same labels) only the last, in the place of the first.
std::vector<OutgoingAlert> batchFor(std::vector<OutgoingAlert> retry,
                                    const std::vector<OutgoingAlert> &batch) {
    if (retry.empty()) {
        return batch;
    }
    std::map<LabelSet, std::size_t> position;
    std::vector<OutgoingAlert> out;
    out.reserve(retry.size() + batch.size());
    const auto add = [&](const OutgoingAlert &alert) {
        const auto [found, inserted] = position.emplace(alert.labels, out.size());
        if (inserted) {
            out.push_back(alert);
        } else {
            out[found->second] = alert;
        }
    };
    for (const auto &alert : retry) {
        add(alert);
    }
    for (const auto &alert : batch) {
        add(alert);
    }
    return out;
}

} // namespace

void AlertmanagerNotifier::run() {
    for (;;) {
        std::vector<OutgoingAlert> batch;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
            if (m_stopping) {
                return;
            }
            batch.assign(std::make_move_iterator(m_queue.begin()),
                         std::make_move_iterator(m_queue.end()));
            m_queue.clear();
        }

        // Every Alertmanager at once; the thread waits for the slowest (each post has a deadline).
        struct Round {
            std::mutex mutex;
            std::condition_variable done;
            std::size_t pending = 0;
            std::vector<Status> outcomes;
        };
        auto round = std::make_shared<Round>();
        round->pending = m_clients.size();
        round->outcomes.resize(m_clients.size());
        std::vector<std::vector<OutgoingAlert>> sent(m_clients.size());
        for (std::size_t i = 0; i < m_clients.size(); ++i) {
            sent[i] = batchFor(std::move(m_retry[i]), batch);
            m_retry[i].clear();
            m_clients[i]->postAlerts(sent[i], [round, i](Status status) {
                std::lock_guard lock(round->mutex);
                round->outcomes[i] = std::move(status);
                if (--round->pending == 0) {
                    round->done.notify_all();
                }
            });
        }
        {
            std::unique_lock lock(round->mutex);
            round->done.wait(lock, [&] { return round->pending == 0; });
        }
        std::vector<prometheus::Counter *> sentCounters;
        std::vector<prometheus::Counter *> errorCounters;
        {
            std::lock_guard lock(m_mutex);
            sentCounters = m_sentCounters;
            errorCounters = m_errorCounters;
        }
        for (std::size_t i = 0; i < m_clients.size(); ++i) {
            const Status &outcome = round->outcomes[i];
            if (outcome.isOk()) {
                if (!sentCounters.empty()) {
                    sentCounters[i]->Increment(static_cast<double>(sent[i].size()));
                }
                continue;
            }
            if (!errorCounters.empty()) {
                errorCounters[i]->Increment();
            }
            log::warn("alertmanager did not take alerts; they are sent again with the next batch",
                      {{"url", m_clients[i]->url()},
                       {"alerts", sent[i].size()},
                       {"error", outcome.message()}});
            if (outcome.code() == StatusCode::InvalidArgument) {
                // Refused as malformed: sending it again would be refused again.
                std::lock_guard lock(m_mutex);
                drop(sent[i].size());
                continue;
            }
            std::lock_guard lock(m_mutex);
            if (sent[i].size() > m_options.capacity) {
                const std::size_t excess = sent[i].size() - m_options.capacity;
                drop(excess);
                sent[i].erase(sent[i].begin(),
                              sent[i].begin() + static_cast<std::ptrdiff_t>(excess));
            }
            m_retry[i] = std::move(sent[i]);
        }
    }
}

} // namespace aegis::alerting
