#include "fleet_seeder.h"

#include <aegis/v1/registry.grpc.pb.h>

#include <chrono>

namespace aegis::testing {

std::vector<FleetInstance> demoFleet() {
    struct ServiceShape {
        const char *name;
        int port;
        const char *blueVersion;
        const char *greenVersion;
    };
    const ServiceShape services[] = {{"checkout", 8080, "2.3.1", "2.4.0"},
                                     {"inventory", 9090, "1.12.0", "1.13.0-rc1"},
                                     {"payments", 7070, "4.0.2", "4.1.0"}};
    const char *zones[] = {"a", "b", "c"};
    std::vector<FleetInstance> fleet;
    int host = 11;
    for (const ServiceShape &service : services) {
        for (int i = 0; i < 3; ++i) {
            // Two blue instances and one green one: a rollout in progress.
            const bool green = i == 2;
            FleetInstance instance;
            instance.service = service.name;
            instance.id = std::string(service.name) + "-" + std::to_string(i + 1);
            instance.address =
                "10.0.1." + std::to_string(host++) + ":" + std::to_string(service.port);
            instance.labels = {{"version", green ? service.greenVersion : service.blueVersion},
                               {"color", green ? "green" : "blue"},
                               {"zone", zones[i]}};
            fleet.push_back(std::move(instance));
        }
    }
    return fleet;
}

Status registerFleet(const client::ConnectionOptions &connection,
                     const std::vector<FleetInstance> &fleet, int ttlSeconds) {
    auto channel = client::makeChannel(connection);
    if (!channel) {
        return channel.status();
    }
    auto stub = v1::RegistryService::NewStub(*channel);
    for (const FleetInstance &instance : fleet) {
        grpc::ClientContext context;
        client::setTimeout(context, std::chrono::seconds(5));
        v1::RegisterInstanceRequest request;
        request.set_ttl_seconds(ttlSeconds);
        auto *proto = request.mutable_instance();
        proto->set_service(instance.service);
        proto->set_id(instance.id);
        proto->set_address(instance.address);
        for (const auto &[key, value] : instance.labels) {
            (*proto->mutable_labels())[key] = value;
        }
        v1::RegisterInstanceResponse response;
        const grpc::Status status = stub->RegisterInstance(&context, request, &response);
        if (!status.ok()) {
            return {static_cast<StatusCode>(status.error_code()),
                    "registering " + instance.service + "/" + instance.id + ": " +
                        status.error_message()};
        }
    }
    return Status::ok();
}

} // namespace aegis::testing
