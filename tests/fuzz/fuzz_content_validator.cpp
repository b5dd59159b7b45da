// Config content as a publisher sends it: any format, any bytes, with or without a schema.
// Input: one byte choosing the format, then the content, then optionally '\0' and a JSON Schema.

#include "config/content_validator.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) {
        return 0;
    }
    using aegis::config::Format;
    const auto format = static_cast<Format>(data[0] % 5);
    const std::string_view rest(reinterpret_cast<const char *>(data + 1), size - 1);
    const auto split = rest.find('\0');
    const std::string_view content = rest.substr(0, split);
    const std::string_view schema =
        split == std::string_view::npos ? std::string_view() : rest.substr(split + 1);

    (void)aegis::config::validateContent(format, content, schema);
    (void)aegis::config::validateSchema(schema);
    (void)aegis::config::parseProperties(content);
    return 0;
}
