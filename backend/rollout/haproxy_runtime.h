#pragma once

#include "common/status.h"

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace aegis::rollout {

// Where HAProxy's runtime API (the "stats socket" of the global section) listens.
struct RuntimeAddress {
    // An absolute path for a unix socket; empty for TCP.
    std::string unixPath;
    std::string host;
    std::uint16_t port = 0;

    bool isUnix() const { return !unixPath.empty(); }
    // The form it was given in: "/run/haproxy/admin.sock" or "127.0.0.1:9999".
    std::string toString() const;
};

// Parses an absolute unix socket path or a host:port ("[::1]:9999" for IPv6). `field` names the
// parameter in the error message.
StatusOr<RuntimeAddress> parseRuntimeAddress(std::string_view text, std::string_view field);

// Bits of `srv_admin_state` in `show servers state` (management.txt, section 9.3).
namespace server_admin {
inline constexpr unsigned kForcedMaint = 0x01;     // SRV_ADMF_FMAINT: `set server ... state maint`
inline constexpr unsigned kInheritedMaint = 0x02;  // SRV_ADMF_IMAINT: from a tracked server
inline constexpr unsigned kConfigMaint = 0x04;     // SRV_ADMF_CMAINT: `disabled` in the config
inline constexpr unsigned kForcedDrain = 0x08;     // SRV_ADMF_FDRAIN: `set server ... state drain`
inline constexpr unsigned kInheritedDrain = 0x10;  // SRV_ADMF_IDRAIN: from a tracked server
inline constexpr unsigned kResolutionMaint = 0x20; // SRV_ADMF_RMAINT: DNS resolution failed
// HAProxy's SRV_ADMF_MAINT: the flags that take a server out of service. CMAINT is not among them:
// it stays set after `state ready` on a server that the config marks `disabled`, and such a server
// then serves traffic.
inline constexpr unsigned kMaintMask = kForcedMaint | kInheritedMaint | kResolutionMaint;
inline constexpr unsigned kDrainMask = kForcedDrain | kInheritedDrain;
} // namespace server_admin

// One row of `show servers state`.
struct ServerState {
    std::string backend;
    std::string name;
    // srv_addr as HAProxy prints it (an IP address).
    std::string address;
    // srv_port; 0 when the output has no such column.
    std::uint16_t port = 0;
    // srv_op_state: 0 stopped, 1 starting, 2 running, 3 stopping.
    int operationalState = 0;
    // srv_admin_state: a mask of server_admin bits.
    unsigned adminState = 0;
    // srv_uweight: the weight set by the config or `set server ... weight`.
    int userWeight = 0;
    // srv_iweight: the weight in the config.
    int initialWeight = 0;

    bool inMaintenance() const { return (adminState & server_admin::kMaintMask) != 0; }
    bool draining() const { return (adminState & server_admin::kDrainMask) != 0; }
    // Whether the load balancer may pick it for new requests (health checks aside).
    bool takesTraffic() const { return !inMaintenance() && !draining() && userWeight > 0; }
};

// Parses the answer to `show servers state [<backend>]`: the format version ("1"), then a "# "
// header naming the columns, then one row per server. Columns are found by their header names, so
// columns added by later HAProxy versions do not matter.
StatusOr<std::vector<ServerState>> parseServersState(std::string_view answer);

// Judges one command's answer: OK, or an error naming the command (NOT_FOUND for an unknown
// backend or server, PERMISSION_DENIED when the socket's level is too low for the command,
// UNIMPLEMENTED for a command this HAProxy does not know, FAILED_PRECONDITION for any other
// refusal). `set server` state and weight changes answer nothing when they succeed, so any answer
// to them is an error.
Status checkRuntimeAnswer(std::string_view command, std::string_view answer);

// A client for HAProxy's runtime API in its non-interactive mode: each execute() opens one
// connection, sends the commands on one line joined by ';' (HAProxy runs them in order, and runs
// every one even when an earlier one fails), reads the answers until HAProxy closes the
// connection, and splits them (HAProxy ends each command's answer with an empty line).
//
// Cheap to copy; execute() may be called from any thread, concurrently. Each call's I/O runs on
// its own strand of `executor`, which must outlive the calls in flight.
class HaproxyRuntime {
public:
    using AnswersCallback = std::function<void(StatusOr<std::vector<std::string>>)>;

    HaproxyRuntime(boost::asio::any_io_executor executor, RuntimeAddress address,
                   std::chrono::milliseconds timeout);

    // Sends `commands` (none may contain ';' or a line break) and completes with one answer per
    // command, each checked with checkRuntimeAnswer(): an error names every command that failed.
    // `timeout` bounds the whole exchange (connect, send, answers): DEADLINE_EXCEEDED; UNAVAILABLE
    // when the socket cannot be reached. `done` runs on the executor, never inside execute().
    void execute(std::vector<std::string> commands, AnswersCallback done) const;

    // `show servers state <backend>`, parsed.
    void showServersState(const std::string &backend,
                          std::function<void(StatusOr<std::vector<ServerState>>)> done) const;

    const RuntimeAddress &address() const { return m_address; }

private:
    boost::asio::any_io_executor m_executor;
    RuntimeAddress m_address;
    std::chrono::milliseconds m_timeout;
};

} // namespace aegis::rollout
