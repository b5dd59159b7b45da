#pragma once

#include "client/endpoint.h"
#include "common/clock.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
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
// `endpoint` refers into the set of endpoints the pick was made from, which the Pick keeps alive:
// it stays valid for as long as the Pick, whatever update() does meanwhile. Making a Pick copies
// no endpoint and allocates nothing. Move-only, and not assignable (hold it in a std::optional
// and emplace to replace it).
struct Pick {
    explicit Pick(std::shared_ptr<const Endpoint> chosen, InFlightGuard inFlight = {})
        : endpoint(*chosen)
        , guard(std::move(inFlight))
        , m_chosen(std::move(chosen)) {}

    const Endpoint &endpoint;
    InFlightGuard guard;

private:
    std::shared_ptr<const Endpoint> m_chosen; // owns what `endpoint` refers to
};

// Every strategy balances by Endpoint::effectiveWeight(): an endpoint's share of the requests is
// its weight over the sum of all weights (for ConsistentHash: its share of the key space), so a
// rollout's 10 % step gets 10 %. With equal weights each behaves as its unweighted namesake.
// Endpoints of weight 0 are never picked.
enum class Strategy {
    // Each endpoint in turn, as often as its weight says: earliest deadline first, where an
    // endpoint's k-th turn falls at (k + 1/2) / weight. Equal weights give plain round-robin in
    // the given order (a b c a b c); weights 5,1,1 give a a a b c a a.
    RoundRobin,
    // nginx's smooth weighted round-robin: weights 5,1,1 give a a b a c a a. Costs O(endpoints)
    // per pick; RoundRobin is the O(log endpoints) choice for large sets.
    WeightedRoundRobin,
    // At random, in proportion to the weights.
    Random,
    // Power of two choices: two distinct endpoints drawn in proportion to their weights, then the
    // one with fewer requests in flight (counted by InFlightGuard) per unit of weight.
    LeastRequest,
    // A hash ring keyed by the request key, with virtual nodes in proportion to the weights: the
    // same key goes to the same endpoint, and an endpoint joining or leaving moves only about its
    // own share of the keys.
    ConsistentHash,
};

// Envoy's slow_start_config: an endpoint that becomes pickable after the picker's first update
// (it joined, or came back from draining, maintenance, weight 0 or an unhealthy spell) takes its
// weight × max(minWeightPercent / 100, (max(t, 1 s) / window)^(1 / aggression)) for t < window,
// where t is the time since it became pickable. Endpoints of the first update start at full
// weight: there is nothing older to leave the load on. Not applied by ConsistentHash, whose key
// ownership would move step by step over the window.
struct SlowStartOptions {
    // 0: off.
    std::chrono::milliseconds window{0};
    // 1 ramps linearly; above 1 faster at first, below 1 slower.
    double aggression = 1.0;
    double minWeightPercent = 10.0;
};

// Zone-aware routing. An endpoint's zone is its "zone" label (kZoneLabel). With localZone set,
// the caller's zone takes min(1, overprovisioning × health) of the requests and the other zones
// the rest, in proportion to their weights, where health is the local zone's routable weight over
// the weight of its endpoints meant to serve (serving, weight > 0, routable or not). So a local
// zone at 5/7 (71 %) health or more (with the default 1.4) keeps every request; below that the
// shortfall fails over to the other zones; with nothing pickable elsewhere it keeps every request
// regardless. Unhealthy endpoints count only when the picker is given them (update() takes every
// endpoint; Discovery passes them when localZone is set).
struct ZoneOptions {
    // The caller's zone; empty: zones are ignored.
    std::string localZone;
    // Envoy's overprovisioning factor (its default, 140 %).
    double overprovisioning = 1.4;
};

struct PickerOptions {
    // Seeds the random and least-request pickers, so tests can repeat a sequence.
    std::uint64_t seed = 0x5eed;
    // Points per endpoint of average weight on the consistent-hash ring (an endpoint gets points in
    // proportion to its weight, at least one); more points spread keys more evenly.
    int virtualNodes = 160;
    SlowStartOptions slowStart;
    ZoneOptions zones;
    // Times slow start; null: the system clock.
    ClockPtr clock;
};

// The ids of endpoints a pick should avoid, e.g. those a retry already tried.
using AvoidIds = std::span<const std::string_view>;

// Chooses an endpoint for each request from the set it was last given. update() and pick() may be
// called from any thread, concurrently. Endpoints are identified by id: state kept per endpoint
// (turns, in-flight counts, slow start) survives an update that keeps the id. update() precomputes
// what picks need (O(endpoints log endpoints)); pick() never allocates, except that while an
// endpoint is in slow start a pick recomputes the weights every twentieth of the window.
class Picker {
public:
    virtual ~Picker() = default;
    // Replaces the endpoints to choose from. Only pickable endpoints (Endpoint::isPickable()) are
    // chosen; the others may be passed too and then count towards their zone's health.
    virtual void update(std::vector<Endpoint> endpoints) = 0;
    // nullopt when there is no pickable endpoint. `key` matters to ConsistentHash only; an empty
    // key there is hashed like any other. Endpoints whose id is in `avoid` are chosen only when
    // every pickable endpoint is in it: RoundRobin and WeightedRoundRobin give the turn to the
    // next one not avoided (nginx skips tried peers so), Random and LeastRequest draw among the
    // others by weight, ConsistentHash takes the key's next endpoint along the ring. With zones,
    // avoiding every endpoint of the zones in use picks among the other zones' endpoints.
    virtual std::optional<Pick> pick(std::string_view key, AvoidIds avoid) = 0;
    std::optional<Pick> pick(std::string_view key = {}) { return pick(key, {}); }
};
using PickerPtr = std::unique_ptr<Picker>;

PickerPtr makePicker(Strategy strategy, PickerOptions options = {});

} // namespace aegis::client
