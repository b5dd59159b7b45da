#include "views/service_graph_view.h"

#include "views/theme.h"

#include <QGraphicsItem>
#include <QGraphicsScene>
#include <QMouseEvent>
#include <QPainterPath>

#include <algorithm>
#include <cmath>

namespace aegis::console {
namespace {

constexpr double kNodeWidth = 190;
constexpr double kNodeHeight = 54;
constexpr double kColumnGap = 190;
constexpr double kRowGap = 46;
// Node data: its index.
constexpr int kNodeIndexKey = 0;

QColor healthColor(NodeHealth health, const ThemeColors &colors) {
    switch (health) {
    case NodeHealth::Healthy:
        return colors.success;
    case NodeHealth::Degraded:
        return colors.warning;
    case NodeHealth::Failing:
        return colors.danger;
    case NodeHealth::Idle:
        break;
    }
    return colors.muted;
}

QString percent(double ratio) {
    return ratio <= 0 ? QStringLiteral("0 %") : QString::number(ratio * 100, 'g', 2) + " %";
}

} // namespace

ServiceGraphView::ServiceGraphView(QWidget *parent)
    : QGraphicsView(parent) {
    setScene(new QGraphicsScene(this));
    setRenderHint(QPainter::Antialiasing);
    setRenderHint(QPainter::TextAntialiasing);
    setDragMode(QGraphicsView::ScrollHandDrag);
    setAlignment(Qt::AlignCenter);
    setMinimumHeight(200);
}

void ServiceGraphView::setGraph(const ServiceGraph &graph) {
    m_graph = graph;
    m_layout = layoutServiceGraph(graph);
    rebuild();
}

void ServiceGraphView::setMessage(const QString &message) {
    m_message = message;
    rebuild();
}

QPoint ServiceGraphView::nodeCenter(int index) const {
    if (index < 0 || index >= m_nodeRects.size()) {
        return {};
    }
    return mapFromScene(m_nodeRects[index].center());
}

QString ServiceGraphView::edgeText(int index) const {
    return m_edgeTexts.value(index);
}

void ServiceGraphView::rebuild() {
    QGraphicsScene *scene = this->scene();
    scene->clear();
    m_nodeRects.clear();
    m_edgeTexts.clear();
    const ThemeColors colors = themeColors(palette());
    const QColor text = palette().color(QPalette::Text);
    setBackgroundBrush(palette().color(QPalette::Base));
    if (!m_message.isEmpty() || m_graph.nodes.isEmpty()) {
        auto *item = scene->addSimpleText(m_message);
        item->setBrush(colors.muted);
        scene->setSceneRect(item->boundingRect().adjusted(-20, -20, 20, 20));
        return;
    }
    // Columns centred on the tallest.
    QList<int> perLayer(m_layout.layers, 0);
    for (int layer : std::as_const(m_layout.layer)) {
        ++perLayer[layer];
    }
    const double totalHeight = m_layout.rows * (kNodeHeight + kRowGap) - kRowGap;
    for (qsizetype i = 0; i < m_graph.nodes.size(); ++i) {
        const int layer = m_layout.layer[i];
        const double columnHeight = perLayer[layer] * (kNodeHeight + kRowGap) - kRowGap;
        const double x = layer * (kNodeWidth + kColumnGap);
        const double y =
            (totalHeight - columnHeight) / 2 + m_layout.row[i] * (kNodeHeight + kRowGap);
        m_nodeRects.append(QRectF(x, y, kNodeWidth, kNodeHeight));
    }
    QFont small = font();
    small.setPointSizeF(font().pointSizeF() * 0.85);
    QFont bold = font();
    bold.setWeight(QFont::DemiBold);

    QList<QRectF> labelRects;
    for (const ServiceGraphEdge &edge : std::as_const(m_graph.edges)) {
        const QRectF from = m_nodeRects[edge.caller];
        const QRectF to = m_nodeRects[edge.callee];
        const QColor colour = edgeHealth(edge) == NodeHealth::Healthy
                                  ? colors.muted
                                  : healthColor(edgeHealth(edge), colors);
        QPainterPath path;
        QPointF start;
        QPointF end;
        if (edge.caller == edge.callee) {
            start = QPointF(from.center().x() + 30, from.top());
            end = QPointF(from.center().x() - 30, from.top());
            path.moveTo(start);
            path.cubicTo(start + QPointF(30, -60), end + QPointF(-30, -60), end);
        } else if (to.left() > from.right()) {
            start = QPointF(from.right(), from.center().y());
            end = QPointF(to.left(), to.center().y());
            const double bend = (end.x() - start.x()) / 2;
            path.moveTo(start);
            path.cubicTo(start + QPointF(bend, 0), end - QPointF(bend, 0), end);
        } else {
            // A call back to an earlier column (a cycle): around below the boxes.
            start = QPointF(from.center().x(), from.bottom());
            end = QPointF(to.center().x(), to.bottom());
            path.moveTo(start);
            path.cubicTo(start + QPointF(0, kRowGap * 1.5), end + QPointF(0, kRowGap * 1.5), end);
        }
        auto *line = scene->addPath(path, QPen(colour, 1.6 + std::min(3.0, edge.callRate / 20)));
        line->setZValue(0);
        // The arrowhead, along the curve's last direction.
        const QPointF tip = path.pointAtPercent(1);
        const QPointF before = path.pointAtPercent(0.97);
        const double angle = std::atan2(tip.y() - before.y(), tip.x() - before.x());
        QPolygonF head;
        head << tip << tip - QPointF(std::cos(angle - 0.45) * 10, std::sin(angle - 0.45) * 10)
             << tip - QPointF(std::cos(angle + 0.45) * 10, std::sin(angle + 0.45) * 10);
        scene->addPolygon(head, QPen(colour), QBrush(colour))->setZValue(1);

        const QString label = edgeLabel(edge);
        m_edgeTexts.append(label);
        auto *labelItem = scene->addSimpleText(label, small);
        labelItem->setBrush(text);
        const QRectF bounds = labelItem->boundingRect();
        // Along the curve, the first place where the label covers no box and no other label
        // (edges that cross would otherwise print over each other in the middle).
        QPointF place;
        QRectF placed;
        for (const double at : {0.5, 0.35, 0.65, 0.22, 0.78, 0.5}) {
            place = path.pointAtPercent(at) - QPointF(bounds.width() / 2, bounds.height() + 2);
            placed = QRectF(place, bounds.size()).adjusted(-3, -1, 3, 1);
            const auto overlaps = [&placed](const QRectF &other) {
                return placed.intersects(other);
            };
            if (std::none_of(labelRects.cbegin(), labelRects.cend(), overlaps) &&
                std::none_of(m_nodeRects.cbegin(), m_nodeRects.cend(), overlaps)) {
                break;
            }
        }
        labelRects.append(placed);
        labelItem->setPos(place);
        labelItem->setZValue(3);
        QColor plate = palette().color(QPalette::Base);
        plate.setAlpha(225);
        auto *backing = scene->addRect(placed, Qt::NoPen, plate);
        backing->setZValue(2);
    }

    for (qsizetype i = 0; i < m_graph.nodes.size(); ++i) {
        const ServiceGraphNode &node = m_graph.nodes[i];
        const QColor colour = healthColor(nodeHealth(node), colors);
        QColor fill = colour;
        fill.setAlpha(colors.dark ? 70 : 40);
        QPainterPath shape;
        shape.addRoundedRect(m_nodeRects[i], 8, 8);
        auto *box = scene->addPath(shape, QPen(colour, 2), QBrush(palette().color(QPalette::Base)));
        box->setZValue(4);
        box->setData(kNodeIndexKey, int(i));
        box->setCursor(Qt::PointingHandCursor);
        auto *tint = scene->addPath(shape, Qt::NoPen, fill);
        tint->setZValue(5);
        tint->setData(kNodeIndexKey, int(i));
        box->setToolTip(tr("%1\n%2 requests/s, %3 failed\nClick to search its traces")
                            .arg(nodeLabel(node))
                            .arg(node.requestRate, 0, 'g', 3)
                            .arg(percent(node.errorRatio)));
        tint->setToolTip(box->toolTip());
        const QFontMetricsF metrics(bold);
        auto *name = scene->addSimpleText(
            metrics.elidedText(nodeLabel(node), Qt::ElideMiddle, kNodeWidth - 16), bold);
        name->setBrush(text);
        name->setPos(m_nodeRects[i].left() + 8, m_nodeRects[i].top() + 7);
        name->setZValue(6);
        auto *stats = scene->addSimpleText(nodeHealth(node) == NodeHealth::Idle
                                               ? tr("no requests of its own")
                                               : tr("%1/s · %2 err")
                                                     .arg(node.requestRate, 0, 'g', 3)
                                                     .arg(percent(node.errorRatio)),
                                           small);
        stats->setBrush(colors.muted);
        stats->setPos(m_nodeRects[i].left() + 8,
                      m_nodeRects[i].bottom() - 8 - stats->boundingRect().height());
        stats->setZValue(6);
    }
    scene->setSceneRect(scene->itemsBoundingRect().adjusted(-24, -24, 24, 24));
    fit();
}

void ServiceGraphView::fit() {
    const QRectF rect = scene()->sceneRect();
    if (rect.isEmpty()) {
        return;
    }
    // Shrink to fit a large graph; a small one grows a little on a large screen, not more, so
    // its text stays near the size of the rest of the page's.
    resetTransform();
    const double scale =
        std::min({1.3, viewport()->width() / rect.width(), viewport()->height() / rect.height()});
    this->scale(scale, scale);
    centerOn(rect.center());
}

int ServiceGraphView::nodeAt(const QPoint &position) const {
    const QPointF scenePoint = mapToScene(position);
    for (qsizetype i = 0; i < m_nodeRects.size(); ++i) {
        if (m_nodeRects[i].contains(scenePoint)) {
            return int(i);
        }
    }
    return -1;
}

void ServiceGraphView::mouseReleaseEvent(QMouseEvent *event) {
    QGraphicsView::mouseReleaseEvent(event);
    if (event->button() == Qt::LeftButton) {
        const int index = nodeAt(event->pos());
        if (index >= 0) {
            emit nodeActivated(index);
        }
    }
}

void ServiceGraphView::changeEvent(QEvent *event) {
    QGraphicsView::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        rebuild();
    }
}

void ServiceGraphView::resizeEvent(QResizeEvent *event) {
    QGraphicsView::resizeEvent(event);
    fit();
}

} // namespace aegis::console
