#include "metrics/query_answer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aegis::metrics {
namespace {

// A sample value as Prometheus writes it: a decimal, "NaN", "+Inf" or "-Inf".
std::optional<double> sampleValue(const std::string &text) {
    const char *first = text.data();
    const char *const last = first + text.size();
    // from_chars takes no leading '+'.
    if (first != last && *first == '+' && first + 1 != last && first[1] != '-') {
        ++first;
    }
    double value = 0;
    const auto [end, error] = std::from_chars(first, last, value);
    if (error == std::errc::result_out_of_range && end == last) {
        return std::strtod(text.c_str(), nullptr);
    }
    if (error != std::errc{} || end != last || first == last) {
        return std::nullopt;
    }
    return value;
}

// The events of scanJson: a stack of where the reader is, and one pending meaning for the next
// value.
class AnswerReader {
public:
    bool null() { return scalar("null"); }
    bool boolean(bool) { return scalar("a boolean"); }
    bool string(std::string &text) {
        if (m_skip > 0) {
            return true;
        }
        switch (next()) {
        case Slot::Status:
            m_status = std::move(text);
            return true;
        case Slot::ResultType:
            m_resultType = std::move(text);
            m_sawResultType = true;
            return true;
        case Slot::Warning:
            m_result.warnings.push_back(std::move(text));
            return true;
        case Slot::LabelValue:
            m_result.series.back().labels.emplace_back(std::move(m_key), std::move(text));
            return true;
        case Slot::PointValue:
            return pointValue(text);
        case Slot::ResultItem:
            if (m_resultShape != Shape::Pair || m_pairIndex != 1) {
                return fail("the result is not a list of series or a [time, value] pair");
            }
            m_pairText = std::move(text);
            m_pairIndex = 2;
            return true;
        case Slot::Skip:
            return true;
        default:
            return fail("unexpected string");
        }
    }

    bool startObject() {
        if (m_skip > 0) {
            ++m_skip;
            return true;
        }
        switch (next()) {
        case Slot::Root:
            return push(Where::Root);
        case Slot::Data:
            m_sawData = true;
            return push(Where::Data);
        case Slot::ResultItem:
            if (m_resultShape == Shape::Pair) {
                return fail("the result is not a list of series or a [time, value] pair");
            }
            m_resultShape = Shape::Series;
            m_result.series.emplace_back();
            return push(Where::Series);
        case Slot::Metric:
            return push(Where::Metric);
        case Slot::Skip:
            m_skip = 1;
            return true;
        default:
            return fail("unexpected object");
        }
    }

    bool key(std::string &name) {
        if (m_skip > 0) {
            return true;
        }
        m_key = std::move(name);
        switch (m_stack.back()) {
        case Where::Root:
            m_keySlot = m_key == "status"     ? Slot::Status
                        : m_key == "data"     ? Slot::Data
                        : m_key == "warnings" ? Slot::Warnings
                                              : Slot::Skip;
            break;
        case Where::Data:
            m_keySlot = m_key == "resultType" ? Slot::ResultType
                        : m_key == "result"   ? Slot::Result
                                              : Slot::Skip;
            break;
        case Where::Series:
            m_keySlot = m_key == "metric"   ? Slot::Metric
                        : m_key == "values" ? Slot::Points
                        : m_key == "value"  ? Slot::Point
                                            : Slot::Skip;
            break;
        case Where::Metric:
            m_keySlot = Slot::LabelValue;
            break;
        default:
            return fail("unexpected key");
        }
        return true;
    }

    bool endObject() {
        if (m_skip > 0) {
            --m_skip;
            return true;
        }
        if (m_stack.back() == Where::Metric) {
            Labels &labels = m_result.series.back().labels;
            if (!std::is_sorted(labels.begin(), labels.end())) {
                std::sort(labels.begin(), labels.end());
            }
        } else if (m_stack.back() == Where::Series) {
            const Series &series = m_result.series.back();
            m_pointsHint = std::max(m_pointsHint, series.values.size());
        }
        m_stack.pop_back();
        return true;
    }

    bool startArray() {
        if (m_skip > 0) {
            ++m_skip;
            return true;
        }
        switch (next()) {
        case Slot::Warnings:
            return push(Where::Warnings);
        case Slot::Result:
            m_sawResult = true;
            return push(Where::Result);
        case Slot::Points: {
            // The series of one answer mostly have as many points as each other.
            Series &series = m_result.series.back();
            series.timestampsMs.reserve(m_pointsHint);
            series.values.reserve(m_pointsHint);
            return push(Where::Points);
        }
        case Slot::Point:
            m_pointIndex = 0;
            return push(Where::Point);
        case Slot::ResultItem:
            return fail("the result is not a list of series or a [time, value] pair");
        case Slot::Skip:
            m_skip = 1;
            return true;
        default:
            return fail("unexpected array");
        }
    }

