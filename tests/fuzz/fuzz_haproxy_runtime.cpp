// What HAProxy's runtime API answers (`show servers state`, errors of other commands) and the
// runtime address a rollout spec names. The answers come from a process outside Aegis's control.
// Input: the text, for all three parsers.

#include "rollout/haproxy_runtime.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const std::string_view text(reinterpret_cast<const char *>(data), size);
    (void)aegis::rollout::parseServersState(text);
    (void)aegis::rollout::checkRuntimeAnswer("set server app/blue-1 state ready", text);
    (void)aegis::rollout::parseRuntimeAddress(text, "socket");
    return 0;
}
