#pragma once

#include "net/api_types.h"

#include <QFrame>
#include <QTimer>

class QLabel;
class QPushButton;

namespace aegis::console {

class Session;

// A banner at the top of a page while the daemon is unreachable: why, since when the data shown
// is stale, and when the next attempt is due, with a button to retry now. Hidden otherwise.
class ConnectionBanner final : public QFrame {
    Q_OBJECT
public:
    explicit ConnectionBanner(Session *session, QWidget *parent = nullptr);

private:
    void refresh();

    Session *m_session; // Not owned.
    QLabel *m_text;
    QPushButton *m_retry;
    QTimer m_tick;
    QDateTime m_unreachableSince;
    QDateTime m_nextAttempt;
};

} // namespace aegis::console
