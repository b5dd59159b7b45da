#include "models/chart_markers.h"
#include "models/chart_series.h"
#include "models/metric_units.h"
#include "models/promql_completion.h"
#include "models/series_colors.h"
#include "models/service_summary_model.h"
#include "views/promql_editor.h"
#include "views/service_summary_delegate.h"
#include "views/theme.h"
#include "views/time_series_chart.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QCompleter>
#include <QDir>
#include <QFile>
#include <QHeaderView>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

#include <qcustomplot.h>

#include <cmath>
#include <limits>

using namespace aegis::console;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// 2023-11-14T22:13:20Z, a whole minute.
constexpr qint64 kT0 = 1700000000000;

QString artifact(const QString &name) {
    return QDir(QCoreApplication::applicationDirPath()).filePath(name);
}

MetricSeries series(const MetricLabels &labels, qint64 startMs, qint64 stepMs,
                    const QList<double> &values) {
    MetricSeries s;
    s.labels = labels;
    for (qsizetype i = 0; i < values.size(); ++i) {
        s.timestampsMs.append(startMs + i * stepMs);
        s.values.append(values[i]);
    }
    return s;
}

MetricLabels colour(const QString &name) {
    return {{QStringLiteral("service"), QStringLiteral("checkout")},
            {QStringLiteral("color"), name}};
}

// A day-like curve with noise that is the same on every run.
QList<double> wave(int points, double base, double amplitude, int seed) {
    QList<double> values;
    for (int i = 0; i < points; ++i) {
        values.append(base + amplitude * std::sin(i / 9.0 + seed) +
                      amplitude * 0.2 * std::sin(i * 1.7 + seed * 3));
    }
    return values;
}

bool hasContent(const QImage &image) {
    const QRgb first = image.pixel(0, 0);
    for (int y = 0; y < image.height(); y += 5) {
        for (int x = 0; x < image.width(); x += 5) {
            if (image.pixel(x, y) != first) {
                return true;
            }
        }
    }
    return false;
}

} // namespace

class TestConsoleCharts : public QObject {
    Q_OBJECT
private slots:
    void unitScales_data() {
        QTest::addColumn<int>("unit");
        QTest::addColumn<double>("value");
        QTest::addColumn<QString>("expected");
        QTest::newRow("seconds as ms") << int(MetricUnit::Seconds) << 0.0175 << "17.5 ms";
        QTest::newRow("seconds as µs") << int(MetricUnit::Seconds) << 0.000250 << "250 µs";
        QTest::newRow("whole seconds") << int(MetricUnit::Seconds) << 2.5 << "2.5 s";
        QTest::newRow("zero seconds") << int(MetricUnit::Seconds) << 0.0 << "0 s";
        QTest::newRow("bytes as MiB") << int(MetricUnit::Bytes) << 52428800.0 << "50 MiB";
        QTest::newRow("bytes as GiB") << int(MetricUnit::Bytes) << 1610612736.0 << "1.5 GiB";
        QTest::newRow("small bytes") << int(MetricUnit::Bytes) << 512.0 << "512 B";
        QTest::newRow("ratio as percent") << int(MetricUnit::Ratio) << 0.0123 << "1.23 %";
        QTest::newRow("whole ratio") << int(MetricUnit::Ratio) << 1.0 << "100 %";
        QTest::newRow("requests") << int(MetricUnit::RequestsPerSecond) << 42.25 << "42.3 req/s";
        QTest::newRow("many requests")
            << int(MetricUnit::RequestsPerSecond) << 25000.0 << "25 k req/s";
        QTest::newRow("cores") << int(MetricUnit::Cores) << 2.5 << "2.5 cores";
        QTest::newRow("part of a core") << int(MetricUnit::Cores) << 0.0012 << "1.2 mCPU";
        QTest::newRow("number") << int(MetricUnit::Number) << 3.0 << "3";
        QTest::newRow("large number") << int(MetricUnit::Number) << 2500000.0 << "2.5 M";
        QTest::newRow("no value") << int(MetricUnit::Seconds) << kNaN << "–";
    }
    void unitScales() {
        QFETCH(int, unit);
        QFETCH(double, value);
        QFETCH(QString, expected);
        QCOMPARE(formatMetricValue(value, MetricUnit(unit)), expected);
    }

