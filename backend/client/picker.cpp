#include "client/picker.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <random>
#include <string>

namespace aegis::client {
namespace {

using Counter = std::atomic<std::int64_t>;

// FNV-1a followed by a 64-bit finaliser (splitmix64's), so that keys differing in one trailing
// character ("svc#1", "svc#2") land far apart on the ring. Stable across processes and builds.
std::uint64_t ringHash(std::string_view text) {
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    for (const unsigned char c : text) {
        hash ^= c;
        hash *= 0x100000001b3ULL;
    }
    hash ^= hash >> 30;
    hash *= 0xbf58476d1ce4e5b9ULL;
    hash ^= hash >> 27;
    hash *= 0x94d049bb133111ebULL;
    hash ^= hash >> 31;
    return hash;
}

bool isAvoided(std::string_view id, AvoidIds avoid) {
    return std::find(avoid.begin(), avoid.end(), id) != avoid.end();
}

// What each strategy implements; BalancingPicker adds slow start and zones on top and hands it
// the endpoints to choose from with the weights to use. Thread-safe.
class Balancer {
public:
    virtual ~Balancer() = default;
    // `weights` has one entry per endpoint; endpoints of weight 0 or less are left out.
    virtual void assign(std::vector<Endpoint> endpoints, std::vector<std::int64_t> weights) = 0;
    // nullopt when every endpoint is in `avoid` (or there is none).
    virtual std::optional<Pick> choose(std::string_view key, AvoidIds avoid) = 0;
};

// The endpoints of one assign() that can take traffic, in the order given, with their weights.
// Immutable once built; each Pick shares ownership of the set it came from.
struct EndpointSet {
    EndpointSet(std::vector<Endpoint> given, const std::vector<std::int64_t> &givenWeights) {
        for (std::size_t i = 0; i < given.size(); ++i) {
            if (givenWeights[i] > 0) {
                weights.push_back(givenWeights[i]);
                endpoints.push_back(std::move(given[i]));
            }
        }
    }
    std::size_t size() const { return endpoints.size(); }
    bool empty() const { return endpoints.empty(); }
    bool avoided(std::size_t index, AvoidIds avoid) const {
        return !avoid.empty() && isAvoided(endpoints[index].id, avoid);
    }

    std::vector<Endpoint> endpoints;
    std::vector<std::int64_t> weights; // > 0, one per endpoint
};

// A pick of endpoint `index` of `set` that keeps the set alive (a reference count, no copy).
template <typename Set>
Pick pickFrom(const std::shared_ptr<const Set> &set, std::size_t index, InFlightGuard guard = {}) {
    return Pick(std::shared_ptr<const Endpoint>(set, &set->endpoints[index]), std::move(guard));
}

// Draws endpoint indexes in proportion to their weights: cumulative weights and a binary search.
class WeightedDraw {
public:
    explicit WeightedDraw(const std::vector<std::int64_t> &weights) {
        m_cumulative.reserve(weights.size());
        std::uint64_t total = 0;
        for (const std::int64_t weight : weights) {
            total += static_cast<std::uint64_t>(weight);
            m_cumulative.push_back(total);
        }
    }
    template <typename Random>
    std::size_t draw(Random &random) const {
        std::uniform_int_distribution<std::uint64_t> point(0, total() - 1);
        return indexAt(point(random));
    }
    // A draw among all but `excluded` (which must not be the only index).
    template <typename Random>
    std::size_t drawExcept(std::size_t excluded, Random &random) const {
        const std::uint64_t before = excluded == 0 ? 0 : m_cumulative[excluded - 1];
        const std::uint64_t weight = m_cumulative[excluded] - before;
        std::uniform_int_distribution<std::uint64_t> point(0, total() - weight - 1);
        std::uint64_t at = point(random);
        if (at >= before) {
            at += weight; // skip the excluded endpoint's range
        }
        return indexAt(at);
    }

