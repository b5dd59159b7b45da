#pragma once

#include "models/config_content_check.h"
#include "net/alert_types.h"

#include <QList>
#include <QString>

#include <optional>

namespace aegis::console {

// Every problem of a Prometheus rule file, found by the daemon's own parser
// (alerting::parseRuleFile), so the editor marks what PutRuleFile would refuse before the daemon
// is asked; columns count characters. The message names the group and rule when known.
QList<ContentProblem> checkRuleFile(const QString &content);

// The daemon's diagnostics (ValidateRuleFile) as editor problems.
QList<ContentProblem> toProblems(const QList<RuleDiagnosticInfo> &diagnostics);

// The alerting rule the 1-based `line` of `content` lies in, as the YAML of one rule (what
// TestRule takes), with its name and the group's interval; nullopt when the line is in no
// alerting rule or the file does not parse that far.
struct RuleAtLine {
    QString name;
    QString yaml;
    qint64 intervalMs = 0;
    // The rule's first and last 1-based lines.
    int firstLine = 0;
    int lastLine = 0;
};
std::optional<RuleAtLine> ruleAtLine(const QString &content, int line);

// A rule expression of the form `X > N` (or <, >=, <=, ==, !=, with `bool` or not) at the top
// level: the left-hand side to chart, and the threshold to draw.
struct ExpressionThreshold {
    QString lhs;
    QString op;
    double value = 0;
};
std::optional<ExpressionThreshold> expressionThreshold(const QString &expr);

} // namespace aegis::console
