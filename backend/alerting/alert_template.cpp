// Alert label and annotation templates: a Go text/template interpreter for the subset Prometheus
// rules use, with Prometheus' functions (prometheus/template/template.go) and Go's value printing
// (fmt), so a rule renders here as it does in Prometheus. Prometheus prepends
// {{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}
// {{$value := .Value}} to every text and executes it with missingkey=zero: these variables are
// predefined here, and a missing label reads as "".

#include "alerting/alert_template.h"

#include "alerting/go_regexp.h"
#include "alerting/rule_file.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

namespace aegis::alerting {

namespace {

// Thrown inside the interpreter only; the API edge turns it into a Status with line and column.
struct TemplateError {
    std::size_t offset;
    std::string message;
};

[[noreturn]] void fail(std::size_t offset, std::string message) {
    throw TemplateError{offset, std::move(message)};
}

// ---------------------------------------------------------------------------------------------
// Values, with Go's type names and printing.

struct Value {
    enum class Kind { Nil, Bool, Int, Float, String, Map, Data };
    Kind kind = Kind::Nil;
    bool boolean = false;
    std::int64_t integer = 0;
    double number = 0;
    std::string text;
    const LabelSet *map = nullptr; // Map: not owned (the TemplateData's)

    static Value ofBool(bool b) {
        Value v;
        v.kind = Kind::Bool;
        v.boolean = b;
        return v;
    }
    static Value ofInt(std::int64_t i) {
        Value v;
        v.kind = Kind::Int;
        v.integer = i;
        return v;
    }
    static Value ofFloat(double d) {
        Value v;
        v.kind = Kind::Float;
        v.number = d;
        return v;
    }
    static Value ofString(std::string s) {
        Value v;
        v.kind = Kind::String;
        v.text = std::move(s);
        return v;
    }
    static Value ofMap(const LabelSet &labels) {
        Value v;
        v.kind = Kind::Map;
        v.map = &labels;
        return v;
    }
    static Value ofData() {
        Value v;
        v.kind = Kind::Data;
        return v;
    }
};

constexpr const char *kDataTypeName = "struct { Labels map[string]string; ExternalLabels "
                                      "map[string]string; ExternalURL string; Value interface {} }";

std::string goTypeName(const Value &v) {
    switch (v.kind) {
    case Value::Kind::Nil:
        return "<nil>";
    case Value::Kind::Bool:
        return "bool";
    case Value::Kind::Int:
        return "int";
    case Value::Kind::Float:
        return "float64";
    case Value::Kind::String:
        return "string";
    case Value::Kind::Map:
        return "map[string]string";
    case Value::Kind::Data:
        return kDataTypeName;
    }
    return "?";
}

// Go's strconv.FormatFloat for the verbs e, E, f, F, g, G; prec < 0: the shortest digits that
// read back exactly, and for %g (fmt's %v) the exponent form when the exponent is < -4 or >= 6,
// so 1000000 prints as 1e+06, as {{ $value }} does in Prometheus.
std::string formatGoFloat(double v, char verb, int prec) {
    if (std::isnan(v)) {
        return "NaN";
    }
    if (std::isinf(v)) {
        return v > 0 ? "+Inf" : "-Inf";
    }
    std::string buffer(400 + static_cast<std::size_t>(std::clamp(prec, 0, 1000)), '\0');
    char *first = buffer.data();
    char *last = buffer.data() + buffer.size();
    std::to_chars_result result{};
    const char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(verb)));
    if (lower == 'f') {
        result = std::to_chars(first, last, v, std::chars_format::fixed, prec < 0 ? 6 : prec);
    } else if (lower == 'e') {
        // fmt's %e has 6 digits unless told otherwise, like %f.
        result = std::to_chars(first, last, v, std::chars_format::scientific, prec < 0 ? 6 : prec);
    } else if (prec >= 0) {
        result = std::to_chars(first, last, v, std::chars_format::general, prec == 0 ? 1 : prec);
    } else {
        result = std::to_chars(first, last, v, std::chars_format::scientific);
        const std::string_view shortest(first, static_cast<std::size_t>(result.ptr - first));
        const int exponent =
            std::atoi(std::string(shortest.substr(shortest.find('e') + 1)).c_str());
        if (exponent >= -4 && exponent < 6) {
            result = std::to_chars(first, last, v, std::chars_format::fixed);
        }
    }
    std::string out(first, result.ptr);
    if (verb == 'E' || verb == 'G') {
        for (char &c : out) {
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
    }
    return out;
}

// fmt's %v.
std::string formatGoValue(const Value &v, const TemplateData &data) {
    switch (v.kind) {
    case Value::Kind::Nil:
        return "<nil>";
    case Value::Kind::Bool:
        return v.boolean ? "true" : "false";
    case Value::Kind::Int:
        return std::to_string(v.integer);
    case Value::Kind::Float:
        return formatGoFloat(v.number, 'g', -1);
    case Value::Kind::String:
        return v.text;
    case Value::Kind::Map: {
        // Go prints a map's keys sorted; a LabelSet is sorted already.
        std::string out = "map[";
        for (std::size_t i = 0; i < v.map->size(); ++i) {
            out += (i ? " " : "") + (*v.map)[i].first + ":" + (*v.map)[i].second;
        }
        return out + "]";
    }
    case Value::Kind::Data:
        return "{" + formatGoValue(Value::ofMap(data.labels), data) + " " +
               formatGoValue(Value::ofMap(data.externalLabels), data) + "  " +
               formatGoFloat(data.value, 'g', -1) + "}";
    }
    return {};
}

// strconv.Quote: printable UTF-8 kept, the rest escaped.
std::string goQuote(std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "\"";
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        switch (c) {
        case '"':
            out += "\\\"";
            continue;
        case '\\':
            out += "\\\\";
            continue;
        case '\a':
            out += "\\a";
            continue;
        case '\b':
            out += "\\b";
            continue;
        case '\f':
            out += "\\f";
            continue;
        case '\n':
            out += "\\n";
            continue;
        case '\r':
            out += "\\r";
            continue;
        case '\t':
            out += "\\t";
            continue;
        case '\v':
            out += "\\v";
            continue;
        default:
            break;
        }
        if (c < 0x20 || c == 0x7f) {
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 15];
            continue;
        }
        if (c < 0x80) {
            out += static_cast<char>(c);
            continue;
        }
        // A whole, valid multi-byte sequence is kept; a stray byte is escaped.
        const std::size_t length = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
        bool valid = length != 0 && i + length <= s.size();
        for (std::size_t k = 1; valid && k < length; ++k) {
            valid = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
        }
        if (!valid) {
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 15];
            continue;
        }
        out.append(s.substr(i, length));
        i += length - 1;
    }
    return out + "\"";
}

