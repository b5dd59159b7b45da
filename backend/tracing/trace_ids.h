#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace aegis::tracing {

// W3C / OTLP identifiers: a trace id is 16 bytes, a span id 8; all zeros is invalid in both.
using TraceId = std::array<std::uint8_t, 16>;
using SpanId = std::array<std::uint8_t, 8>;

// Lowercase hex, 32 and 16 digits.
std::string toHex(const TraceId &id);
std::string toHex(const SpanId &id);

// Lowercase hex of any bytes (for ids of the wrong size, which are shown rather than hidden), and
// back: hex digits of either case, two per byte; nullopt for an odd count or a non-hex digit.
std::string bytesToHex(std::string_view bytes);
std::optional<std::string> hexToBytes(std::string_view hex);

// From exactly 32 (16) hex digits of either case; nullopt for anything else, including all zeros.
std::optional<TraceId> parseTraceId(std::string_view hex);
std::optional<SpanId> parseSpanId(std::string_view hex);

// From OTLP's bytes fields: nullopt unless exactly 16 (8) bytes and not all zeros.
std::optional<TraceId> traceIdFromBytes(std::string_view bytes);
std::optional<SpanId> spanIdFromBytes(std::string_view bytes);

// A span id as the big-endian integer TraceTimeline carries (0 for none), and back.
std::uint64_t spanIdToInt(const SpanId &id);
SpanId spanIdFromInt(std::uint64_t value);

} // namespace aegis::tracing
