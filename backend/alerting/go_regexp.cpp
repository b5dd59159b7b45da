#include "alerting/go_regexp.h"

#include <cctype>

namespace aegis::alerting {

StatusOr<std::regex> compileGoRegexp(std::string_view pattern, bool anchored) {
    auto flags = std::regex::ECMAScript;
    std::string body(pattern);
    if (body.starts_with("(?i)")) {
        flags |= std::regex::icase;
        body.erase(0, 4);
    }
    if (anchored) {
        body = "^(?:" + body + ")$";
    }
    try {
        return std::regex(body, flags);
    } catch (const std::regex_error &error) {
        return invalidArgument("error parsing regexp: " + std::string(error.what()) + ": `" +
                               std::string(pattern) + "`");
    }
}

namespace {

bool isNameChar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// Appends what `$...` at replacement[i] expands to; returns the index after it.
std::size_t expandReference(std::string &out, std::string_view replacement, std::size_t i,
                            const std::smatch &match) {
    std::size_t nameBegin = i + 1;
    std::size_t nameEnd = nameBegin;
    std::size_t next = 0;
    if (nameBegin < replacement.size() && replacement[nameBegin] == '{') {
        ++nameBegin;
        nameEnd = nameBegin;
        while (nameEnd < replacement.size() && isNameChar(replacement[nameEnd])) {
            ++nameEnd;
        }
        if (nameEnd == nameBegin || nameEnd >= replacement.size() || replacement[nameEnd] != '}') {
            out += '$'; // malformed: the `$` is plain text, as in Go
            return i + 1;
        }
        next = nameEnd + 1;
    } else {
        while (nameEnd < replacement.size() && isNameChar(replacement[nameEnd])) {
            ++nameEnd;
        }
        if (nameEnd == nameBegin) {
            out += '$';
            return i + 1;
        }
        next = nameEnd;
    }
    const std::string_view name = replacement.substr(nameBegin, nameEnd - nameBegin);
    std::size_t group = 0;
    bool numeric = true;
    for (const char c : name) {
        if (!std::isdigit(static_cast<unsigned char>(c)) || group > 1000) {
            numeric = false;
            break;
        }
        group = group * 10 + static_cast<std::size_t>(c - '0');
    }
    if (numeric && group < match.size()) {
        out += match[group].str();
    }
    return next;
}

} // namespace

std::string replaceAllGo(const std::regex &re, const std::string &text,
                         std::string_view replacement) {
    std::string out;
    auto searchFrom = text.cbegin();
    std::smatch match;
    auto flags = std::regex_constants::match_default;
    while (searchFrom <= text.cend() &&
           std::regex_search(searchFrom, text.cend(), match, re, flags)) {
        out.append(searchFrom, match[0].first);
        for (std::size_t i = 0; i < replacement.size();) {
            if (replacement[i] != '$') {
                out += replacement[i++];
            } else if (i + 1 < replacement.size() && replacement[i + 1] == '$') {
                out += '$';
                i += 2;
            } else {
                i = expandReference(out, replacement, i, match);
            }
        }
        auto after = match[0].second;
        if (match[0].length() == 0) {
            // An empty match: copy one character and search on, so the loop advances.
            if (after == text.cend()) {
                searchFrom = text.cend();
                break;
            }
            out += *after;
            ++after;
        }
        searchFrom = after;
        flags = std::regex_constants::match_prev_avail;
    }
    if (searchFrom < text.cend()) {
        out.append(searchFrom, text.cend());
    }
    return out;
}

} // namespace aegis::alerting
