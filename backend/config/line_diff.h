#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace aegis::config {

struct UnifiedDiff {
    // "--- a\n+++ b\n@@ -l,n +l,n @@\n ..." ; empty when the texts are equal.
    std::string text;
    int added = 0;
    int removed = 0;
};

// A line diff of two texts (Myers' O((N+M)·D) algorithm, so large files with small changes are
// cheap), in unified form with `context` lines around each change. `fromName` and `toName` label
// the two sides ("v6", "v7").
UnifiedDiff unifiedDiff(std::string_view from, std::string_view to, std::string_view fromName,
                        std::string_view toName, int context = 3);

} // namespace aegis::config
