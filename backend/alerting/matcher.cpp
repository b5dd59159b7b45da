// Alertmanager's matchers (prometheus/alertmanager pkg/labels: parse.go and matcher.go): the
// classic parser that amtool and Alertmanager 0.25 use, with the column of each problem.

#include "alerting/matcher.h"

#include "alerting/go_regexp.h"
#include "alerting/prom_names.h"

#include <cctype>

namespace aegis::alerting {

namespace {

constexpr std::size_t kMaxMatchers = 32;

bool isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool isLabelNameStart(char c) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}

bool isLabelNameChar(char c) {
    return isLabelNameStart(c) || std::isdigit(static_cast<unsigned char>(c));
}

Status matcherError(std::string_view field, std::size_t offset, const std::string &message) {
    return invalidArgument(std::string(field) + ": column " + std::to_string(offset + 1) + ": " +
                           message);
}

// One matcher: `name op value` with optional whitespace around each part; `offset` is where
// `token` starts in the whole text.
StatusOr<Matcher> parseOneMatcher(std::string_view token, std::size_t offset,
                                  std::string_view field) {
    const auto badFormat = [&](std::size_t at) {
        std::string_view shown = token;
        while (!shown.empty() && isSpace(shown.front())) {
            shown.remove_prefix(1);
        }
        return matcherError(field, offset + at,
                            "bad matcher format: " + std::string(shown) +
                                " (expected name=\"value\", name!=\"value\", name=~\"regex\" "
                                "or name!~\"regex\")");
    };
    std::size_t i = 0;
    while (i < token.size() && isSpace(token[i])) {
        ++i;
    }
    const std::size_t nameBegin = i;
    if (i >= token.size() || !isLabelNameStart(token[i])) {
        return badFormat(i);
    }
    while (i < token.size() && isLabelNameChar(token[i])) {
        ++i;
    }
    Matcher matcher;
    matcher.name = std::string(token.substr(nameBegin, i - nameBegin));
    while (i < token.size() && isSpace(token[i])) {
        ++i;
    }
    const std::string_view rest = token.substr(i);
    if (rest.starts_with("=~")) {
        matcher.isRegex = true;
        i += 2;
    } else if (rest.starts_with("!~")) {
        matcher.isRegex = true;
        matcher.isEqual = false;
        i += 2;
    } else if (rest.starts_with("!=")) {
        matcher.isEqual = false;
        i += 2;
    } else if (rest.starts_with("=")) {
        i += 1;
    } else {
        return badFormat(i);
    }
    while (i < token.size() && isSpace(token[i])) {
        ++i;
    }
    std::size_t end = token.size();
    while (end > i && isSpace(token[end - 1])) {
        --end;
    }
    std::string_view raw = token.substr(i, end - i);
    std::size_t rawOffset = offset + i;
    const std::string rawShown(raw);
    const auto unescapedQuote = [&](std::size_t at) {
        return matcherError(field, at,
                            "matcher value contains unescaped double quote: " + rawShown);
    };
    bool expectTrailingQuote = false;
    if (raw.starts_with('"')) {
        raw.remove_prefix(1);
        ++rawOffset;
        expectTrailingQuote = true;
    }
    if (!isValidUtf8(raw)) {
        return matcherError(field, rawOffset, "matcher value not valid UTF-8: " + rawShown);
    }
    // OpenMetrics escapes: \" \n \\; any other backslash is literal, as in Alertmanager.
    bool escaped = false;
    for (std::size_t k = 0; k < raw.size(); ++k) {
        const char c = raw[k];
        if (escaped) {
            escaped = false;
            if (c == 'n') {
                matcher.value += '\n';
            } else if (c == '"' || c == '\\') {
                matcher.value += c;
            } else {
                matcher.value += '\\';
                matcher.value += c;
            }
            continue;
        }
        if (c == '\\') {
            if (k + 1 < raw.size()) {
                escaped = true;
            } else {
                matcher.value += '\\';
            }
        } else if (c == '"') {
            if (!expectTrailingQuote || k + 1 < raw.size()) {
                return unescapedQuote(rawOffset + k);
            }
            expectTrailingQuote = false;
        } else {
            matcher.value += c;
        }
    }
    if (expectTrailingQuote) {
        return unescapedQuote(rawOffset - 1);
    }
    if (matcher.isRegex) {
        if (auto compiled = compileGoRegexp(matcher.value, true); !compiled) {
            return matcherError(field, rawOffset, compiled.status().message());
        }
    }
    return matcher;
}

} // namespace

