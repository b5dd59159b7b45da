#pragma once

#include "net/alert_types.h"

#include <QList>
#include <QString>

#include <memory>
#include <optional>

namespace aegis::alerting {
class MatcherSet;
}

namespace aegis::console {

// Alertmanager matchers as the console edits and applies them, with the daemon's own matcher
// code (backend/alerting/matcher.h), so the filter box and the silence preview select exactly
// what the daemon and Alertmanager would.
class AlertMatchers final {
public:
    AlertMatchers();
    ~AlertMatchers();
    AlertMatchers(const AlertMatchers &other);
    AlertMatchers &operator=(const AlertMatchers &other);

    // `{service="checkout", severity=~"crit.*"}` or the unbraced form; empty text selects
    // everything. On a mistake, `error` (when given) says what and where.
    static std::optional<AlertMatchers> parse(const QString &text, QString *error = nullptr);
    // The given matchers; nullopt (with `error`) for an empty name or a bad regex.
    static std::optional<AlertMatchers> compile(const QList<AlertMatcher> &matchers,
                                                QString *error = nullptr);

    const QList<AlertMatcher> &matchers() const { return m_matchers; }
    bool isEmpty() const { return m_matchers.isEmpty(); }
    // Whether every matcher matches `labels` (a missing label matches as "").
    bool matches(const AlertLabels &labels) const;
    // Whether some matcher fails to match the empty string (a silence needs one).
    bool selectsSomething() const;

    // `name="value"`, `name!~"re"`…
    static QString format(const AlertMatcher &matcher);
    // Comma-separated, braced: `{service="checkout", severity="critical"}`.
    static QString format(const QList<AlertMatcher> &matchers);

private:
    QList<AlertMatcher> m_matchers;
    std::shared_ptr<const alerting::MatcherSet> m_compiled;
};

// The operators a matcher row offers, in order: "=", "!=", "=~", "!~".
QStringList matcherOperators();
QString matcherOperator(const AlertMatcher &matcher);
// Sets `matcher`'s isEqual and isRegex from one of matcherOperators().
void setMatcherOperator(AlertMatcher &matcher, const QString &op);

} // namespace aegis::console
