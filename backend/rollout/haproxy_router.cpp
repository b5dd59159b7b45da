#include "rollout/haproxy_router.h"

#include "common/duration.h"
#include "validation/extension_parameters.h"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <set>

namespace aegis::rollout {

namespace asio = boost::asio;

namespace {

constexpr std::string_view kSocket = "socket";
constexpr std::string_view kBackend = "backend";
constexpr std::string_view kBlueServers = "blue_servers";
constexpr std::string_view kGreenServers = "green_servers";
constexpr std::string_view kBindAddresses = "bind_addresses";
constexpr std::string_view kTimeout = "timeout";

constexpr Color kColors[] = {Color::Blue, Color::Green};

std::string parameterError(std::string_view name, const std::string &problem) {
    return "haproxy router: parameter '" + std::string(name) + "' " + problem;
}

// HAProxy's own rule for proxy and server names; it also keeps ';' and spaces, which would split
// or garble a runtime command, out of them.
bool isValidName(std::string_view name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_' || c == '.' || c == ':';
    });
}

std::string_view trim(std::string_view text) {
    const std::size_t start = text.find_first_not_of(" \t");
    if (start == std::string_view::npos) {
        return {};
    }
    return text.substr(start, text.find_last_not_of(" \t") - start + 1);
}

StatusOr<std::vector<std::string>> parseServerList(std::string_view name, std::string_view text) {
    std::vector<std::string> servers;
    for (std::size_t pos = 0; pos <= text.size();) {
        const std::size_t comma = std::min(text.find(',', pos), text.size());
        const std::string_view server = trim(text.substr(pos, comma - pos));
        if (!isValidName(server)) {
            return invalidArgument(parameterError(
                name, "must list server names separated by commas (letters, digits, '-', '_', "
                      "'.', ':'), got '" +
                          std::string(text) + "'"));
        }
        servers.emplace_back(server);
        pos = comma + 1;
    }
    return servers;
}

// A registered instance's address as `set server ... addr` takes it: an IP address (HAProxy's
// runtime API resolves no names) and a port.
struct SlotAddress {
    asio::ip::address ip;
    std::uint16_t port = 0;
};

std::optional<SlotAddress> parseEndpointAddress(std::string_view text) {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
        return std::nullopt;
    }
    std::string_view host = text.substr(0, colon);
    if (host.starts_with('[') && host.ends_with(']')) {
        host = host.substr(1, host.size() - 2);
    }
    boost::system::error_code error;
    const auto ip = asio::ip::make_address(std::string(host), error);
    const std::string_view portText = text.substr(colon + 1);
    unsigned port = 0;
    const auto [end, portError] =
        std::from_chars(portText.data(), portText.data() + portText.size(), port);
    if (error || portError != std::errc() || end != portText.data() + portText.size() ||
        port == 0 || port > 65535) {
        return std::nullopt;
    }
    return SlotAddress{ip, static_cast<std::uint16_t>(port)};
}

enum class SlotRole {
    // Takes its colour's share: ready, with `weight`.
    Active,
    // A slot of a colour with traffic but beyond its endpoints (bind_addresses): in maintenance.
    Parked,
    // A slot of the colour at 0%: drained.
    Draining,
};

struct SlotPlan {
    std::string server;
    Color color = Color::Blue;
    SlotRole role = SlotRole::Draining;
    int weight = 0;
    // Set for active slots with bind_addresses.
    std::optional<SlotAddress> address;
};

std::string describeSplit(const TrafficSplit &split) {
    return "blue " + std::to_string(split.blue) + "% / green " + std::to_string(split.green) + "%";
}

