#pragma once

#include "common/status.h"

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace aegis::rollout {

// Values of the {name} placeholders of a driver's command lines, by name.
using Placeholders = std::map<std::string, std::string, std::less<>>;

// Splits a driver's command line on whitespace; "double quotes" group words into one argument
// (inside them, \" and \\ stand for " and \). There is no other shell syntax: a command that needs
// it runs /bin/sh -c "...". INVALID_ARGUMENT naming `param` when the line is empty or a quote is
// left open.
StatusOr<std::vector<std::string>> splitCommandLine(std::string_view line, std::string_view param);

// Replaces each {name} in `text` by its value. "{{" and "}}" stand for literal braces; a brace not
// around a name stays as it is. INVALID_ARGUMENT naming `param` and the known names for an unknown
// placeholder.
StatusOr<std::string> substitutePlaceholders(std::string_view text, const Placeholders &values,
                                             std::string_view param);

// Joins arguments for log lines, quoting those with blanks or quotes the way splitCommandLine()
// reads them back.
std::string joinCommandLine(const std::vector<std::string> &argv);

} // namespace aegis::rollout
