// Requests as any client can send them: one byte choosing the message, then its wire bytes,
// parsed and checked by the validators the API services call before anything is stored.

#include "aegis/v1/config.pb.h"
#include "aegis/v1/registry.pb.h"
#include "common/clock.h"
#include "common/label_selector.h"
#include "config/config_center.h"
#include "config/content_validator.h"
#include "registry/registry.h"
#include "scratch_store.h"

#include <google/protobuf/stubs/logging.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace {

using namespace aegis;

registry::Registry &registryOnScratchStore() {
    static registry::Registry registry(fuzz::scratchStore(), std::make_shared<SystemClock>());
    return registry;
}

config::ItemRef refFrom(const v1::ConfigItemRef &in) {
    return {in.namespace_(), in.group(), in.key()};
}

void registerInstance(const v1::RegisterInstanceRequest &request) {
    const auto &in = request.instance();
    registry::Instance instance;
    instance.id = in.id();
    instance.service = in.service();
    instance.address = in.address();
    instance.labels = Labels(in.labels().begin(), in.labels().end());
    instance.metadata = Labels(in.metadata().begin(), in.metadata().end());
    instance.weight = in.has_weight() ? in.weight() : 100;
    instance.state = static_cast<registry::InstanceState>(in.state());
    (void)registryOnScratchStore().validateInstance(instance);
}

void publishConfig(const v1::PublishConfigRequest &request) {
    const auto &change = request.change();
    (void)config::ConfigCenter::validateRef(refFrom(change.ref()));
    (void)validateLabels(Labels(change.labels().begin(), change.labels().end()), "labels");
    if (change.format() >= v1::CONFIG_FORMAT_UNSPECIFIED &&
        change.format() <= v1::CONFIG_FORMAT_PROPERTIES) {
        (void)config::validateContent(static_cast<config::Format>(change.format()),
                                      change.content(), change.schema());
    }
}

void startGrayRelease(const v1::StartGrayReleaseRequest &request) {
    (void)config::ConfigCenter::validateRef(refFrom(request.ref()));
    (void)LabelSelector::parse(request.selector(), "selector");
    for (const auto &id : request.instance_ids()) {
        (void)registry::Registry::validateInstanceId(id, "instance_ids");
    }
}

void listInstances(const v1::ListInstancesRequest &request) {
    (void)registry::Registry::validateServiceName(request.service(), "service");
    (void)LabelSelector::parse(request.selector(), "selector");
}

template <typename Message, typename Check>
void parseAndCheck(const uint8_t *data, size_t size, Check check) {
    Message message;
    if (message.ParseFromArray(data, static_cast<int>(size))) {
        check(message);
        // What the service answers with is serialized again; that must not fail either.
        (void)message.SerializeAsString();
    }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
    // libprotobuf logs every string field with invalid UTF-8 it is given; that is the input here.
    google::protobuf::SetLogHandler(nullptr);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) {
        return 0;
    }
    switch (data[0] % 4) {
    case 0:
        parseAndCheck<v1::RegisterInstanceRequest>(data + 1, size - 1, registerInstance);
        break;
    case 1:
        parseAndCheck<v1::PublishConfigRequest>(data + 1, size - 1, publishConfig);
        break;
    case 2:
        parseAndCheck<v1::StartGrayReleaseRequest>(data + 1, size - 1, startGrayRelease);
        break;
    default:
        parseAndCheck<v1::ListInstancesRequest>(data + 1, size - 1, listInstances);
        break;
    }
    return 0;
}