StatusOr<std::vector<SlotPlan>> planRoute(const HaproxyRouteParams &params,
                                          const RouteRequest &request) {
    const TrafficSplit &split = request.split;
    if (split.blue < 0 || split.green < 0 ||
        (split.blue + split.green != 100 && split != TrafficSplit::neither())) {
        return invalidArgument("haproxy router: the split " + describeSplit(split) +
                               " does not add up to 100% (or 0%: neither colour)");
    }
    std::vector<SlotPlan> plan;
    for (const Color color : kColors) {
        const int share = split.share(color);
        const auto &slots = params.servers(color);
        std::size_t active = share > 0 ? slots.size() : 0;
        std::vector<SlotAddress> addresses;
        if (share > 0 && params.bindAddresses) {
            const auto &endpoints = color == Color::Blue ? request.blue : request.green;
            const std::string colour(colorName(color));
            if (endpoints.empty()) {
                return failedPrecondition("haproxy router: " + colour + " is to receive " +
                                          std::to_string(share) + "% of " + request.service +
                                          " but has no routable instances to bind to");
            }
            if (endpoints.size() > slots.size()) {
                return failedPrecondition("haproxy router: " + colour + " of " + request.service +
                                          " has " + std::to_string(endpoints.size()) +
                                          " routable instances but " + colour +
                                          "_servers names only " + std::to_string(slots.size()) +
                                          " server slots in backend '" + params.backend + "'");
            }
            for (const auto &endpoint : endpoints) {
                const auto address = parseEndpointAddress(endpoint.address);
                if (!address) {
                    return failedPrecondition(
                        "haproxy router: instance '" + endpoint.instanceId + "' has the address '" +
                        endpoint.address +
                        "', not ip:port (HAProxy's runtime API sets IP addresses, not names)");
                }
                addresses.push_back(*address);
            }
            active = addresses.size();
        }
        const int weight = haproxyServerWeight(share, static_cast<int>(active));
        for (std::size_t i = 0; i < slots.size(); ++i) {
            SlotPlan slot{slots[i], color, SlotRole::Draining, 0, std::nullopt};
            if (share > 0) {
                slot.role = i < active ? SlotRole::Active : SlotRole::Parked;
                slot.weight = i < active ? weight : 0;
                if (i < addresses.size()) {
                    slot.address = addresses[i];
                }
            }
            plan.push_back(std::move(slot));
        }
    }
    return plan;
}

// The batch for `plan`. Active slots come first, the colour with the larger share first: each gets
// its address, then its weight, and only then becomes ready, so it never takes a request with a
// stale address or weight. Parked slots and the colour at 0% follow once the others are ready.
std::vector<std::string> routeCommands(const std::string &backend, std::vector<SlotPlan> plan,
                                       const TrafficSplit &split) {
    std::stable_sort(plan.begin(), plan.end(), [&](const SlotPlan &a, const SlotPlan &b) {
        if (a.role != b.role) {
            return a.role < b.role;
        }
        return split.share(a.color) > split.share(b.color);
    });
    std::vector<std::string> commands;
    for (const auto &slot : plan) {
        const std::string server = "set server " + backend + "/" + slot.server;
        switch (slot.role) {
        case SlotRole::Active:
            if (slot.address) {
                commands.push_back(server + " addr " + slot.address->ip.to_string() + " port " +
                                   std::to_string(slot.address->port));
            }
            commands.push_back(server + " weight " + std::to_string(slot.weight));
            commands.push_back(server + " state ready");
            break;
        case SlotRole::Parked:
            commands.push_back(server + " state maint");
            break;
        case SlotRole::Draining:
            commands.push_back(server + " state drain");
            break;
        }
    }
    return commands;
}

std::string hex(unsigned value) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "0x%x", value);
    return buffer;
}

const ServerState *findServer(const std::vector<ServerState> &states, const std::string &name) {
    const auto it = std::find_if(states.begin(), states.end(),
                                 [&](const ServerState &state) { return state.name == name; });
    return it == states.end() ? nullptr : &*it;
}

