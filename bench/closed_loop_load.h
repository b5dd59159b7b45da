#pragma once

#include <grpcpp/support/status.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace aegis::bench {

// Starts one asynchronous call for `slot` (in [0, concurrency)) and invokes `done` exactly once,
// from any thread, when the call completes. Calls for one slot never overlap, so state kept per
// slot needs no lock. Must not block.
using CallStarter = std::function<void(int slot, std::function<void(const grpc::Status &)> done)>;

struct LoadResult {
    int concurrency = 0;
    std::chrono::duration<double> window{0};
    // Calls that completed inside the measuring window.
    std::uint64_t succeeded = 0;
    std::uint64_t failed = 0;
    std::string firstError;
    double p50Ms = 0;
    double p99Ms = 0;

    double callsPerSecond() const { return window.count() > 0 ? succeeded / window.count() : 0; }
};

// Runs a closed loop: `concurrency` calls are always outstanding, each slot starting its next call
// from the previous one's completion. Nothing is counted during `warmup`; then calls completing
// within `window` are counted and timed; then the loop drains. `onWindow` runs at the start and
// end of the window (to sample CPU time), on the calling thread.
LoadResult runClosedLoop(int concurrency, const CallStarter &start,
                         std::chrono::milliseconds warmup, std::chrono::milliseconds window,
                         const std::function<void(bool starting)> &onWindow = {});

} // namespace aegis::bench
