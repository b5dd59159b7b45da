#include "tracing/tag_index.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace aegis::tracing {
namespace {

using opentelemetry::proto::common::v1::AnyValue;

constexpr std::uint64_t kFnvOffset = 14695981039346656037ULL;
constexpr std::uint64_t kFnvPrime = 1099511628211ULL;

std::uint64_t fnv(std::uint64_t hash, std::string_view bytes) {
    for (const char c : bytes) {
        hash ^= static_cast<unsigned char>(c);
        hash *= kFnvPrime;
    }
    return hash;
}

// The kinds of hash are told apart by a separator byte that keys never hold.
std::int64_t hashOf(std::string_view key, char kind, std::string_view value) {
    std::uint64_t hash = fnv(kFnvOffset, key);
    hash = fnv(hash, std::string_view(&kind, 1));
    hash = fnv(hash, value);
    return static_cast<std::int64_t>(hash);
}

// A bare query value as the decimal text an integer attribute is hashed under, if it is a number
// with an integral value.
std::optional<std::string> integralText(const std::string &value) {
    double number = 0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (error != std::errc() || end != value.data() + value.size() || !std::isfinite(number) ||
        number != std::floor(number) || std::fabs(number) > 9.0e18) {
        return std::nullopt;
    }
    return std::to_string(static_cast<std::int64_t>(number));
}

std::string lowered(std::string text) {
    for (char &c : text) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return text;
}

} // namespace

std::int64_t tagKeyHash(std::string_view key) {
    return hashOf(key, '\x01', {});
}

std::int64_t tagValueHash(std::string_view key, std::string_view value) {
    return hashOf(key, '\x02', value);
}

std::int64_t tagOpaqueHash(std::string_view key) {
    return hashOf(key, '\x03', {});
}

void tagHashesOf(const opentelemetry::proto::common::v1::KeyValue &attribute,
                 std::vector<std::int64_t> &out) {
    const std::string &key = attribute.key();
    out.push_back(tagKeyHash(key));
    const AnyValue &value = attribute.value();
    switch (value.value_case()) {
    case AnyValue::kStringValue:
        out.push_back(tagValueHash(key, value.string_value()));
        break;
    case AnyValue::kIntValue:
        out.push_back(tagValueHash(key, std::to_string(value.int_value())));
        break;
    case AnyValue::kBoolValue:
        out.push_back(tagValueHash(key, value.bool_value() ? "true" : "false"));
        break;
    default:
        out.push_back(tagOpaqueHash(key));
        break;
    }
}

std::vector<std::int64_t> tagLookupHashes(const TagTerm &term) {
    switch (term.op) {
    case TagOperator::Exists:
    case TagOperator::Greater:
    case TagOperator::GreaterOrEqual:
    case TagOperator::Less:
    case TagOperator::LessOrEqual:
    case TagOperator::NotEqual:
        // "key != v" holds only when the key is present.
        return {tagKeyHash(term.key)};
    case TagOperator::Equal:
        break;
    }
    if (term.wildcard) {
        return {tagKeyHash(term.key)};
    }
    std::vector<std::int64_t> hashes{tagValueHash(term.key, term.value), tagOpaqueHash(term.key)};
    if (!term.quoted) {
        if (const auto integral = integralText(term.value); integral && *integral != term.value) {
            hashes.push_back(tagValueHash(term.key, *integral));
        }
        const std::string lower = lowered(term.value);
        if ((lower == "true" || lower == "false") && lower != term.value) {
            hashes.push_back(tagValueHash(term.key, lower));
        }
    }
    return hashes;
}

std::string encodePostings(const std::vector<std::int64_t> &sortedKeys) {
    std::string out;
    out.reserve(sortedKeys.size() * 2);
    std::int64_t previous = 0;
    for (const std::int64_t key : sortedKeys) {
        auto delta = static_cast<std::uint64_t>(key - previous);
        previous = key;
        while (delta >= 0x80) {
            out.push_back(static_cast<char>((delta & 0x7F) | 0x80));
            delta >>= 7;
        }
        out.push_back(static_cast<char>(delta));
    }
    return out;
}

bool decodePostings(std::string_view bytes, std::vector<std::int64_t> &out) {
    std::int64_t previous = 0;
    std::size_t i = 0;
    while (i < bytes.size()) {
        std::uint64_t delta = 0;
        int shift = 0;
        for (;;) {
            if (i >= bytes.size() || shift > 63) {
                return false;
            }
            const auto byte = static_cast<unsigned char>(bytes[i++]);
            delta |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
            if ((byte & 0x80) == 0) {
                break;
            }
            shift += 7;
        }
        previous += static_cast<std::int64_t>(delta);
        out.push_back(previous);
    }
    return true;
}

} // namespace aegis::tracing
