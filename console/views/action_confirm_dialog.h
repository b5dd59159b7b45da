#pragma once

#include "models/action_confirmation.h"

#include <QDialog>

#include <optional>

class QLabel;
class QLineEdit;
class QPushButton;

namespace aegis::console {

// How an action button stands out: Primary for the one that moves the release forward
// (Promote), Danger for those that take traffic off it (Abort, Undo).
enum class ActionTone { Plain, Primary, Danger };

// Styles `button` in `tone` with the colours of its palette's theme; call again after the theme
// changed.
void setActionTone(QPushButton *button, ActionTone tone);

// Asks before an operator action: what it will do (ActionConfirmation) and a reason the daemon
// records, optional unless the confirmation requires one (the accept button waits for it).
// Nothing is the default button: Enter in the reason does not act, a click does, Escape cancels.
class ActionConfirmDialog final : public QDialog {
    Q_OBJECT
public:
    explicit ActionConfirmDialog(const ActionConfirmation &confirmation, QWidget *parent = nullptr);

    QString reason() const;
    QLineEdit *reasonEdit() const { return m_reason; }
    QPushButton *acceptButton() const { return m_accept; }

    // Runs the dialog; the reason (possibly empty) when accepted, nullopt when cancelled.
    static std::optional<QString> ask(QWidget *parent, const ActionConfirmation &confirmation);

private:
    QLineEdit *m_reason;
    QPushButton *m_accept;
};

} // namespace aegis::console