    void oneScalePerAxis() {
        // An axis up to 20 ms labels 5 ms as "5 ms" and 0.5 ms as "0.5 ms", not "500 µs".
        const UnitScale scale = unitScale(MetricUnit::Seconds, 0.020);
        QCOMPARE(scale.suffix, QStringLiteral("ms"));
        QCOMPARE(formatScaled(0.005, scale), QStringLiteral("5 ms"));
        QCOMPARE(formatScaled(0.0005, scale), QStringLiteral("0.5 ms"));
    }

    void gapsBecomeNaN() {
        // 15 s steps; the points at 45 s and 60 s are missing.
        MetricSeries s = series(colour("blue"), kT0, 15000, {1, 2, 3});
        s.timestampsMs.append(kT0 + 75000);
        s.values.append(4);
        const ChartSeries mapped = toChartSeries(s, 15000);
        QCOMPARE(mapped.keys.size(), 5);
        QCOMPARE(mapped.keys[0], double(kT0) / 1000);
        QVERIFY(std::isnan(mapped.values[3]));
        QVERIFY(mapped.keys[3] > mapped.keys[2] && mapped.keys[3] < mapped.keys[4]);
        QCOMPARE(mapped.values[4], 4.0);
        // Jitter within half a step is no gap.
        MetricSeries jitter = series(colour("blue"), kT0, 15000, {1, 2});
        jitter.timestampsMs[1] += 7000;
        QCOMPARE(toChartSeries(jitter, 15000).keys.size(), 2);
    }

    void tailAppendsAndTrims() {
        ChartSeries shown = toChartSeries(series(colour("blue"), kT0, 1000, {1, 2, 3, 4}), 1000);
        // The tail repeats the last point the chart has, then brings two new ones.
        appendTail(shown, series(colour("blue"), kT0 + 3000, 1000, {4, 5, 6}), 1000,
                   double(kT0 + 2000) / 1000);
        QCOMPARE(shown.values, (QVector<double>{3, 4, 5, 6}));
        QCOMPARE(shown.keys.first(), double(kT0 + 2000) / 1000);
        // A tail after an outage starts with a gap.
        appendTail(shown, series(colour("blue"), kT0 + 20000, 1000, {7}), 1000, 0);
        QCOMPARE(shown.values.size(), 6);
        QVERIFY(std::isnan(shown.values[4]));
    }

    void legendNamesShowWhatDiffers() {
        const MetricLabels blue = colour("blue");
        const MetricLabels green = colour("green");
        QCOMPARE(legendNames({blue, green}), (QStringList{"blue", "green"}));
        MetricLabels a{{"__name__", "up"}, {"instance", "a"}, {"zone", "z1"}};
        MetricLabels b{{"__name__", "up"}, {"instance", "b"}, {"zone", "z2"}};
        QCOMPARE(legendNames({a, b}), (QStringList{"a zone=z1", "b zone=z2"}));
        QCOMPARE(legendNames({a}), (QStringList{"up"}));
        MetricLabels m1{{"method", "/aegis.v1.RegistryService/ListServices"}};
        MetricLabels m2{{"method", "/aegis.v1.SystemService/GetStatus"}};
        QCOMPARE(legendNames({m1, m2}), (QStringList{"/aegis.v1.RegistryService/ListServices",
                                                     "/aegis.v1.SystemService/GetStatus"}));
        QCOMPARE(legendNames({blue}, "p99"), (QStringList{"p99"}));
    }

    void valueAtFindsTheNearestPoint() {
        const ChartSeries s = toChartSeries(series(colour("blue"), kT0, 10000, {1, 2, 3}), 10000);
        const double t0 = double(kT0) / 1000;
        QCOMPARE(valueAt(s, t0 + 4, 10), 1.0);
        QCOMPARE(valueAt(s, t0 + 6, 10), 2.0);
        QVERIFY(std::isnan(valueAt(s, t0 + 100, 10)));
        QVERIFY(std::isnan(valueAt(ChartSeries{}, t0, 10)));
    }

