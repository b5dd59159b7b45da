#pragma once

#include "client/endpoint.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace aegis::client {

// Counts one request as outstanding against an endpoint until it is destroyed or released. The
// least-request picker prefers endpoints with fewer of them; other pickers hand out empty guards.
// Move-only; not thread-safe itself (one request, one owner).
class InFlightGuard {
public:
    InFlightGuard() = default;
    explicit InFlightGuard(std::shared_ptr<std::atomic<std::int64_t>> counter);
    ~InFlightGuard() { release(); }
    InFlightGuard(InFlightGuard &&other) noexcept = default;
    InFlightGuard &operator=(InFlightGuard &&other) noexcept;
    InFlightGuard(const InFlightGuard &) = delete;
    InFlightGuard &operator=(const InFlightGuard &) = delete;

    // Ends the request early (idempotent).
    void release();

private:
    std::shared_ptr<std::atomic<std::int64_t>> m_counter;
};

// The endpoint chosen for one request. Keep `guard` alive until the request completes.
struct Pick {
    Endpoint endpoint;
    InFlightGuard guard;
};

enum class Strategy {
    // Each endpoint in turn.
    RoundRobin,
    // nginx's smooth weighted round-robin: weights 5,1,1 give a a b a c a a.
    WeightedRoundRobin,
    // Uniformly at random.
    Random,
    // Power of two choices: of two endpoints drawn at random, the one with fewer requests in
    // flight (counted by InFlightGuard).
    LeastRequest,
    // A hash ring with virtual nodes, keyed by the request key: the same key goes to the same
    // endpoint, and an endpoint joining or leaving moves only about 1/N of the keys.
    ConsistentHash,
};

struct PickerOptions {
    // Seeds the random and least-request pickers, so tests can repeat a sequence.
    std::uint64_t seed = 0x5eed;
    // Points per endpoint on the consistent-hash ring; more points spread keys more evenly.
    int virtualNodes = 160;
};

// Chooses an endpoint for each request from the set it was last given. update() and pick() may be
// called from any thread, concurrently. Endpoints are identified by id: state kept per endpoint
// (smooth-weighted counters, in-flight counts) survives an update that keeps the id.
class Picker {
public:
    virtual ~Picker() = default;
    // Replaces the endpoints to choose from. Callers pass only pickable endpoints (Discovery does).
    virtual void update(std::vector<Endpoint> endpoints) = 0;
    // nullopt when there is no endpoint. `key` matters to ConsistentHash only; an empty key there
    // is hashed like any other.
    virtual std::optional<Pick> pick(std::string_view key = {}) = 0;
};

using PickerPtr = std::unique_ptr<Picker>;

PickerPtr makePicker(Strategy strategy, PickerOptions options = {});

} // namespace aegis::client
