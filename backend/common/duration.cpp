#include "common/duration.h"

#include <cctype>
#include <cstdint>
#include <limits>

namespace aegis {

StatusOr<std::chrono::milliseconds> parseDuration(std::string_view text, std::string_view field) {
    const auto invalid = [&] {
        return invalidArgument(std::string(field) + ": '" + std::string(text.substr(0, 64)) +
                               "' is not a duration (use e.g. 500ms, 10s, 5m, 1h30m, 7d)");
    };
    if (text.empty()) {
        return invalid();
    }
    std::int64_t total = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        std::int64_t number = 0;
        const std::size_t digitsStart = i;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
            if (number > std::numeric_limits<std::int64_t>::max() / 10 - 10) {
                return invalid();
            }
            number = number * 10 + (text[i++] - '0');
        }
        if (i == digitsStart) {
            return invalid();
        }
        std::int64_t unitMillis;
        if (text.substr(i, 2) == "ms") {
            unitMillis = 1;
            i += 2;
        } else if (i < text.size() && text[i] == 's') {
            unitMillis = 1000;
            ++i;
        } else if (i < text.size() && text[i] == 'm') {
            unitMillis = 60 * 1000;
            ++i;
        } else if (i < text.size() && text[i] == 'h') {
            unitMillis = 3600 * 1000;
            ++i;
        } else if (i < text.size() && text[i] == 'd') {
            unitMillis = 24 * 3600 * 1000;
            ++i;
        } else {
            return invalid();
        }
        if (number > (std::numeric_limits<std::int64_t>::max() - total) / unitMillis) {
            return invalid();
        }
        total += number * unitMillis;
    }
    return std::chrono::milliseconds(total);
}

std::string formatDuration(std::chrono::milliseconds duration) {
    std::int64_t ms = duration.count();
    if (ms == 0) {
        return "0s";
    }
    std::string out;
    if (ms < 0) {
        out = "-";
        ms = -ms;
    }
    constexpr std::pair<std::int64_t, const char *> kUnits[] = {
        {24LL * 3600 * 1000, "d"}, {3600 * 1000, "h"}, {60 * 1000, "m"}, {1000, "s"}, {1, "ms"}};
    for (const auto &[size, name] : kUnits) {
        if (ms >= size) {
            out += std::to_string(ms / size) + name;
            ms %= size;
        }
    }
    return out;
}

} // namespace aegis
