#include "metrics/red_queries.h"

#include <cstdio>

namespace aegis::metrics {
namespace {

std::string byClause(const ServiceScope &scope, std::string_view extra = {}) {
    std::string labels = scope.by;
    if (!extra.empty()) {
        labels += labels.empty() ? std::string(extra) : "," + std::string(extra);
    }
    return labels.empty() ? "sum" : "sum by (" + labels + ")";
}

std::string formatQuantile(double quantile) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", quantile);
    return text;
}

} // namespace

std::string quoteLabelValue(std::string_view value) {
    std::string quoted = "\"";
    for (char c : value) {
        if (c == '"' || c == '\\') {
            quoted += '\\';
            quoted += c;
        } else if (c == '\n') {
            quoted += "\\n";
        } else {
            quoted += c;
        }
    }
    return quoted + "\"";
}

std::string scopeMatchers(const ServiceScope &scope) {
    std::string matchers = scope.service.empty() ? std::string("service!=\"\"")
                                                 : "service=" + quoteLabelValue(scope.service);
    for (const auto &[name, value] :
         {std::pair<const char *, const std::string &>{"color", scope.color},
          {"version", scope.version},
          {"instance", scope.instance}}) {
        if (!value.empty()) {
            matchers += std::string(",") + name + "=" + quoteLabelValue(value);
        }
    }
    return matchers;
}

std::string requestRateQuery(const ServiceScope &scope) {
    return byClause(scope) + " (rate(http_requests_total{" + scopeMatchers(scope) + "}[" +
           scope.window + "]))";
}

std::string errorRatioQuery(const ServiceScope &scope) {
    const std::string matchers = scopeMatchers(scope);
    // Dividing by the total keeps a colour with traffic and no errors at 0 instead of absent.
    return "(" + byClause(scope) + " (rate(http_requests_total{" + matchers + ",code=~\"5..\"}[" +
           scope.window + "])) or " + byClause(scope) + " (rate(http_requests_total{" + matchers +
           "}[" + scope.window + "])) * 0) / " + byClause(scope) + " (rate(http_requests_total{" +
           matchers + "}[" + scope.window + "]))";
}

std::string latencyQuantileQuery(const ServiceScope &scope, double quantile) {
    return "histogram_quantile(" + formatQuantile(quantile) + ", " + byClause(scope, "le") +
           " (rate(http_request_duration_seconds_bucket{" + scopeMatchers(scope) + "}[" +
           scope.window + "])))";
}

std::string instancesUpQuery(const ServiceScope &scope) {
    return byClause(scope) + " (up{" + scopeMatchers(scope) + "})";
}

std::string cpuQuery(const ServiceScope &scope) {
    return "sum by (instance) (rate(process_cpu_seconds_total{" + scopeMatchers(scope) + "}[" +
           scope.window + "]))";
}

std::string memoryQuery(const ServiceScope &scope) {
    return "sum by (instance) (process_resident_memory_bytes{" + scopeMatchers(scope) + "})";
}

} // namespace aegis::metrics
