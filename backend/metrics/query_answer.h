#pragma once

#include "common/status.h"
#include "metrics/query_backend.h"

#include <string_view>

namespace aegis::metrics {

// Reads the success answer of Prometheus' /api/v1/query or /api/v1/query_range
// ({"status":"success","data":{"resultType":...,"result":...},"warnings":[...]}) in one pass,
// straight into a QueryResult: no document is built, so a multi-megabyte matrix costs one copy of
// each label and eight bytes per number. Values are read as Prometheus writes them, strings
// including "NaN", "+Inf" and "-Inf"; labels come out sorted by name. Keys may come in any order;
// unknown keys (native histograms, "infos") are skipped.
//
// Anything else — not JSON, a "status" other than "success", a missing or malformed "data" — is
// InvalidArgument with a message saying what is wrong; the caller decides what that means (an
// error answer is mapped from the document instead).
StatusOr<QueryResult> parseQueryAnswer(std::string_view body);

} // namespace aegis::metrics
