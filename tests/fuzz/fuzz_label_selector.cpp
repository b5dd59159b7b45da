// Label selectors as callers write them (discovery filters, gray releases) and label maps.
// Input: the selector, then optionally '\0' and labels as "key=value" lines to match it against.

#include "common/label_selector.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const std::string_view input(reinterpret_cast<const char *>(data), size);
    const auto split = input.find('\0');
    const std::string_view text = input.substr(0, split);

    aegis::Labels labels;
    if (split != std::string_view::npos) {
        std::string_view rest = input.substr(split + 1);
        while (!rest.empty()) {
            const auto end = rest.find('\n');
            const std::string_view line = rest.substr(0, end);
            const auto equals = line.find('=');
            labels[std::string(line.substr(0, equals))] =
                equals == std::string_view::npos ? std::string()
                                                 : std::string(line.substr(equals + 1));
            rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
        }
    }
    (void)aegis::validateLabels(labels, "labels");

    const auto selector = aegis::LabelSelector::parse(text);
    if (!selector) {
        return 0;
    }
    const bool matches = selector->matches(labels);
    // An empty selector matches everything.
    if (selector->empty() && !matches) {
        std::abort();
    }
    return 0;
}