StatusOr<MatcherSet> MatcherSet::compile(std::vector<Matcher> matchers, std::string_view field) {
    if (matchers.size() > kMaxMatchers) {
        return invalidArgument(std::string(field) + ": " + std::to_string(matchers.size()) +
                               " matchers, at most " + std::to_string(kMaxMatchers) +
                               " are allowed");
    }
    MatcherSet set;
    for (std::size_t i = 0; i < matchers.size(); ++i) {
        const Matcher &matcher = matchers[i];
        const std::string where = std::string(field) + "[" + std::to_string(i) + "]";
        if (matcher.name.empty()) {
            return invalidArgument(where + ".name: a matcher needs a label name");
        }
        if (!isValidLabelName(matcher.name)) {
            return invalidArgument(where + ".name: \"" + matcher.name +
                                   "\" is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)");
        }
        if (!matcher.isRegex) {
            set.m_regexes.push_back(nullptr);
            continue;
        }
        auto compiled = compileGoRegexp(matcher.value, true);
        if (!compiled) {
            return invalidArgument(where + ".value: " + compiled.status().message());
        }
        set.m_regexes.push_back(std::make_shared<const std::regex>(std::move(compiled).value()));
    }
    set.m_matchers = std::move(matchers);
    return set;
}

bool MatcherSet::matches(const LabelSet &labels) const {
    for (std::size_t i = 0; i < m_matchers.size(); ++i) {
        const Matcher &matcher = m_matchers[i];
        std::string_view value; // a missing label matches as ""
        for (const auto &[name, labelValue] : labels) {
            if (name == matcher.name) {
                value = labelValue;
                break;
            }
        }
        const bool hit = m_regexes[i] ? std::regex_match(value.begin(), value.end(), *m_regexes[i])
                                      : value == matcher.value;
        if (hit != matcher.isEqual) {
            return false;
        }
    }
    return true;
}

bool MatcherSet::selectsSomething() const {
    for (std::size_t i = 0; i < m_matchers.size(); ++i) {
        const Matcher &matcher = m_matchers[i];
        const bool matchesEmpty = (m_regexes[i] ? std::regex_match(std::string(), *m_regexes[i])
                                                : matcher.value.empty()) == matcher.isEqual;
        if (!matchesEmpty) {
            return true;
        }
    }
    return false;
}

StatusOr<std::vector<Matcher>> parseMatchers(std::string_view text, std::string_view field) {
    // An optional leading `{` and trailing `}`; commas inside double quotes (not escaped ones)
    // do not separate matchers; a trailing comma is allowed.
    std::size_t base = 0;
    if (text.starts_with('{')) {
        text.remove_prefix(1);
        base = 1;
    }
    if (text.ends_with('}')) {
        text.remove_suffix(1);
    }
    std::vector<std::pair<std::string_view, std::size_t>> tokens;
    bool insideQuotes = false;
    bool escaped = false;
    std::size_t start = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == ',' && !insideQuotes) {
            tokens.emplace_back(text.substr(start, i - start), base + start);
            start = i + 1;
            escaped = false;
            continue;
        }
        if (c == '"') {
            if (!escaped) {
                insideQuotes = !insideQuotes;
            } else {
                escaped = false;
            }
        } else if (c == '\\') {
            escaped = !escaped;
        } else {
            escaped = false;
        }
    }
    std::string_view last = text.substr(start);
    bool lastBlank = true;
    for (const char c : last) {
        lastBlank = lastBlank && isSpace(c);
    }
    if (!lastBlank) {
        tokens.emplace_back(last, base + start);
    }
    std::vector<Matcher> matchers;
    for (const auto &[token, offset] : tokens) {
        auto matcher = parseOneMatcher(token, offset, field);
        if (!matcher) {
            return matcher.status();
        }
        matchers.push_back(std::move(matcher).value());
    }
    if (matchers.size() > kMaxMatchers) {
        return invalidArgument(std::string(field) + ": " + std::to_string(matchers.size()) +
                               " matchers, at most " + std::to_string(kMaxMatchers) +
                               " are allowed");
    }
    return matchers;
}

std::string formatMatcher(const Matcher &matcher) {
    std::string out = matcher.name;
    out += matcher.isRegex ? (matcher.isEqual ? "=~" : "!~") : (matcher.isEqual ? "=" : "!=");
    out += '"';
    for (const char c : matcher.value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '"') {
            out += "\\\"";
        } else {
            out += c;
        }
    }
    return out + '"';
}

} // namespace aegis::alerting
