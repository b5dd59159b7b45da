#pragma once

#include "common/status.h"
#include "daemon_process.h"
#include "server_process.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace aegis::testing {

// A real etcd cluster (Debian's `etcd-server`, listed in installer/packages-test.txt) of one or
// more members, each a child process of the test on free loopback ports with its own data
// directory under `dir`; stopped on destruction. Members can be killed and started again to test
// what survives the loss of one. A test or benchmark that needs just an etcd starts one member.
class EtcdCluster {
public:
    static constexpr const char *kBinary = "/usr/bin/etcd";
    static constexpr const char *kPackage = "etcd-server";

    struct Options {
        int members = 3;
        // The etcd binary: a path, or a name looked up in PATH.
        std::string binary = kBinary;
        // A start that does not reach a healthy cluster within this is UNAVAILABLE.
        std::chrono::milliseconds timeout{30000};
    };

    // Starts every member (`--initial-cluster-state new`) and returns once each one's /health
    // says true, i.e. the cluster has a leader and every member has joined it.
    // FAILED_PRECONDITION naming the package when etcd is missing (a test must fail then, never
    // skip); a port another process took first is retried with new ports. An empty `dir` is a
    // temporary directory of the cluster's own, removed with it.
    static StatusOr<std::unique_ptr<EtcdCluster>> start(const std::filesystem::path &dir,
                                                        Options options);
    static StatusOr<std::unique_ptr<EtcdCluster>> start(const std::filesystem::path &dir) {
        return start(dir, Options{});
    }

    ~EtcdCluster();
    EtcdCluster(const EtcdCluster &) = delete;
    EtcdCluster &operator=(const EtcdCluster &) = delete;

    int size() const { return static_cast<int>(m_members.size()); }
    // "127.0.0.1:PORT" of member `index`'s client URL (gRPC and HTTP).
    std::string clientAddress(int index) const;
    // Every member's client address, in member order: what a client's endpoint list holds.
    std::vector<std::string> clientAddresses() const;
    // "http://127.0.0.1:PORT,http://..." : etcdctl's --endpoints.
    std::string clientUrls() const;

    // Whether member `index`'s /health says true (it is running and sees a leader).
    bool healthy(int index) const;
    bool running(int index) const;
    int pid(int index) const;
    // SIGKILL, and reaps it: the member gone at once, as after a crash.
    void kill(int index);
    // Starts member `index` again after kill(), on the same ports and data directory, and
    // returns once it is healthy.
    Status restart(int index);
    std::string logText(int index) const;

private:
    struct Member {
        std::string name;
        std::uint16_t clientPort = 0;
        std::uint16_t peerPort = 0;
        std::filesystem::path dataDir;
        std::filesystem::path log;
        std::unique_ptr<ServerProcess> process;
    };

    explicit EtcdCluster(Options options);
    Status launchAll();
    Status launch(int index, bool waitForAll);
    std::vector<std::string> arguments(int index) const;

    // The data and logs of a cluster started without a directory; declared first, so removed
    // after the members have stopped.
    std::optional<TempDir> m_ownDir;
    Options m_options;
    std::vector<Member> m_members;
};

// The version line of `<binary> --version` ("etcd Version: 3.4.23"), or "" if it does not run.
std::string etcdVersion(const std::string &binary = EtcdCluster::kBinary);

} // namespace aegis::testing
