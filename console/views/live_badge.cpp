#include "views/live_badge.h"

#include "views/theme.h"

namespace aegis::console {

LiveBadge::LiveBadge(QString liveTip, QString offlineTip, QWidget *parent)
    : QLabel(parent)
    , m_liveTip(std::move(liveTip))
    , m_offlineTip(std::move(offlineTip)) {}

void LiveBadge::showState(ConnectionState connection, bool watchLive, const QString &watchReason) {
    const ThemeColors colors = themeColors(palette());
    QColor tone = colors.muted;
    QString text = tr("Paused");
    QString tip;
    if (connection == ConnectionState::Unreachable) {
        tone = colors.danger;
        text = tr("Offline");
        tip = m_offlineTip;
    } else if (watchLive) {
        tone = colors.success;
        text = tr("Live");
        tip = m_liveTip;
    } else if (!watchReason.isEmpty()) {
        tone = colors.warning;
        text = tr("Reconnecting");
        tip = watchReason;
    }
    setText(QStringLiteral("<span style=\"color:%1\">●</span> %2").arg(tone.name(), text));
    setToolTip(tip);
}

} // namespace aegis::console
