#pragma once

#include "health/prober.h"

#include <mutex>
#include <optional>

namespace aegis::health {

// "ttl": the instance reports its own status (through acceptReport, from any thread); each probe
// returns the last report while it is younger than `ttl`, and Critical once it has expired or
// before the first report.
class TtlProber final : public Prober {
public:
    TtlProber(std::chrono::milliseconds ttl, ClockPtr clock);

    void probe(std::chrono::milliseconds timeout, ProbeCallback done) override;
    void cancel() override {}
    Status acceptReport(const ProbeResult &result) override;

private:
    std::chrono::milliseconds m_ttl;
    ClockPtr m_clock;
    std::mutex m_mutex;
    std::optional<ProbeResult> m_last;
    std::chrono::steady_clock::time_point m_reportedAt;
};

ProberFactoryPtr makeTtlProberFactory();

} // namespace aegis::health
