#pragma once

#include <string>
#include <string_view>

namespace aegis::metrics {

// The PromQL behind a service's RED dashboard (rate, errors, duration), shared by the console's
// charts, the canary comparison and the default alert rules so they all measure the same thing.
//
// The convention a service follows to get them (aegis-sample does; docs/metrics.md explains it):
//   http_requests_total{code="200", method, route}      counter of finished requests
//   http_request_duration_seconds_bucket{le, ...}       histogram of their durations
// and aegisd's HTTP service discovery adds `service`, `instance`, `version`, `color` and `zone`
// to every series it scrapes. Statuses 500-599 are errors.
struct ServiceScope {
    // Empty: every service (the series that have a `service` label), e.g. with by = "service".
    std::string service;
    // Narrow to one colour, version or instance when not empty.
    std::string color;
    std::string version;
    std::string instance;
    // The label each query keeps ("color", "version", "instance"); empty sums everything.
    std::string by = "color";
    // The rate() window; at least four scrape intervals.
    std::string window = "1m";
};

// A label value as a PromQL string literal, quotes included.
std::string quoteLabelValue(std::string_view value);

// `service="checkout",color="green"`: the scope's matchers, without braces.
std::string scopeMatchers(const ServiceScope &scope);

// Requests per second.
std::string requestRateQuery(const ServiceScope &scope);
// Share of requests that failed with a 5xx status, 0 to 1.
std::string errorRatioQuery(const ServiceScope &scope);
// The `quantile` (0.5, 0.95, 0.99) of request durations, in seconds.
std::string latencyQuantileQuery(const ServiceScope &scope, double quantile);
// Instances scraped successfully (the `up` series).
std::string instancesUpQuery(const ServiceScope &scope);
// CPU seconds per second and resident memory bytes, per instance.
std::string cpuQuery(const ServiceScope &scope);
std::string memoryQuery(const ServiceScope &scope);

} // namespace aegis::metrics
