#pragma once

#include "net/trace_types.h"

#include <QString>

#include <cstdint>
#include <span>
#include <vector>

namespace aegis::console {

// A stretch of the critical path: from `startNanos` to `endNanos` (offsets from the trace's
// start) the trace was waiting on span `span` itself, not on one of its children.
struct CriticalSection {
    int span = -1;
    std::uint64_t startNanos = 0;
    std::uint64_t endNanos = 0;

    friend bool operator==(const CriticalSection &, const CriticalSection &) = default;
};

// The waterfall of one trace, over its columnar TraceTimeline: the span tree, which spans are
// collapsed, the rows that are therefore visible, each span's self time, the critical path and
// search within the trace. Spans are addressed by their index in the timeline. Everything is
// held in flat arrays indexed by span (no object per span), so a 100,000-span trace builds in a
// few tens of milliseconds and the visible rows are rebuilt in time linear in their number.
//
// The tree: a span's parent is the span whose id is its parent id. A span whose parent is not in
// the trace (not received, or dropped by sampling) is an orphan and becomes a root; so does the
// span at which a loop of parent links (malformed input) is cut. Children are in start order.
//
// The critical path is the chain of work the trace's end-to-end latency waited on. It is walked
// backwards from the end: within a span, the child that finished last (by the span's end) was
// the last thing the span waited on; the span itself is critical from that child's end to the
// span's end, the child is followed recursively, and the walk goes on in the span from the
// child's start, taking the child that finished last by then, and so on; before its first such
// child the span itself is critical again. Children that run in parallel with the one chosen
// and finish after it started were not waited on and are not on the path. Each child's time is
// clipped to its parent's (a child that outlives its parent, such as an asynchronous send, is
// critical only up to the parent's end; one that starts after the parent ended is not critical
// at all). Several roots (orphans) are treated as children of one span covering the whole trace.
//
// Lives on the GUI thread; not a QAbstractItemModel, because the view paints its rows itself.
class WaterfallModel final {
public:
    // Replaces the trace: every span expanded, no search, no searchable attribute text.
    void setTimeline(TraceTimeline timeline);
    void clear();

    const TraceTimeline &timeline() const { return m_timeline; }
    int spanCount() const { return int(m_parent.size()); }
    // From the earliest start to the latest end.
    std::uint64_t durationNanos() const { return m_durationNanos; }
    int maxDepth() const { return m_maxDepth; }
    int serviceCount() const { return m_serviceCount; }
    int errorCount() const { return m_errorCount; }

    // One span.
    QString service(int span) const;
    QString operation(int span) const;
    QString version(int span) const;
    QString colour(int span) const;
    std::uint32_t serviceIndex(int span) const { return m_timeline.services[std::size_t(span)]; }
    std::uint64_t spanId(int span) const { return m_timeline.spanIds[std::size_t(span)]; }
    std::uint64_t startNanos(int span) const {
        return m_timeline.startOffsetsNanos[std::size_t(span)];
    }
    std::uint64_t durationNanos(int span) const {
        return m_timeline.durationsNanos[std::size_t(span)];
    }
    std::uint64_t endNanos(int span) const { return startNanos(span) + durationNanos(span); }
    SpanKind kind(int span) const;
    bool isError(int span) const;
    // The span's duration less the time covered by its children (clipped to the span).
    std::uint64_t selfNanos(int span) const { return m_selfNanos[std::size_t(span)]; }
    // The span with this id; -1 when none.
    int indexOf(std::uint64_t spanId) const;

    // The tree.
    const std::vector<int> &roots() const { return m_roots; }
    // -1 for a root.
    int parent(int span) const { return m_parent[std::size_t(span)]; }
    // A root that has a parent id: its parent is missing from the trace.
    bool isOrphan(int span) const { return m_orphan[std::size_t(span)] != 0; }
    int depth(int span) const { return m_depth[std::size_t(span)]; }
    int childCount(int span) const;
    std::span<const int> children(int span) const;
    // Spans below `span`, at any depth.
    int descendantCount(int span) const { return m_subtreeSize[std::size_t(span)] - 1; }

