#include "alerting/alert_engine.h"

#include "alerting/alert_records.h"
#include "alerting/alert_watch.h"
#include "alerting/alerting_metrics.h"
#include "alerting/rule_evaluator.h"
#include "common/time_millis.h"
#include "config/config_center.h"
#include "metrics/query_backend.h"
#include "metrics/query_error.h"
#include "store/watch_hub.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <thread>

namespace aegis::alerting {

namespace {

using std::chrono::milliseconds;

// Queries of rule evaluations in flight at once, across every group.
constexpr int kMaxQueriesInFlight = 8;
// Transitions kept at most, whatever their age.
constexpr std::size_t kHistoryMaxRecords = 10000;

std::uint64_t fnv1a(std::string_view text) {
    std::uint64_t hash = 14695981039346656037ull;
    for (unsigned char c : text) {
        hash ^= c;
        hash *= 1099511628211ull;
    }
    return hash;
}

TimePoint truncatedToMillis(TimePoint time) {
    return fromMillis(toMillis(time));
}

// Prometheus' Group.EvalTimestamp: the latest slot at or before `now` of a group evaluated every
// `interval` at an offset given by the hash of its name, so groups spread over the interval.
TimePoint slotAtOrBefore(TimePoint now, milliseconds interval, std::uint64_t hash) {
    const std::int64_t step = std::max<std::int64_t>(1, interval.count());
    const std::int64_t offset = static_cast<std::int64_t>(hash % static_cast<std::uint64_t>(step));
    const std::int64_t adjusted = toMillis(now) - offset;
    std::int64_t base = adjusted - adjusted % step;
    if (adjusted % step < 0) {
        base -= step;
    }
    return fromMillis(base + offset);
}

StatusOr<std::vector<RuleSample>> samplesOf(StatusOr<metrics::QueryResult> result) {
    if (!result) {
        return result.status();
    }
    std::vector<RuleSample> samples;
    switch (result->type) {
    case metrics::ResultType::Vector:
        samples.reserve(result->series.size());
        for (metrics::Series &series : result->series) {
            if (!series.values.empty()) {
                samples.push_back({std::move(series.labels), series.values.back()});
            }
        }
        return samples;
    case metrics::ResultType::Scalar:
        if (!result->series.empty() && !result->series.front().values.empty()) {
            samples.push_back({{}, result->series.front().values.back()});
        }
        return samples;
    default:
        return invalidArgument("rule result is not a vector or scalar");
    }
}

bool sameExceptValue(const Alert &a, const Alert &b) {
    return a.rule == b.rule && a.labels == b.labels && a.annotations == b.annotations &&
           a.state == b.state && a.activeAt == b.activeAt && a.firedAt == b.firedAt &&
           a.resolvedAt == b.resolvedAt && a.lastSentAt == b.lastSentAt &&
           a.keepFiringSince == b.keepFiringSince;
}

// The metrics backend cannot be asked: the query never reached it or it did not answer in time.
bool isBackendOutage(const Status &status) {
    return status.code() == StatusCode::Unavailable ||
           status.code() == StatusCode::DeadlineExceeded;
}

// aegisd's own alert for an unreachable metrics backend. Not a PromQL rule: while the backend is
// down no query answers, so no rule could ever fire on it.
Rule backendDownRule() {
    Rule rule;
    rule.alert = std::string(kBackendDownAlert);
    rule.expr = "(every rule query fails: the metrics backend is unavailable)";
    rule.forDuration = std::chrono::minutes(1);
    rule.labels = {{"service", "aegisd"}, {"severity", "critical"}};
    rule.annotations = {{"summary", "aegisd's metrics backend is down"},
                        {"description",
                         "Every rule query of an evaluation round failed (unavailable or timed "
                         "out), so alerting rules cannot be evaluated; their alerts keep their "
                         "state. aegisctl status shows the backend's state and why."}};
    return rule;
}

bool hasLabel(const LabelSet &labels, const std::string &name, const std::string &value) {
    return std::any_of(labels.begin(), labels.end(), [&](const auto &label) {
        return label.first == name && label.second == value;
    });
}

} // namespace

struct AlertEngine::State {
    // One alerting rule: its evaluator state (what the last evaluation produced, including values
    // not written) and what the store holds of it.
    struct RuleRuntime {
        std::string id; // "<file>/<group>/<alertname>"
        std::string file;
        std::string group;
        Rule rule;
        milliseconds interval{0};
        AlertMap alerts;
        AlertMap written;
        RuleHealth health = RuleHealth::Unknown;
        std::string lastError;
        TimePoint lastEvaluation;
        std::chrono::microseconds evaluationDuration{0};
        // An evaluation (or the removal) is between its query and its commit.
        bool busy = false;
        // Gone from its file: its alerts are removed at the next round.
        bool retired = false;
        // Restored by load(): the next evaluation sends every firing alert once, whenever it was
        // last sent, so an Alertmanager that restarted with aegisd learns them at once (and can
        // notify their resolution later). Alertmanager deduplicates by labels: a known alert is
        // not notified again.
        bool sendFiringOnce = false;
    };
    using RulePtr = std::shared_ptr<RuleRuntime>;

    struct GroupRuntime {
        std::string file;
        std::string name;
        std::string key; // "<file>/<group>"
        milliseconds interval{0};
        int limit = 0;
        std::uint64_t hash = 0;
        std::vector<RulePtr> rules;
        TimePoint nextDue;
    };
    using GroupPtr = std::shared_ptr<GroupRuntime>;

