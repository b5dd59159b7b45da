#pragma once

#include <common/label_selector.h>

#include <QMap>
#include <QString>

#include <optional>

namespace aegis::console {

// A label selector typed into the console ("color=green,zone!=b", "zone in (a,b)", "!canary").
// Parsed and matched by the daemon's own LabelSelector, so the console accepts, rejects and
// matches exactly what ListInstances does. Cheap to copy.
class InstanceSelector {
public:
    // Matches everything.
    InstanceSelector() = default;

    // The selector, or nullopt with `error` set to a message naming the bad requirement.
    static std::optional<InstanceSelector> parse(const QString &text, QString *error = nullptr);

    bool matches(const QMap<QString, QString> &labels) const;
    bool isEmpty() const { return m_selector.empty(); }
    // The text it was parsed from, trimmed.
    const QString &text() const { return m_text; }

private:
    LabelSelector m_selector;
    QString m_text;
};

} // namespace aegis::console
