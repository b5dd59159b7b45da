#include "models/waterfall_model.h"

#include <algorithm>

namespace aegis::console {
namespace {

QString stringAt(const TraceTimeline &timeline, const std::vector<std::uint32_t> &column,
                 int span) {
    if (std::size_t(span) >= column.size()) {
        return {};
    }
    const std::uint32_t index = column[std::size_t(span)];
    return index < std::uint32_t(timeline.strings.size()) ? timeline.strings[qsizetype(index)]
                                                          : QString();
}

// A timeline whose columns disagree in length (a malformed answer) is cut to the shortest, so
// every index below is in range.
void truncateToShortest(TraceTimeline &t) {
    std::size_t n = t.spanIds.size();
    for (const std::size_t size :
         {t.parentSpanIds.size(), t.services.size(), t.operations.size(),
          t.startOffsetsNanos.size(), t.durationsNanos.size(), t.flags.size()}) {
        n = std::min(n, size);
    }
    t.spanIds.resize(n);
    t.parentSpanIds.resize(n);
    t.services.resize(n);
    t.operations.resize(n);
    t.startOffsetsNanos.resize(n);
    t.durationsNanos.resize(n);
    t.flags.resize(n);
    if (!t.versions.empty()) {
        t.versions.resize(n);
    }
    if (!t.colours.empty()) {
        t.colours.resize(n);
    }
}

} // namespace

void WaterfallModel::clear() {
    setTimeline({});
}

void WaterfallModel::setTimeline(TraceTimeline timeline) {
    m_timeline = std::move(timeline);
    truncateToShortest(m_timeline);
    const std::size_t n = m_timeline.size();
    m_durationNanos = 0;
    m_errorCount = 0;
    std::vector<std::uint8_t> seenService(std::size_t(m_timeline.strings.size()) + 1, 0);
    m_serviceCount = 0;
    for (std::size_t i = 0; i < n; ++i) {
        m_durationNanos = std::max(m_durationNanos, endNanos(int(i)));
        if (m_timeline.flags[i] & timeline_flag::Error) {
            ++m_errorCount;
        }
        const std::size_t service =
            std::min<std::size_t>(m_timeline.services[i], seenService.size() - 1);
        if (!seenService[service]) {
            seenService[service] = 1;
            ++m_serviceCount;
        }
    }
    buildTree();
    computeSelfTimes();
    computeCriticalPath();
    m_collapsed.assign(n, 0);
    m_searchable.clear();
    m_searchText.clear();
    m_match.clear();
    m_matches.clear();
    rebuildRows();
}

void WaterfallModel::buildTree() {
    const std::size_t n = m_timeline.size();
    m_byId.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        m_byId[i] = {m_timeline.spanIds[i], int(i)};
    }
    std::sort(m_byId.begin(), m_byId.end());

    m_parent.assign(n, -1);
    m_orphan.assign(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint64_t parentId = m_timeline.parentSpanIds[i];
        if (parentId == 0) {
            continue;
        }
        const int parent = indexOf(parentId);
        if (parent < 0 || parent == int(i)) {
            m_orphan[i] = 1;
        } else {
            m_parent[i] = parent;
        }
    }

    // Cut loops of parent links: walk up from each span not yet known to reach a root; meeting
    // a span of the current walk again closes a loop, which is cut above that span.
    {
        std::vector<std::uint8_t> state(n, 0); // 0 unseen, 1 on the current walk, 2 reaches a root
        std::vector<int> walk;
        for (std::size_t start = 0; start < n; ++start) {
            int at = int(start);
            while (at >= 0 && state[std::size_t(at)] == 0) {
                state[std::size_t(at)] = 1;
                walk.push_back(at);
                at = m_parent[std::size_t(at)];
            }
            if (at >= 0 && state[std::size_t(at)] == 1) {
                m_parent[std::size_t(at)] = -1;
                m_orphan[std::size_t(at)] = 1;
            }
            for (const int span : walk) {
                state[std::size_t(span)] = 2;
            }
            walk.clear();
        }
    }

    // Children in index (start) order, by counting.
    m_childBegin.assign(n + 1, 0);
    m_roots.clear();
    for (std::size_t i = 0; i < n; ++i) {
        if (m_parent[i] >= 0) {
            ++m_childBegin[std::size_t(m_parent[i]) + 1];
        } else {
            m_roots.push_back(int(i));
        }
    }
    for (std::size_t i = 0; i < n; ++i) {
        m_childBegin[i + 1] += m_childBegin[i];
    }
    m_children.resize(std::size_t(m_childBegin[n]));
    {
        std::vector<int> fill(m_childBegin.begin(), m_childBegin.end() - 1);
        for (std::size_t i = 0; i < n; ++i) {
            if (m_parent[i] >= 0) {
                m_children[std::size_t(fill[std::size_t(m_parent[i])]++)] = int(i);
            }
        }
    }

