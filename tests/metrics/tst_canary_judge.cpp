// The canary judge (metrics/canary_judge.h): Mann–Whitney U over per-interval samples of the new
// colour against the stable one, direction-aware, as a table of named cases.

#include "metrics/canary_judge.h"

#include <QtTest>

#include <cmath>
#include <limits>

using namespace aegis::metrics;

Q_DECLARE_METATYPE(aegis::metrics::Verdict)
Q_DECLARE_METATYPE(aegis::metrics::Direction)
Q_DECLARE_METATYPE(std::vector<double>)

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

} // namespace

class CanaryJudgeTest : public QObject {
    Q_OBJECT

private slots:
    void mannWhitneyMatchesTheTextbook_data();
    void mannWhitneyMatchesTheTextbook();
    void oneMetric_data();
    void oneMetric();
    void metricScoresAreAveraged();
    void summaryNamesTheWorseMetric();
};

void CanaryJudgeTest::mannWhitneyMatchesTheTextbook_data() {
    QTest::addColumn<std::vector<double>>("candidate");
    QTest::addColumn<std::vector<double>>("baseline");
    QTest::addColumn<Direction>("direction");
    QTest::addColumn<double>("u");
    QTest::addColumn<double>("pValue");
    QTest::addColumn<double>("effectSize");

    // scipy.stats.mannwhitneyu(c, b, alternative="greater", method="asymptotic") gives the same.
    QTest::newRow("all higher") << std::vector<double>{4, 5, 6} << std::vector<double>{1, 2, 3}
                                << Direction::HigherIsWorse << 9.0 << 0.040428 << 1.0;
    QTest::newRow("all lower, higher is worse")
        << std::vector<double>{1, 2, 3} << std::vector<double>{4, 5, 6} << Direction::HigherIsWorse
        << 0.0 << 0.985452 << 0.0;
    QTest::newRow("all lower, lower is worse")
        << std::vector<double>{1, 2, 3} << std::vector<double>{4, 5, 6} << Direction::LowerIsWorse
        << 9.0 << 0.040428 << 1.0;
    QTest::newRow("ties count half")
        << std::vector<double>{1, 2, 2, 3} << std::vector<double>{2, 2, 2, 2}
        << Direction::HigherIsWorse << 8.0 << 0.574947 << 0.5;
    QTest::newRow("every sample ties")
        << std::vector<double>{0, 0, 0} << std::vector<double>{0, 0, 0} << Direction::HigherIsWorse
        << 4.5 << 1.0 << 0.5;
}

void CanaryJudgeTest::mannWhitneyMatchesTheTextbook() {
    QFETCH(std::vector<double>, candidate);
    QFETCH(std::vector<double>, baseline);
    QFETCH(Direction, direction);
    QFETCH(double, u);
    QFETCH(double, pValue);
    QFETCH(double, effectSize);
    const MannWhitney result = mannWhitneyU(candidate, baseline, direction);
    QCOMPARE(result.u, u);
    QVERIFY2(std::abs(result.pValue - pValue) < 1e-4, std::to_string(result.pValue).c_str());
    QCOMPARE(result.effectSize, effectSize);
}

