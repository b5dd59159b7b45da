#pragma once

#include <QAbstractListModel>
#include <QList>
#include <QString>
#include <QStringList>

namespace aegis::console {

// The lines of a log as a list, bounded: appending beyond maxLines() drops the oldest. It also
// searches: setSearch() finds every line containing the text (case-insensitive), and a current
// match moves with nextMatch() / previousMatch(), wrapping around. Dropped lines leave the
// matches with them.
class LogLinesModel final : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role {
        // bool: the line contains the search text.
        MatchRole = Qt::UserRole + 1,
        // bool: the line is the current match.
        CurrentMatchRole,
    };

    static constexpr int kDefaultMaxLines = 5000;

    explicit LogLinesModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

    // Appends `lines`, dropping the oldest beyond maxLines().
    void appendLines(const QStringList &lines);
    // Replaces every line with `lines` (the oldest dropped beyond maxLines()).
    void setLines(const QStringList &lines);
    void clear();

    int maxLines() const { return m_maxLines; }
    // At least 1; drops the oldest lines at once when there are more.
    void setMaxLines(int maxLines);
    // How many lines were dropped since the last setLines() or clear().
    qint64 droppedLines() const { return m_dropped; }

    QString search() const { return m_search; }
    // Finds the lines containing `text` (empty: no search); the current match becomes the last
    // one, the newest line.
    void setSearch(const QString &text);
    int matchCount() const { return int(m_matches.size()); }
    // The row of the current match; -1 when there is none.
    int currentMatchRow() const;
    // 0-based position of the current match among the matches; -1 when there is none.
    int currentMatchIndex() const { return m_current; }
    // Moves the current match (wrapping around) and returns its row; -1 without matches.
    int nextMatch();
    int previousMatch();

signals:
    // The matches or the current one changed.
    void matchesChanged();

private:
    void dropOldest();
    bool matches(const QString &line) const;
    void emitMatchRows(int row);

    QStringList m_lines;
    int m_maxLines = kDefaultMaxLines;
    qint64 m_dropped = 0;
    QString m_search;
    // Rows of the matching lines, ascending.
    QList<int> m_matches;
    int m_current = -1;
};

} // namespace aegis::console
