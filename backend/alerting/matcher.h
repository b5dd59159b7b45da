#pragma once

#include "alerting/alert.h"
#include "common/status.h"

#include <memory>
#include <regex>
#include <string>
#include <vector>

namespace aegis::alerting {

// An Alertmanager matcher: name="v", name!="v", name=~"re", name!~"re" (regexes anchored, RE2
// syntax as far as std::regex's ECMAScript grammar agrees). A missing label matches as "".
struct Matcher {
    std::string name;
    std::string value;
    bool isRegex = false;
    bool isEqual = true;
    bool operator==(const Matcher &) const = default;
};

// Matchers compiled once, to test many label sets.
class MatcherSet {
public:
    // INVALID_ARGUMENT naming `field` ("matchers[2].value: ...") for an empty name, a bad regex,
    // or more than 32 matchers.
    static StatusOr<MatcherSet> compile(std::vector<Matcher> matchers,
                                        std::string_view field = "matchers");
    bool matches(const LabelSet &labels) const;
    // Whether some matcher fails to match the empty string (a silence must have one).
    bool selectsSomething() const;
    const std::vector<Matcher> &matchers() const { return m_matchers; }

private:
    std::vector<Matcher> m_matchers;
    std::vector<std::shared_ptr<const std::regex>> m_regexes; // null for plain matchers
};

// `{service="checkout", severity=~"crit.*"}` and the unbraced form; INVALID_ARGUMENT naming
// `field` and the column.
StatusOr<std::vector<Matcher>> parseMatchers(std::string_view text,
                                             std::string_view field = "matchers");
std::string formatMatcher(const Matcher &matcher);

} // namespace aegis::alerting
