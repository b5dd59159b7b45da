// The trace view's waterfall model on hand-made traces: the span tree (orphans, loops of parent
// links), collapsing and the visible rows, self time, the critical path (sequential, overlapping
// and asynchronous children, clock skew, several roots) and search within the trace; and that a
// 100,000-span trace builds quickly enough to open at once.

#include "models/display_format.h"
#include "models/series_colors.h"
#include "models/waterfall_model.h"

#include <QElapsedTimer>
#include <QtTest>

#include <initializer_list>

using namespace aegis::console;

Q_DECLARE_METATYPE(TraceTimeline)

namespace {

struct SpanSpec {
    std::uint64_t id;
    std::uint64_t parent;
    const char *service;
    const char *operation;
    std::uint64_t start;
    std::uint64_t duration;
    bool error = false;
};

std::uint32_t intern(TraceTimeline &t, const QString &text) {
    const qsizetype at = t.strings.indexOf(text);
    if (at >= 0) {
        return std::uint32_t(at);
    }
    t.strings.append(text);
    return std::uint32_t(t.strings.size() - 1);
}

// The spans in the order given, which the tests keep in start order as the daemon does.
TraceTimeline timeline(std::initializer_list<SpanSpec> spans) {
    TraceTimeline t;
    t.traceId = QStringLiteral("0af7651916cd43dd8448eb211c80319c");
    t.strings = {QString()};
    for (const SpanSpec &s : spans) {
        t.spanIds.push_back(s.id);
        t.parentSpanIds.push_back(s.parent);
        t.services.push_back(intern(t, QString::fromLatin1(s.service)));
        t.operations.push_back(intern(t, QString::fromLatin1(s.operation)));
        t.startOffsetsNanos.push_back(s.start);
        t.durationsNanos.push_back(s.duration);
        t.flags.push_back(std::uint32_t(SpanKind::Server) | (s.error ? timeline_flag::Error : 0));
        t.versions.push_back(intern(t, QStringLiteral("1.4.0")));
        t.colours.push_back(intern(t, QStringLiteral("blue")));
    }
    return t;
}

// The span of each visible row, by span id.
QList<std::uint64_t> visibleIds(const WaterfallModel &model) {
    QList<std::uint64_t> ids;
    for (int row = 0; row < model.rowCount(); ++row) {
        ids.append(model.spanId(model.spanAt(row)));
    }
    return ids;
}

// The critical path as (span id, start, end) triples.
using Section = std::tuple<std::uint64_t, std::uint64_t, std::uint64_t>;
QList<Section> path(const WaterfallModel &model) {
    QList<Section> sections;
    for (const CriticalSection &s : model.criticalPath()) {
        sections.append({model.spanId(s.span), s.startNanos, s.endNanos});
    }
    return sections;
}

int span(const WaterfallModel &model, std::uint64_t id) {
    const int index = model.indexOf(id);
    if (index < 0) {
        qFatal("no span %llu", static_cast<unsigned long long>(id));
    }
    return index;
}

// A synthetic trace of `count` spans: a root, then calls fanning out up to `depth` deep across
// a handful of services, each child inside its parent, errors here and there.
TraceTimeline largeTrace(int count) {
    TraceTimeline t;
    t.strings = {QString()};
    const QStringList services = {QStringLiteral("checkout"), QStringLiteral("inventory"),
                                  QStringLiteral("payments"), QStringLiteral("shipping"),
                                  QStringLiteral("pricing")};
    std::vector<std::uint32_t> serviceIndex;
    for (const QString &s : services) {
        serviceIndex.push_back(intern(t, s));
    }
    std::vector<std::uint32_t> operationIndex;
    for (int i = 0; i < 40; ++i) {
        operationIndex.push_back(intern(t, QStringLiteral("GET /api/v1/items/%1").arg(i)));
    }
    t.spanIds.reserve(std::size_t(count));
    for (int i = 0; i < count; ++i) {
        const std::uint64_t parent = i == 0 ? 0 : std::uint64_t((i - 1) / 4 + 1);
        t.spanIds.push_back(std::uint64_t(i + 1));
        t.parentSpanIds.push_back(parent);
        t.services.push_back(serviceIndex[std::size_t(i % 5)]);
        t.operations.push_back(operationIndex[std::size_t(i % 40)]);
        t.startOffsetsNanos.push_back(std::uint64_t(i) * 10);
        t.durationsNanos.push_back(std::uint64_t(count - i) * 10);
        t.flags.push_back(i % 97 == 0 ? timeline_flag::Error : 0);
    }
    return t;
}

} // namespace

