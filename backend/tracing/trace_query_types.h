#pragma once

#include "tracing/tag_query.h"
#include "tracing/trace_ids.h"

#include "opentelemetry/proto/trace/v1/trace.pb.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace aegis::tracing {

// The span store's questions and answers (proto/aegis/v1/tracing.proto is their contract; the API
// only converts them). Times are Unix nanoseconds, durations nanoseconds.

struct TraceSearch {
    std::string service;   // "": any
    std::string operation; // "": any (requires service)
    std::int64_t fromUnixNano = 0;
    std::int64_t toUnixNano = 0; // exclusive
    std::optional<std::int64_t> minDurationNanos;
    std::optional<std::int64_t> maxDurationNanos;
    std::optional<TagQuery> tagQuery; // unset or empty: no tag condition
    std::size_t limit = 20;
};

struct ServiceSpanCount {
    std::string service;
    std::uint32_t spanCount = 0;
    std::uint32_t errorCount = 0;
};

struct TraceSummary {
    TraceId traceId{};
    std::string rootService;
    std::string rootOperation;
    std::int64_t startUnixNano = 0;
    std::int64_t durationNanos = 0;
    std::uint32_t spanCount = 0;
    std::uint32_t errorCount = 0;
    std::vector<ServiceSpanCount> services;
    bool hasRoot = false;
};

struct TraceSearchResult {
    std::vector<TraceSummary> traces;
    bool truncated = false;
};

// Bits of TraceTimeline::flags, as tracing.proto's TimelineFlag.
inline constexpr std::uint32_t kTimelineKindMask = 7;
inline constexpr std::uint32_t kTimelineError = 8;
inline constexpr std::uint32_t kTimelineOk = 16;
inline constexpr std::uint32_t kTimelineHasEvents = 32;
inline constexpr std::uint32_t kTimelineHasLinks = 64;

// A trace's spans as parallel arrays, ordered by start (ties by span id); strings[0] is "".
struct TraceTimeline {
    std::int64_t startUnixNano = 0;
    std::vector<std::string> strings;
    std::vector<std::uint64_t> spanIds;
    std::vector<std::uint64_t> parentSpanIds;
    std::vector<std::uint32_t> services;
    std::vector<std::uint32_t> operations;
    std::vector<std::uint64_t> startOffsetsNanos;
    std::vector<std::uint64_t> durationsNanos;
    std::vector<std::uint32_t> flags;
    std::vector<std::uint32_t> versions;
    std::vector<std::uint32_t> colours;
};

struct TraceRequest {
    TraceId traceId{};
    // Every span in full, or only these (span details).
    bool full = false;
    std::vector<SpanId> spanIds;
};

struct TraceDetail {
    TraceSummary summary;
    TraceTimeline timeline;
    // The spans asked for, grouped by resource and scope as received.
    opentelemetry::proto::trace::v1::TracesData spans;
};

struct TraceServiceInfo {
    std::string name;
    std::uint64_t spanCount = 0;
    std::uint32_t operationCount = 0;
    std::vector<std::string> versions;
    std::vector<std::string> colours;
};

struct OperationInfo {
    std::string name;
    int kind = 0; // OTLP Span.SpanKind
    std::uint64_t spanCount = 0;
};

struct AttributeKeyInfo {
    std::string key;
    bool resource = false;
};

struct ServiceGraphNode {
    std::string service;
    std::string version; // by release only
    std::string colour;  // by release only
    double requestRate = 0;
    double errorRatio = 0;
};

struct ServiceGraphEdge {
    std::uint32_t caller = 0;
    std::uint32_t callee = 0;
    double callRate = 0;
    double errorRatio = 0;
    std::int64_t p50Nanos = 0;
    std::int64_t p99Nanos = 0;
    std::uint64_t calls = 0;
};

struct ServiceGraph {
    std::vector<ServiceGraphNode> nodes;
    std::vector<ServiceGraphEdge> edges;
    // Only the first TraceStoreOptions::maxServiceGraphSpans spans of the window were read.
    bool truncated = false;
};

struct TracePathComparison {
    std::string path;
    std::uint32_t depth = 0;
    std::uint32_t leftCount = 0;
    std::uint32_t rightCount = 0;
    std::int64_t leftDurationNanos = 0;
    std::int64_t rightDurationNanos = 0;
    std::uint32_t leftErrors = 0;
    std::uint32_t rightErrors = 0;
};

struct TraceComparison {
    TraceSummary left;
    TraceSummary right;
    std::vector<TracePathComparison> paths;
};

// The store's part of GetTracingStatus.
struct SpanStoreStatus {
    std::uint64_t spansStored = 0;
    std::uint64_t tracesStored = 0;
    std::uint64_t bytes = 0;
    std::int64_t retentionAgeNanos = 0;
    std::uint64_t retentionBytes = 0;
    std::int64_t oldestSpanUnixNano = 0; // 0: none stored
};

} // namespace aegis::tracing
