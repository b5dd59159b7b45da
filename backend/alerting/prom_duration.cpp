// Prometheus' duration syntax (prometheus/common model.ParseDuration and Duration.String), which
// rule files use; aegisd's own options use common/duration.h.

#include "alerting/rule_file.h"

#include <cctype>
#include <cstdint>
#include <limits>

namespace aegis::alerting {

namespace {

struct PromUnit {
    std::string_view name;
    std::int64_t millis;
};
// Biggest first: a duration lists its units in this order, each at most once.
constexpr PromUnit kPromUnits[] = {
    {"y", 365LL * 24 * 3600 * 1000},
    {"w", 7LL * 24 * 3600 * 1000},
    {"d", 24LL * 3600 * 1000},
    {"h", 3600LL * 1000},
    {"m", 60LL * 1000},
    {"s", 1000},
    {"ms", 1},
};

} // namespace

StatusOr<std::chrono::milliseconds> parsePromDuration(std::string_view text,
                                                      std::string_view field) {
    const auto invalid = [&](std::string_view why) {
        return invalidArgument(std::string(field) + ": " + std::string(why) + " \"" +
                               std::string(text.substr(0, 64)) +
                               "\" (use e.g. 30s, 2m, 1h30m, 1d, 1w)");
    };
    if (text == "0") {
        return std::chrono::milliseconds(0);
    }
    if (text.empty()) {
        return invalidArgument(std::string(field) + ": empty duration string");
    }
    std::int64_t total = 0;
    std::size_t lastUnit = 0; // index into kPromUnits + 1 of the previous unit
    std::size_t i = 0;
    while (i < text.size()) {
        if (!std::isdigit(static_cast<unsigned char>(text[i]))) {
            return invalid("not a valid duration string:");
        }
        std::int64_t number = 0;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
            if (number > std::numeric_limits<std::int64_t>::max() / 10 - 10) {
                return invalid("duration out of range:");
            }
            number = number * 10 + (text[i++] - '0');
        }
        const std::size_t unitStart = i;
        while (i < text.size() && !std::isdigit(static_cast<unsigned char>(text[i]))) {
            ++i;
        }
        const std::string_view unitName = text.substr(unitStart, i - unitStart);
        if (unitName.empty()) {
            return invalid("not a valid duration string:");
        }
        std::size_t unit = 0;
        while (unit < std::size(kPromUnits) && kPromUnits[unit].name != unitName) {
            ++unit;
        }
        if (unit == std::size(kPromUnits)) {
            return invalid("unknown unit \"" + std::string(unitName) + "\" in duration");
        }
        if (unit + 1 <= lastUnit) {
            return invalid("not a valid duration string (units go from biggest to smallest):");
        }
        lastUnit = unit + 1;
        const std::int64_t size = kPromUnits[unit].millis;
        if (number > (std::numeric_limits<std::int64_t>::max() / 1000000 - total) / size) {
            return invalid("duration out of range:");
        }
        total += number * size;
    }
    return std::chrono::milliseconds(total);
}

std::string formatPromDuration(std::chrono::milliseconds duration) {
    std::int64_t ms = duration.count();
    if (ms == 0) {
        return "0s";
    }
    std::string out;
    if (ms < 0) {
        out = "-";
        ms = -ms;
    }
    for (const auto &[name, size] : kPromUnits) {
        // Years and weeks only when exact, as Prometheus prints 90d rather than 12w6d.
        const bool exactOnly = name == "y" || name == "w";
        if (exactOnly && ms % size != 0) {
            continue;
        }
        if (ms >= size) {
            out += std::to_string(ms / size) + std::string(name);
            ms %= size;
        }
    }
    return out;
}

} // namespace aegis::alerting
