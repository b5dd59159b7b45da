#pragma once

#include "common/status.h"

#include <map>
#include <string>
#include <string_view>

namespace aegis::config {

// Numeric values match aegis.v1.ConfigFormat.
enum class Format { Unspecified = 0, Text = 1, Json = 2, Yaml = 3, Properties = 4 };

const char *formatName(Format format);

// Checks `content` against its format and, for json and yaml, an optional JSON Schema (itself a
// JSON document). INVALID_ARGUMENT says where: "content: line 3, column 14: ..." for a syntax
// error, "content: /timeouts/read: ..." for a schema violation, "schema: ..." for a bad schema.
// Text is always valid.
Status validateContent(Format format, std::string_view content, std::string_view schema = {});

// Checks that a JSON Schema parses and is usable; INVALID_ARGUMENT naming "schema".
Status validateSchema(std::string_view schema);

// Parses Java-style .properties ("key=value", "key: value", "key value", '#'/'!' comments,
// backslash continuation lines and escapes including \uXXXX). INVALID_ARGUMENT with the line and
// column of a malformed escape.
StatusOr<std::map<std::string, std::string>> parseProperties(std::string_view content);

} // namespace aegis::config
