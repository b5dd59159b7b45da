#pragma once

#include "net/api_types.h"

#include <QLabel>

namespace aegis::console {

// The "● Live" marker of a page fed by a watch: Live, Reconnecting (with why), Offline while the
// daemon is unreachable, or Paused when no watch runs.
class LiveBadge final : public QLabel {
    Q_OBJECT
public:
    // `liveTip` and `offlineTip` explain, in the page's words, what live and offline mean.
    LiveBadge(QString liveTip, QString offlineTip, QWidget *parent = nullptr);

    void showState(ConnectionState connection, bool watchLive, const QString &watchReason);

private:
    QString m_liveTip;
    QString m_offlineTip;
};

} // namespace aegis::console
