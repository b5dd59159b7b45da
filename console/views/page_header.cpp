#include "views/page_header.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

namespace aegis::console {

PageHeader::PageHeader(const QString &title, const QString &subtitle, QWidget *parent)
    : QWidget(parent)
    , m_subtitle(new QLabel(subtitle))
    , m_trailing(new QHBoxLayout) {
    auto *titleLabel = new QLabel(title);
    titleLabel->setObjectName(QStringLiteral("PageTitle"));
    m_subtitle->setObjectName(QStringLiteral("PageSubtitle"));
    // A long subtitle wraps rather than widen the window past the header's buttons.
    m_subtitle->setWordWrap(true);
    auto *text = new QVBoxLayout;
    text->setSpacing(2);
    text->addWidget(titleLabel);
    text->addWidget(m_subtitle);
    m_trailing->setSpacing(8);
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(text, 1);
    layout->addLayout(m_trailing);
}

void PageHeader::setSubtitle(const QString &subtitle) {
    m_subtitle->setText(subtitle);
}

void PageHeader::addTrailingWidget(QWidget *widget) {
    m_trailing->addWidget(widget, 0, Qt::AlignVCenter);
}

} // namespace aegis::console
