#pragma once

#include <QString>

#include <optional>

namespace aegis::console {

// `text`, a JSON object or array, laid out one member or element per line, `indent` spaces per
// level, with one space after each colon; empty objects and arrays stay "{}" and "[]". Every
// token (strings, numbers, literals) is kept byte for byte, so the value is the same one: only
// the whitespace between tokens changes, and laying out the result again gives it back
// unchanged. nullopt when `text` is not well-formed JSON with an object or array at its top.
std::optional<QString> prettyJson(const QString &text, int indent = 2);

} // namespace aegis::console
