#pragma once

#include "alerting/alerting_settings.h"
#include "alerting/notifier.h"
#include "common/clock.h"
#include "common/status.h"

#include <boost/asio/any_io_executor.hpp>
#include <nlohmann/json_fwd.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace aegis::alerting {

struct AlertmanagerClientOptions {
    // Sent as "Authorization: Bearer <token>" when not empty.
    std::string bearerToken;
    // A PEM bundle of the CAs trusted for an https URL; the system's trust store when empty.
    std::filesystem::path caFile;
    // Every request's deadline.
    std::chrono::milliseconds requestTimeout{10000};
    // For states()' lastSuccess; the system clock when null.
    ClockPtr clock;

    // The options of alerting.external.*: reads the bearer token from its file. INVALID_ARGUMENT
    // naming the option when it cannot be read.
    static StatusOr<AlertmanagerClientOptions> fromSettings(const AlertingSettings &settings);
};

// GET /api/v2/status, the parts aegisd shows.
struct AlertmanagerStatus {
    std::string version;
    // "ready", "settling" or "disabled" (no gossip).
    std::string clusterStatus;
    // The configuration Alertmanager runs, as it prints it.
    std::string config;
    TimePoint uptime;
};

// One Alertmanager's API v2 (and its /-/reload) at a base URL (http or https, optionally with a
// path prefix). Every call is asynchronous, has a deadline (requestTimeout) and calls `done` once,
// on the executor.
//
// Errors: UNAVAILABLE naming the URL when it cannot be reached, refuses the credentials or answers
// 5xx; DEADLINE_EXCEEDED when it does not answer in time; INVALID_ARGUMENT with Alertmanager's
// message for what it refuses (400/422); NOT_FOUND for an unknown silence; FAILED_PRECONDITION
// with its message when a reload finds the configuration bad.
//
// Thread-safe. Calls in flight when the client is destroyed still complete as long as the
// executor runs.
class AlertmanagerClient {
public:
    template <typename T>
    using Done = std::function<void(StatusOr<T>)>;
    using Finished = std::function<void(Status)>;

    // INVALID_ARGUMENT when `baseUrl` is not http(s)://HOST[:PORT][/PATH] or the CA file cannot
    // be loaded.
    static StatusOr<std::shared_ptr<AlertmanagerClient>>
    create(boost::asio::any_io_executor executor, std::string baseUrl,
           AlertmanagerClientOptions options = {});
    ~AlertmanagerClient();
    AlertmanagerClient(const AlertmanagerClient &) = delete;
    AlertmanagerClient &operator=(const AlertmanagerClient &) = delete;

    // POST /api/v2/alerts.
    void postAlerts(const std::vector<OutgoingAlert> &alerts, Finished done);
    // GET /api/v2/silences: every silence Alertmanager still keeps (expired ones too).
    void listSilences(Done<std::vector<Silence>> done);
    // POST /api/v2/silences (without an id: a new silence); the new silence's id.
    void createSilence(const Silence &silence, Done<std::string> done);
    // DELETE /api/v2/silence/{id}.
    void expireSilence(const std::string &id, Finished done);
    // GET /api/v2/status.
    void status(Done<AlertmanagerStatus> done);
    // POST /-/reload: Alertmanager reads its configuration file again.
    void reload(Finished done);

    // What the calls so far said: up after an answer, down with the error after a call that could
    // not reach it; version once status() answered.
    AlertmanagerState state() const;
    // The base URL, without a trailing slash.
    const std::string &url() const;

    struct Impl;

private:
    explicit AlertmanagerClient(std::shared_ptr<Impl> impl);
    std::shared_ptr<Impl> m_impl;
};

using AlertmanagerClientPtr = std::shared_ptr<AlertmanagerClient>;

// The JSON of API v2, exactly as api/v2/openapi.yaml defines it.
// postableAlerts: [{labels, annotations, startsAt, endsAt, generatorURL}].
nlohmann::json postableAlertsJson(const std::vector<OutgoingAlert> &alerts);
// postableSilence: {matchers: [{name, value, isRegex, isEqual}], startsAt, endsAt, createdBy,
// comment} (and id when the silence has one).
nlohmann::json postableSilenceJson(const Silence &silence);
// gettableSilence: the fields above plus id and status.state. INVALID_ARGUMENT naming what is
// missing.
StatusOr<Silence> silenceFromJson(const nlohmann::json &json);

} // namespace aegis::alerting