    State(store::Store &store, config::ConfigCenter &config, metrics::QueryBackend *queries,
          Notifier *notifier, ClockPtr clock, AlertingSettings settings)
        : store(store)
        , config(config)
        , queries(queries)
        , notifier(notifier)
        , clock(std::move(clock))
        , settings(std::move(settings)) {}

    store::Store &store;
    config::ConfigCenter &config;
    metrics::QueryBackend *queries; // Not owned; null when metrics are off.
    Notifier *notifier;             // Not owned; null: nothing is sent.
    const ClockPtr clock;
    const AlertingSettings settings;
    std::shared_ptr<AlertingMetrics> metrics;
    std::shared_ptr<AlertEventCache> eventCache = std::make_shared<AlertEventCache>();

    // What the store holds under /alerting/, from its event stream.
    mutable std::shared_mutex cacheMutex;
    std::map<std::string, Alert> alerts;       // by id
    std::map<std::string, Transition> history; // by key: oldest first
    std::size_t stateCounts[5] = {};
    store::Revision alertsLoadedAt = 0;
    store::Revision cacheRevision = 0;
    store::EventSubscription alertingSubscription;

    // The rules and their evaluation.
    mutable std::mutex mutex;
    std::map<std::string, GroupPtr> groups; // by key
    // kBackendDownAlert: evaluated with every group's round, from whether its queries reached the
    // backend. In no group (no file holds it).
    const RulePtr backendDown = [] {
        auto rule = std::make_shared<RuleRuntime>();
        rule->id = std::string(kBackendDownRuleId);
        rule->rule = backendDownRule();
        return rule;
    }();
    std::vector<RulePtr> retired;
    store::Revision rulesLoadedAt = 0;
    TimePoint heartbeatWritten;
    std::string prunedThrough; // history keys up to this one are being deleted
    store::EventSubscription rulesSubscription;

    // Rule queries: at most kMaxQueriesInFlight at once, the rest wait their turn.
    std::mutex queryMutex;
    std::deque<std::pair<metrics::InstantQuery, metrics::QueryBackend::Done<metrics::QueryResult>>>
        queryQueue;
    int queriesInFlight = 0;

    // Evaluations and removals between their start and their commit callback.
    std::mutex workMutex;
    std::condition_variable workDone;
    int work = 0;

    std::mutex threadMutex;
    std::condition_variable wake;
    bool stopping = false;
    std::thread thread;

    std::string rulesPrefix() const {
        return config::ConfigCenter::itemsPrefix(std::string(kAlertingNamespace),
                                                 std::string(kRulesGroup));
    }

    milliseconds heartbeatPeriod() const {
        return std::min<milliseconds>(settings.outageTolerance / 4, std::chrono::minutes(1));
    }

    void beginWork() {
        std::lock_guard lock(workMutex);
        ++work;
    }
    void endWork() {
        std::lock_guard lock(workMutex);
        if (--work == 0) {
            workDone.notify_all();
        }
    }
    void awaitWork() {
        std::unique_lock lock(workMutex);
        workDone.wait(lock, [this] { return work == 0; });
    }

    // --- The cache of /alerting/ -------------------------------------------------------------

    void countState(AlertState state, int delta) {
        auto &count = stateCounts[static_cast<int>(state)];
        count = delta > 0 ? count + 1 : (count > 0 ? count - 1 : 0);
    }

    // Under cacheMutex (exclusive).
    void applyAlertingEvent(const store::Event &event) {
        const std::string &key = event.kv.key;
        if (key.rfind(kAlertsPrefix, 0) == 0) {
            const std::string id = key.substr(kAlertsPrefix.size());
            if (const auto it = alerts.find(id); it != alerts.end()) {
                countState(it->second.state, -1);
                alerts.erase(it);
            }
            if (event.type == store::EventType::Put) {
                if (auto alert = decodeAlert(event.kv)) {
                    countState(alert->state, +1);
                    alerts.emplace(id, std::move(*alert));
                }
            }
        } else if (key.rfind(kHistoryPrefix, 0) == 0) {
            if (event.type == store::EventType::Delete) {
                history.erase(key);
            } else if (auto transition = decodeTransition(event.kv)) {
                history[key] = std::move(*transition);
            }
        }
    }

    void publishAlertCounts() {
        if (metrics) {
            metrics->alerts(stateCounts[static_cast<int>(AlertState::Pending)],
                            stateCounts[static_cast<int>(AlertState::Firing)],
                            stateCounts[static_cast<int>(AlertState::Resolved)]);
        }
    }

    void onAlertingEvents(const std::vector<store::Event> &events) {
        std::unique_lock lock(cacheMutex);
        for (const store::Event &event : events) {
            if (event.revision <= alertsLoadedAt) {
                continue;
            }
            applyAlertingEvent(event);
            cacheRevision = std::max(cacheRevision, event.revision);
        }
        publishAlertCounts();
    }

    // --- Rule files -----------------------------------------------------------------------------

    void onRuleEvents(const std::vector<store::Event> &events) {
        bool changed = false;
        {
            std::lock_guard lock(mutex);
            for (const store::Event &event : events) {
                if (event.revision <= rulesLoadedAt) {
                    continue;
                }
                applyRuleItem(event);
                changed = true;
            }
        }
        if (changed) {
            std::lock_guard lock(threadMutex);
            wake.notify_all();
        }
    }

