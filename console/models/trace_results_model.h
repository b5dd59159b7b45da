#pragma once

#include "models/chart_series.h"
#include "net/trace_types.h"

#include <QAbstractTableModel>

namespace aegis::console {

// A trace search's results, one row per trace: when it started, its root service and operation,
// its duration (with the share of the longest in the list, for the bar), its spans, its errors
// and the services it touched (the chips). Newest first until sorted by a column.
class TraceResultsModel final : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        StartColumn,
        RootColumn,
        DurationColumn,
        SpansColumn,
        ErrorsColumn,
        ServicesColumn,
        ColumnCount
    };
    enum Role {
        TraceIdRole = Qt::UserRole + 1,
        // The duration over the longest in the list, 0 to 1.
        DurationFractionRole,
        // Whether any span of the trace failed.
        HasErrorsRole,
        // The services' names, in the order the daemon gave (most spans first).
        ServiceNamesRole,
        // Per service, whether it had errors (parallel to ServiceNamesRole).
        ServiceErrorsRole,
        // The value sort() orders by.
        SortRole,
    };

    explicit TraceResultsModel(QObject *parent = nullptr);

    void setTraces(const QList<TraceSummary> &traces, bool truncated);
    void clear();
    const QList<TraceSummary> &traces() const { return m_traces; }
    bool isTruncated() const { return m_truncated; }
    const TraceSummary &trace(int row) const { return m_traces.at(row); }
    // The row of `traceId`, -1 when it is not listed.
    int rowOf(const QString &traceId) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

private:
    QList<TraceSummary> m_traces;
    qint64 m_longestNanos = 0;
    bool m_truncated = false;
};

// The scatter of a search's traces: duration (seconds) over start time (seconds since the
// epoch), traces without errors and traces with errors as two series (keys ascending), with the
// trace id of every point.
struct TraceScatter {
    QList<ChartSeries> series;
    // traceIds[s][i] is the trace of point i of series s.
    QList<QStringList> traceIds;
    // Where trace `id` is: {series, point}; {-1, -1} when it is not there.
    QPair<int, int> find(const QString &traceId) const;
};
TraceScatter traceScatter(const QList<TraceSummary> &traces);
// The key of the scatter's series of traces with errors (without).
QString traceScatterKey(bool withErrors);

} // namespace aegis::console