    bool endArray() {
        if (m_skip > 0) {
            --m_skip;
            return true;
        }
        if (m_stack.back() == Where::Point && m_pointIndex != 2) {
            return fail("a sample is not a [time, value] pair");
        }
        if (m_stack.back() == Where::Result && m_resultShape == Shape::Pair && m_pairIndex != 2) {
            return fail("the result is not a [time, value] pair");
        }
        m_stack.pop_back();
        return true;
    }

    bool literal(std::string_view what) { return scalar(what); }

    bool syntaxError(std::string message) { return fail("not JSON: " + std::move(message)); }

    StatusOr<QueryResult> finish(bool parsed) {
        if (!parsed || !m_error.empty()) {
            return invalidArgument(m_error.empty() ? "not JSON" : m_error);
        }
        if (m_status != "success") {
            return invalidArgument("\"status\" is '" + m_status + "', not 'success'");
        }
        if (!m_sawData || !m_sawResultType || !m_sawResult) {
            return invalidArgument("\"data\" needs \"resultType\" and \"result\"");
        }
        const bool seriesType = m_resultType == "matrix" || m_resultType == "vector";
        const bool pairType = m_resultType == "scalar" || m_resultType == "string";
        if (!seriesType && !pairType) {
            return invalidArgument("unknown resultType '" + m_resultType + "'");
        }
        // An empty list is an empty matrix or vector; a pair answers a scalar or a string.
        if ((seriesType && m_resultShape == Shape::Pair) ||
            (pairType && m_resultShape != Shape::Pair)) {
            return invalidArgument("the result does not fit resultType '" + m_resultType + "'");
        }
        if (m_resultType == "matrix") {
            m_result.type = ResultType::Matrix;
        } else if (m_resultType == "vector") {
            m_result.type = ResultType::Vector;
        } else if (m_resultType == "scalar") {
            m_result.type = ResultType::Scalar;
            const auto value = sampleValue(m_pairText);
            if (!value) {
                return invalidArgument("the sample value '" + m_pairText + "' is not a number");
            }
            Series series;
            series.timestampsMs.push_back(m_pairTimeMs);
            series.values.push_back(*value);
            m_result.series.push_back(std::move(series));
        } else {
            m_result.type = ResultType::String;
            m_result.stringValue = std::move(m_pairText);
        }
        return std::move(m_result);
    }

    bool number(double value) {
        if (m_skip > 0) {
            return true;
        }
        switch (next()) {
        case Slot::PointTime:
            m_result.series.back().timestampsMs.push_back(std::llround(value * 1000.0));
            m_pointIndex = 1;
            return true;
        case Slot::ResultItem:
            if (m_resultShape != Shape::Unknown) {
                return fail("the result is not a list of series or a [time, value] pair");
            }
            m_resultShape = Shape::Pair;
            m_pairTimeMs = std::llround(value * 1000.0);
            m_pairIndex = 1;
            return true;
        case Slot::PointValue:
            return fail("a sample is not a [time, value] pair");
        case Slot::Skip:
            return true;
        default:
            return fail("unexpected number");
        }
    }

private:
    enum class Where { Root, Data, Warnings, Result, Series, Metric, Points, Point };
    // What the next value is.
    enum class Slot {
        Root,
        Status,
        Data,
        Warnings,
        Warning,
        ResultType,
        Result,
        ResultItem,
        Metric,
        LabelValue,
        Points,
        Point,
        PointTime,
        PointValue,
        Skip,
        Invalid
    };
    // What the elements of "result" turned out to be.
    enum class Shape { Unknown, Series, Pair };

    Slot next() {
        if (m_stack.empty()) {
            return m_sawRoot ? Slot::Invalid : (m_sawRoot = true, Slot::Root);
        }
        switch (m_stack.back()) {
        case Where::Root:
        case Where::Data:
        case Where::Series:
        case Where::Metric:
            return m_keySlot;
        case Where::Warnings:
            return Slot::Warning;
        case Where::Result:
            // Series objects, or the time and value of a scalar or string: the value says which.
            return Slot::ResultItem;
        case Where::Points:
            return Slot::Point;
        case Where::Point:
            return m_pointIndex == 0 ? Slot::PointTime : Slot::PointValue;
        }
        return Slot::Invalid;
    }

    bool push(Where where) {
        m_stack.push_back(where);
        return true;
    }

