#include "config/line_diff.h"

#include <algorithm>

namespace aegis::config {
namespace {

std::vector<std::string_view> splitLines(std::string_view text) {
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        const auto end = text.find('\n', start);
        if (end == std::string_view::npos) {
            lines.push_back(text.substr(start));
            break;
        }
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

enum class Op { Keep, Remove, Add };

// The trace kept for the walk back costs (edit distance) × (n + m) integers: past this many, the
// texts are too different for a line diff to help, and the script replaces everything.
constexpr std::size_t kMaxTraceCells = 32 * 1024 * 1024;

// The shortest edit script from a to b (Myers 1986, with the trace kept for the walk back), or
// "remove all, add all" when that would take more than kMaxTraceCells.
std::vector<Op> editScript(const std::vector<std::string_view> &a,
                           const std::vector<std::string_view> &b) {
    const int n = static_cast<int>(a.size());
    const int m = static_cast<int>(b.size());
    const int max = n + m;
    const std::size_t row = static_cast<std::size_t>(2 * max + 3);
    const int maxD = static_cast<int>(std::min<std::size_t>(max, kMaxTraceCells / row));
    const int offset = max + 1;
    std::vector<int> v(static_cast<std::size_t>(2 * max + 3), 0);
    std::vector<std::vector<int>> trace;
    int found = -1;
    for (int d = 0; d <= maxD && found < 0; ++d) {
        trace.push_back(v);
        for (int k = -d; k <= d; k += 2) {
            int x = (k == -d || (k != d && v[static_cast<std::size_t>(offset + k - 1)] <
                                               v[static_cast<std::size_t>(offset + k + 1)]))
                        ? v[static_cast<std::size_t>(offset + k + 1)]
                        : v[static_cast<std::size_t>(offset + k - 1)] + 1;
            int y = x - k;
            while (x < n && y < m &&
                   a[static_cast<std::size_t>(x)] == b[static_cast<std::size_t>(y)]) {
                ++x;
                ++y;
            }
            v[static_cast<std::size_t>(offset + k)] = x;
            if (x >= n && y >= m) {
                found = d;
                break;
            }
        }
    }
    std::vector<Op> ops;
    if (found < 0) {
        ops.assign(static_cast<std::size_t>(n), Op::Remove);
        ops.insert(ops.end(), static_cast<std::size_t>(m), Op::Add);
        return ops;
    }
    int x = n;
    int y = m;
    for (int d = found; d > 0; --d) {
        const std::vector<int> &previous = trace[static_cast<std::size_t>(d)];
        const int k = x - y;
        const bool down =
            k == -d || (k != d && previous[static_cast<std::size_t>(offset + k - 1)] <
                                      previous[static_cast<std::size_t>(offset + k + 1)]);
        const int previousK = down ? k + 1 : k - 1;
        const int previousX = previous[static_cast<std::size_t>(offset + previousK)];
        const int previousY = previousX - previousK;
        while (x > previousX && y > previousY) {
            ops.push_back(Op::Keep);
            --x;
            --y;
        }
        ops.push_back(down ? Op::Add : Op::Remove);
        x = previousX;
        y = previousY;
    }
    while (x > 0 && y > 0) {
        ops.push_back(Op::Keep);
        --x;
        --y;
    }
    std::reverse(ops.begin(), ops.end());
    return ops;
}

} // namespace

UnifiedDiff unifiedDiff(std::string_view from, std::string_view to, std::string_view fromName,
                        std::string_view toName, int context) {
    UnifiedDiff diff;
    if (from == to) {
        return diff;
    }
    const auto a = splitLines(from);
    const auto b = splitLines(to);
    const auto ops = editScript(a, b);
    // Positions in a and b before each op.
    std::vector<std::pair<int, int>> at;
    at.reserve(ops.size() + 1);
    int ia = 0;
    int ib = 0;
    for (Op op : ops) {
        at.emplace_back(ia, ib);
        ia += op == Op::Add ? 0 : 1;
        ib += op == Op::Remove ? 0 : 1;
        diff.added += op == Op::Add ? 1 : 0;
        diff.removed += op == Op::Remove ? 1 : 0;
    }
    at.emplace_back(ia, ib);
    diff.text = "--- " + std::string(fromName) + "\n+++ " + std::string(toName) + "\n";
    const int total = static_cast<int>(ops.size());
    int i = 0;
    while (i < total) {
        if (ops[static_cast<std::size_t>(i)] == Op::Keep) {
            ++i;
            continue;
        }
        // A hunk: from `context` lines before this change to `context` after the last change
        // that is within 2 × context of the previous one.
        const int start = std::max(0, i - context);
        int end = i;
        int lastChange = i;
        while (end < total) {
            if (ops[static_cast<std::size_t>(end)] != Op::Keep) {
                lastChange = end;
            } else if (end - lastChange > 2 * context) {
                break;
            }
            ++end;
        }
        end = std::min(total, lastChange + context + 1);
        int aCount = 0;
        int bCount = 0;
        std::string body;
        for (int j = start; j < end; ++j) {
            const auto [pa, pb] = at[static_cast<std::size_t>(j)];
            switch (ops[static_cast<std::size_t>(j)]) {
            case Op::Keep:
                body += " " + std::string(a[static_cast<std::size_t>(pa)]) + "\n";
                ++aCount;
                ++bCount;
                break;
            case Op::Remove:
                body += "-" + std::string(a[static_cast<std::size_t>(pa)]) + "\n";
                ++aCount;
                break;
            case Op::Add:
                body += "+" + std::string(b[static_cast<std::size_t>(pb)]) + "\n";
                ++bCount;
                break;
            }
        }
        const auto [sa, sb] = at[static_cast<std::size_t>(start)];
        // Unified diff numbers lines from 1; an empty side starts at 0.
        diff.text += "@@ -" + std::to_string(aCount == 0 ? sa : sa + 1) + "," +
                     std::to_string(aCount) + " +" + std::to_string(bCount == 0 ? sb : sb + 1) +
                     "," + std::to_string(bCount) + " @@\n" + body;
        i = end;
    }
    return diff;
}

} // namespace aegis::config
