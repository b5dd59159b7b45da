// aegis-bench-console: the console's time chart (TimeSeriesChart on QCustomPlot) at sizes past
// what a page usually shows, in one run, offscreen at a fixed size.
//
//   1. A QueryRange answer (plain MetricSeries, as MetricsApi hands them over) to the chart drawn:
//      the conversion (setRoleSeries), the graphs rebuilt and replotted (flush), the widget
//      painted; 100 and 2,000 series x 1,000 points. Goal for 2,000 series: < 100 ms.
//   2. Panning 200 series x 10,000 points with the mouse: each frame is one mouse move on the
//      plot, the replot QCustomPlot queues for it and the paint. Goal: < 16 ms per frame.
//   3. The trace view (TraceView) with a 100,000-span trace: from the GetTrace answer's bytes
//      (parsed, converted as TracesApi does) to the first paint of the whole view, goal
//      < 300 ms; then scrolling with the mouse wheel, each frame one wheel step and the paint
//      it causes (waterfall and minimap), goal: p99 < 16.7 ms (60 frames/s).

#include "models/waterfall_model.h"
#include "net/metrics_types.h"
#include "net/trace_convert.h"
#include "net/trace_types.h"
#include "views/time_series_chart.h"
#include "views/trace_minimap.h"
#include "views/trace_view.h"
#include "views/waterfall_view.h"

#include <QApplication>
#include <QDateTime>
#include <QMouseEvent>
#include <QScrollBar>
#include <QWheelEvent>

#include <qcustomplot.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace aegis::console;
using Clock = std::chrono::steady_clock;

constexpr int kWidth = 1280;
constexpr int kHeight = 800;

