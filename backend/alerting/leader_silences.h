#pragma once

#include "alerting/alertmanager_silences.h"

#include <functional>
#include <mutex>
#include <string>

namespace aegis::alerting {

// The SilenceApi of an Alertmanager whose URL moves: the managed Alertmanager of a cluster of
// replicas runs on the elected leader only, and every replica sends its silence calls there.
// Each call asks `locate` for the URL to use now and goes to an AlertmanagerSilences of that URL
// (built when the URL first appears, replaced when it changes). When `locate` answers an error
// (UNAVAILABLE "no replica leads now ..."), calls fail with it on the executor, activeSilences()
// is empty and states() reports one Alertmanager that is down with that error.
//
// Thread-safe; `locate` is called from the calling thread and must not block. Destroy it while
// the executor runs.
class LeaderSilences final : public SilenceApi {
public:
    using Locate = std::function<StatusOr<std::string>()>;

    LeaderSilences(boost::asio::any_io_executor executor, Locate locate,
                   AlertmanagerClientOptions client, AlertmanagerSilencesOptions options);

    void listSilences(Done<std::vector<Silence>> done) override;
    void createSilence(Silence silence, Done<std::string> done) override;
    void expireSilence(std::string id, Done<bool> done) override;
    std::vector<Silence> activeSilences() const override;
    std::vector<AlertmanagerState> states() const override;

private:
    StatusOr<std::shared_ptr<AlertmanagerSilences>> current() const;
    template <typename T>
    void refuse(const Status &status, Done<T> done);

    boost::asio::any_io_executor m_executor;
    const Locate m_locate;
    const AlertmanagerClientOptions m_client;
    const AlertmanagerSilencesOptions m_options;
    mutable std::mutex m_mutex;
    mutable std::string m_url;
    mutable std::shared_ptr<AlertmanagerSilences> m_silences;
};

} // namespace aegis::alerting
