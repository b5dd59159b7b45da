#pragma once

#include "common/status.h"

#include <cstddef>
#include <string>
#include <string_view>

namespace aegis {

// Free text that people read later — labels, metadata, descriptions, comments, reasons — carries
// no C0 control character (U+0000 to U+001F, including newline and tab) and no DEL, so none of
// it can move a reader's cursor or drive their terminal. INVALID_ARGUMENT naming `field` and the
// first offending byte; also when `text` is longer than `maxBytes`.
Status validateFreeText(std::string_view text, std::string_view field, std::size_t maxBytes);

// `value` as an error message quotes it: in single quotes, cut after kMaxQuotedBytes (at a
// character boundary) with the full length noted — "'abc…' (102400 bytes)" — and with control
// characters written as \xNN, so a message stays short and printable whatever the input was.
std::string quoteInput(std::string_view value);

inline constexpr std::size_t kMaxQuotedBytes = 64;

// `text` without its leading and trailing whitespace (space, tab, newline, CR, VT, FF).
std::string_view trimWhitespace(std::string_view text);

} // namespace aegis
