#include "views/instance_detail_pane.h"

#include "models/display_format.h"
#include "models/instance_model.h"
#include "views/instance_delegate.h"
#include "views/theme.h"

#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QStackedLayout>
#include <QVBoxLayout>

namespace aegis::console {
namespace {

enum Field {
    Address,
    Colour,
    Version,
    Weight,
    Registered,
    Lease,
    Revisions,
    Labels,
    Metadata,
    FieldCount
};

QString mapText(const QMap<QString, QString> &map) {
    QStringList parts;
    for (auto it = map.cbegin(); it != map.cend(); ++it) {
        parts.append(QStringLiteral("%1=%2").arg(it.key(), it.value()));
    }
    return parts.isEmpty() ? QStringLiteral("—") : parts.join(QStringLiteral(", "));
}

} // namespace

InstanceDetailPane::InstanceDetailPane(QWidget *parent)
    : QFrame(parent)
    , m_stack(new QStackedLayout)
    , m_title(new QLabel)
    , m_state(new QLabel) {
    setObjectName(QStringLiteral("DetailPane"));
    setMinimumHeight(150);

    auto *empty = new QLabel(tr("Select an instance to see its details."));
    empty->setObjectName(QStringLiteral("PageSubtitle"));
    empty->setAlignment(Qt::AlignCenter);
    empty->setWordWrap(true);

    auto *details = new QWidget;
    auto *layout = new QVBoxLayout(details);
    layout->setContentsMargins(16, 14, 16, 14);
    layout->setSpacing(10);
    m_title->setObjectName(QStringLiteral("SectionTitle"));
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *heading = new QHBoxLayout;
    heading->setSpacing(12);
    heading->addWidget(m_title);
    heading->addWidget(m_state);
    heading->addStretch(1);
    layout->addLayout(heading);
    // Where and what on the left, its lease and labels on the right.
    auto *forms = new QHBoxLayout;
    forms->setSpacing(32);
    QFormLayout *columns[2] = {new QFormLayout, new QFormLayout};
    for (QFormLayout *form : columns) {
        form->setHorizontalSpacing(16);
        form->setVerticalSpacing(6);
        form->setRowWrapPolicy(QFormLayout::DontWrapRows);
        forms->addLayout(form, 1);
    }
    const QStringList names = {tr("Address"),   tr("Colour"),     tr("Version"),
                               tr("Weight"),    tr("Registered"), tr("Lease"),
                               tr("Revisions"), tr("Labels"),     tr("Metadata")};
    for (int i = 0; i < FieldCount; ++i) {
        auto *key = new QLabel(names.at(i));
        key->setObjectName(QStringLiteral("DetailKey"));
        auto *value = new QLabel;
        value->setWordWrap(true);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        value->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
        m_values.append(value);
        const bool where = i <= Weight;
        columns[where ? 0 : 1]->addRow(key, value);
    }
    layout->addLayout(forms);
    layout->addStretch(1);

    m_stack->addWidget(empty);
    m_stack->addWidget(details);
    setLayout(m_stack);
}

void InstanceDetailPane::showInstance(const std::optional<ServiceInstance> &instance,
                                      const QDateTime &now) {
    m_instance = instance;
    if (!instance) {
        m_stack->setCurrentIndex(0);
        return;
    }
    const ThemeColors colors = themeColors(palette());
    m_title->setText(QStringLiteral("%1 / %2").arg(instance->service, instance->id));
    const QColor tone = instanceStateTone(static_cast<int>(instance->state), colors);
    m_state->setText(QStringLiteral("<span style=\"color:%1; font-weight:600\">● %2</span>")
                         .arg(tone.name(), instanceStateName(instance->state).toHtmlEscaped()));
    const QString dash = QStringLiteral("—");
    const QString colour = instance->labels.value(QStringLiteral("color"));
    m_values[Address]->setText(instance->address.isEmpty() ? dash : instance->address);
    m_values[Colour]->setText(
        colour.isEmpty()
            ? dash
            : QStringLiteral("<span style=\"color:%1\">■</span> %2")
                  .arg(deployColourTone(colour.toLower(), colors).name(), colour.toHtmlEscaped()));
    m_values[Version]->setText(instance->labels.value(QStringLiteral("version"), dash));
    m_values[Weight]->setText(instance->weight == 0 ? tr("0 (receives no traffic)")
                                                    : QString::number(instance->weight));
    m_values[Registered]->setText(
        instance->registerTime.isValid()
            ? tr("%1 (%2 ago)").arg(absoluteTime(instance->registerTime), leaseAge(*instance, now))
            : dash);
    m_values[Lease]->setText(tr("%1 · TTL %2")
                                 .arg(instance->leaseId)
                                 .arg(humanDuration(instance->leaseTtlSeconds * 1000)));
    m_values[Revisions]->setText(
        tr("created %1 · modified %2").arg(instance->createRevision).arg(instance->modRevision));
    m_values[Labels]->setText(mapText(instance->labels));
    m_values[Metadata]->setText(mapText(instance->metadata));
    m_stack->setCurrentIndex(1);
}

} // namespace aegis::console
