// aegis-bench-console: the console's time chart (TimeSeriesChart on QCustomPlot) at sizes past
// what a page usually shows, in one run, offscreen at a fixed size.
//
//   1. A QueryRange answer (plain MetricSeries, as MetricsApi hands them over) to the chart drawn:
//      the conversion (setRoleSeries), the graphs rebuilt and replotted (flush), the widget
//      painted; 100 and 2,000 series x 1,000 points. Goal for 2,000 series: < 100 ms.
//   2. Panning 200 series x 10,000 points with the mouse: each frame is one mouse move on the
//      plot, the replot QCustomPlot queues for it and the paint. Goal: < 16 ms per frame.

#include "net/metrics_types.h"
#include "views/time_series_chart.h"

#include <QApplication>
#include <QDateTime>
#include <QMouseEvent>

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

} // namespace

int main(int argc, char **argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) {
        qputenv("QT_QPA_PLATFORM", "offscreen");
    }
    QApplication app(argc, argv);
    int rounds = 10;
    int frames = 100;
    int pixels = 4;
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
        } else if (args[i] == QLatin1String("--only") && (args[i + 1] == QLatin1String("render") ||
                                                          args[i + 1] == QLatin1String("pan"))) {
            only = args[i + 1];
        } else {
            std::cerr << "usage: aegis-bench-console [--rounds N] [--frames N] [--pixels N] "
                         "[--only render|pan]\n";
            return 2;
        }
    }
    if (rounds < 1 || frames < 1 || pixels < 1) {
        std::cerr << "aegis-bench-console: --rounds, --frames and --pixels must be at least 1\n";
        return 2;
    }
    std::cout << "## Console charts (" << cpuModel() << ", Qt " << qVersion() << ", "
              << QGuiApplication::platformName().toStdString() << ")\n\n";
    try {
        if (only != QLatin1String("pan")) {
            renderOnce(rounds);
        }
        if (only != QLatin1String("render")) {
            pan(frames, pixels);
        }
    } catch (const std::exception &error) {
        std::cerr << "aegis-bench-console: " << error.what() << "\n";
        return 1;
    }
    return 0;
}
