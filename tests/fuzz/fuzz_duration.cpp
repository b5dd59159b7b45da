// Durations as users write them in flags, YAML and requests ("500ms", "1h30m", "7d").

#include "common/duration.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const std::string_view text(reinterpret_cast<const char *>(data), size);
    const auto parsed = aegis::parseDuration(text, "duration");
    if (!parsed || parsed->count() < 0) {
        return 0;
    }
    // The shortest form parses back to the same duration.
    const auto again = aegis::parseDuration(aegis::formatDuration(*parsed), "duration");
    if (!again || *again != *parsed) {
        std::abort();
    }
    return 0;
}