    // Under mutex.
    void applyRuleItem(const store::Event &event) {
        const auto ref = config::ConfigCenter::refOfItemKey(event.kv.key);
        if (event.type == store::EventType::Delete) {
            applyRuleFile(ref.key, RuleFile{});
            return;
        }
        const auto item = config.decodeItem(event.kv);
        if (!item) {
            spdlog::warn("alerting: rule file {} is unreadable; its rules are unchanged", ref.key);
            return;
        }
        auto file = loadRuleFile(item->content);
        if (!file) {
            // Validation refuses such a file; one written past it keeps the previous rules.
            spdlog::warn("alerting: rule file {} is not valid, its rules are unchanged: {}",
                         ref.key, file.status().message());
            return;
        }
        applyRuleFile(ref.key, std::move(*file));
    }

    // Under mutex. Replaces the groups of `fileName` with those of `file`: a rule keeps its
    // alerts when the file still has an alerting rule of the same group, name and labels (as
    // Prometheus carries state over a reload); the others are retired.
    void applyRuleFile(const std::string &fileName, RuleFile file) {
        const std::string prefix = fileName + "/";
        std::map<std::string, GroupPtr> old;
        for (auto it = groups.lower_bound(prefix);
             it != groups.end() && it->first.rfind(prefix, 0) == 0;) {
            old.emplace(it->first, it->second);
            it = groups.erase(it);
        }
        const TimePoint now = truncatedToMillis(clock->now());
        for (RuleGroup &group : file.groups) {
            auto runtime = std::make_shared<GroupRuntime>();
            runtime->file = fileName;
            runtime->name = group.name;
            runtime->key = prefix + group.name;
            runtime->interval =
                group.interval.count() > 0 ? group.interval : settings.evaluationInterval;
            runtime->limit = group.limit;
            runtime->hash = fnv1a(runtime->key);
            const auto previous = old.find(runtime->key);
            for (Rule &rule : group.rules) {
                if (!rule.isAlerting()) {
                    continue;
                }
                RulePtr taken;
                if (previous != old.end()) {
                    for (RulePtr &candidate : previous->second->rules) {
                        if (candidate && candidate->rule.alert == rule.alert &&
                            candidate->rule.labels == rule.labels) {
                            taken = std::move(candidate);
                            break;
                        }
                    }
                }
                if (!taken) {
                    taken = std::make_shared<RuleRuntime>();
                    taken->id = runtime->key + "/" + rule.alert;
                    taken->file = fileName;
                    taken->group = group.name;
                }
                taken->rule = std::move(rule);
                taken->interval = runtime->interval;
                runtime->rules.push_back(std::move(taken));
            }
            if (previous != old.end() && previous->second->interval == runtime->interval) {
                runtime->nextDue = previous->second->nextDue;
            } else {
                runtime->nextDue =
                    slotAtOrBefore(now, runtime->interval, runtime->hash) + runtime->interval;
            }
            groups[runtime->key] = std::move(runtime);
        }
        for (auto &[key, group] : old) {
            for (RulePtr &rule : group->rules) {
                if (rule) {
                    rule->retired = true;
                    retired.push_back(std::move(rule));
                }
            }
        }
    }

    // --- Evaluation --------------------------------------------------------------------------

    void submitQuery(metrics::InstantQuery query,
                     metrics::QueryBackend::Done<metrics::QueryResult> done) {
        {
            std::lock_guard lock(queryMutex);
            if (queriesInFlight >= kMaxQueriesInFlight) {
                queryQueue.emplace_back(std::move(query), std::move(done));
                return;
            }
            ++queriesInFlight;
        }
        startQuery(std::move(query), std::move(done));
    }

    void startQuery(metrics::InstantQuery query,
                    metrics::QueryBackend::Done<metrics::QueryResult> done) {
        queries->query(std::move(query),
                       [this, done = std::move(done)](StatusOr<metrics::QueryResult> result) {
                           // The next query starts first: `done` may finish the last work the
                           // engine's destructor waits for, so nothing may touch the engine after
                           // it. (While a query waits its turn, its group's work is not finished.)
                           std::unique_lock lock(queryMutex);
                           if (queryQueue.empty()) {
                               --queriesInFlight;
                               lock.unlock();
                           } else {
                               auto next = std::move(queryQueue.front());
                               queryQueue.pop_front();
                               lock.unlock();
                               startQuery(std::move(next.first), std::move(next.second));
                           }
                           done(std::move(result));
                       });
    }

    // A round's writes, prepared under `mutex` and committed after it is released.
    struct RoundWrite {
        store::Transaction txn;
        std::vector<RulePtr> rules;
        // What each rule had written before, restored when the commit fails so that the next
        // round writes it again.
        std::vector<AlertMap> writtenBefore;
        std::vector<OutgoingAlert> toSend;
        std::function<void(bool committed)> finished;
    };

    struct GroupRound {
        GroupPtr group;
        TimePoint time;
        std::chrono::steady_clock::time_point started;
        std::vector<StatusOr<std::vector<RuleSample>>> results;
        std::mutex mutex;
        std::size_t remaining = 0;
        std::function<void()> done;
    };

