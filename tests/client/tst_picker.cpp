// Balancing strategies: exact sequences where the algorithm fixes them, distributions where it is
// random, and bounded remapping for the consistent-hash ring.

#include "client/picker.h"

#include <QtTest>

#include <map>

using namespace aegis::client;

namespace {

Endpoint endpoint(const std::string &id, std::int32_t weight = 100) {
    Endpoint e;
    e.id = id;
    e.service = "svc";
    e.address = id + ":80";
    e.weight = weight;
    return e;
}

std::vector<Endpoint> endpoints(int count) {
    std::vector<Endpoint> result;
    for (int i = 0; i < count; ++i) {
        result.push_back(endpoint("instance-" + std::to_string(i)));
    }
    return result;
}

std::string sequence(Picker &picker, int picks) {
    std::string result;
    for (int i = 0; i < picks; ++i) {
        result += picker.pick()->endpoint.id;
    }
    return result;
}

std::map<std::string, std::string> assign(Picker &picker, int keys) {
    std::map<std::string, std::string> owner;
    for (int i = 0; i < keys; ++i) {
        const std::string key = "user-" + std::to_string(i);
        owner[key] = picker.pick(key)->endpoint.id;
    }
    return owner;
}

} // namespace

class PickerTest : public QObject {
    Q_OBJECT

private slots:
    void emptyPickersPickNothing_data();
    void emptyPickersPickNothing();
    void roundRobinTakesTurns();
    void smoothWeightedFollowsNginxSequence_data();
    void smoothWeightedFollowsNginxSequence();
    void smoothWeightedKeepsStateAcrossUpdates();
    void randomSpreadsEvenly();
    void leastRequestAvoidsTheBusyEndpoint();
    void leastRequestBalancesHeldRequests();
    void inFlightGuardCountsUntilReleased();
    void consistentHashIsStable();
    void consistentHashMovesAboutOneNthWhenOneJoins();
    void consistentHashMovesOnlyTheLeaversKeys();
};

void PickerTest::emptyPickersPickNothing_data() {
    QTest::addColumn<int>("strategy");
    QTest::newRow("round-robin") << int(Strategy::RoundRobin);
    QTest::newRow("weighted") << int(Strategy::WeightedRoundRobin);
    QTest::newRow("random") << int(Strategy::Random);
    QTest::newRow("least-request") << int(Strategy::LeastRequest);
    QTest::newRow("consistent-hash") << int(Strategy::ConsistentHash);
}

void PickerTest::emptyPickersPickNothing() {
    QFETCH(int, strategy);
    auto picker = makePicker(static_cast<Strategy>(strategy));
    QVERIFY(!picker->pick("k").has_value());
    picker->update({endpoint("a")});
    QCOMPARE(picker->pick("k")->endpoint.id, std::string("a"));
    picker->update({});
    QVERIFY(!picker->pick("k").has_value());
}

void PickerTest::roundRobinTakesTurns() {
    auto picker = makePicker(Strategy::RoundRobin);
    picker->update({endpoint("a"), endpoint("b"), endpoint("c")});
    QCOMPARE(sequence(*picker, 9), std::string("abcabcabc"));
}

void PickerTest::smoothWeightedFollowsNginxSequence_data() {
    QTest::addColumn<std::vector<int>>("weights");
    QTest::addColumn<QString>("expected");
    // The sequence from nginx's commit introducing smooth weighted round-robin.
    QTest::newRow("5,1,1") << std::vector<int>{5, 1, 1}
                           << "aabacaa"
                              "aabacaa";
    QTest::newRow("equal") << std::vector<int>{1, 1, 1} << "abcabc";
    QTest::newRow("4,2,1") << std::vector<int>{4, 2, 1} << "abacaba";
    QTest::newRow("zero weight never picked") << std::vector<int>{1, 0, 1} << "acacac";
}

void PickerTest::smoothWeightedFollowsNginxSequence() {
    QFETCH(std::vector<int>, weights);
    QFETCH(QString, expected);
    auto picker = makePicker(Strategy::WeightedRoundRobin);
    std::vector<Endpoint> list;
    for (std::size_t i = 0; i < weights.size(); ++i) {
        list.push_back(endpoint(std::string(1, static_cast<char>('a' + i)), weights[i]));
    }
    picker->update(list);
    QCOMPARE(QString::fromStdString(sequence(*picker, static_cast<int>(expected.size()))),
             expected);
}

void PickerTest::smoothWeightedKeepsStateAcrossUpdates() {
    auto picker = makePicker(Strategy::WeightedRoundRobin);
    const std::vector<Endpoint> list = {endpoint("a", 5), endpoint("b", 1), endpoint("c", 1)};
    picker->update(list);
    QCOMPARE(sequence(*picker, 3), std::string("aab"));
    picker->update(list); // e.g. an unrelated instance changed: the sequence continues
    QCOMPARE(sequence(*picker, 4), std::string("acaa"));
}

void PickerTest::randomSpreadsEvenly() {
    auto picker = makePicker(Strategy::Random, PickerOptions{42, 160});
    picker->update({endpoint("a"), endpoint("b"), endpoint("c")});
    std::map<std::string, int> counts;
    for (int i = 0; i < 3000; ++i) {
        ++counts[picker->pick()->endpoint.id];
    }
    QCOMPARE(counts.size(), std::size_t(3));
    for (const auto &[id, count] : counts) {
        QVERIFY2(count > 850 && count < 1150, (id + ": " + std::to_string(count)).c_str());
    }
}

