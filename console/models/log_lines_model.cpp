#include "models/log_lines_model.h"

#include <algorithm>

namespace aegis::console {

LogLinesModel::LogLinesModel(QObject *parent)
    : QAbstractListModel(parent) {}

int LogLinesModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_lines.size());
}

QVariant LogLinesModel::data(const QModelIndex &index, int role) const {
    if (!index.isValid() || index.row() >= m_lines.size()) {
        return {};
    }
    switch (role) {
    case Qt::DisplayRole:
    case Qt::ToolTipRole:
        return m_lines.at(index.row());
    case MatchRole:
        return std::binary_search(m_matches.begin(), m_matches.end(), index.row());
    case CurrentMatchRole:
        return index.row() == currentMatchRow();
    default:
        return {};
    }
}

bool LogLinesModel::matches(const QString &line) const {
    return !m_search.isEmpty() && line.contains(m_search, Qt::CaseInsensitive);
}

void LogLinesModel::appendLines(const QStringList &lines) {
    if (lines.isEmpty()) {
        return;
    }
    // Only the newest maxLines of a large batch are ever shown.
    const qsizetype skip = std::max<qsizetype>(0, lines.size() - m_maxLines);
    m_dropped += skip;
    const int first = int(m_lines.size());
    const int count = int(lines.size() - skip);
    beginInsertRows({}, first, first + count - 1);
    for (qsizetype i = skip; i < lines.size(); ++i) {
        if (matches(lines.at(i))) {
            m_matches.append(int(m_lines.size()));
        }
        m_lines.append(lines.at(i));
    }
    endInsertRows();
    dropOldest();
    if (!m_search.isEmpty()) {
        if (m_current < 0 && !m_matches.isEmpty()) {
            m_current = int(m_matches.size()) - 1;
        }
        emit matchesChanged();
    }
}

void LogLinesModel::setLines(const QStringList &lines) {
    beginResetModel();
    m_lines.clear();
    m_matches.clear();
    m_dropped = 0;
    endResetModel();
    appendLines(lines);
    setSearch(m_search);
}

void LogLinesModel::clear() {
    setLines({});
}

void LogLinesModel::setMaxLines(int maxLines) {
    m_maxLines = std::max(1, maxLines);
    dropOldest();
}

void LogLinesModel::dropOldest() {
    const int excess = int(m_lines.size()) - m_maxLines;
    if (excess <= 0) {
        return;
    }
    beginRemoveRows({}, 0, excess - 1);
    m_lines.remove(0, excess);
    m_dropped += excess;
    const int current = currentMatchRow();
    QList<int> kept;
    for (int row : std::as_const(m_matches)) {
        if (row >= excess) {
            kept.append(row - excess);
        }
    }
    m_matches = kept;
    if (m_matches.isEmpty()) {
        m_current = -1;
    } else if (current < 0) {
        m_current = int(m_matches.size()) - 1;
    } else if (current < excess) {
        m_current = 0; // the current match was dropped: the oldest left
    } else {
        m_current = int(std::lower_bound(m_matches.begin(), m_matches.end(), current - excess) -
                        m_matches.begin());
    }
    endRemoveRows();
    if (!m_search.isEmpty()) {
        emit matchesChanged();
    }
}

void LogLinesModel::setSearch(const QString &text) {
    const int before = currentMatchRow();
    const QList<int> previous = m_matches;
    m_search = text;
    m_matches.clear();
    for (int row = 0; row < m_lines.size(); ++row) {
        if (matches(m_lines.at(row))) {
            m_matches.append(row);
        }
    }
    m_current = m_matches.isEmpty() ? -1 : int(m_matches.size()) - 1;
    if (!m_lines.isEmpty() && (previous != m_matches || before != currentMatchRow())) {
        emit dataChanged(index(0), index(int(m_lines.size()) - 1), {MatchRole, CurrentMatchRole});
    }
    emit matchesChanged();
}

int LogLinesModel::currentMatchRow() const {
    return m_current < 0 || m_current >= m_matches.size() ? -1 : m_matches.at(m_current);
}

void LogLinesModel::emitMatchRows(int row) {
    if (row >= 0) {
        emit dataChanged(index(row), index(row), {CurrentMatchRole});
    }
}

int LogLinesModel::nextMatch() {
    if (m_matches.isEmpty()) {
        return -1;
    }
    const int before = currentMatchRow();
    m_current = (m_current + 1) % int(m_matches.size());
    emitMatchRows(before);
    emitMatchRows(currentMatchRow());
    emit matchesChanged();
    return currentMatchRow();
}

int LogLinesModel::previousMatch() {
    if (m_matches.isEmpty()) {
        return -1;
    }
    const int before = currentMatchRow();
    m_current = (m_current - 1 + int(m_matches.size())) % int(m_matches.size());
    emitMatchRows(before);
    emitMatchRows(currentMatchRow());
    emit matchesChanged();
    return currentMatchRow();
}

} // namespace aegis::console
