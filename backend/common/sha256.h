#pragma once

#include <string>
#include <string_view>

namespace aegis {

// The SHA-256 digest of `data` as 64 lower-case hex digits. Stored as config content hashes and
// token hashes, so its spelling must not change.
std::string sha256Hex(std::string_view data);

} // namespace aegis
