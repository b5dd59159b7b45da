#include "models/rule_file_check.h"

#include "alerting/rule_file.h"

#include <QRegularExpression>

namespace aegis::console {
namespace {

// The 1-based byte column of `lines[line - 1]` in characters.
int characterColumn(const QList<QByteArray> &lines, int line, int byteColumn) {
    if (line < 1 || line > lines.size() || byteColumn < 1) {
        return byteColumn;
    }
    return int(QString::fromUtf8(lines.at(line - 1).left(byteColumn - 1)).size()) + 1;
}

QString describe(const QString &group, const QString &rule, const QString &message) {
    if (!group.isEmpty() && !rule.isEmpty()) {
        return QStringLiteral("group \"%1\", rule \"%2\": %3").arg(group, rule, message);
    }
    if (!group.isEmpty()) {
        return QStringLiteral("group \"%1\": %2").arg(group, message);
    }
    return message;
}

} // namespace

QList<ContentProblem> checkRuleFile(const QString &content) {
    const QByteArray utf8 = content.toUtf8();
    const alerting::ParsedRuleFile parsed =
        alerting::parseRuleFile(std::string_view(utf8.constData(), std::size_t(utf8.size())));
    const QList<QByteArray> lines = utf8.split('\n');
    QList<ContentProblem> problems;
    for (const alerting::RuleDiagnostic &diagnostic : parsed.diagnostics) {
        ContentProblem problem;
        problem.line = diagnostic.position.line;
        problem.column =
            characterColumn(lines, diagnostic.position.line, diagnostic.position.column);
        problem.message = describe(QString::fromStdString(diagnostic.group),
                                   QString::fromStdString(diagnostic.rule),
                                   QString::fromStdString(diagnostic.message));
        problems.append(problem);
    }
    return problems;
}

QList<ContentProblem> toProblems(const QList<RuleDiagnosticInfo> &diagnostics) {
    QList<ContentProblem> problems;
    for (const RuleDiagnosticInfo &diagnostic : diagnostics) {
        problems.append({diagnostic.line, diagnostic.column,
                         describe(diagnostic.group, diagnostic.rule, diagnostic.message)});
    }
    return problems;
}

std::optional<RuleAtLine> ruleAtLine(const QString &content, int line) {
    const QByteArray utf8 = content.toUtf8();
    const alerting::ParsedRuleFile parsed =
        alerting::parseRuleFile(std::string_view(utf8.constData(), std::size_t(utf8.size())));
    const QStringList lines = content.split(QLatin1Char('\n'));
    // Every rule's and group's first line, to know where a rule ends.
    QList<int> starts;
    for (const alerting::RuleGroup &group : parsed.file.groups) {
        starts.append(group.position.line);
        for (const alerting::Rule &rule : group.rules) {
            starts.append(rule.position.line);
        }
    }
    std::sort(starts.begin(), starts.end());
    for (const alerting::RuleGroup &group : parsed.file.groups) {
        for (const alerting::Rule &rule : group.rules) {
            const int first = rule.position.line;
            if (!rule.isAlerting() || first < 1 || first > line) {
                continue;
            }
            const auto next = std::upper_bound(starts.cbegin(), starts.cend(), first);
            int last = next == starts.cend() ? int(lines.size()) : *next - 1;
            // Blank lines and comments between rules belong to none of them.
            while (last > first && lines.value(last - 1).trimmed().isEmpty()) {
                --last;
            }
            if (line > last) {
                continue;
            }
            // The rule's keys start at its column; strip that indentation (and the "- ").
            const int indent = std::max(0, rule.position.column - 1);
            QStringList yaml;
            for (int i = first; i <= last; ++i) {
                const QString text = lines.value(i - 1);
                yaml.append(
                    i == first ? text.mid(indent)
                               : (text.left(indent).trimmed().isEmpty() ? text.mid(indent) : text));
            }
            RuleAtLine result;
            result.name = QString::fromStdString(rule.alert);
            result.yaml = yaml.join(QLatin1Char('\n')) + QLatin1Char('\n');
            result.intervalMs = group.interval.count();
            result.firstLine = first;
            result.lastLine = last;
            return result;
        }
    }
    return std::nullopt;
}

std::optional<ExpressionThreshold> expressionThreshold(const QString &expr) {
    // The last comparison at parenthesis depth 0 whose right-hand side is a number.
    static const QRegularExpression rhs(
        QStringLiteral(R"(^\s*(bool\s+)?([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*$)"));
    const QString text = expr.trimmed();
    int depth = 0;
    bool quoted = false;
    for (int i = int(text.size()) - 1; i > 0; --i) {
        const QChar c = text.at(i);
        if (c == QLatin1Char('"')) {
            quoted = !quoted;
        }
        if (quoted) {
            continue;
        }
        if (c == QLatin1Char(')') || c == QLatin1Char('}') || c == QLatin1Char(']')) {
            ++depth;
        } else if (c == QLatin1Char('(') || c == QLatin1Char('{') || c == QLatin1Char('[')) {
            --depth;
        }
        if (depth != 0) {
            continue;
        }
        QString op;
        int start = i;
        const QChar before = text.at(i - 1);
        if (c == QLatin1Char('>') || c == QLatin1Char('<')) {
            op = c;
        } else if (c == QLatin1Char('=') &&
                   (before == QLatin1Char('>') || before == QLatin1Char('<') ||
                    before == QLatin1Char('=') || before == QLatin1Char('!'))) {
            op = QString(before) + c;
            start = i - 1;
        } else {
            continue;
        }
        const QRegularExpressionMatch match = rhs.match(text.mid(i + 1));
        if (!match.hasMatch()) {
            return std::nullopt;
        }
        const QString lhs = text.left(start).trimmed();
        if (lhs.isEmpty()) {
            return std::nullopt;
        }
        return ExpressionThreshold{lhs, op, match.captured(2).toDouble()};
    }
    return std::nullopt;
}

} // namespace aegis::console
