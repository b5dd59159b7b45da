#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <cstddef>

namespace aegis::config {

// The configuration center's figures on aegisd's /metrics (ConfigCenter::exportMetrics()):
//   aegis_config_publishes_total         item versions published (publish, change set, rollback,
//                                        approved proposal, gray promotion, import)
//   aegis_config_watchers                config watches open (WatchConfig streams)
//   aegis_config_events_pushed_total     config events handed to those watches, snapshots
//                                        included
// Thread-safe.
class ConfigMetrics {
public:
    explicit ConfigMetrics(prometheus::Registry &registry);

    void published(std::size_t versions);
    void watchOpened();
    void watchClosed();
    void pushed(std::size_t events);

private:
    prometheus::Counter &m_publishes;
    prometheus::Gauge &m_watchers;
    prometheus::Counter &m_pushed;
};

} // namespace aegis::config
