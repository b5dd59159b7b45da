// Registers this process as an instance of a service, follows the service's instances and picks
// among them, then shuts down gracefully (deregister first, then drain).
//
//   aegis-client-example [--address host:port] [--token-file path] [--service name]
//                        [--id instance-id] [--port port]
//
// The token needs the "service" role (or admin). Without --token-file the local daemon's
// admin token is used (defaultTokenFile()).

#include "client/circuit_breaker.h"
#include "client/connection.h"
#include "client/discovery.h"
#include "client/rate_limiter.h"
#include "client/registration.h"

#include <csignal>
#include <iostream>
#include <string>
#include <unistd.h>

using namespace aegis;
using namespace std::chrono_literals;

namespace {

volatile std::sig_atomic_t g_stop = 0;

void onSignal(int) {
    g_stop = 1;
}

} // namespace

int main(int argc, char **argv) {
    client::ConnectionOptions connection;
    connection.tokenFile = client::defaultTokenFile();
    std::string service = "example-svc";
    std::string port = "8080";
    std::string id;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        const std::string value = argv[i + 1];
        if (flag == "--address") {
            connection.address = value;
        } else if (flag == "--token-file") {
            connection.tokenFile = value;
        } else if (flag == "--service") {
            service = value;
        } else if (flag == "--id") {
            id = value;
        } else if (flag == "--port") {
            port = value;
        } else {
            std::cerr << "unknown flag " << flag << "\n";
            return 2;
        }
    }
    if (id.empty()) {
        id = service + "-" + std::to_string(::getpid());
    }

    auto channel = client::makeChannel(connection);
    if (!channel) {
        std::cerr << channel.status().toString() << "\n";
        return 1;
    }

    client::RegistrationOptions self;
    self.service = service;
    self.instanceId = id;
    self.address = "127.0.0.1:" + port;
    self.labels = {{"version", "1.0.0"}};
    self.ttl = 10s;
    auto registration =
        client::Registration::start(*channel, self, [](const client::Registration::Snapshot &s) {
            std::cout << "registration: " << client::toString(s.state) << " lease " << s.leaseId
                      << (s.lastError.isOk() ? "" : " (" + s.lastError.toString() + ")") << "\n";
        });
    if (!registration) {
        std::cerr << registration.status().toString() << "\n";
        return 1;
    }

    client::DiscoveryOptions peers;
    peers.service = service;
    peers.strategy = client::Strategy::WeightedRoundRobin;
    auto discovery = client::Discovery::start(
        *channel, peers, [](const std::vector<client::Endpoint> &instances) {
            std::cout << "discovery: " << instances.size() << " instance(s)\n";
        });
    if (!discovery) {
        std::cerr << discovery.status().toString() << "\n";
        return 1;
    }

    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);

    // Guards every outgoing call: a limiter keeps us polite, a breaker fails fast when the
    // peers keep failing. Here the "call" is only printed.
    client::RateLimiter limiter({/*rate=*/5, /*burst=*/5});
    client::CircuitBreaker breaker;
    (*registration)->waitUntilRegistered(10s);
    (*discovery)->waitUntilReady(10s);
    for (int i = 0; i < 20 && !g_stop; ++i) {
        if (!limiter.acquire(std::chrono::steady_clock::now() + 1s)) {
            continue;
        }
        auto permit = breaker.admit(); // fails fast while the breaker is open
        if (!permit) {
            continue;
        }
        if (auto pick = (*discovery)->pick()) {
            std::cout << "request " << i << " -> " << pick->endpoint.id << " at "
                      << pick->endpoint.address << "\n";
            permit->success(); // a real service reports the outcome of its call here
        } else {
            std::cout << "request " << i << ": no instance to send it to\n";
            permit->cancel();
        }
    }

    // Graceful shutdown: leave the registry first so callers stop picking us, then drain.
    const Status left = (*registration)->deregister();
    std::cout << "deregistered: " << left.toString() << "\n";
    return left.isOk() ? 0 : 1;
}
