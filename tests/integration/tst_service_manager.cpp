// aegisd under a service manager: the sd_notify datagrams systemd's Type=notify waits for
// (READY=1 once it serves, RELOADING=1 then READY=1 around a SIGHUP, STOPPING=1 on SIGTERM), and
// what SIGHUP reloads (log_level from the configuration file) and refuses (an invalid file).

#include "aegis/v1/system.grpc.pb.h"
#include "client/connection.h"
#include "daemon_process.h"
#include "poll_until.h"

#include <grpcpp/grpcpp.h>

#include <QtTest>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <vector>

using namespace aegis;
using namespace std::chrono_literals;

namespace {

// The receiving end of $NOTIFY_SOCKET, as systemd binds it: an AF_UNIX datagram socket.
class NotifySocket {
public:
    explicit NotifySocket(const std::filesystem::path &path)
        : m_path(path) {
        m_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
        m_bound = m_fd >= 0 &&
                  ::bind(m_fd, reinterpret_cast<const sockaddr *>(&address), sizeof(address)) == 0;
    }
    ~NotifySocket() {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
    }
    bool bound() const { return m_bound; }

    // Every datagram received so far, in order.
    const std::vector<std::string> &messages() {
        char buffer[4096];
        for (;;) {
            const ssize_t size = ::recv(m_fd, buffer, sizeof(buffer), 0);
            if (size < 0) {
                break;
            }
            m_messages.emplace_back(buffer, static_cast<std::size_t>(size));
        }
        return m_messages;
    }

    bool waitFor(const std::string &prefix, std::size_t from) {
        return testing::pollUntil([&] {
            const auto &all = messages();
            for (std::size_t i = from; i < all.size(); ++i) {
                if (all[i].starts_with(prefix)) {
                    return true;
                }
            }
            return false;
        });
    }

private:
    std::filesystem::path m_path;
    int m_fd = -1;
    bool m_bound = false;
    std::vector<std::string> m_messages;
};

void writeConfig(const std::filesystem::path &file, const std::string &text) {
    std::ofstream(file) << text;
}

std::string logLevel(const testing::DaemonProcess &daemon) {
    auto channel = client::makeChannel(daemon.adminConnection());
    if (!channel.isOk()) {
        return "no channel";
    }
    auto stub = aegis::v1::SystemService::NewStub(*channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 10s);
    aegis::v1::GetStatusResponse response;
    const auto status = stub->GetStatus(&context, {}, &response);
    return status.ok() ? response.log_level() : "error: " + status.error_message();
}

std::string readAll(const std::filesystem::path &file) {
    std::ifstream in(file);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace

class ServiceManagerTest : public QObject {
    Q_OBJECT

private slots:
    void notifiesReadyReloadAndStopping();
};

void ServiceManagerTest::notifiesReadyReloadAndStopping() {
    testing::TempDir dir;
    NotifySocket socket(dir.path() / "notify");
    QVERIFY(socket.bound());
    const auto config = dir.path() / "aegisd.yaml";
    writeConfig(config, "log_level: info\n");

    // The child inherits the variable, as a unit's main process gets it from systemd.
    ::setenv("NOTIFY_SOCKET", (dir.path() / "notify").c_str(), 1);
    testing::DaemonOptions options;
    options.dataDir = dir.path() / "data";
    options.extraArgs = {"--config", config.string()};
    auto started = testing::DaemonProcess::start(options);
    ::unsetenv("NOTIFY_SOCKET");
    QVERIFY2(started.isOk(), started.status().toString().c_str());
    auto daemon = std::move(*started);

    QVERIFY2(socket.waitFor("READY=1\nSTATUS=serving on " + daemon->grpcAddress(), 0),
             socket.messages().empty() ? "no datagram" : socket.messages().back().c_str());
    QCOMPARE(logLevel(*daemon), std::string("info"));

    // SIGHUP applies the file's new log level, bracketed by RELOADING=1 and READY=1.
    writeConfig(config, "log_level: debug\n");
    std::size_t seen = socket.messages().size();
    ::kill(daemon->pid(), SIGHUP);
    QVERIFY(socket.waitFor("RELOADING=1\nMONOTONIC_USEC=", seen));
    QVERIFY(socket.waitFor("READY=1", seen + 1));
    QCOMPARE(logLevel(*daemon), std::string("debug"));

    // An invalid file changes nothing, says why, and the daemon keeps serving.
    writeConfig(config, "log_level: loud\n");
    seen = socket.messages().size();
    ::kill(daemon->pid(), SIGHUP);
    QVERIFY(socket.waitFor("READY=1", seen + 1));
    QCOMPARE(logLevel(*daemon), std::string("debug"));
    QVERIFY(testing::pollUntil([&] {
        return readAll(daemon->logFile()).find("configuration not reloaded") != std::string::npos;
    }));
    QVERIFY(readAll(daemon->logFile()).find("log_level") != std::string::npos);

    seen = socket.messages().size();
    QCOMPARE(daemon->terminate(), 0);
    QVERIFY(socket.waitFor("STOPPING=1", seen));
}

QTEST_GUILESS_MAIN(ServiceManagerTest)
#include "tst_service_manager.moc"
