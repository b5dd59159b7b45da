#pragma once

#include "common/status.h"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace aegis {

using Labels = std::map<std::string, std::string>;

// A Kubernetes-style label selector: comma-separated requirements that must all hold.
//   key=value  key==value  key!=value  key  !key  key in (a,b)  key notin (a,b)
// "key!=value" and "key notin (...)" also match objects without the key. Values are never empty
// ("key=" is refused: it could only match nothing). An empty selector matches everything.
class LabelSelector {
public:
    // INVALID_ARGUMENT naming `field` and the offending requirement.
    static StatusOr<LabelSelector> parse(std::string_view text,
                                         std::string_view field = "selector");

    bool matches(const Labels &labels) const;
    bool empty() const { return m_requirements.empty(); }

private:
    struct Requirement {
        enum class Op { Equals, NotEquals, Exists, NotExists, In, NotIn };
        std::string key;
        Op op;
        std::vector<std::string> values;
    };
    std::vector<Requirement> m_requirements;
};

// Checks a label map against Aegis's limits: at most `maxLabels` entries, keys 1..63 characters of
// [A-Za-z0-9._/-], values up to 253 bytes with no control characters. `field` names the map in the
// error.
Status validateLabels(const Labels &labels, std::string_view field, std::size_t maxLabels = 32);

} // namespace aegis
