// The http_sd answer built from registry instances: which instances are targets, their address,
// labels and meta labels, in the JSON shape Prometheus' HTTP service discovery reads.

#include "metrics/http_sd.h"

#include <QtTest>

using namespace aegis;

namespace {

registry::Instance instance(std::string service, std::string id, std::string address, Labels labels,
                            Labels metadata) {
    registry::Instance result;
    result.service = std::move(service);
    result.id = std::move(id);
    result.address = std::move(address);
    result.labels = std::move(labels);
    result.metadata = std::move(metadata);
    return result;
}

// The group whose labels hold instance=`id`; null when none.
nlohmann::json groupOf(const nlohmann::json &groups, const std::string &id) {
    for (const auto &group : groups) {
        if (group.at("labels").value("instance", "") == id) {
            return group;
        }
    }
    return nullptr;
}

} // namespace

class HttpSdTest : public QObject {
    Q_OBJECT

private slots:
    void labelNames_data();
    void labelNames();
    void instanceWithMetricsPathIsATarget();
    void instancesWithoutOrWithBadMetadataAreLeftOut();
    void metricsPortAndSchemeOverride();
    void renamedLabelsNeverHideRealOnes();
    void groupsAreSortedAndAegisdComesLast();
};

void HttpSdTest::labelNames_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("expected");
    QTest::newRow("valid") << "zone"
                           << "zone";
    QTest::newRow("dots and slashes") << "app.kubernetes.io/name"
                                      << "app_kubernetes_io_name";
    QTest::newRow("dash") << "build-id"
                          << "build_id";
    QTest::newRow("leading digit") << "2fa"
                                   << "_2fa";
    QTest::newRow("reserved prefix") << "__meta"
                                     << "x__meta";
    QTest::newRow("empty") << ""
                           << "_";
}

void HttpSdTest::labelNames() {
    QFETCH(QString, name);
    QFETCH(QString, expected);
    QCOMPARE(QString::fromStdString(metrics::prometheusLabelName(name.toStdString())), expected);
}

void HttpSdTest::instanceWithMetricsPathIsATarget() {
    const auto groups = metrics::httpSdTargetGroups(
        {instance("checkout", "checkout-1", "10.0.0.5:8080",
                  {{"version", "1.4.2"}, {"color", "blue"}, {"zone", "a"}, {"tier", "web"}},
                  {{"metrics_path", "/metrics"}})},
        {"127.0.0.1:7401"});
    QVERIFY(groups.is_array());
    QCOMPARE(groups.size(), std::size_t(2));
    const nlohmann::json expected = {{"targets", {"10.0.0.5:8080"}},
                                     {"labels",
                                      {{"service", "checkout"},
                                       {"instance", "checkout-1"},
                                       {"job", "checkout"},
                                       {"version", "1.4.2"},
                                       {"color", "blue"},
                                       {"zone", "a"},
                                       {"tier", "web"},
                                       {"__metrics_path__", "/metrics"},
                                       {"__scheme__", "http"}}}};
    QCOMPARE(groups[0].dump(), expected.dump());
}

void HttpSdTest::instancesWithoutOrWithBadMetadataAreLeftOut() {
    const auto groups = metrics::httpSdTargetGroups(
        {instance("a", "no-path", "10.0.0.1:80", {}, {}),
         instance("a", "empty-path", "10.0.0.1:81", {}, {{"metrics_path", ""}}),
         instance("a", "relative-path", "10.0.0.1:82", {}, {{"metrics_path", "metrics"}}),
         instance("a", "bad-port", "10.0.0.1:83", {},
                  {{"metrics_path", "/m"}, {"metrics_port", "70000"}}),
         instance("a", "not-a-port", "10.0.0.1:84", {},
                  {{"metrics_path", "/m"}, {"metrics_port", "9x"}}),
         instance("a", "bad-scheme", "10.0.0.1:85", {},
                  {{"metrics_path", "/m"}, {"metrics_scheme", "ftp"}})},
        {"127.0.0.1:7401"});
    // Only aegisd itself.
    QCOMPARE(groups.size(), std::size_t(1));
    QCOMPARE(groups[0].at("labels").at("job").get<std::string>(), std::string("aegisd"));
}

void HttpSdTest::metricsPortAndSchemeOverride() {
    const auto groups = metrics::httpSdTargetGroups(
        {instance(
             "a", "v4", "10.0.0.1:80", {},
             {{"metrics_path", "/stats"}, {"metrics_port", "9100"}, {"metrics_scheme", "https"}}),
         instance("a", "v6", "[::1]:80", {}, {{"metrics_path", "/m"}, {"metrics_port", "9101"}})},
        {"127.0.0.1:7401"});
    QCOMPARE(groups.size(), std::size_t(3));
    const auto v4 = groupOf(groups, "v4");
    QCOMPARE(v4.at("targets")[0].get<std::string>(), std::string("10.0.0.1:9100"));
    QCOMPARE(v4.at("labels").at("__scheme__").get<std::string>(), std::string("https"));
    QCOMPARE(v4.at("labels").at("__metrics_path__").get<std::string>(), std::string("/stats"));
    QCOMPARE(groupOf(groups, "v6").at("targets")[0].get<std::string>(), std::string("[::1]:9101"));
}

void HttpSdTest::renamedLabelsNeverHideRealOnes() {
    // "app-name" becomes app_name, which the instance also has: the real one wins whatever the
    // order. service, instance and job are aegis's, whatever the instance's labels say.
    const auto groups = metrics::httpSdTargetGroups({instance("shop", "shop-1", "10.0.0.1:80",
                                                              {{"app-name", "renamed"},
                                                               {"app_name", "real"},
                                                               {"service", "spoofed"},
                                                               {"job", "spoofed"}},
                                                              {{"metrics_path", "/metrics"}})},
                                                    {"127.0.0.1:7401"});
    const auto labels = groupOf(groups, "shop-1").at("labels");
    QCOMPARE(labels.at("app_name").get<std::string>(), std::string("real"));
    QCOMPARE(labels.at("service").get<std::string>(), std::string("shop"));
    QCOMPARE(labels.at("job").get<std::string>(), std::string("shop"));
}

void HttpSdTest::groupsAreSortedAndAegisdComesLast() {
    const auto groups = metrics::httpSdTargetGroups(
        {instance("web", "web-2", "10.0.0.2:80", {}, {{"metrics_path", "/metrics"}}),
         instance("api", "api-1", "10.0.0.3:80", {}, {{"metrics_path", "/metrics"}}),
         instance("web", "web-1", "10.0.0.1:80", {}, {{"metrics_path", "/metrics"}})},
        {"127.0.0.1:7401"});
    QCOMPARE(groups.size(), std::size_t(4));
    QCOMPARE(groups[0].at("labels").at("instance").get<std::string>(), std::string("api-1"));
    QCOMPARE(groups[1].at("labels").at("instance").get<std::string>(), std::string("web-1"));
    QCOMPARE(groups[2].at("labels").at("instance").get<std::string>(), std::string("web-2"));
    const nlohmann::json aegisd = {{"targets", {"127.0.0.1:7401"}},
                                   {"labels",
                                    {{"job", "aegisd"},
                                     {"service", "aegisd"},
                                     {"__metrics_path__", "/metrics"},
                                     {"__scheme__", "http"}}}};
    QCOMPARE(groups[3].dump(), aegisd.dump());
}

QTEST_GUILESS_MAIN(HttpSdTest)
#include "tst_http_sd.moc"
