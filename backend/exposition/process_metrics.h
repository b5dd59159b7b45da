#pragma once

#include <prometheus/collectable.h>

namespace aegis::exposition {

// The standard process_* metrics of the calling process (CPU, memory, file descriptors, start time,
// threads), read from /proc/self on each scrape.
class ProcessMetrics final : public prometheus::Collectable {
public:
    std::vector<prometheus::MetricFamily> Collect() const override;
};

} // namespace aegis::exposition
