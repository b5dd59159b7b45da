#include "common/label_selector.h"

#include "common/input_text.h"

#include <algorithm>
#include <cctype>

namespace aegis {
namespace {

bool validKey(std::string_view key) {
    return !key.empty() && key.size() <= 63 && std::all_of(key.begin(), key.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ||
               c == '/';
    });
}

// Splits on commas that are not inside parentheses.
std::vector<std::string_view> splitRequirements(std::string_view text) {
    std::vector<std::string_view> parts;
    int depth = 0;
    std::size_t start = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '(') {
            ++depth;
        } else if (text[i] == ')') {
            --depth;
        } else if (text[i] == ',' && depth == 0) {
            parts.push_back(text.substr(start, i - start));
            start = i + 1;
        }
    }
    parts.push_back(text.substr(start));
    return parts;
}

} // namespace

StatusOr<LabelSelector> LabelSelector::parse(std::string_view text, std::string_view field) {
    LabelSelector selector;
    if (text.size() > 4096) {
        return invalidArgument(std::string(field) + " must be at most 4096 characters");
    }
    if (trimWhitespace(text).empty()) {
        return selector;
    }
    for (std::string_view raw : splitRequirements(text)) {
        const std::string_view part = trimWhitespace(raw);
        const auto invalid = [&](std::string_view why) {
            return invalidArgument(std::string(field) + ": '" + std::string(part) + "' " +
                                   std::string(why));
        };
        if (part.empty()) {
            return invalid("is an empty requirement");
        }
        Requirement requirement;
        if (const auto notEquals = part.find("!="); notEquals != std::string_view::npos) {
            requirement.key = std::string(trimWhitespace(part.substr(0, notEquals)));
            requirement.op = Requirement::Op::NotEquals;
            requirement.values.emplace_back(trimWhitespace(part.substr(notEquals + 2)));
        } else if (const auto equals = part.find('='); equals != std::string_view::npos) {
            const std::size_t valueStart = part.substr(equals, 2) == "==" ? equals + 2 : equals + 1;
            requirement.key = std::string(trimWhitespace(part.substr(0, equals)));
            requirement.op = Requirement::Op::Equals;
            requirement.values.emplace_back(trimWhitespace(part.substr(valueStart)));
        } else if (const auto open = part.find('('); open != std::string_view::npos) {
            if (part.back() != ')') {
                return invalid("has no closing parenthesis");
            }
            const std::string_view head = trimWhitespace(part.substr(0, open));
            const auto space = head.find_last_of(" \t");
            if (space == std::string_view::npos) {
                return invalid("must be 'key in (a,b)' or 'key notin (a,b)'");
            }
            const std::string_view op = trimWhitespace(head.substr(space + 1));
            requirement.key = std::string(trimWhitespace(head.substr(0, space)));
            if (op == "in") {
                requirement.op = Requirement::Op::In;
            } else if (op == "notin") {
                requirement.op = Requirement::Op::NotIn;
            } else {
                return invalid("must be 'key in (a,b)' or 'key notin (a,b)'");
            }
            const std::string_view list = part.substr(open + 1, part.size() - open - 2);
            std::size_t start = 0;
            while (start <= list.size()) {
                const auto comma = list.find(',', start);
                const auto value = trimWhitespace(list.substr(start, comma - start));
                if (!value.empty()) {
                    requirement.values.emplace_back(value);
                }
                if (comma == std::string_view::npos) {
                    break;
                }
                start = comma + 1;
            }
            if (requirement.values.empty()) {
                return invalid("has an empty value list");
            }
        } else if (part.front() == '!') {
            requirement.key = std::string(trimWhitespace(part.substr(1)));
            requirement.op = Requirement::Op::NotExists;
        } else {
            requirement.key = std::string(part);
            requirement.op = Requirement::Op::Exists;
        }
        if (!validKey(requirement.key)) {
            return invalid("has an invalid label key (1-63 characters of A-Z a-z 0-9 . _ / -)");
        }
        if ((requirement.op == Requirement::Op::Equals ||
             requirement.op == Requirement::Op::NotEquals) &&
            requirement.values.front().empty()) {
            return invalid("has no value (select by presence with 'key' or '!key')");
        }
        selector.m_requirements.push_back(std::move(requirement));
    }
    return selector;
}

bool LabelSelector::matches(const Labels &labels) const {
    for (const Requirement &requirement : m_requirements) {
        const auto it = labels.find(requirement.key);
        const bool present = it != labels.end();
        const auto listed = [&] {
            return present && std::find(requirement.values.begin(), requirement.values.end(),
                                        it->second) != requirement.values.end();
        };
        bool holds = false;
        switch (requirement.op) {
        case Requirement::Op::Equals:
        case Requirement::Op::In:
            holds = listed();
            break;
        case Requirement::Op::NotEquals:
        case Requirement::Op::NotIn:
            holds = !listed();
            break;
        case Requirement::Op::Exists:
            holds = present;
            break;
        case Requirement::Op::NotExists:
            holds = !present;
            break;
        }
        if (!holds) {
            return false;
        }
    }
    return true;
}

Status validateLabels(const Labels &labels, std::string_view field, std::size_t maxLabels) {
    if (labels.size() > maxLabels) {
        return invalidArgument(std::string(field) + " may have at most " +
                               std::to_string(maxLabels) + " entries (got " +
                               std::to_string(labels.size()) + ")");
    }
    for (const auto &[key, value] : labels) {
        if (!validKey(key)) {
            return invalidArgument(std::string(field) + ": key '" + key.substr(0, 80) +
                                   "' must be 1-63 characters of A-Z a-z 0-9 . _ / -");
        }
        if (Status s = validateFreeText(value, std::string(field) + "['" + key + "']", 253);
            !s.isOk()) {
            return s;
        }
    }
    return Status::ok();
}

} // namespace aegis
