#pragma once

#include <QColor>
#include <QFrame>

class QLabel;

namespace aegis::console {

// A small card with a caption, a large value and a muted detail line (Overview page).
class StatCard final : public QFrame {
    Q_OBJECT
public:
    explicit StatCard(const QString &caption, QWidget *parent = nullptr);

    void setValue(const QString &value, const QString &detail = {});
    QString value() const;
    // Dims the value to mark it as last known rather than current.
    void setStale(bool stale);
    // Paints the value in `tone` (an invalid colour: the text colour), to draw the eye to it.
    void setValueTone(const QColor &tone);

private:
    QLabel *m_value;
    QLabel *m_detail;
};

} // namespace aegis::console
