// Prometheus rule files (prometheus/model/rulefmt/rulefmt.go): strict decoding (unknown keys
// refused, as Prometheus' KnownFields(true)), Prometheus' validation, and every problem found
// reported with its group, rule, line and column rather than only the first.

#include "alerting/rule_file.h"

#include "alerting/alert_template.h"
#include "alerting/prom_names.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>

namespace aegis::alerting {

std::string RuleDiagnostic::text() const {
    std::string out;
    if (!group.empty()) {
        out += "group \"" + group + "\"";
    }
    if (!rule.empty()) {
        out += (out.empty() ? "" : ", ") + std::string("rule \"") + rule + "\"";
    }
    if (position.line > 0) {
        out += (out.empty() ? "" : ": ") + std::string("line ") + std::to_string(position.line) +
               ", column " + std::to_string(position.column);
    }
    return out + (out.empty() ? "" : ": ") + message;
}

namespace {

constexpr const char *kGroupFields = "name, interval, limit, rules";
constexpr const char *kRuleFields = "alert or record, expr, for, keep_firing_for, labels, "
                                    "annotations";

SourcePosition positionOf(const YAML::Node &node) {
    const YAML::Mark mark = node.Mark();
    if (mark.is_null()) {
        return {};
    }
    return {mark.line + 1, mark.column + 1};
}

SourcePosition positionOf(const YAML::Mark &mark) {
    if (mark.is_null()) {
        return {};
    }
    return {mark.line + 1, mark.column + 1};
}

const char *kindName(const YAML::Node &node) {
    switch (node.Type()) {
    case YAML::NodeType::Sequence:
        return "a list";
    case YAML::NodeType::Map:
        return "a mapping";
    case YAML::NodeType::Null:
        return "nothing";
    default:
        return "a scalar";
    }
}

// Reads one document into the model, collecting diagnostics.
class RuleFileReader {
public:
    RuleFileReader(std::string_view source, std::vector<RuleDiagnostic> &diagnostics)
        : m_source(source)
        , m_diagnostics(diagnostics) {}

    RuleFile readFile(const YAML::Node &root) {
        RuleFile file;
        if (!root || root.IsNull()) {
            return file; // an empty file: no groups, as in Prometheus
        }
        if (!root.IsMap()) {
            add(positionOf(root), "", "",
                std::string("a rule file is a mapping with `groups:`, found ") + kindName(root));
            return file;
        }
        YAML::Node groups;
        forEachField(
            root, "", "",
            [&](const std::string &key, const YAML::Node &keyNode, const YAML::Node &value) {
                if (key == "groups") {
                    groups = value;
                } else {
                    add(positionOf(keyNode), "", "",
                        "unknown field \"" + key + "\" (a rule file has only `groups`)");
                }
            });
        if (!groups || groups.IsNull()) {
            return file;
        }
        if (!groups.IsSequence()) {
            add(positionOf(groups), "", "",
                std::string("groups: expected a list of groups, found ") + kindName(groups));
            return file;
        }
        std::map<std::string, SourcePosition> seen;
        for (const YAML::Node &groupNode : groups) {
            RuleGroup group = readGroup(groupNode);
            if (!group.name.empty()) {
                const auto [it, inserted] = seen.emplace(group.name, group.position);
                if (!inserted) {
                    add(group.position, group.name, "",
                        "name: group \"" + group.name +
                            "\" is repeated in the same file (first at line " +
                            std::to_string(it->second.line) + ")");
                }
            }
            file.groups.push_back(std::move(group));
        }
        return file;
    }

