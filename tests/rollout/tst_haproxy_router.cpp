// The "haproxy" traffic router against a real HAProxy: each test that needs it starts its own
// `haproxy -db` on a generated configuration whose backend's servers point at small in-process
// HTTP servers answering their colour's name. The parsers and the parameter checks are also tested
// on their own, without HAProxy.

#include "../health/test_servers.h"
#include "daemon_process.h"
#include "haproxy_process.h"
#include "loopback_ports.h"
#include "poll_until.h"
#include "required_tool.h"
#include "rollout/haproxy_router.h"
#include "rollout/haproxy_runtime.h"
#include "wrk_summary.h"

#include <QtTest>

#include <filesystem>
#include <future>
#include <sstream>
#include <thread>

using namespace aegis;
using namespace aegis::rollout;
using namespace std::chrono_literals;
using aegis::health::testing::BlackHoleServer;
using aegis::health::testing::IoThread;
using aegis::health::testing::TestHttpServer;
namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr const char *kWrk = "/usr/bin/wrk";

// Sends `count` GET requests, each on its own connection, and counts the answers by body.
std::map<std::string, int> fetch(std::uint16_t port, int count) {
    std::map<std::string, int> bodies;
    asio::io_context io;
    for (int i = 0; i < count; ++i) {
        try {
            tcp::socket socket(io);
            socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
            http::request<http::empty_body> request(http::verb::get, "/", 11);
            request.set(http::field::host, "127.0.0.1");
            request.keep_alive(false);
            http::write(socket, request);
            boost::beast::flat_buffer buffer;
            http::response<http::string_body> response;
            http::read(socket, buffer, response);
            ++bodies[response.result_int() == 200
                         ? response.body()
                         : "HTTP " + std::to_string(response.result_int())];
        } catch (const std::exception &error) {
            ++bodies[std::string("error: ") + error.what()];
        }
    }
    return bodies;
}

QString describe(const std::map<std::string, int> &bodies) {
    QStringList parts;
    for (const auto &[body, count] : bodies) {
        parts << QString::fromStdString(body) + "=" + QString::number(count);
    }
    return parts.join(", ");
}

std::map<std::string, std::string> appParams(const std::string &socket) {
    return {{"socket", socket},
            {"backend", "app"},
            {"blue_servers", "blue-1,blue-2"},
            {"green_servers", "green-1, green-2"}};
}

const ServerState *find(const std::vector<ServerState> &states, const std::string &name) {
    for (const auto &state : states) {
        if (state.name == name) {
            return &state;
        }
    }
    return nullptr;
}

int countOf(const std::map<std::string, int> &bodies, const std::string &body) {
    const auto it = bodies.find(body);
    return it == bodies.end() ? 0 : it->second;
}

} // namespace

// QCOMPARE prints these on failure (found by argument-dependent lookup).
namespace aegis {
char *toString(const Status &status) {
    return qstrdup(status.toString().c_str());
}
namespace rollout {
char *toString(const TrafficSplit &split) {
    return qstrdup(
        ("blue " + std::to_string(split.blue) + "% / green " + std::to_string(split.green) + "%")
            .c_str());
}
} // namespace rollout
} // namespace aegis

// Starts a fresh HAProxy for the calling test.
#define START_HAPROXY()                                                                            \
    do {                                                                                           \
        AEGIS_REQUIRE_TOOL(testing::HaproxyProcess::kBinary, "haproxy");                           \
        const Status started = startHaproxy();                                                     \
        QVERIFY2(started.isOk(), started.toString().c_str());                                      \
    } while (false)

class TestHaproxyRouter : public QObject {
    Q_OBJECT

private:
    Status startHaproxy() {
        m_dir = std::make_unique<testing::TempDir>();
        m_adminSocket = (m_dir->path() / "admin.sock").string();
        m_userSocket = (m_dir->path() / "user.sock").string();
        const auto server = [](const char *name, const TestHttpServer &target) {
            return std::string("    server ") + name +
                   " 127.0.0.1:" + std::to_string(target.port()) + "\n";
        };
        // Ports: the frontend, then the TCP admin socket.
        const auto config = [&](const std::vector<std::uint16_t> &ports) {
            std::ostringstream config;
            config << "global\n"
                   << "    stats socket " << m_adminSocket << " mode 600 level admin\n"
                   << "    stats socket " << m_userSocket << " mode 600 level user\n"
                   << "    stats socket 127.0.0.1:" << ports[1] << " level admin\n"
                   << "    stats timeout 10s\n"
                   << "defaults\n"
                   << "    mode http\n"
                   << "    timeout connect 2s\n"
                   << "    timeout client 10s\n"
                   << "    timeout server 10s\n"
                   << "frontend web\n"
                   << "    bind 127.0.0.1:" << ports[0] << "\n"
                   << "    default_backend app\n"
                   << "backend app\n"
                   << "    balance roundrobin\n"
                   << server("blue-1", m_blue1) << server("blue-2", m_blue2)
                   << server("green-1", m_green1)
                   << server("green-2", m_green2)
                   // t-green follows t-blue's administrative state, so draining t-blue drains it.
                   << "backend tracked\n"
                   << "    server t-blue 127.0.0.1:" << m_blue1.port() << " check inter 10s\n"
                   << "    server t-green 127.0.0.1:" << m_green1.port()
                   << " track tracked/t-blue\n";
            return config.str();
        };
        auto process = testing::HaproxyProcess::start(m_dir->path(), m_adminSocket, 2, config);
        if (!process) {
            return process.status();
        }
        m_haproxy = std::move(*process);
        m_frontendPort = m_haproxy->ports()[0];
        m_tcpAdminPort = m_haproxy->ports()[1];
        return Status::ok();
    }

