#pragma once

#include <string_view>

namespace aegis::alerting {

// Prometheus' classic names, which rule files and Alertmanager 0.25 require:
// a label name is [a-zA-Z_][a-zA-Z0-9_]*, a metric name [a-zA-Z_:][a-zA-Z0-9_:]*.
bool isValidLabelName(std::string_view name);
bool isValidMetricName(std::string_view name);
// Label values, and the values of Alertmanager's matchers, must be valid UTF-8.
bool isValidUtf8(std::string_view text);

} // namespace aegis::alerting
