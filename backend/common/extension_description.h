#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace aegis {

// The extension points whose implementations describe themselves.
enum class ExtensionKind { DeployDriver, TrafficRouter, HealthProber };

// How a parameter's value is written. Every value travels as a string; the type says which
// strings are valid (checked by validateExtensionParameters) and how a form edits it.
enum class ParameterType {
    String,
    Integer,
    // "500ms", "10s", "1m30s": as parseDuration reads it.
    Duration,
    // "true" or "false".
    Boolean,
    // One of `allowedValues`.
    Enum,
    // Comma-separated items.
    StringList,
    // A command line (a program and its arguments, with placeholders such as {service}).
    Command,
};

// One parameter an extension takes.
struct ExtensionParameter {
    // The key; for a family (`prefix`), the key's fixed start ("env.", "header.").
    std::string name{};
    ParameterType type = ParameterType::String;
    bool required = false;
    // A family of keys `name` + a suffix the user picks (env.LOG_LEVEL, header.Host).
    bool prefix = false;
    // What applies when the key is absent, as text; empty when nothing does.
    std::string defaultValue{};
    // The values an Enum accepts.
    std::vector<std::string> allowedValues{};
    // One sentence for a tooltip or an error message.
    std::string description{};
    // An example value for an empty editor.
    std::string placeholder{};
};

// What an extension tells its users about itself: the name it registers under and the
// parameters it takes. The single source of both: registration uses `name`, parameter checks use
// `parameters` (validateExtensionParameters), and ListExtensions serves it to clients, which build
// their forms from it.
struct ExtensionDescription {
    ExtensionKind kind = ExtensionKind::DeployDriver;
    std::string name;
    // A short label for a picker ("Local processes").
    std::string displayName{};
    std::string description;
    std::vector<ExtensionParameter> parameters{};

    // The parameter `key` is (exactly, or as a member of a family); null when none.
    const ExtensionParameter *parameter(std::string_view key) const {
        const auto it = std::find_if(parameters.begin(), parameters.end(), [&](const auto &p) {
            return p.prefix ? key.size() > p.name.size() && key.starts_with(p.name) : key == p.name;
        });
        return it == parameters.end() ? nullptr : &*it;
    }
};

// "driver", "router", "prober".
inline std::string_view extensionKindName(ExtensionKind kind) {
    switch (kind) {
    case ExtensionKind::DeployDriver:
        return "driver";
    case ExtensionKind::TrafficRouter:
        return "router";
    case ExtensionKind::HealthProber:
        return "prober";
    }
    return "extension";
}

// "string", "integer", "duration", "boolean", "enum", "string list", "command".
inline std::string_view parameterTypeName(ParameterType type) {
    switch (type) {
    case ParameterType::String:
        return "string";
    case ParameterType::Integer:
        return "integer";
    case ParameterType::Duration:
        return "duration";
    case ParameterType::Boolean:
        return "boolean";
    case ParameterType::Enum:
        return "enum";
    case ParameterType::StringList:
        return "string list";
    case ParameterType::Command:
        return "command";
    }
    return "string";
}

} // namespace aegis