class WaterfallModelTest : public QObject {
    Q_OBJECT

private slots:
    void buildsTheTree() {
        WaterfallModel model;
        model.setTimeline(timeline({{1, 0, "checkout", "POST /checkout", 0, 100},
                                    {2, 1, "checkout", "reserve", 10, 30},
                                    {3, 2, "inventory", "Reserve", 12, 20},
                                    {4, 1, "payments", "Charge", 50, 40, true},
                                    {5, 99, "shipping", "Quote", 60, 10}}));
        QCOMPARE(model.spanCount(), 5);
        QCOMPARE(model.roots().size(), std::size_t(2));
        QCOMPARE(model.spanId(model.roots()[0]), std::uint64_t(1));
        // Span 5's parent (99) never arrived: it is a root, marked.
        QCOMPARE(model.spanId(model.roots()[1]), std::uint64_t(5));
        QVERIFY(model.isOrphan(span(model, 5)));
        QVERIFY(!model.isOrphan(span(model, 1)));
        QCOMPARE(model.parent(span(model, 3)), span(model, 2));
        QCOMPARE(model.depth(span(model, 3)), 2);
        QCOMPARE(model.depth(span(model, 5)), 0);
        QCOMPARE(model.maxDepth(), 2);
        QCOMPARE(model.childCount(span(model, 1)), 2);
        QCOMPARE(model.descendantCount(span(model, 1)), 3);
        QCOMPARE(model.serviceCount(), 4);
        QCOMPARE(model.errorCount(), 1);
        QVERIFY(model.isError(span(model, 4)));
        QCOMPARE(model.service(span(model, 3)), QStringLiteral("inventory"));
        QCOMPARE(model.operation(span(model, 4)), QStringLiteral("Charge"));
        QCOMPARE(model.version(span(model, 4)), QStringLiteral("1.4.0"));
        QCOMPARE(model.kind(span(model, 4)), SpanKind::Server);
        QCOMPARE(model.durationNanos(), std::uint64_t(100));
        QCOMPARE(model.indexOf(42), -1);
        // Tree order: parent, then each child's subtree in start order; roots in start order.
        QCOMPARE(visibleIds(model), (QList<std::uint64_t>{1, 2, 3, 4, 5}));
    }

    void cutsLoopsOfParentLinks() {
        WaterfallModel model;
        // 2 and 3 name each other as parent, 4 names itself: none reaches a root.
        model.setTimeline(timeline({{1, 0, "a", "root", 0, 10},
                                    {2, 3, "a", "x", 1, 5},
                                    {3, 2, "a", "y", 2, 5},
                                    {4, 4, "a", "z", 3, 1}}));
        QCOMPARE(model.rowCount(), 4);
        QCOMPARE(model.roots().size(), std::size_t(3));
        int orphans = 0;
        for (int s = 0; s < model.spanCount(); ++s) {
            orphans += model.isOrphan(s) ? 1 : 0;
        }
        QCOMPARE(orphans, 2);
        QVERIFY(model.isOrphan(span(model, 4)));
        // One of 2 and 3 is the other's child.
        QVERIFY(model.parent(span(model, 2)) == span(model, 3) ||
                model.parent(span(model, 3)) == span(model, 2));
    }

    void collapsesAndExpands() {
        WaterfallModel model;
        model.setTimeline(timeline({{1, 0, "checkout", "POST /checkout", 0, 100},
                                    {2, 1, "checkout", "reserve", 10, 30},
                                    {3, 2, "inventory", "Reserve", 12, 20},
                                    {6, 3, "inventory", "SELECT", 13, 5},
                                    {4, 1, "payments", "Charge", 50, 40},
                                    {5, 4, "payments", "Authorize", 55, 20}}));
        const int generation = model.rowsGeneration();
        model.setCollapsed(span(model, 2), true);
        QVERIFY(model.isCollapsed(span(model, 2)));
        QVERIFY(model.rowsGeneration() != generation);
        QCOMPARE(visibleIds(model), (QList<std::uint64_t>{1, 2, 4, 5}));
        QCOMPARE(model.rowOf(span(model, 3)), -1);
        QCOMPARE(model.rowOf(span(model, 4)), 2);
        // A leaf does not collapse.
        model.setCollapsed(span(model, 5), true);
        QVERIFY(!model.isCollapsed(span(model, 5)));

        // Revealing a hidden span expands its ancestors only.
        model.collapseAll();
        QCOMPARE(visibleIds(model), (QList<std::uint64_t>{1}));
        model.reveal(span(model, 6));
        QCOMPARE(visibleIds(model), (QList<std::uint64_t>{1, 2, 3, 6, 4}));
        QVERIFY(model.isCollapsed(span(model, 4)));

        model.collapseToDepth(1);
        QCOMPARE(visibleIds(model), (QList<std::uint64_t>{1, 2, 4}));
        model.expandAll();
        QCOMPARE(visibleIds(model), (QList<std::uint64_t>{1, 2, 3, 6, 4, 5}));
        QCOMPARE(model.spanAt(model.rowOf(span(model, 5))), span(model, 5));
    }

