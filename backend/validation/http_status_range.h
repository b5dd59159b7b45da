#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace aegis::validation {

// An inclusive range of HTTP statuses, as an http health check's "status" option and aegisctl's
// --status write it: one code ("200") or two joined by '-' ("200-399"), each within 100-599, the
// low end first.
struct HttpStatusRange {
    unsigned low = 200;
    unsigned high = 299;
    bool operator==(const HttpStatusRange &) const = default;
};

// Nullopt when `text` is not such a range (spaces, signs and other characters included).
std::optional<HttpStatusRange> parseHttpStatusRange(std::string_view text);

// The sentence that refuses `text` as the range `field` names: "<field> must be a code or a range
// such as 200-399 within 100-599, got '<text>'".
std::string httpStatusRangeProblem(std::string_view field, std::string_view text);

} // namespace aegis::validation
