#include "views/detail_pane.h"

#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QStackedLayout>
#include <QVBoxLayout>

namespace aegis::console {

DetailPane::DetailPane(const QString &hint, const QList<Field> &fields, QWidget *parent)
    : QFrame(parent)
    , m_detailsLayout(nullptr)
    , m_stack(new QStackedLayout)
    , m_title(new QLabel)
    , m_status(new QLabel) {
    setObjectName(QStringLiteral("DetailPane"));
    setMinimumHeight(150);

    auto *empty = new QLabel(hint);
    empty->setObjectName(QStringLiteral("PageSubtitle"));
    empty->setAlignment(Qt::AlignCenter);
    empty->setWordWrap(true);

    auto *details = new QWidget;
    auto *layout = new QVBoxLayout(details);
    m_detailsLayout = layout;
    layout->setContentsMargins(16, 14, 16, 14);
    layout->setSpacing(10);
    m_title->setObjectName(QStringLiteral("SectionTitle"));
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *heading = new QHBoxLayout;
    heading->setSpacing(12);
    heading->addWidget(m_title);
    heading->addWidget(m_status);
    heading->addStretch(1);
    layout->addLayout(heading);
    auto *forms = new QHBoxLayout;
    forms->setSpacing(32);
    QFormLayout *columns[2] = {new QFormLayout, new QFormLayout};
    for (QFormLayout *form : columns) {
        form->setHorizontalSpacing(16);
        form->setVerticalSpacing(6);
        form->setRowWrapPolicy(QFormLayout::DontWrapRows);
        forms->addLayout(form, 1);
    }
    for (const Field &field : fields) {
        auto *key = new QLabel(field.name);
        key->setObjectName(QStringLiteral("DetailKey"));
        auto *value = new QLabel;
        value->setWordWrap(true);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        value->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
        m_values.append(value);
        columns[field.column == Column::Left ? 0 : 1]->addRow(key, value);
    }
    layout->addLayout(forms);
    layout->addStretch(1);

    m_stack->addWidget(empty);
    m_stack->addWidget(details);
    setLayout(m_stack);
}

void DetailPane::addSection(QWidget *widget) {
    // Before the trailing stretch, so sections stay under the fields.
    m_detailsLayout->insertWidget(m_detailsLayout->count() - 1, widget);
}

void DetailPane::showHint() {
    m_stack->setCurrentIndex(0);
}

void DetailPane::showDetails(const QString &title, const QString &status,
                             const QColor &statusTone) {
    m_title->setText(title);
    m_status->setText(QStringLiteral("<span style=\"color:%1; font-weight:600\">● %2</span>")
                          .arg(statusTone.name(), status.toHtmlEscaped()));
    m_stack->setCurrentIndex(1);
}

QString DetailPane::statusText() const {
    return m_status->text();
}

} // namespace aegis::console
