#include "health/ttl_prober.h"

#include "common/duration.h"
#include "validation/health_check_rules.h"

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
    const ExtensionDescription &describe() const override {
        static const ExtensionDescription description{
            ExtensionKind::HealthProber,
            "ttl",
            "TTL (reported)",
            "Does not probe: the instance reports its own status, and silence longer than the TTL "
            "counts as critical.",
            {
                {.name = "ttl",
                 .type = ParameterType::Duration,
                 .required = true,
                 .description = "how long an instance may stay silent before it counts as critical",
                 .placeholder = "30s"},
            }};
        return description;
    }
    StatusOr<ProberPtr> create(const ProbeSpec &spec, const ProberContext &context) const override {
        if (const auto problems = validation::validateProbeOptions(describe(), spec.options);
            !problems.empty()) {
            return invalidArgument(problems.front().message);
        }
        const auto ttl = parseDuration(spec.options.at("ttl"), "ttl");
        return ProberPtr(std::make_shared<TtlProber>(*ttl, context.clock));
    }
};

} // namespace

ProberFactoryPtr makeTtlProberFactory() {
    return std::make_unique<TtlProberFactory>();
}

} // namespace aegis::health