    void selfTime() {
        WaterfallModel model;
        // Children overlapping each other and one running past the parent's end.
        model.setTimeline(timeline({{1, 0, "a", "root", 0, 100},
                                    {2, 1, "a", "x", 10, 30},
                                    {3, 1, "a", "y", 20, 30},
                                    {4, 1, "a", "async", 90, 50}}));
        // Covered: [10, 50) and [90, 100): 50 of 100.
        QCOMPARE(model.selfNanos(span(model, 1)), std::uint64_t(50));
        QCOMPARE(model.selfNanos(span(model, 2)), std::uint64_t(30));
        QCOMPARE(model.durationNanos(), std::uint64_t(140));
    }

    void criticalPath_data() {
        QTest::addColumn<TraceTimeline>("trace");
        QTest::addColumn<QList<Section>>("expected");

        QTest::newRow("a single span")
            << timeline({{1, 0, "a", "root", 0, 100}}) << QList<Section>{{1, 0, 100}};
        // Calls one after the other: each is waited on, the parent fills the gaps.
        QTest::newRow("sequential children")
            << timeline({{1, 0, "a", "root", 0, 100},
                         {2, 1, "a", "first", 10, 30},
                         {3, 1, "a", "second", 50, 40}})
            << QList<Section>{{1, 0, 10}, {2, 10, 40}, {1, 40, 50}, {3, 50, 90}, {1, 90, 100}};
        // One call ends exactly as the next starts: both are on the path.
        QTest::newRow("touching children")
            << timeline({{1, 0, "a", "root", 0, 100},
                         {2, 1, "a", "first", 10, 30},
                         {3, 1, "a", "second", 40, 50}})
            << QList<Section>{{1, 0, 10}, {2, 10, 40}, {3, 40, 90}, {1, 90, 100}};
        // Parallel calls: the one that finished last was waited on; the other was still running
        // when it started, so nothing waited on it.
        QTest::newRow("overlapping children")
            << timeline({{1, 0, "a", "root", 0, 100},
                         {2, 1, "a", "short", 10, 50},
                         {3, 1, "a", "long", 30, 50}})
            << QList<Section>{{1, 0, 30}, {3, 30, 80}, {1, 80, 100}};
        // Of parallel calls, one ending before the last one started is waited on too.
        QTest::newRow("fan-out then a call")
            << timeline({{1, 0, "a", "root", 0, 100},
                         {2, 1, "b", "p1", 10, 20},
                         {3, 1, "c", "p2", 10, 30},
                         {4, 1, "d", "after", 45, 50}})
            << QList<Section>{{1, 0, 10}, {3, 10, 40}, {1, 40, 45}, {4, 45, 95}, {1, 95, 100}};
        // An asynchronous child outliving its parent counts only up to the parent's end.
        QTest::newRow("async child outlives parent")
            << timeline({{1, 0, "a", "root", 0, 100},
                         {2, 1, "a", "work", 10, 30},
                         {3, 1, "queue", "publish", 60, 200}})
            << QList<Section>{{1, 0, 10}, {2, 10, 40}, {1, 40, 60}, {3, 60, 100}};
        // A grandchild outliving its parent is clipped to that parent, then followed.
        QTest::newRow("nested clipping")
            << timeline({{1, 0, "a", "root", 0, 100},
                         {2, 1, "b", "call", 10, 40},
                         {3, 2, "c", "async", 20, 50}})
            << QList<Section>{{1, 0, 10}, {2, 10, 20}, {3, 20, 50}, {1, 50, 100}};
        // A child starting after its parent ended (fire and forget) is not on the path.
        QTest::newRow("child after parent end")
            << timeline({{1, 0, "a", "root", 0, 100}, {2, 1, "a", "later", 150, 50}})
            << QList<Section>{{1, 0, 100}};
        // Clock skew: a child that seems to start before its parent is clipped to its start.
        QTest::newRow("child before parent start")
            << timeline({{2, 0, "a", "root", 10, 90}, {3, 2, "b", "skewed", 0, 50}})
            << QList<Section>{{3, 10, 50}, {2, 50, 100}};
        // The critical child of a critical child is followed down.
        QTest::newRow("deep chain")
            << timeline({{1, 0, "a", "root", 0, 100},
                         {2, 1, "b", "mid", 10, 80},
                         {3, 2, "c", "leaf", 20, 30},
                         {4, 2, "c", "leaf2", 60, 20}})
            << QList<Section>{{1, 0, 10},  {2, 10, 20}, {3, 20, 50}, {2, 50, 60},
                              {4, 60, 80}, {2, 80, 90}, {1, 90, 100}};
        // Several roots (an orphan whose parent never arrived): the trace's end is the orphan's;
        // the root that finished before it started was waited on before.
        QTest::newRow("orphan root")
            << timeline({{1, 0, "a", "root", 0, 100}, {7, 99, "b", "orphan", 120, 80}})
            << QList<Section>{{1, 0, 100}, {7, 120, 200}};
        // A zero-length child takes no part.
        QTest::newRow("zero-length child")
            << timeline({{1, 0, "a", "root", 0, 100}, {2, 1, "a", "mark", 100, 0}})
            << QList<Section>{{1, 0, 100}};
    }

