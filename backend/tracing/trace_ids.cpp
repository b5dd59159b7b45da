#include "tracing/trace_ids.h"

#include <algorithm>

namespace aegis::tracing {
namespace {

constexpr char kDigits[] = "0123456789abcdef";

int hexValue(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

template <std::size_t N>
std::string hexOf(const std::array<std::uint8_t, N> &id) {
    std::string hex(2 * N, '0');
    for (std::size_t i = 0; i < N; ++i) {
        hex[2 * i] = kDigits[id[i] >> 4];
        hex[2 * i + 1] = kDigits[id[i] & 0xF];
    }
    return hex;
}

template <std::size_t N>
bool allZero(const std::array<std::uint8_t, N> &id) {
    return std::all_of(id.begin(), id.end(), [](std::uint8_t b) { return b == 0; });
}

template <std::size_t N>
std::optional<std::array<std::uint8_t, N>> parseHex(std::string_view hex) {
    if (hex.size() != 2 * N) {
        return std::nullopt;
    }
    std::array<std::uint8_t, N> id{};
    for (std::size_t i = 0; i < N; ++i) {
        const int high = hexValue(hex[2 * i]);
        const int low = hexValue(hex[2 * i + 1]);
        if (high < 0 || low < 0) {
            return std::nullopt;
        }
        id[i] = static_cast<std::uint8_t>(high << 4 | low);
    }
    if (allZero(id)) {
        return std::nullopt;
    }
    return id;
}

template <std::size_t N>
std::optional<std::array<std::uint8_t, N>> fromBytes(std::string_view bytes) {
    if (bytes.size() != N) {
        return std::nullopt;
    }
    std::array<std::uint8_t, N> id{};
    std::copy(bytes.begin(), bytes.end(), id.begin());
    if (allZero(id)) {
        return std::nullopt;
    }
    return id;
}

} // namespace

std::string toHex(const TraceId &id) {
    return hexOf(id);
}
std::string toHex(const SpanId &id) {
    return hexOf(id);
}

std::optional<TraceId> parseTraceId(std::string_view hex) {
    return parseHex<16>(hex);
}
std::optional<SpanId> parseSpanId(std::string_view hex) {
    return parseHex<8>(hex);
}

std::optional<TraceId> traceIdFromBytes(std::string_view bytes) {
    return fromBytes<16>(bytes);
}
std::optional<SpanId> spanIdFromBytes(std::string_view bytes) {
    return fromBytes<8>(bytes);
}

std::uint64_t spanIdToInt(const SpanId &id) {
    std::uint64_t value = 0;
    for (std::uint8_t byte : id) {
        value = value << 8 | byte;
    }
    return value;
}

SpanId spanIdFromInt(std::uint64_t value) {
    SpanId id{};
    for (std::size_t i = id.size(); i-- > 0;) {
        id[i] = static_cast<std::uint8_t>(value & 0xFF);
        value >>= 8;
    }
    return id;
}

} // namespace aegis::tracing
