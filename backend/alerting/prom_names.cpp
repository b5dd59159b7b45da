#include "alerting/prom_names.h"

#include <cctype>

namespace aegis::alerting {

namespace {

bool isValidName(std::string_view name, bool allowColon) {
    if (name.empty()) {
        return false;
    }
    for (std::size_t i = 0; i < name.size(); ++i) {
        const auto c = static_cast<unsigned char>(name[i]);
        const bool ok =
            std::isalpha(c) || c == '_' || (allowColon && c == ':') || (i > 0 && std::isdigit(c));
        if (!ok) {
            return false;
        }
    }
    return true;
}

} // namespace

bool isValidLabelName(std::string_view name) {
    return isValidName(name, false);
}

bool isValidMetricName(std::string_view name) {
    return isValidName(name, true);
}

bool isValidUtf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        const std::size_t length = c < 0x80                ? 1
                                   : c >= 0xf0 && c < 0xf8 ? 4
                                   : c >= 0xe0             ? 3
                                   : c >= 0xc2             ? 2
                                                           : 0;
        if (length == 0 || i + length > s.size()) {
            return false;
        }
        for (std::size_t k = 1; k < length; ++k) {
            if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) {
                return false;
            }
        }
        i += length;
    }
    return true;
}

} // namespace aegis::alerting