    void criticalPath() {
        QFETCH(TraceTimeline, trace);
        QFETCH(QList<Section>, expected);
        WaterfallModel model;
        model.setTimeline(trace);
        QCOMPARE(path(model), expected);
        // Each span's own sections add up to its critical time.
        std::uint64_t total = 0;
        for (int s = 0; s < model.spanCount(); ++s) {
            total += model.criticalNanos(s);
            QCOMPARE(model.isOnCriticalPath(s), model.criticalNanos(s) > 0);
        }
        std::uint64_t expectedTotal = 0;
        for (const Section &section : expected) {
            expectedTotal += std::get<2>(section) - std::get<1>(section);
        }
        QCOMPARE(total, expectedTotal);
    }

    void criticalPathSectionsPerSpan() {
        WaterfallModel model;
        model.setTimeline(timeline({{1, 0, "a", "root", 0, 100},
                                    {2, 1, "a", "first", 10, 30},
                                    {3, 1, "a", "second", 50, 40}}));
        const auto sections = model.criticalSections(span(model, 1));
        QCOMPARE(sections.size(), std::size_t(3));
        QCOMPARE(sections[0].startNanos, std::uint64_t(0));
        QCOMPARE(sections[2].endNanos, std::uint64_t(100));
        QCOMPARE(model.criticalNanos(span(model, 1)), std::uint64_t(30));
        QCOMPARE(model.criticalNanos(span(model, 3)), std::uint64_t(40));
    }

    void searchesWithinTheTrace() {
        WaterfallModel model;
        model.setTimeline(timeline({{1, 0, "checkout", "POST /checkout", 0, 100},
                                    {2, 1, "checkout", "reserve", 10, 30},
                                    {3, 2, "inventory", "Reserve stock", 12, 20},
                                    {4, 1, "payments", "Charge", 50, 40, true},
                                    {5, 4, "payments", "Authorize", 55, 20}}));
        model.collapseAll();
        QCOMPARE(model.rowCount(), 1);

        // Operation text, any case; the matches' ancestors are expanded.
        QCOMPARE(model.search(QStringLiteral("RESERVE")), 2);
        QCOMPARE(model.searchText(), QStringLiteral("RESERVE"));
        QCOMPARE(model.matches(), (std::vector<int>{span(model, 2), span(model, 3)}));
        QVERIFY(model.isMatch(span(model, 3)));
        QVERIFY(!model.isMatch(span(model, 1)));
        QVERIFY(model.rowOf(span(model, 3)) >= 0);
        // Payments' subtree had no match and stays collapsed.
        QVERIFY(model.isCollapsed(span(model, 4)));
        QCOMPARE(visibleIds(model), (QList<std::uint64_t>{1, 2, 3, 4}));

        // Next and previous wrap around, in tree order.
        QCOMPARE(model.nextMatch(-1), span(model, 2));
        QCOMPARE(model.nextMatch(span(model, 2)), span(model, 3));
        QCOMPARE(model.nextMatch(span(model, 3)), span(model, 2));
        QCOMPARE(model.nextMatch(span(model, 1)), span(model, 2));
        QCOMPARE(model.previousMatch(span(model, 2)), span(model, 3));
        QCOMPARE(model.previousMatch(span(model, 4)), span(model, 3));
        QCOMPARE(model.previousMatch(-1), span(model, 3));
        QCOMPARE(model.matchIndex(span(model, 3)), 1);
        QCOMPARE(model.matchIndex(span(model, 1)), -1);

        // Service names; a span id; attribute text of spans known in full.
        QCOMPARE(model.search(QStringLiteral("payments")), 2);
        QVERIFY(model.rowOf(span(model, 5)) >= 0);
        QCOMPARE(model.search(QStringLiteral("0000000000000003")), 1);
        QCOMPARE(model.matches().front(), span(model, 3));
        QCOMPARE(model.search(QStringLiteral("card_declined")), 0);
        model.setSearchableText(span(model, 5),
                                QStringLiteral("error.type=card_declined\nhttp.status_code=402"));
        QCOMPARE(model.search(QStringLiteral("card_declined")), 1);
        QCOMPARE(model.search(QStringLiteral("status_code=402")), 1);
        QCOMPARE(model.search(QStringLiteral("1.4.0")), 5); // the version

        // Empty text ends the search.
        QCOMPARE(model.search(QString()), 0);
        QVERIFY(model.matches().empty());
        QVERIFY(!model.isMatch(span(model, 5)));
        QCOMPARE(model.nextMatch(-1), -1);
    }

