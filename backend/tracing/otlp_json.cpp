#include "tracing/otlp_json.h"

#include "tracing/trace_ids.h"

#include <google/protobuf/util/json_util.h>

#include <optional>

namespace aegis::tracing {
namespace {

namespace otlp = opentelemetry::proto::trace::v1;

// Protobuf's JSON mapping writes bytes as base64. Hex digits are base64 characters too, and an
// id's hex (32 or 16 digits) is a whole number of 4-character base64 quanta, so the bytes that
// base64 decodes the hex into are written back by protobuf as exactly that hex. The ids are
// swapped for those bytes before printing; after parsing, a hex id arrives as those bytes and is
// turned back the same way.

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64Value(char c) {
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    return c == '+' ? 62 : 63;
}

// The bytes whose base64 is `text` (a multiple of 4 characters of the base64 alphabet).
std::string fromBase64Quanta(std::string_view text) {
    std::string bytes;
    bytes.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i + 4 <= text.size(); i += 4) {
        const std::uint32_t group = (base64Value(text[i]) << 18) |
                                    (base64Value(text[i + 1]) << 12) |
                                    (base64Value(text[i + 2]) << 6) | base64Value(text[i + 3]);
        bytes += static_cast<char>((group >> 16) & 0xFF);
        bytes += static_cast<char>((group >> 8) & 0xFF);
        bytes += static_cast<char>(group & 0xFF);
    }
    return bytes;
}

// Base64 of `bytes` (a multiple of 3 bytes, so no padding).
std::string toBase64Quanta(std::string_view bytes) {
    std::string text;
    text.reserve(bytes.size() / 3 * 4);
    for (std::size_t i = 0; i + 3 <= bytes.size(); i += 3) {
        const std::uint32_t group = (static_cast<std::uint8_t>(bytes[i]) << 16) |
                                    (static_cast<std::uint8_t>(bytes[i + 1]) << 8) |
                                    static_cast<std::uint8_t>(bytes[i + 2]);
        text += kBase64[(group >> 18) & 0x3F];
        text += kBase64[(group >> 12) & 0x3F];
        text += kBase64[(group >> 6) & 0x3F];
        text += kBase64[group & 0x3F];
    }
    return text;
}

// Replaces an id's bytes with those protobuf prints as the id's hex.
void prepareIdForPrinting(std::string &id) {
    if (id.empty() || id.size() % 2 != 0) {
        return;
    }
    id = fromBase64Quanta(bytesToHex(id));
}

// Turns an id as parsed back into its bytes: `size` bytes (16 or 8) from hex, which arrives as
// the 3/2 * size bytes base64 decodes it into, or from base64, which arrives as the id itself.
// Returns what is wrong with it, if anything.
std::optional<std::string> restoreParsedId(std::string &id, std::size_t size) {
    if (id.empty() || id.size() == size) {
        return std::nullopt;
    }
    const std::string expected = "expected " + std::to_string(2 * size) + " hex digits";
    if (id.size() != size / 2 * 3) {
        return expected;
    }
    const std::string hex = toBase64Quanta(id);
    auto bytes = hexToBytes(hex);
    if (!bytes) {
        return expected + ", found \"" + hex + "\"";
    }
    id = std::move(*bytes);
    return std::nullopt;
}

} // namespace

std::string toOtlpJson(const otlp::TracesData &traces, OtlpJsonLayout layout) {
    otlp::TracesData printable = traces;
    for (auto &resourceSpans : *printable.mutable_resource_spans()) {
        for (auto &scopeSpans : *resourceSpans.mutable_scope_spans()) {
            for (auto &span : *scopeSpans.mutable_spans()) {
                prepareIdForPrinting(*span.mutable_trace_id());
                prepareIdForPrinting(*span.mutable_span_id());
                prepareIdForPrinting(*span.mutable_parent_span_id());
                for (auto &link : *span.mutable_links()) {
                    prepareIdForPrinting(*link.mutable_trace_id());
                    prepareIdForPrinting(*link.mutable_span_id());
                }
            }
        }
    }
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = layout == OtlpJsonLayout::Indented;
    options.always_print_enums_as_ints = true;
    options.preserve_proto_field_names = false;
    std::string json;
    // Printing a message whose descriptor is compiled in cannot fail.
    (void)google::protobuf::util::MessageToJsonString(printable, &json, options);
    return json;
}

StatusOr<otlp::TracesData> fromOtlpJson(std::string_view json) {
    otlp::TracesData traces;
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = true;
    const auto parsed = google::protobuf::util::JsonStringToMessage(
        google::protobuf::StringPiece(json.data(), json.size()), &traces, options);
    if (!parsed.ok()) {
        return invalidArgument("not OTLP JSON: " + std::string(parsed.message()));
    }
    const auto restore = [](std::string &id, std::size_t size, const auto &where) -> Status {
        if (auto problem = restoreParsedId(id, size)) {
            return invalidArgument(where() + ": " + *problem);
        }
        return Status::ok();
    };
    for (int r = 0; r < traces.resource_spans_size(); ++r) {
        auto &resourceSpans = *traces.mutable_resource_spans(r);
        for (int s = 0; s < resourceSpans.scope_spans_size(); ++s) {
            auto &scopeSpans = *resourceSpans.mutable_scope_spans(s);
            for (int i = 0; i < scopeSpans.spans_size(); ++i) {
                auto &span = *scopeSpans.mutable_spans(i);
                const auto spanPath = [&](const char *field) {
                    return "resourceSpans[" + std::to_string(r) + "].scopeSpans[" +
                           std::to_string(s) + "].spans[" + std::to_string(i) + "]." + field;
                };
                Status status =
                    restore(*span.mutable_trace_id(), 16, [&] { return spanPath("traceId"); });
                if (status.isOk()) {
                    status =
                        restore(*span.mutable_span_id(), 8, [&] { return spanPath("spanId"); });
                }
                if (status.isOk()) {
                    status = restore(*span.mutable_parent_span_id(), 8,
                                     [&] { return spanPath("parentSpanId"); });
                }
                for (int l = 0; status.isOk() && l < span.links_size(); ++l) {
                    auto &link = *span.mutable_links(l);
                    const auto linkPath = [&](const char *field) {
                        return spanPath("links[") + std::to_string(l) + "]." + field;
                    };
                    status =
                        restore(*link.mutable_trace_id(), 16, [&] { return linkPath("traceId"); });
                    if (status.isOk()) {
                        status =
                            restore(*link.mutable_span_id(), 8, [&] { return linkPath("spanId"); });
                    }
                }
                if (!status.isOk()) {
                    return status;
                }
            }
        }
    }
    return traces;
}

} // namespace aegis::tracing
