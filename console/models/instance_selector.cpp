#include "models/instance_selector.h"

namespace aegis::console {

std::optional<InstanceSelector> InstanceSelector::parse(const QString &text, QString *error) {
    auto parsed = LabelSelector::parse(text.toStdString(), "selector");
    if (!parsed) {
        if (error) {
            *error = QString::fromStdString(parsed.status().message());
        }
        return std::nullopt;
    }
    InstanceSelector selector;
    selector.m_selector = std::move(*parsed);
    selector.m_text = text.trimmed();
    return selector;
}

bool InstanceSelector::matches(const QMap<QString, QString> &labels) const {
    if (m_selector.empty()) {
        return true;
    }
    Labels converted;
    for (auto it = labels.cbegin(); it != labels.cend(); ++it) {
        converted.emplace(it.key().toStdString(), it.value().toStdString());
    }
    return m_selector.matches(converted);
}

} // namespace aegis::console