    void malformedColumnsAreCutToTheShortest() {
        TraceTimeline t = timeline({{1, 0, "a", "root", 0, 100}, {2, 1, "a", "x", 10, 10}});
        t.durationsNanos.pop_back();
        WaterfallModel model;
        model.setTimeline(t);
        QCOMPARE(model.spanCount(), 1);
        QCOMPARE(model.rowCount(), 1);
        model.clear();
        QCOMPARE(model.spanCount(), 0);
        QCOMPARE(model.rowCount(), 0);
        QVERIFY(model.criticalPath().empty());
    }

    void spanDurations() {
        QCOMPARE(spanDuration(0), QStringLiteral("0 ns"));
        QCOMPARE(spanDuration(850), QStringLiteral("850 ns"));
        QCOMPARE(spanDuration(12400), QStringLiteral("12.4 µs"));
        QCOMPARE(spanDuration(999600), QStringLiteral("1.00 ms"));
        QCOMPARE(spanDuration(1250000), QStringLiteral("1.25 ms"));
        QCOMPARE(spanDuration(345000000), QStringLiteral("345 ms"));
        QCOMPARE(spanDuration(3400000000), QStringLiteral("3.40 s"));
        QCOMPARE(spanDuration(qint64(125) * 1000000000), QStringLiteral("2 min"));
    }

    void serviceColorsAvoidRed() {
        QStringList services;
        for (int i = 0; i < 30; ++i) {
            services << QStringLiteral("service-%1").arg(i);
        }
        for (const bool dark : {false, true}) {
            const QList<QColor> colors = SeriesColors::assignServices(services, dark);
            QCOMPARE(colors.size(), services.size());
            for (const int reddish : {0, 5, 7}) {
                QVERIFY(!colors.contains(SeriesColors::paletteColor(reddish, dark)));
            }
            // Distinct while the palette lasts; the same service, the same colour.
            QCOMPARE(QSet<QRgb>({colors[0].rgb(), colors[1].rgb(), colors[2].rgb()}).size(), 3);
            QCOMPARE(SeriesColors::assignServices({services[4]}, dark).front(),
                     SeriesColors::assignServices({services[4], services[9]}, dark).front());
        }
    }

    void largeTraceBuildsQuickly() {
        const TraceTimeline trace = largeTrace(100000);
        WaterfallModel model;
        QElapsedTimer timer;
        timer.start();
        model.setTimeline(trace);
        const qint64 buildMs = timer.elapsed();
        qInfo("100,000 spans: model built in %lld ms", buildMs);
        QCOMPARE(model.rowCount(), 100000);
        QCOMPARE(model.roots().size(), std::size_t(1));
        QVERIFY(!model.criticalPath().empty());
        QCOMPARE(model.criticalPath().back().endNanos, model.endNanos(model.roots()[0]));
        // Collapsing the root hides everything else; search reopens what it finds.
        model.setCollapsed(model.roots()[0], true);
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.search(QStringLiteral("items/39")), 2500);
        QVERIFY(model.rowCount() > 2500);

        // A chain 100,000 deep (each span the only child of the one before) needs no recursion.
        TraceTimeline chain = trace;
        for (std::size_t i = 1; i < chain.size(); ++i) {
            chain.parentSpanIds[i] = chain.spanIds[i - 1];
        }
        model.setTimeline(chain);
        QCOMPARE(model.maxDepth(), 99999);
        QCOMPARE(model.rowCount(), 100000);
    }
};

QTEST_GUILESS_MAIN(WaterfallModelTest)
#include "tst_waterfall_model.moc"