    void downsamplingDecisions_data() {
        QTest::addColumn<qint64>("rangeMs");
        QTest::addColumn<int>("pixels");
        QTest::addColumn<qint64>("scrapeMs");
        QTest::addColumn<qint64>("step");
        QTest::newRow("5 min on 1000 px: the scrape interval")
            << 300000LL << 1000 << 5000LL << 5000LL;
        QTest::newRow("1 h on 1000 px") << 3600000LL << 1000 << 5000LL << 5000LL;
        QTest::newRow("24 h on 1000 px") << 86400000LL << 1000 << 5000LL << 120000LL;
        QTest::newRow("7 d on 1200 px") << 604800000LL << 1200 << 5000LL << 600000LL;
        QTest::newRow("tiny widget") << 3600000LL << 10 << 1000LL << 60000LL;
    }
    void downsamplingDecisions() {
        QFETCH(qint64, rangeMs);
        QFETCH(int, pixels);
        QFETCH(qint64, scrapeMs);
        QFETCH(qint64, step);
        const int maxPoints = maxPointsForWidth(pixels);
        QVERIFY(maxPoints >= 60 && maxPoints <= 11000);
        QCOMPARE(stepForRange(rangeMs, maxPoints, scrapeMs), step);
        QVERIFY(rangeMs / stepForRange(rangeMs, maxPoints, scrapeMs) <= maxPoints);
    }

    void coloursAreStableAndDistinct() {
        const MetricLabels a{{"instance", "a"}};
        const MetricLabels b{{"instance", "b"}};
        const MetricLabels c{{"instance", "c"}};
        // The same labels get the same colour wherever they are drawn.
        QCOMPARE(SeriesColors::preferredIndex(a), SeriesColors::preferredIndex(a));
        const QList<QColor> first = SeriesColors::assign({a, b, c}, false, Qt::blue, Qt::green);
        QCOMPARE(SeriesColors::assign({a, b, c}, false, Qt::blue, Qt::green), first);
        QCOMPARE(first[0], SeriesColors::paletteColor(SeriesColors::preferredIndex(a), false));
        QVERIFY(first[0] != first[1] && first[1] != first[2] && first[0] != first[2]);
        // Ten series, ten colours.
        QList<MetricLabels> many;
        for (int i = 0; i < SeriesColors::paletteSize(); ++i) {
            many.append({{"instance", QString::number(i)}});
        }
        const QList<QColor> assigned = SeriesColors::assign(many, true, Qt::blue, Qt::green);
        QSet<QRgb> distinct;
        for (const QColor &c : assigned) {
            distinct.insert(c.rgb());
        }
        QCOMPARE(distinct.size(), SeriesColors::paletteSize());
        // Deployment colours are the theme's.
        QCOMPARE(SeriesColors::assign({colour("blue"), colour("green")}, false, QColor(1, 2, 3),
                                      QColor(4, 5, 6)),
                 (QList<QColor>{QColor(1, 2, 3), QColor(4, 5, 6)}));
        // Light and dark palettes differ, each readable on its background.
        for (int i = 0; i < SeriesColors::paletteSize(); ++i) {
            QVERIFY(SeriesColors::paletteColor(i, true).lightness() >=
                    SeriesColors::paletteColor(i, false).lightness());
        }
    }

    void csvExport() {
        ChartSeries blue = toChartSeries(series(colour("blue"), kT0, 1000, {1, 2}), 1000);
        blue.name = QStringLiteral("blue");
        ChartSeries green = toChartSeries(series(colour("green"), kT0 + 1000, 1000, {0.5}), 1000);
        green.name = QStringLiteral("green, new");
        QCOMPARE(toCsv({blue, green}), QStringLiteral("time,blue,\"green, new\"\n"
                                                      "2023-11-14T22:13:20.000Z,1,\n"
                                                      "2023-11-14T22:13:21.000Z,2,0.5\n"));
    }

    void rolloutMarkersFromTransitions() {
        Rollout rollout;
        rollout.id = QStringLiteral("checkout-3");
        rollout.spec.version = QStringLiteral("v2");
        rollout.newColor = QStringLiteral("green");
        rollout.createTime = QDateTime::fromMSecsSinceEpoch(kT0, Qt::UTC);
        rollout.transitions = {
            {RolloutPhase::Provisioning, QDateTime::fromMSecsSinceEpoch(kT0 + 1000, Qt::UTC), {}},
            {RolloutPhase::Switching, QDateTime::fromMSecsSinceEpoch(kT0 + 60000, Qt::UTC), {}},
            {RolloutPhase::Aborting, QDateTime::fromMSecsSinceEpoch(kT0 + 90000, Qt::UTC),
             QStringLiteral("error ratio 5%")},
            {RolloutPhase::RolledBack, QDateTime::fromMSecsSinceEpoch(kT0 + 95000, Qt::UTC), {}}};
        const QList<ChartMarker> markers = rolloutMarkers(rollout);
        QCOMPARE(markers.size(), 4);
        QCOMPARE(markers[0].kind, MarkerKind::Start);
        QCOMPARE(markers[0].label, QStringLiteral("checkout-3 start"));
        QCOMPARE(markers[1].kind, MarkerKind::Switch);
        QCOMPARE(markers[2].kind, MarkerKind::Abort);
        QVERIFY(markers[2].detail.contains(QStringLiteral("error ratio 5%")));
        QCOMPARE(markers[3].kind, MarkerKind::Rollback);

        const auto step = rolloutLogMarker({QStringLiteral("checkout-3"), 4,
                                            QDateTime::fromMSecsSinceEpoch(kT0, Qt::UTC),
                                            QStringLiteral("traffic: blue 80%, green 20%")});
        QVERIFY(step);
        QCOMPARE(step->kind, MarkerKind::Step);
        QVERIFY(step->detail.contains(QStringLiteral("green 20%")));
        QVERIFY(!rolloutLogMarker({QStringLiteral("checkout-3"), 5,
                                   QDateTime::fromMSecsSinceEpoch(kT0, Qt::UTC),
                                   QStringLiteral("verifying: 3/3 healthy")}));
    }