    // A draw among the endpoints of `set` (whose weights this was built from) not in `avoid`, or
    // nullopt when all are: a few draws skipping avoided ones, then one over the rest (O(n)).
    template <typename Random>
    std::optional<std::size_t> drawAvoiding(const EndpointSet &set, AvoidIds avoid,
                                            Random &random) const {
        for (int attempt = 0; attempt < 4; ++attempt) {
            const std::size_t index = draw(random);
            if (!set.avoided(index, avoid)) {
                return index;
            }
        }
        std::uint64_t rest = 0;
        for (std::size_t i = 0; i < set.size(); ++i) {
            rest += set.avoided(i, avoid) ? 0 : static_cast<std::uint64_t>(set.weights[i]);
        }
        if (rest == 0) {
            return std::nullopt;
        }
        std::uint64_t at = std::uniform_int_distribution<std::uint64_t>(0, rest - 1)(random);
        for (std::size_t i = 0;; ++i) {
            if (set.avoided(i, avoid)) {
                continue;
            }
            const auto weight = static_cast<std::uint64_t>(set.weights[i]);
            if (at < weight) {
                return i;
            }
            at -= weight;
        }
    }

private:
    std::uint64_t total() const { return m_cumulative.back(); }
    // The first index whose cumulative weight exceeds `point`: a binary search without branches
    // on the data (a conditional move per step), which random points would mispredict half the
    // time.
    std::size_t indexAt(std::uint64_t point) const {
        const std::uint64_t *base = m_cumulative.data();
        std::size_t length = m_cumulative.size();
        while (length > 1) {
            const std::size_t half = length / 2;
            base = base[half] <= point ? base + half : base;
            length -= half;
        }
        return static_cast<std::size_t>(base - m_cumulative.data()) + (*base <= point ? 1 : 0);
    }

    std::vector<std::uint64_t> m_cumulative;
};

// Earliest deadline first over virtual time: an endpoint of weight w has its turns at
// (k + 1/2) / w, so over any stretch of picks each endpoint's count is within one of its weighted
// share. Ties go to the endpoint given first, which makes equal weights plain round-robin. Time is
// an integer (2^40 units per 1/weight 1), so equal weights tie exactly. A binary heap keeps a pick
// at O(log n); an update keeps each surviving endpoint's next turn.
class RoundRobinBalancer final : public Balancer {
public:
    void assign(std::vector<Endpoint> endpoints, std::vector<std::int64_t> weights) override {
        auto set = std::make_shared<const Set>(std::move(endpoints), weights);
        std::lock_guard lock(m_mutex);
        std::map<std::string_view, std::pair<Time, std::int64_t>> previous; // deadline, weight
        for (const Turn &turn : m_heap) {
            previous.emplace(m_set->endpoints[turn.index].id,
                             std::make_pair(turn.deadline, m_set->weights[turn.index]));
        }
        std::vector<Turn> heap;
        heap.reserve(set->size());
        for (std::size_t i = 0; i < set->size(); ++i) {
            Time deadline = m_now + set->intervals[i] / 2;
            if (const auto kept = previous.find(set->endpoints[i].id); kept != previous.end()) {
                const auto [oldDeadline, oldWeight] = kept->second;
                // The time left to its turn, rescaled if its weight changed.
                deadline = m_now + (oldDeadline - m_now) * static_cast<Time>(oldWeight) /
                                       static_cast<Time>(set->weights[i]);
            }
            heap.push_back(Turn{deadline, i});
        }
        std::make_heap(heap.begin(), heap.end(), later);
        m_heap = std::move(heap);
        m_set = std::move(set); // after the loop above: `previous` refers into the old set
    }
    std::optional<Pick> choose(std::string_view, AvoidIds avoid) override {
        std::lock_guard lock(m_mutex);
        if (m_heap.empty()) {
            return std::nullopt;
        }
        std::size_t at = 0;
        if (m_set->avoided(m_heap[0].index, avoid)) {
            // The earliest turn among the others; the avoided endpoint keeps its own turn.
            at = m_heap.size();
            for (std::size_t i = 1; i < m_heap.size(); ++i) {
                if (!m_set->avoided(m_heap[i].index, avoid) &&
                    (at == m_heap.size() || later(m_heap[at], m_heap[i]))) {
                    at = i;
                }
            }
            if (at == m_heap.size()) {
                return std::nullopt;
            }
        }
        const std::size_t chosen = m_heap[at].index;
        m_now = m_heap[0].deadline; // the earliest deadline: every turn is at or after it
        m_heap[at].deadline += m_set->intervals[chosen];
        siftDown(at);
        if (m_now > kRebaseAt) {
            rebase();
        }
        return pickFrom(m_set, chosen);
    }

private:
    using Time = std::uint64_t;
    static constexpr Time kUnit = Time{1} << 40;
    // Far enough below 2^64 that now + an interval (at most kUnit) cannot overflow.
    static constexpr Time kRebaseAt = Time{1} << 62;

