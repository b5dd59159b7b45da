#include "views/stat_card.h"

#include <QGraphicsOpacityEffect>
#include <QLabel>
#include <QVBoxLayout>

namespace aegis::console {

StatCard::StatCard(const QString &caption, QWidget *parent)
    : QFrame(parent)
    , m_value(new QLabel(QStringLiteral("—")))
    , m_detail(new QLabel) {
    setObjectName(QStringLiteral("Card"));
    auto *captionLabel = new QLabel(caption.toUpper());
    captionLabel->setObjectName(QStringLiteral("CardLabel"));
    m_value->setObjectName(QStringLiteral("CardValue"));
    m_value->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_detail->setObjectName(QStringLiteral("CardDetail"));
    // A long detail wraps instead of widening the row of cards past the window.
    m_detail->setWordWrap(true);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(16, 12, 16, 12);
    layout->setSpacing(4);
    layout->addWidget(captionLabel);
    layout->addWidget(m_value);
    layout->addWidget(m_detail);
    // Preferred, not Fixed: a wrapped detail needs the height its width gives it.
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
}

void StatCard::setValue(const QString &value, const QString &detail) {
    m_value->setText(value);
    m_detail->setText(detail.isEmpty() ? QStringLiteral(" ") : detail);
}

QString StatCard::value() const {
    return m_value->text();
}

void StatCard::setStale(bool stale) {
    if (stale) {
        auto *effect = new QGraphicsOpacityEffect(m_value);
        effect->setOpacity(0.45);
        m_value->setGraphicsEffect(effect);
    } else {
        m_value->setGraphicsEffect(nullptr);
    }
}

void StatCard::setValueTone(const QColor &tone) {
    m_value->setStyleSheet(tone.isValid() ? QStringLiteral("color: %1").arg(tone.name())
                                          : QString());
}

} // namespace aegis::console
