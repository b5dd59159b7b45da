#pragma once

#include "client/config_watcher.h"
#include "common/status.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace aegis::sample {

// How the sample's "/" behaves: set from the command line, then live from the config center.
struct Behaviour {
    // Added to every "/" request before it is answered.
    std::chrono::milliseconds latency{0};
    // Share of "/" requests answered 500, 0..1.
    double errorRate = 0;
    // Answered by "/".
    std::string greeting = "hello from aegis-sample";
    // Feature flags, answered by "/" and exported as aegis_sample_feature_enabled.
    std::map<std::string, bool> features;
    // Where it came from: "flags", or the item path and version ("demo/checkout/behaviour.json").
    std::string source = "flags";
    std::int64_t configVersion = 0;

    friend bool operator==(const Behaviour &, const Behaviour &) = default;
};

// INVALID_ARGUMENT naming the field when `behaviour` is out of range.
Status validateBehaviour(const Behaviour &behaviour);

// Reads a behaviour document (JSON or YAML) over `defaults`; a field it leaves out keeps the
// default:
//
//   {"latency": "25ms", "error_rate": 0.05, "greeting": "hello",
//    "features": {"new_checkout": true, "dark_mode": false}}
//
// latency is a duration ("25ms", "1s") or a number of milliseconds. An unknown field is an error
// (most likely a typo), as is a value out of range; the message names the field.
StatusOr<Behaviour> parseBehaviour(std::string_view content, client::ConfigFormat format,
                                   const Behaviour &defaults);

// Turns the config items "behaviour.json" and "behaviour.yaml" of the watched group into the
// behaviour in effect: the command-line defaults overlaid with behaviour.json if it exists, else
// with behaviour.yaml. A ConfigWatcher listener; other keys of the group are ignored (not
// acknowledged). A document that does not parse is acknowledged as failed and changes nothing.
// Called from the watcher's thread only.
class BehaviourConfig {
public:
    static constexpr std::string_view kJsonKey = "behaviour.json";
    static constexpr std::string_view kYamlKey = "behaviour.yaml";

    using ApplyBehaviour = std::function<void(const Behaviour &)>;

    BehaviourConfig(Behaviour defaults, ApplyBehaviour apply);

    client::ApplyResult onValue(const client::ConfigValue &value);

private:
    void applyEffective();

    const Behaviour m_defaults;
    const ApplyBehaviour m_apply;
    std::map<std::string, Behaviour, std::less<>> m_byKey;
};

} // namespace aegis::sample