    void markerPlacementAvoidsOverlap() {
        // 100 s over 1000 px: 10 px per second; labels 100 px wide.
        const QList<double> keys{50, 0, 5, 150, 8, 30};
        const QList<PlacedMarker> placed = placeMarkers(keys, 0, 100, 1000, 100, 2);
        // 150 is outside; the rest in time order.
        QCOMPARE(placed.size(), 5);
        QCOMPARE(placed[0], (PlacedMarker{1, 0, 0}));
        QCOMPARE(placed[1], (PlacedMarker{2, 50, 1}));
        // No row free at 80 px: the line only.
        QCOMPARE(placed[2], (PlacedMarker{4, 80, -1}));
        QCOMPARE(placed[3], (PlacedMarker{5, 300, 0}));
        QCOMPARE(placed[4], (PlacedMarker{0, 500, 0}));
        QVERIFY(placeMarkers(keys, 10, 10, 1000, 100, 2).isEmpty());
    }

    void chartDrawsWhatItIsFed() {
        TimeSeriesChart chart(QStringLiteral("Latency"), MetricUnit::Seconds);
        chart.resize(900, 320);
        chart.show();
        QVERIFY(QTest::qWaitForWindowExposed(&chart));
        chart.setRoleName(0, QStringLiteral("p50"));
        chart.setRoleName(2, QStringLiteral("p99"));
        const qint64 start = kT0;
        chart.setRoleSeries(0,
                            {series(colour("blue"), start, 15000, wave(240, 0.012, 0.003, 1)),
                             series(colour("green"), start, 15000, wave(240, 0.015, 0.003, 2))},
                            15000);
        chart.setRoleSeries(2, {series(colour("blue"), start, 15000, wave(240, 0.030, 0.008, 3))},
                            15000);
        chart.setTimeRange(double(start) / 1000, double(start) / 1000 + 3600);
        // Three updates, one replot.
        QTRY_COMPARE(chart.replotCount(), 1);
        QCOMPARE(chart.plot()->graphCount(), 3);
        QCOMPARE(chart.series()[0].name, QStringLiteral("p50 blue"));
        QCOMPARE(chart.series()[2].name, QStringLiteral("p99 blue"));
        QVERIFY(chart.plot()->graph(0)->adaptiveSampling());
        QCOMPARE(chart.plot()->graph(2)->pen().style(), Qt::DotLine);
        // The axis is in milliseconds.
        QVERIFY(chart.valueTickLabels().join(' ').contains(QStringLiteral(" ms")));
        // Same labels, same colour, whatever the role.
        QCOMPARE(chart.seriesColor(chart.series()[0].key),
                 chart.seriesColor(chart.series()[2].key));

        // The crosshair lists every series at that time.
        const QString tip = chart.crosshairText(double(start) / 1000 + 600);
        QVERIFY(tip.contains(QStringLiteral("p50 blue: ")));
        QVERIFY(tip.contains(QStringLiteral("p50 green: ")));
        QVERIFY(tip.contains(QStringLiteral(" ms")));

        // Hide one, then solo one, then solo it again to show all.
        const QString green = chart.series()[1].key;
        chart.setSeriesVisible(green, false);
        chart.flush();
        QVERIFY(!chart.plot()->graph(1)->visible());
        QVERIFY(!chart.crosshairText(double(start) / 1000 + 600).contains(QStringLiteral("green")));
        chart.solo(chart.series()[0].key);
        chart.flush();
        QVERIFY(chart.plot()->graph(0)->visible());
        QVERIFY(!chart.plot()->graph(1)->visible() && !chart.plot()->graph(2)->visible());
        chart.solo(chart.series()[0].key);
        chart.flush();
        QVERIFY(chart.plot()->graph(1)->visible() && chart.plot()->graph(2)->visible());

        // A click on a legend entry hides its series once the double-click interval passed.
        QCPAbstractLegendItem *item =
            chart.plot()->legend->itemWithPlottable(chart.plot()->graph(1));
        QVERIFY(item);
        const QPoint itemCentre = item->outerRect().center();
        QTest::mouseClick(chart.plot(), Qt::LeftButton, {}, itemCentre);
        QTRY_VERIFY(!chart.isSeriesVisible(green));
        QTest::mouseClick(chart.plot(), Qt::LeftButton, {}, itemCentre);
        QTRY_VERIFY(chart.isSeriesVisible(green));

        // Markers: lines in range, labels where there is room.
        chart.setMarkers({{QDateTime::fromMSecsSinceEpoch(start + 1200000),
                           MarkerKind::Start,
                           QStringLiteral("checkout-3 start"),
                           {}},
                          {QDateTime::fromMSecsSinceEpoch(start + 2400000),
                           MarkerKind::Switch,
                           QStringLiteral("checkout-3 switch"),
                           {}},
                          {QDateTime::fromMSecsSinceEpoch(start + 7200000),
                           MarkerKind::Done,
                           QStringLiteral("later"),
                           {}}});
        QCOMPARE(chart.placedMarkers().size(), 2);

        // Panning with the mouse moves time only and says so.
        QSignalSpy moved(&chart, &TimeSeriesChart::timeRangeChangedByUser);
        const double lowerBefore = chart.timeLower();
        const QRect area = chart.plot()->axisRect()->rect();
        QTest::mousePress(chart.plot(), Qt::LeftButton, {}, area.center());
        QMouseEvent move(QEvent::MouseMove, area.center() + QPoint(-100, 0),
                         chart.plot()->mapToGlobal(area.center() + QPoint(-100, 0)), Qt::NoButton,
                         Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(chart.plot(), &move);
        QTest::mouseRelease(chart.plot(), Qt::LeftButton, {}, area.center() + QPoint(-100, 0));
        QVERIFY(!moved.isEmpty());
        QVERIFY(chart.timeLower() > lowerBefore);

        // Exports.
        QVERIFY(chart.exportCsv(artifact(QStringLiteral("chart-latency.csv"))));
        QFile csv(artifact(QStringLiteral("chart-latency.csv")));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        QVERIFY(csv.readLine().startsWith("time,p50 blue,p50 green,p99 blue"));
        chart.setTimeRange(double(start) / 1000, double(start) / 1000 + 3600);
        QVERIFY(chart.exportPng(artifact(QStringLiteral("chart-latency.png"))));
        QVERIFY(hasContent(QImage(artifact(QStringLiteral("chart-latency.png")))));
    }

    void chartShowsGapsAndMessages() {
        TimeSeriesChart chart(QStringLiteral("Error ratio"), MetricUnit::Ratio);
        chart.resize(600, 260);
        chart.setRoleSeries(0, {}, 15000);
        chart.setMessage(QStringLiteral("No data in this range"));
        chart.flush();
        QCOMPARE(chart.message(), QStringLiteral("No data in this range"));
        MetricSeries s = series(colour("blue"), kT0, 15000, {0.01, 0.02});
        s.timestampsMs.append(kT0 + 300000);
        s.values.append(0.03);
        chart.setRoleSeries(0, {s}, 15000);
        chart.setMessage({});
        chart.flush();
        // The gap is in the plot's data as NaN.
        const auto data = chart.plot()->graph(0)->data();
        QCOMPARE(data->size(), 4);
        QVERIFY(std::isnan((data->constBegin() + 2)->value));
        QVERIFY(chart.valueTickLabels().join(' ').contains(QLatin1Char('%')));
    }

    void byteTicksAreRoundInTheirUnit() {
        TimeSeriesChart chart(QStringLiteral("Memory"), MetricUnit::Bytes);
        chart.resize(600, 300);
        chart.setRoleSeries(0, {series(colour("blue"), kT0, 1000, {0, 20.0 * 1024 * 1024})}, 1000);
        chart.setTimeRange(double(kT0) / 1000, double(kT0) / 1000 + 2);
        chart.flush();
        const QStringList labels = chart.valueTickLabels();
        QVERIFY(!labels.isEmpty());
        for (const QString &label : labels) {
            // 0, 5, 10, 15, 20 MiB; never 4.77 MiB.
            QVERIFY2(QRegularExpression(QStringLiteral("^\\d+ MiB$")).match(label).hasMatch(),
                     qPrintable(labels.join(QLatin1Char(','))));
        }
    }

    void manySeriesDrawCheaply() {
        // A dozen series: a legend entry each, wide antialiased lines.
        TimeSeriesChart chart(QStringLiteral("Requests"), MetricUnit::RequestsPerSecond);
        chart.resize(600, 260);
        QList<MetricSeries> few;
        for (int id = 0; id < 12; ++id) {
            few.append(series({{QStringLiteral("instance"), QString::number(id)}}, kT0, 1000,
                              wave(60, 10, 2, id)));
        }
        chart.setRoleSeries(0, few, 1000);
        chart.flush();
        QCOMPARE(chart.plot()->legend->itemCount(), 12);
        QVERIFY(chart.plot()->graph(0)->pen().widthF() > 1);
        QVERIFY(chart.plot()->graph(0)->antialiased());
        // More: no legend entries at all (each costs a layout element; thousands cost seconds),
        // one-pixel unantialiased lines (Qt strokes wider ones as paths, many times slower), and
        // still a distinct colour per series.
        QList<MetricSeries> many = few;
        for (int id = 12; id < 300; ++id) {
            many.append(series({{QStringLiteral("instance"), QString::number(id)}}, kT0, 1000,
                               wave(60, 10, 2, id)));
        }
        chart.setRoleSeries(0, many, 1000);
        chart.flush();
        QCOMPARE(chart.plot()->graphCount(), 300);
        QCOMPARE(chart.plot()->legend->itemCount(), 0);
        QVERIFY(!chart.plot()->legend->visible());
        QCOMPARE(chart.plot()->graph(299)->pen().widthF(), 1.0);
        QVERIFY(!chart.plot()->graph(299)->antialiased());
        QVERIFY(chart.seriesColor(chart.series()[0].key) !=
                chart.seriesColor(chart.series()[1].key));
        // Back to a few: the legend returns.
        chart.setRoleSeries(0, few.mid(0, 3), 1000);
        chart.flush();
        QCOMPARE(chart.plot()->legend->itemCount(), 3);
        QVERIFY(chart.plot()->legend->visible());
    }

    void liveTailReplotsWithoutRebuilding() {
        TimeSeriesChart chart(QStringLiteral("Requests"), MetricUnit::RequestsPerSecond);
        chart.resize(600, 260);
        chart.show();
        QVERIFY(QTest::qWaitForWindowExposed(&chart));
        chart.setRoleSeries(0, {series(colour("blue"), kT0, 1000, {1, 2, 3})}, 1000);
        chart.flush();
        QCPGraph *graph = chart.plot()->graph(0);
        const int before = chart.replotCount();
        for (int i = 0; i < 20; ++i) {
            chart.appendRoleTail(0, {series(colour("blue"), kT0 + 3000 + i * 1000, 1000, {4})},
                                 1000, double(kT0) / 1000);
        }
        // One graph throughout; twenty updates, one replot.
        QCOMPARE(chart.plot()->graph(0), graph);
        QTRY_COMPARE(chart.replotCount(), before + 1);
        QCOMPARE(chart.series()[0].keys.size(), 23);
    }

    void promqlCompletionContexts() {
        using Kind = PromqlCompletionContext::Kind;
        const auto at = [](const QString &text) {
            return promqlCompletionAt(text, int(text.size()));
        };
        QCOMPARE(at("rate(http_req").kind, Kind::MetricName);
        QCOMPARE(at("rate(http_req").prefix, QStringLiteral("http_req"));
        QCOMPARE(at("rate(http_req").start, 5);
        QCOMPARE(at("up{ser").kind, Kind::LabelName);
        QCOMPARE(at("up{service=\"checkout\",co").prefix, QStringLiteral("co"));
        const PromqlCompletionContext value = at("up{service=~\"chec");
        QCOMPARE(value.kind, Kind::LabelValue);
        QCOMPARE(value.labelName, QStringLiteral("service"));
        QCOMPARE(value.prefix, QStringLiteral("chec"));
        QCOMPARE(value.start, 13);
        QCOMPARE(at("rate(up[5").kind, Kind::None);
        QCOMPARE(at("up > 1").kind, Kind::None);
        QCOMPARE(at("label_replace(up, \"x").kind, Kind::None);
        // After a closed brace a metric name again.
        QCOMPARE(at("up{a=\"}\"} / ht").kind, Kind::MetricName);
        QCOMPARE(
            completionCandidates(
                {"up", "http_requests_total", "http_request_duration_seconds_bucket"}, "http_req"),
            (QStringList{"http_request_duration_seconds_bucket", "http_requests_total"}));
    }

    void errorPositions() {
        QCOMPARE(positionOffset("sum(rate(x[1m])", "1:16"), 15);
        QCOMPARE(positionOffset("sum(\n  rate(x[1m]) by", "2:14"), 18);
        QCOMPARE(positionOffset("up", "1:3"), 2);
        QCOMPARE(positionOffset("up", "1:4"), std::nullopt);
        QCOMPARE(positionOffset("up", "3:1"), std::nullopt);
        QCOMPARE(positionOffset("up", "x"), std::nullopt);
    }

    void promqlEditorCompletesAndMarks() {
        PromqlEditor editor;
        editor.resize(500, 80);
        editor.show();
        QVERIFY(QTest::qWaitForWindowExposed(&editor));
        editor.setMetricNames(
            {"http_requests_total", "http_request_duration_seconds_bucket", "up"});
        editor.setLabelNames({"color", "service"});
        QSignalSpy wanted(&editor, &PromqlEditor::labelValuesWanted);
        QTest::keyClicks(&editor, "http_requests_t");
        QCOMPARE(editor.currentCandidates(), QStringList{"http_requests_total"});
        QTest::keyClick(editor.completer()->popup(), Qt::Key_Return);
        QCOMPARE(editor.toPlainText(), QStringLiteral("http_requests_total"));
        QTest::keyClicks(&editor, "{service=\"");
        QCOMPARE(wanted.size(), 1);
        QCOMPARE(wanted.first().first().toString(), QStringLiteral("service"));
        editor.setLabelValues("service", {"cart", "checkout"});
        QTest::keyClicks(&editor, "ch");
        QCOMPARE(editor.currentCandidates(), QStringList{"checkout"});

        QSignalSpy run(&editor, &PromqlEditor::runRequested);
        QTest::keyClick(&editor, Qt::Key_Escape);
        QTest::keyClick(&editor, Qt::Key_Return, Qt::ControlModifier);
        QCOMPARE(run.size(), 1);

        editor.markError(4);
        QCOMPARE(editor.extraSelections().size(), 1);
        QCOMPARE(editor.extraSelections().first().cursor.selectionStart(), 4);
        QCOMPARE(editor.extraSelections().first().format.underlineStyle(),
                 QTextCharFormat::WaveUnderline);
        // Editing clears the mark.
        QTest::keyClicks(&editor, "x");
        QVERIFY(editor.extraSelections().isEmpty());
        QVERIFY(!editor.errorOffset());
    }

    void darkTheme() {
        auto *app = qobject_cast<QApplication *>(QCoreApplication::instance());
        const QPalette platform = app->palette();
        for (const ThemeMode mode : {ThemeMode::Light, ThemeMode::Dark}) {
            applyTheme(*app, mode, platform);
            TimeSeriesChart chart(QStringLiteral("Request rate"), MetricUnit::RequestsPerSecond);
            chart.resize(900, 300);
            chart.show();
            QVERIFY(QTest::qWaitForWindowExposed(&chart));
            chart.setRoleSeries(0,
                                {series(colour("blue"), kT0, 15000, wave(240, 40, 8, 1)),
                                 series(colour("green"), kT0, 15000, wave(240, 10, 3, 4))},
                                15000);
            chart.setTimeRange(double(kT0) / 1000, double(kT0) / 1000 + 3600);
            chart.setMarkers({{QDateTime::fromMSecsSinceEpoch(kT0 + 1800000),
                               MarkerKind::Switch,
                               QStringLiteral("checkout-3 switch"),
                               {}}});
            chart.flush();
            const QColor background = chart.grab().toImage().pixelColor(4, chart.height() / 2);
            QCOMPARE(background.lightness() < 128, mode == ThemeMode::Dark);
            const QString name = mode == ThemeMode::Dark ? QStringLiteral("chart-dark.png")
                                                         : QStringLiteral("chart-light.png");
            QVERIFY(chart.grab().save(artifact(name)));
        }
        applyTheme(*app, ThemeMode::Light, platform);
    }

    void serviceSparklines() {
        auto *app = qobject_cast<QApplication *>(QCoreApplication::instance());
        const QPalette platform = app->palette();
        for (const ThemeMode mode : {ThemeMode::Light, ThemeMode::Dark}) {
            applyTheme(*app, mode, platform);
            ServiceSummaryModel model;
            model.setKnownServices({{QStringLiteral("checkout"), {}, 0},
                                    {QStringLiteral("idle"), {}, 0},
                                    {QStringLiteral("payments"), {}, 0}});
            QTableView table;
            table.setModel(&model);
            table.setItemDelegate(new ServiceSummaryDelegate(&table));
            table.verticalHeader()->setDefaultSectionSize(30);
            table.horizontalHeader()->resizeSection(ServiceSummaryModel::TrafficColumn, 200);
            table.horizontalHeader()->setSectionResizeMode(ServiceSummaryModel::NameColumn,
                                                           QHeaderView::Stretch);
            table.resize(900, 160);
            table.show();
            QVERIFY(QTest::qWaitForWindowExposed(&table));
            // 15 minutes at 15 s: checkout with a burst of errors, payments steady and clean.
            QueryTail rate;
            rate.snapshot = true;
            rate.stepMs = 15000;
            rate.series = {series({{QStringLiteral("service"), QStringLiteral("checkout")}}, kT0,
                                  15000, wave(60, 40, 8, 1)),
                           series({{QStringLiteral("service"), QStringLiteral("payments")}}, kT0,
                                  15000, wave(60, 12, 2, 3))};
            QList<double> burst(60, 0.0);
            for (int i = 35; i < 45; ++i) {
                burst[i] = 0.03;
            }
            QueryTail errors = rate;
            errors.series = {series({{QStringLiteral("service"), QStringLiteral("checkout")}}, kT0,
                                    15000, burst),
                             series({{QStringLiteral("service"), QStringLiteral("payments")}}, kT0,
                                    15000, QList<double>(60, 0.0))};
            model.applyTrafficTail(ServiceSummaryModel::TrafficSignal::Rate, rate);
            model.applyTrafficTail(ServiceSummaryModel::TrafficSignal::Errors, errors);
            const QImage image = table.grab().toImage();
            const QString name = mode == ThemeMode::Dark ? QStringLiteral("sparklines-dark.png")
                                                         : QStringLiteral("sparklines-light.png");
            QVERIFY(image.save(artifact(name)));

            // The line's left part (no text there) is drawn in the accent and, for checkout's
            // errors, the danger colour; idle's cell holds nothing but its background.
            const ThemeColors colors = themeColors(table.palette());
            const auto cellHas = [&](const QString &service, const QColor &wanted) {
                const QRect cell = table.visualRect(
                    model.index(model.rowOf(service), ServiceSummaryModel::TrafficColumn));
                const QPoint offset = table.viewport()->mapTo(&table, QPoint(0, 0));
                for (int y = cell.top(); y <= cell.bottom(); ++y) {
                    for (int x = cell.left(); x < cell.left() + 72; ++x) {
                        const QColor pixel = image.pixelColor(QPoint(x, y) + offset);
                        if (std::abs(pixel.red() - wanted.red()) < 24 &&
                            std::abs(pixel.green() - wanted.green()) < 24 &&
                            std::abs(pixel.blue() - wanted.blue()) < 24) {
                            return true;
                        }
                    }
                }
                return false;
            };
            QVERIFY(cellHas(QStringLiteral("checkout"), colors.accent));
            QVERIFY(cellHas(QStringLiteral("checkout"), colors.danger));
            QVERIFY(cellHas(QStringLiteral("payments"), colors.accent));
            QVERIFY(!cellHas(QStringLiteral("payments"), colors.danger));
            QVERIFY(!cellHas(QStringLiteral("idle"), colors.accent));
            QVERIFY(!model
                         .index(model.rowOf(QStringLiteral("checkout")),
                                ServiceSummaryModel::TrafficColumn)
                         .data()
                         .toString()
                         .isEmpty());
        }
        applyTheme(*app, ThemeMode::Light, platform);
    }
};

QTEST_MAIN(TestConsoleCharts)
#include "tst_console_charts.moc"
