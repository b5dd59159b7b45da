#include "views/action_confirm_dialog.h"

#include "views/theme.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace aegis::console {
namespace {

// The daemon's limit for a reason (RolloutActionRequest.reason, ApproveProposalRequest.reason).
constexpr int kReasonLimit = 1024;

} // namespace

void setActionTone(QPushButton *button, ActionTone tone) {
    const ThemeColors c = themeColors(button->palette());
    const QPalette &p = button->palette();
    const QString disabled =
        QStringLiteral("QPushButton:disabled { background: %1; color: %2; border: 1px solid %3; "
                       "font-weight: normal; }")
            .arg(p.color(QPalette::Button).name(),
                 p.color(QPalette::Disabled, QPalette::ButtonText).name(), c.border.name());
    switch (tone) {
    case ActionTone::Plain:
        button->setStyleSheet({});
        return;
    case ActionTone::Primary:
        button->setStyleSheet(
            QStringLiteral("QPushButton { background: %1; color: %2; border: 1px solid %3; "
                           "border-radius: 4px; padding: 4px 14px; font-weight: 600; } "
                           "QPushButton:hover { background: %3; } ")
                .arg(c.accent.name(), p.color(QPalette::HighlightedText).name(),
                     c.accent.darker(115).name()) +
            disabled);
        return;
    case ActionTone::Danger:
        button->setStyleSheet(
            QStringLiteral("QPushButton { background: %1; color: %2; border: 1px solid %2; "
                           "border-radius: 4px; padding: 4px 14px; } "
                           "QPushButton:hover { background: %3; } ")
                .arg(p.color(QPalette::Button).name(), c.danger.name(), c.errorBackground.name()) +
            disabled);
        return;
    }
}

ActionConfirmDialog::ActionConfirmDialog(const ActionConfirmation &confirmation, QWidget *parent)
    : QDialog(parent)
    , m_reason(new QLineEdit) {
    setObjectName(QStringLiteral("ActionConfirmDialog"));
    setWindowTitle(confirmation.title);

    auto *title = new QLabel(confirmation.title);
    title->setObjectName(QStringLiteral("SectionTitle"));
    auto *effect = new QLabel(confirmation.effect);
    effect->setObjectName(QStringLiteral("confirmationEffect"));
    effect->setWordWrap(true);
    effect->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont bold = effect->font();
    bold.setBold(true);
    effect->setFont(bold);
    auto *details = new QLabel(confirmation.details);
    details->setObjectName(QStringLiteral("PageSubtitle"));
    details->setWordWrap(true);
    details->setVisible(!confirmation.details.isEmpty());

    auto *reasonLabel =
        new QLabel(confirmation.reasonRequired ? tr("Reason (required)") : tr("Reason (optional)"));
    reasonLabel->setBuddy(m_reason);
    m_reason->setObjectName(QStringLiteral("reason"));
    m_reason->setMaxLength(kReasonLimit);
    m_reason->setPlaceholderText(confirmation.reasonHint);
    m_reason->setClearButtonEnabled(true);

    // Plain buttons rather than a button box, which would make the accept button the default
    // once shown: nothing is the default, so Enter in the reason neither acts nor throws it away.
    auto *cancel = new QPushButton(tr("Cancel"));
    cancel->setObjectName(QStringLiteral("cancel"));
    m_accept = new QPushButton(confirmation.acceptLabel);
    m_accept->setObjectName(QStringLiteral("accept"));
    for (QPushButton *button : {cancel, m_accept}) {
        button->setAutoDefault(false);
        button->setDefault(false);
    }
    setActionTone(m_accept, confirmation.destructive ? ActionTone::Danger : ActionTone::Primary);
    if (confirmation.reasonRequired) {
        m_accept->setEnabled(false);
        connect(m_reason, &QLineEdit::textChanged, this,
                [this] { m_accept->setEnabled(!reason().isEmpty()); });
    }
    connect(m_accept, &QPushButton::clicked, this, &QDialog::accept);
    connect(cancel, &QPushButton::clicked, this, &QDialog::reject);
    auto *buttons = new QHBoxLayout;
    buttons->addStretch(1);
    buttons->addWidget(cancel);
    buttons->addWidget(m_accept);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(20, 18, 20, 14);
    layout->setSpacing(8);
    layout->addWidget(title);
    layout->addWidget(effect);
    layout->addWidget(details);
    layout->addSpacing(6);
    layout->addWidget(reasonLabel);
    layout->addWidget(m_reason);
    layout->addSpacing(6);
    layout->addLayout(buttons);
    setMinimumWidth(480);
    setMaximumWidth(720);
}

QString ActionConfirmDialog::reason() const {
    return m_reason->text().trimmed();
}

std::optional<QString> ActionConfirmDialog::ask(QWidget *parent,
                                                const ActionConfirmation &confirmation) {
    ActionConfirmDialog dialog(confirmation, parent);
    if (dialog.exec() != QDialog::Accepted) {
        return std::nullopt;
    }
    return dialog.reason();
}

} // namespace aegis::console
