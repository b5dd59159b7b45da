#pragma once

#include "net/trace_types.h"

#include <QList>
#include <QString>

namespace aegis::console {

// How a node of the service graph is doing, from the share of its requests that failed.
enum class NodeHealth {
    // No requests of its own in the window (an uninstrumented peer, a caller only).
    Idle,
    // Below 1 % errors.
    Healthy,
    // 1 % to 5 %.
    Degraded,
    // 5 % and more.
    Failing,
};
NodeHealth nodeHealth(const ServiceGraphNode &node);
// The same bands for an edge's error ratio.
NodeHealth edgeHealth(const ServiceGraphEdge &edge);

// What a node is called: its service, or "service 1.4.2 green" when the graph is split by
// release.
QString nodeLabel(const ServiceGraphNode &node);
// The edge's label: call rate, error ratio and p99 ("3.5/s · 7 % err · p99 1.45 s").
QString edgeLabel(const ServiceGraphEdge &edge);

// Where the nodes go: layers from left (callers) to right (callees), each node in the layer
// after the furthest of its callers (calls that close a cycle are not followed), and within a
// layer an order that keeps edges short (callers' mean position, then name).
struct ServiceGraphLayout {
    // Per node.
    QList<int> layer;
    QList<int> row;
    int layers = 0;
    // The most nodes in one layer.
    int rows = 0;
};
ServiceGraphLayout layoutServiceGraph(const ServiceGraph &graph);

} // namespace aegis::console
