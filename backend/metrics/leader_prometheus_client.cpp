#include "metrics/leader_prometheus_client.h"

#include <boost/asio/post.hpp>

namespace aegis::metrics {

LeaderPrometheusClient::LeaderPrometheusClient(boost::asio::any_io_executor executor, Locate locate,
                                               PrometheusClientOptions options)
    : m_executor(std::move(executor))
    , m_locate(std::move(locate))
    , m_options(std::move(options)) {}

StatusOr<std::shared_ptr<PrometheusClient>> LeaderPrometheusClient::current() const {
    auto url = m_locate();
    if (!url) {
        return url.status();
    }
    std::lock_guard lock(m_mutex);
    if (!m_client || m_client->url() != *url) {
        auto client = PrometheusClient::create(m_executor, *url, m_options);
        if (!client) {
            return client.status();
        }
        // A call in flight on the previous client completes: its state lives in the call.
        m_client = std::move(*client);
    }
    return m_client;
}

template <typename T>
void LeaderPrometheusClient::refuse(const Status &status, Done<T> done) {
    boost::asio::post(m_executor, [status, done = std::move(done)] { done(StatusOr<T>(status)); });
}

void LeaderPrometheusClient::query(InstantQuery request, Done<QueryResult> done) {
    auto client = current();
    if (!client) {
        return refuse(client.status(), std::move(done));
    }
    (*client)->query(std::move(request), std::move(done));
}

void LeaderPrometheusClient::queryRange(RangeQuery request, Done<QueryResult> done) {
    auto client = current();
    if (!client) {
        return refuse(client.status(), std::move(done));
    }
    (*client)->queryRange(std::move(request), std::move(done));
}

void LeaderPrometheusClient::series(SeriesSelection selection, Done<std::vector<Labels>> done) {
    auto client = current();
    if (!client) {
        return refuse(client.status(), std::move(done));
    }
    (*client)->series(std::move(selection), std::move(done));
}

void LeaderPrometheusClient::labelNames(SeriesSelection selection,
                                        Done<std::vector<std::string>> done) {
    auto client = current();
    if (!client) {
        return refuse(client.status(), std::move(done));
    }
    (*client)->labelNames(std::move(selection), std::move(done));
}

void LeaderPrometheusClient::labelValues(std::string name, SeriesSelection selection,
                                         Done<std::vector<std::string>> done) {
    auto client = current();
    if (!client) {
        return refuse(client.status(), std::move(done));
    }
    (*client)->labelValues(std::move(name), std::move(selection), std::move(done));
}

void LeaderPrometheusClient::targets(Done<std::vector<Target>> done) {
    auto client = current();
    if (!client) {
        return refuse(client.status(), std::move(done));
    }
    (*client)->targets(std::move(done));
}

BackendStatus LeaderPrometheusClient::status() const {
    auto client = current();
    if (!client) {
        BackendStatus status;
        status.mode = m_options.mode;
        status.state = BackendState::Down;
        status.detail = client.status().message();
        status.since = m_options.clock ? m_options.clock->now() : std::chrono::system_clock::now();
        return status;
    }
    return (*client)->status();
}

} // namespace aegis::metrics
