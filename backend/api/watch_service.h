#pragma once

#include "aegis/v1/watch.grpc.pb.h"
#include "api/api_context.h"

#include <cstddef>
#include <cstdint>

namespace aegis::api {

class AuditServiceImpl;
class ConfigServiceImpl;
class HealthServiceImpl;
class RegistryServiceImpl;
class RolloutServiceImpl;

struct WatchServiceOptions {
    // Watches one stream may carry at once; a create beyond it is refused RESOURCE_EXHAUSTED.
    std::size_t maxWatchesPerStream = 10000;
    // Bytes of messages a stream may hold for a client that reads slower than its watches
    // produce: past it, the watches holding the most are cut off (RESOURCE_EXHAUSTED, with the
    // revision to resume from) until the stream is back under it.
    std::size_t streamBytes = 16 * 1024 * 1024;
};

// The largest watch id a client may choose (2^53 - 1: exact in every client's numbers).
inline constexpr std::int64_t kMaxWatchId = (std::int64_t{1} << 53) - 1;

// WatchService: many watches on one bidirectional stream, each exactly the per-watcher RPC it
// names (opened through that service's openWatch(), authorised against its permission entry).
// Served from raw bytes: requests are parsed here (a message that does not parse ends the stream
// with INVALID_ARGUMENT), and each event is framed as its watch id followed by the per-watcher
// message's bytes, without building a WatchResponse. Messages that queue while a write is in
// flight go out together as one WatchResponse's `batch`, framed around the same bytes: a stream
// needs a write per burst, not one per watch.
class WatchServiceImpl final : public aegis::v1::WatchService::CallbackService {
public:
    // Not owned; the services outlive this one.
    struct Sources {
        RegistryServiceImpl &registry;
        ConfigServiceImpl &config;
        HealthServiceImpl &health;
        RolloutServiceImpl &rollouts;
        AuditServiceImpl &audit;
    };

    WatchServiceImpl(ApiContext &api, Sources sources, WatchServiceOptions options = {});

private:
    ApiContext &m_api;
    const Sources m_sources;
    const WatchServiceOptions m_options;
};

} // namespace aegis::api
