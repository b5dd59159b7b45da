// Fleet files: the services an instance calls become its --calls flag; a bad list is refused with
// the entry named.

#include "sample/fleet_file.h"

#include <QtTest>

#include <fstream>

using namespace aegis;

class FleetFileTest : public QObject {
    Q_OBJECT

private slots:
    void callsBecomeAFlag() {
        const auto path = write(R"(services:
  - name: checkout
    version: 1.4.2
    calls: [inventory, payments]
    instances:
      - {id: checkout-1, zone: a}
  - name: inventory
    version: 2.1.0
    instances:
      - {id: inventory-1}
)");
        const auto fleet = sample::loadFleetFile(path);
        QVERIFY2(fleet, fleet.status().message().c_str());
        QCOMPARE(fleet->size(), std::size_t(2));
        QCOMPARE(fleet->at(0).calls, (std::vector<std::string>{"inventory", "payments"}));
        QVERIFY(fleet->at(1).calls.empty());
        QCOMPARE(sample::fleetFlags(fleet->at(0)),
                 std::string("--service checkout --id checkout-1 --version 1.4.2 --color blue "
                             "--zone a --latency 0s --error-rate 0 --config demo/checkout "
                             "--calls inventory,payments"));
        QVERIFY(sample::fleetFlags(fleet->at(1)).find("--calls") == std::string::npos);
    }

    void badCallsAreRefused_data() {
        QTest::addColumn<QString>("calls");
        QTest::newRow("not a list") << "inventory";
        QTest::newRow("itself") << "[checkout]";
        QTest::newRow("twice") << "[inventory, inventory]";
        QTest::newRow("not a word") << "[\"in ventory\"]";
    }

    void badCallsAreRefused() {
        QFETCH(QString, calls);
        const auto path = write("services:\n  - name: checkout\n    version: 1.0.0\n    calls: " +
                                calls.toStdString() + "\n    instances:\n      - {id: c-1}\n");
        const auto fleet = sample::loadFleetFile(path);
        QVERIFY(!fleet);
        QVERIFY2(fleet.status().message().find("services[0]") != std::string::npos,
                 fleet.status().message().c_str());
        QVERIFY2(fleet.status().message().find("calls") != std::string::npos,
                 fleet.status().message().c_str());
    }

private:
    std::filesystem::path write(const std::string &content) {
        const auto path = std::filesystem::path(m_dir.path().toStdString()) /
                          ("fleet-" + std::to_string(m_files++) + ".yaml");
        std::ofstream(path) << content;
        return path;
    }

    QTemporaryDir m_dir;
    int m_files = 0;
};

QTEST_APPLESS_MAIN(FleetFileTest)
#include "tst_fleet_file.moc"