    bool pointValue(const std::string &text) {
        if (m_pointIndex != 1) {
            return fail("a sample is not a [time, value] pair");
        }
        const auto value = sampleValue(text);
        if (!value) {
            return fail("the sample value '" + text + "' is not a number");
        }
        m_result.series.back().values.push_back(*value);
        m_pointIndex = 2;
        return true;
    }

    bool scalar(std::string_view what) {
        if (m_skip > 0 || next() == Slot::Skip) {
            return true;
        }
        return fail("unexpected " + std::string(what));
    }

    bool fail(std::string message) {
        if (m_error.empty()) {
            m_error = std::move(message);
        }
        return false;
    }

    std::vector<Where> m_stack;
    Slot m_keySlot = Slot::Invalid;
    // Depth inside a value being skipped.
    int m_skip = 0;
    std::string m_key;
    bool m_sawRoot = false;
    bool m_sawData = false;
    bool m_sawResultType = false;
    bool m_sawResult = false;
    std::string m_status;
    std::string m_resultType;
    Shape m_resultShape = Shape::Unknown;
    // Elements of the scalar or string pair read so far, and what they held.
    int m_pairIndex = 0;
    std::int64_t m_pairTimeMs = 0;
    std::string m_pairText;
    // Elements of the current sample read so far.
    int m_pointIndex = 0;
    std::size_t m_pointsHint = 0;
    QueryResult m_result;
    std::string m_error;
};

// A JSON scanner (RFC 8259) that hands each value to `reader` as it is read: one pass over the
// body, strings decoded into one reused buffer, numbers read with from_chars. Stops at the first
// event the reader refuses or the first syntax error (reported through reader.syntaxError).
class JsonScanner {
public:
    JsonScanner(std::string_view text, AnswerReader &reader)
        : m_at(text.data())
        , m_begin(text.data())
        , m_end(text.data() + text.size())
        , m_reader(reader) {}

    bool scan() {
        // Each open container: true for an object.
        std::vector<bool> open;
        skipSpace();
        if (!value(open)) {
            return false;
        }
        while (!open.empty()) {
            skipSpace();
            if (m_at == m_end) {
                return error("unexpected end of input");
            }
            const char c = *m_at;
            if (c == (open.back() ? '}' : ']')) {
                ++m_at;
                const bool object = open.back();
                open.pop_back();
                if (!(object ? m_reader.endObject() : m_reader.endArray())) {
                    return false;
                }
                continue;
            }
            if (c != ',') {
                return error(open.back() ? "expected ',' or '}'" : "expected ',' or ']'");
            }
            ++m_at;
            skipSpace();
            if (open.back() && !member()) {
                return false;
            }
            if (!value(open)) {
                return false;
            }
        }
        skipSpace();
        return m_at == m_end || error("unexpected text after the value");
    }

private:
    // A value; an object or array is opened (pushed onto `open`) with its first member read.
    bool value(std::vector<bool> &open) {
        while (true) {
            skipSpace();
            if (m_at == m_end) {
                return error("unexpected end of input");
            }
            const char c = *m_at;
            if (c == '{' || c == '[') {
                ++m_at;
                const bool object = c == '{';
                if (!(object ? m_reader.startObject() : m_reader.startArray())) {
                    return false;
                }
                skipSpace();
                if (m_at != m_end && *m_at == (object ? '}' : ']')) {
                    ++m_at;
                    return object ? m_reader.endObject() : m_reader.endArray();
                }
                open.push_back(object);
                if (object && !member()) {
                    return false;
                }
                continue;
            }
            if (c == '"') {
                return string() && m_reader.string(m_text);
            }
            if (c == '-' || (c >= '0' && c <= '9')) {
                return number();
            }
            for (const std::string_view word : {"true", "false", "null"}) {
                if (std::string_view(m_at, static_cast<std::size_t>(m_end - m_at))
                        .starts_with(word)) {
                    m_at += word.size();
                    return m_reader.literal(word == "null" ? "null" : "a boolean");
                }
            }
            return error("unexpected character");
        }
    }

    // A member's name and its ':'.
    bool member() {
        skipSpace();
        if (m_at == m_end || *m_at != '"') {
            return error("expected a member name");
        }
        if (!string() || !m_reader.key(m_text)) {
            return false;
        }
        skipSpace();
        if (m_at == m_end || *m_at != ':') {
            return error("expected ':'");
        }
        ++m_at;
        return true;
    }