    RuleGroup readGroup(const YAML::Node &node) {
        RuleGroup group;
        group.position = positionOf(node);
        if (!node.IsMap()) {
            add(group.position, "", "",
                std::string("a group is a mapping (") + kGroupFields + "), found " +
                    kindName(node));
            return group;
        }
        // The name first, so every diagnostic of the group can name it.
        if (const YAML::Node name = node["name"]; name && name.IsScalar()) {
            group.name = name.Scalar();
        }
        YAML::Node rules;
        bool hasName = false;
        forEachField(
            node, group.name, "",
            [&](const std::string &key, const YAML::Node &keyNode, const YAML::Node &value) {
                if (key == "name") {
                    hasName = true;
                    readString(value, "name", group.name, "", group.name);
                } else if (key == "interval") {
                    const auto interval = readDuration(value, "interval", group.name, "");
                    if (interval && *interval <= std::chrono::milliseconds(0)) {
                        add(positionOf(value), group.name, "",
                            "interval: must be more than 0 (leave it out for the daemon's "
                            "alerting.evaluation_interval)");
                    } else if (interval) {
                        group.interval = *interval;
                    }
                } else if (key == "limit") {
                    readLimit(value, group);
                } else if (key == "rules") {
                    rules = value;
                } else {
                    add(positionOf(keyNode), group.name, "",
                        "unknown field \"" + key + "\" in a group (allowed: " + kGroupFields + ")");
                }
            });
        if (!hasName || group.name.empty()) {
            add(group.position, "", "", "name: a group needs a name");
        }
        if (rules && !rules.IsNull()) {
            if (!rules.IsSequence()) {
                add(positionOf(rules), group.name, "",
                    std::string("rules: expected a list of rules, found ") + kindName(rules));
            } else {
                for (const YAML::Node &ruleNode : rules) {
                    group.rules.push_back(readRule(ruleNode, group.name));
                }
            }
        }
        return group;
    }

    Rule readRule(const YAML::Node &node, const std::string &groupName) {
        Rule rule;
        rule.position = positionOf(node);
        if (!node.IsMap()) {
            add(rule.position, groupName, "",
                std::string("a rule is a mapping (") + kRuleFields + "), found " + kindName(node));
            return rule;
        }
        if (const YAML::Node alert = node["alert"]; alert && alert.IsScalar()) {
            rule.alert = alert.Scalar();
        }
        if (const YAML::Node record = node["record"]; record && record.IsScalar()) {
            rule.record = record.Scalar();
        }
        const std::string name = !rule.alert.empty() ? rule.alert : rule.record;
        SourcePosition recordPosition = rule.position;
        SourcePosition exprPosition = rule.position;
        std::vector<std::pair<YAML::Node, YAML::Node>> labelNodes; // key, value
        std::vector<std::pair<YAML::Node, YAML::Node>> annotationNodes;
        bool hasFor = false;
        bool hasKeepFiringFor = false;
        forEachField(
            node, groupName, name,
            [&](const std::string &key, const YAML::Node &keyNode, const YAML::Node &value) {
                if (key == "alert") {
                    readString(value, "alert", groupName, name, rule.alert);
                } else if (key == "record") {
                    recordPosition = positionOf(value);
                    readString(value, "record", groupName, name, rule.record);
                } else if (key == "expr") {
                    exprPosition = positionOf(value);
                    rule.exprPosition = valueStart(value);
                    readString(value, "expr", groupName, name, rule.expr);
                } else if (key == "for") {
                    if (const auto d = readDuration(value, "for", groupName, name)) {
                        rule.forDuration = *d;
                        hasFor = d->count() != 0;
                    }
                } else if (key == "keep_firing_for") {
                    if (const auto d = readDuration(value, "keep_firing_for", groupName, name)) {
                        rule.keepFiringFor = *d;
                        hasKeepFiringFor = d->count() != 0;
                    }
                } else if (key == "labels") {
                    labelNodes = readMap(value, "labels", groupName, name, rule.labels);
                } else if (key == "annotations") {
                    annotationNodes =
                        readMap(value, "annotations", groupName, name, rule.annotations);
                } else {
                    add(positionOf(keyNode), groupName, name,
                        "unknown field \"" + key + "\" in a rule (allowed: " + kRuleFields + ")");
                }
            });

        if (!rule.record.empty() && !rule.alert.empty()) {
            add(recordPosition, groupName, name, "only one of 'record' and 'alert' must be set");
        }
        if (rule.record.empty() && rule.alert.empty()) {
            add(rule.position, groupName, name, "one of 'record' or 'alert' must be set");
        }
        if (rule.expr.find_first_not_of(" \t\r\n") == std::string::npos) {
            add(exprPosition, groupName, name, "expr: must be set (the rule's PromQL expression)");
        }
        if (!rule.record.empty()) {
            if (!rule.annotations.empty()) {
                add(recordPosition, groupName, name,
                    "annotations: only alerting rules have annotations, this is a recording rule");
            }
            if (hasFor) {
                add(recordPosition, groupName, name,
                    "for: only alerting rules have `for`, this is a recording rule");
            }
            if (hasKeepFiringFor) {
                add(recordPosition, groupName, name,
                    "keep_firing_for: only alerting rules have `keep_firing_for`, this is a "
                    "recording rule");
            }
            if (rule.record.find_first_of("{}") != std::string::npos) {
                add(recordPosition, groupName, name,
                    "record: braces present in the recording rule name; should it be in expr?: " +
                        rule.record);
            } else if (!isValidMetricName(rule.record)) {
                add(recordPosition, groupName, name,
                    "record: invalid recording rule name: " + rule.record +
                        " (a metric name: [a-zA-Z_:][a-zA-Z0-9_:]*)");
            }
        }
        for (const auto &[keyNode, valueNode] : labelNodes) {
            const std::string key = keyNode.Scalar();
            const std::string value = valueNode.IsScalar() ? valueNode.Scalar() : "";
            if (!isValidLabelName(key) || key == "__name__") {
                add(positionOf(keyNode), groupName, name,
                    "labels: invalid label name: " + key +
                        " ([a-zA-Z_][a-zA-Z0-9_]*, not __name__)");
            }
            if (!isValidUtf8(value)) {
                add(positionOf(valueNode), groupName, name,
                    "labels." + key + ": invalid label value (not UTF-8)");
            }
            if (rule.isAlerting()) {
                checkTemplateAt(valueNode, value, "labels." + key, groupName, name);
            }
        }
        for (const auto &[keyNode, valueNode] : annotationNodes) {
            const std::string key = keyNode.Scalar();
            if (!isValidLabelName(key)) {
                add(positionOf(keyNode), groupName, name,
                    "annotations: invalid annotation name: " + key + " ([a-zA-Z_][a-zA-Z0-9_]*)");
            }
            if (rule.isAlerting()) {
                checkTemplateAt(valueNode, valueNode.IsScalar() ? valueNode.Scalar() : "",
                                "annotations." + key, groupName, name);
            }
        }
        return rule;
    }

private:
    // Where a scalar's text begins: after a quote, or on the first line of a block scalar.
    SourcePosition valueStart(const YAML::Node &node) const {
        const YAML::Mark mark = node.Mark();
        if (mark.is_null() || !node.IsScalar() || mark.pos < 0 ||
            static_cast<std::size_t>(mark.pos) >= m_source.size()) {
            return positionOf(node);
        }
        const char first = m_source[static_cast<std::size_t>(mark.pos)];
        if (first == '"' || first == '\'') {
            return {mark.line + 1, mark.column + 2};
        }
        if (first != '|' && first != '>') {
            return positionOf(node);
        }
        // A block scalar: its text starts on the first non-blank line after the indicator.
        std::size_t at = m_source.find('\n', static_cast<std::size_t>(mark.pos));
        int line = mark.line + 1;
        while (at != std::string_view::npos) {
            ++line;
            std::size_t column = at + 1;
            while (column < m_source.size() && m_source[column] == ' ') {
                ++column;
            }
            if (column < m_source.size() && m_source[column] != '\n') {
                return {line, static_cast<int>(column - at)};
            }
            at = column < m_source.size() ? column : std::string_view::npos;
        }
        return positionOf(node);
    }

