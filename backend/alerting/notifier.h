#pragma once

#include "alerting/alert.h"
#include "alerting/matcher.h"
#include "common/status.h"

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace aegis::alerting {

// What the evaluator hands to Alertmanager: Alertmanager API v2's postable alert.
struct OutgoingAlert {
    LabelSet labels;
    LabelSet annotations;
    TimePoint startsAt;
    // Firing: a time in the future (now + 4 × max(resend, interval)), so Alertmanager resolves it
    // by itself if aegisd stops sending; resolved: the time it resolved.
    TimePoint endsAt;
    std::string generatorUrl;
};

// Sends alerts to every configured Alertmanager. send() never blocks: alerts are queued (bounded;
// the oldest are dropped and counted when Alertmanagers are slower than the evaluator) and
// posted by the notifier's own thread, retried on the next send. Thread-safe.
class Notifier {
public:
    virtual ~Notifier() = default;
    virtual void send(std::vector<OutgoingAlert> alerts) = 0;
};

enum class SilenceState { Active = 1, Pending = 2, Expired = 3 };

struct Silence {
    std::string id;
    std::vector<Matcher> matchers;
    TimePoint startsAt;
    TimePoint endsAt;
    std::string createdBy;
    std::string comment;
    SilenceState state = SilenceState::Active;
};

struct AlertmanagerState {
    std::string url;
    bool up = false;
    std::string lastError;
    TimePoint lastSuccess;
    std::string version;
    int restarts = 0;
};

// Silences and health of the Alertmanagers aegisd talks to. `done` is called once, on the
// client's own thread. Errors: UNAVAILABLE naming the URL when no Alertmanager answers,
// INVALID_ARGUMENT with Alertmanager's message for a silence it refuses, NOT_FOUND for an
// unknown id, FAILED_PRECONDITION when alerting.alertmanager is none.
class SilenceApi {
public:
    template <typename T>
    using Done = std::function<void(StatusOr<T>)>;
    virtual ~SilenceApi() = default;
    virtual void listSilences(Done<std::vector<Silence>> done) = 0;
    // Returns the new silence's id.
    virtual void createSilence(Silence silence, Done<std::string> done) = 0;
    virtual void expireSilence(std::string id, Done<bool> done) = 0;
    // The active silences as last fetched (refreshed every few seconds): what marks an alert
    // silenced without a call per alert.
    virtual std::vector<Silence> activeSilences() const = 0;
    virtual std::vector<AlertmanagerState> states() const = 0;
};

} // namespace aegis::alerting
