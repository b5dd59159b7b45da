#include "common/bearer_token.h"

#include <cctype>
#include <cstddef>

namespace aegis {

std::string_view bearerToken(std::string_view authorization) {
    constexpr std::string_view kScheme = "bearer ";
    if (authorization.size() <= kScheme.size()) {
        return {};
    }
    for (std::size_t i = 0; i < kScheme.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(authorization[i])) != kScheme[i]) {
            return {};
        }
    }
    authorization.remove_prefix(kScheme.size());
    while (!authorization.empty() && authorization.front() == ' ') {
        authorization.remove_prefix(1);
    }
    while (!authorization.empty() && authorization.back() == ' ') {
        authorization.remove_suffix(1);
    }
    return authorization;
}

} // namespace aegis
