#pragma once

#include "common/clock.h"
#include "metrics/backend_status.h"
#include "metrics/metrics_settings.h"
#include "metrics/query_backend.h"

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

namespace aegis::metrics {

struct PrometheusClientOptions {
    // Sent as "Authorization: Bearer <token>" when not empty.
    std::string bearerToken;
    // HTTP basic authentication when basicAuthUser is not empty.
    std::string basicAuthUser;
    std::string basicAuthPassword;
    // A PEM bundle of the CAs trusted for an https URL; the system's trust store when empty.
    std::filesystem::path caFile;
    // Added to a request's own timeout (a query's, or requestTimeout) to make its deadline: the
    // backend gets the whole timeout and still answers before the call gives up.
    std::chrono::milliseconds deadlineMargin{2000};
    // The timeout of calls that carry none (series, labels, targets, the readiness probe).
    std::chrono::milliseconds requestTimeout{10000};
    // How often status() is refreshed by probing the backend with the query "1" (zero: no probe;
    // status() then follows the outcomes of calls alone).
    std::chrono::milliseconds probeInterval{10000};
    // The mode status() reports.
    BackendMode mode = BackendMode::External;
    // For status()'s `since`; the system clock when null.
    ClockPtr clock;

    // The options of metrics.external.*: reads the bearer token and the basic-auth password from
    // their files. INVALID_ARGUMENT naming the option when a file cannot be read.
    static StatusOr<PrometheusClientOptions> fromSettings(const MetricsSettings &settings);
};

// A QueryBackend over the Prometheus HTTP API (/api/v1/...) of any store that speaks it, at a base
// URL (http or https, optionally with a path prefix such as "https://mimir.example/prometheus").
// Requests are asynchronous on the given executor; queries, series and label names are POSTed
// form-encoded, so long queries and many matchers fit. Every request has a deadline (its timeout
// plus deadlineMargin) and never waits longer; idle connections are kept for reuse.
//
// Errors follow QueryBackend's contract: a query Prometheus rejects (bad_data, execution) is
// INVALID_ARGUMENT with its message, as "query: LINE:COL: ..." when it names a position; a
// backend that refuses the connection, answers 5xx or is unreachable is UNAVAILABLE naming the URL
// and the reason; a timeout (ours or the backend's) is DEADLINE_EXCEEDED.
//
// Thread-safe. Destroying the client stops its probe; calls in flight still complete (with their
// result or an error) as long as the executor runs.
class PrometheusClient final : public QueryBackend {
public:
    // INVALID_ARGUMENT when `baseUrl` is not http(s)://HOST[:PORT][/PATH] or the CA file cannot
    // be loaded.
    static StatusOr<std::unique_ptr<PrometheusClient>> create(boost::asio::any_io_executor executor,
                                                              std::string baseUrl,
                                                              PrometheusClientOptions options = {});
    ~PrometheusClient() override;
    PrometheusClient(const PrometheusClient &) = delete;
    PrometheusClient &operator=(const PrometheusClient &) = delete;

    void query(InstantQuery request, Done<QueryResult> done) override;
    void queryRange(RangeQuery request, Done<QueryResult> done) override;
    void series(SeriesSelection selection, Done<std::vector<Labels>> done) override;
    void labelNames(SeriesSelection selection, Done<std::vector<std::string>> done) override;
    void labelValues(std::string name, SeriesSelection selection,
                     Done<std::vector<std::string>> done) override;
    void targets(Done<std::vector<Target>> done) override;

    // The backend as last seen by the probe or a call: Starting until the first answer, then
    // Ready, or Down with the reason (a call that found it unreachable marks it Down at once).
    BackendStatus status() const;
    // The base URL, without a trailing slash.
    const std::string &url() const;

    struct Impl;

private:
    explicit PrometheusClient(std::shared_ptr<Impl> impl);
    std::shared_ptr<Impl> m_impl;
};

using PrometheusClientPtr = std::unique_ptr<PrometheusClient>;

} // namespace aegis::metrics
