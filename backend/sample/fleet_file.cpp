#include "sample/fleet_file.h"

#include "common/duration.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

namespace aegis::sample {
namespace {

bool isPlainWord(const std::string &text) {
    return !text.empty() && text.size() <= 128 && std::all_of(text.begin(), text.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == ':' ||
               c == '-';
    });
}

// The string at `key` of `node`, else `fallback`; INVALID_ARGUMENT naming `where` when it is
// missing without a fallback or is not a plain word.
StatusOr<std::string> word(const YAML::Node &node, const char *key, const std::string &where,
                           const std::string *fallback = nullptr) {
    const YAML::Node value = node[key];
    if (!value) {
        if (fallback) {
            return *fallback;
        }
        return invalidArgument(where + ": '" + key + "' is missing");
    }
    if (!value.IsScalar() || !isPlainWord(value.Scalar())) {
        return invalidArgument(where + ": '" + key +
                               "' must be 1 to 128 characters of [A-Za-z0-9._:-]");
    }
    return value.Scalar();
}

} // namespace

StatusOr<std::vector<FleetInstance>> loadFleetFile(const std::filesystem::path &path) {
    YAML::Node root;
    try {
        root = YAML::LoadFile(path.string());
    } catch (const YAML::Exception &error) {
        return invalidArgument(path.string() + ": " + error.what());
    }
    const YAML::Node services = root["services"];
    if (!services || !services.IsSequence() || services.size() == 0) {
        return invalidArgument(path.string() + ": 'services' must be a non-empty list");
    }
    std::vector<FleetInstance> fleet;
    std::set<std::string> ids;
    for (std::size_t s = 0; s < services.size(); ++s) {
        const YAML::Node service = services[s];
        const std::string where = path.string() + ": services[" + std::to_string(s) + "]";
        FleetInstance base;
        const std::string defaultColor = "blue";
        const std::string noZone;
        auto name = word(service, "name", where);
        auto version = word(service, "version", where);
        auto color = word(service, "color", where, &defaultColor);
        for (const auto *field : {&name, &version, &color}) {
            if (!*field) {
                return field->status();
            }
        }
        base.service = *name;
        base.version = *version;
        base.color = *color;
        if (const YAML::Node latency = service["latency"]) {
            auto parsed = parseDuration(latency.as<std::string>(""), where + ".latency");
            if (!parsed) {
                return parsed.status();
            }
            base.latency = *parsed;
        }
        if (const YAML::Node errorRate = service["error_rate"]) {
            base.errorRate = errorRate.as<double>(-1);
            if (!(base.errorRate >= 0 && base.errorRate <= 1)) {
                return invalidArgument(where + ": 'error_rate' must be a number from 0 to 1");
            }
        }
        if (const YAML::Node calls = service["calls"]) {
            if (!calls.IsSequence()) {
                return invalidArgument(where + ": 'calls' must be a list of service names");
            }
            for (std::size_t c = 0; c < calls.size(); ++c) {
                if (!calls[c].IsScalar() || !isPlainWord(calls[c].Scalar()) ||
                    calls[c].Scalar() == base.service ||
                    std::find(base.calls.begin(), base.calls.end(), calls[c].Scalar()) !=
                        base.calls.end()) {
                    return invalidArgument(where + ": calls[" + std::to_string(c) +
                                           "] must name another service once, in "
                                           "[A-Za-z0-9._:-]");
                }
                base.calls.push_back(calls[c].Scalar());
            }
        }
        const YAML::Node instances = service["instances"];
        if (!instances || !instances.IsSequence() || instances.size() == 0) {
            return invalidArgument(where + ": 'instances' must be a non-empty list");
        }
        for (std::size_t i = 0; i < instances.size(); ++i) {
            const std::string at = where + ".instances[" + std::to_string(i) + "]";
            FleetInstance instance = base;
            auto id = word(instances[i], "id", at);
            auto zone = word(instances[i], "zone", at, &noZone);
            if (!id) {
                return id.status();
            }
            if (!zone) {
                return zone.status();
            }
            if (!ids.insert(base.service + "/" + *id).second) {
                return invalidArgument(at + ": id '" + *id + "' appears twice");
            }
            instance.id = *id;
            instance.zone = *zone;
            fleet.push_back(std::move(instance));
        }
    }
    return fleet;
}

std::string fleetFlags(const FleetInstance &instance) {
    std::ostringstream flags;
    flags << "--service " << instance.service << " --id " << instance.id << " --version "
          << instance.version << " --color " << instance.color;
    if (!instance.zone.empty()) {
        flags << " --zone " << instance.zone;
    }
    flags << " --latency " << formatDuration(instance.latency) << " --error-rate "
          << instance.errorRate << " --config " << kDemoConfigNamespace << "/" << instance.service;
    for (std::size_t i = 0; i < instance.calls.size(); ++i) {
        flags << (i == 0 ? " --calls " : ",") << instance.calls[i];
    }
    return flags.str();
}

} // namespace aegis::sample
