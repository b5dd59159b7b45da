#pragma once

#include "tracing/trace_ids.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// W3C Trace Context (https://www.w3.org/TR/trace-context/): the `traceparent` and `tracestate`
// headers, parsed and formatted exactly as the specification's processing model and its test
// suite (github.com/w3c/trace-context, test/test.py) require.
namespace aegis::client {

using tracing::SpanId;
using tracing::TraceId;

// The vendor-specific list carried by `tracestate`: at most 32 members, keys unique, in order
// (the most recently changed first).
class TraceState {
public:
    static constexpr std::size_t kMaxMembers = 32;
    // What format() keeps at most (the specification asks to propagate at least 512).
    static constexpr std::size_t kMaxHeaderLength = 512;

    // Parses the combined value of every `tracestate` field (several fields are joined with ","
    // first, see combineFieldValues). Empty and whitespace-only members are skipped; a later
    // duplicate of a key is dropped. nullopt when any member is not key=value with a valid key
    // and value, or when there are more than 32 members: then the whole header is discarded.
    static std::optional<TraceState> parse(std::string_view header);

    // Key:   [a-z0-9][a-z0-9_\-*/@]{0,255}
    // Value: 1 to 256 printable ASCII characters other than ',' and '=', not ending in a space.
    static bool isValidKey(std::string_view key);
    static bool isValidValue(std::string_view value);

    // The members joined by ",", whole members dropped until it fits kMaxHeaderLength: members
    // longer than 128 characters first, then from the right. Empty for an empty list.
    std::string format() const;

    // Adds or updates `key` and moves it to the front (the left); the rightmost member goes when
    // that would make 33. False (and nothing changes) for an invalid key or value.
    bool set(std::string_view key, std::string_view value);
    void erase(std::string_view key);
    std::optional<std::string> get(std::string_view key) const;

    const std::vector<std::pair<std::string, std::string>> &members() const { return m_members; }
    bool empty() const { return m_members.empty(); }

    friend bool operator==(const TraceState &, const TraceState &) = default;

private:
    std::vector<std::pair<std::string, std::string>> m_members;
};

// The trace-flags bits this implementation knows; other bits are never propagated.
inline constexpr std::uint8_t kTraceFlagSampled = 0x01;
inline constexpr std::uint8_t kTraceFlagRandom = 0x02;

// Which span a piece of work belongs to: what crosses process boundaries.
struct SpanContext {
    TraceId traceId{};
    SpanId spanId{};
    std::uint8_t traceFlags = 0;
    TraceState traceState;
    // Whether it came from another process (extracted from a header).
    bool remote = false;

    // Both ids non-zero.
    bool isValid() const;
    bool isSampled() const { return (traceFlags & kTraceFlagSampled) != 0; }

    friend bool operator==(const SpanContext &, const SpanContext &) = default;
};

// Parses one `traceparent` value, optional whitespace (space, tab) around it ignored. Version 00
// must be exactly version-traceid-parentid-flags; a higher version (not ff) is read for those four
// fields when at least 55 characters long and the flags end the value or are followed by "-".
// Ids are lowercase hex and not all zeros. nullopt when the header must be ignored (restart the
// trace). Flags other than sampled and random are cleared.
std::optional<SpanContext> parseTraceparent(std::string_view header);

// "00-<trace id>-<span id>-<flags>", lowercase; only the known flags are written.
std::string formatTraceparent(const SpanContext &context);

// Joins the values of a header sent as several fields, in order, with "," (RFC 9110 5.3).
std::string combineFieldValues(const std::vector<std::string> &values);

// The header names, lowercase as the specification recommends (HTTP/2 and gRPC require it).
inline constexpr std::string_view kTraceparentHeader = "traceparent";
inline constexpr std::string_view kTracestateHeader = "tracestate";

// Reads every value of a header (matched case-insensitively by the carrier), in order.
using HeaderValues = std::function<std::vector<std::string>(std::string_view name)>;
// Sets a header, replacing any value it had.
using SetHeader = std::function<void(std::string_view name, std::string_view value)>;

// The remote parent a request carries: nullopt without a `traceparent`, with more than one, or
// with an invalid one; its `tracestate` is kept only when it parses (an invalid one is dropped,
// the traceparent stays).
std::optional<SpanContext> extractContext(const HeaderValues &headers);

// Writes `traceparent` (and `tracestate` when not empty) for `context`; nothing for an invalid
// context.
void injectContext(const SpanContext &context, const SetHeader &set);

} // namespace aegis::client