    RouteRequest request(TrafficSplit split, std::map<std::string, std::string> params = {}) const {
        RouteRequest request;
        request.service = "shop";
        request.params = params.empty() ? appParams(m_adminSocket) : std::move(params);
        request.split = split;
        return request;
    }

    // Runs apply() and waits (bounded) for its result, which must not arrive on this thread:
    // `done` is never called from inside apply().
    Status apply(const RouteRequest &request) {
        auto promise = std::make_shared<std::promise<std::pair<Status, std::thread::id>>>();
        auto future = promise->get_future();
        m_router->apply(request, [promise](Status status) {
            promise->set_value({std::move(status), std::this_thread::get_id()});
        });
        if (future.wait_for(10s) != std::future_status::ready) {
            return Status(StatusCode::DeadlineExceeded, "apply did not complete");
        }
        auto [status, thread] = future.get();
        if (thread == std::this_thread::get_id()) {
            return internalError("apply completed on the calling thread");
        }
        return status;
    }

    StatusOr<TrafficSplit> current(const RouteRequest &request) {
        auto promise = std::make_shared<std::promise<StatusOr<TrafficSplit>>>();
        auto future = promise->get_future();
        m_router->current(request,
                          [promise](StatusOr<TrafficSplit> split) { promise->set_value(split); });
        if (future.wait_for(10s) != std::future_status::ready) {
            return Status(StatusCode::DeadlineExceeded, "current did not complete");
        }
        return future.get();
    }

    StatusOr<std::vector<ServerState>> serversState(const std::string &backend = "app") {
        auto promise = std::make_shared<std::promise<StatusOr<std::vector<ServerState>>>>();
        auto future = promise->get_future();
        HaproxyRuntime runtime(m_io->io().get_executor(), {m_adminSocket, {}, 0}, 2s);
        runtime.showServersState(backend, [promise](StatusOr<std::vector<ServerState>> states) {
            promise->set_value(std::move(states));
        });
        if (future.wait_for(10s) != std::future_status::ready) {
            return Status(StatusCode::DeadlineExceeded, "show servers state did not complete");
        }
        return future.get();
    }

    std::unique_ptr<IoThread> m_io;
    std::unique_ptr<HaproxyRouter> m_router;
    std::unique_ptr<testing::TempDir> m_dir;
    std::unique_ptr<testing::HaproxyProcess> m_haproxy;
    std::string m_adminSocket;
    std::string m_userSocket;
    std::uint16_t m_frontendPort = 0;
    std::uint16_t m_tcpAdminPort = 0;
    TestHttpServer m_blue1;
    TestHttpServer m_blue2;
    TestHttpServer m_green1;
    TestHttpServer m_green2;

private slots:
    void initTestCase() {
        m_blue1.respondWith(200, "blue");
        m_blue2.respondWith(200, "blue");
        m_green1.respondWith(200, "green");
        m_green2.respondWith(200, "green");
    }

    void init() {
        m_io = std::make_unique<IoThread>();
        m_router = std::make_unique<HaproxyRouter>(m_io->io().get_executor());
    }

    void cleanup() {
        m_haproxy.reset();
        m_router.reset();
        m_io.reset();
        m_dir.reset();
    }

    // --- Without HAProxy ---

    void weights() {
        QCOMPARE(haproxyServerWeight(100, 2), 128);
        QCOMPARE(haproxyServerWeight(100, 1), 256);
        QCOMPARE(haproxyServerWeight(10, 2), 13);
        QCOMPARE(haproxyServerWeight(90, 2), 115);
        QCOMPARE(haproxyServerWeight(1, 4), 1);
        QCOMPARE(haproxyServerWeight(0, 2), 0);
    }

