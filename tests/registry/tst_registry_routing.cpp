// Routability and traffic weights as pure functions of a service's instances: no store.

#include "registry/routing.h"

#include <QtTest>

#include <vector>

using namespace aegis;
using registry::HealthStatus;
using registry::Instance;
using registry::InstanceState;

namespace {

struct Given {
    Given(std::string id, std::string colour = {}, HealthStatus health = HealthStatus::Passing,
          bool ejected = false, std::int32_t weight = 100,
          InstanceState state = InstanceState::Serving)
        : id(std::move(id))
        , colour(std::move(colour))
        , health(health)
        , ejected(ejected)
        , weight(weight)
        , state(state) {}

    std::string id;
    std::string colour; // empty: no colour label
    HealthStatus health;
    bool ejected;
    std::int32_t weight;
    InstanceState state;
};

struct Expected {
    bool routable = true;
    std::int32_t trafficWeight = 100;
};

Instance make(const Given &given) {
    Instance instance;
    instance.service = "checkout";
    instance.id = given.id;
    instance.weight = given.weight;
    instance.trafficWeight = -1;        // must be computed
    instance.routable = !given.ejected; // must be recomputed
    instance.state = given.state;
    instance.health.status = given.health;
    instance.health.ejected = given.ejected;
    if (!given.colour.empty()) {
        instance.labels["color"] = given.colour;
    }
    return instance;
}

std::optional<registry::TrafficPolicy> shares(std::map<std::string, int> split) {
    registry::TrafficPolicy policy;
    policy.shares = std::move(split);
    return policy;
}

} // namespace

Q_DECLARE_METATYPE(std::vector<Given>)
Q_DECLARE_METATYPE(std::vector<Expected>)
Q_DECLARE_METATYPE(std::optional<registry::TrafficPolicy>)

class RegistryRoutingTest : public QObject {
    Q_OBJECT

private slots:
    void routesAService_data();
    void routesAService();
    void aJoiningInstanceGetsItsShareAtOnce();
};

