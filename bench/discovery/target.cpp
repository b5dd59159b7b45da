#include "target.h"
#include "streams.h"

namespace aegis::bench::discovery {

int sequenceSuffix(std::string_view text) {
    const auto dash = text.rfind('-');
    if (dash == std::string_view::npos || dash + 1 == text.size() || text.size() - dash > 10) {
        return -1;
    }
    int value = 0;
    for (const char c : text.substr(dash + 1)) {
        if (c < '0' || c > '9') {
            return -1;
        }
        value = value * 10 + (c - '0');
    }
    return value;
}

} // namespace aegis::bench::discovery