    struct Set : EndpointSet {
        Set(std::vector<Endpoint> given, const std::vector<std::int64_t> &givenWeights)
            : EndpointSet(std::move(given), givenWeights) {
            for (const std::int64_t weight : weights) {
                const auto w = static_cast<Time>(weight);
                intervals.push_back(std::max<Time>((kUnit + w / 2) / w, 1));
            }
        }
        std::vector<Time> intervals; // kUnit / weight: virtual time between two turns
    };
    struct Turn {
        Time deadline;
        std::size_t index;
    };
    // The heap's order: the root is the earliest turn, the first endpoint on a tie.
    static bool later(const Turn &a, const Turn &b) {
        return a.deadline != b.deadline ? a.deadline > b.deadline : a.index > b.index;
    }
    // Restores the heap after the turn at `at` moved later.
    void siftDown(std::size_t at) {
        const std::size_t size = m_heap.size();
        const Turn moved = m_heap[at];
        while (true) {
            std::size_t child = 2 * at + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && later(m_heap[child], m_heap[child + 1])) {
                ++child;
            }
            if (!later(moved, m_heap[child])) {
                break;
            }
            m_heap[at] = m_heap[child];
            at = child;
        }
        m_heap[at] = moved;
    }
    // Every deadline is at or after now, so subtracting now keeps them all, and their order.
    void rebase() {
        for (Turn &turn : m_heap) {
            turn.deadline -= m_now;
        }
        m_now = 0;
    }

