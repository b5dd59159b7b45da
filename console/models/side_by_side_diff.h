#pragma once

#include <QList>
#include <QString>

namespace aegis::console {

// One row of a side-by-side diff: the left (older) and right (newer) line shown beside each
// other. A run of removed lines followed by added ones is paired row by row as changed lines;
// what is left over of the longer run shows against an empty filler on the other side. A gap row
// stands for unchanged lines a diff with context left out.
struct DiffRow {
    enum class Kind { Same, Changed, Removed, Added, Gap };
    Kind kind = Kind::Same;
    // 1-based line numbers; 0 where the side has no line (a filler or a gap).
    int leftLine = 0;
    int rightLine = 0;
    QString left;
    QString right;

    friend bool operator==(const DiffRow &, const DiffRow &) = default;
};

struct SideBySideDiff {
    QList<DiffRow> rows;
    int added = 0;
    int removed = 0;

    bool isEmpty() const { return added == 0 && removed == 0; }
};

// Rows of a unified diff ("--- a / +++ b / @@ -l,n +l,n @@" hunks, as DiffConfigVersions
// answers), with a gap row before each hunk that does not start at line 1.
SideBySideDiff sideBySideFromUnified(const QString &unifiedDiff);

// Every line of both texts, aligned, using the daemon's own line diff (backend/config).
SideBySideDiff sideBySide(const QString &from, const QString &to);

// A run of characters within a line: [start, start + length).
struct CharacterRange {
    int start = 0;
    int length = 0;

    friend bool operator==(const CharacterRange &, const CharacterRange &) = default;
};

// What differs between two versions of one line, per side, in order.
struct LineChange {
    QList<CharacterRange> left;
    QList<CharacterRange> right;

    friend bool operator==(const LineChange &, const LineChange &) = default;
};

// The characters a changed row changes, so a view can mark them within the line: the common
// start and end are kept; between them the longest common subsequence of characters is kept
// too, where both middles are short enough to compare (else the middles are marked whole).
// Unchanged runs of fewer than three characters between two changes count as changed, so a
// replaced word is one mark rather than a scatter of letters. Equal lines give no ranges.
LineChange changedCharacters(const QString &before, const QString &after);

} // namespace aegis::console
