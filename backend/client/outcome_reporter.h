#pragma once

#include "client/stop_signal.h"
#include "common/status.h"

#include <grpcpp/channel.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

namespace aegis::client {

struct OutcomeReporterOptions {
    // Required: the service whose instances the calls went to.
    std::string service;
    // How often the outcomes gathered are sent (ReportCallOutcomes). Ejection by aegisd follows
    // within about this long plus one watch event.
    std::chrono::milliseconds interval{250};
    std::chrono::milliseconds callTimeout{2000};
};

// Passive health checking from the caller's side: counts the outcome of every call to an
// instance of one service and sends them to aegisd in one ReportCallOutcomes call per interval,
// so that an instance failing its callers is ejected from everyone's discovery. record() never
// blocks on the network; reports that cannot be sent are dropped (the next interval carries
// newer ones). Thread-safe; owns one thread, joined by the destructor.
class OutcomeReporter {
public:
    static StatusOr<std::unique_ptr<OutcomeReporter>> start(std::shared_ptr<grpc::Channel> channel,
                                                            OutcomeReporterOptions options);
    ~OutcomeReporter();
    OutcomeReporter(const OutcomeReporter &) = delete;
    OutcomeReporter &operator=(const OutcomeReporter &) = delete;

    // One call to `instanceId` ended: `success` false for a connection failure, a timeout or a
    // server error (5xx, UNAVAILABLE); an application-level refusal (4xx) is a success here.
    void record(const std::string &instanceId, bool success);

    // Reports sent and instances aegisd ejected because of them, for tests and metrics.
    std::uint64_t reportsSent() const;
    std::uint64_t ejectionsCaused() const;

private:
    struct Counts {
        std::uint32_t successes = 0;
        std::uint32_t failures = 0;
        std::uint32_t trailingFailures = 0;
    };

    OutcomeReporter(std::shared_ptr<grpc::Channel> channel, OutcomeReporterOptions options);
    void run();
    void send(std::map<std::string, Counts> outcomes);

    const OutcomeReporterOptions m_options;
    const std::shared_ptr<grpc::Channel> m_channel;
    StopSignal m_stop;
    // Instances whose last report ended in failures (the reporter's thread only).
    std::set<std::string> m_failing;
    mutable std::mutex m_mutex;
    std::map<std::string, Counts> m_pending; // by instance id
    std::uint64_t m_reportsSent = 0;
    std::uint64_t m_ejectionsCaused = 0;
    std::thread m_thread; // last: started once everything above exists
};

using OutcomeReporterPtr = std::unique_ptr<OutcomeReporter>;

} // namespace aegis::client
