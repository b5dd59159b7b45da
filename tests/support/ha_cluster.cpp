#include "ha_cluster.h"

#include "aegis/v1/system.grpc.pb.h"

#include <grpcpp/grpcpp.h>
#include <openssl/rand.h>

#include <array>
#include <fstream>
#include <thread>

namespace aegis::testing {

std::string HaCluster::storeConfig(const std::vector<std::string> &endpoints,
                                   const std::string &prefix,
                                   const std::filesystem::path &secretsKeyFile) {
    std::string yaml = "store:\n  backend: etcd\n  etcd:\n    endpoints: [";
    for (std::size_t i = 0; i < endpoints.size(); ++i) {
        yaml += (i == 0 ? "" : ", ") + endpoints[i];
    }
    yaml +=
        "]\n    prefix: " + prefix + "\n    secrets_key_file: " + secretsKeyFile.string() + "\n";
    return yaml;
}

StatusOr<std::unique_ptr<HaCluster>> HaCluster::start(HaClusterOptions options) {
    if (options.replicas < 1) {
        return invalidArgument("an HA cluster needs at least one replica");
    }
    std::unique_ptr<HaCluster> cluster(new HaCluster());
    cluster->m_dir = std::make_unique<TempDir>();
    cluster->m_options = options;
    EtcdCluster::Options etcdOptions;
    etcdOptions.members = options.etcdMembers;
    etcdOptions.timeout = options.startTimeout;
    auto etcd = EtcdCluster::start(cluster->dir(), etcdOptions);
    if (!etcd) {
        return etcd.status();
    }
    cluster->m_etcd = std::move(*etcd);

    // The secrets key every replica must share, as an operator distributes it.
    std::array<unsigned char, 32> key{};
    if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) {
        return internalError("no randomness for the secrets key");
    }
    {
        std::ofstream keyFile(cluster->secretsKeyFile(), std::ios::binary | std::ios::trunc);
        keyFile.write(reinterpret_cast<const char *>(key.data()), key.size());
        if (!keyFile) {
            return unavailable("cannot write " + cluster->secretsKeyFile().string());
        }
    }
    std::filesystem::permissions(cluster->secretsKeyFile(),
                                 std::filesystem::perms::owner_read |
                                     std::filesystem::perms::owner_write);
    for (int i = 0; i < options.replicas; ++i) {
        if (Status written = cluster->writeConfig(i); !written.isOk()) {
            return written;
        }
    }

    cluster->m_replicas.resize(options.replicas);
    cluster->m_addresses.resize(options.replicas);
    for (int i = 0; i < options.replicas; ++i) {
        if (Status started = cluster->startReplica(i, {}); !started.isOk()) {
            return started;
        }
        if (i == 0) {
            cluster->m_adminToken = cluster->replica(0).adminToken();
            if (cluster->m_adminToken.empty()) {
                return failedPrecondition("the first replica wrote no admin token; see " +
                                          cluster->replica(0).logFile().string());
            }
        }
    }
    return cluster;
}

Status HaCluster::writeConfig(int index) const {
    std::vector<std::string> endpoints = m_etcd->clientAddresses();
    if (index < static_cast<int>(m_options.replicaEtcdMembers.size()) &&
        !m_options.replicaEtcdMembers[index].empty()) {
        endpoints.clear();
        for (const int member : m_options.replicaEtcdMembers[index]) {
            endpoints.push_back(m_etcd->clientAddress(member));
        }
    }
    std::ofstream config(configFile(index), std::ios::trunc);
    config << storeConfig(endpoints, m_options.prefix, secretsKeyFile()) << m_options.extraConfig;
    return config ? Status::ok() : unavailable("cannot write " + configFile(index).string());
}

StatusOr<int> HaCluster::leader() const {
    Status last = unavailable("no replica is running");
    for (int i = 0; i < size(); ++i) {
        if (!m_replicas[i] || !m_replicas[i]->running()) {
            continue;
        }
        auto channel = client::makeChannel(replicaConnection(i));
        if (!channel) {
            return channel.status();
        }
        auto stub = v1::SystemService::NewStub(*channel);
        grpc::ClientContext context;
        client::setTimeout(context, std::chrono::seconds(5));
        v1::GetStatusResponse response;
        const auto status = stub->GetStatus(&context, {}, &response);
        if (!status.ok()) {
            last = unavailable("replica " + std::to_string(i) + ": " + status.error_message());
            continue;
        }
        const auto &plane = response.control_plane();
        for (const auto &replica : plane.replicas()) {
            if (replica.id() != plane.leader_id() || plane.leader_id().empty()) {
                continue;
            }
            // By address, else by the port ending the default id (<hostname>:<gRPC port>).
            for (int j = 0; j < size(); ++j) {
                const std::string port = m_addresses[j].substr(m_addresses[j].rfind(':'));
                if (replica.address() == m_addresses[j] || replica.id().ends_with(port)) {
                    return j;
                }
            }
        }
        last = unavailable("replica " + std::to_string(i) + " knows no leader among the replicas");
    }
    return last;
}

StatusOr<int> HaCluster::waitForLeader(std::chrono::milliseconds timeout, int other) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto found = leader();
        if (found && *found != other) {
            return found;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            return found ? unavailable("replica " + std::to_string(other) + " still leads")
                         : found.status();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

HaCluster::~HaCluster() {
    // Replicas first, so none of them sees etcd go away while it still serves.
    for (auto &replica : m_replicas) {
        if (replica && replica->running()) {
            replica->terminate(std::chrono::seconds(10));
        }
    }
    m_replicas.clear();
    m_etcd.reset();
}

Status HaCluster::startReplica(int index, const std::string &grpcListen) {
    DaemonOptions daemon;
    daemon.dataDir = dir() / ("replica" + std::to_string(index));
    daemon.grpcListen = grpcListen;
    daemon.startTimeout = m_options.startTimeout;
    daemon.extraArgs = {"--config", configFile(index).string()};
    daemon.extraArgs.insert(daemon.extraArgs.end(), m_options.extraArgs.begin(),
                            m_options.extraArgs.end());
    auto started = DaemonProcess::start(daemon);
    if (!started) {
        return Status(started.status().code(),
                      "replica " + std::to_string(index) + ": " + started.status().message());
    }
    m_replicas[index] = std::move(*started);
    m_addresses[index] = m_replicas[index]->grpcAddress();
    return Status::ok();
}

std::string HaCluster::endpointList() const {
    std::string list;
    for (const auto &address : m_addresses) {
        list += (list.empty() ? "" : ",") + address;
    }
    return list;
}

client::ConnectionOptions HaCluster::adminConnection() const {
    client::ConnectionOptions options;
    options.address = endpointList();
    options.token = m_adminToken;
    return options;
}

client::ConnectionOptions HaCluster::replicaConnection(int index) const {
    client::ConnectionOptions options;
    options.address = m_addresses.at(index);
    options.token = m_adminToken;
    return options;
}

void HaCluster::kill(int index) {
    m_replicas.at(index)->kill();
}

Status HaCluster::restart(int index) {
    if (m_replicas.at(index)->running()) {
        return failedPrecondition("replica " + std::to_string(index) + " is still running");
    }
    return startReplica(index, m_addresses[index]);
}

} // namespace aegis::testing