    void add(SourcePosition position, const std::string &group, const std::string &rule,
             std::string message) {
        m_diagnostics.push_back({position, group, rule, std::move(message)});
    }

    // Calls `visit(key, keyNode, value)` for each entry; refuses non-scalar and repeated keys.
    template <typename Visit>
    void forEachField(const YAML::Node &map, const std::string &group, const std::string &rule,
                      Visit visit) {
        std::map<std::string, int> seen;
        for (auto it = map.begin(); it != map.end(); ++it) {
            const YAML::Node keyNode = it->first;
            if (!keyNode.IsScalar()) {
                add(positionOf(keyNode), group, rule, "a key must be a plain string");
                continue;
            }
            const std::string key = keyNode.Scalar();
            const SourcePosition at = positionOf(keyNode);
            const auto [previous, inserted] = seen.emplace(key, at.line);
            if (!inserted) {
                add(at, group, rule,
                    "mapping key \"" + key + "\" already defined at line " +
                        std::to_string(previous->second));
                continue;
            }
            visit(key, keyNode, it->second);
        }
    }

    // A string field: any scalar (YAML decodes 5 or true into a string field as its text).
    void readString(const YAML::Node &value, const char *field, const std::string &group,
                    const std::string &rule, std::string &out) {
        if (value.IsNull()) {
            out.clear();
        } else if (value.IsScalar()) {
            out = value.Scalar();
        } else {
            add(positionOf(value), group, rule,
                std::string(field) + ": expected a string, found " + kindName(value));
        }
    }

