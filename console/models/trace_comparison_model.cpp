#include "models/trace_comparison_model.h"

#include "models/display_format.h"
#include "models/trace_search_form.h"

#include <algorithm>

namespace aegis::console {
namespace {

constexpr qint64 kNotableNanos = 1000000;
constexpr double kNotableShare = 0.2;

QString lastStep(const QString &path) {
    const qsizetype separator = path.lastIndexOf(QLatin1String(" > "));
    return separator < 0 ? path : path.mid(separator + 3);
}

QString deltaText(qint64 left, qint64 right) {
    const qint64 delta = right - left;
    if (delta == 0) {
        return QString();
    }
    const QString amount = formatDurationNanos(std::abs(delta));
    return delta > 0 ? QStringLiteral("+") + amount : QStringLiteral("−") + amount;
}

} // namespace

PathDifference pathDifference(const TracePathComparison &path) {
    if (path.leftCount == 0 && path.rightCount > 0) {
        return PathDifference::OnlyRight;
    }
    if (path.rightCount == 0 && path.leftCount > 0) {
        return PathDifference::OnlyLeft;
    }
    if (path.leftCount != path.rightCount) {
        return PathDifference::CountDiffers;
    }
    const qint64 delta = path.rightDurationNanos - path.leftDurationNanos;
    const qint64 base =
        std::max<qint64>(1, std::min(path.leftDurationNanos, path.rightDurationNanos));
    if (std::abs(delta) >= kNotableNanos &&
        double(std::abs(delta)) / double(base) >= kNotableShare) {
        return delta > 0 ? PathDifference::Slower : PathDifference::Faster;
    }
    return PathDifference::Same;
}

TraceComparisonModel::TraceComparisonModel(QObject *parent)
    : QAbstractTableModel(parent) {}

void TraceComparisonModel::setComparison(const TraceComparison &comparison) {
    beginResetModel();
    m_comparison = comparison;
    endResetModel();
}

void TraceComparisonModel::clear() {
    setComparison({});
}

int TraceComparisonModel::differenceCount() const {
    return int(std::count_if(m_comparison.paths.cbegin(), m_comparison.paths.cend(),
                             [](const TracePathComparison &path) {
                                 return pathDifference(path) != PathDifference::Same;
                             }));
}

int TraceComparisonModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_comparison.paths.size());
}

int TraceComparisonModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TraceComparisonModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    const TracePathComparison &path = m_comparison.paths[index.row()];
    switch (role) {
    case DifferenceRole:
        return static_cast<int>(pathDifference(path));
    case DepthRole:
        return path.depth;
    case Qt::ToolTipRole:
        return path.path;
    case Qt::TextAlignmentRole:
        return index.column() == PathColumn ? QVariant()
                                            : QVariant(int(Qt::AlignRight | Qt::AlignVCenter));
    case Qt::DisplayRole:
        switch (index.column()) {
        case PathColumn:
            return QString(path.depth * 2, QLatin1Char(' ')) + lastStep(path.path);
        case LeftCountColumn:
            return path.leftCount;
        case RightCountColumn:
            return path.rightCount;
        case LeftDurationColumn:
            return path.leftCount > 0 ? formatDurationNanos(path.leftDurationNanos) : QString();
        case RightDurationColumn:
            return path.rightCount > 0 ? formatDurationNanos(path.rightDurationNanos) : QString();
        case DeltaColumn:
            return deltaText(path.leftDurationNanos, path.rightDurationNanos);
        case LeftErrorsColumn:
            return path.leftErrors > 0 ? QVariant(path.leftErrors) : QVariant();
        case RightErrorsColumn:
            return path.rightErrors > 0 ? QVariant(path.rightErrors) : QVariant();
        default:
            return {};
        }
    default:
        return {};
    }
}

QVariant TraceComparisonModel::headerData(int section, Qt::Orientation orientation,
                                          int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return {};
    }
    switch (section) {
    case PathColumn:
        return tr("Path (service: operation)");
    case LeftCountColumn:
        return tr("Left ×");
    case RightCountColumn:
        return tr("Right ×");
    case LeftDurationColumn:
        return tr("Left time");
    case RightDurationColumn:
        return tr("Right time");
    case DeltaColumn:
        return tr("Change");
    case LeftErrorsColumn:
        return tr("Left errors");
    case RightErrorsColumn:
        return tr("Right errors");
    default:
        return {};
    }
}

} // namespace aegis::console
