// DeploymentLogs through the real aegisd: the process driver runs a real process that prints
// numbered lines (and whatever the test hands it), and the stream serves its log file: the tail,
// new lines while following, across a restart of the process and a truncation of the file, and
// refuses what it must.

#include "aegis/v1/rollout.grpc.pb.h"
#include "api_test_helpers.h"
#include "client/connection.h"
#include "daemon_process.h"
#include "poll_until.h"

#include <grpcpp/grpcpp.h>

#include <QtTest>

#include <filesystem>
#include <fstream>
#include <functional>

using namespace aegis;
using namespace std::chrono_literals;
namespace v1 = aegis::v1;

namespace {

constexpr const char *kInstance = "printer-blue-1";

std::string describe(const grpc::Status &status) {
    return std::to_string(static_cast<int>(status.error_code())) + ": " + status.error_message();
}

std::string numbered(int n) {
    return std::string(kInstance) + " line " + std::to_string(n);
}

// What one call streamed.
struct Streamed {
    std::vector<std::string> lines;
    bool endOfTail = false;
    bool reset = false;
    // The index in `lines` where the tail ended.
    std::size_t tailSize = 0;
    grpc::Status status;
};

} // namespace

class DeploymentLogsTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void tailReturnsTheLastLines();
    void filterKeepsMatchingLines();
    void followDeliversNewLinesAcrossRestartAndTruncation();
    void limitsAndUnknownInstancesAreRefused_data();
    void limitsAndUnknownInstancesAreRefused();
    void serviceTokensMayNotRead();

private:
    // Reads a DeploymentLogs stream until it ends, or until `enough` says so (then cancels).
    Streamed read(const v1::DeploymentLogsRequest &request,
                  const std::function<bool(const Streamed &)> &enough = {},
                  std::chrono::milliseconds timeout = 20s,
                  const std::function<void()> &afterTail = {},
                  const std::shared_ptr<grpc::Channel> &channel = {});
    // Has the printer print `text` (lines).
    void say(const std::string &text);
    v1::DeploymentLogsRequest request(int tail, bool follow = false) const;

    std::unique_ptr<testing::TempDir> m_dir;
    std::unique_ptr<testing::DaemonProcess> m_daemon;
    std::shared_ptr<grpc::Channel> m_channel;
    std::filesystem::path m_script;
    std::filesystem::path m_logFile;
};