    // Tree order and depth, without recursion (a chain of 100,000 spans is a valid trace).
    m_preorder.clear();
    m_preorder.reserve(n);
    m_depth.assign(n, 0);
    m_maxDepth = 0;
    std::vector<int> stack(m_roots.rbegin(), m_roots.rend());
    while (!stack.empty()) {
        const int span = stack.back();
        stack.pop_back();
        m_preorder.push_back(span);
        const int childDepth = m_depth[std::size_t(span)] + 1;
        for (int c = m_childBegin[std::size_t(span) + 1] - 1; c >= m_childBegin[std::size_t(span)];
             --c) {
            const int child = m_children[std::size_t(c)];
            m_depth[std::size_t(child)] = childDepth;
            m_maxDepth = std::max(m_maxDepth, childDepth);
            stack.push_back(child);
        }
    }
    m_preorderPos.assign(n, 0);
    for (std::size_t pos = 0; pos < m_preorder.size(); ++pos) {
        m_preorderPos[std::size_t(m_preorder[pos])] = int(pos);
    }
    m_subtreeSize.assign(n, 1);
    for (auto it = m_preorder.rbegin(); it != m_preorder.rend(); ++it) {
        const int parent = m_parent[std::size_t(*it)];
        if (parent >= 0) {
            m_subtreeSize[std::size_t(parent)] += m_subtreeSize[std::size_t(*it)];
        }
    }
}

void WaterfallModel::computeSelfTimes() {
    const std::size_t n = m_timeline.size();
    m_selfNanos.assign(n, 0);
    for (std::size_t s = 0; s < n; ++s) {
        const std::uint64_t start = startNanos(int(s));
        const std::uint64_t end = endNanos(int(s));
        // Children are in start order, so their union is one sweep.
        std::uint64_t covered = 0;
        std::uint64_t reach = start;
        for (const int child : children(int(s))) {
            const std::uint64_t from = std::max(startNanos(child), reach);
            const std::uint64_t to = std::min(endNanos(child), end);
            if (to > from) {
                covered += to - from;
                reach = to;
            }
        }
        m_selfNanos[s] = durationNanos(int(s)) - std::min(covered, durationNanos(int(s)));
    }
}

void WaterfallModel::computeCriticalPath() {
    const std::size_t n = m_timeline.size();
    m_critical.clear();
    m_criticalBySpan.clear();
    m_criticalBegin.assign(n + 1, 0);
    if (n == 0) {
        return;
    }
    // Each span's time clipped to its parent's (clipped) time; empty windows take no part.
    std::vector<std::uint64_t> from(n), to(n);
    for (const int span : m_preorder) {
        std::uint64_t lo = startNanos(span);
        std::uint64_t hi = endNanos(span);
        const int parent = m_parent[std::size_t(span)];
        if (parent >= 0) {
            lo = std::max(lo, from[std::size_t(parent)]);
            hi = std::min(hi, to[std::size_t(parent)]);
        }
        from[std::size_t(span)] = lo;
        to[std::size_t(span)] = std::max(lo, hi);
    }

    // The walk keeps one frame per span it is inside of; `-1` is the span covering the whole
    // trace whose children are the roots. A frame's candidates are its span's children, latest
    // end first; `next` only moves forward because the cursor only moves back in time.
    struct Frame {
        int span;
        std::uint64_t cursor;
        std::size_t begin;
        std::size_t next;
        std::size_t end;
    };
    std::vector<int> candidates;
    std::vector<Frame> frames;
    const auto push = [&](int span, std::uint64_t cursor) {
        const std::size_t begin = candidates.size();
        const std::span<const int> kids = span < 0 ? std::span<const int>(m_roots) : children(span);
        for (const int child : kids) {
            if (to[std::size_t(child)] > from[std::size_t(child)]) {
                candidates.push_back(child);
            }
        }
        std::sort(candidates.begin() + std::ptrdiff_t(begin), candidates.end(), [&](int a, int b) {
            if (to[std::size_t(a)] != to[std::size_t(b)]) {
                return to[std::size_t(a)] > to[std::size_t(b)];
            }
            if (from[std::size_t(a)] != from[std::size_t(b)]) {
                return from[std::size_t(a)] < from[std::size_t(b)];
            }
            return a < b;
        });
        frames.push_back({span, cursor, begin, begin, candidates.size()});
    };
    const auto record = [&](int span, std::uint64_t lo, std::uint64_t hi) {
        if (span >= 0 && hi > lo) {
            m_critical.push_back({span, lo, hi});
        }
    };

    push(-1, m_durationNanos);
    while (!frames.empty()) {
        Frame &frame = frames.back();
        while (frame.next < frame.end && to[std::size_t(candidates[frame.next])] > frame.cursor) {
            ++frame.next;
        }
        if (frame.next < frame.end) {
            const int child = candidates[frame.next++];
            record(frame.span, to[std::size_t(child)], frame.cursor);
            frame.cursor = from[std::size_t(child)];
            push(child, to[std::size_t(child)]); // invalidates `frame`
            continue;
        }
        if (frame.span >= 0) {
            record(frame.span, from[std::size_t(frame.span)], frame.cursor);
        }
        candidates.resize(frame.begin);
        frames.pop_back();
    }
    std::reverse(m_critical.begin(), m_critical.end());

    for (const CriticalSection &section : m_critical) {
        ++m_criticalBegin[std::size_t(section.span) + 1];
    }
    for (std::size_t i = 0; i < n; ++i) {
        m_criticalBegin[i + 1] += m_criticalBegin[i];
    }
    m_criticalBySpan.resize(m_critical.size());
    std::vector<int> fill(m_criticalBegin.begin(), m_criticalBegin.end() - 1);
    for (const CriticalSection &section : m_critical) {
        m_criticalBySpan[std::size_t(fill[std::size_t(section.span)]++)] = section;
    }
}

