#pragma once

#include <QString>
#include <QWidget>

class QFrame;
class QHBoxLayout;
class QLabel;
class QVBoxLayout;

namespace aegis::console {

class LiveBadge;
class PageHeader;
class Session;

// What a page's status line says: loading, why the last load failed, not loaded yet, or what the
// page shows, in that order of precedence; the last action's outcome follows.
struct PageStatus {
    // A load is under way whose result the page waits for (say, the first after a connect).
    bool loading = false;
    // Why the last load failed, in the page's words; empty when it did not.
    QString failure;
    // The first complete load arrived.
    bool loaded = false;
    // What the page shows, once loaded.
    QString summary;
    // The outcome of the last action, shown after the rest.
    QString note;
};

// The frame every page is built in: a header (title, subtitle and, on the right, the page's
// actions and, for a page fed by a watch, its Live badge), the connection banner, a banner for an
// error that stays until dismissed, the page's body, and a status line (PageStatus) with optional
// widgets beside it. The badge follows the session's connection and the watch state the page
// reports through setWatchState().
class PageSkeleton final : public QWidget {
    Q_OBJECT
public:
    // `session` is not owned and must outlive the page.
    PageSkeleton(Session *session, const QString &title, const QString &subtitle,
                 QWidget *parent = nullptr);

    PageHeader *header() const { return m_header; }
    void setSubtitle(const QString &subtitle);
    // Adds a widget to the header's right-hand side; the skeleton takes ownership.
    void addHeaderWidget(QWidget *widget);
    // Adds the Live badge (once, before the other header widgets); the tips say, in the page's
    // words, what live and offline mean.
    void addLiveBadge(const QString &liveTip, const QString &offlineTip);
    // The page's watch opened (`live`) or closed, with why; a stopped watch is (false, {}).
    void setWatchState(bool live, const QString &reason);
    bool isWatchLive() const { return m_watchLive; }

    // Sets the page's content, between the banners and the status line; the skeleton takes
    // ownership. Once only.
    void setBody(QWidget *body);
    // Adds a widget to the right of the status line; the skeleton takes ownership.
    void addStatusWidget(QWidget *widget);
    void showStatus(const PageStatus &status);
    QString statusText() const;

    // Shows `text` in the error banner until it is dismissed or replaced; empty hides it.
    void showError(const QString &text);
    QString errorText() const { return m_errorText; }

signals:
    // The operator dismissed the error banner.
    void errorDismissed();

private:
    void updateBadge();

    Session *m_session; // Not owned.
    PageHeader *m_header;
    LiveBadge *m_liveBadge = nullptr;
    QFrame *m_errorBanner;
    QLabel *m_errorLabel;
    QVBoxLayout *m_layout;
    QHBoxLayout *m_statusRow;
    QLabel *m_status;
    QString m_errorText;
    bool m_watchLive = false;
    QString m_watchReason;
};

} // namespace aegis::console
