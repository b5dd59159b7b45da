#pragma once

#include <string>

namespace aegis::alerting {

// The rule file aegisd ships and enables ("aegis-defaults", alerting.default_rules): instance
// critical, service error ratio and p99 latency (the RED queries of metrics/red_queries.h, so
// alerts and charts measure the same thing), process CPU, and aegisd's own health. YAML with
// comments for operators, in Prometheus' rule-file format; it passes parseRuleFile and
// `promtool check rules`.
std::string defaultRuleFile();

} // namespace aegis::alerting
