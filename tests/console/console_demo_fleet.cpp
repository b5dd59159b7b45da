// Registers the demo fleet (three services of three instances) with a running aegisd, so the
// console's Services page has something to show before the sample services exist:
//   console-demo-fleet HOST:PORT TOKEN_FILE [TTL_SECONDS]
#include "fleet_seeder.h"

#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char *argv[]) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s HOST:PORT TOKEN_FILE [TTL_SECONDS]\n", argv[0]);
        return 2;
    }
    aegis::client::ConnectionOptions connection;
    connection.address = argv[1];
    connection.tokenFile = argv[2];
    const int ttl = argc > 3 ? std::atoi(argv[3]) : 3600;
    const auto fleet = aegis::testing::demoFleet();
    const aegis::Status status = aegis::testing::registerFleet(connection, fleet, ttl);
    if (!status.isOk()) {
        std::fprintf(stderr, "console-demo-fleet: %s\n", status.toString().c_str());
        return 1;
    }
    std::printf("registered %zu instances at %s\n", fleet.size(), argv[1]);
    return 0;
}