void DeploymentLogsTest::initTestCase() {
    m_dir = std::make_unique<testing::TempDir>();
    testing::DaemonOptions options;
    options.dataDir = m_dir->path() / "data";
    options.logFile = m_dir->path() / "aegisd.log";
    auto daemon = testing::DaemonProcess::start(options);
    QVERIFY2(daemon, daemon.status().toString().c_str());
    m_daemon = std::move(*daemon);
    m_channel = *client::makeChannel(m_daemon->adminConnection());

    // 1200 numbered lines, then whatever the test leaves in `say` (moved there whole).
    m_script = m_dir->path() / "printer.sh";
    std::ofstream(m_script) << "n=1\n"
                               "while [ $n -le 1200 ]; do echo \"$AEGIS_INSTANCE_ID line $n\"; "
                               "n=$((n+1)); done\n"
                               "while true; do\n"
                               "  if [ -f \"$1/say\" ]; then cat \"$1/say\"; rm -f \"$1/say\"; fi\n"
                               "  sleep 0.05\n"
                               "done\n";
    v1::StartRolloutRequest start;
    auto &spec = *start.mutable_spec();
    spec.set_service("printer");
    spec.set_version("1.0");
    spec.set_replicas(1);
    spec.set_driver("process");
    (*spec.mutable_driver_params())["command"] =
        "/bin/sh " + m_script.string() + " " + m_dir->path().string();
    (*spec.mutable_driver_params())["grace_period"] = "1s";
    spec.set_router("registry");
    // The printer never registers: the rollout waits in Verifying while the test reads.
    spec.set_progress_deadline_ms(600'000);
    v1::StartRolloutResponse started;
    grpc::ClientContext context;
    client::setTimeout(context, 10s);
    const grpc::Status status =
        v1::RolloutService::NewStub(m_channel)->StartRollout(&context, start, &started);
    QVERIFY2(status.ok(), describe(status).c_str());

    m_logFile = m_dir->path() / "data" / "deployments" / "printer" / "blue-1.log";
    QVERIFY(testing::pollUntil(
        [&] {
            std::ifstream in(m_logFile);
            std::string content((std::istreambuf_iterator<char>(in)), {});
            return content.find(numbered(1200) + "\n") != std::string::npos;
        },
        20s));
}

void DeploymentLogsTest::cleanupTestCase() {
    if (m_daemon) {
        m_daemon->terminate();
    }
    // Deployments outlive aegisd by design; the test's own go with it.
    testing::runCommand({"/usr/bin/pkill", "-KILL", "-f", m_script.string()});
    m_channel.reset();
    m_daemon.reset();
    m_dir.reset();
}

v1::DeploymentLogsRequest DeploymentLogsTest::request(int tail, bool follow) const {
    v1::DeploymentLogsRequest request;
    request.set_service("printer");
    request.set_instance_id(kInstance);
    request.set_tail_lines(tail);
    request.set_follow(follow);
    return request;
}

Streamed DeploymentLogsTest::read(const v1::DeploymentLogsRequest &request,
                                  const std::function<bool(const Streamed &)> &enough,
                                  std::chrono::milliseconds timeout,
                                  const std::function<void()> &afterTail,
                                  const std::shared_ptr<grpc::Channel> &channel) {
    Streamed out;
    grpc::ClientContext context;
    client::setTimeout(context, timeout);
    auto stub = v1::RolloutService::NewStub(channel ? channel : m_channel);
    auto reader = stub->DeploymentLogs(&context, request);
    v1::DeploymentLogsResponse message;
    while (reader->Read(&message)) {
        out.reset = out.reset || message.reset();
        out.lines.insert(out.lines.end(), message.lines().begin(), message.lines().end());
        if (message.end_of_tail()) {
            out.endOfTail = true;
            out.tailSize = out.lines.size();
            if (afterTail) {
                afterTail();
            }
        }
        if (enough && enough(out)) {
            context.TryCancel();
            break;
        }
    }
    out.status = reader->Finish();
    return out;
}

void DeploymentLogsTest::say(const std::string &text) {
    const auto temporary = m_dir->path() / "say.tmp";
    std::ofstream(temporary) << text;
    std::filesystem::rename(temporary, m_dir->path() / "say");
}

void DeploymentLogsTest::tailReturnsTheLastLines() {
    const Streamed ten = read(request(10));
    QVERIFY2(ten.status.ok(), describe(ten.status).c_str());
    QVERIFY(ten.endOfTail);
    QCOMPARE(ten.lines.size(), std::size_t(10));
    QCOMPARE(ten.lines.front(), numbered(1191));
    QCOMPARE(ten.lines.back(), numbered(1200));

    // The default is 500; the banner the driver writes before the process's output is a line too.
    const Streamed fallback = read(request(0));
    QVERIFY2(fallback.status.ok(), describe(fallback.status).c_str());
    QCOMPARE(fallback.lines.size(), std::size_t(500));
    QCOMPARE(fallback.lines.front(), numbered(701));

    const Streamed all = read(request(10000));
    QVERIFY2(all.status.ok(), describe(all.status).c_str());
    QCOMPARE(all.lines.size(), std::size_t(1201));
    QVERIFY2(all.lines.front().rfind("--- ", 0) == 0, all.lines.front().c_str());
    QVERIFY(all.lines.front().find("aegisd starts printer-blue-1") != std::string::npos);
    QCOMPARE(all.lines[1], numbered(1));
}

void DeploymentLogsTest::filterKeepsMatchingLines() {
    auto filtered = request(5);
    filtered.set_filter("line 119");
    const Streamed five = read(filtered);
    QVERIFY2(five.status.ok(), describe(five.status).c_str());
    const std::vector<std::string> expected = {numbered(1195), numbered(1196), numbered(1197),
                                               numbered(1198), numbered(1199)};
    QCOMPARE(five.lines, expected);
}

void DeploymentLogsTest::followDeliversNewLinesAcrossRestartAndTruncation() {
    const auto contains = [](const std::vector<std::string> &lines, std::size_t from,
                             const std::string &text) {
        return std::find(lines.begin() + static_cast<std::ptrdiff_t>(from), lines.end(), text) !=
               lines.end();
    };
    // New lines arrive after the tail.
    const Streamed said = read(
        request(1, true),
        [&](const Streamed &s) { return contains(s.lines, s.tailSize, "hello from the test"); },
        20s, [&] { say("hello from the test\n"); });
    QVERIFY2(said.endOfTail, describe(said.status).c_str());
    QCOMPARE(said.tailSize, std::size_t(1));
    QVERIFY(contains(said.lines, said.tailSize, "hello from the test"));

    // The process is killed; the driver starts it again, appending to the same file.
    const Streamed restarted = read(
        request(1, true),
        [&](const Streamed &s) {
            return s.lines.size() > s.tailSize + 1 && s.lines.back() == numbered(1200);
        },
        30s,
        [&] {
            testing::runCommand({"/usr/bin/pkill", "-KILL", "-f", m_script.string()});
        });
    QVERIFY2(restarted.lines.size() > restarted.tailSize + 1, describe(restarted.status).c_str());
    const auto banner =
        std::find_if(restarted.lines.begin() + static_cast<std::ptrdiff_t>(restarted.tailSize),
                     restarted.lines.end(), [](const std::string &line) {
                         return line.find("aegisd starts printer-blue-1") != std::string::npos;
                     });
    QVERIFY(banner != restarted.lines.end());
    QCOMPARE(*(banner + 1), numbered(1));

    // Truncated while followed: the stream says so and reads the file from its new start.
    const Streamed truncated = read(
        request(1, true),
        [&](const Streamed &s) {
            return s.reset && contains(s.lines, s.tailSize, "after truncation");
        },
        20s,
        [&] {
            std::filesystem::resize_file(m_logFile, 0);
            QTest::qWait(600); // at least one poll sees the shorter file
            say("after truncation\n");
        });
    QVERIFY2(truncated.reset, describe(truncated.status).c_str());
    QVERIFY(contains(truncated.lines, truncated.tailSize, "after truncation"));
}

void DeploymentLogsTest::limitsAndUnknownInstancesAreRefused_data() {
    QTest::addColumn<QString>("service");
    QTest::addColumn<QString>("instance");
    QTest::addColumn<int>("tail");
    QTest::addColumn<int>("filterBytes");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("message");
    QTest::newRow("tail above the limit")
        << "printer" << kInstance << 10001 << 0 << int(grpc::INVALID_ARGUMENT)
        << "tail_lines must be 0 (the default, 500) to 10000 (got 10001)";
    QTest::newRow("negative tail")
        << "printer" << kInstance << -1 << 0 << int(grpc::INVALID_ARGUMENT) << "tail_lines must be";
    QTest::newRow("long filter") << "printer" << kInstance << 10 << 1025
                                 << int(grpc::INVALID_ARGUMENT)
                                 << "filter must be at most 1024 bytes (got 1025)";
    QTest::newRow("no instance id")
        << "printer"
        << "" << 10 << 0 << int(grpc::INVALID_ARGUMENT) << "instance_id must be";
    QTest::newRow("bad service name")
        << "Printer!" << kInstance << 10 << 0 << int(grpc::INVALID_ARGUMENT) << "service";
    QTest::newRow("index never deployed")
        << "printer"
        << "printer-blue-9" << 10 << 0 << int(grpc::NOT_FOUND)
        << "service 'printer' has no deployed instance 'printer-blue-9'";
    QTest::newRow("not a driver's id")
        << "printer"
        << "printer-7" << 10 << 0 << int(grpc::NOT_FOUND) << "'printer-7'";
    QTest::newRow("path in the id") << "printer"
                                    << "printer-blue-1/../../x" << 10 << 0 << int(grpc::NOT_FOUND)
                                    << "has no deployed instance";
    QTest::newRow("unknown service")
        << "nothing"
        << "nothing-blue-1" << 10 << 0 << int(grpc::NOT_FOUND) << "'nothing-blue-1'";
}

void DeploymentLogsTest::limitsAndUnknownInstancesAreRefused() {
    QFETCH(QString, service);
    QFETCH(QString, instance);
    QFETCH(int, tail);
    QFETCH(int, filterBytes);
    QFETCH(int, code);
    QFETCH(QString, message);
    v1::DeploymentLogsRequest refused;
    refused.set_service(service.toStdString());
    refused.set_instance_id(instance.toStdString());
    refused.set_tail_lines(tail);
    refused.set_filter(std::string(static_cast<std::size_t>(filterBytes), 'x'));
    const Streamed answer = read(refused);
    QCOMPARE(int(answer.status.error_code()), code);
    QVERIFY2(answer.status.error_message().find(message.toStdString()) != std::string::npos,
             answer.status.error_message().c_str());
    QVERIFY(answer.lines.empty());
}

void DeploymentLogsTest::serviceTokensMayNotRead() {
    std::string secret;
    const grpc::Status created =
        testing::createToken(m_channel, "printer", v1::ROLE_SERVICE, &secret, {"printer"});
    QVERIFY2(created.ok(), describe(created).c_str());
    client::ConnectionOptions connection;
    connection.address = m_daemon->grpcAddress();
    connection.token = secret;
    const Streamed denied = read(request(10), {}, 10s, {}, *client::makeChannel(connection));
    QCOMPARE(denied.status.error_code(), grpc::PERMISSION_DENIED);
}

QTEST_GUILESS_MAIN(DeploymentLogsTest)
#include "tst_deployment_logs.moc"
