#include "config_load.h"

#include "bench_support.h"
#include "http_get.h"

#include "aegis/v1/config.grpc.pb.h"
#include "aegis/v1/registry.grpc.pb.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace aegis::bench::config {
namespace {

namespace v1 = aegis::v1;
using namespace std::chrono;
using namespace std::chrono_literals;
using Clock = steady_clock;

constexpr const char *kNamespace = "bench";
constexpr const char *kGroup = "app";
constexpr const char *kWatchedKey = "flags.json";
// The service the watchers' instances belong to.
constexpr const char *kWatcherService = "bench";
constexpr const char *kCanarySelector = "ring=canary";

std::string watcherInstance(int index) {
    return "watcher-" + std::to_string(index);
}

void fillWatch(int index, v1::WatchConfigRequest &request) {
    request.set_namespace_(kNamespace);
    request.set_group(kGroup);
    request.set_key(kWatchedKey);
    request.set_service(kWatcherService);
    request.set_instance_id(watcherInstance(index));
}

// A WatchConfig stream of one watcher: its snapshot makes it ready, each PUT is reported as the
// change that made its version.
class ConfigWatcher final : public Watcher,
                            public grpc::ClientReadReactor<v1::WatchConfigResponse> {
public:
    ConfigWatcher(int index, const std::shared_ptr<grpc::Channel> &channel,
                  const std::string &bearer, std::function<int(std::int64_t)> sequenceOf,
                  WatchSink &sink)
        : m_index(index)
        , m_sequenceOf(std::move(sequenceOf))
        , m_sink(sink)
        , m_stub(v1::ConfigService::NewStub(channel)) {
        m_context.AddMetadata("authorization", bearer);
        fillWatch(index, m_request);
        m_stub->async()->WatchConfig(&m_context, &m_request, this);
        StartRead(&m_response);
        StartCall();
    }

    void cancel() override { m_context.TryCancel(); }

    void OnReadDone(bool ok) override {
        if (!ok) {
            return; // OnDone follows
        }
        if (m_response.snapshot()) {
            m_sink.ready(m_index);
        } else {
            for (const auto &event : m_response.events()) {
                m_sink.delivered(m_index, m_sequenceOf(event.version()));
            }
        }
        StartRead(&m_response);
    }

    void OnDone(const grpc::Status &status) override { m_sink.ended(m_index, status); }

private:
    const int m_index;
    const std::function<int(std::int64_t)> m_sequenceOf;
    WatchSink &m_sink;
    std::unique_ptr<v1::ConfigService::Stub> m_stub;
    grpc::ClientContext m_context;
    v1::WatchConfigRequest m_request;
    v1::WatchConfigResponse m_response;
};

v1::ConfigItemRef benchRef(const std::string &key) {
    v1::ConfigItemRef ref;
    ref.set_namespace_(kNamespace);
    ref.set_group(kGroup);
    ref.set_key(key);
    return ref;
}

grpc::Status publishOnce(v1::ConfigService::Stub &stub, const std::string &bearer,
                         const std::string &key, const std::string &content, std::int64_t base,
                         std::int64_t *version) {
    v1::PublishConfigRequest request;
    *request.mutable_change()->mutable_ref() = benchRef(key);
    request.mutable_change()->set_format(v1::CONFIG_FORMAT_JSON);
    request.mutable_change()->set_content(content);
    request.mutable_change()->set_base_version(base);
    request.set_comment("benchmark");
    v1::PublishConfigResponse response;
    grpc::ClientContext context;
    context.AddMetadata("authorization", bearer);
    context.set_deadline(system_clock::now() + 10s);
    const auto status = stub.PublishConfig(&context, request, &response);
    *version = response.item().version();
    return status;
}

// One outstanding call of the closed loop, on a key of its own.
struct Slot {
    std::unique_ptr<v1::ConfigService::Stub> stub;
    std::unique_ptr<grpc::ClientContext> context;
    v1::PublishConfigRequest publish;
    v1::PublishConfigResponse published;
    v1::GetConfigItemRequest get;
    v1::GetConfigItemResponse got;
    std::int64_t version = 0;
};

// `concurrency` slots over 4 connections, each with its key ("<keyPrefix>-<i>.json") published
// once.
std::vector<Slot> seededSlots(const Endpoint &endpoint, const std::string &bearer, int concurrency,
                              const std::string &keyPrefix) {
    const auto channels = makeChannels(endpoint.address, 4);
    std::vector<Slot> slots(static_cast<std::size_t>(concurrency));
    for (int i = 0; i < concurrency; ++i) {
        Slot &slot = slots[static_cast<std::size_t>(i)];
        slot.stub =
            v1::ConfigService::NewStub(channels[static_cast<std::size_t>(i) % channels.size()]);
        const std::string key = keyPrefix + "-" + std::to_string(i) + ".json";
        if (auto status = publishOnce(*slot.stub, bearer, key, R"({"n": 0})", 0, &slot.version);
            !status.ok()) {
            throw std::runtime_error("seed publish: " + status.error_message());
        }
        *slot.get.mutable_ref() = benchRef(key);
        *slot.publish.mutable_change()->mutable_ref() = benchRef(key);
        slot.publish.mutable_change()->set_format(v1::CONFIG_FORMAT_JSON);
        slot.publish.set_comment("benchmark");
    }
    return slots;
}

using SlotCall = std::function<void(Slot &, std::function<void(const grpc::Status &)> done)>;

// A closed loop of `call` on `concurrency` slots with keys "<keyPrefix>-<i>.json" (each with a
// fresh context, authorised), with the server's CPU over its window.
ThroughputResult runOnSlots(const Endpoint &endpoint, int concurrency, const std::string &keyPrefix,
                            milliseconds warmup, milliseconds window, const SlotCall &call) {
    const std::string bearer = "Bearer " + endpoint.adminToken;
    auto slots = seededSlots(endpoint, bearer, concurrency, keyPrefix);
    ThroughputResult result;
    double cpuStart = 0;
    Clock::time_point windowStart;
    result.load = runClosedLoop(
        concurrency,
        [&](int index, std::function<void(const grpc::Status &)> done) {
            Slot &slot = slots[static_cast<std::size_t>(index)];
            slot.context = std::make_unique<grpc::ClientContext>();
            slot.context->AddMetadata("authorization", bearer);
            slot.context->set_deadline(system_clock::now() + 10s);
            call(slot, std::move(done));
        },
        warmup, window,
        [&](bool starting) {
            if (starting) {
                cpuStart = processCpuSeconds(endpoint.serverPids);
                windowStart = Clock::now();
            } else {
                result.serverCores = (processCpuSeconds(endpoint.serverPids) - cpuStart) /
                                     duration<double>(Clock::now() - windowStart).count();
            }
        });
    return result;
}

} // namespace

