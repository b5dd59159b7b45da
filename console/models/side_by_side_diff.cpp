#include "models/side_by_side_diff.h"

#include <config/line_diff.h>

#include <QRegularExpression>
#include <QStringList>

#include <limits>
#include <vector>

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

// Above this many character pairs the middles of two lines are not compared character by
// character (the comparison's table would be too big to build on the GUI thread).
constexpr qsizetype kMaxCompared = 200'000;
// Equal runs shorter than this between two changes are absorbed into them.
constexpr int kMinKeptRun = 3;

enum class Op { Equal, Delete, Insert };

// One step of an edit script; consecutive steps of the same op are merged.
struct Step {
    Op op;
    int length;
};

void push(std::vector<Step> &steps, Op op, int length) {
    if (length <= 0) {
        return;
    }
    if (!steps.empty() && steps.back().op == op) {
        steps.back().length += length;
    } else {
        steps.push_back({op, length});
    }
}

// The edit script from `a` to `b` through their longest common subsequence.
std::vector<Step> script(QStringView a, QStringView b) {
    const auto n = static_cast<size_t>(a.size());
    const auto m = static_cast<size_t>(b.size());
    std::vector<Step> steps;
    if (n == 0 || m == 0 || static_cast<qsizetype>(n * m) > kMaxCompared) {
        push(steps, Op::Delete, static_cast<int>(n));
        push(steps, Op::Insert, static_cast<int>(m));
        return steps;
    }
    // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
    std::vector<std::vector<int>> lcs(n + 1, std::vector<int>(m + 1, 0));
    for (size_t i = n; i-- > 0;) {
        for (size_t j = m; j-- > 0;) {
            lcs[i][j] = a[static_cast<qsizetype>(i)] == b[static_cast<qsizetype>(j)]
                            ? lcs[i + 1][j + 1] + 1
                            : std::max(lcs[i + 1][j], lcs[i][j + 1]);
        }
    }
    size_t i = 0;
    size_t j = 0;
    while (i < n && j < m) {
        if (a[static_cast<qsizetype>(i)] == b[static_cast<qsizetype>(j)]) {
            push(steps, Op::Equal, 1);
            ++i;
            ++j;
        } else if (lcs[i + 1][j] >= lcs[i][j + 1]) {
            push(steps, Op::Delete, 1);
            ++i;
        } else {
            push(steps, Op::Insert, 1);
            ++j;
        }
    }
    push(steps, Op::Delete, static_cast<int>(n - i));
    push(steps, Op::Insert, static_cast<int>(m - j));
    return steps;
}

void mark(QList<CharacterRange> &ranges, int start, int length) {
    if (length <= 0) {
        return;
    }
    if (!ranges.isEmpty() && ranges.last().start + ranges.last().length == start) {
        ranges.last().length += length;
    } else {
        ranges.append({start, length});
    }
}

} // namespace

LineChange changedCharacters(const QString &before, const QString &after) {
    LineChange change;
    if (before == after) {
        return change;
    }
    qsizetype prefix = 0;
    const qsizetype shorter = std::min(before.size(), after.size());
    while (prefix < shorter && before.at(prefix) == after.at(prefix)) {
        ++prefix;
    }
    qsizetype suffix = 0;
    while (suffix < shorter - prefix &&
           before.at(before.size() - 1 - suffix) == after.at(after.size() - 1 - suffix)) {
        ++suffix;
    }
    const QStringView left = QStringView(before).mid(prefix, before.size() - prefix - suffix);
    const QStringView right = QStringView(after).mid(prefix, after.size() - prefix - suffix);
    std::vector<Step> steps = script(left, right);
    // Short equal runs between changes become part of the change on both sides.
    for (size_t k = 1; k + 1 < steps.size(); ++k) {
        if (steps[k].op == Op::Equal && steps[k].length < kMinKeptRun) {
            const int length = steps[k].length;
            steps[k] = {Op::Delete, length};
            steps.insert(steps.begin() + static_cast<std::ptrdiff_t>(k) + 1, {Op::Insert, length});
        }
    }
    int x = static_cast<int>(prefix);
    int y = static_cast<int>(prefix);
    for (const Step &step : steps) {
        switch (step.op) {
        case Op::Equal:
            x += step.length;
            y += step.length;
            break;
        case Op::Delete:
            mark(change.left, x, step.length);
            x += step.length;
            break;
        case Op::Insert:
            mark(change.right, y, step.length);
            y += step.length;
            break;
        }
    }
    return change;
}

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
