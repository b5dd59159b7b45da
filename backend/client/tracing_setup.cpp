#include "client/tracing_setup.h"

#include "common/input_text.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <limits>

#ifndef AEGIS_VERSION
#define AEGIS_VERSION "0.0.0"
#endif

namespace aegis::client {
namespace {

std::string lower(std::string_view text) {
    std::string result(text);
    std::transform(result.begin(), result.end(), result.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return result;
}

std::optional<std::string> percentDecode(std::string_view text) {
    std::string decoded;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            decoded += text[i];
            continue;
        }
        if (i + 2 >= text.size()) {
            return std::nullopt;
        }
        int value = 0;
        const auto [end, error] =
            std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
        if (error != std::errc() || end != text.data() + i + 3) {
            return std::nullopt;
        }
        decoded += static_cast<char>(value);
        i += 2;
    }
    return decoded;
}

// OpenTelemetry's Boolean: only a case-insensitive "true" is true.
std::optional<bool> booleanVariable(const Environment &environment, const char *name,
                                    std::vector<std::string> &warnings) {
    const auto value = environment(name);
    if (!value) {
        return std::nullopt;
    }
    const std::string text = lower(trimWhitespace(*value));
    if (text != "true" && text != "false") {
        warnings.push_back(std::string(name) + "='" + *value + "' is not true or false; false");
    }
    return text == "true";
}

// A non-negative integer, or nullopt (with a warning when set but unusable).
std::optional<std::int64_t> integerVariable(const Environment &environment, const char *name,
                                            bool positive, std::vector<std::string> &warnings) {
    const auto value = environment(name);
    if (!value) {
        return std::nullopt;
    }
    const std::string_view text = trimWhitespace(*value);
    std::int64_t number = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (error != std::errc() || end != text.data() + text.size() || number < (positive ? 1 : 0)) {
        warnings.push_back(std::string(name) + "='" + *value + "' is not a " +
                           (positive ? "positive" : "non-negative") + " integer; ignored");
        return std::nullopt;
    }
    return number;
}

// OpenTelemetry's Timeout: milliseconds, 0 meaning no limit.
std::optional<std::chrono::milliseconds> timeoutVariable(const Environment &environment,
                                                         const char *name,
                                                         std::vector<std::string> &warnings) {
    const auto ms = integerVariable(environment, name, false, warnings);
    if (!ms) {
        return std::nullopt;
    }
    // "No limit", kept within what the deadline arithmetic can add to now.
    return *ms == 0 ? std::chrono::milliseconds(std::chrono::hours(24 * 365))
                    : std::chrono::milliseconds(*ms);
}

// The signal-specific variable when set, else the general one.
std::optional<std::string> exporterVariable(const Environment &environment, const char *general,
                                            const char *traces) {
    if (auto value = environment(traces)) {
        return value;
    }
    return environment(general);
}

void addString(opentelemetry::proto::resource::v1::Resource &resource, const std::string &key,
               const std::string &value) {
    auto *attribute = resource.add_attributes();
    attribute->set_key(key);
    attribute->mutable_value()->set_string_value(value);
}

} // namespace

Environment processEnvironment() {
    return [](const char *name) -> std::optional<std::string> {
        const char *value = std::getenv(name);
        if (value == nullptr || *value == '\0') {
            return std::nullopt;
        }
        return std::string(value);
    };
}

StatusOr<std::map<std::string, std::string>> parseKeyValueList(std::string_view text) {
    std::map<std::string, std::string> pairs;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t comma = std::min(text.find(',', start), text.size());
        const std::string_view entry = trimWhitespace(text.substr(start, comma - start));
        start = comma + 1;
        if (entry.empty()) {
            continue;
        }
        const std::size_t equals = entry.find('=');
        if (equals == std::string_view::npos) {
            return invalidArgument("'" + std::string(entry) + "' is not key=value");
        }
        auto key = percentDecode(trimWhitespace(entry.substr(0, equals)));
        auto value = percentDecode(trimWhitespace(entry.substr(equals + 1)));
        if (!key || key->empty() || !value) {
            return invalidArgument("'" + std::string(entry) +
                                   "' has an empty key or a bad %-escape");
        }
        pairs[*key] = *value;
    }
    return pairs;
}

