#include "config/content_validator.h"

#include <cerrno>
#include <nlohmann/json.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>
#include <yaml-cpp/yaml.h>

namespace aegis::config {
namespace {

// 1-based line and column of a byte offset.
std::pair<std::size_t, std::size_t> position(std::string_view text, std::size_t offset) {
    offset = std::min(offset, text.size());
    std::size_t line = 1;
    std::size_t lineStart = 0;
    for (std::size_t i = 0; i < offset; ++i) {
        if (text[i] == '\n') {
            ++line;
            lineStart = i + 1;
        }
    }
    return {line, offset - lineStart + 1};
}

Status at(std::size_t line, std::size_t column, const std::string &what) {
    return invalidArgument("content: line " + std::to_string(line) + ", column " +
                           std::to_string(column) + ": " + what);
}

// nlohmann's message is "[json.exception.parse_error.101] parse error at line 1, column 5:
// syntax error while parsing value - invalid literal; last read: 'tru,'"; keep what follows the
// position.
std::string jsonReason(const std::string &message) {
    const auto colon = message.find(": ", message.find("column"));
    return colon == std::string::npos ? message : message.substr(colon + 2);
}

// Bounds on what is validated against a schema: valijson recurses through the document, and
// YAML aliases can make a document self-referential or exponentially large once expanded.
constexpr int kMaxDepth = 64;
constexpr std::size_t kMaxNodes = 200000;

// YAML as the JSON a schema validates: untagged plain scalars resolve as YAML 1.2's core schema
// does (null, booleans, integers, floats), quoted ones stay strings. Fails past the bounds above.
StatusOr<nlohmann::json> yamlToJson(const YAML::Node &node, int depth, std::size_t &budget) {
    if (depth > kMaxDepth || budget == 0) {
        return invalidArgument("content: nested deeper than " + std::to_string(kMaxDepth) +
                               " levels or larger than " + std::to_string(kMaxNodes) +
                               " nodes once aliases are expanded; a schema cannot check it");
    }
    --budget;
    switch (node.Type()) {
    case YAML::NodeType::Sequence: {
        auto out = nlohmann::json::array();
        for (const auto &element : node) {
            auto converted = yamlToJson(element, depth + 1, budget);
            if (!converted) {
                return converted.status();
            }
            out.push_back(std::move(*converted));
        }
        return out;
    }
    case YAML::NodeType::Map: {
        auto out = nlohmann::json::object();
        for (const auto &entry : node) {
            if (!entry.first.IsScalar()) {
                return invalidArgument("content: a mapping key that is not a plain value (line " +
                                       std::to_string(entry.first.Mark().line + 1) +
                                       ") has no JSON form for the schema to check");
            }
            auto converted = yamlToJson(entry.second, depth + 1, budget);
            if (!converted) {
                return converted.status();
            }
            out[entry.first.Scalar()] = std::move(*converted);
        }
        return out;
    }
    case YAML::NodeType::Scalar: {
        const std::string &text = node.Scalar();
        if (node.Tag() == "!") {
            return nlohmann::json(text);
        }
        if (text == "null" || text == "~" || text.empty()) {
            return nlohmann::json(nullptr);
        }
        if (text == "true" || text == "false") {
            return nlohmann::json(text == "true");
        }
        char *end = nullptr;
        errno = 0;
        const long long integer = std::strtoll(text.c_str(), &end, 10);
        if (end != text.c_str() && *end == '\0' && errno == 0) {
            return nlohmann::json(integer);
        }
        const double number = std::strtod(text.c_str(), &end);
        if (end != text.c_str() && *end == '\0') {
            return nlohmann::json(number);
        }
        return nlohmann::json(text);
    }
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
        break;
    }
    return nlohmann::json(nullptr);
}

// How deep a JSON document nests, stopping once past `limit`.
int depthOf(const nlohmann::json &value, int limit, int depth = 0) {
    if (depth > limit || !value.is_structured()) {
        return depth;
    }
    int deepest = depth;
    for (const auto &child : value) {
        deepest = std::max(deepest, depthOf(child, limit, depth + 1));
        if (deepest > limit) {
            break;
        }
    }
    return deepest;
}

// Regular expressions are refused in schemas: valijson compiles them with std::regex, which can
// overflow its stack or backtrack for minutes on a hostile pattern and a long string.
bool usesPatterns(const nlohmann::json &schema, int depth = 0) {
    if (depth > kMaxDepth || !schema.is_structured()) {
        return false;
    }
    if (schema.is_object() &&
        (schema.contains("pattern") || schema.contains("patternProperties"))) {
        return true;
    }
    for (const auto &child : schema) {
        if (usesPatterns(child, depth + 1)) {
            return true;
        }
    }
    return false;
}

StatusOr<nlohmann::json> parseSchema(std::string_view schema) {
    try {
        auto parsed = nlohmann::json::parse(schema);
        if (depthOf(parsed, kMaxDepth) > kMaxDepth) {
            return invalidArgument("schema: nested deeper than " + std::to_string(kMaxDepth) +
                                   " levels");
        }
        if (usesPatterns(parsed)) {
            return invalidArgument("schema: 'pattern' and 'patternProperties' are not supported "
                                   "(regular expressions could stall the daemon); use enum, "
                                   "format or length limits");
        }
        return parsed;
    } catch (const nlohmann::json::parse_error &error) {
        const auto [line, column] = position(schema, error.byte == 0 ? 0 : error.byte - 1);
        return invalidArgument("schema: line " + std::to_string(line) + ", column " +
                               std::to_string(column) + ": " + jsonReason(error.what()));
    }
}

template <typename Adapter>
Status validateAgainst(const nlohmann::json &schemaJson, const Adapter &document) {
    valijson::Schema schema;
    try {
        valijson::SchemaParser parser;
        valijson::adapters::NlohmannJsonAdapter schemaAdapter(schemaJson);
        parser.populateSchema(schemaAdapter, schema);
    } catch (const std::exception &error) {
        return invalidArgument(std::string("schema: not a usable JSON Schema: ") + error.what());
    }
    valijson::Validator validator;
    valijson::ValidationResults results;
    try {
        if (validator.validate(schema, document, &results)) {
            return Status::ok();
        }
    } catch (const std::exception &error) {
        return invalidArgument(std::string("schema: cannot be applied: ") + error.what());
    }
    // The deepest error says the most; valijson reports outer ones ("failed to match all
    // properties") first.
    valijson::ValidationResults::Error error;
    valijson::ValidationResults::Error deepest;
    while (results.popError(error)) {
        if (error.context.size() >= deepest.context.size()) {
            deepest = error;
        }
    }
    std::string pointer;
    for (std::size_t i = 1; i < deepest.context.size(); ++i) { // [0] is "<root>"
        std::string part = deepest.context[i];
        if (part.size() >= 2 && part.front() == '[' && part.back() == ']') {
            part = part.substr(1, part.size() - 2);
        }
        if (part.size() >= 2 && part.front() == '"' && part.back() == '"') {
            part = part.substr(1, part.size() - 2);
        }
        pointer += "/" + part;
    }
    return invalidArgument("content: " + (pointer.empty() ? std::string("/") : pointer) +
                           " does not match the schema: " + deepest.description);
}

} // namespace

const char *formatName(Format format) {
    switch (format) {
    case Format::Text:
        return "text";
    case Format::Json:
        return "json";
    case Format::Yaml:
        return "yaml";
    case Format::Properties:
        return "properties";
    case Format::Unspecified:
        break;
    }
    return "unspecified";
}

Status validateSchema(std::string_view schema) {
    auto parsed = parseSchema(schema);
    if (!parsed) {
        return parsed.status();
    }
    try {
        valijson::Schema compiled;
        valijson::SchemaParser parser;
        valijson::adapters::NlohmannJsonAdapter adapter(*parsed);
        parser.populateSchema(adapter, compiled);
    } catch (const std::exception &error) {
        return invalidArgument(std::string("schema: not a usable JSON Schema: ") + error.what());
    }
    return Status::ok();
}

Status validateContent(Format format, std::string_view content, std::string_view schema) {
    std::optional<nlohmann::json> schemaJson;
    if (!schema.empty()) {
        if (format != Format::Json && format != Format::Yaml) {
            return invalidArgument("schema: only json and yaml items can have a JSON Schema");
        }
        auto parsed = parseSchema(schema);
        if (!parsed) {
            return parsed.status();
        }
        schemaJson = std::move(*parsed);
    }
    switch (format) {
    case Format::Text:
        return Status::ok();
    case Format::Json: {
        nlohmann::json document;
        try {
            document = nlohmann::json::parse(content);
        } catch (const nlohmann::json::parse_error &error) {
            const auto [line, column] = position(content, error.byte == 0 ? 0 : error.byte - 1);
            return at(line, column, jsonReason(error.what()));
        }
        if (!schemaJson) {
            return Status::ok();
        }
        if (depthOf(document, kMaxDepth) > kMaxDepth) {
            return invalidArgument("content: nested deeper than " + std::to_string(kMaxDepth) +
                                   " levels; a schema cannot check it");
        }
        return validateAgainst(*schemaJson, valijson::adapters::NlohmannJsonAdapter(document));
    }
    case Format::Yaml: {
        YAML::Node document;
        try {
            document = YAML::Load(std::string(content));
        } catch (const YAML::Exception &error) {
            // yaml-cpp's marks are 0-based.
            return at(static_cast<std::size_t>(error.mark.line) + 1,
                      static_cast<std::size_t>(error.mark.column) + 1, error.msg);
        }
        if (!schemaJson) {
            return Status::ok();
        }
        std::size_t budget = kMaxNodes;
        StatusOr<nlohmann::json> asJson = invalidArgument("content: unreadable");
        try {
            asJson = yamlToJson(document, 0, budget);
        } catch (const YAML::Exception &error) {
            return invalidArgument(std::string("content: ") + error.msg);
        }
        if (!asJson) {
            return asJson.status();
        }
        return validateAgainst(*schemaJson, valijson::adapters::NlohmannJsonAdapter(*asJson));
    }
    case Format::Properties:
        return parseProperties(content).status();
    case Format::Unspecified:
        break;
    }
    return invalidArgument("format must be text, json, yaml or properties");
}

StatusOr<std::map<std::string, std::string>> parseProperties(std::string_view content) {
    std::map<std::string, std::string> properties;
    std::size_t offset = 0;
    std::size_t lineNumber = 0;
    while (offset < content.size()) {
        // One logical line: physical lines joined while they end in an odd number of '\'.
        std::string logical;
        std::vector<std::pair<std::size_t, std::size_t>> origins; // logical index -> line, col
        bool continued = true;
        bool first = true;
        while (continued && offset < content.size()) {
            const auto end = content.find('\n', offset);
            std::string_view line = content.substr(
                offset, end == std::string_view::npos ? std::string_view::npos : end - offset);
            offset = end == std::string_view::npos ? content.size() : end + 1;
            ++lineNumber;
            if (!line.empty() && line.back() == '\r') {
                line.remove_suffix(1);
            }
            std::size_t start = 0;
            if (!first) { // leading whitespace of a continuation line is dropped
                while (start < line.size() && (line[start] == ' ' || line[start] == '\t')) {
                    ++start;
                }
            }
            std::size_t backslashes = 0;
            for (std::size_t i = line.size(); i > start && line[i - 1] == '\\'; --i) {
                ++backslashes;
            }
            continued = backslashes % 2 == 1;
            const std::size_t stop = continued ? line.size() - 1 : line.size();
            for (std::size_t i = start; i < stop; ++i) {
                logical.push_back(line[i]);
                origins.emplace_back(lineNumber, i + 1);
            }
            first = false;
        }
        std::size_t i = 0;
        while (i < logical.size() &&
               (logical[i] == ' ' || logical[i] == '\t' || logical[i] == '\f')) {
            ++i;
        }
        if (i == logical.size() || logical[i] == '#' || logical[i] == '!') {
            continue;
        }
        // Unescapes logical[from, to); stops at an unescaped separator when `key`.
        auto unescape = [&](std::size_t &pos, bool key) -> StatusOr<std::string> {
            std::string out;
            while (pos < logical.size()) {
                const char c = logical[pos];
                if (key && (c == '=' || c == ':' || c == ' ' || c == '\t' || c == '\f')) {
                    break;
                }
                if (c != '\\') {
                    out.push_back(c);
                    ++pos;
                    continue;
                }
                if (pos + 1 >= logical.size()) {
                    ++pos;
                    break;
                }
                const char next = logical[pos + 1];
                pos += 2;
                switch (next) {
                case 't':
                    out.push_back('\t');
                    break;
                case 'n':
                    out.push_back('\n');
                    break;
                case 'r':
                    out.push_back('\r');
                    break;
                case 'f':
                    out.push_back('\f');
                    break;
                case 'u': {
                    const auto [line, column] = origins[pos - 2];
                    if (pos + 4 > logical.size()) {
                        return at(line, column, "\\u needs four hex digits");
                    }
                    unsigned code = 0;
                    for (int d = 0; d < 4; ++d) {
                        const char h = logical[pos + static_cast<std::size_t>(d)];
                        code <<= 4;
                        if (h >= '0' && h <= '9') {
                            code |= static_cast<unsigned>(h - '0');
                        } else if (h >= 'a' && h <= 'f') {
                            code |= static_cast<unsigned>(h - 'a' + 10);
                        } else if (h >= 'A' && h <= 'F') {
                            code |= static_cast<unsigned>(h - 'A' + 10);
                        } else {
                            return at(line, column, "\\u needs four hex digits");
                        }
                    }
                    pos += 4;
                    // UTF-8 encoding of the BMP code point.
                    if (code < 0x80) {
                        out.push_back(static_cast<char>(code));
                    } else if (code < 0x800) {
                        out.push_back(static_cast<char>(0xC0 | (code >> 6)));
                        out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
                    } else {
                        out.push_back(static_cast<char>(0xE0 | (code >> 12)));
                        out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
                        out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
                    }
                    break;
                }
                default:
                    out.push_back(next);
                }
            }
            return out;
        };
        auto key = unescape(i, true);
        if (!key) {
            return key.status();
        }
        // Separator: whitespace, then at most one '=' or ':', then whitespace.
        while (i < logical.size() &&
               (logical[i] == ' ' || logical[i] == '\t' || logical[i] == '\f')) {
            ++i;
        }
        if (i < logical.size() && (logical[i] == '=' || logical[i] == ':')) {
            ++i;
        }
        while (i < logical.size() &&
               (logical[i] == ' ' || logical[i] == '\t' || logical[i] == '\f')) {
            ++i;
        }
        auto value = unescape(i, false);
        if (!value) {
            return value.status();
        }
        properties[std::move(*key)] = std::move(*value);
    }
    return properties;
}

} // namespace aegis::config