    // Under mutex: evaluates `group` at `time`; `done` runs once its state is durable. A group
    // without rules, or any group while metrics are off, needs no query: its writes are returned,
    // to commit once `mutex` is released.
    std::optional<RoundWrite> startGroup(const GroupPtr &group, TimePoint time,
                                         std::function<void()> done) {
        auto round = std::make_shared<GroupRound>();
        round->group = group;
        round->time = time;
        round->started = clock->steadyNow();
        round->done = std::move(done);
        round->remaining = group->rules.size();
        round->results.assign(group->rules.size(),
                              StatusOr<std::vector<RuleSample>>(std::vector<RuleSample>{}));
        for (const RulePtr &rule : group->rules) {
            rule->busy = true;
        }
        beginWork();
        if (queries == nullptr) {
            // Metrics are off: every rule errs, and says why.
            for (auto &result : round->results) {
                result = failedPrecondition("metrics are off (metrics.backend: none)");
            }
        }
        if (group->rules.empty() || queries == nullptr) {
            return finishGroup(*round);
        }
        for (std::size_t i = 0; i < group->rules.size(); ++i) {
            auto answer = [this, round, i](StatusOr<std::vector<RuleSample>> samples) {
                bool last = false;
                {
                    std::lock_guard lock(round->mutex);
                    round->results[i] = std::move(samples);
                    last = --round->remaining == 0;
                }
                if (last) {
                    std::unique_lock lock(mutex);
                    RoundWrite write = finishGroup(*round);
                    lock.unlock();
                    commitRound(std::move(write));
                }
            };
            metrics::InstantQuery query;
            query.query = group->rules[i]->rule.expr;
            query.time = time;
            query.timeout = std::min<milliseconds>(group->interval, query.timeout);
            submitQuery(std::move(query), [answer](StatusOr<metrics::QueryResult> result) {
                answer(samplesOf(std::move(result)));
            });
        }
        return std::nullopt;
    }

    // Under mutex (and cacheMutex not held): the history records to delete in `txn`, those past
    // the retention and the oldest beyond kHistoryMaxRecords once `adding` more are written.
    void pruneHistory(store::Transaction &txn, TimePoint now, std::size_t adding) {
        std::shared_lock lock(cacheMutex);
        const TimePoint oldest = now - settings.historyRetention;
        std::size_t kept = history.size() + adding;
        for (auto it = history.upper_bound(prunedThrough); it != history.end(); ++it) {
            if (it->second.time >= oldest && kept <= kHistoryMaxRecords) {
                break;
            }
            txn.remove(it->first);
            prunedThrough = it->first;
            kept = kept > 0 ? kept - 1 : 0;
        }
    }

    // Under mutex: the writes that make `rule`'s state durable (what changed since the last
    // write: states, sends, annotations, not values alone).
    static void diffInto(store::Transaction &txn, RuleRuntime &rule) {
        for (const auto &[id, alert] : rule.alerts) {
            const auto it = rule.written.find(id);
            if (it == rule.written.end() || !sameExceptValue(alert, it->second)) {
                txn.put(alertKey(id), encodeAlert(alert));
                rule.written[id] = alert;
            }
        }
        for (auto it = rule.written.begin(); it != rule.written.end();) {
            if (!rule.alerts.contains(it->first)) {
                txn.remove(alertKey(it->first));
                it = rule.written.erase(it);
            } else {
                ++it;
            }
        }
    }

    // Not under mutex: commits a round's writes, then notifies and finishes it.
    void commitRound(RoundWrite write) {
        if (write.txn.operations.empty()) {
            finishRound(write, true);
            return;
        }
        store::Transaction txn = std::move(write.txn);
        store.commitAsync(std::move(txn), [this, write = std::move(write)](auto result) mutable {
            if (!result) {
                spdlog::warn("alerting: writing alert state failed (written again next round): {}",
                             result.status().message());
            }
            finishRound(write, result.isOk());
        });
    }

    void finishRound(RoundWrite &write, bool committed) {
        const std::vector<RulePtr> &rules = write.rules;
        std::vector<AlertMap> &writtenBefore = write.writtenBefore;
        std::vector<OutgoingAlert> &toSend = write.toSend;
        {
            std::lock_guard lock(mutex);
            for (std::size_t i = 0; i < rules.size(); ++i) {
                if (!committed && i < writtenBefore.size()) {
                    rules[i]->written = std::move(writtenBefore[i]);
                }
                rules[i]->busy = false;
            }
            if (!committed) {
                prunedThrough.clear();
            }
        }
        // Durable first, notified after: a restart never forgets what Alertmanager was told.
        if (committed && !toSend.empty()) {
            if (metrics) {
                metrics->queued(toSend.size());
            }
            if (notifier != nullptr) {
                notifier->send(std::move(toSend));
            }
        }
        if (write.finished) {
            write.finished(committed);
        }
        endWork();
    }

    // Under mutex: kBackendDownAlert's state after a round whose queries all failed to reach the
    // backend (`outage`) or not; its writes go into `txn`, its sends into `toSend`. Returns the
    // transitions written.
    std::size_t evaluateBackendDown(store::Transaction &txn, bool outage, TimePoint now,
                                    milliseconds interval, std::vector<OutgoingAlert> &toSend) {
        RuleRuntime &rule = *backendDown;
        std::vector<RuleSample> samples;
        if (outage) {
            samples.push_back({{}, 1});
        }
        RuleEvaluation evaluation = evaluateRule(rule.rule, rule.id, rule.alerts, samples, now);
        rule.health = RuleHealth::Ok;
        rule.lastEvaluation = now;
        rule.alerts = std::move(evaluation.alerts);
        for (Transition &transition : evaluation.transitions) {
            txn.put(historyKey(transition), encodeTransition(transition));
        }
        if (rule.sendFiringOnce) {
            rule.sendFiringOnce = false;
            for (auto &[id, alert] : rule.alerts) {
                if (alert.state == AlertState::Firing) {
                    alert.lastSentAt = {};
                }
            }
        }
        auto sends = takeAlertsToSend(rule.alerts, now, settings.resendInterval, interval);
        std::move(sends.begin(), sends.end(), std::back_inserter(toSend));
        diffInto(txn, rule);
        return evaluation.transitions.size();
    }

