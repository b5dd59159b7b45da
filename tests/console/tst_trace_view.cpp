// The trace view offscreen, without a daemon (a fake fetcher answers as TracesApi would): a
// realistic three-service trace with an error and a selected span (screenshots at 1280×800 and
// 1920×1080, light and dark), span details fetched on selection, search, keyboard navigation,
// zoom and the minimap; and a 100,000-span trace opened and scrolled.

#include "models/series_colors.h"
#include "models/waterfall_model.h"
#include "net/trace_types.h"
#include "views/span_detail_pane.h"
#include "views/theme.h"
#include "views/trace_minimap.h"
#include "views/trace_view.h"
#include "views/waterfall_view.h"

#include <QApplication>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTextBrowser>
#include <QVBoxLayout>
#include <QtTest>

#include <algorithm>
#include <numeric>

using namespace aegis::console;

namespace {

QString artifact(const QString &name) {
    return QDir(QCoreApplication::applicationDirPath()).filePath(name);
}

constexpr std::int64_t kStart = 1764929763000000000; // 2025-12-05 10:16:03 UTC
constexpr std::uint64_t kMs = 1000000;
const QString kTraceId = QStringLiteral("4bf92f3577b34da6a3ce929d0e0e4736");

struct SpanSpec {
    std::uint64_t id;
    std::uint64_t parent;
    QString service;
    QString operation;
    double startMs;
    double durationMs;
    SpanKind kind = SpanKind::Internal;
    bool error = false;
};

QString hex16(std::uint64_t id) {
    return QStringLiteral("%1").arg(id, 16, 16, QLatin1Char('0'));
}

std::uint32_t intern(TraceTimeline &t, const QString &text) {
    const qsizetype at = t.strings.indexOf(text);
    if (at >= 0) {
        return std::uint32_t(at);
    }
    t.strings.append(text);
    return std::uint32_t(t.strings.size() - 1);
}

TraceTimeline timelineOf(QList<SpanSpec> spans) {
    std::stable_sort(spans.begin(), spans.end(),
                     [](const SpanSpec &a, const SpanSpec &b) { return a.startMs < b.startMs; });
    TraceTimeline t;
    t.traceId = kTraceId;
    t.startUnixNano = kStart;
    t.strings = {QString()};
    const QHash<QString, std::pair<QString, QString>> releases = {
        {QStringLiteral("checkout"), {QStringLiteral("2.3.1"), QStringLiteral("blue")}},
        {QStringLiteral("inventory"), {QStringLiteral("1.8.0"), QStringLiteral("green")}},
        {QStringLiteral("payments"), {QStringLiteral("3.0.2"), QStringLiteral("blue")}}};
    for (const SpanSpec &s : spans) {
        t.spanIds.push_back(s.id);
        t.parentSpanIds.push_back(s.parent);
        t.services.push_back(intern(t, s.service));
        t.operations.push_back(intern(t, s.operation));
        t.startOffsetsNanos.push_back(std::uint64_t(s.startMs * double(kMs)));
        t.durationsNanos.push_back(std::uint64_t(s.durationMs * double(kMs)));
        t.flags.push_back(std::uint32_t(s.kind) |
                          (s.error ? timeline_flag::Error : timeline_flag::Ok));
        t.versions.push_back(intern(t, releases.value(s.service).first));
        t.colours.push_back(intern(t, releases.value(s.service).second));
    }
    return t;
}

constexpr std::uint64_t kCharge = 0x5a1e0c0ffee00011; // payments POST /charge, failed

// checkout → inventory and payments, as the demo fleet calls them; the card gateway times out
// once and payments answers 502.
TraceDetail checkoutTrace() {
    const QString checkout = QStringLiteral("checkout");
    const QString inventory = QStringLiteral("inventory");
    const QString payments = QStringLiteral("payments");
    QList<SpanSpec> spans = {
        {0x5a1e0c0ffee00001, 0, checkout, QStringLiteral("POST /api/checkout"), 0, 182.4,
         SpanKind::Server, true},
        {0x5a1e0c0ffee00002, 0x5a1e0c0ffee00001, checkout, QStringLiteral("SELECT carts"), 1.2, 5.1,
         SpanKind::Client},
        {0x5a1e0c0ffee00003, 0x5a1e0c0ffee00001, checkout, QStringLiteral("GET inventory /reserve"),
         8.0, 56.3, SpanKind::Client},
        {0x5a1e0c0ffee00004, 0x5a1e0c0ffee00003, inventory, QStringLiteral("GET /reserve"), 9.1,
         53.2, SpanKind::Server},
        {0x5a1e0c0ffee00005, 0x5a1e0c0ffee00004, inventory, QStringLiteral("redis GET stock:sku-1"),
         10.4, 0.9, SpanKind::Client},
        {0x5a1e0c0ffee00006, 0x5a1e0c0ffee00004, inventory, QStringLiteral("redis GET stock:sku-2"),
         10.5, 1.1, SpanKind::Client},
        {0x5a1e0c0ffee00007, 0x5a1e0c0ffee00004, inventory, QStringLiteral("redis GET stock:sku-3"),
         10.6, 0.8, SpanKind::Client},
        {0x5a1e0c0ffee00008, 0x5a1e0c0ffee00004, inventory, QStringLiteral("SELECT stock"), 12.0,
         13.5, SpanKind::Client},
        {0x5a1e0c0ffee00009, 0x5a1e0c0ffee00004, inventory, QStringLiteral("UPDATE stock"), 26.1,
         33.4, SpanKind::Client},
        {0x5a1e0c0ffee0000a, 0x5a1e0c0ffee00004, inventory,
         QStringLiteral("publish stock.reserved"), 59.8, 1.6, SpanKind::Producer},
        {0x5a1e0c0ffee00010, 0x5a1e0c0ffee00001, checkout, QStringLiteral("POST payments /charge"),
         65.9, 104.2, SpanKind::Client, true},
        {kCharge, 0x5a1e0c0ffee00010, payments, QStringLiteral("POST /charge"), 67.0, 101.8,
         SpanKind::Server, true},
        {0x5a1e0c0ffee00012, kCharge, payments, QStringLiteral("fraud.check"), 68.7, 25.9},
        {0x5a1e0c0ffee00013, 0x5a1e0c0ffee00012, payments, QStringLiteral("SELECT risk_scores"),
         70.1, 8.2, SpanKind::Client},
        {0x5a1e0c0ffee00014, 0x5a1e0c0ffee00012, payments, QStringLiteral("score model"), 79.0,
         14.8},
        {0x5a1e0c0ffee00015, kCharge, payments, QStringLiteral("POST card-gateway /authorize"),
         95.6, 30.0, SpanKind::Client, true},
        {0x5a1e0c0ffee00016, kCharge, payments, QStringLiteral("POST card-gateway /authorize"),
         127.9, 38.4, SpanKind::Client},
        {0x5a1e0c0ffee00017, kCharge, payments, QStringLiteral("INSERT payments"), 166.5, 1.9,
         SpanKind::Client},
        {0x5a1e0c0ffee00020, 0x5a1e0c0ffee00001, checkout, QStringLiteral("publish order.failed"),
         171.0, 2.7, SpanKind::Producer},
        {0x5a1e0c0ffee00021, 0x5a1e0c0ffee00001, checkout, QStringLiteral("render error page"),
         174.2, 7.6},
        // The consumer of stock.reserved runs after the request answered (an async child).
        {0x5a1e0c0ffee00030, 0x5a1e0c0ffee0000a, inventory,
         QStringLiteral("consume stock.reserved"), 62.0, 140.0, SpanKind::Consumer},
    };
    TraceDetail trace;
    trace.timeline = timelineOf(spans);
    trace.summary.traceId = kTraceId;
    trace.summary.rootService = checkout;
    trace.summary.rootOperation = QStringLiteral("POST /api/checkout");
    trace.summary.startTime = QDateTime::fromMSecsSinceEpoch(kStart / 1000000, Qt::UTC);
    trace.summary.durationNanos = qint64(202 * kMs);
    trace.summary.spanCount = int(spans.size());
    trace.summary.errorCount = 4;
    trace.summary.hasRoot = true;
    return trace;
}

SpanDetail chargeDetail() {
    SpanDetail d;
    d.traceId = kTraceId;
    d.spanId = hex16(kCharge);
    d.parentSpanId = hex16(0x5a1e0c0ffee00010);
    d.name = QStringLiteral("POST /charge");
    d.kind = SpanKind::Server;
    d.startUnixNano = kStart + std::int64_t(67 * kMs);
    d.endUnixNano = d.startUnixNano + std::int64_t(101.8 * double(kMs));
    d.statusCode = QStringLiteral("error");
    d.statusMessage = QStringLiteral("card gateway timed out after 30 s; retried once");
    d.attributes = {{QStringLiteral("http.request.method"), QStringLiteral("POST")},
                    {QStringLiteral("url.path"), QStringLiteral("/charge")},
                    {QStringLiteral("http.response.status_code"), QStringLiteral("502")},
                    {QStringLiteral("error.type"), QStringLiteral("card_gateway_timeout")},
                    {QStringLiteral("payment.amount"), QStringLiteral("129.90")},
                    {QStringLiteral("payment.currency"), QStringLiteral("EUR")}};
    d.events = {{QDateTime(),
                 d.startUnixNano + std::int64_t(58 * kMs),
                 QStringLiteral("exception"),
                 {{QStringLiteral("exception.type"), QStringLiteral("GatewayTimeout")},
                  {QStringLiteral("exception.message"),
                   QStringLiteral("POST https://card-gateway/authorize: deadline exceeded")}}},
                {QDateTime(),
                 d.startUnixNano + std::int64_t(60.9 * double(kMs)),
                 QStringLiteral("retry"),
                 {{QStringLiteral("attempt"), QStringLiteral("2")}}}};
    d.links = {{QStringLiteral("0af7651916cd43dd8448eb211c80319c"),
                QStringLiteral("b7ad6b7169203331"),
                {{QStringLiteral("link.reason"), QStringLiteral("fraud review")}}}};
    d.resource = {{QStringLiteral("service.name"), QStringLiteral("payments")},
                  {QStringLiteral("service.version"), QStringLiteral("3.0.2")},
                  {QStringLiteral("deployment.color"), QStringLiteral("blue")},
                  {QStringLiteral("host.name"), QStringLiteral("payments-7c9f-2")}};
    d.scopeName = QStringLiteral("aegis-client");
    d.scopeVersion = QStringLiteral("0.9.0");
    return d;
}

// Answers like TracesApi: later, on the context's thread, only while the context lives.
struct FakeFetcher {
    struct Request {
        QString traceId;
        bool full = false;
        QStringList spanIds;
    };
    QList<Request> requests;
    TraceDetail trace;
    QList<SpanDetail> fullSpans;
    bool fail = false;

