#pragma once

#include "common/clock.h"

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace aegis::health {

struct OutlierDetectorOptions {
    // Consecutive failed calls that eject an instance.
    unsigned consecutiveFailures = 5;
    // An ejection lasts this long times the instance's number of ejections so far...
    std::chrono::milliseconds baseEjectionTime = std::chrono::seconds(30);
    // ...but never longer than this.
    std::chrono::milliseconds maxEjectionTime = std::chrono::minutes(5);
    // At most this share (0..1) of a service's known instances is ejected at once, rounded down
    // but at least one of two or more instances (unless the share is 0).
    double maxEjectedShare = 0.1;
};

// Passive health: ejects instances that callers see failing. Fed with call outcomes from any
// thread (libaegis-client reports, the proxy, ...); time comes from the clock, and expired
// ejections end lazily on the next call that looks at the instance, or on sweep(). Thread-safe.
class OutlierDetector {
public:
    // One instance as the detector sees it.
    struct InstanceState {
        bool ejected = false;
        std::chrono::steady_clock::time_point ejectedUntil;
        unsigned ejections = 0;
        unsigned consecutiveFailures = 0;
    };

    OutlierDetector(OutlierDetectorOptions options, ClockPtr clock);

    // Declares a service's instances, so the share is computed over all of them, not just those
    // with reported calls. Instances no longer listed are forgotten.
    void setInstances(const std::string &service, const std::vector<std::string> &instanceIds);

    // Records one call's outcome; returns true when this call ejected the instance.
    bool recordOutcome(const std::string &service, const std::string &instanceId, bool success);

    bool isEjected(const std::string &service, const std::string &instanceId);
    std::vector<std::string> ejectedInstances(const std::string &service);
    // Ends expired ejections; returns "service/instance" of each one ended.
    std::vector<std::string> sweep();
    // How many times the instance has been ejected (the multiplier of its next ejection).
    unsigned ejectionCount(const std::string &service, const std::string &instanceId) const;
    InstanceState state(const std::string &service, const std::string &instanceId);

private:
    struct Instance {
        unsigned consecutiveFailures = 0;
        unsigned ejections = 0;
        bool ejected = false;
        std::chrono::steady_clock::time_point ejectedUntil;
    };
    using Service = std::map<std::string, Instance, std::less<>>;

    // Ends the ejection if it has expired; returns whether it is still ejected.
    bool refresh(Instance &instance, std::chrono::steady_clock::time_point now) const;
    std::size_t ejectedCount(Service &service, std::chrono::steady_clock::time_point now) const;

    OutlierDetectorOptions m_options;
    ClockPtr m_clock;
    mutable std::mutex m_mutex;
    std::map<std::string, Service, std::less<>> m_services;
};

} // namespace aegis::health
