#include "alerting/alert.h"

#include <cstdio>

namespace aegis::alerting {

const char *alertStateName(AlertState state) {
    switch (state) {
    case AlertState::Pending:
        return "pending";
    case AlertState::Firing:
        return "firing";
    case AlertState::Resolved:
        return "resolved";
    case AlertState::Inactive:
        return "inactive";
    }
    return "unknown";
}

std::string alertFingerprint(const std::string &rule, const LabelSet &labels) {
    std::uint64_t hash = 14695981039346656037ull;
    const auto mix = [&hash](std::string_view text) {
        for (unsigned char c : text) {
            hash ^= c;
            hash *= 1099511628211ull;
        }
        // A separator no label contains, so ("ab","c") and ("a","bc") differ.
        hash ^= 0xff;
        hash *= 1099511628211ull;
    };
    mix(rule);
    for (const auto &[name, value] : labels) {
        mix(name);
        mix(value);
    }
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
    return text;
}

} // namespace aegis::alerting
