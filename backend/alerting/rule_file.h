#pragma once

#include "common/status.h"

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aegis::alerting {

// Where something is in a rule file's YAML: 1-based; 0 when unknown.
struct SourcePosition {
    int line = 0;
    int column = 0;
};

// Labels and annotations in the order the file lists them (export keeps that order).
using OrderedLabels = std::vector<std::pair<std::string, std::string>>;

// One rule of a group: an alerting rule (`alert`) or a recording rule (`record`), which aegisd
// keeps in the file but does not evaluate.
struct Rule {
    std::string alert;  // set for an alerting rule
    std::string record; // set for a recording rule
    std::string expr;
    std::chrono::milliseconds forDuration{0};
    std::chrono::milliseconds keepFiringFor{0};
    OrderedLabels labels;
    OrderedLabels annotations; // alerting rules only
    SourcePosition position;   // of the rule's first key
    // Of the first character of `expr`'s value, where a query error's "LINE:COL" counts from
    // (0 when unknown: diagnostics then point at `position`).
    SourcePosition exprPosition;

    bool isAlerting() const { return !alert.empty(); }
    const std::string &name() const { return isAlerting() ? alert : record; }
};

struct RuleGroup {
    std::string name;
    // 0: the daemon's alerting.evaluation_interval.
    std::chrono::milliseconds interval{0};
    // Prometheus' `limit`: a rule producing more alerts than this fails its evaluation (0: none).
    int limit = 0;
    std::vector<Rule> rules;
    SourcePosition position;
};

struct RuleFile {
    std::vector<RuleGroup> groups;
};

// One problem of a rule file, where it is: what ValidateRuleFile returns and what an editor marks.
struct RuleDiagnostic {
    SourcePosition position;
    std::string group; // the group's name, when known
    std::string rule;  // the rule's alert or record name, when known
    std::string message;
    // "group \"api\", rule \"HighErrorRatio\": line 7, column 11: for: ..." (the parts known).
    std::string text() const;
};

// Parses and validates a Prometheus rule file (`groups:` of `name`, `interval`, `limit`, `rules`;
// each rule `alert` or `record`, `expr`, `for`, `keep_firing_for`, `labels`, `annotations`), with
// Prometheus' rules: unique group names, unknown keys refused, durations in Prometheus' syntax,
// label names valid, templates parse. Every problem found is returned, not only the first.
struct ParsedRuleFile {
    RuleFile file;
    std::vector<RuleDiagnostic> diagnostics; // empty: valid
};
ParsedRuleFile parseRuleFile(std::string_view yaml);

// INVALID_ARGUMENT with the first diagnostic's text (and how many more there are), or the file.
StatusOr<RuleFile> loadRuleFile(std::string_view yaml);

// The rule file as Prometheus writes it (what `promtool check rules` accepts; keep_firing_for only
// where set).
std::string renderRuleFile(const RuleFile &file);
// One rule in YAML, as TestRule takes it and a group's `rules` list holds it.
StatusOr<Rule> parseRule(std::string_view yaml);

// Prometheus' duration syntax: "1h30m", "90s", "500ms", "2d", "1w", "1y"; INVALID_ARGUMENT
// naming `field`.
StatusOr<std::chrono::milliseconds> parsePromDuration(std::string_view text,
                                                      std::string_view field);
// The shortest Prometheus duration for a value ("2m", "1h30m", "0s").
std::string formatPromDuration(std::chrono::milliseconds duration);

} // namespace aegis::alerting
