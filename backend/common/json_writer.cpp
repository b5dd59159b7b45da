#include "common/json_writer.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>

namespace aegis {

JsonWriter &JsonWriter::beginObject() {
    m_out += '{';
    m_firstInObject = true;
    return *this;
}

JsonWriter &JsonWriter::endObject() {
    m_out += '}';
    m_firstInObject = false;
    return *this;
}

JsonWriter &JsonWriter::key(std::string_view name) {
    if (!m_firstInObject) {
        m_out += ',';
    }
    m_firstInObject = false;
    string(name);
    m_out += ':';
    return *this;
}

void JsonWriter::appendString(std::string &out, std::string_view text, bool strictUtf8) {
    const bool ascii = std::all_of(text.begin(), text.end(),
                                   [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    if (!ascii) {
        // nlohmann's own escaping, which validates (and replaces or refuses) the UTF-8.
        out += nlohmann::json(std::string(text))
                   .dump(-1, ' ', false,
                         strictUtf8 ? nlohmann::json::error_handler_t::strict
                                    : nlohmann::json::error_handler_t::replace);
        return;
    }
    out += '"';
    for (const char c : text) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                char escaped[8];
                std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
                out += escaped;
            } else {
                out += c;
            }
        }
    }
    out += '"';
}

JsonWriter &JsonWriter::string(std::string_view text) {
    appendString(m_out, text, m_strictUtf8);
    return *this;
}

JsonWriter &JsonWriter::integer(std::int64_t number) {
    m_out += std::to_string(number);
    return *this;
}

JsonWriter &JsonWriter::boolean(bool flag) {
    m_out += flag ? "true" : "false";
    return *this;
}

JsonWriter &JsonWriter::stringMap(const std::map<std::string, std::string> &object) {
    beginObject();
    for (const auto &[name, text] : object) {
        key(name).string(text);
    }
    return endObject();
}

} // namespace aegis
