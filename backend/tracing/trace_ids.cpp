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
std::string_view bytesOf(const std::array<std::uint8_t, N> &id) {
    return {reinterpret_cast<const char *>(id.data()), N};
}

template <std::size_t N>
bool allZero(const std::array<std::uint8_t, N> &id) {
    return std::all_of(id.begin(), id.end(), [](std::uint8_t b) { return b == 0; });
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

template <std::size_t N>
std::optional<std::array<std::uint8_t, N>> parseHex(std::string_view hex) {
    if (hex.size() != 2 * N) {
        return std::nullopt;
    }
    const auto bytes = hexToBytes(hex);
    return bytes ? fromBytes<N>(*bytes) : std::nullopt;
}

} // namespace

std::string bytesToHex(std::string_view bytes) {
    std::string hex;
    hex.reserve(2 * bytes.size());
    for (const char c : bytes) {
        const auto byte = static_cast<std::uint8_t>(c);
        hex += kDigits[byte >> 4];
        hex += kDigits[byte & 0xF];
    }
    return hex;
}

std::optional<std::string> hexToBytes(std::string_view hex) {
    if (hex.size() % 2 != 0) {
        return std::nullopt;
    }
    std::string bytes;
    bytes.reserve(hex.size() / 2);
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        const int high = hexValue(hex[i]);
        const int low = hexValue(hex[i + 1]);
        if (high < 0 || low < 0) {
            return std::nullopt;
        }
        bytes += static_cast<char>(high << 4 | low);
    }
    return bytes;
}

std::string toHex(const TraceId &id) {
    return bytesToHex(bytesOf(id));
}
std::string toHex(const SpanId &id) {
    return bytesToHex(bytesOf(id));
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
