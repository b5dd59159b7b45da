#include "etcd_cluster.h"

#include "http_get.h"
#include "loopback_ports.h"
#include "required_tool.h"

#include <array>
#include <cstdio>

namespace aegis::testing {

using namespace std::chrono_literals;

EtcdCluster::EtcdCluster(Options options)
    : m_options(std::move(options)) {}

EtcdCluster::~EtcdCluster() = default;

StatusOr<std::unique_ptr<EtcdCluster>> EtcdCluster::start(const std::filesystem::path &dir,
                                                          Options options) {
    if (toolPath(options.binary).empty()) {
        return failedPrecondition(missingToolMessage(options.binary, kPackage));
    }
    if (options.members < 1) {
        return invalidArgument("an etcd cluster needs at least one member");
    }
    Status lastError = internalError("etcd was not started");
    for (int attempt = 0; attempt < kAddressInUseAttempts; ++attempt) {
        std::unique_ptr<EtcdCluster> cluster(new EtcdCluster(options));
        std::filesystem::path base = dir;
        if (base.empty()) {
            base = cluster->m_ownDir.emplace().path();
        }
        const auto ports = unusedLoopbackPorts(2 * static_cast<std::size_t>(options.members));
        const auto attemptDir = base / ("etcd-" + std::to_string(attempt));
        for (int i = 0; i < options.members; ++i) {
            Member member;
            member.name = "member" + std::to_string(i);
            member.clientPort = ports[2 * i];
            member.peerPort = ports[2 * i + 1];
            member.dataDir = attemptDir / member.name;
            member.log = attemptDir / (member.name + ".log");
            cluster->m_members.push_back(std::move(member));
        }
        std::filesystem::create_directories(attemptDir);
        const Status started = cluster->launchAll();
        if (started.isOk()) {
            return cluster;
        }
        bool portTaken = false;
        for (int i = 0; i < options.members; ++i) {
            portTaken = portTaken || saysAddressInUse(cluster->logText(i));
        }
        if (!portTaken) {
            return started;
        }
        lastError = started;
    }
    return lastError;
}

std::vector<std::string> EtcdCluster::arguments(int index) const {
    const Member &member = m_members[index];
    const auto url = [](std::uint16_t port) { return "http://127.0.0.1:" + std::to_string(port); };
    std::string initialCluster;
    for (const Member &peer : m_members) {
        initialCluster +=
            (initialCluster.empty() ? "" : ",") + peer.name + "=" + url(peer.peerPort);
    }
    return {toolPath(m_options.binary), "--name", member.name, "--data-dir",
            member.dataDir.string(), "--listen-client-urls", url(member.clientPort),
            "--advertise-client-urls", url(member.clientPort), "--listen-peer-urls",
            url(member.peerPort), "--initial-advertise-peer-urls", url(member.peerPort),
            "--initial-cluster", initialCluster, "--initial-cluster-state", "new",
            "--initial-cluster-token", "aegis-test-" + std::to_string(m_members.front().peerPort),
            // The test machine's disks are slow to fsync; etcd's defaults are for real clusters.
            "--heartbeat-interval", "100", "--election-timeout", "1000"};
}

Status EtcdCluster::launch(int index, bool waitForAll) {
    Member &member = m_members[index];
    member.process = std::make_unique<ServerProcess>("etcd " + member.name, member.log);
    // A member of a cluster is not healthy before a quorum has started, so every member but the
    // last is taken as launched at once and the last one waits for the whole cluster.
    const auto ready = [this, index, waitForAll] {
        if (!waitForAll) {
            return healthy(index);
        }
        for (int i = 0; i < size(); ++i) {
            if (!healthy(i)) {
                return false;
            }
        }
        return true;
    };
    return member.process->launch(arguments(index), ready, m_options.timeout);
}

Status EtcdCluster::launchAll() {
    for (int i = 0; i < size(); ++i) {
        Member &member = m_members[i];
        member.process = std::make_unique<ServerProcess>("etcd " + member.name, member.log);
        if (i + 1 < size()) {
            const Status launched = member.process->launch(
                arguments(i), [] { return true; }, m_options.timeout);
            if (!launched.isOk()) {
                return launched;
            }
            continue;
        }
        return launch(i, true);
    }
    return Status::ok();
}

std::string EtcdCluster::clientAddress(int index) const {
    return "127.0.0.1:" + std::to_string(m_members.at(index).clientPort);
}

std::vector<std::string> EtcdCluster::clientAddresses() const {
    std::vector<std::string> addresses;
    for (int i = 0; i < size(); ++i) {
        addresses.push_back(clientAddress(i));
    }
    return addresses;
}

std::string EtcdCluster::clientUrls() const {
    std::string urls;
    for (const auto &address : clientAddresses()) {
        urls += (urls.empty() ? "http://" : ",http://") + address;
    }
    return urls;
}

bool EtcdCluster::healthy(int index) const {
    const auto answer = loopbackHttpGet(m_members.at(index).clientPort, "/health", 1s);
    return answer.status == 200 && answer.body.find("\"true\"") != std::string::npos;
}

bool EtcdCluster::running(int index) const {
    const auto &process = m_members.at(index).process;
    return process && process->running();
}

int EtcdCluster::pid(int index) const {
    return running(index) ? m_members.at(index).process->pid() : -1;
}

void EtcdCluster::kill(int index) {
    if (running(index)) {
        m_members.at(index).process->kill();
    }
}

Status EtcdCluster::restart(int index) {
    if (running(index)) {
        return failedPrecondition("etcd " + m_members.at(index).name + " is still running");
    }
    return launch(index, false);
}

std::string EtcdCluster::logText(int index) const {
    const auto &member = m_members.at(index);
    return member.process ? member.process->logText() : std::string();
}

std::string etcdVersion(const std::string &binary) {
    const std::string path = toolPath(binary);
    if (path.empty()) {
        return {};
    }
    FILE *pipe = popen(("'" + path + "' --version 2>/dev/null").c_str(), "r");
    if (pipe == nullptr) {
        return {};
    }
    // Read to the end, so that etcd exits by itself rather than on a closed pipe.
    std::string output;
    std::array<char, 256> chunk{};
    while (std::fgets(chunk.data(), static_cast<int>(chunk.size()), pipe) != nullptr) {
        output += chunk.data();
    }
    if (pclose(pipe) != 0) {
        return {};
    }
    return output.substr(0, output.find('\n'));
}

} // namespace aegis::testing