std::size_t runeCount(std::string_view s) {
    return static_cast<std::size_t>(std::count_if(
        s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
}

// One formatting directive of printf: %[flags][width][.precision]verb.
struct Directive {
    bool plus = false;
    bool minus = false;
    bool sharp = false;
    bool space = false;
    bool zero = false;
    int width = -1;
    int precision = -1;
    char verb = 'v';
};

std::string pad(std::string body, const Directive &d, bool numeric) {
    const std::size_t length = runeCount(body);
    if (d.width < 0 || length >= static_cast<std::size_t>(d.width)) {
        return body;
    }
    const std::size_t fill = static_cast<std::size_t>(d.width) - length;
    if (d.minus) {
        return body + std::string(fill, ' ');
    }
    if (d.zero && numeric) {
        const std::size_t signLength =
            !body.empty() && (body[0] == '-' || body[0] == '+' || body[0] == ' ') ? 1 : 0;
        return body.substr(0, signLength) + std::string(fill, '0') + body.substr(signLength);
    }
    return std::string(fill, ' ') + body;
}

std::string withSign(std::string digits, bool negative, const Directive &d) {
    if (negative) {
        return "-" + digits;
    }
    if (d.plus) {
        return "+" + digits;
    }
    if (d.space) {
        return " " + digits;
    }
    return digits;
}

std::string formatInteger(std::int64_t value, const Directive &d) {
    const bool negative = value < 0;
    const std::uint64_t magnitude =
        negative ? ~static_cast<std::uint64_t>(value) + 1 : static_cast<std::uint64_t>(value);
    int base = 10;
    std::string prefix;
    switch (d.verb) {
    case 'x':
    case 'X':
        base = 16;
        prefix = d.sharp ? (d.verb == 'x' ? "0x" : "0X") : "";
        break;
    case 'o':
        base = 8;
        prefix = d.sharp ? "0" : "";
        break;
    case 'O':
        base = 8;
        prefix = "0o";
        break;
    case 'b':
        base = 2;
        break;
    default:
        break;
    }
    char buffer[80];
    auto result = std::to_chars(buffer, buffer + sizeof buffer, magnitude, base);
    std::string digits(buffer, result.ptr);
    if (d.verb == 'X') {
        for (char &c : digits) {
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
    }
    if (d.precision >= 0 && digits.size() < static_cast<std::size_t>(d.precision)) {
        digits.insert(0, static_cast<std::size_t>(d.precision) - digits.size(), '0');
    }
    return pad(withSign(prefix + digits, negative, d), d, d.precision < 0);
}

std::string formatFloatDirective(double value, const Directive &d) {
    std::string text = formatGoFloat(value, d.verb == 'v' ? 'g' : d.verb, d.precision);
    if (std::isnan(value)) {
        // fmt drops NaN's sign unless asked for one, and never pads it with zeros.
        return pad(d.plus ? "+NaN" : d.space ? " NaN" : "NaN", d, false);
    }
    if (std::isinf(value)) {
        return pad(text, d, false); // "+Inf" keeps its sign
    }
    const bool negative = text[0] == '-';
    if (negative) {
        text.erase(0, 1);
    }
    return pad(withSign(text, negative, d), d, true);
}

// Go's fmt verb applied to one value; a verb that does not fit the type prints as Go does:
// %!d(string=abc).
std::string formatDirective(const Value &v, const Directive &d, const TemplateData &data) {
    const auto bad = [&] {
        if (v.kind == Value::Kind::Nil) {
            return std::string("%!") + d.verb + "(<nil>)";
        }
        return std::string("%!") + d.verb + "(" + goTypeName(v) + "=" + formatGoValue(v, data) +
               ")";
    };
    switch (v.kind) {
    case Value::Kind::Nil:
        return d.verb == 'v' ? pad("<nil>", d, false) : bad();
    case Value::Kind::Bool:
        return d.verb == 'v' || d.verb == 't' ? pad(v.boolean ? "true" : "false", d, false) : bad();
    case Value::Kind::Int:
        switch (d.verb) {
        case 'v':
        case 'd':
        case 'x':
        case 'X':
        case 'o':
        case 'O':
        case 'b':
            return formatInteger(v.integer, d);
        case 'c':
            return pad(std::string(1, static_cast<char>(v.integer)), d, false);
        case 'q':
            return pad("'" + std::string(1, static_cast<char>(v.integer)) + "'", d, false);
        default:
            return bad();
        }
    case Value::Kind::Float:
        switch (d.verb) {
        case 'v':
        case 'e':
        case 'E':
        case 'f':
        case 'F':
        case 'g':
        case 'G':
            return formatFloatDirective(v.number, d);
        default:
            return bad();
        }
    case Value::Kind::String: {
        std::string text = v.text;
        if (d.precision >= 0) {
            // Precision counts runes.
            std::size_t runes = 0;
            std::size_t end = 0;
            while (end < text.size()) {
                if ((static_cast<unsigned char>(text[end]) & 0xc0) != 0x80 &&
                    runes++ == static_cast<std::size_t>(d.precision)) {
                    break;
                }
                ++end;
            }
            text.resize(end);
        }
        switch (d.verb) {
        case 'v':
        case 's':
            return pad(text, d, false);
        case 'q':
            return pad(goQuote(text), d, false);
        case 'x':
        case 'X': {
            static constexpr char kLower[] = "0123456789abcdef";
            static constexpr char kUpper[] = "0123456789ABCDEF";
            const char *digits = d.verb == 'x' ? kLower : kUpper;
            std::string out;
            for (const char c : text) {
                out += digits[static_cast<unsigned char>(c) >> 4];
                out += digits[static_cast<unsigned char>(c) & 15];
            }
            return pad(out, d, false);
        }
        default:
            return bad();
        }
    }
    case Value::Kind::Map:
    case Value::Kind::Data:
        return d.verb == 'v' || d.verb == 's' ? pad(formatGoValue(v, data), d, false) : bad();
    }
    return bad();
}

std::string goSprintf(std::string_view format, const std::vector<Value> &args,
                      const TemplateData &data) {
    std::string out;
    std::size_t next = 0;
    for (std::size_t i = 0; i < format.size(); ++i) {
        if (format[i] != '%') {
            out += format[i];
            continue;
        }
        if (++i >= format.size()) {
            out += "%!(NOVERB)";
            break;
        }
        Directive d;
        for (; i < format.size(); ++i) {
            const char c = format[i];
            if (c == '+') {
                d.plus = true;
            } else if (c == '-') {
                d.minus = true;
                d.zero = false;
            } else if (c == '#') {
                d.sharp = true;
            } else if (c == ' ') {
                d.space = true;
            } else if (c == '0') {
                d.zero = !d.minus;
            } else {
                break;
            }
        }
        const auto readNumber = [&](int &target) {
            if (i < format.size() && format[i] == '*') {
                ++i;
                if (next < args.size() && args[next].kind == Value::Kind::Int) {
                    target =
                        static_cast<int>(std::clamp<std::int64_t>(args[next].integer, -1000, 1000));
                    if (target < 0) {
                        d.minus = true;
                        target = -target;
                    }
                } else {
                    out += "%!(BADWIDTH)";
                }
                ++next;
                return;
            }
            int number = -1;
            while (i < format.size() && std::isdigit(static_cast<unsigned char>(format[i]))) {
                number = std::min((number < 0 ? 0 : number) * 10 + (format[i] - '0'), 1000);
                ++i;
            }
            if (number >= 0) {
                target = number;
            }
        };
        readNumber(d.width);
        if (i < format.size() && format[i] == '.') {
            ++i;
            d.precision = 0;
            readNumber(d.precision);
        }
        if (i >= format.size()) {
            out += "%!(NOVERB)";
            break;
        }
        d.verb = format[i];
        if (d.verb == '%') {
            out += '%';
            continue;
        }
        if (next >= args.size()) {
            out += std::string("%!") + d.verb + "(MISSING)";
            continue;
        }
        out += formatDirective(args[next++], d, data);
    }
    if (next < args.size()) {
        out += "%!(EXTRA ";
        for (std::size_t k = next; k < args.size(); ++k) {
            out +=
                (k > next ? ", " : "") + goTypeName(args[k]) + "=" + formatGoValue(args[k], data);
        }
        out += ")";
    }
    return out;
}

// fmt.Sprint: a space between operands when neither is a string.
std::string goSprint(const std::vector<Value> &args, const TemplateData &data) {
    std::string out;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (i > 0 && args[i].kind != Value::Kind::String &&
            args[i - 1].kind != Value::Kind::String) {
            out += ' ';
        }
        out += formatGoValue(args[i], data);
    }
    return out;
}

std::string goSprintln(const std::vector<Value> &args, const TemplateData &data) {
    std::string out;
    for (std::size_t i = 0; i < args.size(); ++i) {
        out += (i ? " " : "") + formatGoValue(args[i], data);
    }
    return out + "\n";
}

// ---------------------------------------------------------------------------------------------
// The lexer, after Go's text/template/parse/lex.go.

enum class Tok {
    Text,
    LeftDelim,
    RightDelim,
    Space,
    Identifier,
    Keyword,
    Field,
    Variable,
    Dot,
    String,
    Number,
    Bool,
    Nil,
    Pipe,
    LeftParen,
    RightParen,
    Declare,
    Assign,
    Comma,
    Eof,
};

struct Token {
    Tok type;
    std::string text; // decoded for strings and chars
    std::size_t offset;
};

bool isSpaceChar(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}
bool isAlnum(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
           (static_cast<unsigned char>(c) & 0x80) != 0;
}

const char *const kKeywords[] = {"if",     "else",     "end",   "range", "with",
                                 "define", "template", "block", "break", "continue"};

std::string describeRune(std::string_view text, std::size_t at) {
    const auto c = static_cast<unsigned char>(text[at]);
    std::uint32_t rune = c;
    std::size_t length = 1;
    if (c >= 0xc0) {
        length = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
        rune = c & (0x3f >> (length - 1));
        for (std::size_t k = 1; k < length && at + k < text.size(); ++k) {
            rune = (rune << 6) | (static_cast<unsigned char>(text[at + k]) & 0x3f);
        }
    }
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "U+%04X", rune);
    std::string out = buffer;
    if (rune >= 0x20 && rune != 0x7f && rune < 0x80) {
        out += " '" + std::string(1, static_cast<char>(rune)) + "'";
    }
    return out;
}

// Go's strconv.Unquote for "..." and '...' (the opening quote at text[at]); returns the decoded
// text and sets `end` past the closing quote.
std::string unquote(std::string_view text, std::size_t at, std::size_t &end) {
    const char quote = text[at];
    std::string out;
    std::size_t i = at + 1;
    const auto appendRune = [&](std::uint32_t rune) {
        if (rune < 0x80) {
            out += static_cast<char>(rune);
        } else if (rune < 0x800) {
            out += static_cast<char>(0xc0 | (rune >> 6));
            out += static_cast<char>(0x80 | (rune & 0x3f));
        } else if (rune < 0x10000) {
            out += static_cast<char>(0xe0 | (rune >> 12));
            out += static_cast<char>(0x80 | ((rune >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (rune & 0x3f));
        } else {
            out += static_cast<char>(0xf0 | (rune >> 18));
            out += static_cast<char>(0x80 | ((rune >> 12) & 0x3f));
            out += static_cast<char>(0x80 | ((rune >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (rune & 0x3f));
        }
    };
    const char *what =
        quote == '"' ? "unterminated quoted string" : "unterminated character constant";
    while (true) {
        if (i >= text.size() || text[i] == '\n') {
            fail(at, what);
        }
        const char c = text[i];
        if (c == quote) {
            end = i + 1;
            break;
        }
        if (c != '\\') {
            out += c;
            ++i;
            continue;
        }
        if (++i >= text.size()) {
            fail(at, what);
        }
        const char e = text[i++];
        switch (e) {
        case 'a':
            out += '\a';
            break;
        case 'b':
            out += '\b';
            break;
        case 'f':
            out += '\f';
            break;
        case 'n':
            out += '\n';
            break;
        case 'r':
            out += '\r';
            break;
        case 't':
            out += '\t';
            break;
        case 'v':
            out += '\v';
            break;
        case '\\':
            out += '\\';
            break;
        case '"':
        case '\'':
            if (e != quote) {
                fail(i - 2, "invalid syntax: escape \\" + std::string(1, e) + " in a " +
                                (quote == '"' ? "string" : "character constant"));
            }
            out += e;
            break;
        case 'x':
        case 'u':
        case 'U': {
            const std::size_t digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
            std::uint32_t rune = 0;
            for (std::size_t k = 0; k < digits; ++k, ++i) {
                if (i >= text.size() || !std::isxdigit(static_cast<unsigned char>(text[i]))) {
                    fail(at, "invalid syntax: bad \\" + std::string(1, e) + " escape");
                }
                const char h = static_cast<char>(std::tolower(static_cast<unsigned char>(text[i])));
                rune = rune * 16 + static_cast<std::uint32_t>(h <= '9' ? h - '0' : h - 'a' + 10);
            }
            if (e == 'x') {
                out += static_cast<char>(rune);
            } else {
                appendRune(rune);
            }
            break;
        }
        default:
            if (e >= '0' && e <= '7') {
                std::uint32_t value = static_cast<std::uint32_t>(e - '0');
                for (int k = 0; k < 2; ++k, ++i) {
                    if (i >= text.size() || text[i] < '0' || text[i] > '7') {
                        fail(at, "invalid syntax: bad octal escape");
                    }
                    value = value * 8 + static_cast<std::uint32_t>(text[i] - '0');
                }
                if (value > 255) {
                    fail(at, "invalid syntax: octal escape above 255");
                }
                out += static_cast<char>(value);
                break;
            }
            fail(i - 2, "invalid syntax: unknown escape \\" + std::string(1, e));
        }
    }
    return out;
}

std::vector<Token> lex(std::string_view text) {
    std::vector<Token> tokens;
    std::size_t i = 0;
    bool trimNextText = false;
    while (i < text.size()) {
        // Text up to the next action.
        std::size_t open = text.find("{{", i);
        const std::size_t textEnd = open == std::string_view::npos ? text.size() : open;
        std::size_t textBegin = i;
        if (trimNextText) {
            while (textBegin < textEnd && isSpaceChar(text[textBegin])) {
                ++textBegin;
            }
            trimNextText = false;
        }
        std::size_t trimmedEnd = textEnd;
        const bool trimBefore = open != std::string_view::npos && open + 3 < text.size() &&
                                text[open + 2] == '-' && isSpaceChar(text[open + 3]);
        if (trimBefore) {
            while (trimmedEnd > textBegin && isSpaceChar(text[trimmedEnd - 1])) {
                --trimmedEnd;
            }
        }
        if (trimmedEnd > textBegin) {
            tokens.push_back({Tok::Text,
                              std::string(text.substr(textBegin, trimmedEnd - textBegin)),
                              textBegin});
        }
        if (open == std::string_view::npos) {
            break;
        }
        tokens.push_back({Tok::LeftDelim, "{{", open});
        i = open + 2;
        if (trimBefore) {
            i += 1; // the '-'; the space after it is lexed as a space
        }
        // A comment is the whole action.
        {
            std::size_t j = i;
            while (trimBefore && j < text.size() && isSpaceChar(text[j])) {
                ++j;
            }
            if (text.substr(j, 2) == "/*") {
                const std::size_t close = text.find("*/", j + 2);
                if (close == std::string_view::npos) {
                    fail(j, "unclosed comment");
                }
                std::size_t k = close + 2;
                if (text.substr(k, 4) == " -}}" || text.substr(k, 4) == "\t-}}" ||
                    text.substr(k, 4) == "\n-}}" || text.substr(k, 4) == "\r-}}") {
                    trimNextText = true;
                    k += 4;
                } else if (text.substr(k, 2) == "}}") {
                    k += 2;
                } else {
                    fail(close, "comment ends before closing delimiter");
                }
                tokens.pop_back(); // a comment yields nothing
                i = k;
                continue;
            }
        }
        // Inside the action.
        while (true) {
            if (i >= text.size()) {
                fail(open, "unclosed action");
            }
            const char c = text[i];
            if (isSpaceChar(c)) {
                std::size_t j = i;
                while (j < text.size() && isSpaceChar(text[j])) {
                    ++j;
                }
                if (text.substr(j, 3) == "-}}") {
                    tokens.push_back({Tok::RightDelim, "}}", j});
                    trimNextText = true;
                    i = j + 3;
                    break;
                }
                tokens.push_back({Tok::Space, " ", i});
                i = j;
                continue;
            }
            if (text.substr(i, 2) == "}}") {
                tokens.push_back({Tok::RightDelim, "}}", i});
                i += 2;
                break;
            }
            const std::size_t start = i;
            if (c == '=') {
                tokens.push_back({Tok::Assign, "=", i++});
            } else if (c == ':') {
                if (i + 1 >= text.size() || text[i + 1] != '=') {
                    fail(i, "expected :=");
                }
                tokens.push_back({Tok::Declare, ":=", i});
                i += 2;
            } else if (c == '|') {
                tokens.push_back({Tok::Pipe, "|", i++});
            } else if (c == '(') {
                tokens.push_back({Tok::LeftParen, "(", i++});
            } else if (c == ')') {
                tokens.push_back({Tok::RightParen, ")", i++});
            } else if (c == ',') {
                tokens.push_back({Tok::Comma, ",", i++});
            } else if (c == '"') {
                std::size_t end = 0;
                tokens.push_back({Tok::String, unquote(text, i, end), start});
                i = end;
            } else if (c == '`') {
                const std::size_t close = text.find('`', i + 1);
                if (close == std::string_view::npos) {
                    fail(i, "unterminated raw quoted string");
                }
                tokens.push_back({Tok::String, std::string(text.substr(i + 1, close - i - 1)), i});
                i = close + 1;
            } else if (c == '\'') {
                std::size_t end = 0;
                const std::string decoded = unquote(text, i, end);
                if (decoded.empty()) {
                    fail(i, "empty character constant");
                }
                // The rune's code point, as an int.
                std::uint32_t rune = static_cast<unsigned char>(decoded[0]);
                const std::size_t length = rune >= 0xf0   ? 4
                                           : rune >= 0xe0 ? 3
                                           : rune >= 0xc0 ? 2
                                                          : 1;
                if (length > 1) {
                    rune &= 0x3fu >> (length - 1);
                    for (std::size_t k = 1; k < length && k < decoded.size(); ++k) {
                        rune = (rune << 6) | (static_cast<unsigned char>(decoded[k]) & 0x3f);
                    }
                }
                if (decoded.size() != length) {
                    fail(i, "invalid syntax: more than one character in a character constant");
                }
                tokens.push_back({Tok::Number, std::to_string(rune), i});
                i = end;
            } else if (c == '$') {
                std::size_t j = i + 1;
                while (j < text.size() && isAlnum(text[j])) {
                    ++j;
                }
                tokens.push_back({Tok::Variable, std::string(text.substr(i, j - i)), i});
                i = j;
            } else if (c == '.' && !(i + 1 < text.size() &&
                                     std::isdigit(static_cast<unsigned char>(text[i + 1])))) {
                std::size_t j = i + 1;
                while (j < text.size() && isAlnum(text[j])) {
                    ++j;
                }
                if (j == i + 1) {
                    tokens.push_back({Tok::Dot, ".", i});
                } else {
                    tokens.push_back({Tok::Field, std::string(text.substr(i + 1, j - i - 1)), i});
                }
                i = j;
            } else if (c == '+' || c == '-' || c == '.' ||
                       std::isdigit(static_cast<unsigned char>(c))) {
                std::size_t j = i + 1;
                while (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) ||
                                           text[j] == '.' || text[j] == '_' ||
                                           ((text[j] == '+' || text[j] == '-') &&
                                            (text[j - 1] == 'e' || text[j - 1] == 'E' ||
                                             text[j - 1] == 'p' || text[j - 1] == 'P')))) {
                    ++j;
                }
                tokens.push_back({Tok::Number, std::string(text.substr(i, j - i)), i});
                i = j;
            } else if (isAlnum(c)) {
                std::size_t j = i;
                while (j < text.size() && isAlnum(text[j])) {
                    ++j;
                }
                const std::string word(text.substr(i, j - i));
                Tok type = Tok::Identifier;
                if (word == "true" || word == "false") {
                    type = Tok::Bool;
                } else if (word == "nil") {
                    type = Tok::Nil;
                } else if (std::find(std::begin(kKeywords), std::end(kKeywords), word) !=
                           std::end(kKeywords)) {
                    type = Tok::Keyword;
                }
                tokens.push_back({type, word, i});
                i = j;
            } else {
                fail(i, "unrecognized character in action: " + describeRune(text, i));
            }
        }
    }
    tokens.push_back({Tok::Eof, "", text.size()});
    return tokens;
}

// ---------------------------------------------------------------------------------------------
// The parse tree.

struct Pipeline;

struct Operand {
    enum class Kind { Field, Variable, Dot, Function, Literal, Nil, Sub };
    Kind kind = Kind::Literal;
    std::size_t offset = 0;
    std::string name;               // Variable: "$x"; Function: its name
    std::vector<std::string> chain; // fields after it: .Labels.x
    Value literal;
    std::shared_ptr<Pipeline> sub; // Sub: (pipeline)
};

struct Command {
    std::size_t offset = 0;
    std::vector<Operand> operands;
};

struct Pipeline {
    std::size_t offset = 0;
    bool assign = false; // `=` rather than `:=`
    std::vector<std::string> variables;
    std::vector<Command> commands;
};

struct Node;
using NodeList = std::vector<Node>;

struct Node {
    enum class Kind { Text, Action, If, Range, With, Break, Continue };
    Kind kind = Kind::Text;
    std::size_t offset = 0;
    std::string text;
    Pipeline pipe;
    NodeList list;
    NodeList elseList;
};

// Functions known to the parser (Go refuses an unknown name when parsing) and how they run.
enum class ParamType { Any, String };
using FunctionArgs = std::vector<Value>;
// Returns the result or throws std::runtime_error with the function's own message.
using FunctionBody = std::function<Value(const FunctionArgs &, const TemplateData &)>;

struct Function {
    int arity = -1; // -1: variadic
    std::vector<ParamType> params;
    FunctionBody body;
    const char *unsupported = nullptr; // why aegisd does not run it
};

const std::map<std::string, Function, std::less<>> &functions();

class Parser {
public:
    explicit Parser(std::vector<Token> tokens)
        : m_tokens(std::move(tokens)) {}

    NodeList parse() {
        NodeList list;
        const Token &end = parseList(list);
        if (end.type != Tok::Eof) {
            fail(end.offset, "unexpected {{" + end.text + "}}");
        }
        return list;
    }

private:
    const Token &peek() const { return m_tokens[m_pos]; }
    const Token &next() { return m_tokens[m_pos++]; }
    const Token &peekNonSpace() {
        while (peek().type == Tok::Space) {
            ++m_pos;
        }
        return peek();
    }
    const Token &nextNonSpace() {
        peekNonSpace();
        return next();
    }
    void expect(Tok type, const char *context) {
        const Token &token = nextNonSpace();
        if (token.type != type) {
            unexpected(token, context);
        }
    }
    [[noreturn]] void unexpected(const Token &token, std::string_view context) {
        std::string what = token.type == Tok::Eof ? "EOF" : "\"" + token.text + "\"";
        if (token.type == Tok::RightDelim) {
            what = "\"}}\"";
        }
        fail(token.offset, "unexpected " + what + " in " + std::string(context));
    }

    // Parses nodes until {{end}}, {{else}} or the end of the text; returns that token (for
    // else/end, the keyword; the right delimiter is left for the caller only after `else`).
    const Token &parseList(NodeList &list) {
        while (true) {
            const Token &token = next();
            if (token.type == Tok::Eof) {
                return token;
            }
            if (token.type == Tok::Text) {
                list.push_back({Node::Kind::Text, token.offset, token.text, {}, {}, {}});
                continue;
            }
            // A left delimiter.
            const Token &first = peekNonSpace();
            if (first.type == Tok::Keyword) {
                next();
                if (first.text == "end") {
                    expect(Tok::RightDelim, "end");
                    return first;
                }
                if (first.text == "else") {
                    return first;
                }
                list.push_back(parseKeyword(first));
                continue;
            }
            Node action{
                Node::Kind::Action, first.offset, {}, parsePipeline("command", false), {}, {}};
            list.push_back(std::move(action));
        }
    }

    Node parseKeyword(const Token &keyword) {
        if (keyword.text == "if" || keyword.text == "with" || keyword.text == "range") {
            return parseControl(keyword);
        }
        if (keyword.text == "break" || keyword.text == "continue") {
            if (m_rangeDepth == 0) {
                fail(keyword.offset, "{{" + keyword.text + "}} outside {{range}}");
            }
            expect(Tok::RightDelim, keyword.text.c_str());
            return {keyword.text == "break" ? Node::Kind::Break : Node::Kind::Continue,
                    keyword.offset,
                    {},
                    {},
                    {},
                    {}};
        }
        fail(keyword.offset, "{{" + keyword.text +
                                 "}} is not supported in alert templates (one template per text)");
    }

    // if/with/range: {{kw pipeline}} list [{{else}} list | {{else if/with ...}}] {{end}}
    Node parseControl(const Token &keyword) {
        enterNesting(keyword.offset);
        Node node;
        node.kind = keyword.text == "if"     ? Node::Kind::If
                    : keyword.text == "with" ? Node::Kind::With
                                             : Node::Kind::Range;
        node.offset = keyword.offset;
        const std::size_t scope = m_variables.size();
        node.pipe = parsePipeline(keyword.text, node.kind == Node::Kind::Range);
        if (node.kind == Node::Kind::Range) {
            ++m_rangeDepth;
        }
        const Token *end = &parseList(node.list);
        if (node.kind == Node::Kind::Range) {
            --m_rangeDepth;
        }
        if (end->type == Tok::Eof) {
            fail(end->offset, "unexpected EOF: {{" + keyword.text + "}} has no {{end}}");
        }
        if (end->text == "else") {
            const Token &after = peekNonSpace();
            if (after.type == Tok::Keyword && after.text == keyword.text &&
                node.kind != Node::Kind::Range) {
                // {{else if x}} is {{else}}{{if x}}...{{end}}{{end}} sharing the one {{end}}.
                next();
                node.elseList.push_back(parseControl(after));
            } else {
                expect(Tok::RightDelim, "else");
                end = &parseList(node.elseList);
                if (end->type == Tok::Eof) {
                    fail(end->offset, "unexpected EOF: {{" + keyword.text + "}} has no {{end}}");
                }
                if (end->text != "end") {
                    fail(end->offset, "expected {{end}}, found {{else}}");
                }
            }
        }
        m_variables.resize(scope);
        --m_nesting;
        return node;
    }

    Pipeline parsePipeline(const std::string &context, bool allowTwoVariables) {
        Pipeline pipe;
        pipe.offset = peekNonSpace().offset;
        // Declarations: $x := / $x = / $k, $v :=
        const std::size_t save = m_pos;
        if (peek().type == Tok::Variable) {
            std::vector<std::string> names{peek().text};
            const Token &variableToken = next();
            const Token *after = &peekNonSpace();
            if (after->type == Tok::Comma && allowTwoVariables) {
                next();
                const Token &second = nextNonSpace();
                if (second.type != Tok::Variable) {
                    unexpected(second, "range declaration");
                }
                names.push_back(second.text);
                after = &peekNonSpace();
                if (after->type != Tok::Declare && after->type != Tok::Assign) {
                    unexpected(*after, "range declaration");
                }
            }
            if (after->type == Tok::Declare || after->type == Tok::Assign) {
                pipe.assign = after->type == Tok::Assign;
                next();
                for (const std::string &name : names) {
                    if (pipe.assign) {
                        requireVariable(name, variableToken.offset);
                    } else {
                        m_variables.push_back(name);
                    }
                }
                pipe.variables = std::move(names);
            } else if (after->type == Tok::Comma) {
                fail(after->offset, "too many declarations in " + context);
            } else {
                m_pos = save;
            }
        }
        while (true) {
            const Token &token = peekNonSpace();
            if (token.type == Tok::RightDelim || token.type == Tok::RightParen) {
                if (token.type == Tok::RightParen && m_parenDepth == 0) {
                    fail(token.offset, "unexpected right paren");
                }
                if (token.type == Tok::RightDelim && m_parenDepth > 0) {
                    fail(token.offset, "unclosed left paren");
                }
                if (token.type == Tok::RightDelim) {
                    next();
                }
                break;
            }
            if (token.type == Tok::Eof) {
                fail(token.offset, "unclosed action");
            }
            pipe.commands.push_back(parseCommand());
        }
        if (pipe.commands.empty()) {
            fail(pipe.offset, "missing value for " + context);
        }
        for (std::size_t i = 1; i < pipe.commands.size(); ++i) {
            const Operand &first = pipe.commands[i].operands.front();
            if (first.kind == Operand::Kind::Literal || first.kind == Operand::Kind::Nil ||
                first.kind == Operand::Kind::Dot) {
                fail(first.offset,
                     "non executable command in pipeline stage " + std::to_string(i + 1));
            }
        }
        return pipe;
    }

    Command parseCommand() {
        Command command;
        command.offset = peekNonSpace().offset;
        while (true) {
            peekNonSpace();
            command.operands.push_back(parseOperand());
            const Token &after = peek();
            if (after.type == Tok::Space) {
                const Token &following = peekNonSpace();
                if (following.type == Tok::RightDelim || following.type == Tok::RightParen) {
                    break;
                }
                if (following.type == Tok::Pipe) {
                    next();
                    break;
                }
                continue;
            }
            if (after.type == Tok::RightDelim || after.type == Tok::RightParen) {
                break;
            }
            if (after.type == Tok::Pipe) {
                next();
                break;
            }
            unexpected(after, "operand");
        }
        const Operand &first = command.operands.front();
        if (first.kind == Operand::Kind::Nil) {
            fail(first.offset, "nil is not a command");
        }
        if (command.operands.size() > 1 && first.kind == Operand::Kind::Literal) {
            fail(first.offset, "can't give argument to non-function " + first.name);
        }
        return command;
    }

    Operand parseOperand() {
        const Token &token = next();
        Operand operand;
        operand.offset = token.offset;
        operand.name = token.text;
        switch (token.type) {
        case Tok::Field:
            operand.kind = Operand::Kind::Field;
            operand.chain.push_back(token.text);
            break;
        case Tok::Variable:
            operand.kind = Operand::Kind::Variable;
            requireVariable(token.text, token.offset);
            break;
        case Tok::Dot:
            operand.kind = Operand::Kind::Dot;
            break;
        case Tok::Identifier: {
            const auto &known = functions();
            if (known.find(token.text) == known.end()) {
                fail(token.offset, "function \"" + token.text + "\" not defined");
            }
            operand.kind = Operand::Kind::Function;
            break;
        }
        case Tok::Nil:
            operand.kind = Operand::Kind::Nil;
            break;
        case Tok::Bool:
            operand.literal = Value::ofBool(token.text == "true");
            break;
        case Tok::String:
            operand.literal = Value::ofString(token.text);
            operand.name = "\"" + token.text + "\"";
            break;
        case Tok::Number:
            operand.literal = parseNumber(token);
            break;
        case Tok::LeftParen: {
            operand.kind = Operand::Kind::Sub;
            enterNesting(token.offset);
            ++m_parenDepth;
            operand.sub =
                std::make_shared<Pipeline>(parsePipeline("parenthesized pipeline", false));
            --m_parenDepth;
            --m_nesting;
            const Token &close = next();
            if (close.type != Tok::RightParen) {
                unexpected(close, "parenthesized pipeline");
            }
            break;
        }
        default:
            unexpected(token, "operand");
        }
        while (peek().type == Tok::Field) {
            const Token &field = next();
            if (operand.kind == Operand::Kind::Function || operand.kind == Operand::Kind::Literal ||
                operand.kind == Operand::Kind::Nil) {
                fail(field.offset, "unexpected . after term \"" + operand.name + "\"");
            }
            operand.chain.push_back(field.text);
        }
        return operand;
    }

    static Value parseNumber(const Token &token) {
        std::string digits;
        for (const char c : token.text) {
            if (c != '_') {
                digits += c;
            }
        }
        const bool hex =
            digits.find("0x") != std::string::npos || digits.find("0X") != std::string::npos;
        const bool isFloat = !hex && digits.find_first_of(".eE") != std::string::npos;
        const char *begin = digits.c_str();
        char *end = nullptr;
        errno = 0;
        if (!isFloat) {
            const long long integer = std::strtoll(begin, &end, 0);
            if (errno == 0 && end != begin && *end == '\0') {
                return Value::ofInt(integer);
            }
        } else if (digits.find_first_of("xXpPnN") == std::string::npos) {
            const double number = std::strtod(begin, &end);
            if (errno == 0 && end != begin && *end == '\0') {
                return Value::ofFloat(number);
            }
        }
        fail(token.offset, "bad number syntax: \"" + token.text + "\"");
    }

    // Bounds the parser's (and so the executor's) recursion on hostile input.
    void enterNesting(std::size_t offset) {
        if (++m_nesting > kMaxNesting) {
            fail(offset, "template nesting too deep (more than " + std::to_string(kMaxNesting) +
                             " levels of if/with/range and parentheses)");
        }
    }

    void requireVariable(const std::string &name, std::size_t offset) const {
        if (std::find(m_variables.begin(), m_variables.end(), name) == m_variables.end()) {
            fail(offset, "undefined variable \"" + name + "\"");
        }
    }

    std::vector<Token> m_tokens;
    std::size_t m_pos = 0;
    static constexpr int kMaxNesting = 100;
    int m_rangeDepth = 0;
    int m_parenDepth = 0;
    int m_nesting = 0;
    // Prometheus defines these before every alert template.
    std::vector<std::string> m_variables{"$", "$labels", "$externalLabels", "$externalURL",
                                         "$value"};
};

// ---------------------------------------------------------------------------------------------
// Prometheus' functions and Go's builtins.

[[noreturn]] void functionError(std::string message) {
    throw std::runtime_error(std::move(message));
}

double convertToFloat(const Value &v) {
    switch (v.kind) {
    case Value::Kind::Float:
        return v.number;
    case Value::Kind::Int:
        return static_cast<double>(v.integer);
    case Value::Kind::String: {
        // strconv.ParseFloat: no surrounding space; Inf, +Inf, NaN and the like accepted.
        const std::string &s = v.text;
        const char *begin = s.c_str();
        char *end = nullptr;
        errno = 0;
        const double number = s.empty() || isSpaceChar(s[0]) ? 0 : std::strtod(begin, &end);
        if (s.empty() || isSpaceChar(s[0]) || end != begin + s.size()) {
            functionError("strconv.ParseFloat: parsing " + goQuote(s) + ": invalid syntax");
        }
        if (errno == ERANGE && std::isinf(number)) {
            functionError("strconv.ParseFloat: parsing " + goQuote(s) + ": value out of range");
        }
        return number;
    }
    default:
        functionError("can't convert " + goTypeName(v) + " to float");
    }
}

std::string goG4(double v) {
    return formatGoFloat(v, 'g', 4);
}

Value humanize(const FunctionArgs &args, const TemplateData &) {
    double v = convertToFloat(args[0]);
    if (v == 0 || std::isnan(v) || std::isinf(v)) {
        return Value::ofString(goG4(v));
    }
    std::string prefix;
    if (std::fabs(v) >= 1) {
        for (const char *p : {"k", "M", "G", "T", "P", "E", "Z", "Y"}) {
            if (std::fabs(v) < 1000) {
                break;
            }
            prefix = p;
            v /= 1000;
        }
        return Value::ofString(goG4(v) + prefix);
    }
    for (const char *p : {"m", "u", "n", "p", "f", "a", "z", "y"}) {
        if (std::fabs(v) >= 1) {
            break;
        }
        prefix = p;
        v *= 1000;
    }
    return Value::ofString(goG4(v) + prefix);
}

Value humanize1024(const FunctionArgs &args, const TemplateData &) {
    double v = convertToFloat(args[0]);
    if (std::fabs(v) <= 1 || std::isnan(v) || std::isinf(v)) {
        return Value::ofString(goG4(v));
    }
    std::string prefix;
    for (const char *p : {"ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"}) {
        if (std::fabs(v) < 1024) {
            break;
        }
        prefix = p;
        v /= 1024;
    }
    return Value::ofString(goG4(v) + prefix);
}

Value humanizeDuration(const FunctionArgs &args, const TemplateData &) {
    double v = convertToFloat(args[0]);
    if (std::isnan(v) || std::isinf(v)) {
        return Value::ofString(goG4(v));
    }
    if (v == 0) {
        return Value::ofString(goG4(v) + "s");
    }
    if (std::fabs(v) >= 1) {
        std::string sign;
        if (v < 0) {
            sign = "-";
            v = -v;
        }
        const auto duration = static_cast<std::int64_t>(v);
        const std::int64_t seconds = duration % 60;
        const std::int64_t minutes = (duration / 60) % 60;
        const std::int64_t hours = (duration / 60 / 60) % 24;
        const std::int64_t days = duration / 60 / 60 / 24;
        const auto n = [](std::int64_t x) { return std::to_string(x); };
        if (days != 0) {
            return Value::ofString(sign + n(days) + "d " + n(hours) + "h " + n(minutes) + "m " +
                                   n(seconds) + "s");
        }
        if (hours != 0) {
            return Value::ofString(sign + n(hours) + "h " + n(minutes) + "m " + n(seconds) + "s");
        }
        if (minutes != 0) {
            return Value::ofString(sign + n(minutes) + "m " + n(seconds) + "s");
        }
        return Value::ofString(sign + goG4(v) + "s");
    }
    std::string prefix;
    for (const char *p : {"m", "u", "n", "p", "f", "a", "z", "y"}) {
        if (std::fabs(v) >= 1) {
            break;
        }
        prefix = p;
        v *= 1000;
    }
    return Value::ofString(goG4(v) + prefix + "s");
}

Value humanizePercentage(const FunctionArgs &args, const TemplateData &) {
    return Value::ofString(goG4(convertToFloat(args[0]) * 100) + "%");
}

// Go's time.Time.String() in UTC: "2006-01-02 15:04:05.999999999 +0000 UTC".
Value humanizeTimestamp(const FunctionArgs &args, const TemplateData &) {
    const double v = convertToFloat(args[0]);
    if (std::isnan(v) || std::isinf(v)) {
        return Value::ofString(goG4(v));
    }
    const double nanos = v * 1e9;
    if (nanos >= 9223372036854775807.0 || nanos < -9223372036854775808.0) {
        functionError(formatGoFloat(v, 'g', -1) +
                      " cannot be represented as a nanoseconds timestamp since it overflows int64");
    }
    const auto total = static_cast<std::int64_t>(nanos);
    std::int64_t seconds = total / 1000000000;
    std::int64_t fraction = total % 1000000000;
    if (fraction < 0) {
        fraction += 1000000000;
        --seconds;
    }
    const auto t = static_cast<std::time_t>(seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buffer[64];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S", &tm);
    std::string out = buffer;
    if (fraction != 0) {
        char digits[16];
        std::snprintf(digits, sizeof digits, "%09lld", static_cast<long long>(fraction));
        std::string tail = digits;
        while (!tail.empty() && tail.back() == '0') {
            tail.pop_back();
        }
        out += "." + tail;
    }
    return Value::ofString(out + " +0000 UTC");
}

// cases.Title with NoLower, as the Prometheus Debian ships renders it: the first letter of each
// word upper-cased, the rest kept; letters, digits and `_` make words (so "don't" gives "Don'T").
std::string titleCase(const std::string &s) {
    std::string out = s;
    bool inWord = false;
    for (char &c : out) {
        const auto u = static_cast<unsigned char>(c);
        const bool wordChar = std::isalnum(u) || c == '_' || u >= 0x80;
        if (wordChar && !inWord && std::isalpha(u)) {
            c = static_cast<char>(std::toupper(u));
        }
        inWord = wordChar;
    }
    return out;
}

// net.SplitHostPort; nullopt where Go returns an error.
std::optional<std::pair<std::string, std::string>> splitHostPort(const std::string &hostPort) {
    const std::size_t colon = hostPort.rfind(':');
    if (colon == std::string::npos) {
        return std::nullopt; // missing port
    }
    std::string host;
    if (!hostPort.empty() && hostPort[0] == '[') {
        const std::size_t close = hostPort.find(']');
        if (close == std::string::npos || close + 1 != colon) {
            return std::nullopt;
        }
        host = hostPort.substr(1, close - 1);
        if (host.find_first_of("[]") != std::string::npos) {
            return std::nullopt;
        }
    } else {
        host = hostPort.substr(0, colon);
        if (host.find_first_of(":[]") != std::string::npos) {
            return std::nullopt;
        }
    }
    std::string port = hostPort.substr(colon + 1);
    if (port.find_first_of("[]") != std::string::npos) {
        return std::nullopt;
    }
    return std::make_pair(host, port);
}

bool isIpAddress(const std::string &host) {
    unsigned char buffer[16];
    return inet_pton(AF_INET, host.c_str(), buffer) == 1 ||
           inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

// url.QueryEscape.
std::string queryEscape(std::string_view s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += c;
        } else if (c == ' ') {
            out += '+';
        } else {
            out += '%';
            out += kHex[u >> 4];
            out += kHex[u & 15];
        }
    }
    return out;
}

std::string htmlEscape(std::string_view s) {
    std::string out;
    for (const char c : s) {
        switch (c) {
        case '"':
            out += "&#34;";
            break;
        case '\'':
            out += "&#39;";
            break;
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '\0':
            out += "\xef\xbf\xbd";
            break;
        default:
            out += c;
        }
    }
    return out;
}

std::string jsEscape(std::string_view s) {
    std::string out;
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        switch (c) {
        case '\\':
            out += "\\\\";
            break;
        case '\'':
            out += "\\'";
            break;
        case '"':
            out += "\\\"";
            break;
        case '<':
            out += "\\u003C";
            break;
        case '>':
            out += "\\u003E";
            break;
        case '&':
            out += "\\u0026";
            break;
        case '=':
            out += "\\u003D";
            break;
        default:
            if (u < 0x20) {
                char buffer[8];
                std::snprintf(buffer, sizeof buffer, "\\u%04X", u);
                out += buffer;
            } else {
                out += c;
            }
        }
    }
    return out;
}

bool truth(const Value &v) {
    switch (v.kind) {
    case Value::Kind::Nil:
        return false;
    case Value::Kind::Bool:
        return v.boolean;
    case Value::Kind::Int:
        return v.integer != 0;
    case Value::Kind::Float:
        return v.number != 0;
    case Value::Kind::String:
        return !v.text.empty();
    case Value::Kind::Map:
        return !v.map->empty();
    case Value::Kind::Data:
        return true;
    }
    return false;
}

// text/template's eq/lt on basic kinds: -1, 0, 1; incompatible kinds are an error, as in Go
// (`gt $value 5` compares a float64 with an int: write 5.0).
int compareValues(const Value &a, const Value &b, bool ordered) {
    const auto basic = [](const Value &v) {
        return v.kind == Value::Kind::Bool || v.kind == Value::Kind::Int ||
               v.kind == Value::Kind::Float || v.kind == Value::Kind::String;
    };
    if (!basic(a) || !basic(b) || (ordered && (a.kind == Value::Kind::Bool))) {
        functionError("invalid type for comparison");
    }
    if (a.kind != b.kind) {
        functionError("incompatible types for comparison");
    }
    switch (a.kind) {
    case Value::Kind::Bool:
        return a.boolean == b.boolean ? 0 : 1;
    case Value::Kind::Int:
        return a.integer < b.integer ? -1 : a.integer > b.integer ? 1 : 0;
    case Value::Kind::Float:
        return a.number < b.number ? -1 : a.number > b.number ? 1 : a.number == b.number ? 0 : 2;
    default:
        return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
    }
}

// Go defines le as lt or eq, gt as not le and ge as not lt, so gt and ge hold for NaN.
bool lessThan(const FunctionArgs &args) {
    return compareValues(args[0], args[1], true) == -1;
}
bool lessOrEqual(const FunctionArgs &args) {
    return lessThan(args) || compareValues(args[0], args[1], false) == 0;
}

Value regexpMatch(const FunctionArgs &args, const TemplateData &) {
    auto re = compileGoRegexp(args[0].text, false);
    if (!re) {
        functionError(re.status().message());
    }
    return Value::ofBool(std::regex_search(args[1].text, *re));
}

Value reReplaceAll(const FunctionArgs &args, const TemplateData &) {
    auto re = compileGoRegexp(args[0].text, false);
    if (!re) {
        functionError("regexp: Compile(" + goQuote(args[0].text) + "): " + re.status().message());
    }
    return Value::ofString(replaceAllGo(*re, args[2].text, args[1].text));
}

Value stringFunction(const FunctionArgs &args, std::string (*body)(const std::string &)) {
    return Value::ofString(body(args[0].text));
}

const std::map<std::string, Function, std::less<>> &functions() {
    using P = ParamType;
    constexpr const char *kNoQueries =
        "needs query results, which aegisd's alert templates do not provide (put the value in "
        "the rule's expression instead)";
    const auto unsupported = [](const char *why) { return Function{-1, {}, {}, why}; };
    static const std::map<std::string, Function, std::less<>> table = {
        // Go's builtins ("and" and "or" are evaluated lazily by the executor).
        {"and", {-1, {}, {}, nullptr}},
        {"or", {-1, {}, {}, nullptr}},
        {"not",
         {1,
          {P::Any},
          [](const FunctionArgs &a, const TemplateData &) { return Value::ofBool(!truth(a[0])); }}},
        {"len",
         {1,
          {P::Any},
          [](const FunctionArgs &a, const TemplateData &) {
              if (a[0].kind == Value::Kind::String) {
                  return Value::ofInt(static_cast<std::int64_t>(a[0].text.size()));
              }
              if (a[0].kind == Value::Kind::Map) {
                  return Value::ofInt(static_cast<std::int64_t>(a[0].map->size()));
              }
              functionError("len of type " + goTypeName(a[0]));
          }}},
        {"index",
         {-1,
          {},
          [](const FunctionArgs &a, const TemplateData &) {
              if (a.empty()) {
                  functionError("wrong number of args for index: want at least 1 got 0");
              }
              Value item = a[0];
              for (std::size_t i = 1; i < a.size(); ++i) {
                  if (item.kind != Value::Kind::Map) {
                      functionError("can't index item of type " + goTypeName(item));
                  }
                  if (a[i].kind != Value::Kind::String) {
                      functionError("value has type " + goTypeName(a[i]) + "; should be string");
                  }
                  std::string found;
                  for (const auto &[name, value] : *item.map) {
                      if (name == a[i].text) {
                          found = value;
                      }
                  }
                  item = Value::ofString(found);
              }
              return item;
          }}},
        {"print",
         {-1,
          {},
          [](const FunctionArgs &a, const TemplateData &d) {
              return Value::ofString(goSprint(a, d));
          }}},
        {"println",
         {-1,
          {},
          [](const FunctionArgs &a, const TemplateData &d) {
              return Value::ofString(goSprintln(a, d));
          }}},
        {"printf",
         {-1,
          {},
          [](const FunctionArgs &a, const TemplateData &d) {
              if (a.empty() || a[0].kind != Value::Kind::String) {
                  functionError("printf needs a format string first");
              }
              return Value::ofString(goSprintf(a[0].text, FunctionArgs(a.begin() + 1, a.end()), d));
          }}},
        {"html",
         {-1,
          {},
          [](const FunctionArgs &a, const TemplateData &d) {
              return Value::ofString(htmlEscape(goSprint(a, d)));
          }}},
        {"js",
         {-1,
          {},
          [](const FunctionArgs &a, const TemplateData &d) {
              return Value::ofString(jsEscape(goSprint(a, d)));
          }}},
        {"urlquery",
         {-1,
          {},
          [](const FunctionArgs &a, const TemplateData &d) {
              return Value::ofString(queryEscape(goSprint(a, d)));
          }}},
        {"eq",
         {-1,
          {},
          [](const FunctionArgs &a, const TemplateData &) {
              if (a.size() < 2) {
                  functionError("missing argument for comparison");
              }
              for (std::size_t i = 1; i < a.size(); ++i) {
                  if (a[0].kind == Value::Kind::Nil || a[i].kind == Value::Kind::Nil) {
                      if (a[0].kind == a[i].kind) {
                          return Value::ofBool(true);
                      }
                      continue;
                  }
                  if (compareValues(a[0], a[i], false) == 0) {
                      return Value::ofBool(true);
                  }
              }
              return Value::ofBool(false);
          }}},
        {"ne",
         {2,
          {P::Any, P::Any},
          [](const FunctionArgs &a, const TemplateData &) {
              return Value::ofBool(compareValues(a[0], a[1], false) != 0);
          }}},
        {"lt",
         {2,
          {P::Any, P::Any},
          [](const FunctionArgs &a, const TemplateData &) { return Value::ofBool(lessThan(a)); }}},
        {"le",
         {2,
          {P::Any, P::Any},
          [](const FunctionArgs &a, const TemplateData &) {
              return Value::ofBool(lessOrEqual(a));
          }}},
        {"gt",
         {2,
          {P::Any, P::Any},
          [](const FunctionArgs &a, const TemplateData &) {
              return Value::ofBool(!lessOrEqual(a));
          }}},
        {"ge",
         {2,
          {P::Any, P::Any},
          [](const FunctionArgs &a, const TemplateData &) { return Value::ofBool(!lessThan(a)); }}},
        {"slice", unsupported("is not supported in alert templates")},
        {"call", unsupported("is not supported in alert templates")},
        // Prometheus' functions.
        {"humanize", {1, {P::Any}, humanize}},
        {"humanize1024", {1, {P::Any}, humanize1024}},
        {"humanizeDuration", {1, {P::Any}, humanizeDuration}},
        {"humanizePercentage", {1, {P::Any}, humanizePercentage}},
        {"humanizeTimestamp", {1, {P::Any}, humanizeTimestamp}},
        {"title",
         {1,
          {P::String},
          [](const FunctionArgs &a, const TemplateData &) {
              return stringFunction(a, titleCase);
          }}},
        {"toUpper",
         {1,
          {P::String},
          [](const FunctionArgs &a, const TemplateData &) {
              std::string s = a[0].text;
              for (char &c : s) {
                  c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
              }
              return Value::ofString(s);
          }}},
        {"toLower",
         {1,
          {P::String},
          [](const FunctionArgs &a, const TemplateData &) {
              std::string s = a[0].text;
              for (char &c : s) {
                  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
              }
              return Value::ofString(s);
          }}},
        {"match", {2, {P::String, P::String}, regexpMatch}},
        {"reReplaceAll", {3, {P::String, P::String, P::String}, reReplaceAll}},
        {"safeHtml",
         {1, {P::String}, [](const FunctionArgs &a, const TemplateData &) { return a[0]; }}},
        {"stripPort",
         {1,
          {P::String},
          [](const FunctionArgs &a, const TemplateData &) {
              const auto split = splitHostPort(a[0].text);
              return Value::ofString(split ? split->first : a[0].text);
          }}},
        {"stripDomain",
         {1,
          {P::String},
          [](const FunctionArgs &a, const TemplateData &) {
              const auto split = splitHostPort(a[0].text);
              std::string host = split ? split->first : a[0].text;
              const std::string port = split ? split->second : "";
              if (isIpAddress(host)) {
                  return a[0];
              }
              host = host.substr(0, host.find('.'));
              if (!port.empty()) {
                  return Value::ofString(host.find(':') != std::string::npos
                                             ? "[" + host + "]:" + port
                                             : host + ":" + port);
              }
              return Value::ofString(host);
          }}},
        {"urlQueryEscape",
         {1,
          {P::String},
          [](const FunctionArgs &a, const TemplateData &) {
              return Value::ofString(queryEscape(a[0].text));
          }}},
        {"graphLink",
         {1,
          {P::String},
          [](const FunctionArgs &a, const TemplateData &) {
              return Value::ofString("/graph?g0.expr=" + queryEscape(a[0].text) + "&g0.tab=0");
          }}},
        {"tableLink",
         {1,
          {P::String},
          [](const FunctionArgs &a, const TemplateData &) {
              return Value::ofString("/graph?g0.expr=" + queryEscape(a[0].text) + "&g0.tab=1");
          }}},
        {"parseDuration",
         {1,
          {P::String},
          [](const FunctionArgs &a, const TemplateData &) {
              std::string_view text = a[0].text;
              const bool negative = text.starts_with('-');
              const auto parsed = parsePromDuration(negative ? text.substr(1) : text, "duration");
              if (!parsed) {
                  functionError(parsed.status().message());
              }
              const double seconds = static_cast<double>(parsed->count()) / 1000;
              return Value::ofFloat(negative ? -seconds : seconds);
          }}},
        // aegisd has no external URL of its own to give.
        {"externalURL",
         {0, {}, [](const FunctionArgs &, const TemplateData &) { return Value::ofString(""); }}},
        {"pathPrefix",
         {0, {}, [](const FunctionArgs &, const TemplateData &) { return Value::ofString(""); }}},
        {"query", unsupported(kNoQueries)},
        {"first", unsupported(kNoQueries)},
        {"label", unsupported(kNoQueries)},
        {"value", unsupported(kNoQueries)},
        {"strvalue", unsupported(kNoQueries)},
        {"sortByLabel", unsupported(kNoQueries)},
        {"args", unsupported("is only useful with {{template}}, which alert templates lack")},
        {"tmpl", unsupported("exists only in console templates")},
        {"toTime", unsupported("returns a Go time value, which aegisd's templates lack")},
        {"toDuration", unsupported("returns a Go duration value, which aegisd's templates lack")},
        {"now", unsupported("is not supported: alert templates here see no evaluation time")},
    };
    return table;
}

// ---------------------------------------------------------------------------------------------
// The executor.

struct BreakSignal {};
struct ContinueSignal {};

class Executor {
public:
    explicit Executor(const TemplateData &data)
        : m_data(data) {
        const Value root = Value::ofData();
        m_variables = {{"$", root},
                       {"$labels", Value::ofMap(data.labels)},
                       {"$externalLabels", Value::ofMap(data.externalLabels)},
                       {"$externalURL", Value::ofString("")},
                       {"$value", Value::ofFloat(data.value)}};
    }

    std::string run(const NodeList &list) {
        walkList(Value::ofData(), list);
        return std::move(m_out);
    }

private:
    void walkList(const Value &dot, const NodeList &list) {
        for (const Node &node : list) {
            walk(dot, node);
        }
    }

    void walk(const Value &dot, const Node &node) {
        switch (node.kind) {
        case Node::Kind::Text:
            m_out += node.text;
            return;
        case Node::Kind::Action: {
            const Value value = evalPipeline(dot, node.pipe);
            if (node.pipe.variables.empty()) {
                print(value);
            }
            return;
        }
        case Node::Kind::If:
        case Node::Kind::With: {
            const std::size_t scope = m_variables.size();
            const Value value = evalPipeline(dot, node.pipe);
            if (truth(value)) {
                walkList(node.kind == Node::Kind::With ? value : dot, node.list);
            } else {
                walkList(dot, node.elseList);
            }
            m_variables.resize(scope);
            return;
        }
        case Node::Kind::Range:
            walkRange(dot, node);
            return;
        case Node::Kind::Break:
            throw BreakSignal{};
        case Node::Kind::Continue:
            throw ContinueSignal{};
        }
    }

    void walkRange(const Value &dot, const Node &node) {
        const std::size_t scope = m_variables.size();
        Pipeline pipe = node.pipe;
        const std::vector<std::string> names = std::move(pipe.variables);
        pipe.variables.clear();
        const Value value = evalPipeline(dot, pipe);
        if (value.kind == Value::Kind::Nil ||
            (value.kind == Value::Kind::Map && value.map->empty())) {
            walkList(dot, node.elseList);
            m_variables.resize(scope);
            return;
        }
        if (value.kind != Value::Kind::Map) {
            fail(node.offset, "range can't iterate over " + formatGoValue(value, m_data));
        }
        for (const auto &[key, element] : *value.map) {
            const std::size_t iterationScope = m_variables.size();
            const Value elementValue = Value::ofString(element);
            if (names.size() == 1) {
                setVariable(names[0], elementValue, node.pipe.assign);
            } else if (names.size() == 2) {
                setVariable(names[0], Value::ofString(key), node.pipe.assign);
                setVariable(names[1], elementValue, node.pipe.assign);
            }
            try {
                walkList(elementValue, node.list);
            } catch (const BreakSignal &) {
                m_variables.resize(iterationScope);
                break;
            } catch (const ContinueSignal &) {
            }
            m_variables.resize(iterationScope);
        }
        m_variables.resize(scope);
    }

    void setVariable(const std::string &name, const Value &value, bool assign) {
        if (assign) {
            for (auto it = m_variables.rbegin(); it != m_variables.rend(); ++it) {
                if (it->first == name) {
                    it->second = value;
                    return;
                }
            }
        }
        m_variables.emplace_back(name, value);
    }

    void print(const Value &value) {
        if (value.kind == Value::Kind::Nil) {
            m_out += "<no value>";
            return;
        }
        m_out += formatGoValue(value, m_data);
    }

    Value evalPipeline(const Value &dot, const Pipeline &pipe) {
        std::optional<Value> value;
        for (const Command &command : pipe.commands) {
            value = evalCommand(dot, command, value);
        }
        for (const std::string &name : pipe.variables) {
            setVariable(name, *value, pipe.assign);
        }
        return *value;
    }

    Value evalCommand(const Value &dot, const Command &command, const std::optional<Value> &final) {
        const Operand &first = command.operands.front();
        const bool hasArgs = command.operands.size() > 1 || final;
        switch (first.kind) {
        case Operand::Kind::Function:
            return callFunction(dot, first, command.operands, final);
        case Operand::Kind::Field:
        case Operand::Kind::Variable:
        case Operand::Kind::Dot:
        case Operand::Kind::Sub:
            if (hasArgs && !first.chain.empty()) {
                fail(first.offset,
                     first.chain.back() + " has arguments but cannot be invoked as function");
            }
            if (hasArgs) {
                fail(first.offset, "can't give argument to non-function " + first.name);
            }
            return evalOperand(dot, first);
        case Operand::Kind::Literal:
        case Operand::Kind::Nil:
            if (hasArgs) {
                fail(first.offset, "can't give argument to non-function " + first.name);
            }
            return first.literal;
        }
        return {};
    }

    Value evalOperand(const Value &dot, const Operand &operand) {
        Value base;
        switch (operand.kind) {
        case Operand::Kind::Field:
        case Operand::Kind::Dot:
            base = dot;
            break;
        case Operand::Kind::Variable:
            base = variable(operand);
            break;
        case Operand::Kind::Sub:
            base = evalPipeline(dot, *operand.sub);
            break;
        case Operand::Kind::Function:
            return callFunction(dot, operand, {operand}, std::nullopt);
        case Operand::Kind::Literal:
        case Operand::Kind::Nil:
            return operand.literal;
        }
        for (const std::string &field : operand.chain) {
            base = evalField(base, field, operand.offset);
        }
        return base;
    }

    Value variable(const Operand &operand) const {
        for (auto it = m_variables.rbegin(); it != m_variables.rend(); ++it) {
            if (it->first == operand.name) {
                return it->second;
            }
        }
        fail(operand.offset, "undefined variable: " + operand.name);
    }

    Value evalField(const Value &receiver, const std::string &field, std::size_t offset) const {
        switch (receiver.kind) {
        case Value::Kind::Data:
            if (field == "Labels") {
                return Value::ofMap(m_data.labels);
            }
            if (field == "ExternalLabels") {
                return Value::ofMap(m_data.externalLabels);
            }
            if (field == "ExternalURL") {
                return Value::ofString("");
            }
            if (field == "Value") {
                return Value::ofFloat(m_data.value);
            }
            break;
        case Value::Kind::Map:
            // missingkey=zero: a label the alert lacks reads as "".
            for (const auto &[name, value] : *receiver.map) {
                if (name == field) {
                    return Value::ofString(value);
                }
            }
            return Value::ofString("");
        case Value::Kind::Nil:
            fail(offset, "nil data; no entry for key \"" + field + "\"");
        default:
            break;
        }
        fail(offset, "can't evaluate field " + field + " in type " + goTypeName(receiver));
    }

    Value callFunction(const Value &dot, const Operand &name, const std::vector<Operand> &operands,
                       const std::optional<Value> &final) {
        const Function &function = functions().find(name.name)->second;
        if (function.unsupported) {
            fail(name.offset, "function \"" + name.name + "\" " + function.unsupported);
        }
        const std::size_t argCount = operands.size() - 1 + (final ? 1 : 0);
        if (name.name == "and" || name.name == "or") {
            // Lazy, returning the deciding argument itself, as Go does.
            if (argCount == 0) {
                fail(name.offset,
                     "wrong number of args for " + name.name + ": want at least 1 got 0");
            }
            Value value;
            for (std::size_t i = 1; i <= argCount; ++i) {
                value = i < operands.size() ? evalOperand(dot, operands[i]) : *final;
                if (truth(value) == (name.name == "or")) {
                    return value;
                }
            }
            return value;
        }
        if (function.arity >= 0 && argCount != static_cast<std::size_t>(function.arity)) {
            fail(name.offset, "wrong number of args for " + name.name + ": want " +
                                  std::to_string(function.arity) + " got " +
                                  std::to_string(argCount));
        }
        FunctionArgs args;
        for (std::size_t i = 1; i < operands.size(); ++i) {
            args.push_back(evalOperand(dot, operands[i]));
        }
        if (final) {
            args.push_back(*final);
        }
        for (std::size_t i = 0; i < function.params.size() && i < args.size(); ++i) {
            if (function.params[i] == ParamType::String && args[i].kind != Value::Kind::String) {
                fail(name.offset, "wrong type for value; expected string; got " +
                                      goTypeName(args[i]) + " (argument " + std::to_string(i + 1) +
                                      " of " + name.name + ")");
            }
        }
        try {
            return function.body(args, m_data);
        } catch (const std::runtime_error &error) {
            fail(name.offset, "error calling " + name.name + ": " + error.what());
        }
    }

    const TemplateData &m_data;
    std::vector<std::pair<std::string, Value>> m_variables;
    std::string m_out;
};

Status positionedError(std::string_view text, const TemplateError &error) {
    int line = 1;
    int column = 1;
    for (std::size_t i = 0; i < error.offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return invalidArgument("line " + std::to_string(line) + ", column " + std::to_string(column) +
                           ": " + error.message);
}

} // namespace

StatusOr<std::string> expandTemplate(std::string_view text, const TemplateData &data) {
    try {
        const NodeList tree = Parser(lex(text)).parse();
        return Executor(data).run(tree);
    } catch (const TemplateError &error) {
        return positionedError(text, error);
    }
}

Status checkTemplate(std::string_view text) {
    try {
        Parser(lex(text)).parse();
        return Status::ok();
    } catch (const TemplateError &error) {
        return positionedError(text, error);
    }
}

} // namespace aegis::alerting