double msSince(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// The value at `fraction` (0..1) of `values`, nearest-rank below.
double percentile(std::vector<double> values, double fraction) {
    if (values.empty()) {
        return 0;
    }
    std::sort(values.begin(), values.end());
    return values[std::size_t(fraction * double(values.size() - 1))];
}

double maximum(const std::vector<double> &values) {
    return values.empty() ? 0 : *std::max_element(values.begin(), values.end());
}

std::string fixed(double value, int decimals) {
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
}

std::string cpuModel() {
    std::ifstream cpuinfo("/proc/cpuinfo");
    for (std::string line; std::getline(cpuinfo, line);) {
        if (line.rfind("model name", 0) == 0) {
            return line.substr(line.find(':') + 2);
        }
    }
    return "unknown CPU";
}

// `count` series of `points` points each, `stepMs` apart and ending now, labelled like a
// per-instance query; the values wander so the lines cross the whole plot.
QList<MetricSeries> makeSeries(int count, int points, qint64 stepMs) {
    const qint64 end = QDateTime::currentMSecsSinceEpoch() / stepMs * stepMs;
    const qint64 start = end - qint64(points - 1) * stepMs;
    QList<MetricSeries> result;
    result.reserve(count);
    for (int id = 0; id < count; ++id) {
        MetricSeries one;
        one.labels = {{QStringLiteral("__name__"), QStringLiteral("http_requests_total")},
                      {QStringLiteral("service"), QStringLiteral("checkout")},
                      {QStringLiteral("instance"),
                       QStringLiteral("10.0.%1.%2:8080").arg(id / 250).arg(id % 250)}};
        one.timestampsMs.reserve(points);
        one.values.reserve(points);
        for (int i = 0; i < points; ++i) {
            one.timestampsMs.append(start + qint64(i) * stepMs);
            one.values.append(100 + id + 50 * std::sin(double(i) / 40 + id) +
                              10 * std::sin(double(i) * 1.7));
        }
        result.append(std::move(one));
    }
    return result;
}

// Times from a QueryRange answer to the painted chart: a new chart per round, as a page shows one.
void renderOnce(int rounds) {
    std::cout << "### QueryRange answer to rendered chart, 1,000 points per series (" << kWidth
              << "x" << kHeight << ", offscreen)\n\n"
              << "| series | median ms | max ms | convert (median) | rebuild + replot (median) | "
                 "paint (median) |\n|---:|---:|---:|---:|---:|---:|\n";
    constexpr qint64 kStepMs = 15000;
    for (const int count : {100, 2000}) {
        const QList<MetricSeries> series = makeSeries(count, 1000, kStepMs);
        const double first = double(series.first().timestampsMs.first()) / 1000.0;
        const double last = double(series.first().timestampsMs.last()) / 1000.0;
        std::vector<double> total, convert, replot, paint;
        for (int round = 0; round < rounds; ++round) {
            TimeSeriesChart chart(QStringLiteral("Requests"), MetricUnit::RequestsPerSecond);
            chart.resize(kWidth, kHeight);
            chart.setTimeRange(first, last);
            chart.show();
            QCoreApplication::processEvents();
            const auto start = Clock::now();
            chart.setRoleSeries(0, series, kStepMs);
            const double converted = msSince(start);
            chart.flush();
            const double replotted = msSince(start);
            chart.plot()->repaint();
            const double painted = msSince(start);
            total.push_back(painted);
            convert.push_back(converted);
            replot.push_back(replotted - converted);
            paint.push_back(painted - replotted);
            std::cerr << count << " series, round " << round + 1 << ": " << fixed(painted, 1)
                      << " ms\n";
        }
        std::cout << "| " << count << " | " << fixed(percentile(total, 0.5), 1) << " | "
                  << fixed(maximum(total), 1) << " | " << fixed(percentile(convert, 0.5), 1)
                  << " | " << fixed(percentile(replot, 0.5), 1) << " | "
                  << fixed(percentile(paint, 0.5), 1) << " |\n";
    }
    std::cout << "\n";
}

void sendMouse(QWidget *target, QEvent::Type type, QPoint at, Qt::MouseButtons buttons) {
    QMouseEvent event(type, QPointF(at), target->mapToGlobal(QPointF(at)), Qt::LeftButton, buttons,
                      Qt::NoModifier);
    QCoreApplication::sendEvent(target, &event);
}

// Drags the time axis of a chart of 200 series x 10,000 points by `pixels` per frame, as a
// mouse drag does: press, `frames` moves, release. A frame is one move, the replot QCustomPlot
// queues for it and the paint that follows.
void pan(int frames, int pixels) {
    constexpr int kSeries = 200;
    constexpr int kPoints = 10000;
    constexpr qint64 kStepMs = 1000;
    const QList<MetricSeries> series = makeSeries(kSeries, kPoints, kStepMs);
    const double first = double(series.first().timestampsMs.first()) / 1000.0;
    const double last = double(series.first().timestampsMs.last()) / 1000.0;
    TimeSeriesChart chart(QStringLiteral("Requests"), MetricUnit::RequestsPerSecond);
    chart.resize(kWidth, kHeight);
    // Half the data in view, the newest half, so a drag to the right brings older points in.
    const double span = last - first;
    chart.setTimeRange(last - span / 2, last);
    chart.show();
    chart.setRoleSeries(0, series, kStepMs);
    chart.flush();
    chart.plot()->repaint();
    QCoreApplication::processEvents();

    QCustomPlot *plot = chart.plot();
    int replots = 0;
    QObject::connect(plot, &QCustomPlot::afterReplot, plot, [&replots] { ++replots; });
    const QRect area = plot->axisRect()->rect();
    QPoint at(area.left() + area.width() / 4, area.center().y());
    sendMouse(plot, QEvent::MouseButtonPress, at, Qt::LeftButton);
    std::vector<double> times;
    for (int frame = 0; frame < frames; ++frame) {
        const int before = replots;
        const auto start = Clock::now();
        at.rx() += pixels;
        sendMouse(plot, QEvent::MouseMove, at, Qt::LeftButton);
        // The move queues a replot; the replot queues a repaint.
        const auto deadline = start + std::chrono::seconds(10);
        while (replots == before && Clock::now() < deadline) {
            QCoreApplication::processEvents();
        }
        if (replots == before) {
            throw std::runtime_error("a mouse move on the plot did not replot it");
        }
        plot->repaint();
        times.push_back(msSince(start));
    }
    sendMouse(plot, QEvent::MouseButtonRelease, at, Qt::NoButton);
    QCoreApplication::processEvents();

    std::cout << "### Panning " << kSeries << " series x " << kPoints << " points (" << kWidth
              << "x" << kHeight << ", offscreen, " << pixels << " px per frame, " << frames
              << " frames)\n\n"
              << "| median ms | p95 ms | max ms | replots |\n|---:|---:|---:|---:|\n"
              << "| " << fixed(percentile(times, 0.5), 1) << " | "
              << fixed(percentile(times, 0.95), 1) << " | " << fixed(maximum(times), 1) << " | "
              << replots << " |\n\n";
}

// A GetTrace answer (view TIMELINE) as it comes off the wire, for a synthetic trace of `count`
// spans shaped like a large fan-out request: a root calling a few services, each handler
// calling others and its database and cache, 8 children per span (so about six levels), 12
// services, 400 operation names, every 97th span an error, each child inside its parent.
std::string makeTraceResponse(int count) {
    aegis::v1::GetTraceResponse response;
    auto *summary = response.mutable_summary();
    summary->set_trace_id(
        std::string("\x4b\xf9\x2f\x35\x77\xb3\x4d\xa6\xa3\xce\x92\x9d\x0e\x0e\x47\x36", 16));
    summary->set_root_service("service-0");
    summary->set_root_operation("GET /api/v2/resource/0/items");
    summary->set_span_count(std::uint32_t(count));
    summary->mutable_start_time()->set_seconds(QDateTime::currentSecsSinceEpoch());
    summary->set_has_root(true);
    auto *t = response.mutable_timeline();
    t->set_start_unix_nano(std::uint64_t(QDateTime::currentSecsSinceEpoch()) * 1000000000);
    t->add_strings("");
    for (int i = 0; i < 12; ++i) {
        t->add_strings("service-" + std::to_string(i));
    }
    for (int i = 0; i < 400; ++i) {
        t->add_strings("GET /api/v2/resource/" + std::to_string(i) + "/items");
    }
    std::vector<int> depth(std::size_t(count), 0);
    const std::uint64_t end = std::uint64_t(count) * 20000 + 1000000;
    for (int i = 0; i < count; ++i) {
        const int parent = i == 0 ? -1 : (i - 1) / 8;
        depth[std::size_t(i)] = parent < 0 ? 0 : depth[std::size_t(parent)] + 1;
        const std::uint64_t start = std::uint64_t(i) * 20000;
        t->add_span_ids(0x1000000000000000ULL + std::uint64_t(i));
        t->add_parent_span_ids(parent < 0 ? 0 : 0x1000000000000000ULL + std::uint64_t(parent));
        t->add_services(std::uint32_t(1 + i % 12));
        t->add_operations(std::uint32_t(13 + i % 400));
        t->add_start_offsets_nanos(start);
        t->add_durations_nanos(end - std::uint64_t(depth[std::size_t(i)]) * 100000 - start);
        t->add_flags(2u | (i % 97 == 0 ? timeline_flag::Error : 0u));
        t->add_versions(0);
        t->add_colours(0);
    }
    return response.SerializeAsString();
}

// Counts the paint events a widget receives.
class PaintCounter final : public QObject {
public:
    int paints = 0;

protected:
    bool eventFilter(QObject *, QEvent *event) override {
        if (event->type() == QEvent::Paint) {
            ++paints;
        }
        return false;
    }
};

// Opens a `spans`-span trace in a new TraceView per round (as the Traces page does on a click)
// and times it to the first paint; then scrolls it with `frames` wheel steps.
void traceView(int spans, int rounds, int frames) {
    const std::string bytes = makeTraceResponse(spans);
    const auto decode = [&bytes] {
        aegis::v1::GetTraceResponse response;
        if (!response.ParseFromString(bytes)) {
            throw std::runtime_error("the synthetic GetTrace answer does not parse");
        }
        return fromProto(response);
    };
    std::vector<double> total, convert, show, paint;
    for (int round = 0; round < rounds; ++round) {
        TraceView view(nullptr);
        view.resize(kWidth, kHeight);
        view.show();
        QCoreApplication::processEvents();
        PaintCounter rows, overview;
        view.waterfall()->viewport()->installEventFilter(&rows);
        view.minimap()->installEventFilter(&overview);
        const auto start = Clock::now();
        const TraceDetail trace = decode();
        const double converted = msSince(start);
        view.showTrace(trace);
        const double shown = msSince(start);
        view.repaint();
        const double painted = msSince(start);
        if (view.model()->rowCount() != spans || rows.paints == 0 || overview.paints == 0) {
            throw std::runtime_error("the trace view did not paint the trace's rows and minimap");
        }
        total.push_back(painted);
        convert.push_back(converted);
        show.push_back(shown - converted);
        paint.push_back(painted - shown);
        std::cerr << "trace view, round " << round + 1 << ": " << fixed(painted, 1) << " ms\n";
    }
    const TraceDetail trace = decode();

    // Scrolling: from the top, one wheel notch (three rows) per frame, then back up; each frame
    // is the wheel event and the paint of what it made dirty.
    TraceView view(nullptr);
    view.resize(kWidth, kHeight);
    view.show();
    view.showTrace(trace);
    view.repaint();
    QCoreApplication::processEvents();
    WaterfallView *waterfall = view.waterfall();
    QWidget *viewport = waterfall->viewport();
    PaintCounter counter;
    viewport->installEventFilter(&counter);
    const QPointF at(viewport->width() / 2.0, viewport->height() / 2.0);
    std::vector<double> times;
    for (int frame = 0; frame < frames; ++frame) {
        const int notch = frame < frames / 2 ? -120 : 120;
        const int before = counter.paints;
        const int value = waterfall->verticalScrollBar()->value();
        const auto start = Clock::now();
        QWheelEvent wheel(at, viewport->mapToGlobal(at), QPoint(), QPoint(0, notch), Qt::NoButton,
                          Qt::NoModifier, Qt::NoScrollPhase, false);
        QCoreApplication::sendEvent(viewport, &wheel);
        const auto deadline = start + std::chrono::seconds(10);
        while (counter.paints == before && Clock::now() < deadline) {
            QCoreApplication::processEvents();
        }
        times.push_back(msSince(start));
        if (counter.paints == before || waterfall->verticalScrollBar()->value() == value) {
            throw std::runtime_error("a wheel step did not scroll and repaint the waterfall");
        }
    }
    // Jumps: a click on the minimap brings a far part of the trace into view.
    TraceMinimap *minimap = view.minimap();
    std::vector<double> jumps;
    for (int i = 0; i < 50; ++i) {
        const QPoint point(minimap->width() / 2, (i * 37) % minimap->height());
        const int before = counter.paints;
        const int value = waterfall->verticalScrollBar()->value();
        const auto start = Clock::now();
        sendMouse(minimap, QEvent::MouseButtonPress, point, Qt::LeftButton);
        sendMouse(minimap, QEvent::MouseButtonRelease, point, Qt::NoButton);
        if (waterfall->verticalScrollBar()->value() == value) {
            continue; // Already there (the top or bottom end): nothing to paint.
        }
        const auto deadline = start + std::chrono::seconds(10);
        while (counter.paints == before && Clock::now() < deadline) {
            QCoreApplication::processEvents();
        }
        if (counter.paints == before) {
            throw std::runtime_error("a click on the minimap did not repaint the waterfall");
        }
        jumps.push_back(msSince(start));
    }

    // What the model costs for the other interactions at this size.
    WaterfallModel *model = view.model();
    auto start = Clock::now();
    model->collapseAll();
    const double collapse = msSince(start);
    start = Clock::now();
    model->expandAll();
    const double expand = msSince(start);
    start = Clock::now();
    const int matches = model->search(QStringLiteral("resource/399/"));
    const double search = msSince(start);
    model->search({});

    std::cout << "### Trace view, " << spans << " spans (" << kWidth << "x" << kHeight
              << ", offscreen)\n\n"
              << "| figure | median ms | p99 ms | max ms |\n|---|---:|---:|---:|\n"
              << "| GetTrace answer (" << bytes.size() / 1024 << " KiB) → first paint (" << rounds
              << " rounds) | " << fixed(percentile(total, 0.5), 1) << " | "
              << fixed(percentile(total, 0.99), 1) << " | " << fixed(maximum(total), 1) << " |\n"
              << "| of which parsing and conversion (TraceDetail) | "
              << fixed(percentile(convert, 0.5), 1) << " | " << fixed(percentile(convert, 0.99), 1)
              << " | " << fixed(maximum(convert), 1) << " |\n"
              << "| of which showTrace (model built) | " << fixed(percentile(show, 0.5), 1) << " | "
              << fixed(percentile(show, 0.99), 1) << " | " << fixed(maximum(show), 1) << " |\n"
              << "| of which the first paint | " << fixed(percentile(paint, 0.5), 1) << " | "
              << fixed(percentile(paint, 0.99), 1) << " | " << fixed(maximum(paint), 1) << " |\n"
              << "| scroll frame: one wheel step + paint (" << frames << " frames) | "
              << fixed(percentile(times, 0.5), 2) << " | " << fixed(percentile(times, 0.99), 2)
              << " | " << fixed(maximum(times), 2) << " |\n"
              << "| minimap jump + paint (" << jumps.size() << ") | "
              << fixed(percentile(jumps, 0.5), 2) << " | " << fixed(percentile(jumps, 0.99), 2)
              << " | " << fixed(maximum(jumps), 2) << " |\n\n"
              << "Model operations at this size: collapse all " << fixed(collapse, 1)
              << " ms, expand all " << fixed(expand, 1) << " ms, search (" << matches
              << " matches, ancestors expanded) " << fixed(search, 1) << " ms.\n\n";
}

} // namespace

