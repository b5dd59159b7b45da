#include "models/alert_matchers.h"

#include "alerting/matcher.h"

namespace aegis::console {
namespace {

alerting::Matcher toAlerting(const AlertMatcher &matcher) {
    return {matcher.name.toStdString(), matcher.value.toStdString(), matcher.isRegex,
            matcher.isEqual};
}

AlertMatcher fromAlerting(const alerting::Matcher &matcher) {
    return {QString::fromStdString(matcher.name), QString::fromStdString(matcher.value),
            matcher.isRegex, matcher.isEqual};
}

} // namespace

AlertMatchers::AlertMatchers() = default;
AlertMatchers::~AlertMatchers() = default;
AlertMatchers::AlertMatchers(const AlertMatchers &other) = default;
AlertMatchers &AlertMatchers::operator=(const AlertMatchers &other) = default;

std::optional<AlertMatchers> AlertMatchers::parse(const QString &text, QString *error) {
    if (text.trimmed().isEmpty()) {
        return AlertMatchers();
    }
    auto parsed = alerting::parseMatchers(text.toStdString(), "filter");
    if (!parsed.isOk()) {
        if (error) {
            *error = QString::fromStdString(parsed.status().message());
        }
        return std::nullopt;
    }
    QList<AlertMatcher> matchers;
    for (const alerting::Matcher &matcher : *parsed) {
        matchers.append(fromAlerting(matcher));
    }
    return compile(matchers, error);
}

std::optional<AlertMatchers> AlertMatchers::compile(const QList<AlertMatcher> &matchers,
                                                    QString *error) {
    std::vector<alerting::Matcher> converted;
    converted.reserve(std::size_t(matchers.size()));
    for (const AlertMatcher &matcher : matchers) {
        converted.push_back(toAlerting(matcher));
    }
    auto compiled = alerting::MatcherSet::compile(std::move(converted));
    if (!compiled.isOk()) {
        if (error) {
            *error = QString::fromStdString(compiled.status().message());
        }
        return std::nullopt;
    }
    AlertMatchers result;
    result.m_matchers = matchers;
    result.m_compiled = std::make_shared<const alerting::MatcherSet>(std::move(*compiled));
    return result;
}

bool AlertMatchers::matches(const AlertLabels &labels) const {
    if (!m_compiled) {
        return true;
    }
    alerting::LabelSet set;
    set.reserve(std::size_t(labels.size()));
    for (const auto &[name, value] : labels) {
        set.emplace_back(name.toStdString(), value.toStdString());
    }
    return m_compiled->matches(set);
}

bool AlertMatchers::selectsSomething() const {
    return m_compiled && m_compiled->selectsSomething();
}

QString AlertMatchers::format(const AlertMatcher &matcher) {
    return QString::fromStdString(alerting::formatMatcher(toAlerting(matcher)));
}

QString AlertMatchers::format(const QList<AlertMatcher> &matchers) {
    QStringList parts;
    for (const AlertMatcher &matcher : matchers) {
        parts.append(format(matcher));
    }
    return QStringLiteral("{%1}").arg(parts.join(QStringLiteral(", ")));
}

QStringList matcherOperators() {
    return {QStringLiteral("="), QStringLiteral("!="), QStringLiteral("=~"), QStringLiteral("!~")};
}

QString matcherOperator(const AlertMatcher &matcher) {
    return matcherOperators().at((matcher.isEqual ? 0 : 1) + (matcher.isRegex ? 2 : 0));
}

void setMatcherOperator(AlertMatcher &matcher, const QString &op) {
    const int index = std::max(0, int(matcherOperators().indexOf(op)));
    matcher.isEqual = index % 2 == 0;
    matcher.isRegex = index >= 2;
}

} // namespace aegis::console
