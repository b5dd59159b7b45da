#pragma once

#include "common/status.h"

#include <regex>
#include <string>
#include <string_view>

namespace aegis::alerting {

// Rule templates (match, reReplaceAll) and Alertmanager matchers are written in Go's RE2 syntax.
// std::regex's ECMAScript grammar agrees on the common subset (classes, \d \w \s, groups,
// alternation, repetition); a leading `(?i)` is turned into case-insensitive matching, and a
// pattern outside the subset is refused with INVALID_ARGUMENT ("error parsing regexp: ...").
// `anchored` matches the whole text, as Alertmanager does: ^(?:pattern)$.
StatusOr<std::regex> compileGoRegexp(std::string_view pattern, bool anchored);

// Go's Regexp.ReplaceAllString: `$1`, `${1}` and `$$` in `replacement` (a name made of letters,
// digits and `_` that is not a group number expands to "", as in Go).
std::string replaceAllGo(const std::regex &re, const std::string &text,
                         std::string_view replacement);

} // namespace aegis::alerting