    // Collapsing and the visible rows (every span whose ancestors are all expanded, in tree
    // order: a parent, then its children's subtrees in start order).
    bool isCollapsed(int span) const { return m_collapsed[std::size_t(span)] != 0; }
    // A span without children stays expanded.
    void setCollapsed(int span, bool collapsed);
    // Collapses every span that has children.
    void collapseAll();
    void expandAll();
    // Collapses every span at depth `depth` (roots are at 0) and expands the ones above it.
    void collapseToDepth(int depth);
    // Expands every ancestor of `span`, so its row is visible.
    void reveal(int span);
    int rowCount() const { return int(m_rows.size()); }
    int spanAt(int row) const { return m_rows[std::size_t(row)]; }
    // -1 while a collapsed ancestor hides it.
    int rowOf(int span) const { return m_rowOf[std::size_t(span)]; }
    // Bumped whenever the visible rows change, so views can tell their caches are stale.
    int rowsGeneration() const { return m_rowsGeneration; }

    // The critical path, in time order.
    const std::vector<CriticalSection> &criticalPath() const { return m_critical; }
    // The critical sections of `span`, in time order; empty when it is not on the path.
    std::span<const CriticalSection> criticalSections(int span) const;
    bool isOnCriticalPath(int span) const { return !criticalSections(span).empty(); }
    // The total time of the span's own critical sections.
    std::uint64_t criticalNanos(int span) const;

    // Search within the trace. Text searched besides the span's service, operation, version and
    // colour (its attributes, "key=value" lines), for spans known in full.
    void setSearchableText(int span, const QString &text);
    // Finds the spans whose service, operation, version, colour or searchable text contains
    // `text` (case-insensitive), or whose id it is (16 hex digits), expands their ancestors so
    // they are visible and returns how many matched. Empty text ends the search.
    int search(const QString &text);
    const QString &searchText() const { return m_searchText; }
    // The matching spans in tree order.
    const std::vector<int> &matches() const { return m_matches; }
    // False for -1 (no span).
    bool isMatch(int span) const {
        return span >= 0 && std::size_t(span) < m_match.size() && m_match[std::size_t(span)];
    }
    // The first match after (before) `span` in tree order, wrapping around; from -1, the first
    // (last) match. -1 when nothing matched.
    int nextMatch(int span) const;
    int previousMatch(int span) const;
    // The position of `span` among the matches (0-based); -1 when it is not one.
    int matchIndex(int span) const;

private:
    void buildTree();
    void computeSelfTimes();
    void computeCriticalPath();
    void rebuildRows();
    bool spanMatches(int span, const std::vector<std::uint8_t> &stringMatches,
                     const QString &needle) const;

    TraceTimeline m_timeline;
    std::uint64_t m_durationNanos = 0;
    int m_maxDepth = 0;
    int m_serviceCount = 0;
    int m_errorCount = 0;

    // Span ids sorted, with their span index, for indexOf.
    std::vector<std::pair<std::uint64_t, int>> m_byId;
    std::vector<int> m_parent;
    std::vector<std::uint8_t> m_orphan;
    std::vector<int> m_depth;
    std::vector<int> m_roots;
    // Children of span s: m_children[m_childBegin[s] .. m_childBegin[s + 1]).
    std::vector<int> m_childBegin;
    std::vector<int> m_children;
    // Every span in tree order, its position there, and its subtree's size (itself included):
    // a subtree is a contiguous run of m_preorder.
    std::vector<int> m_preorder;
    std::vector<int> m_preorderPos;
    std::vector<int> m_subtreeSize;
    std::vector<std::uint64_t> m_selfNanos;

    std::vector<std::uint8_t> m_collapsed;
    std::vector<int> m_rows;
    std::vector<int> m_rowOf;
    int m_rowsGeneration = 0;

    std::vector<CriticalSection> m_critical;
    // The sections of span s: m_criticalBySpan[m_criticalBegin[s] .. m_criticalBegin[s + 1]).
    std::vector<CriticalSection> m_criticalBySpan;
    std::vector<int> m_criticalBegin;

    std::vector<QString> m_searchable;
    QString m_searchText;
    std::vector<std::uint8_t> m_match;
    std::vector<int> m_matches;
};

} // namespace aegis::console
