#pragma once

// One-off reads of a running HAProxy through its admin socket, with the haproxy router's own
// runtime client on an io_context of their own (header-only: only tests that link aegis_rollout
// include it).

#include "common/status.h"
#include "poll_until.h"
#include "rollout/haproxy_runtime.h"

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace aegis::testing {

// `show servers state` of `backend`.
inline StatusOr<std::vector<rollout::ServerState>> haproxyServersState(const std::string &socket,
                                                                       const std::string &backend) {
    boost::asio::io_context io;
    const rollout::HaproxyRuntime runtime(io.get_executor(), {socket, {}, 0},
                                          std::chrono::seconds(2));
    std::optional<StatusOr<std::vector<rollout::ServerState>>> result;
    runtime.showServersState(
        backend, [&](StatusOr<std::vector<rollout::ServerState>> states) { result = states; });
    io.run();
    return result ? *result : internalError("show servers state did not complete");
}

// HAProxy's CumReq: the requests it received since it started; -1 when unreadable.
inline long haproxyCumulativeRequests(const std::string &socket) {
    boost::asio::io_context io;
    const rollout::HaproxyRuntime runtime(io.get_executor(), {socket, {}, 0},
                                          std::chrono::seconds(2));
    long requests = -1;
    runtime.execute({"show info"}, [&](StatusOr<std::vector<std::string>> answers) {
        static const std::regex cumulative(R"(CumReq: (\d+))");
        std::smatch match;
        if (answers && !answers->empty() &&
            std::regex_search(answers->front(), match, cumulative)) {
            requests = std::stol(match[1]);
        }
    });
    io.run();
    return requests;
}

// Whether `count` more requests pass through HAProxy (a load generator's traffic is flowing).
inline bool haproxyPassesRequests(const std::string &socket, long count) {
    const long before = haproxyCumulativeRequests(socket);
    return before >= 0 &&
           pollUntil([&] { return haproxyCumulativeRequests(socket) >= before + count; });
}

} // namespace aegis::testing
