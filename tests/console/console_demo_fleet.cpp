// Registers the demo fleet (three services of three instances) with a running aegisd, so the
// console's Services page has something to show before the sample services exist; with
// --rollouts it then releases them through rollouts for the Releases page (seedDemoRollouts):
//   console-demo-fleet HOST:PORT TOKEN_FILE [TTL_SECONDS] [--rollouts]
#include "fleet_seeder.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

int main(int argc, char *argv[]) {
    bool rollouts = false;
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) {
        if (std::string(argv[i]) == "--rollouts") {
            rollouts = true;
        } else {
            args.emplace_back(argv[i]);
        }
    }
    if (args.size() < 2) {
        std::fprintf(stderr, "usage: %s HOST:PORT TOKEN_FILE [TTL_SECONDS] [--rollouts]\n",
                     argv[0]);
        return 2;
    }
    aegis::client::ConnectionOptions connection;
    connection.address = args[0];
    connection.tokenFile = args[1];
    const int ttl = args.size() > 2 ? std::atoi(args[2].c_str()) : 3600;
    const auto fleet = aegis::testing::demoFleet();
    const aegis::Status status = aegis::testing::registerFleet(connection, fleet, ttl);
    if (!status.isOk()) {
        std::fprintf(stderr, "console-demo-fleet: %s\n", status.toString().c_str());
        return 1;
    }
    std::printf("registered %zu instances at %s\n", fleet.size(), args[0].c_str());
    if (rollouts) {
        const aegis::Status released = aegis::testing::seedDemoRollouts(connection);
        if (!released.isOk()) {
            std::fprintf(stderr, "console-demo-fleet: %s\n", released.toString().c_str());
            return 1;
        }
        std::printf("released payments, inventory and checkout through rollouts\n");
    }
    return 0;
}
