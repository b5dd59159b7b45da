#pragma once

#include "daemon/daemon_config.h"

#include <memory>

namespace aegis::daemon {

// aegisd: opens the store, wires the modules to the gRPC services and the HTTP endpoint, and runs
// until shutdown() is called.
class Daemon {
public:
    static StatusOr<std::unique_ptr<Daemon>> start(DaemonConfig config);
    ~Daemon();

    // Graceful shutdown: not ready, new calls refused, open streams ended with UNAVAILABLE,
    // in-flight calls given the grace period, then the store flushed and closed. Idempotent; call
    // it from any thread except a gRPC callback.
    void shutdown();

    std::string grpcAddress() const;
    std::string httpAddress() const;

private:
    struct Parts;
    explicit Daemon(std::unique_ptr<Parts> parts);
    std::unique_ptr<Parts> m_parts;
};

} // namespace aegis::daemon