void PickerTest::leastRequestAvoidsTheBusyEndpoint() {
    auto picker = makePicker(Strategy::LeastRequest);
    picker->update({endpoint("a"), endpoint("b"), endpoint("c")});
    // Make "a" busy: ten requests in flight on it.
    // Held picks spread over all three; keep a's, release the others.
    std::vector<InFlightGuard> busy;
    std::vector<Pick> others;
    while (busy.size() < 10) {
        auto pick = picker->pick();
        if (pick->endpoint.id == "a") {
            busy.push_back(std::move(pick->guard));
        } else {
            others.push_back(std::move(*pick));
        }
    }
    others.clear();
    std::map<std::string, int> counts;
    for (int i = 0; i < 1000; ++i) {
        ++counts[picker->pick()->endpoint.id]; // released at once: b and c stay idle
    }
    QCOMPARE(counts["a"], 0);
    QVERIFY(counts["b"] > 300);
    QVERIFY(counts["c"] > 300);

    busy.clear();
    counts.clear();
    for (int i = 0; i < 1000; ++i) {
        ++counts[picker->pick()->endpoint.id];
    }
    QVERIFY2(counts["a"] > 200, "an idle endpoint is picked again once its requests finish");
}

void PickerTest::leastRequestBalancesHeldRequests() {
    auto picker = makePicker(Strategy::LeastRequest);
    picker->update(endpoints(3));
    std::vector<Pick> held;
    std::map<std::string, int> load;
    for (int i = 0; i < 300; ++i) {
        held.push_back(*picker->pick());
        ++load[held.back().endpoint.id];
    }
    int low = 300;
    int high = 0;
    for (const auto &[id, count] : load) {
        low = std::min(low, count);
        high = std::max(high, count);
    }
    QVERIFY2(high - low <= 3, (std::to_string(low) + ".." + std::to_string(high)).c_str());
}

void PickerTest::inFlightGuardCountsUntilReleased() {
    auto counter = std::make_shared<std::atomic<std::int64_t>>(0);
    {
        InFlightGuard first(counter);
        InFlightGuard second(counter);
        QCOMPARE(counter->load(), std::int64_t(2));
        InFlightGuard moved(std::move(first));
        QCOMPARE(counter->load(), std::int64_t(2));
        second.release();
        second.release();
        QCOMPARE(counter->load(), std::int64_t(1));
        moved = InFlightGuard(counter); // releases the old, takes a new one
        QCOMPARE(counter->load(), std::int64_t(1));
    }
    QCOMPARE(counter->load(), std::int64_t(0));
}

void PickerTest::consistentHashIsStable() {
    auto picker = makePicker(Strategy::ConsistentHash);
    auto list = endpoints(5);
    picker->update(list);
    const auto before = assign(*picker, 1000);
    std::reverse(list.begin(), list.end()); // order of arrival does not matter
    picker->update(list);
    QVERIFY(assign(*picker, 1000) == before);

    std::map<std::string, int> load;
    for (const auto &[key, owner] : before) {
        ++load[owner];
    }
    QCOMPARE(load.size(), std::size_t(5));
    for (const auto &[id, count] : load) {
        QVERIFY2(count > 100 && count < 300, (id + ": " + std::to_string(count)).c_str());
    }
}

void PickerTest::consistentHashMovesAboutOneNthWhenOneJoins() {
    constexpr int kKeys = 20000;
    auto picker = makePicker(Strategy::ConsistentHash);
    auto list = endpoints(10);
    picker->update(list);
    const auto before = assign(*picker, kKeys);
    list.push_back(endpoint("newcomer"));
    picker->update(list);
    const auto after = assign(*picker, kKeys);

    int moved = 0;
    for (const auto &[key, owner] : after) {
        if (owner != before.at(key)) {
            ++moved;
            QCOMPARE(owner, std::string("newcomer")); // keys move only to the newcomer
        }
    }
    // Ideal: kKeys / 11 ≈ 1818. Allow the ring's unevenness, not a reshuffle.
    const double share = double(moved) / kKeys;
    QVERIFY2(share > 0.5 / 11 && share < 1.6 / 11, std::to_string(share).c_str());
}

void PickerTest::consistentHashMovesOnlyTheLeaversKeys() {
    constexpr int kKeys = 20000;
    auto picker = makePicker(Strategy::ConsistentHash);
    auto list = endpoints(10);
    picker->update(list);
    const auto before = assign(*picker, kKeys);
    const std::string leaver = list[3].id;
    list.erase(list.begin() + 3);
    picker->update(list);
    const auto after = assign(*picker, kKeys);

    int moved = 0;
    for (const auto &[key, owner] : after) {
        if (owner != before.at(key)) {
            ++moved;
            QCOMPARE(before.at(key), leaver); // only the leaver's keys move
        }
    }
    const double share = double(moved) / kKeys;
    QVERIFY2(share > 0.5 / 10 && share < 1.6 / 10, std::to_string(share).c_str());
}

QTEST_GUILESS_MAIN(PickerTest)
#include "tst_picker.moc"
