#include "client/outcome_reporter.h"

#include "aegis/v1/health.grpc.pb.h"
#include "client/connection.h"
#include "client/grpc_status.h"

#include <limits>

namespace aegis::client {
namespace {

using namespace std::chrono_literals;

// The daemon's limit per report.
constexpr std::size_t kMaxOutcomesPerReport = 1000;

void addSaturating(std::uint32_t &counter) {
    if (counter < std::numeric_limits<std::uint32_t>::max()) {
        ++counter;
    }
}

} // namespace

StatusOr<std::unique_ptr<OutcomeReporter>>
OutcomeReporter::start(std::shared_ptr<grpc::Channel> channel, OutcomeReporterOptions options) {
    if (!channel) {
        return invalidArgument("OutcomeReporter needs a channel (see makeChannel())");
    }
    if (options.service.empty()) {
        return invalidArgument("OutcomeReporterOptions.service is required");
    }
    if (options.interval < 10ms || options.callTimeout <= 0ms) {
        return invalidArgument("OutcomeReporterOptions.interval must be at least 10ms and "
                               "callTimeout positive");
    }
    return std::unique_ptr<OutcomeReporter>(
        new OutcomeReporter(std::move(channel), std::move(options)));
}

OutcomeReporter::OutcomeReporter(std::shared_ptr<grpc::Channel> channel,
                                 OutcomeReporterOptions options)
    : m_options(std::move(options))
    , m_channel(std::move(channel))
    , m_thread([this] { run(); }) {}

OutcomeReporter::~OutcomeReporter() {
    m_stop.stop();
    if (m_thread.joinable()) {
        m_thread.join();
    }
}

void OutcomeReporter::record(const std::string &instanceId, bool success) {
    std::lock_guard lock(m_mutex);
    Counts &counts = m_pending[instanceId];
    if (success) {
        addSaturating(counts.successes);
        counts.trailingFailures = 0;
    } else {
        addSaturating(counts.failures);
        addSaturating(counts.trailingFailures);
    }
}

std::uint64_t OutcomeReporter::reportsSent() const {
    std::lock_guard lock(m_mutex);
    return m_reportsSent;
}

std::uint64_t OutcomeReporter::ejectionsCaused() const {
    std::lock_guard lock(m_mutex);
    return m_ejectionsCaused;
}

void OutcomeReporter::run() {
    while (m_stop.waitFor(m_options.interval)) {
        std::map<std::string, Counts> outcomes;
        {
            std::lock_guard lock(m_mutex);
            outcomes.swap(m_pending);
        }
        // Successes matter only to reset a run of failures the daemon has been told about.
        bool worthSending = false;
        for (const auto &[id, counts] : outcomes) {
            worthSending = worthSending || counts.failures > 0 || m_failing.count(id) != 0;
        }
        if (!worthSending) {
            continue;
        }
        for (const auto &[id, counts] : outcomes) {
            if (counts.trailingFailures > 0) {
                m_failing.insert(id);
            } else {
                m_failing.erase(id);
            }
        }
        send(std::move(outcomes));
    }
}

void OutcomeReporter::send(std::map<std::string, Counts> outcomes) {
    auto stub = aegis::v1::HealthService::NewStub(m_channel);
    auto it = outcomes.begin();
    while (it != outcomes.end()) {
        aegis::v1::ReportCallOutcomesRequest request;
        request.set_service(m_options.service);
        for (; it != outcomes.end() &&
               static_cast<std::size_t>(request.outcomes_size()) < kMaxOutcomesPerReport;
             ++it) {
            auto *out = request.add_outcomes();
            out->set_instance_id(it->first);
            out->set_successes(
                static_cast<std::int32_t>(std::min<std::uint32_t>(it->second.successes, 1u << 30)));
            out->set_failures(
                static_cast<std::int32_t>(std::min<std::uint32_t>(it->second.failures, 1u << 30)));
            out->set_trailing_failures(static_cast<std::int32_t>(
                std::min(it->second.trailingFailures, it->second.failures)));
        }
        aegis::v1::ReportCallOutcomesResponse response;
        grpc::ClientContext context;
        setTimeout(context, m_options.callTimeout);
        grpc::Status status;
        {
            AttachedCall call(m_stop, context);
            if (!call.attached()) {
                return;
            }
            status = stub->ReportCallOutcomes(&context, request, &response);
        }
        if (status.ok()) {
            std::lock_guard lock(m_mutex);
            ++m_reportsSent;
            m_ejectionsCaused += static_cast<std::uint64_t>(response.ejected_size());
        }
    }
}

} // namespace aegis::client
