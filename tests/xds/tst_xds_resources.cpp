// What aegisd serves over xDS for a service, as pure functions of its instances: the listener's
// route to the cluster, the cluster's EDS over ADS, and the load assignment's localities, which
// carry the traffic weights the way gRPC 1.51 honours them.

#include "xds/xds_resources.h"

#include <envoy/config/cluster/v3/cluster.pb.h>
#include <envoy/config/listener/v3/listener.pb.h>
#include <envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.pb.h>

#include <QtTest>

using namespace aegis;
using registry::Instance;

namespace {

Instance instance(std::string id, std::string address, std::int32_t weight = 100,
                  std::string zone = {}) {
    Instance result;
    result.id = std::move(id);
    result.service = "checkout";
    result.address = std::move(address);
    result.weight = weight;
    result.trafficWeight = weight;
    if (!zone.empty()) {
        result.labels["zone"] = std::move(zone);
    }
    return result;
}

// "zone/sub_zone weight: address,address" per locality, in order.
QStringList describe(const envoy::config::endpoint::v3::ClusterLoadAssignment &assignment) {
    QStringList localities;
    for (const auto &locality : assignment.endpoints()) {
        QStringList addresses;
        for (const auto &endpoint : locality.lb_endpoints()) {
            const auto &socket = endpoint.endpoint().address().socket_address();
            addresses << QString::fromStdString(socket.address() + ":" +
                                                std::to_string(socket.port_value()));
            if (endpoint.health_status() != envoy::config::core::v3::HEALTHY) {
                addresses.last() += " (not healthy)";
            }
        }
        localities << QString::fromStdString(
                          locality.locality().zone() + "/" + locality.locality().sub_zone() + " " +
                          std::to_string(locality.load_balancing_weight().value()) + ": ") +
                          addresses.join(",");
    }
    return localities;
}

} // namespace

class XdsResourcesTest : public QObject {
    Q_OBJECT

private slots:
    void listenerRoutesEverythingToTheCluster();
    void clusterIsEdsOverAds();
    void loadAssignment_data();
    void loadAssignment();
};

void XdsResourcesTest::listenerRoutesEverythingToTheCluster() {
    const auto any = xds::listener("checkout");
    QCOMPARE(any.type_url(), std::string(xds::kListenerType));
    envoy::config::listener::v3::Listener listener;
    QVERIFY(any.UnpackTo(&listener));
    QCOMPARE(listener.name(), std::string("checkout"));
    const auto &api = listener.api_listener().api_listener();
    QCOMPARE(api.type_url(), std::string(xds::kHttpConnectionManagerType));
    envoy::extensions::filters::network::http_connection_manager::v3::HttpConnectionManager manager;
    QVERIFY(api.UnpackTo(&manager));
    QVERIFY(manager.has_route_config());
    QCOMPARE(manager.route_config().virtual_hosts_size(), 1);
    const auto &host = manager.route_config().virtual_hosts(0);
    QCOMPARE(host.domains(0), std::string("*"));
    QCOMPARE(host.routes_size(), 1);
    QCOMPARE(host.routes(0).match().prefix(), std::string(""));
    QCOMPARE(host.routes(0).route().cluster(), std::string("checkout"));
    // gRPC refuses a listener whose last HTTP filter is not the router.
    QCOMPARE(manager.http_filters_size(), 1);
    QCOMPARE(manager.http_filters(0).typed_config().type_url(), std::string(xds::kRouterType));
}

void XdsResourcesTest::clusterIsEdsOverAds() {
    const auto any = xds::cluster("checkout");
    QCOMPARE(any.type_url(), std::string(xds::kClusterType));
    envoy::config::cluster::v3::Cluster cluster;
    QVERIFY(any.UnpackTo(&cluster));
    QCOMPARE(cluster.name(), std::string("checkout"));
    QCOMPARE(cluster.type(), envoy::config::cluster::v3::Cluster::EDS);
    QVERIFY(cluster.eds_cluster_config().eds_config().has_ads());
    QCOMPARE(cluster.eds_cluster_config().service_name(), std::string("checkout"));
    QCOMPARE(cluster.lb_policy(), envoy::config::cluster::v3::Cluster::ROUND_ROBIN);
}

