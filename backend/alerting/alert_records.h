#pragma once

#include "alerting/alert.h"
#include "store/store.h"

#include <optional>
#include <string>
#include <string_view>

// How alert state is kept in the store: compact JSON records under /alerting/.
namespace aegis::alerting {

inline constexpr std::string_view kAlertingPrefix = "/alerting/";
// /alerting/alerts/<alert id>: one record per pending, firing or resolved alert.
inline constexpr std::string_view kAlertsPrefix = "/alerting/alerts/";
// /alerting/history/<time ms, 16 digits>-<alert id>-<to state>: one record per transition, so
// keys sort by time.
inline constexpr std::string_view kHistoryPrefix = "/alerting/history/";
// The time of the last evaluation round written (milliseconds), what tells a restart how long
// aegisd was down.
inline constexpr std::string_view kEvaluatedKey = "/alerting/evaluated";

std::string alertKey(const std::string &id);
std::string encodeAlert(const Alert &alert);
// Nullopt for a key outside kAlertsPrefix or an unreadable record. The id comes from the key.
std::optional<Alert> decodeAlert(const store::KeyValue &kv);

std::string historyKey(const Transition &transition);
std::string encodeTransition(const Transition &transition);
std::optional<Transition> decodeTransition(const store::KeyValue &kv);

} // namespace aegis::alerting
