#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace aegis {

// Writes JSON directly, byte for byte as nlohmann::json's dump() (no indent, ensure_ascii off)
// writes the same value, for records written on every request (a registration's instance and
// audit record), where building a nlohmann::json tree first cost more than the rest of their
// path. The caller writes an object's keys in ascending order, the order nlohmann keeps them in.
class JsonWriter {
public:
    // Invalid UTF-8 in a string: replaced by U+FFFD, or with `strictUtf8` a
    // nlohmann::json::type_error thrown, as dump() with error_handler_t::replace / strict.
    explicit JsonWriter(bool strictUtf8 = false)
        : m_strictUtf8(strictUtf8) {}

    JsonWriter &beginObject();
    JsonWriter &endObject();
    JsonWriter &key(std::string_view name);
    JsonWriter &string(std::string_view text);
    JsonWriter &integer(std::int64_t number);
    JsonWriter &boolean(bool flag);
    // An object of strings, in the map's (ascending) order.
    JsonWriter &stringMap(const std::map<std::string, std::string> &object);

    std::string take() { return std::move(m_out); }

    // Appends `text` as a JSON string to `out`, escaped as string() does: for JSON written by
    // hand elsewhere (the span store's attributes).
    static void appendString(std::string &out, std::string_view text, bool strictUtf8 = false);

private:
    std::string m_out;
    bool m_strictUtf8;
    bool m_firstInObject = true;
};

} // namespace aegis
