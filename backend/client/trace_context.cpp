#include "client/trace_context.h"

#include <algorithm>
#include <cstdio>

namespace aegis::client {
namespace {

bool isOws(char c) {
    return c == ' ' || c == '\t';
}

std::string_view trimOws(std::string_view text) {
    while (!text.empty() && isOws(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && isOws(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

bool isLowerHex(std::string_view text) {
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

int hexByte(std::string_view two) {
    int value = 0;
    for (const char c : two) {
        value = value * 16 + (c <= '9' ? c - '0' : c - 'a' + 10);
    }
    return value;
}

// Offsets in "vv-<32>-<16>-ff".
constexpr std::size_t kTraceIdAt = 3;
constexpr std::size_t kSpanIdAt = 36;
constexpr std::size_t kFlagsAt = 53;
constexpr std::size_t kVersion00Length = 55;

constexpr std::uint8_t kKnownFlags = kTraceFlagSampled | kTraceFlagRandom;

// A member longer than this goes first when the header must be truncated.
constexpr std::size_t kLongMember = 128;

} // namespace

bool TraceState::isValidKey(std::string_view key) {
    if (key.empty() || key.size() > 256) {
        return false;
    }
    const auto lowerOrDigit = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    };
    if (!lowerOrDigit(key.front())) {
        return false;
    }
    return std::all_of(key.begin() + 1, key.end(), [&](char c) {
        return lowerOrDigit(c) || c == '_' || c == '-' || c == '*' || c == '/' || c == '@';
    });
}

bool TraceState::isValidValue(std::string_view value) {
    if (value.empty() || value.size() > 256 || value.back() == ' ') {
        return false;
    }
    return std::all_of(value.begin(), value.end(),
                       [](char c) { return c >= 0x20 && c <= 0x7E && c != ',' && c != '='; });
}

std::optional<TraceState> TraceState::parse(std::string_view header) {
    TraceState state;
    std::size_t start = 0;
    while (start <= header.size()) {
        const std::size_t comma = std::min(header.find(',', start), header.size());
        const std::string_view member = trimOws(header.substr(start, comma - start));
        start = comma + 1;
        if (member.empty()) {
            continue;
        }
        const std::size_t equals = member.find('=');
        if (equals == std::string_view::npos) {
            return std::nullopt;
        }
        const std::string_view key = member.substr(0, equals);
        const std::string_view value = member.substr(equals + 1);
        if (!isValidKey(key) || !isValidValue(value)) {
            return std::nullopt;
        }
        if (state.get(key)) {
            continue; // a duplicate: the first one stands
        }
        if (state.m_members.size() == kMaxMembers) {
            return std::nullopt;
        }
        state.m_members.emplace_back(key, value);
    }
    return state;
}

std::string TraceState::format() const {
    std::vector<const std::pair<std::string, std::string> *> kept;
    std::size_t length = 0;
    for (const auto &member : m_members) {
        kept.push_back(&member);
        length += member.first.size() + 1 + member.second.size();
    }
    length += kept.empty() ? 0 : kept.size() - 1;
    const auto memberLength = [](const auto *member) {
        return member->first.size() + 1 + member->second.size();
    };
    const auto drop = [&](std::size_t index) {
        length -= memberLength(kept[index]) + (kept.size() > 1 ? 1 : 0);
        kept.erase(kept.begin() + static_cast<std::ptrdiff_t>(index));
    };
    for (std::size_t i = kept.size(); i-- > 0 && length > kMaxHeaderLength;) {
        if (memberLength(kept[i]) > kLongMember) {
            drop(i);
        }
    }
    while (length > kMaxHeaderLength && !kept.empty()) {
        drop(kept.size() - 1);
    }
    std::string text;
    for (const auto *member : kept) {
        if (!text.empty()) {
            text += ',';
        }
        text += member->first + "=" + member->second;
    }
    return text;
}

bool TraceState::set(std::string_view key, std::string_view value) {
    if (!isValidKey(key) || !isValidValue(value)) {
        return false;
    }
    erase(key);
    m_members.insert(m_members.begin(), {std::string(key), std::string(value)});
    if (m_members.size() > kMaxMembers) {
        m_members.pop_back();
    }
    return true;
}

void TraceState::erase(std::string_view key) {
    std::erase_if(m_members, [&](const auto &member) { return member.first == key; });
}

std::optional<std::string> TraceState::get(std::string_view key) const {
    for (const auto &[k, v] : m_members) {
        if (k == key) {
            return v;
        }
    }
    return std::nullopt;
}

bool SpanContext::isValid() const {
    const auto zero = [](const auto &id) {
        return std::all_of(id.begin(), id.end(), [](std::uint8_t b) { return b == 0; });
    };
    return !zero(traceId) && !zero(spanId);
}

std::optional<SpanContext> parseTraceparent(std::string_view header) {
    header = trimOws(header);
    if (header.size() < 3 || header[2] != '-' || !isLowerHex(header.substr(0, 2))) {
        return std::nullopt;
    }
    const std::string_view version = header.substr(0, 2);
    if (version == "ff") {
        return std::nullopt;
    }
    if (version == "00" ? header.size() != kVersion00Length
                        : header.size() < kVersion00Length || (header.size() > kVersion00Length &&
                                                               header[kVersion00Length] != '-')) {
        return std::nullopt;
    }
    if (header[kSpanIdAt - 1] != '-' || header[kFlagsAt - 1] != '-') {
        return std::nullopt;
    }
    const std::string_view traceHex = header.substr(kTraceIdAt, 32);
    const std::string_view spanHex = header.substr(kSpanIdAt, 16);
    const std::string_view flagsHex = header.substr(kFlagsAt, 2);
    if (!isLowerHex(traceHex) || !isLowerHex(spanHex) || !isLowerHex(flagsHex)) {
        return std::nullopt;
    }
    const auto traceId = tracing::parseTraceId(traceHex);
    const auto spanId = tracing::parseSpanId(spanHex);
    if (!traceId || !spanId) {
        return std::nullopt;
    }
    SpanContext context;
    context.traceId = *traceId;
    context.spanId = *spanId;
    context.traceFlags = static_cast<std::uint8_t>(hexByte(flagsHex)) & kKnownFlags;
    context.remote = true;
    return context;
}

std::string formatTraceparent(const SpanContext &context) {
    char flags[3];
    std::snprintf(flags, sizeof flags, "%02x", context.traceFlags & kKnownFlags);
    return "00-" + tracing::toHex(context.traceId) + "-" + tracing::toHex(context.spanId) + "-" +
           flags;
}

std::string combineFieldValues(const std::vector<std::string> &values) {
    std::string combined;
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i > 0) {
            combined += ',';
        }
        combined += values[i];
    }
    return combined;
}

std::optional<SpanContext> extractContext(const HeaderValues &headers) {
    const auto parents = headers(kTraceparentHeader);
    if (parents.size() != 1) {
        return std::nullopt;
    }
    auto context = parseTraceparent(parents.front());
    if (!context) {
        return std::nullopt;
    }
    const auto states = headers(kTracestateHeader);
    if (!states.empty()) {
        if (auto state = TraceState::parse(combineFieldValues(states))) {
            context->traceState = std::move(*state);
        }
    }
    return context;
}

void injectContext(const SpanContext &context, const SetHeader &set) {
    if (!context.isValid()) {
        return;
    }
    set(kTraceparentHeader, formatTraceparent(context));
    const std::string state = context.traceState.format();
    if (!state.empty()) {
        set(kTracestateHeader, state);
    }
}

} // namespace aegis::client