    std::mutex m_mutex;
    std::shared_ptr<const Set> m_set;
    std::vector<Turn> m_heap;
    Time m_now = 0; // the earliest deadline at the last pick
};

// nginx's ngx_http_upstream_get_peer: every pick adds each weight to its current value, takes the
// largest current value (the first on a tie) and subtracts the total from it.
class SmoothWeightedBalancer final : public Balancer {
public:
    void assign(std::vector<Endpoint> endpoints, std::vector<std::int64_t> weights) override {
        auto set = std::make_shared<const EndpointSet>(std::move(endpoints), weights);
        std::lock_guard lock(m_mutex);
        std::map<std::string_view, std::int64_t> previous;
        for (std::size_t i = 0; m_set && i < m_set->size(); ++i) {
            previous[m_set->endpoints[i].id] = m_current[i];
        }
        std::vector<std::int64_t> current(set->size(), 0);
        for (std::size_t i = 0; i < set->size(); ++i) {
            if (const auto kept = previous.find(set->endpoints[i].id); kept != previous.end()) {
                current[i] = kept->second;
            }
        }
        m_current = std::move(current);
        m_set = std::move(set); // after the loop above: `previous` refers into the old set
    }
    // Avoided endpoints sit the round out, as nginx's tried peers do.
    std::optional<Pick> choose(std::string_view, AvoidIds avoid) override {
        std::lock_guard lock(m_mutex);
        if (!m_set) {
            return std::nullopt;
        }
        if (m_set->empty()) {
            return std::nullopt;
        }
        if (!avoid.empty()) {
            return chooseAvoiding(avoid);
        }
        // This loop is the whole cost of a pick. The best value is kept in a local, not read back
        // through m_current[best]: that load would chain every step to the previous one.
        const std::int64_t *weights = m_set->weights.data();
        std::int64_t *current = m_current.data();
        std::int64_t total = 0;
        std::int64_t bestValue = std::numeric_limits<std::int64_t>::min();
        std::size_t best = 0;
        for (std::size_t i = 0; i < m_set->size(); ++i) {
            const std::int64_t value = current[i] + weights[i];
            current[i] = value;
            total += weights[i];
            if (value > bestValue) { // the first on a tie
                bestValue = value;
                best = i;
            }
        }
        m_current[best] -= total;
        return pickFrom(m_set, best);
    }

private:
    // The same round without the avoided endpoints. Under m_mutex.
    std::optional<Pick> chooseAvoiding(AvoidIds avoid) {
        std::int64_t total = 0;
        std::optional<std::size_t> best;
        for (std::size_t i = 0; i < m_set->size(); ++i) {
            if (isAvoided(m_set->endpoints[i].id, avoid)) {
                continue;
            }
            m_current[i] += m_set->weights[i];
            total += m_set->weights[i];
            if (!best || m_current[i] > m_current[*best]) {
                best = i;
            }
        }
        if (!best) {
            return std::nullopt;
        }
        m_current[*best] -= total;
        return pickFrom(m_set, *best);
    }

