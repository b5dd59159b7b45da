#pragma once

#include <client/connection.h>
#include <common/status.h>

#include <map>
#include <string>
#include <vector>

namespace aegis::testing {

// An instance to register, as a test or a screenshot wants it.
struct FleetInstance {
    std::string service;
    std::string id;
    std::string address;
    std::map<std::string, std::string> labels;
};

// Three services of three instances each, labelled version, color (blue/green) and zone (a/b/c).
std::vector<FleetInstance> demoFleet();

// Registers every instance through RegistryService.RegisterInstance, each under its own lease of
// `ttlSeconds` (nobody keeps it alive, so pick a TTL longer than the run), with the token in
// `connection` (admin or service).
Status registerFleet(const client::ConnectionOptions &connection,
                     const std::vector<FleetInstance> &fleet, int ttlSeconds = 3600);

// The daemon config the demo health needs: callers' reports may eject a third of a service, for
// an hour. Pass it to aegisd with --config.
std::string demoHealthConfig();

// Puts the demo fleet into every health state, through HealthService alone (ttl checks that take
// reports, callers' failure reports): checkout passing / warning / critical and in panic (its
// threshold is 30 %), payments passing / flapping / ejected, inventory without a check (unknown).
// Returns once the daemon has accepted every report; the states follow within moments.
Status seedDemoHealth(const client::ConnectionOptions &connection);

// Publishes the demo configuration through ConfigService: namespaces prod and staging, with
// yaml, json, properties and a secret; prod/checkout/app.yaml has three versions, acknowledged
// by checkout-1 and checkout-2 at v3 and by checkout-3 at v2 (so the applied status reads "2 of
// 3 on v3; checkout-3 still on v2"). Needs the demo fleet registered and an operator or admin
// token.
Status seedDemoConfig(const client::ConnectionOptions &connection);

// Releases the demo fleet's services through RolloutService (driver "external", router
// "registry": the fleet's instances are the deployments; each service's blue instances are
// adopted as its live colour), so the Releases page has a finished rollout, a rolled back one and
// one in progress: payments 4.1.0 on green succeeded (undo possible for an hour); inventory
// 1.13.0-rc1 rolled back at verifying (one of its two new instances registered before the
// progress deadline); a canary of checkout 2.4.0 waiting at 25 % until promoted. Needs the demo
// fleet registered (without the demo health, whose critical checkout-3 would abort the canary)
// and an operator or admin token; returns once each rollout is where it should be.
Status seedDemoRollouts(const client::ConnectionOptions &connection);

// The demo's prod/checkout/app.yaml as published at v3.
std::string demoCheckoutYaml();

} // namespace aegis::testing