    void validation_data() {
        QTest::addColumn<QString>("drop");
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("named");
        const QString none;
        QTest::newRow("missing socket") << "socket" << none << none << "'socket'";
        QTest::newRow("missing backend") << "backend" << none << none << "'backend'";
        QTest::newRow("missing blue_servers") << "blue_servers" << none << none << "blue_servers";
        QTest::newRow("missing green_servers")
            << "green_servers" << none << none << "green_servers";
        QTest::newRow("relative socket") << none << "socket"
                                         << "run/admin.sock"
                                         << "'socket'";
        QTest::newRow("socket without port") << none << "socket"
                                             << "localhost"
                                             << "'socket'";
        QTest::newRow("socket port 0") << none << "socket"
                                       << "127.0.0.1:0"
                                       << "'socket'";
        QTest::newRow("empty backend") << none << "backend"
                                       << " "
                                       << "'backend'";
        QTest::newRow("backend with ;") << none << "backend"
                                        << "app;show info"
                                        << "'backend'";
        QTest::newRow("empty server") << none << "blue_servers"
                                      << "blue-1,,blue-2"
                                      << "blue_servers";
        QTest::newRow("server with space") << none << "green_servers"
                                           << "green 1"
                                           << "green_servers";
        QTest::newRow("server in both colours") << none << "green_servers"
                                                << "blue-1,green-1"
                                                << "green_servers";
        QTest::newRow("bind_addresses yes") << none << "bind_addresses"
                                            << "yes"
                                            << "bind_addresses";
        QTest::newRow("timeout soon") << none << "timeout"
                                      << "soon"
                                      << "timeout";
        QTest::newRow("timeout 0") << none << "timeout"
                                   << "0s"
                                   << "timeout";
        QTest::newRow("unknown parameter") << none << "weight"
                                           << "1"
                                           << "weight";
    }

    void validation() {
        QFETCH(QString, drop);
        QFETCH(QString, name);
        QFETCH(QString, value);
        QFETCH(QString, named);
        auto params = appParams("/run/haproxy/admin.sock");
        QVERIFY(m_router->validate(params).isOk());
        params.erase(drop.toStdString());
        if (!name.isEmpty()) {
            params[name.toStdString()] = value.toStdString();
        }
        const Status status = m_router->validate(params);
        QCOMPARE(status.code(), StatusCode::InvalidArgument);
        QVERIFY2(status.message().find(named.toStdString()) != std::string::npos,
                 status.message().c_str());
        // apply() reports the same, asynchronously.
        const Status applied = apply(request(TrafficSplit::allOn(Color::Blue), params));
        QCOMPARE(applied, status);
    }

    void validParameters() {
        auto params = appParams("127.0.0.1:9999");
        params["bind_addresses"] = "true";
        params["timeout"] = "500ms";
        QVERIFY(m_router->validate(params).isOk());
        params["socket"] = "[::1]:9999";
        QVERIFY(m_router->validate(params).isOk());
        auto parsed = parseHaproxyRouteParams(params);
        QVERIFY(parsed.isOk());
        QCOMPARE(parsed->socket.host, std::string("::1"));
        QCOMPARE(parsed->greenServers, (std::vector<std::string>{"green-1", "green-2"}));
        QCOMPARE(parsed->timeout, 500ms);
        QVERIFY(parsed->bindAddresses);
    }

