// SearchTraces' tag queries (tracing/tag_query.h), which any viewer sends, and OTLP JSON files
// (tracing/otlp_json.h), which the console and aegisctl read back.
// Input: the first byte chooses. 'j': the rest is an OTLP JSON document, which must decode or be
// refused, and once decoded must encode and decode to the same spans. Anything else: the whole
// input is a tag query; once parsed, its canonical form must parse back to itself, and it is
// matched against a span whose every key has a string, an integer, a double and a boolean value.

#include "tracing/otlp_json.h"
#include "tracing/tag_query.h"

#include <google/protobuf/util/field_comparator.h>
#include <google/protobuf/util/message_differencer.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

void checkTagQuery(std::string_view text) {
    using namespace aegis::tracing;
    auto parsed = TagQuery::parse(text);
    if (const auto *error = std::get_if<TagQueryError>(&parsed)) {
        if (error->line < 1 || error->column < 1 || error->message.empty()) {
            std::abort();
        }
        return;
    }
    const TagQuery &query = std::get<TagQuery>(parsed);
    const std::string canonical = query.toString();
    auto again = TagQuery::parse(canonical);
    if (!std::holds_alternative<TagQuery>(again) ||
        std::get<TagQuery>(again).toString() != canonical) {
        std::abort();
    }
    (void)query.requiredTerms();
    const TagLookup lookup = [](std::string_view key) {
        return std::vector<TagValue>{std::string(key), std::int64_t(key.size()),
                                     static_cast<double>(key.size()) / 2, key.size() % 2 == 0};
    };
    const bool matches = query.matches(lookup);
    if (std::get<TagQuery>(again).matches(lookup) != matches) {
        std::abort();
    }
}

void checkOtlpJson(std::string_view json) {
    const auto decoded = aegis::tracing::fromOtlpJson(json);
    if (!decoded) {
        return;
    }
    const auto again = aegis::tracing::fromOtlpJson(aegis::tracing::toOtlpJson(*decoded));
    google::protobuf::util::DefaultFieldComparator comparator;
    comparator.set_treat_nan_as_equal(true);
    google::protobuf::util::MessageDifferencer differencer;
    differencer.set_field_comparator(&comparator);
    if (!again || !differencer.Compare(*again, *decoded)) {
        std::abort();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const std::string_view input(reinterpret_cast<const char *>(data), size);
    if (!input.empty() && input.front() == 'j') {
        checkOtlpJson(input.substr(1));
    } else {
        checkTagQuery(input);
    }
    return 0;
}
