#include "views/audit_detail_pane.h"

#include "models/display_format.h"
#include "views/theme.h"

#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QStackedLayout>
#include <QVBoxLayout>

namespace aegis::console {
namespace {

enum Field { Time, Actor, Role, Peer, Method, Resource, Summary, Error, Revision, Id, FieldCount };

} // namespace

AuditDetailPane::AuditDetailPane(QWidget *parent)
    : QFrame(parent)
    , m_stack(new QStackedLayout)
    , m_title(new QLabel)
    , m_outcome(new QLabel) {
    setObjectName(QStringLiteral("DetailPane"));
    setMinimumHeight(150);

    auto *empty = new QLabel(tr("Select a record to see its details."));
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
    heading->addWidget(m_outcome);
    heading->addStretch(1);
    layout->addLayout(heading);
    // Two columns of fields: who and when on the left, what on the right.
    auto *forms = new QHBoxLayout;
    forms->setSpacing(32);
    QFormLayout *columns[2] = {new QFormLayout, new QFormLayout};
    for (QFormLayout *form : columns) {
        form->setHorizontalSpacing(16);
        form->setVerticalSpacing(6);
        form->setRowWrapPolicy(QFormLayout::DontWrapRows);
        forms->addLayout(form, 1);
    }
    const QStringList names = {tr("Time"),     tr("Actor"),    tr("Role"),    tr("Peer"),
                               tr("Method"),   tr("Resource"), tr("Summary"), tr("Error"),
                               tr("Revision"), tr("Record id")};
    for (int i = 0; i < FieldCount; ++i) {
        auto *key = new QLabel(names.at(i));
        key->setObjectName(QStringLiteral("DetailKey"));
        auto *value = new QLabel;
        value->setWordWrap(true);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        value->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
        m_values.append(value);
        const bool who = i == Time || i == Actor || i == Role || i == Peer || i == Id;
        columns[who ? 0 : 1]->addRow(key, value);
    }
    layout->addLayout(forms);
    layout->addStretch(1);

    m_stack->addWidget(empty);
    m_stack->addWidget(details);
    setLayout(m_stack);
}

void AuditDetailPane::showEntry(const std::optional<AuditEntry> &entry) {
    m_entry = entry;
    if (!entry) {
        m_stack->setCurrentIndex(0);
        return;
    }
    const ThemeColors colors = themeColors(palette());
    m_title->setText(shortMethodName(entry->method));
    const QColor tone = entry->succeeded() ? colors.success : colors.danger;
    m_outcome->setText(
        QStringLiteral("<span style=\"color:%1; font-weight:600\">● %2</span>")
            .arg(tone.name(),
                 entry->succeeded()
                     ? tr("Succeeded")
                     : tr("Failed with %1").arg(CallError{entry->code, {}}.codeName())));
    const QString dash = QStringLiteral("—");
    auto orDash = [&dash](const QString &text) { return text.isEmpty() ? dash : text; };
    m_values[Time]->setText(tr("%1 (%2)").arg(
        absoluteTime(entry->time), relativeTime(entry->time, QDateTime::currentDateTimeUtc())));
    m_values[Actor]->setText(orDash(entry->actor));
    m_values[Role]->setText(roleName(entry->role));
    m_values[Peer]->setText(orDash(entry->peer));
    m_values[Method]->setText(orDash(entry->method));
    m_values[Resource]->setText(orDash(entry->resource));
    m_values[Summary]->setText(orDash(entry->summary));
    m_values[Error]->setText(orDash(entry->error));
    m_values[Revision]->setText(entry->revision > 0 ? QString::number(entry->revision) : dash);
    m_values[Id]->setText(orDash(entry->id));
    m_stack->setCurrentIndex(1);
}

} // namespace aegis::console
