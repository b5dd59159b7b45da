#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace aegis::tracing {

// The boolean tag query of SearchTraces (its grammar is in proto/aegis/v1/tracing.proto): terms
// over a span's attributes, its resource's and its own fields, combined with AND, OR, NOT and
// parentheses. No gRPC, SQLite or Qt: the daemon, aegisctl and the console's query editor share it,
// so an editor marks exactly what the daemon refuses.

// One attribute value as a term compares it. OTLP's arrays and key-value lists are compared by
// their JSON text.
using TagValue = std::variant<std::string, std::int64_t, double, bool>;

enum class TagOperator { Exists, Equal, NotEqual, Greater, GreaterOrEqual, Less, LessOrEqual };

struct TagTerm {
    std::string key;
    TagOperator op = TagOperator::Exists;
    // The value as written (quotes and escapes removed); empty for Exists. A wildcard's value is
    // the pattern wildcardMatch takes, so it keeps "\*" and "\\" for a literal star and backslash.
    std::string value;
    // Whether the value was quoted (a quoted value is always a string; a bare one may be a
    // number or a boolean and then also matches attributes of that type).
    bool quoted = false;
    // Whether an unescaped '*' makes it a wildcard pattern (Equal and NotEqual only).
    bool wildcard = false;
    // 1-based column of the term's first character, for messages. Columns count characters
    // (UTF-8 code points), here and in TagQueryError.
    int column = 1;
};

struct TagExpression {
    enum class Kind { Term, And, Or, Not };
    Kind kind = Kind::Term;
    TagTerm term;                                         // Kind::Term
    std::vector<std::unique_ptr<TagExpression>> operands; // And/Or: 2 or more; Not: 1
};

struct TagQueryError {
    // 1-based line and column of the offending character (the end of the text for "unexpected
    // end"); a query is usually one line.
    int line = 1;
    int column = 1;
    std::string message;
    // "LINE:COLUMN: message", the form SearchTraces' INVALID_ARGUMENT carries after "tag_query: ".
    std::string text() const;
};

// Looks a key up on the span being matched: every value the key has there (span attributes
// first, then resource attributes; the pseudo-keys "error", "service", "operation", "version",
// "colour" and "kind" answer the span's own fields; "error" is true or false on every span, which
// is why a bare "error" means "error = true"). Empty: the key is absent.
using TagLookup = std::function<std::vector<TagValue>(std::string_view key)>;

class TagQuery {
public:
    // Parses `text` (at most kMaxQueryBytes). An empty or all-blank text is the query that
    // matches every span.
    static std::variant<TagQuery, TagQueryError> parse(std::string_view text);
    static constexpr std::size_t kMaxQueryBytes = 4096;

    // Whether the span `lookup` describes satisfies the query. NOT of a term over an absent key
    // is true; "key != v" is true only when the key is present and none of its values is v.
    // A bare "error" means "error = true". Ordering operators match integer and double values;
    // a bare wildcard also matches the text of typed values ("status = 5*" matches 503).
    bool matches(const TagLookup &lookup) const;

    // Null for the match-everything query.
    const TagExpression *root() const { return m_root.get(); }
    // Terms every matching span must satisfy (the top-level AND's plain terms): what a store can
    // use an index for before evaluating the whole query.
    std::vector<const TagTerm *> requiredTerms() const;
    // The query written back in canonical form (keywords upper case, minimal parentheses).
    std::string toString() const;

private:
    std::shared_ptr<const TagExpression> m_root;
};

// Whether `text` matches the wildcard `pattern` ('*' any run of characters; "\*" a literal star,
// "\\" a literal backslash).
bool wildcardMatch(std::string_view pattern, std::string_view text);

} // namespace aegis::tracing