void XdsResourcesTest::loadAssignment_data() {
    QTest::addColumn<std::vector<Instance>>("instances");
    QTest::addColumn<QStringList>("localities");
    QTest::addColumn<QStringList>("skipped");

    QTest::newRow("equal weights share one locality weighing their sum")
        << std::vector<Instance>{instance("b", "10.0.0.2:80"), instance("a", "10.0.0.1:80")}
        << QStringList{"/weight-100 200: 10.0.0.1:80,10.0.0.2:80"} << QStringList{};
    // A 10 % canary: the canary's locality weighs 10, the stable one 2 x 45 = 90.
    QTest::newRow("each traffic weight its own locality")
        << std::vector<Instance>{instance("canary", "10.0.0.9:80", 10),
                                 instance("s1", "10.0.0.1:80", 45),
                                 instance("s2", "10.0.0.2:80", 45)}
        << QStringList{"/weight-10 10: 10.0.0.9:80", "/weight-45 90: 10.0.0.1:80,10.0.0.2:80"}
        << QStringList{};
    // A rollout's split: the traffic weight, not the declared one, decides.
    Instance blue = instance("blue", "10.0.0.1:80");
    blue.trafficWeight = 9000;
    Instance green = instance("green", "10.0.0.2:80");
    green.trafficWeight = 1000;
    QTest::newRow("traffic weights, not declared weights")
        << std::vector<Instance>{blue, green}
        << QStringList{"/weight-1000 1000: 10.0.0.2:80", "/weight-9000 9000: 10.0.0.1:80"}
        << QStringList{};
    QTest::newRow("zones are localities")
        << std::vector<Instance>{instance("a", "10.0.0.1:80", 100, "eu-1"),
                                 instance("b", "10.0.0.2:80", 100, "eu-2")}
        << QStringList{"eu-1/weight-100 100: 10.0.0.1:80", "eu-2/weight-100 100: 10.0.0.2:80"}
        << QStringList{};
    Instance unroutable = instance("sick", "10.0.0.3:80");
    unroutable.routable = false;
    Instance draining = instance("leaving", "10.0.0.4:80");
    draining.state = registry::InstanceState::Draining;
    Instance idle = instance("idle", "10.0.0.5:80", 0);
    QTest::newRow("only what discovery hands out")
        << std::vector<Instance>{instance("a", "10.0.0.1:80"), unroutable, draining, idle}
        << QStringList{"/weight-100 100: 10.0.0.1:80"} << QStringList{};
    QTest::newRow("IPv6 literal") << std::vector<Instance>{instance("a", "[::1]:8443")}
                                  << QStringList{"/weight-100 100: ::1:8443"} << QStringList{};
    QTest::newRow("hostnames are left out and named")
        << std::vector<Instance>{instance("a", "10.0.0.1:80"),
                                 instance("named", "checkout-1.internal:80"),
                                 instance("noport", "10.0.0.2")}
        << QStringList{"/weight-100 100: 10.0.0.1:80"} << QStringList{"named", "noport"};
    QTest::newRow("no instances: an empty assignment")
        << std::vector<Instance>{} << QStringList{} << QStringList{};
}

void XdsResourcesTest::loadAssignment() {
    QFETCH(std::vector<Instance>, instances);
    QFETCH(QStringList, localities);
    QFETCH(QStringList, skipped);
    std::vector<std::string> left;
    const auto assignment = xds::loadAssignment("checkout", instances, &left);
    QCOMPARE(assignment.cluster_name(), std::string("checkout"));
    QCOMPARE(describe(assignment), localities);
    QStringList leftOut;
    for (const auto &id : left) {
        leftOut << QString::fromStdString(id);
    }
    QCOMPARE(leftOut, skipped);
    for (const auto &locality : assignment.endpoints()) {
        QCOMPARE(locality.priority(), 0u);
        for (const auto &endpoint : locality.lb_endpoints()) {
            QCOMPARE(endpoint.health_status(), envoy::config::core::v3::HEALTHY);
        }
    }
}

QTEST_GUILESS_MAIN(XdsResourcesTest)
#include "tst_xds_resources.moc"
