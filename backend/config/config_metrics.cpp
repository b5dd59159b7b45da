#include "config/config_metrics.h"

namespace aegis::config {

ConfigMetrics::ConfigMetrics(prometheus::Registry &registry)
    : m_publishes(prometheus::BuildCounter()
                      .Name("aegis_config_publishes_total")
                      .Help("Configuration item versions published.")
                      .Register(registry)
                      .Add({}))
    , m_watchers(prometheus::BuildGauge()
                     .Name("aegis_config_watchers")
                     .Help("Configuration watches open.")
                     .Register(registry)
                     .Add({}))
    , m_pushed(prometheus::BuildCounter()
                   .Name("aegis_config_events_pushed_total")
                   .Help("Configuration events handed to watches, snapshots included.")
                   .Register(registry)
                   .Add({})) {}

void ConfigMetrics::published(std::size_t versions) {
    m_publishes.Increment(static_cast<double>(versions));
}

void ConfigMetrics::watchOpened() {
    m_watchers.Increment();
}

void ConfigMetrics::watchClosed() {
    m_watchers.Decrement();
}

void ConfigMetrics::pushed(std::size_t events) {
    if (events > 0) {
        m_pushed.Increment(static_cast<double>(events));
    }
}

} // namespace aegis::config