int main(int argc, char **argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) {
        qputenv("QT_QPA_PLATFORM", "offscreen");
    }
    QApplication app(argc, argv);
    int rounds = 10;
    int frames = 100;
    int pixels = 4;
    int spans = 100000;
    QString only;
    const QStringList args = QCoreApplication::arguments();
    for (qsizetype i = 1; i + 1 < args.size(); i += 2) {
        const int value = args[i + 1].toInt();
        if (args[i] == QLatin1String("--rounds")) {
            rounds = value;
        } else if (args[i] == QLatin1String("--frames")) {
            frames = value;
        } else if (args[i] == QLatin1String("--pixels")) {
            pixels = value;
        } else if (args[i] == QLatin1String("--spans")) {
            spans = value;
        } else if (args[i] == QLatin1String("--only") &&
                   (args[i + 1] == QLatin1String("render") || args[i + 1] == QLatin1String("pan") ||
                    args[i + 1] == QLatin1String("trace"))) {
            only = args[i + 1];
        } else {
            std::cerr << "usage: aegis-bench-console [--rounds N] [--frames N] [--pixels N] "
                         "[--spans N] [--only render|pan|trace]\n";
            return 2;
        }
    }
    if (rounds < 1 || frames < 2 || pixels < 1 || spans < 1) {
        std::cerr << "aegis-bench-console: --rounds, --pixels and --spans must be at least 1, "
                     "--frames at least 2\n";
        return 2;
    }
    std::cout << "## Console charts (" << cpuModel() << ", Qt " << qVersion() << ", "
              << QGuiApplication::platformName().toStdString() << ")\n\n";
    try {
        if (only.isEmpty() || only == QLatin1String("render")) {
            renderOnce(rounds);
        }
        if (only.isEmpty() || only == QLatin1String("pan")) {
            pan(frames, pixels);
        }
        if (only.isEmpty() || only == QLatin1String("trace")) {
            traceView(spans, rounds, std::max(frames, 200));
        }
    } catch (const std::exception &error) {
        std::cerr << "aegis-bench-console: " << error.what() << "\n";
        return 1;
    }
    return 0;
}