    void parsesServersStateByColumnName() {
        // The columns of HAProxy 2.6, then the same with the columns reordered and one added.
        const std::string standard =
            "1\n"
            "# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight "
            "srv_iweight srv_time_since_last_change srv_check_status srv_check_result "
            "srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id "
            "srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr "
            "srv_agent_addr srv_agent_port\n"
            "3 app 1 blue-1 127.0.0.1 2 8 128 1 5 1 0 2 0 0 0 0 - 19001 - 0 0 - - 0\n"
            "3 app 4 green-2 ::1 0 5 13 1 5 1 0 0 8 0 0 0 - 19004 - 0 0 - - 0\n";
        const std::string reordered = "1\n"
                                      "# srv_uweight srv_name future_column be_name srv_addr "
                                      "srv_admin_state\n"
                                      "# a comment\n"
                                      "128 blue-1 x app 127.0.0.1 8\n"
                                      "13 green-2 y app ::1 5\n";
        for (const auto &answer : {standard, reordered}) {
            auto states = parseServersState(answer);
            QVERIFY2(states.isOk(), states.status().toString().c_str());
            QCOMPARE(states->size(), std::size_t(2));
            const ServerState &blue = (*states)[0];
            QCOMPARE(blue.backend, std::string("app"));
            QCOMPARE(blue.name, std::string("blue-1"));
            QCOMPARE(blue.address, std::string("127.0.0.1"));
            QCOMPARE(blue.userWeight, 128);
            QCOMPARE(blue.adminState, 8u);
            QVERIFY(blue.draining());
            QVERIFY(!blue.inMaintenance());
            QVERIFY(!blue.takesTraffic());
            const ServerState &green = (*states)[1];
            QCOMPARE(green.name, std::string("green-2"));
            QCOMPARE(green.userWeight, 13);
            // FMAINT | CMAINT.
            QVERIFY(green.inMaintenance());
            QVERIFY(!green.draining());
        }
        auto standardStates = parseServersState(standard);
        QCOMPARE((*standardStates)[0].port, std::uint16_t(19001));
        QCOMPARE((*standardStates)[1].operationalState, 0);
        // CMAINT alone (a server `disabled` in the config, then made ready) takes traffic.
        auto configDisabled = parseServersState("1\n# be_name srv_name srv_addr srv_admin_state "
                                                "srv_uweight\napp g 127.0.0.1 4 10\n");
        QVERIFY(configDisabled.isOk());
        QVERIFY((*configDisabled)[0].takesTraffic());
    }

    void rejectsMalformedServersState_data() {
        QTest::addColumn<QString>("answer");
        QTest::addColumn<int>("code");
        QTest::newRow("error answer") << "Can't find backend.\n"
                                      << int(StatusCode::FailedPrecondition);
        QTest::newRow("version 2") << "2\n# be_name\n" << int(StatusCode::Unimplemented);
        QTest::newRow("no header") << "1\n3 app 1 blue-1\n" << int(StatusCode::DataLoss);
        QTest::newRow("missing column")
            << "1\n# be_name srv_name srv_addr srv_admin_state\napp a 1.2.3.4 0\n"
            << int(StatusCode::Unimplemented);
        QTest::newRow("short row")
            << "1\n# be_name srv_name srv_addr srv_admin_state srv_uweight\napp a 1.2.3.4 0\n"
            << int(StatusCode::DataLoss);
        QTest::newRow("non-numeric weight")
            << "1\n# be_name srv_name srv_addr srv_admin_state srv_uweight\napp a 1.2.3.4 0 x\n"
            << int(StatusCode::DataLoss);
    }

    void rejectsMalformedServersState() {
        QFETCH(QString, answer);
        QFETCH(int, code);
        QCOMPARE(int(parseServersState(answer.toStdString()).status().code()), code);
    }

    void judgesAnswers_data() {
        QTest::addColumn<QString>("command");
        QTest::addColumn<QString>("answer");
        QTest::addColumn<int>("code");
        const int ok = int(StatusCode::Ok);
        QTest::newRow("weight ok") << "set server app/a weight 10"
                                   << "" << ok;
        QTest::newRow("no such server") << "set server app/x state ready"
                                        << "No such server.\n"
                                        << int(StatusCode::NotFound);
        QTest::newRow("no such backend") << "set server nope/x state ready"
                                         << "No such backend.\n"
                                         << int(StatusCode::NotFound);
        QTest::newRow("can't find backend") << "show servers state nope"
                                            << "Can't find backend.\n"
                                            << int(StatusCode::NotFound);
        QTest::newRow("permission denied") << "set server app/a weight 1"
                                           << "Permission denied\n"
                                           << int(StatusCode::PermissionDenied);
        QTest::newRow("unknown command")
            << "frobnicate"
            << "Unknown command, but maybe one of the following ones is a better "
               "match:\n  help : list matching or all commands\n"
            << int(StatusCode::Unimplemented);
        QTest::newRow("weight out of range")
            << "set server app/a weight 300"
            << "Absolute weight can only be between 0 and 256 inclusive.\n"
            << int(StatusCode::FailedPrecondition);
        QTest::newRow("address changed")
            << "set server app/a addr 127.0.0.2 port 80"
            << "IP changed from '127.0.0.1' to '127.0.0.2', port changed from '81' to '80' by "
               "'stats socket command'\n"
            << ok;
        QTest::newRow("address unchanged")
            << "set server app/a addr 127.0.0.2 port 80"
            << "no need to change the addr, no need to change the port by 'stats socket "
               "command'\n"
            << ok;
        QTest::newRow("address invalid") << "set server app/a addr localhost port 80"
                                         << "Invalid addr 'localhost' by 'stats socket command'\n"
                                         << int(StatusCode::FailedPrecondition);
        QTest::newRow("show info") << "show info"
                                   << "Name: HAProxy\nVersion: 2.6.12\n"
                                   << ok;
    }

