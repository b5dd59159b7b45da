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

JsonWriter &JsonWriter::string(std::string_view text) {
    const bool ascii = std::all_of(text.begin(), text.end(),
                                   [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    if (!ascii) {
        // nlohmann's own escaping, which validates (and replaces or refuses) the UTF-8.
        m_out += nlohmann::json(std::string(text))
                     .dump(-1, ' ', false,
                           m_strictUtf8 ? nlohmann::json::error_handler_t::strict
                                        : nlohmann::json::error_handler_t::replace);
        return *this;
    }
    m_out += '"';
    for (const char c : text) {
        switch (c) {
        case '"':
            m_out += "\\\"";
            break;
        case '\\':
            m_out += "\\\\";
            break;
        case '\b':
            m_out += "\\b";
            break;
        case '\f':
            m_out += "\\f";
            break;
        case '\n':
            m_out += "\\n";
            break;
        case '\r':
            m_out += "\\r";
            break;
        case '\t':
            m_out += "\\t";
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                char escaped[8];
                std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
                m_out += escaped;
            } else {
                m_out += c;
            }
        }
    }
    m_out += '"';
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