ThroughputResult measurePublishes(const Endpoint &endpoint, int concurrency, milliseconds warmup,
                                  milliseconds window) {
    // One key per slot: each publish moves it to the next version (compare-and-set holds).
    return runOnSlots(endpoint, concurrency, "publish", warmup, window, [](Slot &slot, auto done) {
        slot.publish.mutable_change()->set_base_version(slot.version);
        slot.publish.mutable_change()->set_content(R"({"n": )" + std::to_string(slot.version) +
                                                   "}");
        slot.stub->async()->PublishConfig(slot.context.get(), &slot.publish, &slot.published,
                                          [&slot, done = std::move(done)](grpc::Status status) {
                                              if (status.ok()) {
                                                  slot.version = slot.published.item().version();
                                              }
                                              done(status);
                                          });
    });
}

ThroughputResult measureReads(const Endpoint &endpoint, int concurrency, milliseconds warmup,
                              milliseconds window) {
    return runOnSlots(endpoint, concurrency, "read", warmup, window, [](Slot &slot, auto done) {
        slot.stub->async()->GetConfigItem(
            slot.context.get(), &slot.get, &slot.got,
            [done = std::move(done)](grpc::Status status) { done(status); });
    });
}

ConfigTarget::ConfigTarget(std::string name, Endpoint endpoint, Options options)
    : m_name(std::move(name))
    , m_endpoint(std::move(endpoint))
    , m_options(options)
    , m_bearer("Bearer " + m_endpoint.adminToken) {
    if (m_options.muxStreams > 0) {
        m_mux = std::make_unique<MuxWatchers>(
            m_options.muxStreams, m_bearer,
            [](int index, v1::WatchCreateRequest &create) {
                fillWatch(index, *create.mutable_config());
            },
            [this](int index, const v1::WatchResponse &message, WatchSink &sink) {
                for (const auto &event : message.config().events()) {
                    sink.delivered(index, sequenceOf(event.version()));
                }
            });
    }
}

ConfigTarget::~ConfigTarget() = default;

std::string ConfigTarget::metricsPage() const {
    return m_endpoint.metricsAddress.empty()
               ? std::string()
               : testing::httpGet(m_endpoint.metricsAddress, "/metrics").body;
}

bool ConfigTarget::isCanary(int index) {
    // Knuth's multiplicative hash: half of the watchers, in no pattern that lines up with the
    // round-robin over connections and streams.
    return ((static_cast<std::uint32_t>(index) * 2654435761U) >> 31) != 0;
}

bool ConfigTarget::hears(int index, int sequence) const {
    return !m_options.gray || sequence % 2 == 1 || isCanary(index);
}

