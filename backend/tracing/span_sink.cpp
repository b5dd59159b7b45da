#include "tracing/span_sink.h"

namespace aegis::tracing {

std::size_t
countSpans(const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest &request) {
    std::size_t count = 0;
    for (const auto &resourceSpans : request.resource_spans()) {
        for (const auto &scopeSpans : resourceSpans.scope_spans()) {
            count += static_cast<std::size_t>(scopeSpans.spans_size());
        }
    }
    return count;
}

} // namespace aegis::tracing
