#include "alerting/rule_evaluator.h"

#include "alerting/alert_template.h"

#include <algorithm>

namespace aegis::alerting {

namespace {

const LabelSet kNoExternalLabels;

// Prometheus shows a template that fails in place of its text.
std::string expand(const std::string &text, const TemplateData &data) {
    if (text.find("{{") == std::string::npos) {
        return text;
    }
    auto expanded = expandTemplate(text, data);
    if (!expanded) {
        return "<error expanding template: " + expanded.status().message() + ">";
    }
    return std::move(*expanded);
}

// The alert a sample stands for, as a new pending alert at `now`.
Alert alertOf(const Rule &rule, const std::string &ruleId, const RuleSample &sample,
              TimePoint now) {
    const TemplateData data{sample.labels, sample.value, kNoExternalLabels};
    std::map<std::string, std::string> labels(sample.labels.begin(), sample.labels.end());
    labels.erase("__name__");
    for (const auto &[name, value] : rule.labels) {
        labels[name] = expand(value, data);
    }
    labels["alertname"] = rule.alert;

    Alert alert;
    alert.rule = ruleId;
    alert.labels.assign(labels.begin(), labels.end());
    alert.id = alertFingerprint(ruleId, alert.labels);
    for (const auto &[name, value] : rule.annotations) {
        alert.annotations.emplace_back(name, expand(value, data));
    }
    std::sort(alert.annotations.begin(), alert.annotations.end());
    alert.state = AlertState::Pending;
    alert.value = sample.value;
    alert.activeAt = now;
    alert.lastEvaluation = now;
    return alert;
}

Transition transitionOf(const Alert &alert, AlertState from, AlertState to, TimePoint now) {
    return Transition{alert.id, alert.rule, alert.labels, from, to, alert.value, now};
}

} // namespace

RuleEvaluation evaluateRule(const Rule &rule, const std::string &ruleId, const AlertMap &previous,
                            const StatusOr<std::vector<RuleSample>> &samples, TimePoint now,
                            int limit) {
    RuleEvaluation out;
    if (!samples) {
        out.alerts = previous;
        out.error = samples.status();
        return out;
    }

    AlertMap current;
    for (const RuleSample &sample : *samples) {
        Alert alert = alertOf(rule, ruleId, sample, now);
        const std::string id = alert.id;
        if (!current.emplace(id, std::move(alert)).second) {
            out.alerts = previous;
            out.error = invalidArgument(
                "vector contains metrics with the same labelset after applying alert labels");
            return out;
        }
    }

    AlertMap active = previous;
    for (auto &[id, alert] : current) {
        const auto it = active.find(id);
        if (it != active.end() && it->second.state != AlertState::Resolved) {
            it->second.value = alert.value;
            it->second.annotations = std::move(alert.annotations);
            continue;
        }
        active[id] = std::move(alert);
    }

    int activeCount = 0;
    for (auto it = active.begin(); it != active.end();) {
        Alert &alert = it->second;
        if (!current.contains(it->first)) {
            bool keepFiring = false;
            if (alert.state == AlertState::Firing && rule.keepFiringFor.count() > 0) {
                if (alert.keepFiringSince == TimePoint{}) {
                    alert.keepFiringSince = now;
                }
                keepFiring = now - alert.keepFiringSince < rule.keepFiringFor;
            }
            if (alert.state == AlertState::Pending ||
                (alert.state == AlertState::Resolved &&
                 now - alert.resolvedAt > kResolvedRetention)) {
                it = active.erase(it);
                continue;
            }
            if (alert.state != AlertState::Resolved && !keepFiring) {
                alert.state = AlertState::Resolved;
                alert.resolvedAt = now;
            }
            if (!keepFiring) {
                alert.lastEvaluation = now;
                ++it;
                continue;
            }
        } else {
            alert.keepFiringSince = {};
        }
        ++activeCount;
        if (alert.state == AlertState::Pending && now - alert.activeAt >= rule.forDuration) {
            alert.state = AlertState::Firing;
            alert.firedAt = now;
        }
        // A `for` made longer than the alert has been active sends it back to pending.
        if (alert.state == AlertState::Firing && now - alert.activeAt < rule.forDuration) {
            alert.state = AlertState::Pending;
            alert.firedAt = {};
            alert.lastSentAt = {};
            alert.keepFiringSince = {};
        }
        alert.lastEvaluation = now;
        ++it;
    }

    if (limit > 0 && activeCount > limit) {
        active.clear();
        out.error = invalidArgument("exceeded limit of " + std::to_string(limit) + " with " +
                                    std::to_string(activeCount) + " alerts");
    }

    // One transition per alert and evaluation, from its state before to its state after (a new
    // alert of a rule without `for` goes from inactive to firing at once).
    for (const auto &[id, before] : previous) {
        if (!active.contains(id)) {
            out.removed.push_back(id);
            if (before.state == AlertState::Pending && out.error.isOk()) {
                out.transitions.push_back(
                    transitionOf(before, AlertState::Pending, AlertState::Inactive, now));
            }
        }
    }
    for (const auto &[id, alert] : active) {
        const auto it = previous.find(id);
        AlertState from = it == previous.end() ? AlertState::Inactive : it->second.state;
        // A resolved label set that came back is a new alert (it started again as pending).
        if (it != previous.end() && alert.activeAt != it->second.activeAt) {
            from = it->second.state == AlertState::Resolved ? AlertState::Resolved
                                                            : AlertState::Inactive;
        }
        if (from != alert.state) {
            out.transitions.push_back(transitionOf(alert, from, alert.state, now));
        }
    }
    out.alerts = std::move(active);
    return out;
}

std::vector<OutgoingAlert> takeAlertsToSend(AlertMap &alerts, TimePoint now,
                                            std::chrono::milliseconds resend,
                                            std::chrono::milliseconds interval,
                                            const std::string &generatorUrl) {
    std::vector<OutgoingAlert> out;
    const auto validFor = 4 * std::max(resend, interval);
    for (auto &[id, alert] : alerts) {
        if (alert.state != AlertState::Firing && alert.state != AlertState::Resolved) {
            continue;
        }
        const bool due =
            (alert.state == AlertState::Resolved && alert.resolvedAt > alert.lastSentAt) ||
            alert.lastSentAt + resend < now;
        if (!due) {
            continue;
        }
        alert.lastSentAt = now;
        OutgoingAlert outgoing;
        outgoing.labels = alert.labels;
        outgoing.annotations = alert.annotations;
        outgoing.startsAt = alert.firedAt;
        outgoing.endsAt = alert.state == AlertState::Resolved ? alert.resolvedAt : now + validFor;
        outgoing.generatorUrl = generatorUrl;
        out.push_back(std::move(outgoing));
    }
    return out;
}

} // namespace aegis::alerting
