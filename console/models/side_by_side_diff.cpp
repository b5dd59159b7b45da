#include "models/side_by_side_diff.h"

#include <config/line_diff.h>

#include <QRegularExpression>
#include <QStringList>

#include <limits>

namespace aegis::console {
namespace {

// Pairs the pending removed and added lines into rows.
void flush(QList<DiffRow> &rows, QList<QPair<int, QString>> &removed,
           QList<QPair<int, QString>> &added) {
    const qsizetype paired = std::max(removed.size(), added.size());
    for (qsizetype i = 0; i < paired; ++i) {
        DiffRow row;
        if (i < removed.size()) {
            row.leftLine = removed.at(i).first;
            row.left = removed.at(i).second;
        }
        if (i < added.size()) {
            row.rightLine = added.at(i).first;
            row.right = added.at(i).second;
        }
        row.kind = i < removed.size() && i < added.size() ? DiffRow::Kind::Changed
                   : i < removed.size()                   ? DiffRow::Kind::Removed
                                                          : DiffRow::Kind::Added;
        rows.append(row);
    }
    removed.clear();
    added.clear();
}

} // namespace

SideBySideDiff sideBySideFromUnified(const QString &unifiedDiff) {
    static const QRegularExpression hunkHeader(
        QStringLiteral("^@@ -(\\d+)(?:,(\\d+))? \\+(\\d+)(?:,(\\d+))? @@"));
    SideBySideDiff diff;
    QList<QPair<int, QString>> removed;
    QList<QPair<int, QString>> added;
    int left = 0;
    int right = 0;
    bool inHunk = false;
    QStringList lines = unifiedDiff.split(QLatin1Char('\n'));
    if (!lines.isEmpty() && lines.last().isEmpty()) {
        lines.removeLast();
    }
    for (const QString &line : std::as_const(lines)) {
        if (!inHunk &&
            (line.startsWith(QLatin1String("--- ")) || line.startsWith(QLatin1String("+++ ")))) {
            continue;
        }
        const QRegularExpressionMatch match = hunkHeader.match(line);
        if (match.hasMatch()) {
            flush(diff.rows, removed, added);
            const int from = match.captured(1).toInt();
            const int fromCount = match.captured(2).isEmpty() ? 1 : match.captured(2).toInt();
            const int to = match.captured(3).toInt();
            // An empty side is numbered from the line before it.
            left = fromCount == 0 ? from + 1 : from;
            right = match.captured(4) == QLatin1String("0") ? to + 1 : to;
            if (left > 1 || right > 1 || !diff.rows.isEmpty()) {
                DiffRow gap;
                gap.kind = DiffRow::Kind::Gap;
                gap.left = gap.right = line;
                diff.rows.append(gap);
            }
            inHunk = true;
            continue;
        }
        if (!inHunk || line.startsWith(QLatin1Char('\\'))) {
            continue; // Before the first hunk, or "\ No newline at end of file".
        }
        const QChar marker = line.isEmpty() ? QLatin1Char(' ') : line.at(0);
        const QString text = line.mid(1);
        if (marker == QLatin1Char('-')) {
            if (!added.isEmpty()) {
                flush(diff.rows, removed, added);
            }
            removed.append({left++, text});
            ++diff.removed;
        } else if (marker == QLatin1Char('+')) {
            added.append({right++, text});
            ++diff.added;
        } else {
            flush(diff.rows, removed, added);
            diff.rows.append({DiffRow::Kind::Same, left++, right++, text, text});
        }
    }
    flush(diff.rows, removed, added);
    return diff;
}

SideBySideDiff sideBySide(const QString &from, const QString &to) {
    const QByteArray a = from.toUtf8();
    const QByteArray b = to.toUtf8();
    // Context as long as the texts: one hunk with every line.
    const int context = static_cast<int>(std::min<qsizetype>(
        std::numeric_limits<int>::max() / 4, std::max(a.count('\n'), b.count('\n')) + 2));
    const config::UnifiedDiff unified =
        config::unifiedDiff(std::string_view(a.constData(), a.size()),
                            std::string_view(b.constData(), b.size()), "a", "b", context);
    SideBySideDiff diff = sideBySideFromUnified(QString::fromStdString(unified.text));
    if (diff.rows.isEmpty()) {
        // Equal texts: no hunk at all.
        QStringList lines = to.split(QLatin1Char('\n'));
        if (!lines.isEmpty() && lines.last().isEmpty()) {
            lines.removeLast();
        }
        for (int i = 0; i < lines.size(); ++i) {
            diff.rows.append({DiffRow::Kind::Same, i + 1, i + 1, lines.at(i), lines.at(i)});
        }
    }
    return diff;
}

} // namespace aegis::console