    std::mutex m_mutex;
    std::shared_ptr<const EndpointSet> m_set;
    std::vector<std::int64_t> m_current;
};

class RandomBalancer final : public Balancer {
public:
    explicit RandomBalancer(std::uint64_t seed)
        : m_random(seed) {}
    void assign(std::vector<Endpoint> endpoints, std::vector<std::int64_t> weights) override {
        auto set = std::make_shared<const Set>(std::move(endpoints), weights);
        std::lock_guard lock(m_mutex);
        m_set = std::move(set);
    }
    std::optional<Pick> choose(std::string_view, AvoidIds avoid) override {
        std::lock_guard lock(m_mutex);
        if (!m_set || m_set->empty()) {
            return std::nullopt;
        }
        if (avoid.empty()) {
            return pickFrom(m_set, m_set->draw.draw(m_random));
        }
        const auto chosen = m_set->draw.drawAvoiding(*m_set, avoid, m_random);
        return chosen ? std::optional<Pick>(pickFrom(m_set, *chosen)) : std::nullopt;
    }

private:
    struct Set : EndpointSet {
        Set(std::vector<Endpoint> given, const std::vector<std::int64_t> &givenWeights)
            : EndpointSet(std::move(given), givenWeights)
            , draw(weights) {}
        WeightedDraw draw;
    };
    std::mutex m_mutex;
    std::shared_ptr<const Set> m_set;
    std::mt19937_64 m_random;
};

class LeastRequestBalancer final : public Balancer {
public:
    explicit LeastRequestBalancer(std::uint64_t seed)
        : m_random(seed) {}
    void assign(std::vector<Endpoint> endpoints, std::vector<std::int64_t> weights) override {
        auto set = std::make_shared<Set>(std::move(endpoints), weights);
        std::lock_guard lock(m_mutex);
        std::map<std::string_view, std::shared_ptr<Counter>> previous;
        for (std::size_t i = 0; m_set && i < m_set->size(); ++i) {
            previous.emplace(m_set->endpoints[i].id, m_set->inFlight[i]);
        }
        for (const auto &endpoint : set->endpoints) {
            const auto kept = previous.find(endpoint.id);
            set->inFlight.push_back(kept != previous.end() ? kept->second
                                                           : std::make_shared<Counter>(0));
        }
        m_set = std::move(set);
    }
    std::optional<Pick> choose(std::string_view, AvoidIds avoid) override {
        std::lock_guard lock(m_mutex);
        if (!m_set || m_set->empty()) {
            return std::nullopt;
        }
        const Set &set = *m_set;
        std::size_t chosen = 0;
        std::optional<std::size_t> other;
        if (avoid.empty()) {
            chosen = set.draw.draw(m_random);
            if (set.size() > 1) {
                other = set.draw.drawExcept(chosen, m_random);
            }
        } else {
            const auto first = set.draw.drawAvoiding(set, avoid, m_random);
            if (!first) {
                return std::nullopt;
            }
            chosen = *first;
            // A second candidate if a few draws find one; otherwise the first stands.
            for (int attempt = 0; attempt < 4 && set.size() > 1 && !other; ++attempt) {
                const std::size_t candidate = set.draw.drawExcept(chosen, m_random);
                if (!set.avoided(candidate, avoid)) {
                    other = candidate;
                }
            }
        }
        // Fewer in flight per unit of weight: inFlight[other] / w[other] < inFlight[chosen] /
        // w[chosen], multiplied out.
        if (other && set.inFlight[*other]->load() * set.weights[chosen] <
                         set.inFlight[chosen]->load() * set.weights[*other]) {
            chosen = *other;
        }
        return pickFrom(m_set, chosen, InFlightGuard(set.inFlight[chosen]));
    }

private:
    struct Set : EndpointSet {
        Set(std::vector<Endpoint> given, const std::vector<std::int64_t> &givenWeights)
            : EndpointSet(std::move(given), givenWeights)
            , draw(weights) {}
        WeightedDraw draw;
        std::vector<std::shared_ptr<Counter>> inFlight; // one per endpoint, kept across updates
    };
    std::mutex m_mutex;
    std::shared_ptr<const Set> m_set;
    std::mt19937_64 m_random;
};

// A ring of points hash("<id>#<n>") for n below the endpoint's point count, which is
// virtualNodes × its weight over the average weight (at least 1): a key belongs to the first
// point at or after its hash. An endpoint keeps the same points while its count stays, so one
// joining or leaving moves only the keys on the points it adds or takes away.
class ConsistentHashBalancer final : public Balancer {
public:
    explicit ConsistentHashBalancer(int virtualNodes)
        : m_virtualNodes(std::max(virtualNodes, 1)) {}
    void assign(std::vector<Endpoint> endpoints, std::vector<std::int64_t> weights) override {
        auto set = std::make_shared<Set>(std::move(endpoints), weights);
        set->build(m_virtualNodes);
        std::lock_guard lock(m_mutex);
        m_set = std::move(set);
    }
    std::optional<Pick> choose(std::string_view key, AvoidIds avoid) override {
        const std::uint64_t hash = ringHash(key);
        std::lock_guard lock(m_mutex);
        if (!m_set || m_set->empty()) {
            return std::nullopt;
        }
        const std::size_t point = m_set->pointAt(hash);
        if (avoid.empty()) {
            return pickFrom(m_set, m_set->owners[point]);
        }
        // The next point along the ring whose owner is not avoided.
        for (std::size_t step = 0; step < m_set->points.size(); ++step) {
            const std::size_t owner = m_set->owners[(point + step) % m_set->points.size()];
            if (!m_set->avoided(owner, avoid)) {
                return pickFrom(m_set, owner);
            }
        }
        return std::nullopt;
    }

private:
    struct Set : EndpointSet {
        Set(std::vector<Endpoint> given, const std::vector<std::int64_t> &givenWeights)
            : EndpointSet(std::move(given), givenWeights) {}

