#include "fleet_seeder.h"

#include <aegis/v1/config.grpc.pb.h>
#include <aegis/v1/health.grpc.pb.h>
#include <aegis/v1/registry.grpc.pb.h>
#include <aegis/v1/rollout.grpc.pb.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <thread>

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

namespace {

Status fromGrpc(const grpc::Status &status, const std::string &what) {
    if (status.ok()) {
        return Status::ok();
    }
    return {static_cast<StatusCode>(status.error_code()), what + ": " + status.error_message()};
}

// A ttl check that follows every report at once (rise and fall 1).
v1::HealthCheck reportedCheck(double panicThreshold, int flapMaxTransitions) {
    v1::HealthCheck check;
    check.set_kind("ttl");
    (*check.mutable_options())["ttl"] = "1h";
    // Reports are taken in at each interval, the latest winning; a short one takes each in.
    check.set_interval_ms(100);
    check.set_timeout_ms(100);
    check.set_rise(1);
    check.set_fall(1);
    check.set_panic_threshold(panicThreshold);
    check.set_flap_max_transitions(flapMaxTransitions);
    check.set_flap_window_ms(10 * 60 * 1000);
    return check;
}

} // namespace

std::string demoHealthConfig() {
    return "health:\n"
           "  outlier:\n"
           "    consecutive_failures: 3\n"
           "    base_ejection_time: 1h\n"
           "    max_ejection_time: 1h\n"
           "    max_ejected_percent: 34\n";
}

