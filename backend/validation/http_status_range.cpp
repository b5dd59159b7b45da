#include "validation/http_status_range.h"

#include "common/input_text.h"

#include <charconv>

namespace aegis::validation {
namespace {

std::optional<unsigned> parseCode(std::string_view text) {
    unsigned value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < 100 ||
        value > 599) {
        return std::nullopt;
    }
    return value;
}

} // namespace

std::optional<HttpStatusRange> parseHttpStatusRange(std::string_view text) {
    const auto dash = text.find('-');
    const auto low = parseCode(text.substr(0, dash));
    const auto high = dash == std::string_view::npos ? low : parseCode(text.substr(dash + 1));
    if (!low || !high || *low > *high) {
        return std::nullopt;
    }
    return HttpStatusRange{*low, *high};
}

std::string httpStatusRangeProblem(std::string_view field, std::string_view text) {
    return std::string(field) + " must be a code or a range such as 200-399 within 100-599, got " +
           quoteInput(text);
}

} // namespace aegis::validation