        void build(int virtualNodes) {
            if (empty()) {
                return;
            }
            std::int64_t total = 0;
            for (const std::int64_t weight : weights) {
                total += weight;
            }
            std::vector<std::pair<std::uint64_t, std::uint32_t>> ring; // (point, endpoint)
            for (std::size_t i = 0; i < size(); ++i) {
                // virtualNodes × weight / (total / size), rounded; equal weights give exactly
                // virtualNodes each.
                const std::int64_t scaled =
                    std::int64_t{virtualNodes} * weights[i] * static_cast<std::int64_t>(size());
                const std::int64_t count = std::max<std::int64_t>(1, (scaled + total / 2) / total);
                for (std::int64_t node = 0; node < count; ++node) {
                    ring.emplace_back(ringHash(endpoints[i].id + "#" + std::to_string(node)),
                                      static_cast<std::uint32_t>(i));
                }
            }
            // Sorting by (hash, id) keeps the ring independent of the order endpoints came in.
            std::sort(ring.begin(), ring.end(), [this](const auto &a, const auto &b) {
                return a.first != b.first ? a.first < b.first
                                          : endpoints[a.second].id < endpoints[b.second].id;
            });
            points.reserve(ring.size());
            owners.reserve(ring.size());
            for (const auto &[point, owner] : ring) {
                points.push_back(point);
                owners.push_back(owner);
            }
            // About two points per bucket: a lookup searches one bucket's few points.
            int bits = 1;
            while (bits < 20 && (std::size_t{1} << bits) < points.size() / 2) {
                ++bits;
            }
            bucketShift = 64 - bits;
            const std::size_t buckets = std::size_t{1} << bits;
            bucketStart.resize(buckets + 1);
            std::size_t at = 0;
            for (std::size_t bucket = 0; bucket < buckets; ++bucket) {
                const std::uint64_t first = static_cast<std::uint64_t>(bucket) << bucketShift;
                while (at < points.size() && points[at] < first) {
                    ++at;
                }
                bucketStart[bucket] = static_cast<std::uint32_t>(at);
            }
            bucketStart[buckets] = static_cast<std::uint32_t>(points.size());
        }
        // The first point at or after `hash`, wrapping around.
        std::size_t pointAt(std::uint64_t hash) const {
            const std::size_t bucket = static_cast<std::size_t>(hash >> bucketShift);
            const auto begin = points.begin() + bucketStart[bucket];
            const auto end = points.begin() + bucketStart[bucket + 1];
            const auto point = std::lower_bound(begin, end, hash);
            // Past the bucket's last point the answer is the next bucket's first point.
            const std::size_t index = static_cast<std::size_t>(point - points.begin());
            return index == points.size() ? 0 : index;
        }

        std::vector<std::uint64_t> points; // sorted
        std::vector<std::uint32_t> owners; // endpoint index of each point
        // Points [bucketStart[b], bucketStart[b + 1]) have hashes with top bits b.
        std::vector<std::uint32_t> bucketStart;
        int bucketShift = 63;
    };

    const int m_virtualNodes;
    std::mutex m_mutex;
    std::shared_ptr<const Set> m_set;
};

std::unique_ptr<Balancer> makeBalancer(Strategy strategy, const PickerOptions &options) {
    switch (strategy) {
    case Strategy::WeightedRoundRobin:
        return std::make_unique<SmoothWeightedBalancer>();
    case Strategy::Random:
        return std::make_unique<RandomBalancer>(options.seed);
    case Strategy::LeastRequest:
        return std::make_unique<LeastRequestBalancer>(options.seed);
    case Strategy::ConsistentHash:
        return std::make_unique<ConsistentHashBalancer>(options.virtualNodes);
    case Strategy::RoundRobin:
        break;
    }
    return std::make_unique<RoundRobinBalancer>();
}

// The Picker every strategy is wrapped in: works out the weight each pickable endpoint balances
// by (its effective weight, times its slow-start ramp and its zone's share) and hands the
// endpoints to the strategy's Balancer. Without slow start or zones the weights go through
// unchanged, so shares and sequences are exact.
class BalancingPicker final : public Picker {
public:
    BalancingPicker(Strategy strategy, PickerOptions options)
        : m_balancer(makeBalancer(strategy, options))
        , m_everywhere(options.zones.localZone.empty() ? nullptr : makeBalancer(strategy, options))
        , m_options(std::move(options))
        , m_clock(m_options.clock ? m_options.clock : std::make_shared<SystemClock>())
        , m_rampsUp(strategy != Strategy::ConsistentHash && m_options.slowStart.window.count() > 0)
        , m_scaled(m_rampsUp || m_everywhere) {}