void CanaryJudgeTest::oneMetric_data() {
    QTest::addColumn<std::vector<double>>("stable");
    QTest::addColumn<std::vector<double>>("canary");
    QTest::addColumn<Direction>("direction");
    QTest::addColumn<Verdict>("verdict");
    QTest::addColumn<double>("score");

    const std::vector<double> quiet{0, 0.001, 0, 0.002, 0, 0.001, 0, 0, 0.001, 0};
    QTest::newRow("no errors on either colour")
        << std::vector<double>(10, 0.0) << std::vector<double>(10, 0.0) << Direction::HigherIsWorse
        << Verdict::Pass << 100.0;
    QTest::newRow("same noise") << quiet
                                << std::vector<double>{0.001, 0, 0, 0.001, 0, 0.002, 0, 0, 0, 0.001}
                                << Direction::HigherIsWorse << Verdict::Pass << 100.0;
    QTest::newRow("injected error rate")
        << quiet << std::vector<double>{0.11, 0.09, 0.12, 0.1, 0.13, 0.08, 0.1, 0.11, 0.09, 0.12}
        << Direction::HigherIsWorse << Verdict::Fail << 0.0;
    QTest::newRow("faster canary is fine") << std::vector<double>{0.021, 0.022, 0.020, 0.023, 0.021}
                                           << std::vector<double>{0.011, 0.012, 0.010, 0.013, 0.011}
                                           << Direction::HigherIsWorse << Verdict::Pass << 100.0;
    QTest::newRow("lower throughput when lower is worse")
        << std::vector<double>{100, 101, 99, 102, 100} << std::vector<double>{50, 51, 49, 52, 50}
        << Direction::LowerIsWorse << Verdict::Fail << 0.0;
    QTest::newRow("too few samples") << std::vector<double>{0, 0} << std::vector<double>{1, 1}
                                     << Direction::HigherIsWorse << Verdict::Inconclusive << 0.0;
    QTest::newRow("intervals without traffic are ignored")
        << std::vector<double>{kNaN, 0, 0, 0, kNaN} << std::vector<double>{kNaN, kNaN, 0.5, 0.5}
        << Direction::HigherIsWorse << Verdict::Inconclusive << 0.0;
}

void CanaryJudgeTest::oneMetric() {
    QFETCH(std::vector<double>, stable);
    QFETCH(std::vector<double>, canary);
    QFETCH(Direction, direction);
    QFETCH(Verdict, verdict);
    QFETCH(double, score);
    const Judgement judgement = judgeCanary({{"error_ratio", direction, stable, canary}});
    QCOMPARE(judgement.verdict, verdict);
    QCOMPARE(judgement.score, score);
    QCOMPARE(judgement.metrics.size(), std::size_t{1});
    QCOMPARE(judgement.metrics.front().verdict, verdict);
}

void CanaryJudgeTest::metricScoresAreAveraged() {
    const std::vector<double> stable{0.020, 0.021, 0.022, 0.020, 0.021};
    const std::vector<double> slower{0.040, 0.041, 0.042, 0.040, 0.041};
    JudgeOptions options;
    options.marginalThreshold = 95;
    options.failThreshold = 40;
    const Judgement judgement =
        judgeCanary({{"error_ratio", Direction::HigherIsWorse, {0, 0, 0, 0}, {0, 0, 0, 0}},
                     {"latency_p99", Direction::HigherIsWorse, stable, slower}},
                    options);
    QCOMPARE(judgement.score, 50.0);
    QCOMPARE(judgement.verdict, Verdict::Marginal);
    QCOMPARE(judgement.metrics[0].verdict, Verdict::Pass);
    QCOMPARE(judgement.metrics[1].verdict, Verdict::Fail);
    // With the default thresholds the same half is a fail.
    QCOMPARE(judgeCanary({{"error_ratio", Direction::HigherIsWorse, {0, 0, 0}, {0, 0, 0}},
                          {"latency_p99", Direction::HigherIsWorse, stable, slower}})
                 .verdict,
             Verdict::Fail);
}

void CanaryJudgeTest::summaryNamesTheWorseMetric() {
    const Judgement judgement =
        judgeCanary({{"latency_p99", Direction::HigherIsWorse, {1, 1, 1, 1, 1}, {2, 2, 2, 2, 2}}});
    QCOMPARE(judgement.verdict, Verdict::Fail);
    QVERIFY2(judgement.summary.find("latency_p99 worse (median 2 vs 1, U=25") != std::string::npos,
             judgement.summary.c_str());
    QCOMPARE(judgement.metrics.front().candidateMedian, 2.0);
    QCOMPARE(judgement.metrics.front().baselineCount, std::size_t{5});
}

QTEST_APPLESS_MAIN(CanaryJudgeTest)
#include "tst_canary_judge.moc"