    std::optional<std::chrono::milliseconds> readDuration(const YAML::Node &value,
                                                          const char *field,
                                                          const std::string &group,
                                                          const std::string &rule) {
        if (!value.IsScalar()) {
            add(positionOf(value), group, rule,
                std::string(field) + ": expected a duration such as 2m, found " + kindName(value));
            return std::nullopt;
        }
        auto parsed = parsePromDuration(value.Scalar(), field);
        if (!parsed) {
            add(positionOf(value), group, rule, parsed.status().message());
            return std::nullopt;
        }
        return *parsed;
    }

    void readLimit(const YAML::Node &value, RuleGroup &group) {
        const std::string text = value.IsScalar() ? value.Scalar() : "";
        int limit = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), limit);
        if (!value.IsScalar() || text.empty() || error != std::errc() ||
            end != text.data() + text.size()) {
            add(positionOf(value), group.name, "",
                "limit: expected a whole number of alerts (0: no limit), found " +
                    (value.IsScalar() ? "\"" + text + "\"" : std::string(kindName(value))));
        } else if (limit < 0) {
            add(positionOf(value), group.name, "", "limit: must not be negative (0: no limit)");
        } else {
            group.limit = limit;
        }
    }

    // labels or annotations: a mapping of names to scalar values, in file order.
    std::vector<std::pair<YAML::Node, YAML::Node>>
    readMap(const YAML::Node &value, const char *field, const std::string &group,
            const std::string &rule, OrderedLabels &out) {
        std::vector<std::pair<YAML::Node, YAML::Node>> nodes;
        if (value.IsNull()) {
            return nodes;
        }
        if (!value.IsMap()) {
            add(positionOf(value), group, rule,
                std::string(field) + ": expected a mapping of names to values, found " +
                    kindName(value));
            return nodes;
        }
        forEachField(
            value, group, rule,
            [&](const std::string &key, const YAML::Node &keyNode, const YAML::Node &entry) {
                if (!entry.IsScalar() && !entry.IsNull()) {
                    add(positionOf(entry), group, rule,
                        std::string(field) + "." + key + ": expected a string, found " +
                            kindName(entry));
                    return;
                }
                out.emplace_back(key, entry.IsScalar() ? entry.Scalar() : "");
                nodes.emplace_back(keyNode, entry);
            });
        return nodes;
    }

    void checkTemplateAt(const YAML::Node &node, const std::string &text, const std::string &field,
                         const std::string &group, const std::string &rule) {
        const Status status = checkTemplate(text);
        if (!status.isOk()) {
            add(positionOf(node), group, rule, field + ": template: " + status.message());
        }
    }

    std::string_view m_source;
    std::vector<RuleDiagnostic> &m_diagnostics;
};

// Loads the one document of `yaml`; a syntax error or a second document is a diagnostic.
std::optional<YAML::Node> loadDocument(std::string_view yaml,
                                       std::vector<RuleDiagnostic> &diagnostics) {
    try {
        std::vector<YAML::Node> documents = YAML::LoadAll(std::string(yaml));
        if (documents.empty()) {
            return YAML::Node();
        }
        for (std::size_t i = 1; i < documents.size(); ++i) {
            if (!documents[i].IsNull()) {
                diagnostics.push_back({positionOf(documents[i]), "", "",
                                       "a rule file is one YAML document; found a second one"});
            }
        }
        return documents.front();
    } catch (const YAML::Exception &error) {
        diagnostics.push_back({positionOf(error.mark), "", "", "YAML: " + error.msg});
        return std::nullopt;
    }
}

Status firstDiagnosticError(const std::vector<RuleDiagnostic> &diagnostics) {
    std::string message = diagnostics.front().text();
    if (diagnostics.size() > 1) {
        message += " (and " + std::to_string(diagnostics.size() - 1) + " more problem" +
                   (diagnostics.size() > 2 ? "s" : "") + ")";
    }
    return invalidArgument(message);
}

