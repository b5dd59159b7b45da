#include "views/page_skeleton.h"

#include "net/session.h"
#include "views/connection_banner.h"
#include "views/live_badge.h"
#include "views/page_header.h"
#include "views/view_helpers.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace aegis::console {

PageSkeleton::PageSkeleton(Session *session, const QString &title, const QString &subtitle,
                           QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_header(new PageHeader(title, subtitle))
    , m_errorLabel(new QLabel)
    , m_layout(new QVBoxLayout(this))
    , m_statusRow(new QHBoxLayout)
    , m_status(new QLabel) {
    auto *dismiss = new QPushButton(tr("Dismiss"));
    m_errorBanner = banner(QStringLiteral("ErrorBanner"), m_errorLabel, dismiss);
    connect(dismiss, &QPushButton::clicked, this, [this] {
        showError({});
        emit errorDismissed();
    });
    m_status->setObjectName(QStringLiteral("PageSubtitle"));
    // A long status wraps rather than widen the window.
    m_status->setWordWrap(true);
    // Shown once the page reports a status; a page without one (Overview) has no status line.
    m_status->hide();
    m_statusRow->addWidget(m_status, 1);

    m_layout->setContentsMargins(28, 24, 28, 20);
    m_layout->setSpacing(14);
    m_layout->addWidget(m_header);
    m_layout->addWidget(new ConnectionBanner(session));
    m_layout->addWidget(m_errorBanner);
    m_layout->addLayout(m_statusRow);
    connect(session, &Session::stateChanged, this, &PageSkeleton::updateBadge);
}

void PageSkeleton::setSubtitle(const QString &subtitle) {
    m_header->setSubtitle(subtitle);
}

void PageSkeleton::addHeaderWidget(QWidget *widget) {
    m_header->addTrailingWidget(widget);
}

void PageSkeleton::addLiveBadge(const QString &liveTip, const QString &offlineTip) {
    m_liveBadge = new LiveBadge(liveTip, offlineTip);
    m_header->addTrailingWidget(m_liveBadge);
    updateBadge();
}

void PageSkeleton::setWatchState(bool live, const QString &reason) {
    m_watchLive = live;
    m_watchReason = reason;
    updateBadge();
}

void PageSkeleton::updateBadge() {
    if (m_liveBadge) {
        m_liveBadge->showState(m_session->state(), m_watchLive, m_watchReason);
    }
}

void PageSkeleton::setBody(QWidget *body) {
    // Between the error banner and the status line.
    m_layout->insertWidget(m_layout->count() - 1, body, 1);
}

void PageSkeleton::addStatusWidget(QWidget *widget) {
    m_statusRow->addWidget(widget);
}

void PageSkeleton::showStatus(const PageStatus &status) {
    QString text;
    if (status.loading) {
        text = tr("Loading…");
    } else if (!status.failure.isEmpty()) {
        text = status.failure;
    } else if (!status.loaded) {
        text = tr("Not loaded yet");
    } else {
        text = status.summary;
    }
    if (!status.note.isEmpty()) {
        text += QStringLiteral("  ·  ") + status.note;
    }
    m_status->setText(text);
    m_status->setVisible(!text.isEmpty());
}

QString PageSkeleton::statusText() const {
    return m_status->text();
}

void PageSkeleton::showError(const QString &text) {
    m_errorText = text;
    m_errorLabel->setText(text);
    m_errorBanner->setVisible(!text.isEmpty());
}

} // namespace aegis::console