    void update(std::vector<Endpoint> endpoints) override {
        std::lock_guard lock(m_mutex);
        const auto now = m_clock->steadyNow();
        m_zoneScale = zoneScales(endpoints);
        std::map<std::string, Time, std::less<>> since;
        std::vector<Endpoint> pickable;
        for (auto &endpoint : endpoints) {
            if (!endpoint.isPickable()) {
                continue;
            }
            if (m_rampsUp) {
                const auto kept = m_pickableSince.find(endpoint.id);
                since.emplace(endpoint.id, kept != m_pickableSince.end() ? kept->second
                                           : m_updated                   ? now
                                                                         : Time::min());
            }
            pickable.push_back(std::move(endpoint));
        }
        m_pickableSince = std::move(since);
        m_updated = true;
        if (m_rampsUp) {
            m_pickable = pickable;
        }
        if (m_everywhere) {
            std::vector<std::int64_t> weights;
            for (const auto &endpoint : pickable) {
                weights.push_back(endpoint.effectiveWeight());
            }
            m_everywhere->assign(pickable, std::move(weights));
        }
        assign(std::move(pickable), now);
    }

    std::optional<Pick> pick(std::string_view key, AvoidIds avoid) override {
        const std::int64_t due = m_refreshAt.load(std::memory_order_acquire);
        if (due != kNever && m_clock->steadyNow().time_since_epoch().count() >= due) {
            refresh();
        }
        if (auto chosen = m_balancer->choose(key, avoid); chosen || avoid.empty()) {
            return chosen;
        }
        // Every endpoint of the zones in use is avoided: any other zone's, then the avoided.
        if (m_everywhere) {
            if (auto chosen = m_everywhere->choose(key, avoid)) {
                return chosen;
            }
        }
        return m_balancer->choose(key, {});
    }

private:
    using Time = std::chrono::steady_clock::time_point;
    static constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();
    // With slow start or zones configured every weight is scaled up by this (before rounding, so
    // a ramp or a zone share keeps three decimal places), so that strategies keeping state in
    // units of weight (nginx's current weights) see one unit throughout.
    static constexpr double kScale = 1000;
    // Slow-start weights are recomputed this many times over the window.
    static constexpr int kRampSteps = 20;

    // The zone share of each pickable endpoint of `given`, in order, as a factor on its weight
    // (see ZoneOptions); empty when zones are off or change nothing.
    std::vector<double> zoneScales(const std::vector<Endpoint> &given) const {
        const std::string &local = m_options.zones.localZone;
        if (local.empty()) {
            return {};
        }
        double localPickable = 0;
        double remotePickable = 0;
        double localServing = 0; // meant to serve: serving with a weight, routable or not
        for (const auto &endpoint : given) {
            const auto weight = static_cast<double>(endpoint.effectiveWeight());
            const bool isLocal = endpoint.zone() == local;
            if (endpoint.isPickable()) {
                (isLocal ? localPickable : remotePickable) += weight;
            }
            if (isLocal && endpoint.state == InstanceState::Serving) {
                localServing += weight;
            }
        }
        if (localPickable == 0 || remotePickable == 0) {
            return {}; // one side has nothing: the other takes every request, by weight
        }
        const double share =
            std::min(1.0, m_options.zones.overprovisioning * localPickable / localServing);
        const double total = localPickable + remotePickable;
        std::vector<double> scales;
        for (const auto &endpoint : given) {
            if (endpoint.isPickable()) {
                scales.push_back(endpoint.zone() == local ? share * total / localPickable
                                                          : (1 - share) * total / remotePickable);
            }
        }
        return scales;
    }

