#include "models/trace_results_model.h"

#include "models/display_format.h"
#include "models/trace_search_form.h"

#include <QCoreApplication>

#include <algorithm>
#include <numeric>

namespace aegis::console {
namespace {

MetricLabels scatterLabels(bool errors) {
    return {{QStringLiteral("traces"),
             errors ? QCoreApplication::translate("TraceScatter", "with errors")
                    : QCoreApplication::translate("TraceScatter", "without errors")}};
}

} // namespace

TraceResultsModel::TraceResultsModel(QObject *parent)
    : QAbstractTableModel(parent) {}

void TraceResultsModel::setTraces(const QList<TraceSummary> &traces, bool truncated) {
    beginResetModel();
    m_traces = traces;
    m_truncated = truncated;
    m_longestNanos = 0;
    for (const TraceSummary &trace : m_traces) {
        m_longestNanos = std::max(m_longestNanos, trace.durationNanos);
    }
    endResetModel();
}

void TraceResultsModel::clear() {
    setTraces({}, false);
}

int TraceResultsModel::rowOf(const QString &traceId) const {
    for (int row = 0; row < m_traces.size(); ++row) {
        if (m_traces[row].traceId == traceId) {
            return row;
        }
    }
    return -1;
}

int TraceResultsModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_traces.size());
}

int TraceResultsModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TraceResultsModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    const TraceSummary &trace = m_traces[index.row()];
    switch (role) {
    case TraceIdRole:
        return trace.traceId;
    case DurationFractionRole:
        return m_longestNanos > 0 ? double(trace.durationNanos) / double(m_longestNanos) : 0.0;
    case HasErrorsRole:
        return trace.errorCount > 0;
    case ServiceNamesRole: {
        QStringList names;
        for (const ServiceSpanCount &service : trace.services) {
            names.append(service.service);
        }
        return names;
    }
    case ServiceErrorsRole: {
        QVariantList errors;
        for (const ServiceSpanCount &service : trace.services) {
            errors.append(service.errorCount > 0);
        }
        return errors;
    }
    case SortRole:
        switch (index.column()) {
        case StartColumn:
            return trace.startTime.toMSecsSinceEpoch();
        case RootColumn:
            return trace.rootService + QLatin1Char(' ') + trace.rootOperation;
        case DurationColumn:
            return trace.durationNanos;
        case SpansColumn:
            return trace.spanCount;
        case ErrorsColumn:
            return trace.errorCount;
        case ServicesColumn:
            return int(trace.services.size());
        default:
            return {};
        }
    case Qt::DisplayRole:
        switch (index.column()) {
        case StartColumn: {
            // Today's traces by their time alone (to the millisecond: a burst is told apart).
            const QDateTime local = trace.startTime.toLocalTime();
            return local.date() == QDate::currentDate()
                       ? local.toString(QStringLiteral("HH:mm:ss.zzz"))
                       : monthDayTime(local, true);
        }
        case RootColumn:
            return trace.hasRoot ? tr("%1: %2").arg(trace.rootService, trace.rootOperation)
                                 : tr("%1: %2 (root not received)")
                                       .arg(trace.rootService, trace.rootOperation);
        case DurationColumn:
            return formatDurationNanos(trace.durationNanos);
        case SpansColumn:
            return formatCount(trace.spanCount);
        case ErrorsColumn:
            return trace.errorCount > 0 ? formatCount(trace.errorCount) : QString();
        case ServicesColumn: {
            QStringList names;
            for (const ServiceSpanCount &service : trace.services) {
                names.append(service.service);
            }
            return names.join(QLatin1String(", "));
        }
        default:
            return {};
        }
    case Qt::ToolTipRole:
        if (index.column() == ServicesColumn) {
            QStringList lines;
            for (const ServiceSpanCount &service : trace.services) {
                lines.append(
                    service.errorCount > 0
                        ? tr("%1: %n span(s), %2 with errors", nullptr, service.spanCount)
                              .arg(service.service)
                              .arg(service.errorCount)
                        : tr("%1: %n span(s)", nullptr, service.spanCount).arg(service.service));
            }
            return lines.join(QLatin1Char('\n'));
        }
        return tr("Trace %1, started %2").arg(trace.traceId, absoluteTime(trace.startTime));
    case Qt::TextAlignmentRole:
        if (index.column() == SpansColumn || index.column() == ErrorsColumn) {
            return int(Qt::AlignRight | Qt::AlignVCenter);
        }
        return {};
    default:
        return {};
    }
}

QVariant TraceResultsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return {};
    }
    switch (section) {
    case StartColumn:
        return tr("Start");
    case RootColumn:
        return tr("Root service: operation");
    case DurationColumn:
        return tr("Duration");
    case SpansColumn:
        return tr("Spans");
    case ErrorsColumn:
        return tr("Errors");
    case ServicesColumn:
        return tr("Services");
    default:
        return {};
    }
}

void TraceResultsModel::sort(int column, Qt::SortOrder order) {
    if (column < 0 || column >= ColumnCount) {
        return;
    }
    emit layoutAboutToBeChanged({}, QAbstractItemModel::VerticalSortHint);
    const QModelIndexList before = persistentIndexList();
    QList<QString> idsBefore;
    for (const QModelIndex &index : before) {
        idsBefore.append(m_traces[index.row()].traceId);
    }
    std::vector<int> rows(m_traces.size());
    std::iota(rows.begin(), rows.end(), 0);
    std::stable_sort(rows.begin(), rows.end(), [&](int a, int b) {
        const QVariant left = data(index(a, column), SortRole);
        const QVariant right = data(index(b, column), SortRole);
        const auto ordering = QVariant::compare(left, right);
        return order == Qt::AscendingOrder ? ordering < 0 : ordering > 0;
    });
    QList<TraceSummary> sorted;
    sorted.reserve(m_traces.size());
    for (int row : rows) {
        sorted.append(m_traces[row]);
    }
    m_traces = std::move(sorted);
    QModelIndexList after;
    for (qsizetype i = 0; i < before.size(); ++i) {
        after.append(index(rowOf(idsBefore[i]), before[i].column()));
    }
    changePersistentIndexList(before, after);
    emit layoutChanged({}, QAbstractItemModel::VerticalSortHint);
}

QPair<int, int> TraceScatter::find(const QString &traceId) const {
    for (int s = 0; s < traceIds.size(); ++s) {
        const int point = int(traceIds[s].indexOf(traceId));
        if (point >= 0) {
            return {s, point};
        }
    }
    return {-1, -1};
}

QString traceScatterKey(bool withErrors) {
    return seriesKey(scatterLabels(withErrors));
}

TraceScatter traceScatter(const QList<TraceSummary> &traces) {
    std::vector<int> order(traces.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&traces](int a, int b) { return traces[a].startTime < traces[b].startTime; });
    TraceScatter scatter;
    for (const bool errors : {false, true}) {
        ChartSeries series;
        series.labels = scatterLabels(errors);
        series.key = seriesKey(series.labels);
        QStringList ids;
        for (int i : order) {
            const TraceSummary &trace = traces[i];
            if ((trace.errorCount > 0) != errors) {
                continue;
            }
            series.keys.append(double(trace.startTime.toMSecsSinceEpoch()) / 1000.0);
            series.values.append(double(trace.durationNanos) / 1e9);
            ids.append(trace.traceId);
        }
        if (!series.keys.isEmpty()) {
            scatter.series.append(series);
            scatter.traceIds.append(ids);
        }
    }
    return scatter;
}

} // namespace aegis::console
