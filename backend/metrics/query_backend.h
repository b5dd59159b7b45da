#pragma once

#include "common/status.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace aegis::metrics {

// A series' labels, sorted by name.
using Labels = std::vector<std::pair<std::string, std::string>>;

// One time series: timestampsMs[i] (milliseconds since the epoch, ascending) is the time of
// values[i]. Both vectors have the same length; label sets without points (Series answers)
// leave them empty.
struct Series {
    Labels labels;
    std::vector<std::int64_t> timestampsMs;
    std::vector<double> values;
};

enum class ResultType { Vector, Matrix, Scalar, String };

// What a PromQL expression evaluated to. A scalar is one series without labels holding one
// point; a string is in stringValue with no series.
struct QueryResult {
    ResultType type = ResultType::Vector;
    std::vector<Series> series;
    std::string stringValue;
    std::vector<std::string> warnings;
};

struct InstantQuery {
    std::string query;
    std::chrono::system_clock::time_point time;
    // How long the backend may evaluate; the call gives up at this plus a margin.
    std::chrono::milliseconds timeout{30000};
};

struct RangeQuery {
    std::string query;
    std::chrono::system_clock::time_point start;
    std::chrono::system_clock::time_point end;
    std::chrono::milliseconds step{15000};
    std::chrono::milliseconds timeout{30000};
};

// Series, LabelNames and LabelValues all select by matchers over a time range.
struct SeriesSelection {
    std::vector<std::string> matchers;
    std::chrono::system_clock::time_point start;
    std::chrono::system_clock::time_point end;
};

enum class TargetHealth { Unknown, Up, Down };

struct Target {
    Labels labels;
    std::string scrapeUrl;
    std::string scrapePool;
    TargetHealth health = TargetHealth::Unknown;
    std::string lastError;
    std::chrono::system_clock::time_point lastScrape;
    std::chrono::microseconds lastScrapeDuration{0};
};

// Anything that answers the Prometheus HTTP query API: the managed child, Prometheus, Thanos,
// Mimir, VictoriaMetrics. Callers are the metrics API, rollout analysis and alert rules.
//
// Contract for every method: `done` is called exactly once, on a thread of the backend's
// executor, never from inside the call. Errors carry canonical codes: InvalidArgument for a
// query the backend rejects (its message kept, "query: LINE:COL: ..." when it names a position),
// Unavailable with the backend's URL and reason when it cannot be reached or fails,
// DeadlineExceeded when the answer does not come in time, FailedPrecondition when metrics are
// turned off.
class QueryBackend {
public:
    template <typename T>
    using Done = std::function<void(StatusOr<T>)>;

    virtual ~QueryBackend() = default;

    virtual void query(InstantQuery request, Done<QueryResult> done) = 0;
    virtual void queryRange(RangeQuery request, Done<QueryResult> done) = 0;
    virtual void series(SeriesSelection selection, Done<std::vector<Labels>> done) = 0;
    virtual void labelNames(SeriesSelection selection, Done<std::vector<std::string>> done) = 0;
    virtual void labelValues(std::string name, SeriesSelection selection,
                             Done<std::vector<std::string>> done) = 0;
    virtual void targets(Done<std::vector<Target>> done) = 0;
};

} // namespace aegis::metrics
