#pragma once

#include "rollout/haproxy_runtime.h"
#include "rollout/traffic_router.h"

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace aegis::rollout {

// The parameters of the "haproxy" router (RouteRequest::params), parsed and checked.
struct HaproxyRouteParams {
    // "socket": the runtime API, an absolute unix socket path or host:port; it must be a
    // `stats socket ... level admin` for apply() (current() only reads).
    RuntimeAddress socket;
    // "backend": the HAProxy backend holding both colours' servers.
    std::string backend;
    // "blue_servers", "green_servers": comma-separated names of each colour's servers ("slots")
    // in that backend; distinct.
    std::vector<std::string> blueServers;
    std::vector<std::string> greenServers;
    // "bind_addresses" ("true"/"false", default false): point a colour's slots at the request's
    // endpoints of that colour before giving it traffic; slots beyond them go into maintenance.
    bool bindAddresses = false;
    // "timeout" (a duration, default 2s): bounds each exchange with the runtime API.
    std::chrono::milliseconds timeout{2000};

    const std::vector<std::string> &servers(Color color) const {
        return color == Color::Blue ? blueServers : greenServers;
    }
};

// INVALID_ARGUMENT naming the parameter.
StatusOr<HaproxyRouteParams>
parseHaproxyRouteParams(const std::map<std::string, std::string> &params);

// The weight each of a colour's `servers` active servers gets for `sharePercent` of the traffic:
// round(share * 256 / 100 / servers), at least 1 when the share is not 0. HAProxy weights range
// over 0..256, so the two colours' servers add up to about 256.
int haproxyServerWeight(int sharePercent, int servers);

// "haproxy": splits a backend's traffic between the colours' servers through HAProxy's runtime
// API, never reloading HAProxy or writing its configuration. apply() sends one batch: first the
// colours receiving traffic get their weights (and, with bind_addresses, their addresses) and are
// made ready, then a colour at 0% is drained (it finishes the requests it has but gets no new
// ones, so a switch fails no request); then it reads `show servers state` back and completes with
// OK only when every server shows the expected weight and state. current() derives the split from
// the weights of the servers that take traffic (drained or in maintenance count as 0).
//
// Stateless between calls, so one instance serves every rollout; calls may come from any thread.
// Callbacks run on `executor`.
class HaproxyRouter final : public TrafficRouter {
public:
    explicit HaproxyRouter(boost::asio::any_io_executor executor);

    // What describe() returns, also without an instance.
    static const ExtensionDescription &description();
    const ExtensionDescription &describe() const override { return description(); }
    Status validate(const std::map<std::string, std::string> &params) const override;
    void apply(const RouteRequest &request, std::function<void(Status)> done) override;
    void current(const RouteRequest &request,
                 std::function<void(StatusOr<TrafficSplit>)> done) override;

private:
    // Not owned: its io_context must outlive the calls in flight.
    boost::asio::any_io_executor m_executor;
};

} // namespace aegis::rollout
