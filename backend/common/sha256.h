#pragma once

#include <string>
#include <string_view>

namespace aegis {

// The SHA-256 digest of `data` as 64 lower-case hex digits. Stored as config content hashes and
// token hashes, so its spelling must not change.
std::string sha256Hex(std::string_view data);

// The HMAC-SHA256 of `data` under `key`, as 64 lower-case hex digits.
std::string hmacSha256Hex(std::string_view key, std::string_view data);

// Whether two strings are equal, in a time that does not depend on where they differ: for
// comparing a MAC a caller sent with the expected one.
bool constantTimeEquals(std::string_view a, std::string_view b);

} // namespace aegis
