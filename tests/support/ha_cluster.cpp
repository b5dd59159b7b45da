#include "ha_cluster.h"

#include <openssl/rand.h>

#include <array>
#include <fstream>

namespace aegis::testing {

std::string HaCluster::storeConfig(const std::vector<std::string> &endpoints,
                                   const std::string &prefix) {
    std::string yaml = "store:\n  backend: etcd\n  etcd:\n    endpoints: [";
    for (std::size_t i = 0; i < endpoints.size(); ++i) {
        yaml += (i == 0 ? "" : ", ") + endpoints[i];
    }
    yaml += "]\n    prefix: " + prefix + "\n";
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

    {
        std::ofstream config(cluster->configFile(), std::ios::trunc);
        config << storeConfig(cluster->m_etcd->clientAddresses(), options.prefix)
               << options.extraConfig;
        if (!config) {
            return unavailable("cannot write " + cluster->configFile().string());
        }
    }
    // The secrets key every replica must share, as an operator distributes it.
    std::array<unsigned char, 32> key{};
    if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) {
        return internalError("no randomness for the secrets key");
    }
    for (int i = 0; i < options.replicas; ++i) {
        const auto dataDir = cluster->dir() / ("replica" + std::to_string(i));
        std::filesystem::create_directories(dataDir);
        std::ofstream keyFile(dataDir / "config.key", std::ios::binary | std::ios::trunc);
        keyFile.write(reinterpret_cast<const char *>(key.data()), key.size());
        std::filesystem::permissions(dataDir / "config.key",
                                     std::filesystem::perms::owner_read |
                                         std::filesystem::perms::owner_write);
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
    daemon.extraArgs = {"--config", configFile().string()};
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