std::optional<SamplerPtr> samplerFromName(std::string_view name,
                                          const std::optional<std::string> &argument,
                                          std::string *warning) {
    const std::string kind = lower(trimWhitespace(name));
    const auto ratio = [&]() {
        if (!argument) {
            return 1.0;
        }
        const std::string_view text = trimWhitespace(*argument);
        char *end = nullptr;
        const std::string copy(text);
        const double value = std::strtod(copy.c_str(), &end);
        if (copy.empty() || end != copy.c_str() + copy.size() || !(value >= 0 && value <= 1)) {
            if (warning) {
                *warning = "OTEL_TRACES_SAMPLER_ARG='" + *argument +
                           "' is not a probability from 0 to 1; 1.0";
            }
            return 1.0;
        }
        return value;
    };
    if (kind == "always_on") {
        return alwaysOnSampler();
    }
    if (kind == "always_off") {
        return alwaysOffSampler();
    }
    if (kind == "traceidratio") {
        return traceIdRatioSampler(ratio());
    }
    if (kind == "parentbased_always_on") {
        return parentBasedSampler(alwaysOnSampler());
    }
    if (kind == "parentbased_always_off") {
        return parentBasedSampler(alwaysOffSampler());
    }
    if (kind == "parentbased_traceidratio") {
        return parentBasedSampler(traceIdRatioSampler(ratio()));
    }
    return std::nullopt;
}

