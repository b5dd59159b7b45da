#include "registry/records.h"

#include "common/json_number.h"
#include "common/json_writer.h"
#include "common/time_millis.h"

#include <nlohmann/json.hpp>

namespace aegis::registry {
namespace {

using namespace std::chrono;
using nlohmann::json;

InstanceHealth decodeHealth(const json &value) {
    InstanceHealth health;
    if (!value.is_object()) {
        return health;
    }
    const int status = numberOr(value, "status", 0);
    health.status =
        status >= 0 && status <= 3 ? static_cast<HealthStatus>(status) : HealthStatus::Unknown;
    health.flapping = value.value("flapping", false);
    health.ejected = value.value("ejected", false);
    health.ejectedUntil = fromMillis(numberOr<std::int64_t>(value, "ejected_until_ms", 0));
    health.checked = value.value("checked", false);
    health.reason = value.value("reason", "");
    health.output = value.value("output", "");
    health.changedAt = fromMillis(numberOr<std::int64_t>(value, "changed_ms", 0));
    return health;
}

// The stored record, written directly (see JsonWriter): it is encoded for every registration and
// instance change. The keys in ascending order, as nlohmann::json held them when this was one.
std::string instanceRecord(const Instance &instance, bool strictUtf8) {
    JsonWriter json(strictUtf8);
    json.beginObject();
    json.key("address").string(instance.address);
    if (instance.health != InstanceHealth{}) {
        const InstanceHealth &health = instance.health;
        json.key("health").beginObject();
        json.key("changed_ms").integer(toMillis(health.changedAt));
        if (health.checked) {
            json.key("checked").boolean(true);
        }
        if (health.ejected) {
            json.key("ejected").boolean(true);
            json.key("ejected_until_ms").integer(toMillis(health.ejectedUntil));
        }
        if (health.flapping) {
            json.key("flapping").boolean(true);
        }
        if (!health.output.empty()) {
            json.key("output").string(health.output);
        }
        if (!health.reason.empty()) {
            json.key("reason").string(health.reason);
        }
        json.key("status").integer(static_cast<int>(health.status));
        json.endObject();
    }
    json.key("id").string(instance.id);
    json.key("labels").stringMap(instance.labels);
    json.key("lease_id").integer(instance.leaseId);
    json.key("lease_ttl_s").integer(instance.leaseTtl.count());
    json.key("metadata").stringMap(instance.metadata);
    json.key("register_time_ms").integer(toMillis(instance.registerTime));
    if (!instance.routable) {
        json.key("routable").boolean(false);
    }
    if (instance.routableChanged) {
        json.key("routable_changed").boolean(true);
    }
    json.key("service").string(instance.service);
    json.key("state").integer(static_cast<int>(instance.state));
    if (instance.trafficWeight != instance.weight) {
        json.key("traffic_weight").integer(instance.trafficWeight);
    }
    json.key("weight").integer(instance.weight);
    return json.endObject().take();
}

} // namespace

std::string encodeInstance(const Instance &instance) {
    return instanceRecord(instance, false);
}

Instance asStored(Instance instance) {
    instance.registerTime = fromMillis(toMillis(instance.registerTime));
    instance.health.changedAt = fromMillis(toMillis(instance.health.changedAt));
    instance.health.ejectedUntil = instance.health.ejected
                                       ? fromMillis(toMillis(instance.health.ejectedUntil))
                                       : system_clock::time_point{};
    return instance;
}

std::string encodeService(const Service &service) {
    return json{
        {"name", service.name}, {"labels", service.labels}, {"description", service.description}}
        .dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<Service> decodeService(const store::KeyValue &kv) {
    const auto value = json::parse(kv.value, nullptr, false);
    if (value.is_discarded() || !value.is_object()) {
        return std::nullopt;
    }
    Service service;
    service.name = value.value("name", "");
    service.labels = value.value("labels", Labels{});
    service.description = value.value("description", "");
    service.createRevision = kv.createRevision;
    service.modRevision = kv.modRevision;
    return service;
}

std::string encodePolicy(const TrafficPolicy &policy) {
    return json{{"label", policy.label}, {"shares", policy.shares}}.dump();
}

std::optional<TrafficPolicy> decodePolicy(const std::string &value) {
    const auto parsed = json::parse(value, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object()) {
        return std::nullopt;
    }
    TrafficPolicy policy;
    policy.label = parsed.value("label", "color");
    if (const auto shares = parsed.find("shares"); shares != parsed.end() && shares->is_object()) {
        for (const auto &[value, share] : shares->items()) {
            if (share.is_number_integer()) {
                policy.shares[value] = share.get<int>();
            }
        }
    }
    return policy;
}

std::optional<std::string> encodeInstanceExactly(const Instance &instance) {
    try {
        return instanceRecord(instance, true);
    } catch (const json::exception &) {
        return std::nullopt;
    }
}

std::string encodeLease(std::chrono::seconds ttl) {
    return json{{"ttl_s", ttl.count()}}.dump();
}

std::optional<std::chrono::seconds> decodeLease(const std::string &value) {
    const auto parsed = json::parse(value, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object()) {
        return std::nullopt;
    }
    return seconds(numberOr<std::int64_t>(parsed, "ttl_s", 0));
}

std::optional<Instance> decodeInstance(const store::KeyValue &kv) try {
    const auto value = json::parse(kv.value, nullptr, false);
    if (value.is_discarded() || !value.is_object()) {
        return std::nullopt;
    }
    Instance instance;
    instance.id = value.value("id", "");
    instance.service = value.value("service", "");
    instance.address = value.value("address", "");
    instance.labels = value.value("labels", Labels{});
    instance.weight = numberOr(value, "weight", 100);
    instance.trafficWeight = numberOr(value, "traffic_weight", instance.weight);
    instance.metadata = value.value("metadata", Labels{});
    instance.state = static_cast<InstanceState>(numberOr(value, "state", 1));
    instance.leaseId = numberOr<LeaseId>(value, "lease_id", 0);
    instance.leaseTtl = seconds(numberOr<std::int64_t>(value, "lease_ttl_s", 0));
    instance.registerTime = fromMillis(numberOr<std::int64_t>(value, "register_time_ms", 0));
    if (const auto health = value.find("health"); health != value.end()) {
        instance.health = decodeHealth(*health);
    }
    instance.routable = value.value("routable", true);
    instance.routableChanged = value.value("routable_changed", false);
    instance.createRevision = kv.createRevision;
    instance.modRevision = kv.modRevision;
    return instance;
} catch (const std::exception &) {
    // A record with a field of the wrong type is unreadable, not fatal (nlohmann's value() throws).
    return std::nullopt;
}

} // namespace aegis::registry
