#include "views/connection_banner.h"

#include "models/display_format.h"
#include "net/session.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>

namespace aegis::console {

ConnectionBanner::ConnectionBanner(Session *session, QWidget *parent)
    : QFrame(parent)
    , m_session(session)
    , m_text(new QLabel)
    , m_retry(new QPushButton(tr("Retry now"))) {
    setObjectName(QStringLiteral("Banner"));
    m_text->setWordWrap(true);
    m_text->setTextFormat(Qt::RichText);
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(12, 8, 8, 8);
    layout->addWidget(m_text, 1);
    layout->addWidget(m_retry);
    connect(m_retry, &QPushButton::clicked, m_session, &Session::refreshStatus);
    connect(m_session, &Session::stateChanged, this, [this](ConnectionState state) {
        if (state == ConnectionState::Unreachable) {
            if (!m_unreachableSince.isValid()) {
                m_unreachableSince = QDateTime::currentDateTimeUtc();
            }
            m_nextAttempt =
                QDateTime::currentDateTimeUtc().addMSecs(m_session->retryDelay().count());
        } else {
            m_unreachableSince = {};
        }
        refresh();
    });
    // The retry delay changes with each failed attempt even when the state does not.
    connect(&m_tick, &QTimer::timeout, this, [this] {
        if (m_session->state() == ConnectionState::Unreachable &&
            m_nextAttempt < QDateTime::currentDateTimeUtc()) {
            m_nextAttempt =
                QDateTime::currentDateTimeUtc().addMSecs(m_session->retryDelay().count());
        }
        refresh();
    });
    m_tick.setInterval(1000);
    refresh();
}

void ConnectionBanner::refresh() {
    const bool unreachable = m_session->state() == ConnectionState::Unreachable;
    setVisible(unreachable);
    if (!unreachable) {
        m_tick.stop();
        return;
    }
    if (!m_tick.isActive()) {
        m_tick.start();
    }
    const auto &status = m_session->lastStatus();
    const QString stale = status ? tr("Showing data from %1.").arg(absoluteTime(status->receivedAt))
                                 : tr("No data loaded yet.");
    const qint64 wait =
        std::max<qint64>(0, QDateTime::currentDateTimeUtc().msecsTo(m_nextAttempt) / 1000);
    m_text->setText(tr("<b>Daemon unreachable</b> at %1: %2. %3 Retrying in %4 s.")
                        .arg(m_session->settings().address.toHtmlEscaped(),
                             m_session->stateReason().toHtmlEscaped(), stale)
                        .arg(wait));
}

} // namespace aegis::console
