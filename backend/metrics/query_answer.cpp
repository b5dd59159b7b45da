#include "metrics/query_answer.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>
#include <vector>

namespace aegis::metrics {
namespace {

using json = nlohmann::json;

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

// The SAX handler of nlohmann::json::sax_parse: a stack of where the parser is, and one pending
// meaning for the next value.
class AnswerReader {
public:
    bool null() { return scalar("null"); }
    bool boolean(bool) { return scalar("a boolean"); }
    bool number_integer(json::number_integer_t value) { return number(static_cast<double>(value)); }
    bool number_unsigned(json::number_unsigned_t value) {
        return number(static_cast<double>(value));
    }
    bool number_float(json::number_float_t value, const json::string_t &) { return number(value); }
    bool binary(json::binary_t &) { return scalar("binary"); }

    bool string(json::string_t &text) {
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

    bool start_object(std::size_t) {
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

    bool key(json::string_t &name) {
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

    bool end_object() {
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

    bool start_array(std::size_t) {
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

    bool end_array() {
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

    bool parse_error(std::size_t, const std::string &, const nlohmann::detail::exception &error) {
        std::string_view what = error.what();
        // "[json.exception.parse_error.101] parse error at ...": the bracket says nothing useful.
        if (what.starts_with("[") && what.find("] ") != std::string_view::npos) {
            what.remove_prefix(what.find("] ") + 2);
        }
        return fail("not JSON: " + std::string(what));
    }

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

} // namespace

StatusOr<QueryResult> parseQueryAnswer(std::string_view body) {
    AnswerReader reader;
    const bool parsed = json::sax_parse(body.data(), body.data() + body.size(), &reader);
    return reader.finish(parsed);
}

} // namespace aegis::metrics
