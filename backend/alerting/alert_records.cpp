#include "alerting/alert_records.h"

#include "common/time_millis.h"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace aegis::alerting {

namespace {

using json = nlohmann::json;

std::string dump(const json &value) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

json labelsJson(const LabelSet &labels) {
    json out = json::array();
    for (const auto &[name, value] : labels) {
        out.push_back(json::array({name, value}));
    }
    return out;
}

LabelSet labelsOf(const json &in) {
    LabelSet out;
    if (!in.is_array()) {
        return out;
    }
    for (const json &pair : in) {
        if (pair.is_array() && pair.size() == 2 && pair[0].is_string() && pair[1].is_string()) {
            out.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
        }
    }
    return out;
}

// Zero times are left out of a record: most alerts have no resolvedAt or keepFiringSince.
void putTime(json &out, const char *name, TimePoint time) {
    if (time != TimePoint{}) {
        out[name] = toMillis(time);
    }
}

TimePoint timeOf(const json &in, const char *name) {
    const auto it = in.find(name);
    return it != in.end() && it->is_number_integer() ? fromMillis(it->get<std::int64_t>())
                                                     : TimePoint{};
}

AlertState stateOf(const json &in, const char *name) {
    const int state = in.value(name, 0);
    return state >= 1 && state <= 4 ? static_cast<AlertState>(state) : AlertState::Inactive;
}

} // namespace

std::string alertKey(const std::string &id) {
    return std::string(kAlertsPrefix) + id;
}

std::string encodeAlert(const Alert &alert) {
    json out{{"r", alert.rule},
             {"l", labelsJson(alert.labels)},
             {"s", static_cast<int>(alert.state)},
             {"v", alert.value}};
    if (!alert.annotations.empty()) {
        out["a"] = labelsJson(alert.annotations);
    }
    putTime(out, "at", alert.activeAt);
    putTime(out, "f", alert.firedAt);
    putTime(out, "rs", alert.resolvedAt);
    putTime(out, "ls", alert.lastSentAt);
    putTime(out, "k", alert.keepFiringSince);
    putTime(out, "e", alert.lastEvaluation);
    return dump(out);
}

std::optional<Alert> decodeAlert(const store::KeyValue &kv) try {
    if (kv.key.rfind(kAlertsPrefix, 0) != 0) {
        return std::nullopt;
    }
    const auto in = json::parse(kv.value, nullptr, false);
    if (in.is_discarded() || !in.is_object()) {
        return std::nullopt;
    }
    Alert alert;
    alert.id = kv.key.substr(kAlertsPrefix.size());
    alert.rule = in.value("r", "");
    alert.labels = labelsOf(in.value("l", json()));
    alert.annotations = labelsOf(in.value("a", json()));
    alert.state = stateOf(in, "s");
    // NaN and infinities are written as null (JSON has neither).
    const auto value = in.find("v");
    alert.value = value != in.end() && value->is_number() ? value->get<double>() : 0.0;
    alert.activeAt = timeOf(in, "at");
    alert.firedAt = timeOf(in, "f");
    alert.resolvedAt = timeOf(in, "rs");
    alert.lastSentAt = timeOf(in, "ls");
    alert.keepFiringSince = timeOf(in, "k");
    alert.lastEvaluation = timeOf(in, "e");
    return alert;
} catch (const std::exception &) {
    return std::nullopt;
}

std::string historyKey(const Transition &transition) {
    char time[24];
    std::snprintf(time, sizeof time, "%016lld",
                  static_cast<long long>(std::max<std::int64_t>(0, toMillis(transition.time))));
    return std::string(kHistoryPrefix) + time + "-" + transition.alertId + "-" +
           std::to_string(static_cast<int>(transition.to));
}

std::string encodeTransition(const Transition &transition) {
    return dump(json{{"i", transition.alertId},
                     {"r", transition.rule},
                     {"l", labelsJson(transition.labels)},
                     {"f", static_cast<int>(transition.from)},
                     {"t", static_cast<int>(transition.to)},
                     {"v", transition.value},
                     {"at", toMillis(transition.time)}});
}

std::optional<Transition> decodeTransition(const store::KeyValue &kv) try {
    if (kv.key.rfind(kHistoryPrefix, 0) != 0) {
        return std::nullopt;
    }
    const auto in = json::parse(kv.value, nullptr, false);
    if (in.is_discarded() || !in.is_object()) {
        return std::nullopt;
    }
    Transition transition;
    transition.alertId = in.value("i", "");
    transition.rule = in.value("r", "");
    transition.labels = labelsOf(in.value("l", json()));
    transition.from = stateOf(in, "f");
    transition.to = stateOf(in, "t");
    const auto value = in.find("v");
    transition.value = value != in.end() && value->is_number() ? value->get<double>() : 0.0;
    transition.time = timeOf(in, "at");
    return transition;
} catch (const std::exception &) {
    return std::nullopt;
}

} // namespace aegis::alerting
