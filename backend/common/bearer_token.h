#pragma once

#include <string_view>

namespace aegis {

// The token of an HTTP Authorization header: "Bearer <token>" -> "<token>" (the scheme in any
// case, surrounding spaces dropped); "" for anything else.
std::string_view bearerToken(std::string_view authorization);

} // namespace aegis
