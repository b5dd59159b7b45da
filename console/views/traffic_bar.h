#pragma once

#include "net/api_types.h"

#include <QList>
#include <QMap>
#include <QRect>
#include <QWidget>

namespace aegis::console {

// The blue/green split of a service's traffic as the router applied it: one bar divided in the
// colours' shares, painted in the same colours as the colour pills, each part labelled with its
// colour, version and percentage (outside the bar when the part is too narrow to hold it). The
// colour traffic moves away from is on the left.
class TrafficBar final : public QWidget {
    Q_OBJECT
public:
    // One coloured part of the bar.
    struct Segment {
        QString colour;
        QString version;
        int percent = 0;
        // Where it is painted (in widget coordinates); empty for a colour at 0 %.
        QRect rect;
        QString label;
        // Whether the label is drawn inside the part (else below it).
        bool labelInside = false;
    };

    explicit TrafficBar(QWidget *parent = nullptr);

    // `fromColour` goes on the left ("" : blue); versions label the parts.
    void setSplit(const TrafficSplit &split, const QString &fromColour = {},
                  const QString &blueVersion = {}, const QString &greenVersion = {});
    void clear();
    // Requests per second each colour serves now (from the metrics backend); a colour without a
    // rate is labelled without one. Empty clears them.
    void setRates(const QMap<QString, double> &requestsPerSecond);
    const QMap<QString, double> &rates() const { return m_rates; }
    const TrafficSplit &split() const { return m_split; }
    bool hasSplit() const { return m_set; }
    // The parts as painted at the current size, left to right (both colours, even at 0 %).
    QList<Segment> segments() const;
    QRect barRect() const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    TrafficSplit m_split;
    bool m_set = false;
    QString m_fromColour;
    QString m_blueVersion;
    QString m_greenVersion;
    QMap<QString, double> m_rates;
};

} // namespace aegis::console