    void judgesAnswers() {
        QFETCH(QString, command);
        QFETCH(QString, answer);
        QFETCH(int, code);
        const Status status = checkRuntimeAnswer(command.toStdString(), answer.toStdString());
        QCOMPARE(int(status.code()), code);
        if (!status.isOk()) {
            QVERIFY2(status.message().find(command.toStdString()) != std::string::npos,
                     status.message().c_str());
        }
    }

    void runtimeAddresses() {
        auto unixSocket = parseRuntimeAddress("/run/haproxy/admin.sock", "socket");
        QVERIFY(unixSocket.isOk() && unixSocket->isUnix());
        auto tcpSocket = parseRuntimeAddress("lb.internal:9999", "socket");
        QVERIFY(tcpSocket.isOk());
        QCOMPARE(tcpSocket->host, std::string("lb.internal"));
        QCOMPARE(tcpSocket->port, std::uint16_t(9999));
        QCOMPARE(parseRuntimeAddress("[::1]:9999", "socket")->toString(),
                 std::string("[::1]:9999"));
        QVERIFY(!parseRuntimeAddress("::1:9999", "socket").isOk());
        QVERIFY(!parseRuntimeAddress("host:99999", "socket").isOk());
        QVERIFY(!parseRuntimeAddress("/" + std::string(200, 'a'), "socket").isOk());
    }

    void timesOutOnSilentSocket() {
        BlackHoleServer silent;
        auto params = appParams("127.0.0.1:" + std::to_string(silent.port()));
        params["timeout"] = "300ms";
        const auto started = std::chrono::steady_clock::now();
        const Status status = apply(request(TrafficSplit::allOn(Color::Green), params));
        QCOMPARE(status.code(), StatusCode::DeadlineExceeded);
        QVERIFY2(status.message().find("300ms") != std::string::npos, status.message().c_str());
        QVERIFY(std::chrono::steady_clock::now() - started < 5s);
    }

    void missingSocketFile() {
        const std::string path = "/nonexistent-aegis-test/admin.sock";
        const Status status = apply(request(TrafficSplit::allOn(Color::Green), appParams(path)));
        QCOMPARE(status.code(), StatusCode::Unavailable);
        QVERIFY2(status.message().find(path) != std::string::npos, status.message().c_str());
        QCOMPARE(current(request({}, appParams(path))).status().code(), StatusCode::Unavailable);
    }

    // --- Against HAProxy ---

    // A port picked as free but taken before HAProxy binds it: HAProxy is started again on
    // other ports instead of the test failing.
    void startRetriesWhenAPortIsTaken() {
        AEGIS_REQUIRE_TOOL(testing::HaproxyProcess::kBinary, "haproxy");
        m_dir = std::make_unique<testing::TempDir>();
        const std::string socket = (m_dir->path() / "admin.sock").string();
        int configs = 0;
        const auto config = [&](const std::vector<std::uint16_t> &ports) {
            // The first time, the frontend's port is one a test server listens on.
            const std::uint16_t frontend = ++configs == 1 ? m_blue1.port() : ports[0];
            return "global\n    stats socket " + socket +
                   " mode 600 level admin\n"
                   "defaults\n    mode http\n    timeout connect 2s\n    timeout client 10s\n"
                   "    timeout server 10s\n"
                   "frontend web\n    bind 127.0.0.1:" +
                   std::to_string(frontend) +
                   "\n    default_backend app\n"
                   "backend app\n    server blue-1 127.0.0.1:" +
                   std::to_string(m_blue1.port()) + "\n";
        };
        auto process = testing::HaproxyProcess::start(m_dir->path(), socket, 1, config);
        QVERIFY2(process.isOk(), process.status().toString().c_str());
        m_haproxy = std::move(*process);
        QCOMPARE(configs, 2);
        QVERIFY2(testing::saysAddressInUse(m_haproxy->logText()), m_haproxy->logText().c_str());
        QCOMPARE(fetch(m_haproxy->ports()[0], 2), (std::map<std::string, int>{{"blue", 2}}));
    }

    void allOnBlue() {
        START_HAPROXY();
        QCOMPARE(apply(request(TrafficSplit::allOn(Color::Blue))), Status::ok());
        const auto bodies = fetch(m_frontendPort, 20);
        QVERIFY2(bodies == (std::map<std::string, int>{{"blue", 20}}),
                 qPrintable(describe(bodies)));
        auto split = current(request({}));
        QVERIFY2(split.isOk(), split.status().toString().c_str());
        QCOMPARE(*split, TrafficSplit::allOn(Color::Blue));
    }

