#include "sample/behaviour.h"

#include "common/duration.h"

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <cmath>

namespace aegis::sample {
namespace {

using nlohmann::json;

constexpr std::chrono::milliseconds kMaxLatency = std::chrono::seconds(60);
constexpr std::size_t kMaxGreeting = 256;
constexpr std::size_t kMaxFeatures = 64;

// YAML scalars carry no type; read them as JSON would see them, so both formats go through one
// set of checks.
json scalarToJson(const std::string &text) {
    if (text == "true" || text == "True" || text == "TRUE") {
        return true;
    }
    if (text == "false" || text == "False" || text == "FALSE") {
        return false;
    }
    if (text == "null" || text == "~" || text.empty()) {
        return nullptr;
    }
    try {
        std::size_t used = 0;
        const double number = std::stod(text, &used);
        if (used == text.size() && std::isfinite(number)) {
            return number;
        }
    } catch (const std::exception &) {
    }
    return text;
}

json yamlToJson(const YAML::Node &node) {
    switch (node.Type()) {
    case YAML::NodeType::Map: {
        json object = json::object();
        for (const auto &entry : node) {
            object[entry.first.as<std::string>()] = yamlToJson(entry.second);
        }
        return object;
    }
    case YAML::NodeType::Sequence: {
        json array = json::array();
        for (const auto &entry : node) {
            array.push_back(yamlToJson(entry));
        }
        return array;
    }
    case YAML::NodeType::Scalar:
        // A quoted scalar stays a string ("on", "25").
        return node.Tag() == "!" ? json(node.Scalar()) : scalarToJson(node.Scalar());
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
        break;
    }
    return nullptr;
}

StatusOr<json> documentOf(std::string_view content, client::ConfigFormat format) {
    if (format == client::ConfigFormat::Yaml) {
        try {
            return yamlToJson(YAML::Load(std::string(content)));
        } catch (const YAML::Exception &error) {
            return invalidArgument("not valid YAML: " + std::string(error.what()));
        }
    }
    if (format != client::ConfigFormat::Json) {
        return invalidArgument("the behaviour is JSON or YAML, not " +
                               std::string(client::toString(format)));
    }
    auto document = json::parse(content, nullptr, false);
    if (document.is_discarded()) {
        return invalidArgument("not valid JSON");
    }
    return document;
}

} // namespace

Status validateBehaviour(const Behaviour &behaviour) {
    if (behaviour.latency.count() < 0 || behaviour.latency > kMaxLatency) {
        return invalidArgument("latency must be between 0 and 60s");
    }
    if (!(behaviour.errorRate >= 0 && behaviour.errorRate <= 1)) {
        return invalidArgument("error_rate must be between 0 and 1");
    }
    if (behaviour.greeting.size() > kMaxGreeting) {
        return invalidArgument("greeting must be at most 256 characters");
    }
    if (behaviour.features.size() > kMaxFeatures) {
        return invalidArgument("features: at most 64 flags");
    }
    return Status::ok();
}

StatusOr<Behaviour> parseBehaviour(std::string_view content, client::ConfigFormat format,
                                   const Behaviour &defaults) {
    auto document = documentOf(content, format);
    if (!document) {
        return document.status();
    }
    if (document->is_null()) {
        return defaults; // an empty document changes nothing
    }
    if (!document->is_object()) {
        return invalidArgument("the behaviour must be an object of latency, error_rate, "
                               "greeting and features");
    }
    Behaviour behaviour = defaults;
    for (const auto &[field, value] : document->items()) {
        if (field == "latency") {
            if (value.is_number()) {
                behaviour.latency =
                    std::chrono::milliseconds(static_cast<std::int64_t>(value.get<double>()));
            } else if (value.is_string()) {
                auto latency = parseDuration(value.get<std::string>(), "latency");
                if (!latency) {
                    return latency.status();
                }
                behaviour.latency = *latency;
            } else {
                return invalidArgument("latency must be a duration such as \"25ms\" or a number "
                                       "of milliseconds");
            }
        } else if (field == "error_rate") {
            if (!value.is_number()) {
                return invalidArgument("error_rate must be a number between 0 and 1");
            }
            behaviour.errorRate = value.get<double>();
        } else if (field == "greeting") {
            if (!value.is_string()) {
                return invalidArgument("greeting must be a string");
            }
            behaviour.greeting = value.get<std::string>();
        } else if (field == "features") {
            if (!value.is_object()) {
                return invalidArgument("features must be an object of flag names to true/false");
            }
            behaviour.features.clear();
            for (const auto &[name, enabled] : value.items()) {
                if (!enabled.is_boolean()) {
                    return invalidArgument("features." + name + " must be true or false");
                }
                behaviour.features[name] = enabled.get<bool>();
            }
        } else {
            return invalidArgument("unknown field '" + field +
                                   "' (expected latency, error_rate, greeting, features)");
        }
    }
    if (Status valid = validateBehaviour(behaviour); !valid.isOk()) {
        return valid;
    }
    return behaviour;
}

BehaviourConfig::BehaviourConfig(Behaviour defaults, ApplyBehaviour apply)
    : m_defaults(std::move(defaults))
    , m_apply(std::move(apply)) {}

client::ApplyResult BehaviourConfig::onValue(const client::ConfigValue &value) {
    const std::string &key = value.ref.key;
    if (key != kJsonKey && key != kYamlKey) {
        return client::ApplyResult::ignored();
    }
    if (value.deleted) {
        m_byKey.erase(key);
        applyEffective();
        return client::ApplyResult::applied();
    }
    auto behaviour = parseBehaviour(value.content, value.format, m_defaults);
    if (!behaviour) {
        return client::ApplyResult::failed(key + ": " + behaviour.status().message());
    }
    behaviour->source = value.ref.path() + (value.gray ? " (gray)" : "") +
                        (value.fromSnapshotFile ? " (snapshot file)" : "");
    behaviour->configVersion = value.version;
    m_byKey.insert_or_assign(key, std::move(*behaviour));
    applyEffective();
    return client::ApplyResult::applied();
}

void BehaviourConfig::applyEffective() {
    if (const auto json = m_byKey.find(kJsonKey); json != m_byKey.end()) {
        m_apply(json->second);
    } else if (const auto yaml = m_byKey.find(kYamlKey); yaml != m_byKey.end()) {
        m_apply(yaml->second);
    } else {
        m_apply(m_defaults);
    }
}

} // namespace aegis::sample
