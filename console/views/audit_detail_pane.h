#pragma once

#include "net/api_types.h"

#include <QFrame>

#include <optional>

class QLabel;
class QStackedLayout;

namespace aegis::console {

// Every field of one audit record, selectable for copying; a hint when nothing is selected.
class AuditDetailPane final : public QFrame {
    Q_OBJECT
public:
    explicit AuditDetailPane(QWidget *parent = nullptr);

    void showEntry(const std::optional<AuditEntry> &entry);
    // The record shown, if any.
    const std::optional<AuditEntry> &entry() const { return m_entry; }

private:
    std::optional<AuditEntry> m_entry;
    QStackedLayout *m_stack;
    QLabel *m_title;
    QLabel *m_outcome;
    QList<QLabel *> m_values;
};

} // namespace aegis::console