std::span<const CriticalSection> WaterfallModel::criticalSections(int span) const {
    const auto begin = std::size_t(m_criticalBegin[std::size_t(span)]);
    const auto end = std::size_t(m_criticalBegin[std::size_t(span) + 1]);
    return std::span<const CriticalSection>(m_criticalBySpan).subspan(begin, end - begin);
}

std::uint64_t WaterfallModel::criticalNanos(int span) const {
    std::uint64_t total = 0;
    for (const CriticalSection &section : criticalSections(span)) {
        total += section.endNanos - section.startNanos;
    }
    return total;
}

QString WaterfallModel::service(int span) const {
    return stringAt(m_timeline, m_timeline.services, span);
}

QString WaterfallModel::operation(int span) const {
    return stringAt(m_timeline, m_timeline.operations, span);
}

QString WaterfallModel::version(int span) const {
    return stringAt(m_timeline, m_timeline.versions, span);
}

QString WaterfallModel::colour(int span) const {
    return stringAt(m_timeline, m_timeline.colours, span);
}

SpanKind WaterfallModel::kind(int span) const {
    const std::uint32_t value = m_timeline.flags[std::size_t(span)] & timeline_flag::KindMask;
    return value <= std::uint32_t(SpanKind::Consumer) ? SpanKind(value) : SpanKind::Unspecified;
}

bool WaterfallModel::isError(int span) const {
    return (m_timeline.flags[std::size_t(span)] & timeline_flag::Error) != 0;
}

int WaterfallModel::indexOf(std::uint64_t spanId) const {
    const auto it =
        std::lower_bound(m_byId.begin(), m_byId.end(), std::pair<std::uint64_t, int>(spanId, -1));
    return it != m_byId.end() && it->first == spanId ? it->second : -1;
}

int WaterfallModel::childCount(int span) const {
    return m_childBegin[std::size_t(span) + 1] - m_childBegin[std::size_t(span)];
}

std::span<const int> WaterfallModel::children(int span) const {
    const auto begin = std::size_t(m_childBegin[std::size_t(span)]);
    return std::span<const int>(m_children).subspan(begin, std::size_t(childCount(span)));
}

void WaterfallModel::rebuildRows() {
    m_rows.clear();
    m_rowOf.assign(m_preorder.size(), -1);
    for (std::size_t pos = 0; pos < m_preorder.size();) {
        const int span = m_preorder[pos];
        m_rowOf[std::size_t(span)] = int(m_rows.size());
        m_rows.push_back(span);
        pos += m_collapsed[std::size_t(span)] ? std::size_t(m_subtreeSize[std::size_t(span)]) : 1;
    }
    ++m_rowsGeneration;
}

void WaterfallModel::setCollapsed(int span, bool collapsed) {
    const std::uint8_t value = collapsed && childCount(span) > 0 ? 1 : 0;
    if (m_collapsed[std::size_t(span)] == value) {
        return;
    }
    m_collapsed[std::size_t(span)] = value;
    rebuildRows();
}

void WaterfallModel::collapseAll() {
    for (std::size_t s = 0; s < m_collapsed.size(); ++s) {
        m_collapsed[s] = childCount(int(s)) > 0 ? 1 : 0;
    }
    rebuildRows();
}

void WaterfallModel::expandAll() {
    std::fill(m_collapsed.begin(), m_collapsed.end(), 0);
    rebuildRows();
}