// Why `state` is not what `slot` asks for; empty when it is.
std::string slotMismatch(const SlotPlan &slot, const ServerState &state) {
    const std::string admin = " (srv_admin_state " + hex(state.adminState) + ")";
    switch (slot.role) {
    case SlotRole::Active:
        if (state.inMaintenance()) {
            return "is in maintenance" + admin;
        }
        if (state.draining()) {
            return "is draining" + admin;
        }
        if (state.userWeight != slot.weight) {
            return "has weight " + std::to_string(state.userWeight) + ", expected " +
                   std::to_string(slot.weight);
        }
        if (slot.address) {
            boost::system::error_code error;
            const auto ip = asio::ip::make_address(state.address, error);
            if (error || ip != slot.address->ip || state.port != slot.address->port) {
                return "has the address " + state.address + ":" + std::to_string(state.port) +
                       ", expected " + slot.address->ip.to_string() + ":" +
                       std::to_string(slot.address->port);
            }
        }
        return {};
    case SlotRole::Parked:
        return (state.adminState & server_admin::kForcedMaint) ? std::string()
                                                               : "is not in maintenance" + admin;
    case SlotRole::Draining:
        return state.draining() ? std::string() : "is not draining" + admin;
    }
    return {};
}

Status verifyRoute(const HaproxyRouteParams &params, const std::vector<SlotPlan> &plan,
                   const TrafficSplit &split, const std::vector<ServerState> &states) {
    std::string problems;
    for (const auto &slot : plan) {
        const ServerState *state = findServer(states, slot.server);
        const std::string problem =
            state ? slotMismatch(slot, *state) : std::string("is missing from the backend");
        if (!problem.empty()) {
            problems += (problems.empty() ? "" : "; ") + ("server " + slot.server + " " + problem);
        }
    }
    if (problems.empty()) {
        return Status::ok();
    }
    return failedPrecondition("haproxy router: after applying " + describeSplit(split) +
                              ", backend '" + params.backend + "' at " + params.socket.toString() +
                              " shows: " + problems);
}

// NOT_FOUND naming every server of the parameters that `states` lacks.
Status checkServersExist(const HaproxyRouteParams &params, const std::vector<ServerState> &states) {
    std::string missing;
    for (const Color color : kColors) {
        for (const auto &server : params.servers(color)) {
            if (!findServer(states, server)) {
                missing += (missing.empty() ? "'" : ", '") + server + "' (" +
                           std::string(colorName(color)) + "_servers)";
            }
        }
    }
    if (missing.empty()) {
        return Status::ok();
    }
    return notFound("haproxy router: backend '" + params.backend + "' at " +
                    params.socket.toString() + " has no server " + missing);
}

StatusOr<TrafficSplit> splitFromStates(const HaproxyRouteParams &params,
                                       const std::vector<ServerState> &states) {
    if (Status exist = checkServersExist(params, states); !exist.isOk()) {
        return exist;
    }
    // The weights of each colour's servers that take traffic.
    std::map<Color, std::vector<int>> weights{{Color::Blue, {}}, {Color::Green, {}}};
    long long blueTotal = 0;
    long long total = 0;
    for (const Color color : kColors) {
        for (const auto &server : params.servers(color)) {
            const ServerState *state = findServer(states, server);
            if (state->takesTraffic()) {
                weights.at(color).push_back(state->userWeight);
                total += state->userWeight;
                blueTotal += color == Color::Blue ? state->userWeight : 0;
            }
        }
    }
    if (total == 0) {
        return TrafficSplit::neither(); // all drained, in maintenance or at weight 0
    }
    int estimate = static_cast<int>((blueTotal * 200 + total) / (total * 2));
    // A colour with traffic keeps at least 1%, so a tiny canary does not read as none.
    estimate = std::clamp(estimate, blueTotal > 0 ? 1 : 0, blueTotal < total ? 99 : 100);
    // Weights apply() set map back to its split exactly; the estimate can be off by one there.
    const auto matches = [&](Color color, int share) {
        const auto &colour = weights.at(color);
        if (share == 0) {
            return colour.empty();
        }
        const int expected = haproxyServerWeight(share, static_cast<int>(colour.size()));
        return !colour.empty() && std::all_of(colour.begin(), colour.end(),
                                              [&](int weight) { return weight == expected; });
    };
    std::optional<int> best;
    for (int blue = 0; blue <= 100; ++blue) {
        if (matches(Color::Blue, blue) && matches(Color::Green, 100 - blue) &&
            (!best || std::abs(blue - estimate) < std::abs(*best - estimate))) {
            best = blue;
        }
    }
    const int blue = best.value_or(estimate);
    return TrafficSplit{blue, 100 - blue};
}

