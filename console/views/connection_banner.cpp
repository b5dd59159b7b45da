#include "views/connection_banner.h"

#include "models/display_format.h"
#include "net/api_client.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>

namespace aegis::console {

ConnectionBanner::ConnectionBanner(ApiClient *api, QWidget *parent)
    : QFrame(parent)
    , m_api(api)
    , m_text(new QLabel)
    , m_retry(new QPushButton(tr("Retry now"))) {
    setObjectName(QStringLiteral("Banner"));
    m_text->setWordWrap(true);
    m_text->setTextFormat(Qt::RichText);
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(12, 8, 8, 8);
    layout->addWidget(m_text, 1);
    layout->addWidget(m_retry);
    connect(m_retry, &QPushButton::clicked, m_api, &ApiClient::refreshStatus);
    connect(m_api, &ApiClient::stateChanged, this, [this](ConnectionState state) {
        if (state == ConnectionState::Unreachable) {
            if (!m_unreachableSince.isValid()) {
                m_unreachableSince = QDateTime::currentDateTimeUtc();
            }
            m_nextAttempt = QDateTime::currentDateTimeUtc().addMSecs(m_api->retryDelay().count());
        } else {
            m_unreachableSince = {};
        }
        refresh();
    });
    // The retry delay changes with each failed attempt even when the state does not.
    connect(&m_tick, &QTimer::timeout, this, [this] {
        if (m_api->state() == ConnectionState::Unreachable &&
            m_nextAttempt < QDateTime::currentDateTimeUtc()) {
            m_nextAttempt = QDateTime::currentDateTimeUtc().addMSecs(m_api->retryDelay().count());
        }
        refresh();
    });
    m_tick.setInterval(1000);
    refresh();
}

void ConnectionBanner::refresh() {
    const bool unreachable = m_api->state() == ConnectionState::Unreachable;
    setVisible(unreachable);
    if (!unreachable) {
        m_tick.stop();
        return;
    }
    if (!m_tick.isActive()) {
        m_tick.start();
    }
    const auto &status = m_api->lastStatus();
    const QString stale = status ? tr("Showing data from %1.").arg(absoluteTime(status->receivedAt))
                                 : tr("No data loaded yet.");
    const qint64 wait =
        std::max<qint64>(0, QDateTime::currentDateTimeUtc().msecsTo(m_nextAttempt) / 1000);
    m_text->setText(tr("<b>Daemon unreachable</b> at %1: %2. %3 Retrying in %4 s.")
                        .arg(m_api->settings().address.toHtmlEscaped(),
                             m_api->stateReason().toHtmlEscaped(), stale)
                        .arg(wait));
}

} // namespace aegis::console