    // Hands `pickable` to the balancer with their weights as of `now`. Under m_mutex.
    void assign(std::vector<Endpoint> pickable, Time now) {
        std::vector<double> factors = m_zoneScale;
        bool ramping = false;
        if (m_rampsUp) {
            const SlowStartOptions &ramp = m_options.slowStart;
            const double window = std::chrono::duration<double>(ramp.window).count();
            factors.resize(pickable.size(), 1.0);
            for (std::size_t i = 0; i < pickable.size(); ++i) {
                const Time since = m_pickableSince.find(pickable[i].id)->second;
                if (since == Time::min() || now - since >= ramp.window) {
                    continue;
                }
                ramping = true;
                const double elapsed =
                    std::max(std::chrono::duration<double>(now - since).count(), 1.0);
                const double ramped = std::pow(std::min(elapsed / window, 1.0),
                                               1.0 / std::max(ramp.aggression, 1e-3));
                factors[i] *= std::max(ramp.minWeightPercent / 100.0, ramped);
            }
        }
        std::vector<std::int64_t> weights;
        weights.reserve(pickable.size());
        for (std::size_t i = 0; i < pickable.size(); ++i) {
            const auto weight = pickable[i].effectiveWeight();
            if (!m_scaled) {
                weights.push_back(weight);
            } else if (factors.empty()) {
                weights.push_back(weight * static_cast<std::int64_t>(kScale));
            } else {
                // A factor of 0 (a zone with no share) leaves the endpoint out.
                weights.push_back(std::llround(static_cast<double>(weight) * factors[i] * kScale));
            }
        }
        m_balancer->assign(std::move(pickable), std::move(weights));
        const auto step = std::max<std::chrono::nanoseconds>(
            m_options.slowStart.window / kRampSteps, std::chrono::milliseconds(1));
        m_refreshAt.store(ramping ? (now + step).time_since_epoch().count() : kNever,
                          std::memory_order_release);
    }

    // Recomputes the slow-start weights once their step is due.
    void refresh() {
        std::lock_guard lock(m_mutex);
        const auto now = m_clock->steadyNow();
        if (now.time_since_epoch().count() < m_refreshAt.load(std::memory_order_relaxed)) {
            return; // another pick got here first
        }
        assign(m_pickable, now);
    }

    const std::unique_ptr<Balancer> m_balancer;
    // With zones: every pickable endpoint by its own weight, for a pick that must avoid every
    // endpoint of the zones in use; null without zones.
    const std::unique_ptr<Balancer> m_everywhere;
    const PickerOptions m_options;
    const ClockPtr m_clock;
    const bool m_rampsUp;
    const bool m_scaled;
    std::atomic<std::int64_t> m_refreshAt{kNever}; // steady nanoseconds; kNever: no ramp running

    std::mutex m_mutex; // guards what follows; taken by update() and refresh(), not by picks
    bool m_updated = false;
    std::map<std::string, Time, std::less<>> m_pickableSince; // Time::min(): from the start
    std::vector<double> m_zoneScale;                          // one per pickable endpoint or empty
    std::vector<Endpoint> m_pickable;                         // kept only for slow start
};

} // namespace

InFlightGuard::InFlightGuard(std::shared_ptr<std::atomic<std::int64_t>> counter)
    : m_counter(std::move(counter)) {
    if (m_counter) {
        ++*m_counter;
    }
}

InFlightGuard &InFlightGuard::operator=(InFlightGuard &&other) noexcept {
    if (this != &other) {
        release();
        m_counter = std::move(other.m_counter);
    }
    return *this;
}

void InFlightGuard::release() {
    if (m_counter) {
        --*m_counter;
        m_counter.reset();
    }
}

PickerPtr makePicker(Strategy strategy, PickerOptions options) {
    return std::make_unique<BalancingPicker>(strategy, std::move(options));
}

} // namespace aegis::client