    void switchToGreen() {
        START_HAPROXY();
        QCOMPARE(apply(request(TrafficSplit::allOn(Color::Blue))), Status::ok());
        QCOMPARE(apply(request(TrafficSplit::allOn(Color::Green))), Status::ok());
        const auto bodies = fetch(m_frontendPort, 20);
        QVERIFY2(bodies == (std::map<std::string, int>{{"green", 20}}),
                 qPrintable(describe(bodies)));
        auto states = serversState();
        QVERIFY(states.isOk());
        for (const char *name : {"blue-1", "blue-2"}) {
            const ServerState *blue = find(*states, name);
            QVERIFY(blue);
            QCOMPARE(blue->adminState, server_admin::kForcedDrain);
        }
        for (const char *name : {"green-1", "green-2"}) {
            const ServerState *green = find(*states, name);
            QVERIFY(green);
            QCOMPARE(green->adminState, 0u);
            QCOMPARE(green->userWeight, 128);
        }
        QCOMPARE(*current(request({})), TrafficSplit::allOn(Color::Green));
        // And back: the drained colour returns with its weight.
        QCOMPARE(apply(request(TrafficSplit::allOn(Color::Blue))), Status::ok());
        QCOMPARE(fetch(m_frontendPort, 10), (std::map<std::string, int>{{"blue", 10}}));
    }

    // A first release's hold before verification: every server drains, and reads back as such.
    void neitherColour() {
        START_HAPROXY();
        QCOMPARE(apply(request(TrafficSplit::allOn(Color::Blue))), Status::ok());
        QCOMPARE(apply(request(TrafficSplit::neither())), Status::ok());
        auto states = serversState();
        QVERIFY(states.isOk());
        for (const char *name : {"blue-1", "blue-2", "green-1", "green-2"}) {
            const ServerState *state = find(*states, name);
            QVERIFY(state);
            QCOMPARE(state->adminState, server_admin::kForcedDrain);
        }
        QCOMPARE(*current(request({})), TrafficSplit::neither());
        // Half of a split is still refused.
        QCOMPARE(apply(request(TrafficSplit{50, 0})).code(), StatusCode::InvalidArgument);
    }

    void canary() {
        START_HAPROXY();
        const TrafficSplit canary = TrafficSplit::withShare(Color::Green, 10);
        QCOMPARE(apply(request(canary)), Status::ok());
        auto states = serversState();
        QVERIFY(states.isOk());
        for (const auto &[name, weight] : std::map<std::string, int>{
                 {"blue-1", 115}, {"blue-2", 115}, {"green-1", 13}, {"green-2", 13}}) {
            const ServerState *state = find(*states, name);
            QVERIFY(state);
            QCOMPARE(state->userWeight, weight);
            QCOMPARE(state->adminState, 0u);
        }
        auto split = current(request({}));
        QVERIFY2(split.isOk(), split.status().toString().c_str());
        QCOMPARE(*split, canary);
        // Weighted round robin: 26 of every 256 requests go to green.
        const auto bodies = fetch(m_frontendPort, 256);
        const int green = countOf(bodies, "green");
        QVERIFY2(green >= 15 && green <= 40 && green + countOf(bodies, "blue") == 256,
                 qPrintable(describe(bodies)));
        // Every split reads back as itself.
        for (int green : {1, 3, 33, 50, 67, 99}) {
            const TrafficSplit split = TrafficSplit::withShare(Color::Green, green);
            QCOMPARE(apply(request(split)), Status::ok());
            QCOMPARE(*current(request({})), split);
        }
    }

    void idempotent() {
        START_HAPROXY();
        for (const TrafficSplit split :
             {TrafficSplit::allOn(Color::Green), TrafficSplit::withShare(Color::Green, 25)}) {
            QCOMPARE(apply(request(split)), Status::ok());
            auto before = serversState();
            QCOMPARE(apply(request(split)), Status::ok());
            auto after = serversState();
            QVERIFY(before.isOk() && after.isOk());
            QCOMPARE(after->size(), before->size());
            for (std::size_t i = 0; i < after->size(); ++i) {
                QCOMPARE((*after)[i].name, (*before)[i].name);
                QCOMPARE((*after)[i].adminState, (*before)[i].adminState);
                QCOMPARE((*after)[i].userWeight, (*before)[i].userWeight);
                QCOMPARE((*after)[i].address, (*before)[i].address);
            }
            QCOMPARE(*current(request({})), split);
        }
    }

    void tcpSocket() {
        START_HAPROXY();
        const auto params = appParams("127.0.0.1:" + std::to_string(m_tcpAdminPort));
        QCOMPARE(apply(request(TrafficSplit::allOn(Color::Green), params)), Status::ok());
        QCOMPARE(*current(request({}, params)), TrafficSplit::allOn(Color::Green));
    }

