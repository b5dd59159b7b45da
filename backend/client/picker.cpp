#include "client/picker.h"

#include <algorithm>
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

// The endpoints of one update() that can take traffic, in the order given, with their effective
// weights. Immutable once built; each Pick shares ownership of the set it came from.
struct EndpointSet {
    explicit EndpointSet(std::vector<Endpoint> given) {
        for (auto &endpoint : given) {
            if (endpoint.effectiveWeight() > 0) {
                weights.push_back(endpoint.effectiveWeight());
                endpoints.push_back(std::move(endpoint));
            }
        }
    }
    std::size_t size() const { return endpoints.size(); }
    bool empty() const { return endpoints.empty(); }

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
class RoundRobinPicker final : public Picker {
public:
    void update(std::vector<Endpoint> endpoints) override {
        auto set = std::make_shared<const Set>(std::move(endpoints));
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
    std::optional<Pick> pick(std::string_view) override {
        std::lock_guard lock(m_mutex);
        if (m_heap.empty()) {
            return std::nullopt;
        }
        Turn &next = m_heap.front();
        const std::size_t chosen = next.index;
        m_now = next.deadline;
        next.deadline += m_set->intervals[chosen];
        siftDown();
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
        explicit Set(std::vector<Endpoint> given)
            : EndpointSet(std::move(given)) {
            for (const std::int64_t weight : weights) {
                const auto w = static_cast<Time>(weight);
                intervals.push_back((kUnit + w / 2) / w);
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
    // Restores the heap after the root's deadline moved on.
    void siftDown() {
        const std::size_t size = m_heap.size();
        const Turn moved = m_heap[0];
        std::size_t at = 0;
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
    Time m_now = 0; // the virtual time of the last pick
};

// nginx's ngx_http_upstream_get_peer: every pick adds each weight to its current value, takes the
// largest current value (the first on a tie) and subtracts the total from it.
class SmoothWeightedPicker final : public Picker {
public:
    void update(std::vector<Endpoint> endpoints) override {
        auto set = std::make_shared<const EndpointSet>(std::move(endpoints));
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
    std::optional<Pick> pick(std::string_view) override {
        std::lock_guard lock(m_mutex);
        if (!m_set || m_set->empty()) {
            return std::nullopt;
        }
        std::int64_t total = 0;
        std::size_t best = 0;
        for (std::size_t i = 0; i < m_set->size(); ++i) {
            m_current[i] += m_set->weights[i];
            total += m_set->weights[i];
            if (m_current[i] > m_current[best]) {
                best = i;
            }
        }
        m_current[best] -= total;
        return pickFrom(m_set, best);
    }

private:
    std::mutex m_mutex;
    std::shared_ptr<const EndpointSet> m_set;
    std::vector<std::int64_t> m_current;
};

class RandomPicker final : public Picker {
public:
    explicit RandomPicker(std::uint64_t seed)
        : m_random(seed) {}
    void update(std::vector<Endpoint> endpoints) override {
        auto set = std::make_shared<const Set>(std::move(endpoints));
        std::lock_guard lock(m_mutex);
        m_set = std::move(set);
    }
    std::optional<Pick> pick(std::string_view) override {
        std::lock_guard lock(m_mutex);
        if (!m_set || m_set->empty()) {
            return std::nullopt;
        }
        return pickFrom(m_set, m_set->draw.draw(m_random));
    }

private:
    struct Set : EndpointSet {
        explicit Set(std::vector<Endpoint> given)
            : EndpointSet(std::move(given))
            , draw(weights) {}
        WeightedDraw draw;
    };
    std::mutex m_mutex;
    std::shared_ptr<const Set> m_set;
    std::mt19937_64 m_random;
};

class LeastRequestPicker final : public Picker {
public:
    explicit LeastRequestPicker(std::uint64_t seed)
        : m_random(seed) {}
    void update(std::vector<Endpoint> endpoints) override {
        auto set = std::make_shared<Set>(std::move(endpoints));
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
    std::optional<Pick> pick(std::string_view) override {
        std::lock_guard lock(m_mutex);
        if (!m_set || m_set->empty()) {
            return std::nullopt;
        }
        const Set &set = *m_set;
        std::size_t chosen = set.draw.draw(m_random);
        if (set.size() > 1) {
            const std::size_t other = set.draw.drawExcept(chosen, m_random);
            // Fewer in flight per unit of weight: inFlight[other] / w[other] < inFlight[chosen] /
            // w[chosen], multiplied out.
            if (set.inFlight[other]->load() * set.weights[chosen] <
                set.inFlight[chosen]->load() * set.weights[other]) {
                chosen = other;
            }
        }
        return pickFrom(m_set, chosen, InFlightGuard(set.inFlight[chosen]));
    }

private:
    struct Set : EndpointSet {
        explicit Set(std::vector<Endpoint> given)
            : EndpointSet(std::move(given))
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
class ConsistentHashPicker final : public Picker {
public:
    explicit ConsistentHashPicker(int virtualNodes)
        : m_virtualNodes(std::max(virtualNodes, 1)) {}
    void update(std::vector<Endpoint> endpoints) override {
        auto set = std::make_shared<Set>(std::move(endpoints));
        set->build(m_virtualNodes);
        std::lock_guard lock(m_mutex);
        m_set = std::move(set);
    }
    std::optional<Pick> pick(std::string_view key) override {
        const std::uint64_t hash = ringHash(key);
        std::lock_guard lock(m_mutex);
        if (!m_set || m_set->empty()) {
            return std::nullopt;
        }
        return pickFrom(m_set, m_set->owner(hash));
    }

private:
    struct Set : EndpointSet {
        explicit Set(std::vector<Endpoint> given)
            : EndpointSet(std::move(given)) {}

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
        // The endpoint owning the first point at or after `hash`, wrapping around.
        std::size_t owner(std::uint64_t hash) const {
            const std::size_t bucket = static_cast<std::size_t>(hash >> bucketShift);
            const auto begin = points.begin() + bucketStart[bucket];
            const auto end = points.begin() + bucketStart[bucket + 1];
            const auto point = std::lower_bound(begin, end, hash);
            // Past the bucket's last point the answer is the next bucket's first point.
            const std::size_t index = static_cast<std::size_t>(point - points.begin());
            return owners[index == points.size() ? 0 : index];
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
    switch (strategy) {
    case Strategy::RoundRobin:
        return std::make_unique<RoundRobinPicker>();
    case Strategy::WeightedRoundRobin:
        return std::make_unique<SmoothWeightedPicker>();
    case Strategy::Random:
        return std::make_unique<RandomPicker>(options.seed);
    case Strategy::LeastRequest:
        return std::make_unique<LeastRequestPicker>(options.seed);
    case Strategy::ConsistentHash:
        return std::make_unique<ConsistentHashPicker>(options.virtualNodes);
    }
    return std::make_unique<RoundRobinPicker>();
}

} // namespace aegis::client