    // Under mutex: the state machine over the round's answers, and the writes it makes.
    RoundWrite finishGroup(GroupRound &round) {
        GroupRuntime &group = *round.group;
        const TimePoint now = round.time;
        store::Transaction txn;
        std::vector<RulePtr> rules;
        std::vector<AlertMap> writtenBefore;
        std::vector<OutgoingAlert> toSend;
        std::size_t transitions = 0;
        std::size_t failures = 0;
        for (std::size_t i = 0; i < group.rules.size(); ++i) {
            const RulePtr &rule = group.rules[i];
            rules.push_back(rule);
            writtenBefore.push_back(rule->written);
            if (rule->retired) {
                continue;
            }
            RuleEvaluation evaluation = evaluateRule(rule->rule, rule->id, rule->alerts,
                                                     round.results[i], now, group.limit);
            rule->health = evaluation.error.isOk() ? RuleHealth::Ok : RuleHealth::Err;
            rule->lastError = evaluation.error.message();
            rule->lastEvaluation = now;
            rule->alerts = std::move(evaluation.alerts);
            if (!evaluation.error.isOk()) {
                ++failures;
            }
            for (Transition &transition : evaluation.transitions) {
                txn.put(historyKey(transition), encodeTransition(transition));
                ++transitions;
            }
            if (rule->sendFiringOnce) {
                rule->sendFiringOnce = false;
                for (auto &[id, alert] : rule->alerts) {
                    if (alert.state == AlertState::Firing) {
                        alert.lastSentAt = {};
                    }
                }
            }
            auto sends =
                takeAlertsToSend(rule->alerts, now, settings.resendInterval, group.interval);
            std::move(sends.begin(), sends.end(), std::back_inserter(toSend));
            diffInto(txn, *rule);
        }
        if (!group.rules.empty() && queries != nullptr) {
            const bool outage =
                std::all_of(round.results.begin(), round.results.end(), [](const auto &result) {
                    return !result && isBackendOutage(result.status());
                });
            rules.push_back(backendDown);
            writtenBefore.push_back(backendDown->written);
            transitions += evaluateBackendDown(txn, outage, now, group.interval, toSend);
        }
        if (transitions > 0 || now - heartbeatWritten >= heartbeatPeriod()) {
            pruneHistory(txn, now, transitions);
        }
        if (now - heartbeatWritten >= heartbeatPeriod()) {
            txn.put(std::string(kEvaluatedKey), std::to_string(toMillis(now)));
            heartbeatWritten = now;
        }
        if (metrics) {
            metrics->evaluated(group.rules.size(), failures);
        }
        const std::string groupKey = group.key;
        const auto started = round.started;
        const auto durationEnd = [this, rules, groupKey, started](bool) {
            const auto duration =
                std::chrono::duration_cast<std::chrono::microseconds>(clock->steadyNow() - started);
            {
                std::lock_guard lock(mutex);
                for (const RulePtr &rule : rules) {
                    rule->evaluationDuration = duration;
                }
            }
            if (metrics) {
                metrics->groupEvaluated(groupKey, duration);
            }
        };
        auto done = std::move(round.done);
        return RoundWrite{std::move(txn), std::move(rules), std::move(writtenBefore),
                          std::move(toSend), [durationEnd, done](bool committed) {
                              durationEnd(committed);
                              if (done) {
                                  done();
                              }
                          }};
    }

    // Under mutex: the writes that remove the alerts of retired rules (firing ones are resolved
    // and notified once more with their resolution). Nullopt when there is nothing to remove now.
    std::optional<RoundWrite> removeRetired(TimePoint now, std::function<void()> done) {
        std::vector<RulePtr> rules;
        std::vector<RulePtr> later;
        for (RulePtr &rule : retired) {
            (rule->busy ? later : rules).push_back(std::move(rule));
        }
        retired = std::move(later);
        if (rules.empty()) {
            return std::nullopt;
        }
        store::Transaction txn;
        std::vector<OutgoingAlert> toSend;
        std::size_t transitions = 0;
        for (const RulePtr &rule : rules) {
            rule->busy = true;
            for (auto &[id, alert] : rule->alerts) {
                if (alert.state == AlertState::Firing) {
                    Transition transition{alert.id,
                                          alert.rule,
                                          alert.labels,
                                          AlertState::Firing,
                                          AlertState::Resolved,
                                          alert.value,
                                          now};
                    txn.put(historyKey(transition), encodeTransition(transition));
                    ++transitions;
                    alert.state = AlertState::Resolved;
                    alert.resolvedAt = now;
                    alert.lastSentAt = {};
                }
            }
            auto sends =
                takeAlertsToSend(rule->alerts, now, settings.resendInterval, rule->interval);
            std::move(sends.begin(), sends.end(), std::back_inserter(toSend));
            rule->alerts.clear();
            diffInto(txn, *rule);
        }
        pruneHistory(txn, now, transitions);
        beginWork();
        return RoundWrite{std::move(txn),
                          std::move(rules),
                          {},
                          std::move(toSend),
                          [done = std::move(done)](bool) { done(); }};
    }

