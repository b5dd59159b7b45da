#include "views/audit_detail_pane.h"

#include "models/display_format.h"
#include "models/display_names.h"
#include "views/theme.h"

#include <QLabel>

namespace aegis::console {
namespace {

// The fields in the order the constructor names them.
enum Field { Time, Actor, Role, Peer, Method, Resource, Summary, Error, Revision, Id };

} // namespace

AuditDetailPane::AuditDetailPane(QWidget *parent)
    // Two columns of fields: who and when on the left, what on the right.
    : DetailPane(tr("Select a record to see its details."),
                 {{tr("Time"), Column::Left},
                  {tr("Actor"), Column::Left},
                  {tr("Role"), Column::Left},
                  {tr("Peer"), Column::Left},
                  {tr("Method"), Column::Right},
                  {tr("Resource"), Column::Right},
                  {tr("Summary"), Column::Right},
                  {tr("Error"), Column::Right},
                  {tr("Revision"), Column::Right},
                  {tr("Record id"), Column::Left}},
                 parent) {}

void AuditDetailPane::showEntry(const std::optional<AuditEntry> &entry) {
    m_entry = entry;
    if (!entry) {
        showHint();
        return;
    }
    const QString dash = QStringLiteral("—");
    auto orDash = [&dash](const QString &text) { return text.isEmpty() ? dash : text; };
    value(Time)->setText(tr("%1 (%2)").arg(
        absoluteTime(entry->time), relativeTime(entry->time, QDateTime::currentDateTimeUtc())));
    value(Actor)->setText(orDash(entry->actor));
    value(Role)->setText(roleName(entry->role));
    value(Peer)->setText(orDash(entry->peer));
    value(Method)->setText(orDash(entry->method));
    value(Resource)->setText(orDash(entry->resource));
    value(Summary)->setText(orDash(entry->summary));
    value(Error)->setText(orDash(entry->error));
    value(Revision)->setText(entry->revision > 0 ? QString::number(entry->revision) : dash);
    value(Id)->setText(orDash(entry->id));
    const ThemeColors colors = themeColors(palette());
    showDetails(shortMethodName(entry->method),
                entry->succeeded()
                    ? tr("Succeeded")
                    : tr("Failed with %1").arg(CallError{entry->code, {}}.codeName()),
                entry->succeeded() ? colors.success : colors.danger);
}

} // namespace aegis::console
