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

} // namespace aegis::alerting
