#pragma once

#include "common/clock.h"
#include "common/extension_description.h"
#include "common/status.h"
#include "health/health_state_machine.h"

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace aegis::health {

// What to probe: the kind names a registered ProberFactory; options are kind-specific strings
// (for "http": path, status, body_contains, header.<Name>; for "grpc": service; for "ttl": ttl).
struct ProbeSpec {
    std::string kind;
    std::string host;
    std::uint16_t port = 0;
    std::map<std::string, std::string> options;
};

using ProbeCallback = std::function<void(ProbeResult)>;

// Probes one target. Built by a ProberFactory for one check and owned by the scheduler, which
// runs every call on the check's own strand (the executor the prober was created with) and never
// starts a probe before the previous one has completed. Probers keep per-target state between
// probes (an open keep-alive connection, a channel). Shared ownership because completions of
// asynchronous operations may outlive the scheduler's reference.
class Prober {
public:
    virtual ~Prober() = default;
    // Starts one probe. `done` is called exactly once, on the prober's executor, at the latest
    // shortly after `timeout`.
    virtual void probe(std::chrono::milliseconds timeout, ProbeCallback done) = 0;
    // Cancels any probe in flight (its `done` still runs) and releases connections. Idempotent.
    virtual void cancel() = 0;
    // Accepts a status the instance reports about itself; called from any thread, so an
    // implementation guards its own state. Only report-driven kinds (ttl) accept.
    virtual Status acceptReport(const ProbeResult &result) {
        (void)result;
        return failedPrecondition("this check probes its target; it does not accept reports");
    }
};

using ProberPtr = std::shared_ptr<Prober>;

// What a factory may use to build a prober.
struct ProberContext {
    // The check's strand; every operation of the prober must complete on it.
    boost::asio::any_io_executor executor;
    ClockPtr clock;
};

// Builds probers of one kind from a ProbeSpec, rejecting invalid options with InvalidArgument
// naming the option (checked against describe() first, validateExtensionParameters). Thread-safe:
// create() may be called from any thread.
class ProberFactory {
public:
    virtual ~ProberFactory() = default;
    // The kind the factory registers under (its name) and the options it takes; the same for the
    // factory's lifetime.
    virtual const ExtensionDescription &describe() const = 0;
    std::string kind() const { return describe().name; }
    virtual StatusOr<ProberPtr> create(const ProbeSpec &spec,
                                       const ProberContext &context) const = 0;
};

using ProberFactoryPtr = std::unique_ptr<ProberFactory>;

// Probe kinds by name. Filled at start-up (registerBuiltinProbers() and any extension), read-only
// afterwards: lookups are then safe from any thread.
class ProberRegistry {
public:
    // AlreadyExists when the kind is taken.
    Status add(ProberFactoryPtr factory);
    const ProberFactory *find(const std::string &kind) const;
    // Every kind's description, by kind.
    std::vector<const ExtensionDescription *> descriptions() const;
    StatusOr<ProberPtr> create(const ProbeSpec &spec, const ProberContext &context) const;

private:
    std::map<std::string, ProberFactoryPtr, std::less<>> m_factories;
};

// Registers http, tcp, grpc and ttl.
void registerBuiltinProbers(ProberRegistry &registry);

} // namespace aegis::health