    void evaluateDue(std::function<void()> done) {
        struct Pending {
            std::mutex mutex;
            int remaining = 1;
            std::function<void()> done;
        };
        auto pending = std::make_shared<Pending>();
        pending->done = std::move(done);
        const auto finishedOne = [pending] {
            std::function<void()> call;
            {
                std::lock_guard lock(pending->mutex);
                if (--pending->remaining == 0) {
                    call = std::move(pending->done);
                }
            }
            if (call) {
                call();
            }
        };
        std::vector<RoundWrite> writes;
        {
            std::lock_guard lock(mutex);
            const TimePoint now = truncatedToMillis(clock->now());
            if (!retired.empty()) {
                {
                    std::lock_guard count(pending->mutex);
                    ++pending->remaining;
                }
                if (auto write = removeRetired(now, finishedOne)) {
                    writes.push_back(std::move(*write));
                } else {
                    std::lock_guard count(pending->mutex);
                    --pending->remaining;
                }
            }
            for (auto &[key, group] : groups) {
                if (group->nextDue > now ||
                    std::any_of(group->rules.begin(), group->rules.end(),
                                [](const RulePtr &rule) { return rule->busy; })) {
                    continue;
                }
                const TimePoint slot = slotAtOrBefore(now, group->interval, group->hash);
                group->nextDue = slot + group->interval;
                {
                    std::lock_guard count(pending->mutex);
                    ++pending->remaining;
                }
                if (auto write = startGroup(group, slot, finishedOne)) {
                    writes.push_back(std::move(*write));
                }
            }
        }
        for (RoundWrite &write : writes) {
            commitRound(std::move(write));
        }
        finishedOne();
    }

    TimePoint nextWake() const {
        std::lock_guard lock(mutex);
        TimePoint next = TimePoint::max();
        for (const auto &[key, group] : groups) {
            next = std::min(next, group->nextDue);
        }
        if (!retired.empty()) {
            next = TimePoint{};
        }
        return next;
    }

    void run() {
        std::unique_lock lock(threadMutex);
        while (!stopping) {
            const TimePoint next = nextWake();
            const TimePoint now = clock->now();
            if (next <= now) {
                lock.unlock();
                evaluateDue([] {});
                lock.lock();
                // Groups still evaluating are skipped until their commit: look again shortly.
                wake.wait_for(lock, milliseconds(50), [this] { return stopping; });
                continue;
            }
            // Capped, so a clock that jumps is noticed within a second.
            const auto wait =
                std::min<std::chrono::nanoseconds>(next - now, std::chrono::seconds(1));
            wake.wait_for(lock, wait);
        }
    }

    // --- Restoring after a restart -----------------------------------------------------------