    void bindAddresses() {
        START_HAPROXY();
        TestHttpServer next1;
        TestHttpServer next2;
        next1.respondWith(200, "green-v2");
        next2.respondWith(200, "green-v2");
        auto params = appParams(m_adminSocket);
        params["bind_addresses"] = "true";
        auto routed = request(TrafficSplit::allOn(Color::Green), params);
        routed.blue = {{"b1", "127.0.0.1:" + std::to_string(m_blue1.port())},
                       {"b2", "127.0.0.1:" + std::to_string(m_blue2.port())}};
        routed.green = {{"g1", "127.0.0.1:" + std::to_string(next1.port())}};

        // One instance: green-1 points at it with the whole share, green-2 is parked.
        QCOMPARE(apply(routed), Status::ok());
        QCOMPARE(fetch(m_frontendPort, 10), (std::map<std::string, int>{{"green-v2", 10}}));
        auto states = serversState();
        QVERIFY(states.isOk());
        QCOMPARE(find(*states, "green-1")->port, next1.port());
        QCOMPARE(find(*states, "green-1")->userWeight, 256);
        QVERIFY(find(*states, "green-2")->adminState & server_admin::kForcedMaint);
        QCOMPARE(*current(routed), TrafficSplit::allOn(Color::Green));

        // Two instances: both slots serve.
        routed.green.push_back({"g2", "127.0.0.1:" + std::to_string(next2.port())});
        const int before1 = next1.requests();
        const int before2 = next2.requests();
        QCOMPARE(apply(routed), Status::ok());
        QCOMPARE(fetch(m_frontendPort, 10), (std::map<std::string, int>{{"green-v2", 10}}));
        QVERIFY(next1.requests() - before1 >= 3);
        QVERIFY(next2.requests() - before2 >= 3);
        states = serversState();
        QCOMPARE(find(*states, "green-2")->port, next2.port());
        QCOMPARE(find(*states, "green-2")->adminState, 0u);

        // Back to blue, bound to its own instances; green drains.
        routed.split = TrafficSplit::allOn(Color::Blue);
        QCOMPARE(apply(routed), Status::ok());
        QCOMPARE(fetch(m_frontendPort, 10), (std::map<std::string, int>{{"blue", 10}}));

        // More instances than slots, no instances, or a name instead of an IP address.
        routed.split = TrafficSplit::allOn(Color::Green);
        routed.green.push_back({"g3", "127.0.0.1:1"});
        Status status = apply(routed);
        QCOMPARE(status.code(), StatusCode::FailedPrecondition);
        QVERIFY2(status.message().find("green_servers") != std::string::npos,
                 status.message().c_str());
        routed.green.clear();
        QCOMPARE(apply(routed).code(), StatusCode::FailedPrecondition);
        routed.green = {{"g1", "localhost:8080"}};
        status = apply(routed);
        QCOMPARE(status.code(), StatusCode::FailedPrecondition);
        QVERIFY2(status.message().find("'g1'") != std::string::npos, status.message().c_str());
        // None of these touched HAProxy: blue still has everything.
        QCOMPARE(fetch(m_frontendPort, 4), (std::map<std::string, int>{{"blue", 4}}));
    }

    void unknownServer() {
        START_HAPROXY();
        QCOMPARE(apply(request(TrafficSplit::allOn(Color::Blue))), Status::ok());
        auto params = appParams(m_adminSocket);
        params["green_servers"] = "green-1,green-9";
        const Status status = apply(request(TrafficSplit::allOn(Color::Green), params));
        QCOMPARE(status.code(), StatusCode::NotFound);
        QVERIFY2(status.message().find("'green-9' (green_servers)") != std::string::npos,
                 status.message().c_str());
        auto split = current(request({}, params));
        QCOMPARE(split.status(), status);

        params = appParams(m_adminSocket);
        params["backend"] = "shop";
        const Status noBackend = apply(request(TrafficSplit::allOn(Color::Green), params));
        QCOMPARE(noBackend.code(), StatusCode::NotFound);
        QVERIFY2(noBackend.message().find("'show servers state shop' failed: Can't find backend") !=
                     std::string::npos,
                 noBackend.message().c_str());
        QCOMPARE(current(request({}, params)).status(), noBackend);

        // Nothing was changed.
        QCOMPARE(fetch(m_frontendPort, 10), (std::map<std::string, int>{{"blue", 10}}));
    }

