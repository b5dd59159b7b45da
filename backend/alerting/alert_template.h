#pragma once

#include "alerting/alert.h"
#include "common/status.h"

#include <string>
#include <string_view>

namespace aegis::alerting {

// What a rule's label and annotation templates see: {{ $labels.service }}, {{ $value }},
// {{ $externalLabels.x }} (and their dotted forms .Labels, .Value, .ExternalLabels).
struct TemplateData {
    const LabelSet &labels;
    double value = 0;
    const LabelSet &externalLabels;
};

// Expands a Go-template-style text the way Prometheus does for alert annotations and labels: the
// subset its documentation lists (variables, pipelines, if/else/with/range over $labels, printf,
// humanize, humanize1024, humanizeDuration, humanizePercentage, humanizeTimestamp, title, toUpper,
// toLower, reReplaceAll, match, first/value over query results are not supported: an expansion
// that needs them fails). INVALID_ARGUMENT with the column of a text that does not parse; an
// error while expanding is returned the same way (Prometheus then shows the error in place of the
// text: callers do so too).
StatusOr<std::string> expandTemplate(std::string_view text, const TemplateData &data);
// Parses only: what validation runs for every label and annotation.
Status checkTemplate(std::string_view text);

} // namespace aegis::alerting