    bool string() {
        ++m_at;
        m_text.clear();
        while (true) {
            const char *run = m_at;
            while (m_at != m_end && *m_at != '"' && *m_at != '\\' &&
                   static_cast<unsigned char>(*m_at) >= 0x20) {
                ++m_at;
            }
            m_text.append(run, m_at);
            if (m_at == m_end) {
                return error("unterminated string");
            }
            if (*m_at == '"') {
                ++m_at;
                return true;
            }
            if (*m_at != '\\') {
                return error("control character in a string");
            }
            if (++m_at == m_end) {
                return error("unterminated string");
            }
            switch (*m_at++) {
            case '"':
                m_text += '"';
                break;
            case '\\':
                m_text += '\\';
                break;
            case '/':
                m_text += '/';
                break;
            case 'b':
                m_text += '\b';
                break;
            case 'f':
                m_text += '\f';
                break;
            case 'n':
                m_text += '\n';
                break;
            case 'r':
                m_text += '\r';
                break;
            case 't':
                m_text += '\t';
                break;
            case 'u':
                if (!unicodeEscape()) {
                    return false;
                }
                break;
            default:
                return error("invalid escape in a string");
            }
        }
    }

    // The four hex digits after "\u" (and a low surrogate's after a high one), as UTF-8.
    bool unicodeEscape() {
        const auto hex = [this](std::uint32_t &out) {
            if (m_end - m_at < 4) {
                return false;
            }
            const auto [end, failure] = std::from_chars(m_at, m_at + 4, out, 16);
            if (failure != std::errc{} || end != m_at + 4) {
                return false;
            }
            m_at += 4;
            return true;
        };
        std::uint32_t code = 0;
        if (!hex(code)) {
            return error("invalid \\u escape");
        }
        if (code >= 0xD800 && code <= 0xDBFF) {
            std::uint32_t low = 0;
            const bool escaped = m_end - m_at >= 2 && m_at[0] == '\\' && m_at[1] == 'u';
            if (escaped) {
                m_at += 2;
            }
            if (!escaped || !hex(low) || low < 0xDC00 || low > 0xDFFF) {
                return error("unpaired surrogate in a \\u escape");
            }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
        } else if (code >= 0xDC00 && code <= 0xDFFF) {
            return error("unpaired surrogate in a \\u escape");
        }
        if (code < 0x80) {
            m_text += static_cast<char>(code);
        } else if (code < 0x800) {
            m_text += static_cast<char>(0xC0 | (code >> 6));
            m_text += static_cast<char>(0x80 | (code & 0x3F));
        } else if (code < 0x10000) {
            m_text += static_cast<char>(0xE0 | (code >> 12));
            m_text += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
            m_text += static_cast<char>(0x80 | (code & 0x3F));
        } else {
            m_text += static_cast<char>(0xF0 | (code >> 18));
            m_text += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
            m_text += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
            m_text += static_cast<char>(0x80 | (code & 0x3F));
        }
        return true;
    }

    // -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
    bool number() {
        const char *const first = m_at;
        const auto digits = [this] {
            const char *from = m_at;
            while (m_at != m_end && *m_at >= '0' && *m_at <= '9') {
                ++m_at;
            }
            return m_at != from;
        };
        if (*m_at == '-') {
            ++m_at;
        }
        const char *const integer = m_at;
        if (!digits() || (*integer == '0' && m_at - integer > 1)) {
            return error("invalid number");
        }
        if (m_at != m_end && *m_at == '.') {
            ++m_at;
            if (!digits()) {
                return error("invalid number");
            }
        }
        if (m_at != m_end && (*m_at == 'e' || *m_at == 'E')) {
            ++m_at;
            if (m_at != m_end && (*m_at == '+' || *m_at == '-')) {
                ++m_at;
            }
            if (!digits()) {
                return error("invalid number");
            }
        }
        double value = 0;
        const auto [end, failure] = std::from_chars(first, m_at, value);
        if (failure == std::errc::result_out_of_range) {
            value = std::strtod(std::string(first, m_at).c_str(), nullptr);
        } else if (failure != std::errc{} || end != m_at) {
            return error("invalid number");
        }
        return m_reader.number(value);
    }

    void skipSpace() {
        while (m_at != m_end && (*m_at == ' ' || *m_at == '\n' || *m_at == '\r' || *m_at == '\t')) {
            ++m_at;
        }
    }

    bool error(std::string_view what) {
        return m_reader.syntaxError(std::string(what) + " at byte " +
                                    std::to_string(m_at - m_begin));
    }

    const char *m_at;
    const char *const m_begin;
    const char *const m_end;
    AnswerReader &m_reader;
    std::string m_text;
};

} // namespace

StatusOr<QueryResult> parseQueryAnswer(std::string_view body) {
    AnswerReader reader;
    const bool parsed = JsonScanner(body, reader).scan();
    return reader.finish(parsed);
}

} // namespace aegis::metrics