Status seedDemoHealth(const client::ConnectionOptions &connection) {
    auto channel = client::makeChannel(connection);
    if (!channel) {
        return channel.status();
    }
    auto stub = v1::HealthService::NewStub(*channel);
    const auto setCheck = [&stub](const std::string &service, const v1::HealthCheck &check) {
        grpc::ClientContext context;
        client::setTimeout(context, std::chrono::seconds(5));
        v1::UpdateHealthCheckRequest request;
        request.set_service(service);
        *request.mutable_check() = check;
        v1::UpdateHealthCheckResponse response;
        return fromGrpc(stub->UpdateHealthCheck(&context, request, &response),
                        "health check of " + service);
    };
    const auto report = [&stub](const std::string &service, const std::string &id,
                                v1::HealthStatus status, const std::string &output) {
        grpc::ClientContext context;
        client::setTimeout(context, std::chrono::seconds(5));
        v1::ReportHealthRequest request;
        request.set_service(service);
        request.set_instance_id(id);
        request.set_status(status);
        request.set_output(output);
        v1::ReportHealthResponse response;
        return fromGrpc(stub->ReportHealth(&context, request, &response),
                        "report for " + service + "/" + id);
    };
    for (const Status &status : {setCheck("checkout", reportedCheck(0.3, 0)),
                                 setCheck("payments", reportedCheck(1.0, 3))}) {
        if (!status.isOk()) {
            return status;
        }
    }
    const struct {
        const char *service;
        const char *id;
        v1::HealthStatus status;
        const char *output;
    } reports[] = {
        {"checkout", "checkout-1", v1::HEALTH_STATUS_PASSING, "ok"},
        {"checkout", "checkout-2", v1::HEALTH_STATUS_WARNING, "queue 80 % full"},
        // A ttl check without a report is critical already; passing first makes the failure a
        // transition of its own, with its own reason.
        {"checkout", "checkout-3", v1::HEALTH_STATUS_PASSING, "ok"},
        {"checkout", "checkout-3", v1::HEALTH_STATUS_CRITICAL, "database unreachable"},
        {"payments", "payments-1", v1::HEALTH_STATUS_PASSING, "ok"},
        {"payments", "payments-3", v1::HEALTH_STATUS_PASSING, "ok"},
        // Back and forth more often than the check allows: flapping.
        {"payments", "payments-2", v1::HEALTH_STATUS_PASSING, "ok"},
        {"payments", "payments-2", v1::HEALTH_STATUS_CRITICAL, "HTTP 503"},
        {"payments", "payments-2", v1::HEALTH_STATUS_PASSING, "ok"},
        {"payments", "payments-2", v1::HEALTH_STATUS_CRITICAL, "HTTP 503"},
        {"payments", "payments-2", v1::HEALTH_STATUS_PASSING, "ok"},
    };
    // Waits until the check has taken the report in, so the next one is a transition of its own.
    const auto takenIn = [&stub](const std::string &service, const std::string &id,
                                 v1::HealthStatus status) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (std::chrono::steady_clock::now() < deadline) {
            grpc::ClientContext context;
            client::setTimeout(context, std::chrono::seconds(5));
            v1::GetInstanceHealthRequest request;
            request.set_service(service);
            request.set_instance_id(id);
            v1::GetInstanceHealthResponse response;
            if (stub->GetInstanceHealth(&context, request, &response).ok() &&
                response.check().status() == status) {
                return Status::ok();
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return Status{StatusCode::DeadlineExceeded,
                      service + "/" + id + " did not take in its report within 10 s"};
    };
    for (const auto &r : reports) {
        if (Status status = report(r.service, r.id, r.status, r.output); !status.isOk()) {
            return status;
        }
        if (Status status = takenIn(r.service, r.id, r.status); !status.isOk()) {
            return status;
        }
    }
    // Callers' failures eject payments-3 although its own check passes.
    grpc::ClientContext context;
    client::setTimeout(context, std::chrono::seconds(5));
    v1::ReportCallOutcomesRequest request;
    request.set_service("payments");
    auto *outcome = request.add_outcomes();
    outcome->set_instance_id("payments-3");
    outcome->set_failures(5);
    outcome->set_trailing_failures(5);
    v1::ReportCallOutcomesResponse response;
    return fromGrpc(stub->ReportCallOutcomes(&context, request, &response), "call outcomes");
}

std::string demoCheckoutYaml() {
    return "# Checkout service\n"
           "server:\n"
           "  port: 8080\n"
           "  timeouts:\n"
           "    read: 2s\n"
           "    write: 5s\n"
           "database:\n"
           "  host: db.prod.internal\n"
           "  pool: 20\n"
           "features:\n"
           "  express_checkout: true\n"
           "  gift_cards: false\n";
}

Status seedDemoConfig(const client::ConnectionOptions &connection) {
    auto channel = client::makeChannel(connection);
    if (!channel) {
        return channel.status();
    }
    auto stub = v1::ConfigService::NewStub(*channel);
    struct Publish {
        const char *ns;
        const char *group;
        const char *key;
        v1::ConfigFormat format;
        std::string content;
        bool secret;
        const char *comment;
    };
    const std::string v1Yaml = "server:\n  port: 8080\ndatabase:\n  host: db.prod.internal\n"
                               "  pool: 10\n";
    const std::string v2Yaml = "# Checkout service\nserver:\n  port: 8080\n  timeouts:\n"
                               "    read: 2s\n    write: 5s\ndatabase:\n  host: db.prod.internal\n"
                               "  pool: 10\nfeatures:\n  express_checkout: true\n";
    const std::vector<Publish> publishes = {
        {"prod", "checkout", "app.yaml", v1::CONFIG_FORMAT_YAML, v1Yaml, false, "initial config"},
        {"prod", "checkout", "app.yaml", v1::CONFIG_FORMAT_YAML, v2Yaml, false,
         "timeouts and express checkout"},
        {"prod", "checkout", "app.yaml", v1::CONFIG_FORMAT_YAML, demoCheckoutYaml(), false,
         "bigger pool for the sale; gift cards off"},
        {"prod", "checkout", "limits.json", v1::CONFIG_FORMAT_JSON,
         "{\n  \"requests_per_second\": 500,\n  \"burst\": 50,\n  \"regions\": [\"eu\", "
         "\"us\"]\n}\n",
         false, "rate limits"},
        {"prod", "payments", "gateway.properties", v1::CONFIG_FORMAT_PROPERTIES,
         "# Payment gateway\ngateway.url=https://pay.example.com/v2\ngateway.timeout=3000\n"
         "retry.max=3\n",
         false, "gateway settings"},
        {"prod", "payments", "api-key", v1::CONFIG_FORMAT_TEXT, "sk_live_51Hdemo", true,
         "gateway key"},
        {"staging", "checkout", "app.yaml", v1::CONFIG_FORMAT_YAML, v2Yaml, false, "staging copy"},
    };
    std::map<std::string, std::int64_t> versions;
    for (const Publish &publish : publishes) {
        const std::string path = std::string(publish.ns) + "/" + publish.group + "/" + publish.key;
        grpc::ClientContext context;
        client::setTimeout(context, std::chrono::seconds(5));
        v1::PublishConfigRequest request;
        auto *change = request.mutable_change();
        change->mutable_ref()->set_namespace_(publish.ns);
        change->mutable_ref()->set_group(publish.group);
        change->mutable_ref()->set_key(publish.key);
        change->set_format(publish.format);
        change->set_content(publish.content);
        change->set_base_version(versions[path]);
        if (publish.secret) {
            change->set_update_attributes(true);
            change->set_secret(true);
        }
        request.set_comment(publish.comment);
        v1::PublishConfigResponse response;
        const grpc::Status status = stub->PublishConfig(&context, request, &response);
        if (!status.ok()) {
            return Status(static_cast<StatusCode>(status.error_code()),
                          "PublishConfig " + path + ": " + status.error_message());
        }
        versions[path] = response.item().version();
    }
    const std::pair<const char *, int> acks[] = {
        {"checkout-1", 3}, {"checkout-2", 3}, {"checkout-3", 2}};
    for (const auto &[instance, version] : acks) {
        grpc::ClientContext context;
        client::setTimeout(context, std::chrono::seconds(5));
        v1::AckConfigRequest request;
        request.mutable_ref()->set_namespace_("prod");
        request.mutable_ref()->set_group("checkout");
        request.mutable_ref()->set_key("app.yaml");
        request.set_service("checkout");
        request.set_instance_id(instance);
        request.set_version(version);
        v1::AckConfigResponse response;
        const grpc::Status status = stub->AckConfig(&context, request, &response);
        if (!status.ok()) {
            return Status(static_cast<StatusCode>(status.error_code()),
                          std::string("AckConfig ") + instance + ": " + status.error_message());
        }
    }
    return Status::ok();
}

namespace {

struct DemoRollout {
    const char *service;
    const char *version;
    int replicas;
    const char *description;
    // Canary: one step at this weight, until promoted (0: blue-green).
    int canaryWeight = 0;
    // 0: the daemon's default.
    std::int64_t progressDeadlineMs = 0;
    // Where the rollout is left.
    v1::RolloutPhase until = v1::ROLLOUT_PHASE_SUCCEEDED;
};

} // namespace

Status seedDemoRollouts(const client::ConnectionOptions &connection) {
    auto channel = client::makeChannel(connection);
    if (!channel) {
        return channel.status();
    }
    auto stub = v1::RolloutService::NewStub(*channel);
    // The fleet runs each service's old version on blue (two instances) and the new one on green
    // (one): the first rollout adopts blue as the live colour and releases onto green.
    const DemoRollout rollouts[] = {
        {"payments", "4.1.0", 1, "3-D Secure for card payments"},
        {"inventory", "1.13.0-rc1", 2, "bulk stock import", 0, 2000, v1::ROLLOUT_PHASE_ROLLED_BACK},
        {"checkout", "2.4.0", 1, "fixes the tax rounding", 25, 0, v1::ROLLOUT_PHASE_SWITCHING},
    };
    for (const DemoRollout &demo : rollouts) {
        v1::StartRolloutRequest request;
        v1::RolloutSpec *spec = request.mutable_spec();
        spec->set_service(demo.service);
        spec->set_version(demo.version);
        spec->set_replicas(demo.replicas);
        spec->set_description(demo.description);
        spec->set_driver("external");
        (*spec->mutable_driver_params())["note"] = "the demo fleet's instances";
        spec->set_router("registry");
        spec->set_healthy_for_ms(1000);
        spec->set_scale_down_delay_ms(3600 * 1000);
        if (demo.canaryWeight > 0) {
            spec->set_strategy(v1::ROLLOUT_STRATEGY_CANARY);
            v1::CanaryStep *step = spec->add_steps();
            step->set_weight(demo.canaryWeight);
            step->set_until_promoted(true);
        } else {
            spec->set_strategy(v1::ROLLOUT_STRATEGY_BLUE_GREEN);
        }
        if (demo.progressDeadlineMs > 0) {
            spec->set_progress_deadline_ms(demo.progressDeadlineMs);
        }
        v1::StartRolloutResponse response;
        {
            grpc::ClientContext context;
            client::setTimeout(context, std::chrono::seconds(5));
            if (Status status = fromGrpc(stub->StartRollout(&context, request, &response),
                                         std::string("starting a rollout of ") + demo.service);
                !status.isOk()) {
                return status;
            }
        }
        const std::string id = response.rollout().id();
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        for (;;) {
            grpc::ClientContext context;
            client::setTimeout(context, std::chrono::seconds(5));
            v1::GetRolloutRequest get;
            get.set_id(id);
            v1::GetRolloutResponse got;
            if (Status status = fromGrpc(stub->GetRollout(&context, get, &got), "reading " + id);
                !status.isOk()) {
                return status;
            }
            const v1::Rollout &rollout = got.rollout();
            const bool waiting =
                rollout.phase() == v1::ROLLOUT_PHASE_SWITCHING &&
                rollout.traffic().blue() + rollout.traffic().green() == 100 &&
                (rollout.new_color() == "green" ? rollout.traffic().green()
                                                : rollout.traffic().blue()) == demo.canaryWeight;
            if (rollout.phase() == demo.until &&
                (demo.until != v1::ROLLOUT_PHASE_SWITCHING || waiting)) {
                break;
            }
            const bool finished = rollout.phase() == v1::ROLLOUT_PHASE_SUCCEEDED ||
                                  rollout.phase() == v1::ROLLOUT_PHASE_ROLLED_BACK ||
                                  rollout.phase() == v1::ROLLOUT_PHASE_FAILED;
            if (finished || std::chrono::steady_clock::now() >= deadline) {
                return {StatusCode::FailedPrecondition,
                        id + " is " + v1::RolloutPhase_Name(rollout.phase()) + " (" +
                            rollout.message() + "), not " + v1::RolloutPhase_Name(demo.until)};
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }
    return Status::ok();
}

} // namespace aegis::testing