    TraceFetcher fetcher() {
        return [this](const QString &traceId, bool full, const QStringList &spanIds,
                      QObject *context, ResultHandler<TraceDetail> done) {
            requests.append({traceId, full, spanIds});
            TraceDetail answer = trace;
            answer.summary.traceId = traceId;
            answer.spans.clear();
            for (const SpanDetail &span : fullSpans) {
                if (full || spanIds.contains(span.spanId)) {
                    answer.spans.append(span);
                }
            }
            const QPointer<QObject> target(context);
            const bool failing = fail;
            QMetaObject::invokeMethod(
                qApp,
                [target, done, answer, failing] {
                    if (target.isNull()) {
                        return;
                    }
                    if (failing) {
                        done(CallError{14, QStringLiteral("failed to connect to all addresses")});
                    } else {
                        done(answer);
                    }
                },
                Qt::QueuedConnection);
        };
    }
};

std::uint32_t internLarge(TraceTimeline &t, const QString &text) {
    return intern(t, text);
}

// 100,000 spans: a root calling 40 services' worth of handlers, each fanning out to database
// and cache calls, a few levels deep, with errors here and there.
TraceDetail largeTrace(int count) {
    TraceDetail trace;
    TraceTimeline &t = trace.timeline;
    t.traceId = kTraceId;
    t.startUnixNano = kStart;
    t.strings = {QString()};
    std::vector<std::uint32_t> services;
    for (int i = 0; i < 12; ++i) {
        services.push_back(internLarge(t, QStringLiteral("service-%1").arg(i)));
    }
    std::vector<std::uint32_t> operations;
    for (int i = 0; i < 200; ++i) {
        operations.push_back(
            internLarge(t, QStringLiteral("GET /api/v2/resource/%1/items").arg(i)));
    }
    t.spanIds.reserve(std::size_t(count));
    // Each span inside its parent: starts in index order, ends earlier the deeper it is.
    std::vector<int> depth(std::size_t(count), 0);
    const std::uint64_t end = std::uint64_t(count) * 20000 + 1000000;
    for (int i = 0; i < count; ++i) {
        const int parent = i == 0 ? -1 : (i - 1) / 8;
        depth[std::size_t(i)] = parent < 0 ? 0 : depth[std::size_t(parent)] + 1;
        const std::uint64_t start = std::uint64_t(i) * 20000;
        t.spanIds.push_back(std::uint64_t(i) + 1);
        t.parentSpanIds.push_back(parent < 0 ? 0 : std::uint64_t(parent) + 1);
        t.services.push_back(services[std::size_t(i % 12)]);
        t.operations.push_back(operations[std::size_t(i % 200)]);
        t.startOffsetsNanos.push_back(start);
        t.durationsNanos.push_back(end - std::uint64_t(depth[std::size_t(i)]) * 100000 - start);
        t.flags.push_back(std::uint32_t(SpanKind::Server) |
                          (i % 503 == 0 ? timeline_flag::Error : 0));
    }
    trace.summary.traceId = kTraceId;
    trace.summary.spanCount = count;
    return trace;
}

} // namespace

class TraceViewTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        auto *app = qobject_cast<QApplication *>(QCoreApplication::instance());
        m_platform = app->palette();
        applyTheme(*app, ThemeMode::Light, m_platform);
    }

    void cleanupTestCase() {
        applyTheme(*qobject_cast<QApplication *>(QCoreApplication::instance()), ThemeMode::Light,
                   m_platform);
    }

    void screenshots() {
        auto *app = qobject_cast<QApplication *>(QCoreApplication::instance());
        for (const ThemeMode mode : {ThemeMode::Light, ThemeMode::Dark}) {
            applyTheme(*app, mode, m_platform);
            for (const QSize size : {QSize(1280, 800), QSize(1920, 1080)}) {
                FakeFetcher fake;
                fake.trace = checkoutTrace();
                fake.fullSpans = {chargeDetail()};
                QWidget page;
                page.resize(size);
                auto *layout = new QVBoxLayout(&page);
                layout->setContentsMargins(16, 12, 16, 12);
                auto *view = new TraceView(nullptr);
                layout->addWidget(view);
                view->setFetcher(fake.fetcher());
                view->showTrace(fake.trace);
                page.show();
                QVERIFY(QTest::qWaitForWindowExposed(&page));
                QVERIFY(view->selectSpan(hex16(kCharge)));
                QTRY_VERIFY(
                    view->detailPane()->text().contains(QStringLiteral("card_gateway_timeout")));

                const QString name = QStringLiteral("trace-view-%1x%2-%3.png")
                                         .arg(size.width())
                                         .arg(size.height())
                                         .arg(mode == ThemeMode::Dark ? QStringLiteral("dark")
                                                                      : QStringLiteral("light"));
                const QImage image = page.grab().toImage();
                QVERIFY(image.save(artifact(name)));

                // The selected row is drawn in the accent; the failed span's bar has the danger
                // colour around it; the waterfall's background follows the theme.
                WaterfallView *waterfall = view->waterfall();
                const QImage rows = waterfall->viewport()->grab().toImage();
                QCOMPARE(rows.pixelColor(rows.width() - 4, rows.height() - 4).lightness() < 128,
                         mode == ThemeMode::Dark);
                const ThemeColors colors = themeColors(waterfall->palette());
                const int chargeRow = view->model()->rowOf(view->model()->indexOf(kCharge));
                const int y = chargeRow * waterfall->rowHeight() + waterfall->rowHeight() / 2;
                const int barX =
                    int(waterfall->timelineLeft() +
                        (waterfall->timelineRight() - waterfall->timelineLeft()) * 67.0 / 202.0) +
                    1;
                bool dangerNearBar = false;
                for (int dy = -8; dy <= 8 && !dangerNearBar; ++dy) {
                    for (int dx = -2; dx <= 3 && !dangerNearBar; ++dx) {
                        dangerNearBar = rows.pixelColor(barX + dx, y + dy) == colors.danger;
                    }
                }
                QVERIFY2(dangerNearBar, qPrintable(name));
            }
        }
        applyTheme(*app, ThemeMode::Light, m_platform);
    }

    void followsTheThemeAtRuntime() {
        auto *app = qobject_cast<QApplication *>(QCoreApplication::instance());
        applyTheme(*app, ThemeMode::Light, m_platform);
        FakeFetcher fake;
        fake.trace = checkoutTrace();
        fake.fullSpans = {chargeDetail()};
        TraceView view(nullptr);
        view.setFetcher(fake.fetcher());
        view.resize(1280, 800);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.showTrace(fake.trace);
        QVERIFY(view.selectSpan(hex16(kCharge)));
        QTRY_VERIFY(view.detailPane()->text().contains(QStringLiteral("card_gateway_timeout")));
        WaterfallView *waterfall = view.waterfall();
        const std::uint32_t payments = view.model()->serviceIndex(view.model()->indexOf(kCharge));
        const auto background = [waterfall] {
            const QImage rows = waterfall->viewport()->grab().toImage();
            return rows.pixelColor(rows.width() - 4, rows.height() - 4);
        };
        QVERIFY(background().lightness() > 128);
        QCOMPARE(waterfall->serviceColor(payments),
                 SeriesColors::assignServices({QStringLiteral("payments")}, false).front());

        applyTheme(*app, ThemeMode::Dark, m_platform);
        QCoreApplication::processEvents();
        QVERIFY(background().lightness() < 128);
        QCOMPARE(waterfall->serviceColor(payments),
                 SeriesColors::assignServices({QStringLiteral("payments")}, true).front());
        // The details were shown again (from what was known, not fetched again).
        QVERIFY(view.detailPane()->text().contains(QStringLiteral("card_gateway_timeout")));
        QCOMPARE(fake.requests.size(), 1);
        applyTheme(*app, ThemeMode::Light, m_platform);
    }

    void showsTheTraceAndItsFacts() {
        FakeFetcher fake;
        fake.trace = checkoutTrace();
        TraceView view(nullptr);
        view.setFetcher(fake.fetcher());
        QSignalSpy shown(&view, &TraceView::traceShown);
        view.resize(1280, 800);
        view.openTrace(kTraceId);
        QCOMPARE(fake.requests.size(), 1);
        QCOMPARE(fake.requests[0].full, false);
        QTRY_COMPARE(shown.size(), 1);
        QCOMPARE(view.traceId(), kTraceId);
        QCOMPARE(view.model()->spanCount(), 21);
        // A small trace is fetched in full as well, so search covers attributes.
        QTRY_COMPARE(fake.requests.size(), 2);
        QVERIFY(fake.requests[1].full);

        QSignalSpy service(&view, &TraceView::searchServiceRequested);
        QSignalSpy compare(&view, &TraceView::compareRequested);
        const auto buttons = view.findChildren<QPushButton *>();
        for (QPushButton *button : buttons) {
            button->click();
        }
        QCOMPARE(service.size(), 1);
        QCOMPARE(service[0][0].toString(), QStringLiteral("checkout"));
        QCOMPARE(service[0][1].toString(), QStringLiteral("POST /api/checkout"));
        QCOMPARE(compare.size(), 1);
        QCOMPARE(compare[0][0].toString(), kTraceId);
    }

    void openFailureIsShown() {
        FakeFetcher fake;
        fake.fail = true;
        TraceView view(nullptr);
        view.setFetcher(fake.fetcher());
        view.openTrace(kTraceId);
        const auto message = [&view] {
            QStringList texts;
            for (QLabel *label : view.findChildren<QLabel *>()) {
                if (label->isVisibleTo(&view)) {
                    texts << label->text();
                }
            }
            return texts.join(QLatin1Char('\n'));
        };
        QTRY_VERIFY2(message().contains(QStringLiteral("failed to connect")),
                     qPrintable(message()));
        QCOMPARE(view.model()->spanCount(), 0);
    }

    void detailsAreFetchedWhenSelected() {
        FakeFetcher fake;
        fake.trace = checkoutTrace();
        fake.fullSpans = {chargeDetail()};
        TraceView view(nullptr);
        view.setFetcher(fake.fetcher());
        view.showTrace(fake.trace);
        QSignalSpy selected(&view, &TraceView::spanSelected);
        QVERIFY(view.selectSpan(hex16(kCharge)));
        QCOMPARE(selected.size(), 1);
        QCOMPARE(selected[0][0].toString(), hex16(kCharge));
        QCOMPARE(view.selectedSpanId(), hex16(kCharge));
        // Asked for that one span, never blocking: "Loading…" until it arrives.
        QCOMPARE(fake.requests.size(), 1);
        QCOMPARE(fake.requests[0].spanIds, QStringList{hex16(kCharge)});
        QVERIFY(view.detailPane()->text().contains(QStringLiteral("Loading")));
        QTRY_VERIFY(view.detailPane()->text().contains(QStringLiteral("card_gateway_timeout")));
        const QString text = view.detailPane()->text();
        for (const QString &part :
             {QStringLiteral("POST /charge"), QStringLiteral("Error"),
              QStringLiteral("card gateway timed out"), QStringLiteral("GatewayTimeout"),
              QStringLiteral("b7ad6b7169203331"), QStringLiteral("payments-7c9f-2"),
              QStringLiteral("aegis-client"), QStringLiteral("Critical path")}) {
            QVERIFY2(text.contains(part), qPrintable(part));
        }
        // Selected again: known, not fetched again.
        view.selectSpan(hex16(0x5a1e0c0ffee00001));
        QVERIFY(view.selectSpan(hex16(kCharge)));
        QCOMPARE(fake.requests.size(), 2);
        QVERIFY(!view.selectSpan(QStringLiteral("ffffffffffffffff")));
        QVERIFY(!view.selectSpan(QStringLiteral("not hex")));

        // Links in the details: the parent's id selects the parent; a span of another trace
        // opens that trace and selects it once shown.
        QVERIFY(view.selectSpan(hex16(kCharge)));
        auto *browser = view.detailPane()->findChild<QTextBrowser *>();
        QVERIFY(browser);
        QVERIFY(browser->toHtml().contains(
            QStringLiteral("span:%1/%2").arg(kTraceId, hex16(0x5a1e0c0ffee00010))));
        emit browser->anchorClicked(
            QUrl(QStringLiteral("span:%1/%2").arg(kTraceId, hex16(0x5a1e0c0ffee00010))));
        QCOMPARE(view.selectedSpanId(), hex16(0x5a1e0c0ffee00010));
        const QString other = QStringLiteral("0af7651916cd43dd8448eb211c80319c");
        QSignalSpy shown(&view, &TraceView::traceShown);
        emit browser->anchorClicked(
            QUrl(QStringLiteral("span:%1/%2").arg(other, hex16(0x5a1e0c0ffee00012))));
        QCOMPARE(fake.requests.last().traceId, other);
        QTRY_COMPARE(shown.size(), 1);
        QCOMPARE(view.traceId(), other);
        QCOMPARE(view.selectedSpanId(), hex16(0x5a1e0c0ffee00012));
        view.showTrace(fake.trace);

        // A span the daemon cannot give in full says why.
        fake.fail = true;
        QVERIFY(view.selectSpan(hex16(0x5a1e0c0ffee00012)));
        QTRY_VERIFY(view.detailPane()->text().contains(QStringLiteral("failed to connect")));
    }

    void searchesAndNavigatesWithTheKeyboard() {
        FakeFetcher fake;
        fake.trace = checkoutTrace();
        fake.fullSpans = {chargeDetail()};
        TraceView view(nullptr);
        view.setFetcher(fake.fetcher());
        view.resize(1280, 800);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.openTrace(kTraceId);
        QTRY_COMPARE(fake.requests.size(), 2); // the timeline, then every span in full
        WaterfallModel *model = view.model();
        WaterfallView *waterfall = view.waterfall();

        // Attributes of spans known in full are searched too, once they arrived.
        view.setSearchText(QStringLiteral("card_gateway_timeout"));
        QTRY_COMPARE(model->matches().size(), std::size_t(1));
        QCOMPARE(view.selectedSpanId(), hex16(kCharge));
        view.setSearchText({});

        // Ctrl+F goes to the search box; typing finds and selects the first match.
        waterfall->setFocus();
        QTest::keyClick(waterfall, Qt::Key_F, Qt::ControlModifier);
        auto *search = view.findChild<QLineEdit *>();
        QTRY_VERIFY(search->hasFocus());
        QTest::keyClicks(search, QStringLiteral("authorize"));
        QCOMPARE(model->matches().size(), std::size_t(2));
        QCOMPARE(waterfall->selectedSpan(), model->matches()[0]);
        QTest::keyClick(search, Qt::Key_Return);
        QCOMPARE(waterfall->selectedSpan(), model->matches()[1]);
        QTest::keyClick(search, Qt::Key_Return);
        QCOMPARE(waterfall->selectedSpan(), model->matches()[0]);
        QTest::keyClick(search, Qt::Key_Return, Qt::ShiftModifier);
        QCOMPARE(waterfall->selectedSpan(), model->matches()[1]);
        QTest::keyClick(search, Qt::Key_Escape);
        QVERIFY(search->text().isEmpty());
        QVERIFY(model->matches().empty());

        // Up/Down move; Left collapses, then goes to the parent; Right expands, then descends.
        waterfall->setFocus();
        const int charge = model->indexOf(kCharge);
        QVERIFY(view.selectSpan(hex16(kCharge)));
        QTest::keyClick(waterfall, Qt::Key_Down);
        QCOMPARE(model->rowOf(waterfall->selectedSpan()), model->rowOf(charge) + 1);
        QTest::keyClick(waterfall, Qt::Key_Up);
        QCOMPARE(waterfall->selectedSpan(), charge);
        const int rows = model->rowCount();
        QTest::keyClick(waterfall, Qt::Key_Left);
        QVERIFY(model->isCollapsed(charge));
        QCOMPARE(model->rowCount(), rows - model->descendantCount(charge));
        QTest::keyClick(waterfall, Qt::Key_Left);
        QCOMPARE(waterfall->selectedSpan(), model->parent(charge));
        QTest::keyClick(waterfall, Qt::Key_Down);
        QCOMPARE(waterfall->selectedSpan(), charge);
        QTest::keyClick(waterfall, Qt::Key_Right);
        QVERIFY(!model->isCollapsed(charge));
        QTest::keyClick(waterfall, Qt::Key_Right);
        QCOMPARE(waterfall->selectedSpan(), model->children(charge).front());
        QTest::keyClick(waterfall, Qt::Key_End);
        QCOMPARE(model->rowOf(waterfall->selectedSpan()), model->rowCount() - 1);
        QTest::keyClick(waterfall, Qt::Key_Home);
        QCOMPARE(model->rowOf(waterfall->selectedSpan()), 0);

        // A click on a row selects it; on its arrow collapses it.
        const int rootRow = 0;
        const QPoint rowPoint(waterfall->timelineLeft() + 40,
                              rootRow * waterfall->rowHeight() + waterfall->rowHeight() / 2);
        QTest::mouseClick(waterfall->viewport(), Qt::LeftButton, {}, rowPoint);
        QCOMPARE(model->rowOf(waterfall->selectedSpan()), rootRow);
        QTest::mouseClick(waterfall->viewport(), Qt::LeftButton, {},
                          QPoint(14, waterfall->rowHeight() / 2));
        QCOMPARE(model->rowCount(), 1);
        QTest::mouseDClick(waterfall->viewport(), Qt::LeftButton, {}, rowPoint);
        QVERIFY(model->rowCount() > 1);
        QVERIFY(!waterfall->toolTipFor(charge).isEmpty());
        QVERIFY(waterfall->toolTipFor(charge).contains(QStringLiteral("critical path")));
    }

    void zoomsIntoATimeRange() {
        FakeFetcher fake;
        fake.trace = checkoutTrace();
        TraceView view(nullptr);
        view.setFetcher(fake.fetcher());
        view.resize(1280, 800);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.showTrace(fake.trace);
        WaterfallView *waterfall = view.waterfall();
        QVERIFY(!waterfall->isZoomed());
        const std::uint64_t total = view.model()->durationNanos();
        QCOMPARE(waterfall->windowEnd(), total);

        // Drag across the ruler from a quarter to the middle.
        QWidget *ruler = nullptr;
        for (QWidget *child : waterfall->findChildren<QWidget *>()) {
            if (child->parentWidget() == waterfall && child != waterfall->viewport() &&
                child->geometry().bottom() < waterfall->viewport()->geometry().top()) {
                ruler = child;
            }
        }
        QVERIFY(ruler);
        const int left = waterfall->timelineLeft();
        const int width = waterfall->timelineRight() - left;
        const int y = ruler->height() / 2;
        QTest::mousePress(ruler, Qt::LeftButton, {}, QPoint(left + width / 4, y));
        QMouseEvent move(QEvent::MouseMove, QPointF(left + width / 2, y),
                         ruler->mapToGlobal(QPointF(left + width / 2, y)), Qt::NoButton,
                         Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(ruler, &move);
        QTest::mouseRelease(ruler, Qt::LeftButton, {}, QPoint(left + width / 2, y));
        QVERIFY(waterfall->isZoomed());
        QVERIFY(qAbs(double(waterfall->windowStart()) - double(total) / 4) < double(total) / 100);
        QVERIFY(qAbs(double(waterfall->windowEnd()) - double(total) / 2) < double(total) / 100);

        // The minimap's frame covers the zoomed range only; a click on it pans there.
        TraceMinimap *minimap = view.minimap();
        const QRect frame = minimap->visibleFrame();
        QVERIFY(frame.width() < minimap->width() / 2);
        QTest::mouseClick(minimap, Qt::LeftButton, {}, QPoint(minimap->width() - 5, 5));
        QCOMPARE(waterfall->windowEnd(), total);
        QVERIFY(waterfall->isZoomed());

        QTest::mouseDClick(ruler, Qt::LeftButton, {}, QPoint(left + 10, y));
        QVERIFY(!waterfall->isZoomed());
    }

    // 100,000 spans: opened from a GetTrace answer in hand, then scrolled from top to bottom in
    // page steps and by the minimap, with every frame painted; rows in view follow the scroll
    // bar, selection and search work at that size.
    void largeTraceOpensAndScrolls() {
        constexpr int kSpans = 100000;
        const TraceDetail trace = largeTrace(kSpans);
        TraceView view(nullptr);
        view.resize(1280, 800);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.showTrace(trace);
        WaterfallView *waterfall = view.waterfall();
        waterfall->viewport()->repaint();
        WaterfallModel *model = view.model();
        QCOMPARE(model->spanCount(), kSpans);
        QCOMPARE(model->rowCount(), kSpans);
        QScrollBar *bar = waterfall->verticalScrollBar();
        QCOMPARE(bar->maximum(), kSpans * waterfall->rowHeight() - waterfall->viewport()->height());

        int steps = 0;
        for (int value = 0; value < bar->maximum(); value += bar->pageStep() * 23) {
            bar->setValue(value);
            waterfall->viewport()->repaint();
            QCOMPARE(waterfall->firstVisibleRow(), value / waterfall->rowHeight());
            ++steps;
        }
        QVERIFY(steps > 100);
        bar->setValue(bar->maximum());
        waterfall->viewport()->repaint();
        QCOMPARE(waterfall->rowAt(waterfall->viewport()->height() - 1), kSpans - 1);

        // The minimap: a click in the middle brings the middle rows into view.
        TraceMinimap *minimap = view.minimap();
        minimap->repaint();
        QTest::mouseClick(minimap, Qt::LeftButton, {},
                          QPoint(minimap->width() / 2, minimap->height() / 2));
        const int middle = waterfall->firstVisibleRow() + waterfall->visibleRowCount() / 2;
        QVERIFY2(qAbs(middle - kSpans / 2) < kSpans / 50, qPrintable(QString::number(middle)));

        // Keyboard at that size, and search.
        waterfall->setFocus();
        QTest::keyClick(waterfall, Qt::Key_End);
        QCOMPARE(model->rowOf(waterfall->selectedSpan()), kSpans - 1);
        QVERIFY(waterfall->firstVisibleRow() + waterfall->visibleRowCount() >= kSpans - 1);
        QTest::keyClick(waterfall, Qt::Key_Home);
        QCOMPARE(waterfall->firstVisibleRow(), 0);
        QTest::keyClick(waterfall, Qt::Key_Left);
        QCOMPARE(model->rowCount(), 1);
        view.setSearchText(QStringLiteral("resource/199/"));
        QCOMPARE(model->matches().size(), std::size_t(kSpans / 200));
        QVERIFY(model->rowOf(waterfall->selectedSpan()) >= 0);
        QCOMPARE(waterfall->selectedSpan(), model->matches().front());
        waterfall->viewport()->repaint();
    }

private:
    QPalette m_platform;
};

QTEST_MAIN(TraceViewTest)
#include "tst_trace_view.moc"
