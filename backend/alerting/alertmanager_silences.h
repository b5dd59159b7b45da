#pragma once

#include "alerting/alertmanager_client.h"
#include "alerting/notifier.h"
#include "common/clock.h"

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

namespace aegis::alerting {

// The limits of a silence aegisd creates (CreateSilenceRequest's comments).
inline constexpr std::size_t kMaxSilenceMatchers = 32;
inline constexpr std::size_t kMaxSilenceComment = 1024;
inline constexpr std::chrono::minutes kMinSilenceDuration{1};
inline constexpr std::chrono::hours kMaxSilenceDuration{24 * 90};

// INVALID_ARGUMENT naming the field and the limit: matchers (1 to 32, valid, at least one not
// matching the empty string), ends_at (after starts_at and after `now`), duration (1 minute to 90
// days), comment (1 to 1024 bytes), created_by (not empty).
Status validateSilence(const Silence &silence, TimePoint now);

struct AlertmanagerSilencesOptions {
    // How often the active silences are fetched again (and every Alertmanager's health with them).
    std::chrono::milliseconds refreshInterval{5000};
    // The restarts of a managed Alertmanager, reported in states() of the first; none when null.
    std::function<int()> managedRestarts;
    // For a silence without startsAt and for validation; the system clock when null.
    ClockPtr clock;
};

// The SilenceApi over the configured Alertmanagers: every call goes to the first one that answers
// (in configuration order; an HA pair shares silences by gossip). The active silences are fetched
// every refreshInterval from all of them, kept from the first that answered, and fetched again at
// once after a create or expire. With no Alertmanager (alerting.alertmanager: none) every call
// is FAILED_PRECONDITION.
//
// Thread-safe. `done` runs on the executor. Destroy it while the executor runs; its refresh stops.
class AlertmanagerSilences final : public SilenceApi {
public:
    AlertmanagerSilences(boost::asio::any_io_executor executor,
                         std::vector<AlertmanagerClientPtr> clients,
                         AlertmanagerSilencesOptions options = {});
    ~AlertmanagerSilences() override;
    AlertmanagerSilences(const AlertmanagerSilences &) = delete;
    AlertmanagerSilences &operator=(const AlertmanagerSilences &) = delete;

    void listSilences(Done<std::vector<Silence>> done) override;
    // Validates with validateSilence() first (a zero startsAt becomes now).
    void createSilence(Silence silence, Done<std::string> done) override;
    void expireSilence(std::string id, Done<bool> done) override;
    std::vector<Silence> activeSilences() const override;
    std::vector<AlertmanagerState> states() const override;

    struct Impl;

private:
    std::shared_ptr<Impl> m_impl;
};

} // namespace aegis::alerting