std::vector<std::string> applyEnvironment(TracingSetup &setup, const Environment &environment) {
    std::vector<std::string> warnings;
    if (booleanVariable(environment, "OTEL_SDK_DISABLED", warnings).value_or(false)) {
        setup.enabled = false;
    }
    if (auto name = environment("OTEL_SERVICE_NAME")) {
        setup.serviceName = *name;
    }
    if (auto attributes = environment("OTEL_RESOURCE_ATTRIBUTES")) {
        auto parsed = parseKeyValueList(*attributes);
        if (!parsed) {
            warnings.push_back("OTEL_RESOURCE_ATTRIBUTES ignored: " + parsed.status().message());
        } else {
            // The program's own attributes win over the environment's.
            for (auto &[key, value] : *parsed) {
                setup.resourceAttributes.try_emplace(key, value);
            }
        }
    }
    if (auto sampler = environment("OTEL_TRACES_SAMPLER")) {
        std::string warning;
        auto chosen = samplerFromName(*sampler, environment("OTEL_TRACES_SAMPLER_ARG"), &warning);
        if (!chosen) {
            warnings.push_back("OTEL_TRACES_SAMPLER='" + *sampler + "' is not supported; " +
                               setup.sampler->description() + " stays");
        } else {
            setup.sampler = std::move(*chosen);
        }
        if (!warning.empty()) {
            warnings.push_back(warning);
        }
    }
    if (auto exporter = environment("OTEL_TRACES_EXPORTER")) {
        const std::string kind = lower(trimWhitespace(*exporter));
        if (kind == "none") {
            setup.exportSpans = false;
        } else if (kind != "otlp") {
            warnings.push_back("OTEL_TRACES_EXPORTER='" + *exporter +
                               "' is not supported; otlp is used");
        }
    }

    auto &exporter = setup.exporter;
    if (auto endpoint = exporterVariable(environment, "OTEL_EXPORTER_OTLP_ENDPOINT",
                                         "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")) {
        exporter.endpoint = std::string(trimWhitespace(*endpoint));
    }
    if (auto protocol = exporterVariable(environment, "OTEL_EXPORTER_OTLP_PROTOCOL",
                                         "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL");
        protocol && lower(trimWhitespace(*protocol)) != "grpc") {
        warnings.push_back("OTEL_EXPORTER_OTLP_PROTOCOL='" + *protocol +
                           "' is not supported; grpc is used");
    }
    if (auto headers = exporterVariable(environment, "OTEL_EXPORTER_OTLP_HEADERS",
                                        "OTEL_EXPORTER_OTLP_TRACES_HEADERS")) {
        auto parsed = parseKeyValueList(*headers);
        if (!parsed) {
            warnings.push_back("OTEL_EXPORTER_OTLP_HEADERS ignored: " + parsed.status().message());
        } else {
            for (auto &[key, value] : *parsed) {
                // gRPC metadata keys are lowercase.
                exporter.headers[lower(key)] = value;
            }
        }
    }
    const bool tracesInsecure = environment("OTEL_EXPORTER_OTLP_TRACES_INSECURE").has_value();
    if (auto insecure = booleanVariable(environment,
                                        tracesInsecure ? "OTEL_EXPORTER_OTLP_TRACES_INSECURE"
                                                       : "OTEL_EXPORTER_OTLP_INSECURE",
                                        warnings)) {
        exporter.insecure = *insecure;
    }
    if (auto certificate = exporterVariable(environment, "OTEL_EXPORTER_OTLP_CERTIFICATE",
                                            "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE")) {
        exporter.certificateFile = *certificate;
    }
    const bool tracesTimeout = environment("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT").has_value();
    if (auto timeout = timeoutVariable(environment,
                                       tracesTimeout ? "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"
                                                     : "OTEL_EXPORTER_OTLP_TIMEOUT",
                                       warnings)) {
        exporter.callTimeout = *timeout;
    }
    if (auto delay = integerVariable(environment, "OTEL_BSP_SCHEDULE_DELAY", true, warnings)) {
        exporter.scheduleDelay = std::chrono::milliseconds(*delay);
    }
    if (auto timeout = timeoutVariable(environment, "OTEL_BSP_EXPORT_TIMEOUT", warnings)) {
        exporter.exportTimeout = *timeout;
    }
    constexpr std::int64_t kMaxSize = std::numeric_limits<int>::max();
    if (auto size = integerVariable(environment, "OTEL_BSP_MAX_QUEUE_SIZE", true, warnings)) {
        exporter.maxQueueSize = static_cast<int>(std::min(*size, kMaxSize));
    }
    if (auto size =
            integerVariable(environment, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", true, warnings)) {
        exporter.maxExportBatchSize = static_cast<int>(std::min(*size, kMaxSize));
    }
    if (exporter.maxExportBatchSize > exporter.maxQueueSize) {
        warnings.push_back("OTEL_BSP_MAX_EXPORT_BATCH_SIZE (" +
                           std::to_string(exporter.maxExportBatchSize) +
                           ") is above OTEL_BSP_MAX_QUEUE_SIZE (" +
                           std::to_string(exporter.maxQueueSize) + "); the queue size is used");
        exporter.maxExportBatchSize = exporter.maxQueueSize;
    }
    return warnings;
}

opentelemetry::proto::resource::v1::Resource makeResource(const TracingSetup &setup) {
    std::map<std::string, std::string> attributes = setup.resourceAttributes;
    const auto set = [&](const std::string &key, const std::string &value) {
        if (!value.empty()) {
            attributes[key] = value;
        }
    };
    set("service.name", setup.serviceName);
    if (!attributes.count("service.name")) {
        attributes["service.name"] = "unknown_service";
    }
    set("service.version", setup.serviceVersion);
    set("aegis.colour", setup.colour);
    set("service.instance.id", setup.instanceId.empty() ? randomUuid() : setup.instanceId);
    set("telemetry.sdk.name", "libaegis-client");
    set("telemetry.sdk.language", "cpp");
    set("telemetry.sdk.version", AEGIS_VERSION);
    opentelemetry::proto::resource::v1::Resource resource;
    for (const auto &[key, value] : attributes) {
        addString(resource, key, value);
    }
    return resource;
}

StatusOr<TracerPtr> makeTracer(const TracingSetup &setup) {
    TracerOptions options;
    options.scopeName = setup.scopeName;
    options.scopeVersion = setup.scopeVersion;
    options.sampler = setup.sampler ? setup.sampler : parentBasedSampler(alwaysOnSampler());
    options.enabled = setup.enabled;
    std::shared_ptr<SpanProcessor> processor;
    if (setup.enabled && setup.exportSpans) {
        OtlpExporterOptions exporter = setup.exporter;
        exporter.resource = makeResource(setup);
        exporter.scopeName = setup.scopeName;
        exporter.scopeVersion = setup.scopeVersion;
        auto created = BatchSpanExporter::create(std::move(exporter));
        if (!created) {
            return created.status();
        }
        processor = std::move(*created);
    }
    return std::make_shared<Tracer>(std::move(options), std::move(processor));
}

std::string randomUuid() {
    const TraceId bytes = newTraceId();
    std::array<std::uint8_t, 16> uuid = bytes;
    uuid[6] = static_cast<std::uint8_t>((uuid[6] & 0x0F) | 0x40);
    uuid[8] = static_cast<std::uint8_t>((uuid[8] & 0x3F) | 0x80);
    char text[37];
    std::snprintf(text, sizeof text,
                  "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", uuid[0],
                  uuid[1], uuid[2], uuid[3], uuid[4], uuid[5], uuid[6], uuid[7], uuid[8], uuid[9],
                  uuid[10], uuid[11], uuid[12], uuid[13], uuid[14], uuid[15]);
    return text;
}

} // namespace aegis::client
