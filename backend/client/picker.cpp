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
std::uint64_t stableHash(std::string_view text) {
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

class RoundRobinPicker final : public Picker {
public:
    void update(std::vector<Endpoint> endpoints) override {
        std::lock_guard lock(m_mutex);
        m_endpoints = std::move(endpoints);
    }
    std::optional<Pick> pick(std::string_view) override {
        std::lock_guard lock(m_mutex);
        if (m_endpoints.empty()) {
            return std::nullopt;
        }
        return Pick{m_endpoints[m_next++ % m_endpoints.size()], {}};
    }

private:
    std::mutex m_mutex;
    std::vector<Endpoint> m_endpoints;
    std::size_t m_next = 0;
};

// nginx's ngx_http_upstream_get_peer: every pick adds each weight to its current value, takes the
// largest current value (the first on a tie) and subtracts the total from it.
class SmoothWeightedPicker final : public Picker {
public:
    void update(std::vector<Endpoint> endpoints) override {
        std::lock_guard lock(m_mutex);
        std::map<std::string, std::int64_t> previous;
        for (std::size_t i = 0; i < m_endpoints.size(); ++i) {
            previous[m_endpoints[i].id] = m_current[i];
        }
        m_endpoints = std::move(endpoints);
        m_current.assign(m_endpoints.size(), 0);
        for (std::size_t i = 0; i < m_endpoints.size(); ++i) {
            if (const auto kept = previous.find(m_endpoints[i].id); kept != previous.end()) {
                m_current[i] = kept->second;
            }
        }
    }
    std::optional<Pick> pick(std::string_view) override {
        std::lock_guard lock(m_mutex);
        std::int64_t total = 0;
        std::optional<std::size_t> best;
        for (std::size_t i = 0; i < m_endpoints.size(); ++i) {
            const std::int64_t weight = std::max(m_endpoints[i].weight, 0);
            if (weight == 0) {
                continue;
            }
            m_current[i] += weight;
            total += weight;
            if (!best || m_current[i] > m_current[*best]) {
                best = i;
            }
        }
        if (!best) {
            return std::nullopt;
        }
        m_current[*best] -= total;
        return Pick{m_endpoints[*best], {}};
    }

private:
    std::mutex m_mutex;
    std::vector<Endpoint> m_endpoints;
    std::vector<std::int64_t> m_current;
};

class RandomPicker final : public Picker {
public:
    explicit RandomPicker(std::uint64_t seed)
        : m_random(seed) {}
    void update(std::vector<Endpoint> endpoints) override {
        std::lock_guard lock(m_mutex);
        m_endpoints = std::move(endpoints);
    }
    std::optional<Pick> pick(std::string_view) override {
        std::lock_guard lock(m_mutex);
        if (m_endpoints.empty()) {
            return std::nullopt;
        }
        std::uniform_int_distribution<std::size_t> index(0, m_endpoints.size() - 1);
        return Pick{m_endpoints[index(m_random)], {}};
    }

private:
    std::mutex m_mutex;
    std::vector<Endpoint> m_endpoints;
    std::mt19937_64 m_random;
};

class LeastRequestPicker final : public Picker {
public:
    explicit LeastRequestPicker(std::uint64_t seed)
        : m_random(seed) {}
    void update(std::vector<Endpoint> endpoints) override {
        std::lock_guard lock(m_mutex);
        std::map<std::string, std::shared_ptr<Counter>> previous;
        for (auto &entry : m_entries) {
            previous.emplace(entry.endpoint.id, std::move(entry.inFlight));
        }
        m_entries.clear();
        for (auto &endpoint : endpoints) {
            auto kept = previous.find(endpoint.id);
            auto counter =
                kept != previous.end() ? std::move(kept->second) : std::make_shared<Counter>(0);
            m_entries.push_back(Entry{std::move(endpoint), std::move(counter)});
        }
    }
    std::optional<Pick> pick(std::string_view) override {
        std::lock_guard lock(m_mutex);
        if (m_entries.empty()) {
            return std::nullopt;
        }
        std::size_t chosen = 0;
        if (m_entries.size() > 1) {
            std::uniform_int_distribution<std::size_t> first(0, m_entries.size() - 1);
            std::uniform_int_distribution<std::size_t> other(0, m_entries.size() - 2);
            const std::size_t a = first(m_random);
            std::size_t b = other(m_random);
            if (b >= a) {
                ++b; // two distinct endpoints
            }
            chosen = m_entries[b].inFlight->load() < m_entries[a].inFlight->load() ? b : a;
        }
        auto &entry = m_entries[chosen];
        return Pick{entry.endpoint, InFlightGuard(entry.inFlight)};
    }

private:
    struct Entry {
        Endpoint endpoint;
        std::shared_ptr<Counter> inFlight;
    };
    std::mutex m_mutex;
    std::vector<Entry> m_entries;
    std::mt19937_64 m_random;
};

class ConsistentHashPicker final : public Picker {
public:
    explicit ConsistentHashPicker(int virtualNodes)
        : m_virtualNodes(std::max(virtualNodes, 1)) {}
    void update(std::vector<Endpoint> endpoints) override {
        std::vector<std::pair<std::uint64_t, std::size_t>> ring;
        ring.reserve(endpoints.size() * static_cast<std::size_t>(m_virtualNodes));
        for (std::size_t i = 0; i < endpoints.size(); ++i) {
            for (int node = 0; node < m_virtualNodes; ++node) {
                ring.emplace_back(stableHash(endpoints[i].id + "#" + std::to_string(node)), i);
            }
        }
        // Sorting by (hash, id) keeps the ring independent of the order endpoints came in.
        std::sort(ring.begin(), ring.end(), [&endpoints](const auto &a, const auto &b) {
            return a.first != b.first ? a.first < b.first
                                      : endpoints[a.second].id < endpoints[b.second].id;
        });
        std::lock_guard lock(m_mutex);
        m_endpoints = std::move(endpoints);
        m_ring = std::move(ring);
    }
    std::optional<Pick> pick(std::string_view key) override {
        const std::uint64_t hash = stableHash(key);
        std::lock_guard lock(m_mutex);
        if (m_ring.empty()) {
            return std::nullopt;
        }
        auto point =
            std::lower_bound(m_ring.begin(), m_ring.end(), hash,
                             [](const auto &node, std::uint64_t h) { return node.first < h; });
        if (point == m_ring.end()) {
            point = m_ring.begin();
        }
        return Pick{m_endpoints[point->second], {}};
    }

private:
    const int m_virtualNodes;
    std::mutex m_mutex;
    std::vector<Endpoint> m_endpoints;
    std::vector<std::pair<std::uint64_t, std::size_t>> m_ring; // (point, endpoint index)
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