// A string as YAML: multi-line text as a literal block where that reads back exactly.
void emitString(YAML::Emitter &out, const std::string &text) {
    const bool multiLine = text.find('\n') != std::string::npos;
    bool literalSafe = multiLine && text.back() == '\n' && text.size() > 1 &&
                       text[text.size() - 2] != '\n' && text.front() != ' ' &&
                       text.front() != '\n' && isValidUtf8(text);
    for (std::size_t i = 0; literalSafe && i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        // Trailing spaces and control characters do not survive a literal block.
        literalSafe = (c >= 0x20 || c == '\n') && c != 0x7f &&
                      !(c == ' ' && i + 1 < text.size() && text[i + 1] == '\n') && c != '\t';
    }
    if (literalSafe) {
        out << YAML::Literal << text;
    } else {
        out << text;
    }
}

void emitLabels(YAML::Emitter &out, const char *key, const OrderedLabels &labels) {
    if (labels.empty()) {
        return;
    }
    out << YAML::Key << key << YAML::Value << YAML::BeginMap;
    for (const auto &[name, value] : labels) {
        out << YAML::Key << name << YAML::Value;
        emitString(out, value);
    }
    out << YAML::EndMap;
}

void emitRule(YAML::Emitter &out, const Rule &rule) {
    out << YAML::BeginMap;
    if (rule.isAlerting()) {
        out << YAML::Key << "alert" << YAML::Value << rule.alert;
    } else {
        out << YAML::Key << "record" << YAML::Value << rule.record;
    }
    out << YAML::Key << "expr" << YAML::Value;
    emitString(out, rule.expr);
    if (rule.forDuration.count() != 0) {
        out << YAML::Key << "for" << YAML::Value << formatPromDuration(rule.forDuration);
    }
    if (rule.keepFiringFor.count() != 0) {
        out << YAML::Key << "keep_firing_for" << YAML::Value
            << formatPromDuration(rule.keepFiringFor);
    }
    emitLabels(out, "labels", rule.labels);
    emitLabels(out, "annotations", rule.annotations);
    out << YAML::EndMap;
}

} // namespace

ParsedRuleFile parseRuleFile(std::string_view yaml) {
    ParsedRuleFile parsed;
    if (const auto root = loadDocument(yaml, parsed.diagnostics)) {
        try {
            parsed.file = RuleFileReader(yaml, parsed.diagnostics).readFile(*root);
        } catch (const YAML::Exception &error) {
            parsed.diagnostics.push_back({positionOf(error.mark), "", "", "YAML: " + error.msg});
        }
    }
    return parsed;
}

StatusOr<RuleFile> loadRuleFile(std::string_view yaml) {
    ParsedRuleFile parsed = parseRuleFile(yaml);
    if (!parsed.diagnostics.empty()) {
        return firstDiagnosticError(parsed.diagnostics);
    }
    return std::move(parsed.file);
}

StatusOr<Rule> parseRule(std::string_view yaml) {
    std::vector<RuleDiagnostic> diagnostics;
    const auto root = loadDocument(yaml, diagnostics);
    if (!root) {
        return firstDiagnosticError(diagnostics);
    }
    Rule rule;
    try {
        rule = RuleFileReader(yaml, diagnostics).readRule(*root, "");
    } catch (const YAML::Exception &error) {
        diagnostics.push_back({positionOf(error.mark), "", "", "YAML: " + error.msg});
    }
    if (!diagnostics.empty()) {
        return firstDiagnosticError(diagnostics);
    }
    return rule;
}

std::string renderRuleFile(const RuleFile &file) {
    YAML::Emitter out;
    out.SetIndent(2);
    out << YAML::BeginMap << YAML::Key << "groups" << YAML::Value;
    if (file.groups.empty()) {
        out << YAML::Flow;
    }
    out << YAML::BeginSeq;
    for (const RuleGroup &group : file.groups) {
        out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << group.name;
        if (group.interval.count() != 0) {
            out << YAML::Key << "interval" << YAML::Value << formatPromDuration(group.interval);
        }
        if (group.limit != 0) {
            out << YAML::Key << "limit" << YAML::Value << group.limit;
        }
        out << YAML::Key << "rules" << YAML::Value;
        if (group.rules.empty()) {
            out << YAML::Flow;
        }
        out << YAML::BeginSeq;
        for (const Rule &rule : group.rules) {
            emitRule(out, rule);
        }
        out << YAML::EndSeq << YAML::EndMap;
    }
    out << YAML::EndSeq << YAML::EndMap;
    return std::string(out.c_str()) + "\n";
}

} // namespace aegis::alerting
