#pragma once

#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <vector>

// What TraceService answers, as plain values (TracesApi converts): search results, a trace's
// timeline (columnar, as the daemon sends it, so a 100,000-span trace is a few flat arrays and
// no per-span allocation), span details, the service graph and a comparison.
namespace aegis::console {

struct ServiceSpanCount {
    QString service;
    int spanCount = 0;
    int errorCount = 0;
};

struct TraceSummary {
    // 32 lowercase hex digits.
    QString traceId;
    QString rootService;
    QString rootOperation;
    QDateTime startTime;
    qint64 durationNanos = 0;
    int spanCount = 0;
    int errorCount = 0;
    QList<ServiceSpanCount> services;
    bool hasRoot = false;
};

struct TraceSearch {
    QString service;
    QString operation;
    // Invalid: the daemon's defaults (end: now; start: an hour before the end).
    QDateTime start;
    QDateTime end;
    // Negative: no bound.
    qint64 minDurationNanos = -1;
    qint64 maxDurationNanos = -1;
    QString tagQuery;
    int limit = 0;
};

struct TraceSearchResult {
    QList<TraceSummary> traces;
    bool truncated = false;
};

// Bits of TraceTimeline::flags (the protocol's TimelineFlag).
namespace timeline_flag {
constexpr std::uint32_t KindMask = 7;
constexpr std::uint32_t Error = 8;
constexpr std::uint32_t Ok = 16;
constexpr std::uint32_t HasEvents = 32;
constexpr std::uint32_t HasLinks = 64;
} // namespace timeline_flag

// Mirrors opentelemetry.proto.trace.v1.Span.SpanKind; the values are the protocol's.
enum class SpanKind {
    Unspecified = 0,
    Internal = 1,
    Server = 2,
    Client = 3,
    Producer = 4,
    Consumer = 5
};

// One trace as parallel arrays: entry i of each vector is span i. Spans are ordered by start
// (ties by span id); strings index `strings` (0 is ""); a parent id of 0 means none.
struct TraceTimeline {
    QString traceId;
    std::int64_t startUnixNano = 0;
    QStringList strings;
    std::vector<std::uint64_t> spanIds;
    std::vector<std::uint64_t> parentSpanIds;
    std::vector<std::uint32_t> services;
    std::vector<std::uint32_t> operations;
    std::vector<std::uint64_t> startOffsetsNanos;
    std::vector<std::uint64_t> durationsNanos;
    std::vector<std::uint32_t> flags;
    std::vector<std::uint32_t> versions;
    std::vector<std::uint32_t> colours;

    std::size_t size() const { return spanIds.size(); }
};

struct SpanAttribute {
    QString key;
    // The value as text (arrays and key-value lists as JSON).
    QString value;
};

struct SpanEvent {
    QDateTime time;
    std::int64_t timeUnixNano = 0;
    QString name;
    QList<SpanAttribute> attributes;
};

struct SpanLink {
    QString traceId;
    QString spanId;
    QList<SpanAttribute> attributes;
};

// One span in full (GetTrace with span_ids, or view FULL).
struct SpanDetail {
    QString traceId;
    QString spanId;
    QString parentSpanId;
    QString name;
    SpanKind kind = SpanKind::Unspecified;
    std::int64_t startUnixNano = 0;
    std::int64_t endUnixNano = 0;
    // "unset", "ok" or "error", and the status message.
    QString statusCode;
    QString statusMessage;
    QList<SpanAttribute> attributes;
    QList<SpanEvent> events;
    QList<SpanLink> links;
    QList<SpanAttribute> resource;
    QString scopeName;
    QString scopeVersion;
    int droppedAttributes = 0;
    int droppedEvents = 0;
    int droppedLinks = 0;
};

struct TraceDetail {
    TraceSummary summary;
    TraceTimeline timeline;
    // The spans asked for in full.
    QList<SpanDetail> spans;
};

struct TraceServiceInfo {
    QString name;
    qint64 spanCount = 0;
    int operationCount = 0;
    QStringList versions;
    QStringList colours;
};

struct TraceOperationInfo {
    QString name;
    SpanKind kind = SpanKind::Unspecified;
    qint64 spanCount = 0;
};

struct TraceAttributeKey {
    QString key;
    // Whether the key was seen on resources rather than spans.
    bool resource = false;
};

struct ServiceGraphNode {
    QString service;
    QString version;
    QString colour;
    double requestRate = 0;
    double errorRatio = 0;
};

struct ServiceGraphEdge {
    int caller = 0;
    int callee = 0;
    double callRate = 0;
    double errorRatio = 0;
    qint64 p50Nanos = 0;
    qint64 p99Nanos = 0;
    qint64 calls = 0;
};

struct ServiceGraph {
    QList<ServiceGraphNode> nodes;
    QList<ServiceGraphEdge> edges;
    QDateTime start;
    QDateTime end;
};

struct TracePathComparison {
    QString path;
    int depth = 0;
    int leftCount = 0;
    int rightCount = 0;
    qint64 leftDurationNanos = 0;
    qint64 rightDurationNanos = 0;
    int leftErrors = 0;
    int rightErrors = 0;
};

struct TraceComparison {
    TraceSummary left;
    TraceSummary right;
    QList<TracePathComparison> paths;
};

struct TraceForwardingStatus {
    QString endpoint;
    bool connected = false;
    qint64 spansSent = 0;
    qint64 spansDropped = 0;
    // Empty while healthy.
    QString lastError;
};

// GetTracingStatus: ingest counters, the store and its retention, the sampling policy and the
// forwarding destinations.
struct TracingStatus {
    bool storeEnabled = false;
    // Where OTLP/gRPC listens ("127.0.0.1:4317") and the OTLP/HTTP path ("/v1/traces").
    QString otlpGrpcAddress;
    QString otlpHttpPath;
    qint64 spansReceived = 0;
    qint64 spansRejected = 0;
    qint64 spansSampledOut = 0;
    qint64 spansStored = 0;
    qint64 tracesStored = 0;
    qint64 storeBytes = 0;
    qint64 retentionAgeMs = 0;
    qint64 retentionBytes = 0;
    // Invalid while the store is empty.
    QDateTime oldestSpan;
    QString samplingPolicy;
    qint64 samplingPolicyVersion = 0;
    QList<TraceForwardingStatus> forwarding;
};

} // namespace aegis::console

Q_DECLARE_METATYPE(aegis::console::TraceSummary)