// One apply(): reads the backend to check that every named server exists (so a mistyped name
// changes nothing), sends the batch, reads the backend back and verifies it. Each step's callback
// holds the operation.
class ApplyOperation : public std::enable_shared_from_this<ApplyOperation> {
public:
    ApplyOperation(HaproxyRuntime runtime, HaproxyRouteParams params, std::vector<SlotPlan> plan,
                   TrafficSplit split, std::function<void(Status)> done)
        : m_runtime(std::move(runtime))
        , m_params(std::move(params))
        , m_plan(std::move(plan))
        , m_split(split)
        , m_done(std::move(done)) {}

    void start() {
        m_runtime.showServersState(
            m_params.backend,
            [self = shared_from_this()](StatusOr<std::vector<ServerState>> states) {
                Status status =
                    states ? checkServersExist(self->m_params, *states) : states.status();
                if (!status.isOk()) {
                    self->m_done(std::move(status));
                    return;
                }
                self->send();
            });
    }

private:
    void send() {
        m_runtime.execute(routeCommands(m_params.backend, m_plan, m_split),
                          [self = shared_from_this()](StatusOr<std::vector<std::string>> answers) {
                              if (!answers) {
                                  self->m_done(answers.status());
                                  return;
                              }
                              self->verify();
                          });
    }

    void verify() {
        m_runtime.showServersState(
            m_params.backend,
            [self = shared_from_this()](StatusOr<std::vector<ServerState>> states) {
                self->m_done(states
                                 ? verifyRoute(self->m_params, self->m_plan, self->m_split, *states)
                                 : states.status());
            });
    }

    HaproxyRuntime m_runtime;
    HaproxyRouteParams m_params;
    std::vector<SlotPlan> m_plan;
    TrafficSplit m_split;
    std::function<void(Status)> m_done;
};

const ExtensionDescription &haproxyRouterDescription() {
    static const ExtensionDescription description{
        ExtensionKind::TrafficRouter,
        "haproxy",
        "HAProxy",
        "Sets the weights of a backend's servers through HAProxy's runtime API, without reloads.",
        {
            {.name = std::string(kSocket),
             .type = ParameterType::String,
             .required = true,
             .description =
                 "the absolute path or host:port of a `stats socket ... level admin` of HAProxy",
             .placeholder = "/run/haproxy/admin.sock"},
            {.name = std::string(kBackend),
             .type = ParameterType::String,
             .required = true,
             .description = "the HAProxy backend holding both colours' servers",
             .placeholder = "checkout"},
            {.name = std::string(kBlueServers),
             .type = ParameterType::StringList,
             .required = true,
             .description = "the comma-separated names of the blue servers in the backend",
             .placeholder = "blue1,blue2"},
            {.name = std::string(kGreenServers),
             .type = ParameterType::StringList,
             .required = true,
             .description = "the comma-separated names of the green servers in the backend",
             .placeholder = "green1,green2"},
            {.name = std::string(kBindAddresses),
             .type = ParameterType::Boolean,
             .defaultValue = "false",
             .description =
                 "point a colour's servers at its registered instances before giving it traffic",
             .placeholder = "false"},
            {.name = std::string(kTimeout),
             .type = ParameterType::Duration,
             .defaultValue = "2s",
             .description = "how long each exchange with the runtime API may take",
             .placeholder = "2s"},
        }};
    return description;
}

} // namespace