void WaterfallModel::collapseToDepth(int depth) {
    for (std::size_t s = 0; s < m_collapsed.size(); ++s) {
        m_collapsed[s] = m_depth[s] == depth && childCount(int(s)) > 0 ? 1 : 0;
    }
    rebuildRows();
}

void WaterfallModel::reveal(int span) {
    bool changed = false;
    for (int at = m_parent[std::size_t(span)]; at >= 0; at = m_parent[std::size_t(at)]) {
        if (m_collapsed[std::size_t(at)]) {
            m_collapsed[std::size_t(at)] = 0;
            changed = true;
        }
    }
    if (changed) {
        rebuildRows();
    }
}

void WaterfallModel::setSearchableText(int span, const QString &text) {
    if (m_searchable.empty()) {
        m_searchable.resize(m_timeline.size());
    }
    m_searchable[std::size_t(span)] = text;
}

bool WaterfallModel::spanMatches(int span, const std::vector<std::uint8_t> &stringMatches,
                                 const QString &needle) const {
    const auto matchesColumn = [&](const std::vector<std::uint32_t> &column) {
        return std::size_t(span) < column.size() &&
               column[std::size_t(span)] < stringMatches.size() &&
               stringMatches[column[std::size_t(span)]];
    };
    if (matchesColumn(m_timeline.services) || matchesColumn(m_timeline.operations) ||
        matchesColumn(m_timeline.versions) || matchesColumn(m_timeline.colours)) {
        return true;
    }
    return !m_searchable.empty() &&
           m_searchable[std::size_t(span)].contains(needle, Qt::CaseInsensitive);
}

int WaterfallModel::search(const QString &text) {
    m_searchText = text.trimmed();
    m_matches.clear();
    m_match.clear();
    if (m_searchText.isEmpty()) {
        return 0;
    }
    const std::size_t n = m_timeline.size();
    m_match.assign(n, 0);
    // Names are few (the string table); test each once, then each span by index.
    std::vector<std::uint8_t> stringMatches(std::size_t(m_timeline.strings.size()), 0);
    for (qsizetype i = 1; i < m_timeline.strings.size(); ++i) {
        stringMatches[std::size_t(i)] =
            m_timeline.strings[i].contains(m_searchText, Qt::CaseInsensitive) ? 1 : 0;
    }
    int byId = -1;
    if (m_searchText.size() == 16) {
        bool ok = false;
        const std::uint64_t id = m_searchText.toULongLong(&ok, 16);
        byId = ok ? indexOf(id) : -1;
    }
    for (const int span : m_preorder) {
        if (span == byId || spanMatches(span, stringMatches, m_searchText)) {
            m_match[std::size_t(span)] = 1;
            m_matches.push_back(span);
        }
    }
    // Expand every ancestor of every match; a walk stops at an ancestor already expanded for
    // another match, so this stays linear.
    std::vector<std::uint8_t> opened(n, 0);
    bool changed = false;
    for (const int span : m_matches) {
        for (int at = m_parent[std::size_t(span)]; at >= 0 && !opened[std::size_t(at)];
             at = m_parent[std::size_t(at)]) {
            opened[std::size_t(at)] = 1;
            if (m_collapsed[std::size_t(at)]) {
                m_collapsed[std::size_t(at)] = 0;
                changed = true;
            }
        }
    }
    if (changed) {
        rebuildRows();
    }
    return int(m_matches.size());
}

int WaterfallModel::nextMatch(int span) const {
    if (m_matches.empty()) {
        return -1;
    }
    if (span < 0) {
        return m_matches.front();
    }
    const int pos = m_preorderPos[std::size_t(span)];
    const auto it =
        std::upper_bound(m_matches.begin(), m_matches.end(), pos, [this](int value, int match) {
            return value < m_preorderPos[std::size_t(match)];
        });
    return it == m_matches.end() ? m_matches.front() : *it;
}

int WaterfallModel::previousMatch(int span) const {
    if (m_matches.empty()) {
        return -1;
    }
    if (span < 0) {
        return m_matches.back();
    }
    const int pos = m_preorderPos[std::size_t(span)];
    const auto it =
        std::lower_bound(m_matches.begin(), m_matches.end(), pos, [this](int match, int value) {
            return m_preorderPos[std::size_t(match)] < value;
        });
    return it == m_matches.begin() ? m_matches.back() : *std::prev(it);
}

int WaterfallModel::matchIndex(int span) const {
    if (!isMatch(span)) {
        return -1;
    }
    const int pos = m_preorderPos[std::size_t(span)];
    const auto it =
        std::lower_bound(m_matches.begin(), m_matches.end(), pos, [this](int match, int value) {
            return m_preorderPos[std::size_t(match)] < value;
        });
    return int(it - m_matches.begin());
}

} // namespace aegis::console
