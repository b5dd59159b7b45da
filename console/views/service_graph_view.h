#pragma once

#include "models/service_graph_layout.h"
#include "net/trace_types.h"

#include <QGraphicsView>

namespace aegis::console {

// The service dependency graph: one box per service (or per release of one, when the graph is
// split by release) coloured by its health — the share of its requests that failed — with its
// request rate, and one arrow per caller and callee labelled with the call rate, the error ratio
// and the p99, coloured the same way. Callers stand left of their callees (layoutServiceGraph).
// A click on a box emits nodeActivated; a drag pans a graph larger than the view.
class ServiceGraphView final : public QGraphicsView {
    Q_OBJECT
public:
    explicit ServiceGraphView(QWidget *parent = nullptr);

    void setGraph(const ServiceGraph &graph);
    const ServiceGraph &graph() const { return m_graph; }
    const ServiceGraphLayout &layout() const { return m_layout; }
    // A line in place of the graph ("No calls between services in the last 15 minutes").
    void setMessage(const QString &message);
    QString message() const { return m_message; }
    // Where node `index` is drawn, in the view's coordinates (tests click it).
    QPoint nodeCenter(int index) const;
    // The text of edge `index`'s label.
    QString edgeText(int index) const;

signals:
    void nodeActivated(int index);

protected:
    void mouseReleaseEvent(QMouseEvent *event) override;
    void changeEvent(QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    void rebuild();
    void fit();
    int nodeAt(const QPoint &position) const;

    ServiceGraph m_graph;
    ServiceGraphLayout m_layout;
    QString m_message;
    QList<QRectF> m_nodeRects;
    QStringList m_edgeTexts;
};

} // namespace aegis::console
