#pragma once

#include <optional>
#include <string_view>

namespace aegis::metrics {

// Where in a query the backend found a problem: 1-based line and column.
struct QueryPosition {
    int line = 0;
    int column = 0;
};

// The position an INVALID_ARGUMENT message of a QueryBackend names ("query: LINE:COL: ..."), or
// nothing when it names none.
std::optional<QueryPosition> queryErrorPosition(std::string_view message);

} // namespace aegis::metrics