void ConfigTarget::prepare(int watchers) {
    if (!m_options.gray) {
        return;
    }
    // The daemon reads a watcher's labels from its registered instance when a gray release with a
    // selector is resolved for it.
    auto stub = v1::RegistryService::NewStub(makeChannels(m_endpoint.address, 1).front());
    struct Registration {
        grpc::ClientContext context;
        v1::RegisterInstanceRequest request;
        v1::RegisterInstanceResponse response;
    };
    std::vector<Registration> calls(static_cast<std::size_t>(watchers));
    std::mutex mutex;
    std::string firstError;
    forEachAsync(watchers, 64, [&](int index, std::function<void()> done) {
        auto &call = calls[static_cast<std::size_t>(index)];
        call.context.set_deadline(system_clock::now() + 30s);
        call.context.AddMetadata("authorization", m_bearer);
        auto *instance = call.request.mutable_instance();
        instance->set_service(kWatcherService);
        instance->set_id(watcherInstance(index));
        instance->set_address("10.1." + std::to_string(index / 250) + "." +
                              std::to_string(index % 250 + 1) + ":8080");
        (*instance->mutable_labels())["ring"] = isCanary(index) ? "canary" : "main";
        call.request.set_ttl_seconds(3600); // outlives the measure
        stub->async()->RegisterInstance(&call.context, &call.request, &call.response,
                                        [&, done = std::move(done)](const grpc::Status &status) {
                                            if (!status.ok()) {
                                                std::lock_guard lock(mutex);
                                                if (firstError.empty()) {
                                                    firstError = status.error_message();
                                                }
                                            }
                                            done();
                                        });
    });
    if (!firstError.empty()) {
        throw std::runtime_error("registering the watchers' instances: " + firstError);
    }
}

std::unique_ptr<Watcher> ConfigTarget::openWatcher(int index,
                                                   const std::shared_ptr<grpc::Channel> &channel,
                                                   WatchSink &sink) {
    if (m_mux) {
        return m_mux->open(index, channel, sink);
    }
    return std::make_unique<ConfigWatcher>(
        index, channel, m_bearer, [this](std::int64_t version) { return sequenceOf(version); },
        sink);
}

void ConfigTarget::change(int sequence, const std::shared_ptr<grpc::Channel> &channel,
                          std::function<void(const grpc::Status &)> done) {
    // Each kind of change answers with the item; what it made is its published version, or its
    // gray version for a gray release.
    struct Call {
        std::unique_ptr<v1::ConfigService::Stub> stub;
        grpc::ClientContext context;
        v1::PublishConfigRequest publish;
        v1::StartGrayReleaseRequest gray;
        v1::PromoteGrayReleaseRequest promote;
        v1::PublishConfigResponse published;
        v1::StartGrayReleaseResponse grayed;
        v1::PromoteGrayReleaseResponse promoted;
    };
    auto call = std::make_shared<Call>();
    {
        std::lock_guard lock(m_callsMutex);
        m_calls.push_back(call);
    }
    call->stub = v1::ConfigService::NewStub(channel);
    call->context.set_deadline(system_clock::now() + 30s);
    call->context.AddMetadata("authorization", m_bearer);
    const std::int64_t expected = sequence < 0 ? 0 : m_firstVersion.load() + 1 + sequence;
    // Checks that the change made the version its watchers will take it for.
    auto finish = [this, sequence, expected, done = std::move(done)](
                      const grpc::Status &status, std::int64_t made, std::int64_t published) {
        if (!status.ok()) {
            return done(status);
        }
        m_published = published;
        if (sequence < 0) {
            m_firstVersion.store(made);
        } else if (made != expected) {
            return done(grpc::Status(grpc::StatusCode::INTERNAL,
                                     "made version " + std::to_string(made) + ", expected " +
                                         std::to_string(expected)));
        }
        done(status);
    };
    const std::string round = std::to_string(sequence);
    if (sequence >= 0 && m_options.gray && sequence % 2 == 0) {
        *call->gray.mutable_ref() = benchRef(kWatchedKey);
        call->gray.set_content(R"({"round": )" + round + R"(, "ring": "canary"})");
        call->gray.set_base_version(m_published);
        call->gray.set_selector(kCanarySelector);
        call->gray.set_comment("benchmark: the canaries first");
        call->stub->async()->StartGrayRelease(
            &call->context, &call->gray, &call->grayed, [call, finish](const grpc::Status &status) {
                finish(status, call->grayed.item().gray().version(), call->grayed.item().version());
            });
    } else if (sequence >= 0 && m_options.gray) {
        *call->promote.mutable_ref() = benchRef(kWatchedKey);
        call->promote.set_comment("benchmark: everyone");
        call->stub->async()->PromoteGrayRelease(&call->context, &call->promote, &call->promoted,
                                                [call, finish](const grpc::Status &status) {
                                                    finish(status, call->promoted.item().version(),
                                                           call->promoted.item().version());
                                                });
    } else {
        *call->publish.mutable_change()->mutable_ref() = benchRef(kWatchedKey);
        call->publish.mutable_change()->set_format(v1::CONFIG_FORMAT_JSON);
        call->publish.mutable_change()->set_content(R"({"round": )" + round + "}");
        call->publish.mutable_change()->set_base_version(m_published);
        call->publish.set_comment("benchmark");
        call->stub->async()->PublishConfig(&call->context, &call->publish, &call->published,
                                           [call, finish](const grpc::Status &status) {
                                               finish(status, call->published.item().version(),
                                                      call->published.item().version());
                                           });
    }
}

} // namespace aegis::bench::config
