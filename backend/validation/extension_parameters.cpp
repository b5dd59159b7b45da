#include "validation/extension_parameters.h"

#include "common/duration.h"
#include "common/input_text.h"

#include <charconv>
#include <cstdint>

namespace aegis::validation {
namespace {

// Health checks call their parameters options, as the API's HealthCheck.options does.
std::string_view parameterWord(const ExtensionDescription &extension) {
    return extension.kind == ExtensionKind::HealthProber ? "option" : "parameter";
}

// "a, b and c", or "none".
std::string knownKeys(const ExtensionDescription &extension) {
    std::string text;
    const auto count = extension.parameters.size();
    for (std::size_t i = 0; i < count; ++i) {
        const ExtensionParameter &p = extension.parameters[i];
        text += i == 0 ? "" : i + 1 == count ? " and " : ", ";
        text += p.prefix ? p.name + "NAME" : p.name;
    }
    return text.empty() ? "none" : text;
}

Status checkType(const ExtensionParameter &parameter, const std::string &key,
                 const std::string &value) {
    switch (parameter.type) {
    case ParameterType::Integer: {
        std::int64_t number = 0;
        const auto [end, error] =
            std::from_chars(value.data(), value.data() + value.size(), number);
        if (value.empty() || error != std::errc() || end != value.data() + value.size()) {
            return invalidArgument(key + ": must be a whole number, got " + quoteInput(value));
        }
        return Status::ok();
    }
    case ParameterType::Duration:
        return parseDuration(value, key).status();
    case ParameterType::Boolean:
        if (value != "true" && value != "false") {
            return invalidArgument(key + ": must be 'true' or 'false', got " + quoteInput(value));
        }
        return Status::ok();
    case ParameterType::Enum: {
        std::string allowed;
        for (const std::string &candidate : parameter.allowedValues) {
            if (candidate == value) {
                return Status::ok();
            }
            allowed += (allowed.empty() ? "" : ", ") + candidate;
        }
        return invalidArgument(key + ": must be one of " + allowed + ", got " + quoteInput(value));
    }
    case ParameterType::String:
    case ParameterType::StringList:
    case ParameterType::Command:
        return Status::ok();
    }
    return Status::ok();
}

} // namespace

std::string extensionPhrase(const ExtensionDescription &extension) {
    const std::string_view noun =
        extension.kind == ExtensionKind::HealthProber ? "check" : extensionKindName(extension.kind);
    return "the " + extension.name + " " + std::string(noun);
}

Status validateExtensionParameters(const ExtensionDescription &extension,
                                   const std::map<std::string, std::string> &params) {
    const std::string word(parameterWord(extension));
    for (const auto &[key, value] : params) {
        const ExtensionParameter *parameter = extension.parameter(key);
        if (parameter == nullptr) {
            return invalidArgument("unknown " + word + " " + quoteInput(key) + " (" +
                                   extensionPhrase(extension) + " takes " + knownKeys(extension) +
                                   ")");
        }
        if (Status status = checkType(*parameter, key, value); !status.isOk()) {
            return status;
        }
    }
    for (const ExtensionParameter &parameter : extension.parameters) {
        if (parameter.required && !parameter.prefix && !params.contains(parameter.name)) {
            return invalidArgument(parameter.name + ": required (" + word + " '" + parameter.name +
                                   "' of " + extensionPhrase(extension) + ": " +
                                   parameter.description + ")");
        }
    }
    return Status::ok();
}

} // namespace aegis::validation
