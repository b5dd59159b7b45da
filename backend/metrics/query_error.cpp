#include "metrics/query_error.h"

#include <charconv>

namespace aegis::metrics {
namespace {

// Reads a positive number from the front of `text` followed by `separator`, consuming both.
std::optional<int> takeNumber(std::string_view &text, char separator) {
    int value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || value <= 0 || end == text.data() + text.size() ||
        *end != separator) {
        return std::nullopt;
    }
    text.remove_prefix(static_cast<std::size_t>(end - text.data()) + 1);
    return value;
}

} // namespace

std::optional<QueryPosition> queryErrorPosition(std::string_view message) {
    constexpr std::string_view kPrefix = "query: ";
    if (!message.starts_with(kPrefix)) {
        return std::nullopt;
    }
    message.remove_prefix(kPrefix.size());
    const auto line = takeNumber(message, ':');
    const auto column = line ? takeNumber(message, ':') : std::nullopt;
    if (!column) {
        return std::nullopt;
    }
    return QueryPosition{*line, *column};
}

} // namespace aegis::metrics
