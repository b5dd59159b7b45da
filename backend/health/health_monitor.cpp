#include "health/health_monitor.h"

#include "health/health_metrics.h"

#include "common/duration.h"
#include "common/input_text.h"
#include "common/json_number.h"
#include "common/logging.h"
#include "common/time_millis.h"
#include "validation/health_check_rules.h"

#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <future>

namespace aegis::health {
namespace {

namespace asio = boost::asio;
using namespace std::chrono;
using nlohmann::json;
using registry::HealthStatus;

constexpr std::size_t kMaxOutputBytes = 256;

HealthStatus toStatus(HealthState state) {
    return static_cast<HealthStatus>(static_cast<int>(state));
}

HealthState toState(HealthStatus status) {
    return static_cast<HealthState>(static_cast<int>(status));
}

std::string truncated(const std::string &text) {
    return text.size() <= kMaxOutputBytes ? text : text.substr(0, kMaxOutputBytes) + "…";
}

// "service/instance" -> the two parts.
std::pair<std::string, std::string> splitKey(const std::string &key) {
    const auto slash = key.find('/');
    return {key.substr(0, slash), slash == std::string::npos ? "" : key.substr(slash + 1)};
}

std::string sequenceName(std::uint64_t sequence) {
    char buffer[24];
    std::snprintf(buffer, sizeof buffer, "%016llu", static_cast<unsigned long long>(sequence));
    return buffer;
}

// The host part of "host:port" or "[v6]:port", and the port.
std::pair<std::string, std::uint16_t> splitAddress(const std::string &address) {
    const auto colon = address.rfind(':');
    std::string host = address.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    const int port = std::atoi(address.c_str() + colon + 1);
    return {host, static_cast<std::uint16_t>(port > 0 && port < 65536 ? port : 0)};
}

} // namespace

Status validateServiceCheck(const ServiceCheck &check, const ProberRegistry &probers) {
    const CheckParams &p = check.params;
    validation::HealthCheckFields fields;
    fields.kind = check.kind;
    fields.port = check.port;
    fields.options = check.options;
    fields.interval = p.interval;
    fields.timeout = p.timeout;
    fields.rise = p.rise;
    fields.fall = p.fall;
    fields.jitter = p.jitter;
    fields.deregisterAfter = p.deregisterAfter;
    fields.flapMaxTransitions = static_cast<std::int64_t>(p.flap.maxTransitions);
    fields.flapWindow = p.flap.window;
    fields.panicThreshold = check.panicThreshold;
    if (const auto problems = validation::validateHealthCheck(fields, probers.descriptions());
        !problems.empty()) {
        return invalidArgument(problems.front().message);
    }
    // An extension's own rules for its options beyond its description, checked on a stand-in
    // target.
    asio::io_context scratch;
    ProbeSpec spec{check.kind, "127.0.0.1", check.port == 0 ? std::uint16_t(1) : check.port,
                   check.options};
    if (auto prober = probers.create(
            spec, ProberContext{scratch.get_executor(), std::make_shared<SystemClock>()});
        !prober) {
        return invalidArgument("check.options: " + prober.status().message());
    }
    return Status::ok();
}

StatusOr<std::optional<CheckDefinition>> checkForInstance(const ServiceCheck &check,
                                                          const registry::Instance &instance) {
    constexpr std::string_view kPrefix = "health.";
    auto [host, port] = splitAddress(instance.address);
    CheckDefinition definition;
    definition.id = instance.service + "/" + instance.id;
    definition.params = check.params;
    definition.probe.kind = check.kind;
    definition.probe.options = check.options;
    if (check.port != 0) {
        port = check.port;
    }
    for (const auto &[key, value] : instance.metadata) {
        if (key.rfind(kPrefix, 0) != 0) {
            continue;
        }
        const std::string name = key.substr(kPrefix.size());
        const std::string field = "metadata." + key;
        if (name == "disabled") {
            if (value == "true") {
                return std::optional<CheckDefinition>();
            }
        } else if (name == "port") {
            const int parsed = std::atoi(value.c_str());
            if (parsed <= 0 || parsed > 65535 || std::to_string(parsed) != value) {
                return invalidArgument(field + " must be a port of 1-65535 (got " +
                                       quoteInput(value) + ")");
            }
            port = static_cast<std::uint16_t>(parsed);
        } else if (name == "interval" || name == "timeout" || name == "jitter" ||
                   name == "deregister_after") {
            auto parsed = parseDuration(value, field);
            if (!parsed) {
                return parsed.status();
            }
            CheckParams &p = definition.params;
            (name == "interval"  ? p.interval
             : name == "timeout" ? p.timeout
             : name == "jitter"  ? p.jitter
                                 : p.deregisterAfter) = *parsed;
        } else if (name == "rise" || name == "fall") {
            const int parsed = std::atoi(value.c_str());
            if (parsed < 1 || parsed > 100 || std::to_string(parsed) != value) {
                return invalidArgument(field + " must be a whole number of 1-100 (got " +
                                       quoteInput(value) + ")");
            }
            (name == "rise" ? definition.params.rise : definition.params.fall) =
                static_cast<unsigned>(parsed);
        } else if (name == "initial") {
            static const std::map<std::string, HealthState, std::less<>> kStates = {
                {"unknown", HealthState::Unknown},
                {"passing", HealthState::Passing},
                {"warning", HealthState::Warning},
                {"critical", HealthState::Critical}};
            const auto state = kStates.find(value);
            if (state == kStates.end()) {
                return invalidArgument(field + " must be unknown, passing, warning or critical");
            }
            definition.params.initialState = state->second;
        } else {
            definition.probe.options[name] = value;
        }
    }
    definition.probe.host = host;
    definition.probe.port = port;
    // Overrides may not break the check's own invariants.
    if (definition.params.interval < milliseconds(100)) {
        definition.params.interval = milliseconds(100);
    }
    if (definition.params.timeout > definition.params.interval) {
        definition.params.timeout = definition.params.interval;
    }
    definition.params.jitter = std::min(definition.params.jitter, definition.params.interval / 2);
    return std::optional<CheckDefinition>(std::move(definition));
}

namespace {

// The check `instance` gets from its service's `check`: with its health.* overrides, or without
// them when they are invalid (`ignored` then says why); nullopt when none applies to it.
std::optional<CheckDefinition> resolveCheck(const ServiceCheck &check,
                                            const registry::Instance &instance,
                                            Status *ignored = nullptr) {
    auto resolved = checkForInstance(check, instance);
    if (!resolved) {
        if (ignored != nullptr) {
            *ignored = resolved.status();
        }
        registry::Instance plain;
        plain.id = instance.id;
        plain.service = instance.service;
        plain.address = instance.address;
        resolved = checkForInstance(check, plain);
    }
    return resolved ? std::move(*resolved) : std::nullopt;
}

} // namespace

HealthMonitor::HealthMonitor(store::Store &store, registry::Registry &registry,
                             asio::io_context &io, const ProberRegistry &probers, ClockPtr clock,
                             HealthMonitorOptions options)
    : m_store(store)
    , m_registry(registry)
    , m_io(io)
    , m_probers(probers)
    , m_clock(clock)
    , m_options(std::move(options))
    , m_strand(asio::make_strand(io))
    , m_outliers(m_options.outlier, clock) {
    HealthSchedulerOptions schedulerOptions;
    schedulerOptions.jitterSeed = m_options.jitterSeed;
    schedulerOptions.onEvent = [this](const std::string &checkId, const HealthEvent &event) {
        onCheckEvent(checkId, event);
    };
    schedulerOptions.onDeregisterDue = [this](const std::string &checkId,
                                              std::uint64_t generation) {
        onDeregisterDue(checkId, generation);
    };
    schedulerOptions.onProbed = [this](const std::string &kind, const ProbeResult &result,
                                       std::chrono::steady_clock::duration elapsed) {
        if (m_metrics) {
            m_metrics->probed(kind, result.status, elapsed);
        }
    };
    m_scheduler =
        std::make_unique<HealthScheduler>(io, probers, std::move(clock), schedulerOptions);
}

void HealthMonitor::exportMetrics(prometheus::Registry &registry) {
    std::vector<std::string> kinds;
    for (const ExtensionDescription *description : m_probers.descriptions()) {
        kinds.push_back(description->name);
    }
    m_metrics = std::make_shared<HealthMetrics>(registry, kinds);
}

HealthMonitor::~HealthMonitor() {
    m_subscription.reset();
    m_registry.setInstanceListener(nullptr);
    // Handlers already posted to the strand run before this one.
    if (!m_io.stopped()) {
        // Shared: should the wait time out, the handler still has a promise to fulfil.
        auto drained = std::make_shared<std::promise<void>>();
        asio::post(m_strand, [drained] { drained->set_value(); });
        drained->get_future().wait_for(seconds(5));
    }
    // Waits for probes in flight; no check callback runs after this.
    m_scheduler.reset();
}

std::string HealthMonitor::checkKey(const std::string &service) {
    return std::string(kChecksPrefix) + service;
}

std::string HealthMonitor::historyPrefix(const std::string &service,
                                         const std::string &instanceId) {
    return std::string(kHistoryPrefix) + service + "/" + instanceId + "/";
}

std::string HealthMonitor::encodeCheck(const ServiceCheck &check) {
    const CheckParams &p = check.params;
    return json{{"kind", check.kind},
                {"port", check.port},
                {"options", check.options},
                {"interval_ms", p.interval.count()},
                {"timeout_ms", p.timeout.count()},
                {"rise", p.rise},
                {"fall", p.fall},
                {"initial_status", static_cast<int>(p.initialState)},
                {"deregister_after_ms", p.deregisterAfter.count()},
                {"jitter_ms", p.jitter.count()},
                {"flap_max_transitions", p.flap.maxTransitions},
                {"flap_window_ms", p.flap.window.count()},
                {"panic_threshold", check.panicThreshold}}
        .dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<ServiceCheck> HealthMonitor::decodeCheck(const std::string &value) try {
    const auto in = json::parse(value, nullptr, false);
    if (in.is_discarded() || !in.is_object()) {
        return std::nullopt;
    }
    ServiceCheck check;
    CheckParams &p = check.params;
    check.kind = in.value("kind", "");
    check.port = numberOr<std::uint16_t>(in, "port", 0);
    check.options = in.value("options", std::map<std::string, std::string>{});
    p.interval = milliseconds(numberOr<std::int64_t>(in, "interval_ms", 10000));
    p.timeout = milliseconds(numberOr<std::int64_t>(in, "timeout_ms", 2000));
    p.rise = numberOr(in, "rise", 2u);
    p.fall = numberOr(in, "fall", 3u);
    p.initialState = static_cast<HealthState>(numberOr(in, "initial_status", 0));
    p.deregisterAfter = milliseconds(numberOr<std::int64_t>(in, "deregister_after_ms", 0));
    p.jitter = milliseconds(numberOr<std::int64_t>(in, "jitter_ms", 0));
    p.flap.maxTransitions = numberOr<std::size_t>(in, "flap_max_transitions", 5);
    p.flap.window = milliseconds(numberOr<std::int64_t>(in, "flap_window_ms", 300000));
    check.panicThreshold = numberOr(in, "panic_threshold", registry::kDefaultPanicThreshold);
    return check;
} catch (const std::exception &) {
    // A record with a field of the wrong type is unreadable, not fatal (nlohmann's value() throws).
    return std::nullopt;
}

std::optional<RecordedTransition> HealthMonitor::decodeTransition(const store::KeyValue &kv) try {
    if (kv.key.rfind(kHistoryPrefix, 0) != 0) {
        return std::nullopt;
    }
    const std::string rest = kv.key.substr(kHistoryPrefix.size());
    const auto first = rest.find('/');
    const auto last = rest.rfind('/');
    if (first == std::string::npos || first == last) {
        return std::nullopt;
    }
    const auto in = json::parse(kv.value, nullptr, false);
    if (in.is_discarded() || !in.is_object()) {
        return std::nullopt;
    }
    RecordedTransition transition;
    transition.service = rest.substr(0, first);
    transition.instanceId = rest.substr(first + 1, last - first - 1);
    transition.from = static_cast<HealthStatus>(numberOr(in, "from", 0));
    transition.to = static_cast<HealthStatus>(numberOr(in, "to", 0));
    transition.flapping = in.value("flapping", false);
    transition.ejected = in.value("ejected", false);
    transition.reason = in.value("reason", "");
    transition.output = in.value("output", "");
    transition.time = fromMillis(numberOr<std::int64_t>(in, "time_ms", 0));
    transition.revision = kv.modRevision;
    return transition;
} catch (const std::exception &) {
    // A record with a field of the wrong type is unreadable, not fatal (nlohmann's value() throws).
    return std::nullopt;
}

Status HealthMonitor::start() {
    // Held while reading: events the store delivers meanwhile wait, and those the snapshot already
    // holds (at or below its revision) are then ignored.
    std::unique_lock lock(m_mutex);
    m_subscription = m_store.subscribe(
        "/health/", [this](const std::vector<store::Event> &events) { applyEvents(events); });
    // One range, so checks and history are read at one revision.
    auto snapshot = m_store.rangePrefix("/health/");
    if (!snapshot) {
        // Unlocked first: the store may be waiting in applyEvents() with its subscribers held.
        lock.unlock();
        m_subscription.reset();
        return snapshot.status();
    }
    m_revision = snapshot->revision;
    // Changes from now on are reconciled after this start; none is missed between the listing
    // below and the listener.
    m_registry.setInstanceListener([this](const std::vector<registry::InstanceChange> &changes) {
        onInstancesChanged(changes);
    });
    for (const auto &kv : snapshot->kvs) {
        if (kv.key.rfind(kHistoryPrefix, 0) == 0) {
            applyHistoryLocked(kv, true);
            continue;
        }
        if (kv.key.rfind(kChecksPrefix, 0) != 0) {
            continue;
        }
        const std::string service = kv.key.substr(kChecksPrefix.size());
        auto check = decodeCheck(kv.value);
        if (!check || !validateServiceCheck(*check, m_probers).isOk()) {
            log::warn("skipping unreadable health check", {{"key", kv.key}});
            continue;
        }
        m_registry.setPanicThreshold(service, check->panicThreshold);
        m_checks[service] = StoredCheck{std::move(*check), kv.modRevision};
    }

    registry::InstanceQuery query;
    query.includeUnroutable = true;
    query.pageSize = 1000;
    std::size_t instances = 0;
    do {
        auto page = m_registry.listInstances(query);
        if (!page) {
            return page.status();
        }
        for (const auto &instance : page->items) {
            const std::string key = trackedKey(instance.service, instance.id);
            Tracked &tracked = m_tracked[key];
            tracked.health = instance.health;
            tracked.registered = true;
            m_outliersStale.insert(instance.service);
            // An ejection survives the restart until its time; sweep() ends it.
            if (instance.health.ejected) {
                m_ejected.insert(key);
            }
            reconcileLocked(instance.service, instance.id, instance);
            ++instances;
        }
        query.pageToken = page->nextPageToken;
    } while (!query.pageToken.empty());

    log::info("health checks started", {{"services_with_checks", m_checks.size()},
                                        {"checks", m_scheduler->checkCount()},
                                        {"instances", instances}});
    return Status::ok();
}

void HealthMonitor::applyEvents(const std::vector<store::Event> &events) {
    std::map<std::string, double> thresholds; // by service, the last event's
    {
        std::lock_guard lock(m_mutex);
        for (const store::Event &event : events) {
            // start()'s snapshot already holds it.
            if (event.revision <= m_revision) {
                continue;
            }
            const std::string &key = event.kv.key;
            const bool present = event.type == store::EventType::Put;
            if (key.rfind(kHistoryPrefix, 0) == 0) {
                applyHistoryLocked(event.kv, present);
                continue;
            }
            if (key.rfind(kReportsPrefix, 0) == 0) {
                // A resync hands over the last report of the gap again, however old: not a
                // report the instance has just made.
                if (present && event.note != store::kResyncNote) {
                    applyRelayedReportLocked(event.kv);
                }
                continue;
            }
            if (key.rfind(kChecksPrefix, 0) != 0) {
                continue;
            }
            const std::string service = key.substr(kChecksPrefix.size());
            std::optional<ServiceCheck> check;
            if (present) {
                check = decodeCheck(event.kv.value);
                if (!check || !validateServiceCheck(*check, m_probers).isOk()) {
                    log::warn("ignoring unreadable health check", {{"key", key}});
                    check.reset();
                }
            }
            if (check) {
                thresholds[service] = check->panicThreshold;
                m_checks[service] = StoredCheck{std::move(*check), event.kv.modRevision};
            } else {
                thresholds[service] = registry::kDefaultPanicThreshold;
                m_checks.erase(service);
            }
        }
        if (!events.empty()) {
            m_revision = std::max(m_revision, events.back().revision);
        }
    }
    // Every replica sets the threshold into its own registry; the routability it implies is the
    // same everywhere, so whichever replica writes it first, the others find nothing to change.
    for (const auto &[service, threshold] : thresholds) {
        m_registry.setPanicThreshold(service, threshold);
    }
    if (thresholds.empty()) {
        return;
    }
    asio::post(m_strand, [this, thresholds = std::move(thresholds)] {
        std::lock_guard lock(m_mutex);
        for (const auto &[service, threshold] : thresholds) {
            reconcileServiceLocked(service);
        }
    });
}

void HealthMonitor::applyHistoryLocked(const store::KeyValue &kv, bool present) {
    // "/health/history/<service>/<instance>/<sequence>"; neither name holds a '/'.
    const std::string_view rest = std::string_view(kv.key).substr(kHistoryPrefix.size());
    const auto first = rest.find('/');
    const auto last = rest.rfind('/');
    if (first == std::string_view::npos || first == last) {
        return;
    }
    char *end = nullptr;
    const std::string sequenceText(rest.substr(last + 1));
    const std::uint64_t sequence = std::strtoull(sequenceText.c_str(), &end, 10);
    if (sequenceText.empty() || *end != '\0') {
        return;
    }
    const std::string key(rest.substr(0, last));
    if (!present) {
        if (const auto found = m_tracked.find(key); found != m_tracked.end()) {
            found->second.history.erase(sequence);
        }
        return;
    }
    // Idempotent: this replica's own writes are in `history` already (publishLocked()).
    Tracked &tracked = m_tracked[key];
    tracked.history.insert(sequence);
    tracked.nextSequence = std::max(tracked.nextSequence, sequence + 1);
    if (const auto transition = decodeTransition(kv)) {
        tracked.lastTransition = std::max(tracked.lastTransition, transition->time);
    }
}

void HealthMonitor::onInstancesChanged(const std::vector<registry::InstanceChange> &changes) {
    std::vector<std::pair<std::string, std::string>> touched;
    touched.reserve(changes.size());
    for (const auto &change : changes) {
        touched.emplace_back(change.service, change.id);
    }
    asio::post(m_strand, [this, touched = std::move(touched)] {
        std::lock_guard lock(m_mutex);
        for (const auto &[service, id] : touched) {
            // The registry's current view, not the change's: handlers may run late.
            reconcileLocked(service, id, m_registry.instance(service, id));
        }
    });
}

void HealthMonitor::reconcileServiceLocked(const std::string &service) {
    registry::InstanceQuery query;
    query.service = service;
    query.includeUnroutable = true;
    query.pageSize = 1000;
    do {
        auto page = m_registry.listInstances(query);
        if (!page) {
            return;
        }
        for (const auto &instance : page->items) {
            reconcileLocked(service, instance.id, instance);
        }
        query.pageToken = page->nextPageToken;
    } while (!query.pageToken.empty());
}

void HealthMonitor::reconcileLocked(const std::string &service, const std::string &instanceId,
                                    const std::optional<registry::Instance> &instance) {
    const std::string key = trackedKey(service, instanceId);
    auto found = m_tracked.find(key);
    if (!instance) {
        if (found != m_tracked.end() && found->second.registered) {
            if (!found->second.fingerprint.empty()) {
                (void)m_scheduler->removeCheck(key);
                found->second.fingerprint.clear();
            }
            found->second.registered = false;
            m_outliersStale.insert(service);
        }
        return;
    }
    if (found == m_tracked.end()) {
        found = m_tracked.emplace(key, Tracked{}).first;
    }
    Tracked &tracked = found->second;
    if (!tracked.registered) {
        // New, or registered again after it left: its record is the truth, not what we knew of
        // an earlier life (whose history is kept).
        tracked.health = instance->health;
        tracked.registered = true;
        tracked.fingerprint.clear();
        tracked.lastReport.reset();
        m_ejected.erase(key);
        m_outliersStale.insert(service);
    }

    std::optional<CheckDefinition> definition;
    std::string fingerprint;
    const auto config = m_checks.find(service);
    if (config != m_checks.end()) {
        Status ignored;
        definition = resolveCheck(config->second.check, *instance, &ignored);
        if (!ignored.isOk()) {
            log::warn("instance health overrides ignored",
                      {{"instance", key}, {"error", ignored.message()}});
        }
        if (definition) {
            fingerprint = std::to_string(config->second.modRevision) + "|" + instance->address;
            for (const auto &[name, value] : instance->metadata) {
                if (name.rfind("health.", 0) == 0) {
                    fingerprint += "|" + name + "=" + value;
                }
            }
        }
    }
    if (!ownsLocked(key)) {
        // Another replica checks it and writes its health, with or without a check: none here,
        // and its record is followed so that taking it over carries on from there.
        if (!tracked.fingerprint.empty()) {
            (void)m_scheduler->removeCheck(key);
            tracked.fingerprint.clear();
        }
        tracked.health = instance->health;
        tracked.followsOwner = true;
        m_ejected.erase(key);
        return;
    }
    if (tracked.followsOwner) {
        // Taken over: carry on from what the previous owner recorded.
        tracked.followsOwner = false;
        tracked.health = instance->health;
    }
    // Callers reporting to another replica may have ejected it (recordOutcomes()); the owner keeps
    // the ejection in what it writes and ends it at the time the record says.
    if (instance->health.ejected && !tracked.health.ejected &&
        instance->health.ejectedUntil > m_clock->now()) {
        tracked.health.ejected = true;
        tracked.health.ejectedUntil = instance->health.ejectedUntil;
        tracked.health.reason = instance->health.reason;
        m_ejected.insert(key);
    }
    if (fingerprint == tracked.fingerprint) {
        return;
    }
    if (!tracked.fingerprint.empty()) {
        (void)m_scheduler->removeCheck(key);
        tracked.fingerprint.clear();
    }
    const HealthStatus before = tracked.health.status;
    if (!definition) {
        if (tracked.health.checked) {
            tracked.health.status = HealthStatus::Unknown;
            tracked.health.checked = false;
            tracked.health.flapping = false;
            tracked.health.reason = "no health check";
            tracked.health.output.clear();
            tracked.health.changedAt = m_clock->now();
            publishLocked(service, instanceId, tracked, before);
        }
        return;
    }
    // A restarted or reconfigured check carries on from the instance's current status, so a
    // critical instance stays out of rotation until it has passed `rise` times.
    const HealthState initial =
        tracked.health.checked ? toState(tracked.health.status) : definition->params.initialState;
    definition->params.initialState = initial;
    definition->generation = m_nextGeneration++;
    const std::uint64_t generation = definition->generation;
    const std::string kind = definition->probe.kind;
    std::optional<milliseconds> ttl;
    if (const auto option = definition->probe.options.find("ttl");
        kind == "ttl" && option != definition->probe.options.end()) {
        if (auto parsed = parseDuration(option->second, "ttl")) {
            ttl = *parsed;
        }
    }
    const std::string target =
        definition->probe.host + ":" + std::to_string(definition->probe.port);
    Status added = m_scheduler->addCheck(*definition);
    if (!added.isOk()) {
        // A probe option the instance overrides is not valid for the kind: check it the way its
        // service says, rather than not at all.
        log::warn("instance health overrides ignored",
                  {{"instance", key}, {"error", added.message()}});
        registry::Instance plain;
        plain.id = instance->id;
        plain.service = instance->service;
        plain.address = instance->address;
        auto fallback = checkForInstance(config->second.check, plain);
        if (fallback && fallback->has_value()) {
            CheckDefinition &retry = **fallback;
            retry.params.initialState = initial;
            retry.generation = generation;
            added = m_scheduler->addCheck(std::move(retry));
        }
    }
    if (!added.isOk()) {
        log::warn("health check not started", {{"instance", key}, {"error", added.message()}});
        tracked.health.status = HealthStatus::Unknown;
        tracked.health.checked = false;
        tracked.health.reason = "check could not start: " + added.message();
        tracked.health.changedAt = m_clock->now();
        publishLocked(service, instanceId, tracked, before);
        return;
    }
    tracked.fingerprint = std::move(fingerprint);
    tracked.generation = generation;
    tracked.kind = kind;
    tracked.target = target;
    // A reconfigured ttl check carries on from the instance's last report, rather than counting
    // it silent until it reports again.
    if (tracked.lastReport && ttl && m_clock->steadyNow() - tracked.lastReportAt < *ttl) {
        (void)m_scheduler->report(key, *tracked.lastReport);
    }
    if (!tracked.health.checked) {
        tracked.health.checked = true;
        tracked.health.status = toStatus(initial);
        tracked.health.reason = "check started";
        tracked.health.output.clear();
        tracked.health.changedAt = m_clock->now();
        publishLocked(service, instanceId, tracked, before);
    }
}

void HealthMonitor::publishLocked(const std::string &service, const std::string &instanceId,
                                  Tracked &tracked, HealthStatus from) {
    const std::string prefix = historyPrefix(service, instanceId);
    const std::uint64_t sequence = tracked.nextSequence++;
    std::vector<store::Operation> operations;
    operations.push_back({store::Operation::Kind::Put, prefix + sequenceName(sequence),
                          json{{"from", static_cast<int>(from)},
                               {"to", static_cast<int>(tracked.health.status)},
                               {"flapping", tracked.health.flapping},
                               {"ejected", tracked.health.ejected},
                               {"reason", tracked.health.reason},
                               {"output", truncated(tracked.health.output)},
                               {"time_ms", toMillis(tracked.health.changedAt)}}
                              .dump(-1, ' ', false, json::error_handler_t::replace)});
    tracked.history.insert(sequence);
    tracked.lastTransition = tracked.health.changedAt;
    while (tracked.history.size() > m_options.historyLimit) {
        operations.push_back(
            {store::Operation::Kind::Delete, prefix + sequenceName(*tracked.history.begin()), {}});
        tracked.history.erase(tracked.history.begin());
    }
    registry::InstanceHealth health = tracked.health;
    health.output = truncated(health.output);
    // Called under m_mutex, so updates of one instance reach the registry in order.
    m_registry.updateHealth(service, instanceId, std::move(health), std::move(operations));
}

void HealthMonitor::onCheckEvent(const std::string &checkId, const HealthEvent &event) {
    std::lock_guard lock(m_mutex);
    const auto found = m_tracked.find(checkId);
    if (found == m_tracked.end() || found->second.fingerprint.empty() ||
        found->second.generation != event.generation) {
        return; // the check was removed or replaced while this probe ran
    }
    Tracked &tracked = found->second;
    const HealthStatus from = tracked.health.status;
    tracked.health.status = toStatus(event.to);
    tracked.health.flapping = event.flapping;
    tracked.health.reason = event.reason;
    tracked.health.output = event.output;
    tracked.health.changedAt = event.at;
    tracked.health.checked = true;
    const auto [service, id] = splitKey(checkId);
    publishLocked(service, id, tracked, from);
}

void HealthMonitor::onDeregisterDue(const std::string &checkId, std::uint64_t generation) {
    {
        std::lock_guard lock(m_mutex);
        const auto found = m_tracked.find(checkId);
        if (found == m_tracked.end() || found->second.generation != generation ||
            found->second.fingerprint.empty()) {
            return; // replaced meanwhile: the new check decides
        }
    }
    const auto [service, id] = splitKey(checkId);
    log::info("removing an instance critical for too long", {{"instance", checkId}});
    m_registry.deregister(
        service, id, registry::reason::kHealthCritical,
        [checkId](StatusOr<store::Revision> result) {
            if (!result && result.status().code() != StatusCode::NotFound) {
                log::warn("removal of a critical instance failed",
                          {{"instance", checkId}, {"error", result.status().message()}});
            }
        });
}

std::size_t HealthMonitor::followedInstances() const {
    std::lock_guard lock(m_mutex);
    return static_cast<std::size_t>(
        std::count_if(m_tracked.begin(), m_tracked.end(),
                      [](const auto &entry) { return entry.second.registered; }));
}

std::optional<StoredCheck> HealthMonitor::check(const std::string &service,
                                                store::Revision *at) const {
    if (at != nullptr) {
        // From the store, which answers with the revision it read at; the cache may lag it.
        auto stored = m_store.get(checkKey(service));
        if (!stored) {
            return std::nullopt;
        }
        *at = stored->revision;
        auto check = stored->kvs.empty() ? std::optional<ServiceCheck>()
                                         : decodeCheck(stored->kvs.front().value);
        if (!check) {
            return std::nullopt;
        }
        return StoredCheck{std::move(*check), stored->kvs.front().modRevision};
    }
    std::lock_guard lock(m_mutex);
    const auto it = m_checks.find(service);
    if (it == m_checks.end()) {
        return std::nullopt;
    }
    return it->second;
}

void HealthMonitor::setCheck(const std::string &service, ServiceCheck check,
                             store::Revision expectedRevision,
                             std::function<void(StatusOr<store::Revision>)> done,
                             std::vector<store::Operation> alsoWrite) {
    if (Status valid = registry::Registry::validateServiceName(service, "service"); !valid.isOk()) {
        return done(valid);
    }
    if (Status valid = validateServiceCheck(check, m_probers); !valid.isOk()) {
        return done(valid);
    }
    if (expectedRevision < -1) {
        return done(invalidArgument("expected_revision must be -1, 0 or a revision"));
    }
    const std::string key = checkKey(service);
    store::Transaction txn;
    if (expectedRevision == -1) {
        txn.ifMissing(key);
    } else if (expectedRevision > 0) {
        txn.ifModRevision(key, expectedRevision);
    }
    txn.put(key, encodeCheck(check));
    std::move(alsoWrite.begin(), alsoWrite.end(), std::back_inserter(txn.operations));
    m_store.commitAsync(std::move(txn), [this, service, done = std::move(done)](
                                            StatusOr<store::TransactionResult> result) mutable {
        if (!result) {
            return done(result.status());
        }
        if (!result->succeeded) {
            const auto current = this->check(service);
            return done(Status(
                StatusCode::Aborted,
                "the health check of '" + service + "' was changed meanwhile" +
                    (current ? " (now at revision " + std::to_string(current->modRevision) + ")"
                             : " (it no longer exists)") +
                    "; reload it and apply your change again"));
        }
        // The event stream has applied it (applyEvents()) before this callback runs.
        done(result->revision);
    });
}

void HealthMonitor::deleteCheck(const std::string &service,
                                std::function<void(StatusOr<store::Revision>)> done,
                                std::vector<store::Operation> alsoWrite) {
    if (Status valid = registry::Registry::validateServiceName(service, "service"); !valid.isOk()) {
        return done(valid);
    }
    const std::string key = checkKey(service);
    store::Transaction txn;
    txn.ifExists(key).remove(key);
    std::move(alsoWrite.begin(), alsoWrite.end(), std::back_inserter(txn.operations));
    m_store.commitAsync(std::move(txn), [this, service, done = std::move(done)](
                                            StatusOr<store::TransactionResult> result) {
        if (!result) {
            return done(result.status());
        }
        if (!result->succeeded) {
            return done(notFound("service '" + service + "' has no health check"));
        }
        // The event stream has applied it (applyEvents()) before this callback runs.
        done(result->revision);
    });
}

Status HealthMonitor::reportHere(const std::string &key, const ProbeResult &result) {
    const Status status = m_scheduler->report(key, result);
    if (status.isOk()) {
        std::lock_guard lock(m_mutex);
        if (const auto found = m_tracked.find(key); found != m_tracked.end()) {
            found->second.lastReport = result;
            found->second.lastReportAt = m_clock->steadyNow();
        }
    }
    return status;
}

void HealthMonitor::report(const std::string &service, const std::string &instanceId,
                           const ProbeResult &result, std::function<void(Status)> done) {
    const std::string key = trackedKey(service, instanceId);
    const Status here = reportHere(key, result);
    if (here.code() != StatusCode::NotFound) {
        return done(here);
    }
    // Whether another replica runs a ttl check of it (`done` is called outside the lock).
    const Status relayable = [&] {
        const Status noCheck = notFound("instance '" + instanceId + "' of service '" + service +
                                        "' has no health check");
        std::lock_guard lock(m_mutex);
        const auto tracked = m_tracked.find(key);
        const auto config = m_checks.find(service);
        if (tracked == m_tracked.end() || !tracked->second.registered || config == m_checks.end() ||
            ownsLocked(key)) {
            return noCheck;
        }
        const auto instance = m_registry.instance(service, instanceId);
        const auto definition =
            instance ? resolveCheck(config->second.check, *instance) : std::nullopt;
        if (!definition) {
            return noCheck;
        }
        if (definition->probe.kind != "ttl") {
            return failedPrecondition("the health check of instance '" + instanceId +
                                      "' probes it; it does not accept reports");
        }
        return Status::ok();
    }();
    if (!relayable.isOk()) {
        return done(relayable);
    }
    // Another replica checks it: relayed through the store, which every replica follows.
    const json relayed = {{"status", static_cast<int>(result.status)}, {"output", result.output}};
    store::Transaction txn;
    txn.put(std::string(kReportsPrefix) + key, relayed.dump());
    m_store.commitAsync(std::move(txn),
                        [done = std::move(done)](StatusOr<store::TransactionResult> committed) {
                            done(committed.status());
                        });
}

void HealthMonitor::applyRelayedReportLocked(const store::KeyValue &kv) {
    const auto value = json::parse(kv.value, nullptr, false);
    if (!value.is_object()) {
        return;
    }
    const std::string key = kv.key.substr(kReportsPrefix.size());
    ProbeResult result;
    try {
        result = {static_cast<HealthState>(numberOr(value, "status", 0)),
                  value.value("output", "")};
    } catch (const std::exception &) {
        log::warn("ignoring unreadable relayed health report", {{"key", kv.key}});
        return;
    }
    // Only the owner's scheduler runs the check; elsewhere this finds nothing.
    if (m_scheduler->report(key, result).isOk()) {
        if (const auto found = m_tracked.find(key); found != m_tracked.end()) {
            found->second.lastReport = std::move(result);
            found->second.lastReportAt = m_clock->steadyNow();
        }
    }
}

void HealthMonitor::refreshOutlierInstancesLocked(const std::string &service) {
    if (m_outliersStale.erase(service) == 0) {
        return;
    }
    std::vector<std::string> ids;
    const std::string prefix = service + "/";
    for (auto it = m_tracked.lower_bound(prefix);
         it != m_tracked.end() && it->first.rfind(prefix, 0) == 0; ++it) {
        if (it->second.registered) {
            ids.push_back(it->first.substr(prefix.size()));
        }
    }
    m_outliers.setInstances(service, ids);
}

std::vector<std::string> HealthMonitor::recordOutcomes(const std::string &service,
                                                       const std::vector<CallOutcome> &outcomes) {
    std::vector<std::string> ejected;
    std::lock_guard lock(m_mutex);
    refreshOutlierInstancesLocked(service);
    for (const CallOutcome &outcome : outcomes) {
        const auto found = m_tracked.find(trackedKey(service, outcome.instanceId));
        if (found == m_tracked.end() || !found->second.registered) {
            continue;
        }
        if (outcome.successes > 0) {
            m_outliers.recordOutcome(service, outcome.instanceId, true);
        }
        const std::uint32_t failures = std::min(outcome.trailingFailures, outcome.failures);
        for (std::uint32_t i = 0; i < std::min(failures, m_options.outlier.consecutiveFailures);
             ++i) {
            if (!m_outliers.recordOutcome(service, outcome.instanceId, false)) {
                continue;
            }
            const auto state = m_outliers.state(service, outcome.instanceId);
            const auto length =
                duration_cast<milliseconds>(state.ejectedUntil - m_clock->steadyNow());
            Tracked &tracked = found->second;
            tracked.health.ejected = true;
            tracked.health.ejectedUntil = m_clock->now() + length;
            // Whole seconds in the message: the time left is a hair under the ejection's length.
            const auto lengthShown = duration_cast<milliseconds>(ceil<seconds>(length));
            tracked.health.reason = "ejected for " + formatDuration(lengthShown) + " after " +
                                    std::to_string(m_options.outlier.consecutiveFailures) +
                                    " consecutive failed calls reported by callers (ejection " +
                                    std::to_string(state.ejections) + ")";
            tracked.health.output.clear();
            tracked.health.changedAt = m_clock->now();
            // The owner ends the ejection (it adopts it from the record); another replica only
            // writes it.
            if (ownsLocked(found->first)) {
                m_ejected.insert(found->first);
            }
            if (m_metrics) {
                m_metrics->ejected();
                m_metrics->ejectedNow(m_ejected.size());
            }
            publishLocked(service, outcome.instanceId, tracked, tracked.health.status);
            ejected.push_back(outcome.instanceId);
            break;
        }
    }
    return ejected;
}

std::optional<CheckDetail> HealthMonitor::detail(const std::string &service,
                                                 const std::string &instanceId) {
    const std::string key = trackedKey(service, instanceId);
    CheckDetail detail;
    {
        std::lock_guard lock(m_mutex);
        const auto found = m_tracked.find(key);
        if (found == m_tracked.end() || found->second.fingerprint.empty()) {
            return std::nullopt;
        }
        detail.kind = found->second.kind;
        detail.target = found->second.target;
    }
    auto snapshot = m_scheduler->snapshot(key);
    if (!snapshot) {
        return std::nullopt;
    }
    detail.snapshot = std::move(*snapshot);
    detail.outlier = m_outliers.state(service, instanceId);
    return detail;
}

void HealthMonitor::reshard() {
    asio::post(m_strand, [this] {
        std::lock_guard lock(m_mutex);
        std::vector<std::pair<std::string, std::string>> registered;
        for (const auto &[key, tracked] : m_tracked) {
            if (tracked.registered) {
                const auto slash = key.find('/');
                registered.emplace_back(key.substr(0, slash), key.substr(slash + 1));
            }
        }
        for (const auto &[service, id] : registered) {
            reconcileLocked(service, id, m_registry.instance(service, id));
        }
    });
}

void HealthMonitor::sweep() {
    std::vector<std::string> staleHistory;
    std::vector<std::string> staleReports;
    {
        std::lock_guard lock(m_mutex);
        for (auto it = m_ejected.begin(); it != m_ejected.end();) {
            const auto [service, id] = splitKey(*it);
            const auto found = m_tracked.find(*it);
            if (!ownsLocked(*it)) {
                // Moved to another replica, which ends it (reconcileLocked() adopts it there).
                it = m_ejected.erase(it);
                continue;
            }
            // The detector knows ejections made since this start; older ones (from before a
            // restart) end at the time their record says.
            if (found != m_tracked.end() && (m_outliers.isEjected(service, id) ||
                                             found->second.health.ejectedUntil > m_clock->now())) {
                ++it;
                continue;
            }
            if (found != m_tracked.end() && found->second.registered) {
                Tracked &tracked = found->second;
                tracked.health.ejected = false;
                tracked.health.ejectedUntil = {};
                tracked.health.reason = "ejection ended; back in rotation";
                tracked.health.changedAt = m_clock->now();
                publishLocked(service, id, tracked, tracked.health.status);
            }
            it = m_ejected.erase(it);
        }
        if (m_metrics) {
            m_metrics->ejectedNow(m_ejected.size());
        }
        const auto now = m_clock->now();
        if (now - m_lastHistoryPrune >= minutes(1)) {
            m_lastHistoryPrune = now;
            for (auto it = m_tracked.begin(); it != m_tracked.end();) {
                if (!it->second.registered &&
                    now - it->second.lastTransition > m_options.historyRetention) {
                    // Each replica forgets it; the owner by rendezvous also deletes its records.
                    if (ownsLocked(it->first)) {
                        const auto [service, id] = splitKey(it->first);
                        staleHistory.push_back(historyPrefix(service, id));
                        staleReports.push_back(std::string(kReportsPrefix) + it->first);
                    }
                    it = m_tracked.erase(it);
                } else {
                    ++it;
                }
            }
        }
    }
    if (!staleHistory.empty()) {
        store::Transaction txn;
        for (auto &prefix : staleHistory) {
            txn.removePrefix(std::move(prefix));
        }
        for (auto &key : staleReports) {
            txn.remove(std::move(key));
        }
        m_store.commitAsync(std::move(txn), [](StatusOr<store::TransactionResult> result) {
            if (!result) {
                log::warn("old health history not dropped", {{"error", result.status().message()}});
            }
        });
    }
}

} // namespace aegis::health
