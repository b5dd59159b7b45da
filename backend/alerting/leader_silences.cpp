#include "alerting/leader_silences.h"

#include <boost/asio/post.hpp>

namespace aegis::alerting {

LeaderSilences::LeaderSilences(boost::asio::any_io_executor executor, Locate locate,
                               AlertmanagerClientOptions client,
                               AlertmanagerSilencesOptions options)
    : m_executor(std::move(executor))
    , m_locate(std::move(locate))
    , m_client(std::move(client))
    , m_options(std::move(options)) {}

StatusOr<std::shared_ptr<AlertmanagerSilences>> LeaderSilences::current() const {
    auto url = m_locate();
    if (!url) {
        return url.status();
    }
    std::lock_guard lock(m_mutex);
    if (!m_silences || m_url != *url) {
        auto client = AlertmanagerClient::create(m_executor, *url, m_client);
        if (!client) {
            return client.status();
        }
        std::vector<AlertmanagerClientPtr> clients;
        clients.push_back(std::move(*client));
        // The previous one stops refreshing; its calls in flight still complete.
        m_silences =
            std::make_shared<AlertmanagerSilences>(m_executor, std::move(clients), m_options);
        m_url = *url;
    }
    return m_silences;
}

template <typename T>
void LeaderSilences::refuse(const Status &status, Done<T> done) {
    boost::asio::post(m_executor, [status, done = std::move(done)] { done(StatusOr<T>(status)); });
}

void LeaderSilences::listSilences(Done<std::vector<Silence>> done) {
    auto silences = current();
    if (!silences) {
        return refuse(silences.status(), std::move(done));
    }
    (*silences)->listSilences(std::move(done));
}

void LeaderSilences::createSilence(Silence silence, Done<std::string> done) {
    auto silences = current();
    if (!silences) {
        return refuse(silences.status(), std::move(done));
    }
    (*silences)->createSilence(std::move(silence), std::move(done));
}

void LeaderSilences::expireSilence(std::string id, Done<bool> done) {
    auto silences = current();
    if (!silences) {
        return refuse(silences.status(), std::move(done));
    }
    (*silences)->expireSilence(std::move(id), std::move(done));
}

std::vector<Silence> LeaderSilences::activeSilences() const {
    auto silences = current();
    return silences ? (*silences)->activeSilences() : std::vector<Silence>{};
}

std::vector<AlertmanagerState> LeaderSilences::states() const {
    auto silences = current();
    if (!silences) {
        AlertmanagerState state;
        state.lastError = silences.status().message();
        return {state};
    }
    return (*silences)->states();
}

} // namespace aegis::alerting