StatusOr<HaproxyRouteParams>
parseHaproxyRouteParams(const std::map<std::string, std::string> &params) {
    if (Status status = validation::validateExtensionParameters(haproxyRouterDescription(), params);
        !status.isOk()) {
        return status;
    }
    const auto required = [&](std::string_view name) -> const std::string * {
        const auto it = params.find(std::string(name));
        return it == params.end() || trim(it->second).empty() ? nullptr : &it->second;
    };
    HaproxyRouteParams parsed;

    const std::string *socket = required(kSocket);
    if (!socket) {
        return invalidArgument(parameterError(
            kSocket, "is required: the absolute path or host:port of a `stats socket ... level "
                     "admin` of HAProxy"));
    }
    auto address = parseRuntimeAddress(*socket, "haproxy router: parameter 'socket'");
    if (!address) {
        return address.status();
    }
    parsed.socket = std::move(*address);

    const std::string *backend = required(kBackend);
    if (!backend) {
        return invalidArgument(parameterError(kBackend, "is required: the HAProxy backend name"));
    }
    if (!isValidName(*backend)) {
        return invalidArgument(parameterError(
            kBackend, "must be a backend name (letters, digits, '-', '_', '.', ':'), got '" +
                          *backend + "'"));
    }
    parsed.backend = *backend;

    std::set<std::string> seen;
    for (const Color color : kColors) {
        const std::string_view name = color == Color::Blue ? kBlueServers : kGreenServers;
        const std::string *list = required(name);
        if (!list) {
            return invalidArgument(
                parameterError(name, "is required: the comma-separated names of the " +
                                         std::string(colorName(color)) + " servers in backend '" +
                                         parsed.backend + "'"));
        }
        auto servers = parseServerList(name, *list);
        if (!servers) {
            return servers.status();
        }
        for (const auto &server : *servers) {
            if (!seen.insert(server).second) {
                return invalidArgument(
                    parameterError(name, "names server '" + server +
                                             "' twice or also in the other colour's list"));
            }
        }
        (color == Color::Blue ? parsed.blueServers : parsed.greenServers) = std::move(*servers);
    }

    if (const auto it = params.find(std::string(kBindAddresses)); it != params.end()) {
        parsed.bindAddresses = it->second == "true";
    }

    if (const auto it = params.find(std::string(kTimeout)); it != params.end()) {
        auto timeout = parseDuration(it->second, "haproxy router: parameter 'timeout'");
        if (!timeout) {
            return timeout.status();
        }
        if (timeout->count() <= 0) {
            return invalidArgument(parameterError(kTimeout, "must be longer than 0"));
        }
        parsed.timeout = *timeout;
    }
    return parsed;
}

int haproxyServerWeight(int sharePercent, int servers) {
    if (sharePercent <= 0 || servers <= 0) {
        return 0;
    }
    const int weight = (sharePercent * 256 + 50 * servers) / (100 * servers);
    return std::clamp(weight, 1, 256);
}

HaproxyRouter::HaproxyRouter(asio::any_io_executor executor)
    : m_executor(std::move(executor)) {}

const ExtensionDescription &HaproxyRouter::description() {
    return haproxyRouterDescription();
}

Status HaproxyRouter::validate(const std::map<std::string, std::string> &params) const {
    return parseHaproxyRouteParams(params).status();
}

void HaproxyRouter::apply(const RouteRequest &request, std::function<void(Status)> done) {
    auto params = parseHaproxyRouteParams(request.params);
    auto plan =
        params ? planRoute(*params, request) : StatusOr<std::vector<SlotPlan>>(params.status());
    if (!plan) {
        asio::post(m_executor, [done = std::move(done), status = plan.status()] { done(status); });
        return;
    }
    HaproxyRuntime runtime(m_executor, params->socket, params->timeout);
    std::make_shared<ApplyOperation>(std::move(runtime), std::move(*params), std::move(*plan),
                                     request.split, std::move(done))
        ->start();
}

void HaproxyRouter::current(const RouteRequest &request,
                            std::function<void(StatusOr<TrafficSplit>)> done) {
    auto params = parseHaproxyRouteParams(request.params);
    if (!params) {
        asio::post(m_executor,
                   [done = std::move(done), status = params.status()] { done(status); });
        return;
    }
    const HaproxyRuntime runtime(m_executor, params->socket, params->timeout);
    const std::string backend = params->backend;
    runtime.showServersState(backend, [params = std::move(*params), done = std::move(done)](
                                          StatusOr<std::vector<ServerState>> states) {
        if (!states) {
            done(states.status());
            return;
        }
        done(splitFromStates(params, *states));
    });
}

} // namespace aegis::rollout