    // Under mutex and cacheMutex: hands each stored alert to its rule (alerts of rules that no
    // longer exist are retired). `downtime` decides whether pending alerts keep their progress.
    void restore(const std::vector<Alert> &stored, TimePoint now, milliseconds downtime) {
        std::map<std::string, std::vector<RulePtr>> byId;
        for (auto &[key, group] : groups) {
            for (const RulePtr &rule : group->rules) {
                byId[rule->id].push_back(rule);
            }
        }
        byId[backendDown->id].push_back(backendDown);
        std::map<std::string, RulePtr> orphans;
        const bool keepProgress = downtime <= settings.outageTolerance;
        for (const Alert &alert : stored) {
            RulePtr owner;
            if (const auto it = byId.find(alert.rule); it != byId.end()) {
                owner = it->second.front();
                // Rules sharing a name (and group) differ by their labels.
                for (const RulePtr &candidate : it->second) {
                    if (std::all_of(candidate->rule.labels.begin(), candidate->rule.labels.end(),
                                    [&](const auto &label) {
                                        return label.second.find("{{") != std::string::npos ||
                                               hasLabel(alert.labels, label.first, label.second);
                                    })) {
                        owner = candidate;
                        break;
                    }
                }
            } else {
                auto &orphan = orphans[alert.rule];
                if (!orphan) {
                    orphan = std::make_shared<RuleRuntime>();
                    orphan->id = alert.rule;
                    orphan->interval = settings.evaluationInterval;
                    orphan->retired = true;
                }
                owner = orphan;
            }
            owner->written[alert.id] = alert;
            Alert restored = alert;
            if (!keepProgress && restored.state == AlertState::Pending) {
                // As Prometheus beyond --rules.alert.for-outage-tolerance: `for` starts again.
                restored.activeAt = now;
            }
            owner->alerts[alert.id] = std::move(restored);
            owner->sendFiringOnce = true;
        }
        for (auto &[rule, orphan] : orphans) {
            retired.push_back(orphan);
        }
    }
};

AlertEngine::AlertEngine(store::Store &store, config::ConfigCenter &config,
                         metrics::QueryBackend *queries, Notifier *notifier, ClockPtr clock,
                         AlertingSettings settings)
    : m_state(std::make_unique<State>(store, config, queries, notifier, std::move(clock),
                                      std::move(settings))) {}

AlertEngine::~AlertEngine() {
    stop();
    m_state->alertingSubscription.reset();
    m_state->rulesSubscription.reset();
    m_state->awaitWork();
}

void AlertEngine::exportMetrics(prometheus::Registry &registry) {
    m_state->metrics = std::make_shared<AlertingMetrics>(registry);
}

Status AlertEngine::load() {
    State &s = *m_state;
    std::lock_guard lock(s.mutex);
    std::unique_lock cacheLock(s.cacheMutex);
    s.alertingSubscription = s.store.subscribe(
        std::string(kAlertingPrefix),
        [&s](const std::vector<store::Event> &events) { s.onAlertingEvents(events); });
    s.rulesSubscription = s.store.subscribe(
        s.rulesPrefix(), [&s](const std::vector<store::Event> &events) { s.onRuleEvents(events); });

    auto files = s.store.rangePrefix(s.rulesPrefix());
    if (!files) {
        return files.status();
    }
    s.rulesLoadedAt = files->revision;
    for (const store::KeyValue &kv : files->kvs) {
        store::Event event;
        event.kv = kv;
        event.revision = kv.modRevision;
        s.applyRuleItem(event);
    }

    auto stored = s.store.rangePrefix(std::string(kAlertingPrefix));
    if (!stored) {
        return stored.status();
    }
    s.alertsLoadedAt = stored->revision;
    s.cacheRevision = stored->revision;
    std::vector<Alert> restored;
    TimePoint lastRound;
    for (const store::KeyValue &kv : stored->kvs) {
        if (kv.key == kEvaluatedKey) {
            try {
                lastRound = fromMillis(std::stoll(kv.value));
            } catch (const std::exception &) {
            }
            continue;
        }
        store::Event event;
        event.kv = kv;
        s.applyAlertingEvent(event);
        if (auto alert = decodeAlert(kv)) {
            lastRound = std::max(lastRound, alert->lastEvaluation);
            restored.push_back(std::move(*alert));
        }
    }
    s.heartbeatWritten = lastRound;
    const TimePoint now = truncatedToMillis(s.clock->now());
    const auto downtime = std::chrono::duration_cast<milliseconds>(now - lastRound);
    s.restore(restored, now, downtime);
    s.publishAlertCounts();
    return Status::ok();
}

void AlertEngine::start() {
    State &s = *m_state;
    std::lock_guard lock(s.threadMutex);
    if (s.thread.joinable() || !s.settings.enabled) {
        return;
    }
    s.stopping = false;
    s.thread = std::thread([&s] { s.run(); });
}

void AlertEngine::stop() {
    State &s = *m_state;
    {
        std::lock_guard lock(s.threadMutex);
        s.stopping = true;
        s.wake.notify_all();
    }
    if (s.thread.joinable()) {
        s.thread.join();
    }
    s.awaitWork();
}

void AlertEngine::evaluateDue(std::function<void()> done) {
    m_state->evaluateDue(std::move(done));
}

std::vector<Alert> AlertEngine::alerts(const MatcherSet &matchers, bool includeResolved,
                                       store::Revision *at) const {
    const State &s = *m_state;
    std::shared_lock lock(s.cacheMutex);
    std::vector<Alert> out;
    for (const auto &[id, alert] : s.alerts) {
        if ((includeResolved || alert.state != AlertState::Resolved) &&
            matchers.matches(alert.labels)) {
            out.push_back(alert);
        }
    }
    if (at != nullptr) {
        *at = s.cacheRevision;
    }
    return out;
}

std::vector<RuleStatus> AlertEngine::rules(const std::string &file) const {
    const State &s = *m_state;
    std::lock_guard lock(s.mutex);
    std::vector<RuleStatus> out;
    for (const auto &[key, group] : s.groups) {
        if (!file.empty() && group->file != file) {
            continue;
        }
        for (const auto &rule : group->rules) {
            RuleStatus status;
            status.file = group->file;
            status.group = group->name;
            status.rule = rule->rule;
            status.interval = group->interval;
            status.health = rule->health;
            status.lastError = rule->lastError;
            status.lastEvaluation = rule->lastEvaluation;
            status.evaluationDuration = rule->evaluationDuration;
            for (const auto &[id, alert] : rule->alerts) {
                status.pending += alert.state == AlertState::Pending ? 1 : 0;
                status.firing += alert.state == AlertState::Firing ? 1 : 0;
            }
            out.push_back(std::move(status));
        }
    }
    return out;
}

std::vector<Transition> AlertEngine::history(const std::string &alertId, const std::string &rule,
                                             std::size_t limit) const {
    const State &s = *m_state;
    std::shared_lock lock(s.cacheMutex);
    std::vector<Transition> out;
    for (auto it = s.history.rbegin(); it != s.history.rend(); ++it) {
        if (limit > 0 && out.size() >= limit) {
            break;
        }
        const Transition &transition = it->second;
        if ((!alertId.empty() && transition.alertId != alertId) ||
            (!rule.empty() && transition.rule != rule)) {
            continue;
        }
        out.push_back(transition);
    }
    return out;
}

std::vector<Alert> AlertEngine::firingFor(const std::string &service) const {
    const State &s = *m_state;
    std::shared_lock lock(s.cacheMutex);
    std::vector<Alert> out;
    for (const auto &[id, alert] : s.alerts) {
        if (alert.state == AlertState::Firing && hasLabel(alert.labels, "service", service)) {
            out.push_back(alert);
        }
    }
    return out;
}

StatusOr<AlertWatchPtr> AlertEngine::watch(store::WatchHub &hub, MatcherSet matchers,
                                           store::Revision startRevision,
                                           std::function<void()> notify) {
    auto watcher = hub.watch(std::string(kAlertsPrefix), startRevision, std::move(notify));
    if (!watcher) {
        return watcher.status();
    }
    return AlertWatchPtr(std::make_shared<StoreAlertWatch>(std::move(*watcher), std::move(matchers),
                                                           m_state->eventCache));
}

void AlertEngine::testRule(Rule rule, std::chrono::milliseconds interval,
                           std::function<void(StatusOr<TestRuleResult>)> done) {
    State &s = *m_state;
    if (!rule.isAlerting()) {
        done(invalidArgument("rule.alert: only an alerting rule can be tested"));
        return;
    }
    if (s.queries == nullptr) {
        done(failedPrecondition("metrics are off (metrics.backend: none): nothing to query"));
        return;
    }
    const milliseconds step = interval.count() > 0 ? interval : s.settings.evaluationInterval;
    const TimePoint now = truncatedToMillis(s.clock->now());
    const std::int64_t steps = rule.forDuration / step;
    metrics::RangeQuery query;
    query.query = rule.expr;
    query.start = now - rule.forDuration;
    query.end = query.start + steps * step;
    query.step = step;
    const std::int64_t lastMs = toMillis(query.end);
    const std::int64_t stepMs = step.count();
    s.queries->queryRange(
        std::move(query), [rule = std::move(rule), steps, lastMs, stepMs,
                           done = std::move(done)](StatusOr<metrics::QueryResult> result) {
            if (!result) {
                done(result.status());
                return;
            }
            TestRuleResult out;
            out.seriesCount = static_cast<int>(result->series.size());
            out.warnings = result->warnings;
            const TimePoint evaluatedAt = fromMillis(lastMs);
            std::vector<RuleSample> samples;
            std::vector<std::pair<AlertState, TimePoint>> states;
            for (const metrics::Series &series : result->series) {
                const auto &times = series.timestampsMs;
                if (times.empty() || times.back() != lastMs) {
                    continue; // not true now
                }
                // The unbroken run of steps that ends now.
                std::size_t first = times.size() - 1;
                while (first > 0 && times[first - 1] == times[first] - stepMs) {
                    --first;
                }
                const auto run = static_cast<std::int64_t>(times.size() - first);
                states.emplace_back(run >= steps + 1 ? AlertState::Firing : AlertState::Pending,
                                    fromMillis(times[first]));
                samples.push_back({series.labels, series.values.back()});
            }
            const RuleEvaluation evaluation =
                evaluateRule(rule, "test/" + rule.alert, {}, samples, evaluatedAt);
            if (!evaluation.error.isOk()) {
                done(evaluation.error);
                return;
            }
            for (std::size_t i = 0; i < samples.size(); ++i) {
                const RuleEvaluation one = evaluateRule(rule, "test/" + rule.alert, {},
                                                        std::vector{samples[i]}, evaluatedAt);
                for (const auto &[id, evaluated] : one.alerts) {
                    Alert alert = evaluated;
                    alert.state = states[i].first;
                    alert.activeAt = states[i].second;
                    alert.firedAt = alert.state == AlertState::Firing ? evaluatedAt : TimePoint{};
                    out.alerts.push_back(std::move(alert));
                }
            }
            done(std::move(out));
        });
}

void AlertEngine::checkExpressions(RuleFile file,
                                   std::function<void(std::vector<RuleDiagnostic>)> done) {
    State &s = *m_state;
    struct Check {
        std::mutex mutex;
        std::size_t remaining = 0;
        std::vector<RuleDiagnostic> diagnostics;
        std::function<void(std::vector<RuleDiagnostic>)> done;
    };
    auto check = std::make_shared<Check>();
    check->done = std::move(done);
    std::vector<std::pair<const RuleGroup *, const Rule *>> rules;
    for (const RuleGroup &group : file.groups) {
        for (const Rule &rule : group.rules) {
            if (rule.isAlerting()) {
                rules.emplace_back(&group, &rule);
            }
        }
    }
    if (rules.empty() || s.queries == nullptr) {
        // Nothing to ask (metrics off: expressions are checked once a backend exists).
        check->done({});
        return;
    }
    check->remaining = rules.size();
    const TimePoint now = s.clock->now();
    for (const auto &[group, rule] : rules) {
        RuleDiagnostic where;
        where.group = group->name;
        where.rule = rule->alert;
        // The query's "LINE:COL" counts from the expression's first character; without its
        // position, the rule's is the best there is.
        const bool exprKnown = rule->exprPosition.line > 0;
        where.position = exprKnown ? rule->exprPosition : rule->position;
        metrics::InstantQuery query;
        query.query = rule->expr;
        query.time = now;
        s.queries->query(std::move(query), [check, where,
                                            exprKnown](StatusOr<metrics::QueryResult> result) {
            std::function<void(std::vector<RuleDiagnostic>)> call;
            std::vector<RuleDiagnostic> diagnostics;
            {
                std::lock_guard lock(check->mutex);
                // Only what the backend refuses is the rule's fault; an unreachable backend says
                // nothing about the expression.
                if (!result && result.status().code() == StatusCode::InvalidArgument) {
                    RuleDiagnostic diagnostic = where;
                    std::string message = result.status().message();
                    if (const auto at = metrics::queryErrorPosition(message)) {
                        // The lines of a block scalar (`expr: |`) share the first one's
                        // indentation, so a column counts from the same place on every line.
                        if (exprKnown) {
                            diagnostic.position.column += std::max(0, at->column - 1);
                            diagnostic.position.line += std::max(0, at->line - 1);
                        }
                    }
                    diagnostic.message = "expr: " + message;
                    check->diagnostics.push_back(std::move(diagnostic));
                }
                if (--check->remaining == 0) {
                    call = std::move(check->done);
                    diagnostics = std::move(check->diagnostics);
                }
            }
            if (call) {
                std::sort(diagnostics.begin(), diagnostics.end(), [](const auto &a, const auto &b) {
                    return std::tie(a.position.line, a.position.column) <
                           std::tie(b.position.line, b.position.column);
                });
                call(std::move(diagnostics));
            }
        });
    }
}

} // namespace aegis::alerting
