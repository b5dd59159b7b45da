// Calls a service by its name in aegisd's discovery with a plain gRPC channel: gRPC's own xDS
// resolver and load balancing, fed by aegisd, spread the calls over the service's instances as
// discovery says (routable instances only, by their traffic weights) and follow every change.
//
//   aegis-xds-example --xds host:port [--token-file path] [--service name] [--calls n]
//
// --xds is aegisd's xds.listen. Any token works (viewer is enough); without --token-file the
// local daemon's admin token is used (defaultTokenFile()). The instances are expected to serve
// grpc.health.v1.Health (grpc::EnableDefaultHealthCheckService does); the example prints which
// instance answered how many calls.

#include "client/connection.h"
#include "client/xds_channel.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <future>
#include <iostream>
#include <map>
#include <string>

using namespace aegis;
using namespace std::chrono_literals;

int main(int argc, char **argv) {
    client::XdsOptions xds;
    xds.tokenFile = client::defaultTokenFile();
    std::string service = "example-svc";
    int calls = 100;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        const std::string value = argv[i + 1];
        if (flag == "--xds") {
            xds.server = value;
        } else if (flag == "--token-file") {
            xds.tokenFile = value;
        } else if (flag == "--service") {
            service = value;
        } else if (flag == "--calls") {
            calls = std::stoi(value);
        } else {
            std::cerr << "unknown flag " << flag << "\n";
            return 2;
        }
    }

    // Once per process, before the first channel: gRPC reads its xDS bootstrap then.
    auto channel = client::makeServiceChannel("aegis:///" + service, xds);
    if (!channel) {
        std::cerr << "cannot make the channel: " << channel.status().message() << "\n";
        return 1;
    }

    // Any generated stub works on this channel; a generic one keeps the example free of protos.
    // An empty message is a valid grpc.health.v1.HealthCheckRequest (service "").
    grpc::GenericStub stub(*channel);
    std::map<std::string, int> answeredBy;
    for (int i = 0; i < calls; ++i) {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + 5s);
        context.set_wait_for_ready(true); // the first call waits for discovery's first answer
        grpc::Slice empty("");
        grpc::ByteBuffer request(&empty, 1);
        grpc::ByteBuffer response;
        std::promise<grpc::Status> done;
        stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request,
                       &response, [&done](grpc::Status status) { done.set_value(status); });
        const grpc::Status status = done.get_future().get();
        ++answeredBy[status.ok() ? context.peer() : "failed: " + status.error_message()];
    }
    for (const auto &[peer, count] : answeredBy) {
        std::cout << peer << "\t" << count << "\n";
    }
    return 0;
}
