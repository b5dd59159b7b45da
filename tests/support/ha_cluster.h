#pragma once

#include "client/connection.h"
#include "common/status.h"
#include "daemon_process.h"
#include "etcd_cluster.h"

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace aegis::testing {

struct HaClusterOptions {
    int replicas = 3;
    int etcdMembers = 3;
    // The key prefix every replica keeps its data under in etcd.
    std::string prefix = "/aegis/";
    // Extra aegisd flags for every replica (see DaemonOptions::extraArgs).
    std::vector<std::string> extraArgs;
    // Extra YAML appended to every replica's configuration file (top-level keys other than
    // `store`).
    std::string extraConfig;
    // Which etcd members each replica lists (by member index); a replica without an entry lists
    // every member. A replica that lists only members a test then kills loses etcd alone.
    std::vector<std::vector<int>> replicaEtcdMembers;
    std::chrono::milliseconds startTimeout{30000};
};

// A highly available control plane for a test: a real etcd cluster (EtcdCluster) and aegisd
// replicas on it (store.backend etcd), each a child process on loopback ports of the kernel's
// choosing with its own data directory under one temporary directory. Every replica seals secrets
// with the same key file (store.etcd.secrets_key_file, as an operator distributes it); the first
// replica bootstraps the admin token, which is valid on all of them since tokens live in the
// store. Replicas and etcd members can be killed and started again at the same addresses.
class HaCluster {
public:
    // Starts etcd, then replica 0 (so exactly one replica bootstraps), then the others.
    // FAILED_PRECONDITION naming the package when etcd is missing (a test must fail, never skip).
    static StatusOr<std::unique_ptr<HaCluster>> start(HaClusterOptions options = {});
    ~HaCluster();
    HaCluster(const HaCluster &) = delete;
    HaCluster &operator=(const HaCluster &) = delete;

    EtcdCluster &etcd() { return *m_etcd; }
    int size() const { return static_cast<int>(m_replicas.size()); }
    // Replica `index`; after kill() it is not running until restart().
    DaemonProcess &replica(int index) { return *m_replicas.at(index); }
    // Every replica's gRPC address, in replica order, whether running or not.
    const std::vector<std::string> &grpcAddresses() const { return m_addresses; }
    // "a,b,c": the endpoint list aegisctl's --server, AEGIS_SERVER and
    // client::ConnectionOptions::address take.
    std::string endpointList() const;
    const std::string &adminToken() const { return m_adminToken; }
    // The admin token with every replica's address, for clients that fail over.
    client::ConnectionOptions adminConnection() const;
    // The admin token with replica `index`'s address only.
    client::ConnectionOptions replicaConnection(int index) const;
    const std::filesystem::path &dir() const { return m_dir->path(); }
    // The configuration file replica `index` runs with.
    std::filesystem::path configFile(int index) const {
        return dir() / ("aegisd-" + std::to_string(index) + ".yaml");
    }

    // The index of the replica that leads, as GetStatus on a running replica reports it;
    // UNAVAILABLE while none does (an election in progress).
    StatusOr<int> leader() const;
    // Polls leader() until one leads (other than `not`, when given) or `timeout` passes.
    StatusOr<int> waitForLeader(std::chrono::milliseconds timeout, int other = -1) const;

    // SIGKILL replica `index`, and reaps it.
    void kill(int index);
    // Starts replica `index` again on the same data directory and gRPC address.
    Status restart(int index);

    // The YAML `store:` section of a replica on the etcd cluster at `endpoints` under `prefix`,
    // sealing secrets with the key in `secretsKeyFile`.
    static std::string storeConfig(const std::vector<std::string> &endpoints,
                                   const std::string &prefix,
                                   const std::filesystem::path &secretsKeyFile);
    // The secrets key file every replica shares.
    std::filesystem::path secretsKeyFile() const { return dir() / "secrets.key"; }

private:
    HaCluster() = default;
    Status startReplica(int index, const std::string &grpcListen);
    Status writeConfig(int index) const;

    std::unique_ptr<TempDir> m_dir;
    HaClusterOptions m_options;
    std::unique_ptr<EtcdCluster> m_etcd;
    std::vector<std::unique_ptr<DaemonProcess>> m_replicas;
    std::vector<std::string> m_addresses;
    std::string m_adminToken;
};

} // namespace aegis::testing
