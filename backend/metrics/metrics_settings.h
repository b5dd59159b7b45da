#pragma once

#include "metrics/backend_status.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

namespace aegis::metrics {

// The metrics.* options of aegisd (resources/aegisd.yaml documents each with its default).
struct MetricsSettings {
    // [metrics.backend] managed | external | none.
    BackendMode mode = BackendMode::Managed;
    // [metrics.scrape_interval] How often targets are scraped (managed), and the step the
    // console's live charts follow.
    std::chrono::milliseconds scrapeInterval{5000};
    // [metrics.query_timeout] The longest any query through aegisd may take.
    std::chrono::milliseconds queryTimeout{30000};

    // [metrics.managed.binary] The Prometheus executable; a bare name is looked up on PATH.
    std::filesystem::path prometheusBinary = "prometheus";
    // [metrics.managed.listen] Where the child serves its API: loopback, port 0 picks one.
    std::string managedListen = "127.0.0.1:0";
    // [metrics.managed.retention_time] Samples older than this are dropped.
    std::chrono::milliseconds retentionTime{std::chrono::hours(24 * 15)};
    // [metrics.managed.retention_size] At most this much disk ("512MB", "10GB"; "" no limit).
    std::string retentionSize = "2GB";

    // [metrics.external.url] The store's base URL: its API is at <url>/api/v1/.
    std::string externalUrl;
    // [metrics.external.bearer_token_file] Sent as "Authorization: Bearer <contents>".
    std::filesystem::path bearerTokenFile;
    // [metrics.external.basic_auth_user] [metrics.external.basic_auth_password_file]
    std::string basicAuthUser;
    std::filesystem::path basicAuthPasswordFile;
    // [metrics.external.ca_file] Trust this PEM CA for an https URL (default: the system's).
    std::filesystem::path caFile;
};

// "managed", "external" or "none".
std::string_view backendModeName(BackendMode mode);

} // namespace aegis::metrics
