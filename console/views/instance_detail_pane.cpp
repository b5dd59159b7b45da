#include "views/instance_detail_pane.h"

#include "models/display_format.h"
#include "models/instance_model.h"
#include "views/instance_delegate.h"
#include "views/theme.h"

#include <QLabel>

namespace aegis::console {
namespace {

// The fields in the order the constructor names them.
enum Field { Address, Colour, Version, Weight, Registered, Lease, Revisions, Labels, Metadata };

QString mapText(const QMap<QString, QString> &map) {
    QStringList parts;
    for (auto it = map.cbegin(); it != map.cend(); ++it) {
        parts.append(QStringLiteral("%1=%2").arg(it.key(), it.value()));
    }
    return parts.isEmpty() ? QStringLiteral("—") : parts.join(QStringLiteral(", "));
}

} // namespace

InstanceDetailPane::InstanceDetailPane(QWidget *parent)
    // Where and what on the left, its lease and labels on the right.
    : DetailPane(tr("Select an instance to see its details."),
                 {{tr("Address"), Column::Left},
                  {tr("Colour"), Column::Left},
                  {tr("Version"), Column::Left},
                  {tr("Weight"), Column::Left},
                  {tr("Registered"), Column::Right},
                  {tr("Lease"), Column::Right},
                  {tr("Revisions"), Column::Right},
                  {tr("Labels"), Column::Right},
                  {tr("Metadata"), Column::Right}},
                 parent) {}

void InstanceDetailPane::showInstance(const std::optional<ServiceInstance> &instance,
                                      const QDateTime &now) {
    m_instance = instance;
    if (!instance) {
        showHint();
        return;
    }
    const ThemeColors colors = themeColors(palette());
    const QString dash = QStringLiteral("—");
    const QString colour = instance->labels.value(QStringLiteral("color"));
    value(Address)->setText(instance->address.isEmpty() ? dash : instance->address);
    value(Colour)->setText(
        colour.isEmpty()
            ? dash
            : QStringLiteral("<span style=\"color:%1\">■</span> %2")
                  .arg(deployColourTone(colour.toLower(), colors).name(), colour.toHtmlEscaped()));
    value(Version)->setText(instance->labels.value(QStringLiteral("version"), dash));
    value(Weight)->setText(instance->weight == 0 ? tr("0 (receives no traffic)")
                                                 : QString::number(instance->weight));
    value(Registered)
        ->setText(instance->registerTime.isValid()
                      ? tr("%1 (%2 ago)")
                            .arg(absoluteTime(instance->registerTime), leaseAge(*instance, now))
                      : dash);
    value(Lease)->setText(tr("%1 · TTL %2")
                              .arg(instance->leaseId)
                              .arg(humanDuration(instance->leaseTtlSeconds * 1000)));
    value(Revisions)->setText(
        tr("created %1 · modified %2").arg(instance->createRevision).arg(instance->modRevision));
    value(Labels)->setText(mapText(instance->labels));
    value(Metadata)->setText(mapText(instance->metadata));
    showDetails(QStringLiteral("%1 / %2").arg(instance->service, instance->id),
                instanceStateName(instance->state),
                instanceStateTone(static_cast<int>(instance->state), colors));
}

} // namespace aegis::console