    void runtimeBatch() {
        START_HAPROXY();
        const HaproxyRuntime runtime(m_io->io().get_executor(), {m_adminSocket, {}, 0}, 2s);
        const auto execute = [&](std::vector<std::string> commands) {
            std::promise<StatusOr<std::vector<std::string>>> promise;
            auto future = promise.get_future();
            runtime.execute(std::move(commands), [&](StatusOr<std::vector<std::string>> answers) {
                promise.set_value(std::move(answers));
            });
            return future.get();
        };
        auto answers =
            execute({"set server app/blue-1 weight 7", "show servers state app", "show info"});
        QVERIFY2(answers.isOk(), answers.status().toString().c_str());
        QCOMPARE(answers->size(), std::size_t(3));
        QCOMPARE(answers->at(0), std::string());
        auto states = parseServersState(answers->at(1));
        QVERIFY(states.isOk());
        QCOMPARE(find(*states, "blue-1")->userWeight, 7);
        QVERIFY(answers->at(2).starts_with("Name: HAProxy\n"));

        // HAProxy runs every command of a batch; the error names each one that failed.
        answers = execute({"set server app/nope state ready", "set server app/blue-1 weight 9",
                           "set server app/blue-2 weight 300"});
        QCOMPARE(answers.status().code(), StatusCode::NotFound);
        const std::string message = answers.status().message();
        QVERIFY2(message.find("'set server app/nope state ready' failed: No such server.") !=
                         std::string::npos &&
                     message.find("'set server app/blue-2 weight 300' failed: Absolute weight") !=
                         std::string::npos,
                 message.c_str());
        QCOMPARE(find(*serversState(), "blue-1")->userWeight, 9);
    }

    void nonAdminSocket() {
        START_HAPROXY();
        const auto params = appParams(m_userSocket);
        const Status status = apply(request(TrafficSplit::allOn(Color::Green), params));
        QCOMPARE(status.code(), StatusCode::PermissionDenied);
        QVERIFY2(status.message().find("level admin") != std::string::npos &&
                     status.message().find("set server app/green-1") != std::string::npos,
                 status.message().c_str());
        // Reading needs no admin level.
        QVERIFY(current(request({}, params)).isOk());
    }

    void verificationNamesTheServer() {
        START_HAPROXY();
        // Draining t-blue drains t-green too (it tracks t-blue): green never takes the traffic.
        const std::map<std::string, std::string> params = {{"socket", m_adminSocket},
                                                           {"backend", "tracked"},
                                                           {"blue_servers", "t-blue"},
                                                           {"green_servers", "t-green"}};
        const Status status = apply(request(TrafficSplit::allOn(Color::Green), params));
        QCOMPARE(status.code(), StatusCode::FailedPrecondition);
        QVERIFY2(status.message().find("server t-green is draining") != std::string::npos,
                 status.message().c_str());
        // Nothing takes traffic: that reads as neither colour.
        QCOMPARE(*current(request({}, params)), TrafficSplit::neither());
    }

    void switchesUnderLoadWithoutErrors() {
        AEGIS_REQUIRE_TOOL(kWrk, "wrk");
        START_HAPROXY();
        QCOMPARE(apply(request(TrafficSplit::allOn(Color::Blue))), Status::ok());
        const int blueBefore = m_blue1.requests() + m_blue2.requests();
        const int greenBefore = m_green1.requests() + m_green2.requests();

        auto load = std::async(std::launch::async, [port = m_frontendPort] {
            return testing::runCommand(
                {kWrk, "-t2", "-c16", "-d3s", "http://127.0.0.1:" + std::to_string(port) + "/"});
        });
        // Six switches, blue→green→blue..., paced over the three seconds of load.
        int switches = 0;
        const auto start = std::chrono::steady_clock::now();
        for (Color to = Color::Green; switches < 6; to = otherColor(to), ++switches) {
            std::this_thread::sleep_until(start + (switches + 1) * 400ms);
            QCOMPARE(apply(request(TrafficSplit::allOn(to))), Status::ok());
        }
        const testing::CommandResult wrk = load.get();
        QVERIFY2(wrk.exitCode == 0, wrk.err.c_str());
        qInfo("%s", wrk.out.c_str());

        const auto summary = testing::parseWrkSummary(wrk.out);
        QVERIFY2(summary, wrk.out.c_str());
        QVERIFY(summary->requests > 100);
        QVERIFY2(!summary->socketErrorsReported, wrk.out.c_str());
        QCOMPARE(summary->non2xx, std::int64_t(0));
        // Both colours served part of the load.
        QVERIFY(m_blue1.requests() + m_blue2.requests() > blueBefore);
        QVERIFY(m_green1.requests() + m_green2.requests() > greenBefore);
    }
};

QTEST_GUILESS_MAIN(TestHaproxyRouter)
#include "tst_haproxy_router.moc"
