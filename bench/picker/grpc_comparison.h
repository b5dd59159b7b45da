#pragma once

#include <chrono>
#include <vector>

namespace aegis::bench {

// Unary calls through gRPC C++'s own round_robin policy (one channel over every instance) against
// the SDK's RoundRobin picker choosing one channel per instance, to the same local servers: what
// a pick costs inside a real call. Prints a markdown table to stdout.
void compareWithGrpcRoundRobin(const std::vector<int> &instanceCounts, int concurrency,
                               std::chrono::milliseconds warmup, std::chrono::milliseconds window);

} // namespace aegis::bench