void RegistryRoutingTest::routesAService_data() {
    QTest::addColumn<std::vector<Given>>("instances");
    QTest::addColumn<double>("threshold");
    QTest::addColumn<std::optional<registry::TrafficPolicy>>("policy");
    QTest::addColumn<bool>("panic");
    QTest::addColumn<std::vector<Expected>>("expected");

    const auto critical = HealthStatus::Critical;
    const std::optional<registry::TrafficPolicy> none;

    QTest::newRow("all healthy, no policy: weights as given")
        << std::vector<Given>{{"a"}, {"b", "", HealthStatus::Warning, false, 30}} << 0.5 << none
        << false << std::vector<Expected>{{true, 100}, {true, 30}};
    QTest::newRow("one critical of three is left out")
        << std::vector<Given>{{"a"}, {"b"}, {"c", "", critical}} << 0.5 << none << false
        << std::vector<Expected>{{true, 100}, {true, 100}, {false, 100}};
    QTest::newRow("an ejected instance is unhealthy")
        << std::vector<Given>{{"a"}, {"b"}, {"c", "", HealthStatus::Passing, true}} << 0.5 << none
        << false << std::vector<Expected>{{true, 100}, {true, 100}, {false, 100}};
    QTest::newRow("more than the threshold unhealthy: panic routes all")
        << std::vector<Given>{{"a"}, {"b", "", critical}, {"c", "", critical}} << 0.5 << none
        << true << std::vector<Expected>{{true, 100}, {true, 100}, {true, 100}};
    QTest::newRow("exactly the threshold is no panic")
        << std::vector<Given>{{"a"}, {"b", "", critical}} << 0.5 << none << false
        << std::vector<Expected>{{true, 100}, {false, 100}};
    QTest::newRow("a threshold of 1 disables panic")
        << std::vector<Given>{{"a", "", critical}, {"b", "", critical}} << 1.0 << none << false
        << std::vector<Expected>{{false, 100}, {false, 100}};
    QTest::newRow("shares spread over each group by weight")
        << std::vector<Given>{{"b1", "blue"},
                              {"b2", "blue", HealthStatus::Passing, false, 300},
                              {"g1", "green"}}
        << 0.5 << shares({{"blue", 90}, {"green", 10}}) << false
        << std::vector<Expected>{{true, 2250}, {true, 6750}, {true, 1000}};
    QTest::newRow("an instance the policy does not cover keeps its weight")
        << std::vector<Given>{{"b1", "blue"}, {"x", "red", HealthStatus::Passing, false, 40}, {"y"}}
        << 0.5 << shares({{"blue", 100}}) << false
        << std::vector<Expected>{{true, 10000}, {true, 40}, {true, 100}};
    QTest::newRow("an unroutable instance gets what it would have if routable again")
        << std::vector<Given>{{"b1", "blue", critical}, {"b2", "blue"}, {"b3", "blue"}} << 0.5
        << shares({{"blue", 100}}) << false
        << std::vector<Expected>{{false, 3333}, {true, 5000}, {true, 5000}};
    QTest::newRow("a draining instance does not count in its group")
        << std::vector<Given>{{"b1", "blue", HealthStatus::Passing, false, 100,
                               InstanceState::Draining},
                              {"b2", "blue"}}
        << 0.5 << shares({{"blue", 100}}) << false
        << std::vector<Expected>{{true, 5000}, {true, 10000}};
    QTest::newRow("shares of 0 hold every covered group at no traffic")
        << std::vector<Given>{{"b1", "blue"}, {"g1", "green"}, {"y"}} << 0.5
        << shares({{"blue", 0}, {"green", 0}}) << false
        << std::vector<Expected>{{true, 0}, {true, 0}, {true, 100}};
    QTest::newRow("a weight of 0 gets no traffic")
        << std::vector<Given>{{"b1", "blue", HealthStatus::Passing, false, 0}, {"b2", "blue"}}
        << 0.5 << shares({{"blue", 100}}) << false
        << std::vector<Expected>{{true, 0}, {true, 10000}};
    QTest::newRow("an empty service is never in panic")
        << std::vector<Given>{} << 0.0 << none << false << std::vector<Expected>{};
}

void RegistryRoutingTest::routesAService() {
    QFETCH(std::vector<Given>, instances);
    QFETCH(double, threshold);
    QFETCH(std::optional<registry::TrafficPolicy>, policy);
    QFETCH(bool, panic);
    QFETCH(std::vector<Expected>, expected);

    std::vector<Instance> given;
    for (const Given &g : instances) {
        given.push_back(make(g));
    }
    const auto routing = registry::routeService(given, threshold, policy ? &*policy : nullptr);
    QCOMPARE(routing.panic, panic);
    QCOMPARE(routing.instances.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const Instance &instance = routing.instances[i];
        QCOMPARE(instance.id, given[i].id); // same order
        QVERIFY2(instance.routable == expected[i].routable, instance.id.c_str());
        QCOMPARE(instance.trafficWeight, expected[i].trafficWeight);
        QCOMPARE(instance.health, given[i].health); // health is not routing's to change
    }
}

void RegistryRoutingTest::aJoiningInstanceGetsItsShareAtOnce() {
    // A registration computes its weight against the others' group weights (Registry does this
    // before its first record, so a group held at 0% never takes a request).
    const auto policy = shares({{"blue", 80}, {"green", 20}});
    registry::GroupWeights groups;
    registry::addToGroup(&*policy, make({"b1", "blue"}), groups);
    registry::addToGroup(&*policy, make({"g1", "green"}), groups);
    Instance joining = make({"g2", "green"});
    joining.routable = true;
    registry::addToGroup(&*policy, joining, groups);
    QCOMPARE(registry::trafficWeight(&*policy, joining, groups), 1000);
    QCOMPARE(registry::trafficWeight(&*policy, make({"b1", "blue"}), groups), 8000);
    QCOMPARE(registry::trafficWeight(nullptr, joining, groups), 100);
}

QTEST_GUILESS_MAIN(RegistryRoutingTest)
#include "tst_registry_routing.moc"
