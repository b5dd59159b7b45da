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
    std::chrono::milliseconds startTimeout{30000};
};

// A highly available control plane for a test: a real etcd cluster (EtcdCluster) and aegisd
// replicas on it (store.backend etcd), each a child process on loopback ports of the kernel's
// choosing with its own data directory under one temporary directory. Every replica has the same
// configuration file and the same secrets key file (the operator's key distribution); the first
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
    // The configuration file every replica runs with.
    std::filesystem::path configFile() const { return dir() / "aegisd.yaml"; }

    // SIGKILL replica `index`, and reaps it.
    void kill(int index);
    // Starts replica `index` again on the same data directory and gRPC address.
    Status restart(int index);

    // The YAML `store:` section of a replica on the etcd cluster at `endpoints` under `prefix`.
    // One place for it, so the demo's shape and the tests' stay the same.
    static std::string storeConfig(const std::vector<std::string> &endpoints,
                                   const std::string &prefix);

private:
    HaCluster() = default;
    Status startReplica(int index, const std::string &grpcListen);

    std::unique_ptr<TempDir> m_dir;
    HaClusterOptions m_options;
    std::unique_ptr<EtcdCluster> m_etcd;
    std::vector<std::unique_ptr<DaemonProcess>> m_replicas;
    std::vector<std::string> m_addresses;
    std::string m_adminToken;
};

} // namespace aegis::testing
