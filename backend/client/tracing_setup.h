#pragma once

#include "client/otlp_exporter.h"
#include "client/sampler.h"
#include "client/tracer.h"
#include "common/status.h"

#include "opentelemetry/proto/resource/v1/resource.pb.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aegis::client {

// What a program says about its tracing, before the OTEL_* environment variables are applied.
// Everything here has an environment variable of OpenTelemetry's SDK specification that
// overrides it (applyEnvironment), so an operator can redirect, sample or silence any service.
struct TracingSetup {
    // [OTEL_SDK_DISABLED=true turns it off] Off: spans only pass their parent's context on.
    bool enabled = true;
    // The resource. [OTEL_SERVICE_NAME] overrides serviceName; [OTEL_RESOURCE_ATTRIBUTES]
    // adds attributes, below the ones set here.
    std::string serviceName;
    std::string serviceVersion;
    // The release colour, written as "aegis.colour" (what aegisd splits traces by).
    std::string colour;
    // "service.instance.id"; empty: a random UUID per process.
    std::string instanceId;
    std::map<std::string, std::string> resourceAttributes;
    // [OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG] Default parentbased_always_on.
    SamplerPtr sampler = parentBasedSampler(alwaysOnSampler());
    // [OTEL_TRACES_EXPORTER=none] Whether spans are exported at all.
    bool exportSpans = true;
    // [OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, _HEADERS, _INSECURE, _CERTIFICATE, _TIMEOUT;
    // OTEL_BSP_SCHEDULE_DELAY, _EXPORT_TIMEOUT, _MAX_QUEUE_SIZE, _MAX_EXPORT_BATCH_SIZE]
    // Its resource and scope are filled from the fields above.
    OtlpExporterOptions exporter;
    std::string scopeName = "aegis";
    std::string scopeVersion;
};

// Reads one environment variable; nullopt when unset. An empty value counts as unset.
using Environment = std::function<std::optional<std::string>(const char *name)>;
// The process's environment (getenv).
Environment processEnvironment();

// Overlays the OTEL_* variables on `setup` as OpenTelemetry's SDK specification defines them
// (names, defaults, precedence of the signal-specific ones). A value that cannot be used is
// ignored and named in the returned warnings; nothing here fails.
std::vector<std::string> applyEnvironment(TracingSetup &setup, const Environment &environment);

// "key1=value1,key2=value2" with percent-encoded keys and values (OTEL_RESOURCE_ATTRIBUTES,
// OTEL_EXPORTER_OTLP_HEADERS); INVALID_ARGUMENT naming the entry when a pair has no "=", an
// empty key or a bad %-escape.
StatusOr<std::map<std::string, std::string>> parseKeyValueList(std::string_view text);

// The resource: service.name ("unknown_service" when none), service.version, aegis.colour,
// service.instance.id, telemetry.sdk.*, then resourceAttributes below them.
opentelemetry::proto::resource::v1::Resource makeResource(const TracingSetup &setup);

// The sampler an OTEL_TRACES_SAMPLER value names, with its argument; nullopt for an unknown
// name, and a warning in `warning` when the argument was not usable (the default 1.0 is used).
std::optional<SamplerPtr> samplerFromName(std::string_view name,
                                          const std::optional<std::string> &argument,
                                          std::string *warning = nullptr);

// A tracer for `setup` (environment already applied, or not: the caller decides): with the
// batching OTLP exporter when enabled and exporting. INVALID_ARGUMENT for bad exporter options.
StatusOr<TracerPtr> makeTracer(const TracingSetup &setup);

// A random UUID (version 4), e.g. for service.instance.id.
std::string randomUuid();

} // namespace aegis::client
