// The helpers tests rely on to get ports and tools without races or silent skips.

#include "loopback_ports.h"
#include "required_tool.h"

#include <QtTest>

#include <arpa/inet.h>
#include <cerrno>
#include <netinet/in.h>
#include <set>
#include <sys/socket.h>
#include <unistd.h>

namespace {

// The errno of a TCP connect to 127.0.0.1:`port` (0 when it connected).
int connectError(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const int rc = ::connect(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address);
    const int error = rc == 0 ? 0 : errno;
    ::close(fd);
    return error;
}

// Whether 127.0.0.1:`port` can be bound right now.
bool bindable(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool bound =
        ::bind(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) == 0;
    ::close(fd);
    return bound;
}

} // namespace

class TestSupport : public QObject {
    Q_OBJECT

private slots:
    void refusingAddressRefusesAndIsHeld() {
        const aegis::testing::RefusingLoopbackAddress nowhere;
        QVERIFY(nowhere.port() != 0);
        QCOMPARE(nowhere.address(), "127.0.0.1:" + std::to_string(nowhere.port()));
        QCOMPARE(connectError(nowhere.port()), ECONNREFUSED);
        // Held for the object's lifetime: nothing else can bind (and then listen on) it.
        QVERIFY(!bindable(nowhere.port()));
    }

    void unusedPortsAreDistinctAndFree() {
        const auto ports = aegis::testing::unusedLoopbackPorts(4);
        QCOMPARE(ports.size(), std::size_t(4));
        QCOMPARE(std::set<std::uint16_t>(ports.begin(), ports.end()).size(), std::size_t(4));
        for (const auto port : ports) {
            QVERIFY(port != 0);
        }
    }

    void recognisesAddressInUse() {
        using aegis::testing::saysAddressInUse;
        // HAProxy 2.6 and etcd 3.4, as they report a taken port.
        QVERIFY(saysAddressInUse("[ALERT]    (1234) : Starting frontend web: cannot bind socket "
                                 "(Address already in use) [127.0.0.1:40001]"));
        QVERIFY(saysAddressInUse(R"({"level":"fatal","msg":"listen tcp 127.0.0.1:2379: bind: )"
                                 R"(address already in use"})"));
        QVERIFY(!saysAddressInUse("[ALERT] config : parsing [haproxy.cfg:3] : unknown keyword"));
    }

    void missingToolNamesItsPackage() {
        using aegis::testing::missingToolMessage;
        using aegis::testing::toolPath;
        const std::string missing = missingToolMessage("/nonexistent/wrk", "wrk");
        QVERIFY2(missing.find("/nonexistent/wrk is missing") != std::string::npos, missing.c_str());
        QVERIFY2(missing.find("'wrk'") != std::string::npos, missing.c_str());
        QVERIFY2(missing.find("installer/packages-test.txt") != std::string::npos, missing.c_str());
        QVERIFY(missingToolMessage("no-such-tool-anywhere", "x").find("is missing") !=
                std::string::npos);
        // Found by name in PATH, as well as by path.
        QVERIFY(toolPath("sh").ends_with("/sh"));
        QVERIFY(missingToolMessage("sh", "dash").empty());
        QVERIFY(missingToolMessage(toolPath("sh"), "dash").empty());
    }
};

QTEST_GUILESS_MAIN(TestSupport)
#include "tst_test_support.moc"
