#pragma once

#include "common/backoff.h"
#include "common/clock.h"
#include "common/status.h"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace aegis::metrics {

// Where a managed child serves: a loopback address with a concrete port.
struct ListenAddress {
    boost::asio::ip::tcp::endpoint endpoint;
    // "127.0.0.1:PORT" (IPv6 hosts keep their brackets), as the child's flag takes it.
    std::string hostPort;
    // "http://127.0.0.1:PORT".
    std::string url;
};

// Parses the HOST:PORT of `option` (an IP address); port 0 takes a free one the kernel picks, so
// that the child, which needs a concrete port, keeps it for every restart. INVALID_ARGUMENT naming
// the option for a host that is not an IP address, UNAVAILABLE when no port is free.
StatusOr<ListenAddress> resolveListenAddress(const std::string &hostPort, std::string_view option);

// What a managed child needs once, before its first start: `directory`/data created, and the
// address of `option` resolved (its port then stays the same for every start). FAILED_PRECONDITION
// naming `area` ("metrics", "alerting") when the directory cannot be created.
StatusOr<ListenAddress> prepareManagedChild(const std::filesystem::path &directory,
                                            std::string_view area, const std::string &hostPort,
                                            std::string_view option);

struct SupervisedChildOptions {
    // Names the child in logs and status details: "prometheus", "alertmanager"; its output goes to
    // <directory>/<name>.log (rotated at 10 MiB).
    std::string name;
    // The executable; a bare name is looked up on searchPath (PATH when empty).
    std::filesystem::path binary;
    std::string searchPath;
    // The option that names the binary, and what to do when a bare name is not on the path
    // ("install Debian's prometheus or set metrics.backend").
    std::string binaryOption;
    std::string missingHint;
    // The arguments after the binary.
    std::vector<std::string> arguments;
    // Its working directory and the log's.
    std::filesystem::path directory;
    ListenAddress listen;
    // Asked (GET) until it answers 200 after each start.
    std::string readyPath = "/-/ready";
    // Delays between restarts of a child that died (or cannot start); back to the first delay once
    // a child ran for `stableAfter`.
    BackoffOptions restartBackoff{std::chrono::milliseconds(1000), std::chrono::milliseconds(30000),
                                  2.0, 0.2};
    std::chrono::milliseconds stableAfter{60000};
    std::chrono::milliseconds readyPoll{250};
    // After SIGTERM, how long stop() waits before SIGKILL.
    std::chrono::milliseconds stopGrace{5000};
    // Called on the executor, without the supervisor's lock, each time a child became ready.
    std::function<void()> onReady;
    ClockPtr clock;
};

enum class ChildState { Starting, Ready, Down };

struct ChildStatus {
    ChildState state = ChildState::Starting;
    // Why it is down or starting.
    std::string detail;
    // Restarts since start().
    std::int64_t restarts = 0;
    // When it entered its current state.
    std::chrono::system_clock::time_point since;
};

// Runs one program as aegisd's supervised child: started on the executor, polled on its ready path,
// restarted with backoff whenever it dies (the reason, with the last error it logged, in the
// status), stopped by stop(). The child gets SIGKILL if aegisd dies (PR_SET_PDEATHSIG), so it is
// never orphaned. A missing binary is a status, looked for again at each retry.
//
// Thread-safe. Its work runs on `executor`, whose threads must live as long as the child may (the
// parent-death signal follows the thread that started the child).
class SupervisedChild {
public:
    SupervisedChild(boost::asio::any_io_executor executor, SupervisedChildOptions options);
    // Stops the child.
    ~SupervisedChild();
    SupervisedChild(const SupervisedChild &) = delete;
    SupervisedChild &operator=(const SupervisedChild &) = delete;

    // Starts the child on the executor.
    void start();
    // SIGTERM, SIGKILL after the grace, and waits for the child to be gone; no restart follows.
    // Blocks the caller; idempotent.
    void stop();

    ChildStatus status() const;
    // The running child's pid; 0 when none runs.
    int pid() const;

    class Supervisor;

private:
    std::shared_ptr<Supervisor> m_supervisor;
};

} // namespace aegis::metrics
