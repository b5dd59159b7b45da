#include "health/ttl_prober.h"

#include "common/duration.h"

namespace aegis::health {

TtlProber::TtlProber(std::chrono::milliseconds ttl, ClockPtr clock)
    : m_ttl(ttl)
    , m_clock(std::move(clock)) {}

void TtlProber::probe(std::chrono::milliseconds timeout, ProbeCallback done) {
    (void)timeout;
    ProbeResult result;
    {
        std::lock_guard lock(m_mutex);
        if (!m_last) {
            result = {HealthState::Critical, "no status reported yet"};
        } else if (m_clock->steadyNow() - m_reportedAt > m_ttl) {
            result = {HealthState::Critical, "TTL of " + formatDuration(m_ttl) +
                                                 " expired; last report: " + m_last->output};
        } else {
            result = *m_last;
        }
    }
    done(std::move(result));
}

Status TtlProber::acceptReport(const ProbeResult &result) {
    if (result.status == HealthState::Unknown) {
        return invalidArgument("status: a report must be passing, warning or critical");
    }
    std::lock_guard lock(m_mutex);
    m_last = result;
    m_reportedAt = m_clock->steadyNow();
    return Status::ok();
}

namespace {

class TtlProberFactory final : public ProberFactory {
public:
    std::string kind() const override { return "ttl"; }
    StatusOr<ProberPtr> create(const ProbeSpec &spec, const ProberContext &context) const override {
        auto ttlOption = spec.options.find("ttl");
        if (ttlOption == spec.options.end() || spec.options.size() != 1) {
            return invalidArgument("ttl check: exactly one option, ttl, is required");
        }
        auto ttl = parseDuration(ttlOption->second, "ttl");
        if (!ttl) {
            return ttl.status();
        }
        if (ttl->count() <= 0) {
            return invalidArgument("ttl check: ttl must be positive");
        }
        return ProberPtr(std::make_shared<TtlProber>(*ttl, context.clock));
    }
};

} // namespace

ProberFactoryPtr makeTtlProberFactory() {
    return std::make_unique<TtlProberFactory>();
}

} // namespace aegis::health
