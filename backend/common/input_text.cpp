#include "common/input_text.h"

#include <cctype>
#include <cstdio>

namespace aegis {
namespace {

bool isControl(unsigned char c) {
    return c < 0x20 || c == 0x7F;
}

std::string hexByte(unsigned char c) {
    char buffer[8];
    std::snprintf(buffer, sizeof buffer, "\\x%02x", static_cast<unsigned>(c));
    return buffer;
}

} // namespace

Status validateFreeText(std::string_view text, std::string_view field, std::size_t maxBytes) {
    if (text.size() > maxBytes) {
        return invalidArgument(std::string(field) + " may be at most " + std::to_string(maxBytes) +
                               " bytes (got " + std::to_string(text.size()) + ")");
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (isControl(c)) {
            return invalidArgument(std::string(field) + " must not contain control characters (" +
                                   hexByte(c) + " at byte " + std::to_string(i) +
                                   "); use printable text on one line");
        }
    }
    return Status::ok();
}

std::string quoteInput(std::string_view value) {
    std::size_t cut = value.size();
    if (cut > kMaxQuotedBytes) {
        cut = kMaxQuotedBytes;
        // Back up to the start of a UTF-8 sequence, so the quote stays valid text.
        while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) {
            --cut;
        }
    }
    std::string out = "'";
    for (const char c : value.substr(0, cut)) {
        if (isControl(static_cast<unsigned char>(c))) {
            out += hexByte(static_cast<unsigned char>(c));
        } else {
            out.push_back(c);
        }
    }
    if (cut < value.size()) {
        out += "…' (" + std::to_string(value.size()) + " bytes)";
    } else {
        out += "'";
    }
    return out;
}

std::string_view trimWhitespace(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
        text.remove_prefix(1);
    }
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
        text.remove_suffix(1);
    }
    return text;
}

} // namespace aegis
