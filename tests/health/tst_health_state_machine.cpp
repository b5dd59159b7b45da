// HealthStateMachine: exact rise/fall counts, warning handling, flap detection with damped
// events, the bounded history and deregister-after, all on a ManualClock.

#include "health/health_state_machine.h"

#include <QtTest>

using namespace aegis;
using namespace aegis::health;
using namespace std::chrono_literals;

namespace {

ProbeResult pass() {
    return {HealthState::Passing, "HTTP 200"};
}
ProbeResult warn() {
    return {HealthState::Warning, "HTTP 429"};
}
ProbeResult fail() {
    return {HealthState::Critical, "HTTP 503"};
}

ProbeResult fromLetter(char letter) {
    switch (letter) {
    case 'P':
        return pass();
    case 'W':
        return warn();
    default:
        return fail();
    }
}

char letterOf(HealthState state) {
    switch (state) {
    case HealthState::Unknown:
        return 'U';
    case HealthState::Passing:
        return 'P';
    case HealthState::Warning:
        return 'W';
    case HealthState::Critical:
        return 'C';
    }
    return '?';
}

CheckParams params(unsigned rise, unsigned fall) {
    CheckParams p;
    p.rise = rise;
    p.fall = fall;
    p.flap.maxTransitions = 0;
    return p;
}

} // namespace

class TestHealthStateMachine : public QObject {
    Q_OBJECT

private slots:
    void riseAndFall_data() {
        QTest::addColumn<unsigned>("rise");
        QTest::addColumn<unsigned>("fall");
        QTest::addColumn<int>("initial");
        QTest::addColumn<QString>("results");
        // The state after each result.
        QTest::addColumn<QString>("states");

        const int unknown = static_cast<int>(HealthState::Unknown);
        const int passing = static_cast<int>(HealthState::Passing);
        QTest::newRow("rise 2 from unknown") << 2u << 3u << unknown << "PP"
                                             << "UP";
        QTest::newRow("rise 3, a failure resets the run") << 3u << 3u << unknown << "PPCPPP"
                                                          << "UUUUUP";
        QTest::newRow("fall 3 from passing") << 2u << 3u << passing << "CCCC"
                                             << "PPCC";
        QTest::newRow("fall 3, a success resets the run") << 2u << 3u << passing << "CCPCCC"
                                                          << "PPPPPC";
        QTest::newRow("fall 1, rise 1") << 1u << 1u << unknown << "PCPC"
                                        << "PCPC";
        QTest::newRow("fall 2 from unknown") << 2u << 2u << unknown << "CC"
                                             << "UC";
        QTest::newRow("warnings count as failures, the latest decides")
            << 2u << 2u << passing << "WCW"
            << "PCW";
        QTest::newRow("429 warning after fall") << 2u << 2u << passing << "WW"
                                                << "PW";
        QTest::newRow("recovery needs rise") << 2u << 1u << passing << "CPP"
                                             << "CCP";
    }
    void riseAndFall() {
        QFETCH(unsigned, rise);
        QFETCH(unsigned, fall);
        QFETCH(int, initial);
        QFETCH(QString, results);
        QFETCH(QString, states);
        CheckParams p = params(rise, fall);
        p.initialState = static_cast<HealthState>(initial);
        HealthStateMachine machine(p, std::make_shared<ManualClock>());
        QString seen;
        for (QChar letter : results) {
            machine.observe(fromLetter(letter.toLatin1()));
            seen += QLatin1Char(letterOf(machine.state()));
        }
        QCOMPARE(seen, states);
    }

    void eventsCarryReasonAndOutput() {
        HealthStateMachine machine(params(1, 2), std::make_shared<ManualClock>());
        auto event = machine.observe(pass());
        QVERIFY(event);
        QCOMPARE(event->from, HealthState::Unknown);
        QCOMPARE(event->to, HealthState::Passing);
        QVERIFY(!machine.observe(pass()));
        QVERIFY(!machine.observe(fail()));
        event = machine.observe(fail());
        QVERIFY(event);
        QCOMPARE(event->to, HealthState::Critical);
        QCOMPARE(event->output, std::string("HTTP 503"));
        QVERIFY(QString::fromStdString(machine.reason()).contains("2 consecutive failing"));
        QCOMPARE(machine.lastOutput(), std::string("HTTP 503"));
        QCOMPARE(machine.history().size(), std::size_t(2));
    }

    void flappingDampsEvents() {
        auto clock = std::make_shared<ManualClock>();
        CheckParams p = params(1, 1);
        p.flap.maxTransitions = 3;
        p.flap.window = 60s;
        HealthStateMachine machine(p, clock);
        int announced = 0;
        int flappingStarts = 0;
        // Transitions 1..3 are announced; the 4th exceeds the limit: one "flapping" event, then
        // silence while it flaps.
        for (int i = 0; i < 10; ++i) {
            clock->advance(1s);
            auto event = machine.observe(i % 2 == 0 ? pass() : fail());
            if (event) {
                ++announced;
                flappingStarts += event->flappingChanged && event->flapping ? 1 : 0;
            }
        }
        QCOMPARE(announced, 4);
        QCOMPARE(flappingStarts, 1);
        QVERIFY(machine.isFlapping());
        QCOMPARE(machine.history().size(), std::size_t(10));

        // Once the window holds at most half the limit, one event ends flapping with the state.
        clock->advance(61s);
        auto event = machine.observe(fail());
        QVERIFY(event);
        QVERIFY(event->flappingChanged);
        QVERIFY(!event->flapping);
        QCOMPARE(event->to, HealthState::Critical);
        QVERIFY(!machine.isFlapping());
    }

    void historyIsBounded() {
        CheckParams p = params(1, 1);
        p.historyLimit = 4;
        HealthStateMachine machine(p, std::make_shared<ManualClock>());
        for (int i = 0; i < 20; ++i) {
            machine.observe(i % 2 == 0 ? pass() : fail());
        }
        QCOMPARE(machine.history().size(), std::size_t(4));
        QCOMPARE(machine.history().back().to, HealthState::Critical);
        QCOMPARE(machine.history().front().to, HealthState::Passing);
    }

    void deregisterAfterCriticalLongEnough() {
        auto clock = std::make_shared<ManualClock>();
        CheckParams p = params(1, 1);
        p.deregisterAfter = 30s;
        HealthStateMachine machine(p, clock);
        machine.observe(fail());
        QVERIFY(!machine.deregisterDue());
        clock->advance(29s);
        QVERIFY(!machine.deregisterDue());
        clock->advance(1s);
        QVERIFY(machine.deregisterDue());
        machine.observe(pass());
        QVERIFY(!machine.deregisterDue());
    }
};

QTEST_GUILESS_MAIN(TestHealthStateMachine)
#include "tst_health_state_machine.moc"
