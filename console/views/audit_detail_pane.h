#pragma once

#include "net/api_types.h"
#include "views/detail_pane.h"

#include <optional>

namespace aegis::console {

// Every field of one audit record, selectable for copying; a hint when nothing is selected.
class AuditDetailPane final : public DetailPane {
    Q_OBJECT
public:
    explicit AuditDetailPane(QWidget *parent = nullptr);

    void showEntry(const std::optional<AuditEntry> &entry);
    // The record shown, if any.
    const std::optional<AuditEntry> &entry() const { return m_entry; }

private:
    std::optional<AuditEntry> m_entry;
};

} // namespace aegis::console
