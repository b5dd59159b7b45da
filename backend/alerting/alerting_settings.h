#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace aegis::alerting {

enum class AlertmanagerMode { Managed, External, None };
// "managed", "external" or "none".
const char *alertmanagerModeName(AlertmanagerMode mode);

// The alerting.* options of aegisd (resources/aegisd.yaml documents each with its default).
struct AlertingSettings {
    // [alerting.enabled] Whether aegisd evaluates rules at all.
    bool enabled = true;
    // [alerting.evaluation_interval] A group without `interval` is evaluated this often.
    std::chrono::milliseconds evaluationInterval{15000};
    // [alerting.resend_interval] A firing alert is sent again this often (Prometheus'
    // --rules.alert.resend-delay); a resolved one for 15 minutes after it resolved.
    std::chrono::milliseconds resendInterval{60000};
    // [alerting.outage_tolerance] After a restart, a pending or firing alert keeps its `for`
    // progress and its start if aegisd was down at most this long
    // (Prometheus' --rules.alert.for-outage-tolerance).
    std::chrono::milliseconds outageTolerance{std::chrono::hours(1)};
    // [alerting.default_rules] Whether the shipped rule file "aegis-defaults" is created when it
    // does not exist (an operator may then edit or delete it).
    bool defaultRules = true;
    // [alerting.history_retention] Transitions older than this are dropped.
    std::chrono::milliseconds historyRetention{std::chrono::hours(24 * 7)};

    // [alerting.alertmanager] managed | external | none.
    AlertmanagerMode alertmanagerMode = AlertmanagerMode::Managed;
    // [alerting.managed.binary] Alertmanager's executable; a bare name is looked up on PATH.
    std::filesystem::path alertmanagerBinary = "prometheus-alertmanager";
    // [alerting.managed.listen] Where the managed child serves: loopback, port 0 picks one.
    std::string managedListen = "127.0.0.1:0";
    // [alerting.managed.default_webhook_url] When not empty, the default configuration (used
    // while the item "aegis-alerting/alertmanager/config" does not exist) sends every
    // notification to this webhook; otherwise its receiver has no integration.
    std::string defaultWebhookUrl;
    // [alerting.external.urls] Every Alertmanager to send to (all of them: an HA pair
    // deduplicates); silences go to the first that answers.
    std::vector<std::string> externalUrls;
    // [alerting.external.bearer_token_file] Sent as "Authorization: Bearer <contents>".
    std::filesystem::path bearerTokenFile;
    // [alerting.external.ca_file] Trust this PEM CA for https URLs.
    std::filesystem::path caFile;
};

} // namespace aegis::alerting
