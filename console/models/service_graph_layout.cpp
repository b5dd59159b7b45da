#include "models/service_graph_layout.h"

#include "models/trace_search_form.h"

#include <QCoreApplication>

#include <algorithm>
#include <functional>
#include <numeric>

namespace aegis::console {
namespace {

NodeHealth healthOf(double errorRatio) {
    if (errorRatio >= 0.05) {
        return NodeHealth::Failing;
    }
    if (errorRatio >= 0.01) {
        return NodeHealth::Degraded;
    }
    return NodeHealth::Healthy;
}

QString rateText(double perSecond) {
    if (perSecond >= 100) {
        return QString::number(perSecond, 'f', 0);
    }
    if (perSecond >= 1) {
        return QString::number(perSecond, 'g', 3);
    }
    return QString::number(perSecond, 'g', 2);
}

} // namespace

NodeHealth nodeHealth(const ServiceGraphNode &node) {
    return node.requestRate <= 0 ? NodeHealth::Idle : healthOf(node.errorRatio);
}

NodeHealth edgeHealth(const ServiceGraphEdge &edge) {
    return edge.calls <= 0 && edge.callRate <= 0 ? NodeHealth::Idle : healthOf(edge.errorRatio);
}

QString nodeLabel(const ServiceGraphNode &node) {
    QStringList parts{node.service};
    if (!node.version.isEmpty()) {
        parts.append(node.version);
    }
    if (!node.colour.isEmpty()) {
        parts.append(node.colour);
    }
    return parts.join(QLatin1Char(' '));
}

QString edgeLabel(const ServiceGraphEdge &edge) {
    const QString ratio =
        edge.errorRatio <= 0 ? QStringLiteral("0 %")
        : edge.errorRatio < 0.001
            ? QStringLiteral("<0.1 %")
            : QString::number(edge.errorRatio * 100, 'g', 2) + QStringLiteral(" %");
    return QCoreApplication::translate("ServiceGraph", "%1/s · %2 err · p99 %3")
        .arg(rateText(edge.callRate), ratio, formatDurationNanos(edge.p99Nanos));
}

ServiceGraphLayout layoutServiceGraph(const ServiceGraph &graph) {
    const int count = int(graph.nodes.size());
    ServiceGraphLayout layout;
    layout.layer.fill(0, count);
    layout.row.fill(0, count);
    if (count == 0) {
        return layout;
    }
    QList<QList<int>> callees(count);
    QList<QList<int>> callers(count);
    for (const ServiceGraphEdge &edge : graph.edges) {
        if (edge.caller == edge.callee) {
            continue;
        }
        callees[edge.caller].append(edge.callee);
    }
    // Drop the edges that close a cycle (found depth-first from the nodes in name order), so the
    // rest is acyclic and every node has a longest path from a source.
    std::vector<int> order(count);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&graph](int a, int b) {
        return nodeLabel(graph.nodes[a]) < nodeLabel(graph.nodes[b]);
    });
    enum class Mark { New, Open, Done };
    std::vector<Mark> marks(count, Mark::New);
    QList<QList<int>> forward(count);
    std::function<void(int)> visit = [&](int node) {
        marks[node] = Mark::Open;
        for (int next : std::as_const(callees[node])) {
            if (marks[next] == Mark::Open) {
                continue; // Back edge: a cycle.
            }
            forward[node].append(next);
            if (marks[next] == Mark::New) {
                visit(next);
            }
        }
        marks[node] = Mark::Done;
    };
    // Sources first, so a cycle is broken at the edge that returns to where calls come from.
    std::vector<bool> called(count, false);
    for (int node = 0; node < count; ++node) {
        for (int next : std::as_const(callees[node])) {
            called[next] = true;
        }
    }
    for (int node : order) {
        if (!called[node] && marks[node] == Mark::New) {
            visit(node);
        }
    }
    for (int node : order) {
        if (marks[node] == Mark::New) {
            visit(node);
        }
    }
    for (int node = 0; node < count; ++node) {
        for (int next : std::as_const(forward[node])) {
            callers[next].append(node);
        }
    }
    // Longest path from a source: a node's layer is one past its furthest caller's.
    std::vector<int> memo(count, -1);
    std::function<int(int)> layerOf = [&](int node) {
        if (memo[node] >= 0) {
            return memo[node];
        }
        int layer = 0;
        for (int caller : std::as_const(callers[node])) {
            layer = std::max(layer, layerOf(caller) + 1);
        }
        memo[node] = layer;
        return layer;
    };
    for (int node = 0; node < count; ++node) {
        layout.layer[node] = layerOf(node);
        layout.layers = std::max(layout.layers, layout.layer[node] + 1);
    }
    // Rows: layer by layer, by the mean row of the callers (sources by name).
    QList<QList<int>> byLayer(layout.layers);
    for (int node : order) {
        byLayer[layout.layer[node]].append(node);
    }
    for (QList<int> &members : byLayer) {
        std::vector<double> weight(count, 0);
        for (int node : std::as_const(members)) {
            if (callers[node].isEmpty()) {
                weight[node] = -1;
                continue;
            }
            double sum = 0;
            for (int caller : std::as_const(callers[node])) {
                sum += layout.row[caller];
            }
            weight[node] = sum / double(callers[node].size());
        }
        std::stable_sort(members.begin(), members.end(),
                         [&weight](int a, int b) { return weight[a] < weight[b]; });
        for (int row = 0; row < members.size(); ++row) {
            layout.row[members[row]] = row;
        }
        layout.rows = std::max(layout.rows, int(members.size()));
    }
    return layout;
}

} // namespace aegis::console
