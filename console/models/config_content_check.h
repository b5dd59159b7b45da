#pragma once

#include "net/api_types.h"

#include <optional>

namespace aegis::console {

// Why content would be refused on publish, and where.
struct ContentProblem {
    // 1-based; 0 when the problem has no position (a schema violation names a JSON pointer).
    int line = 0;
    int column = 0;
    QString message;

    friend bool operator==(const ContentProblem &, const ContentProblem &) = default;
};

// Checks `content` exactly as the daemon does before publishing (the same validator, linked in
// from backend/config): JSON, YAML and properties syntax and, for JSON and YAML, the item's JSON
// Schema. Columns count characters (the validator counts UTF-8 bytes). Cheap enough to run on
// every pause in typing for ordinary configs.
std::optional<ContentProblem> checkConfigContent(ConfigFormat format, const QString &content,
                                                 const QString &schema = {});

} // namespace aegis::console
