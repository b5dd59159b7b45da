#pragma once

// The rollout controller tests' extensions: a driver that "deploys" by registering instances and
// a router that records the splits it is given (the real drivers and routers have their own tests
// against real processes and HAProxy).

#include "registry/registry.h"
#include "rollout/deploy_driver.h"
#include "rollout/traffic_router.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace aegis::rollout::fakes {

using namespace std::chrono_literals;
// Registers `replicas` instances "<service>-<color>-<n>" labelled with the target's version and
// colour, as real deployments do once their processes start. `hold` keeps provision from
// completing until released.
class RegisteringDriver final : public DeployDriver {
public:
    RegisteringDriver(registry::Registry &registry, boost::asio::io_context &io)
        : m_registry(registry)
        , m_io(io) {}

    const ExtensionDescription &describe() const override {
        static const ExtensionDescription description{
            ExtensionKind::DeployDriver, "fake", "", "", {}};
        return description;
    }
    Status validate(const DeployTarget &target) const override {
        if (target.params.count("bad") != 0) {
            return invalidArgument("driver_params.bad is not accepted");
        }
        return Status::ok();
    }
    void provision(const DeployTarget &target, const DriverState &previous, LogSink log,
                   std::function<void(StatusOr<DriverState>)> done) override {
        log("provisioning " + target.version);
        std::lock_guard lock(m_mutex);
        ++provisions;
        lastPrevious = previous;
        if (failProvision) {
            boost::asio::post(m_io,
                              [done] { done(Status(StatusCode::Unavailable, "no capacity")); });
            return;
        }
        auto finish = [this, target, done] {
            for (int i = 1; i <= target.replicas; ++i) {
                registry::Registration r;
                r.instance.service = target.service;
                r.instance.id = instanceId(target.service, target.color, i);
                r.instance.address = "127.0.0.1:" + std::to_string(20000 + i);
                r.instance.labels = {{"version", target.version},
                                     {"color", std::string(colorName(target.color))}};
                r.ttl = 3600s;
                std::promise<void> registered;
                m_registry.registerInstance(
                    r, [&](StatusOr<registry::Registered>) { registered.set_value(); });
                registered.get_future().wait();
            }
            done(DriverState("state-of-" + target.version));
        };
        if (hold) {
            held = finish;
        } else {
            boost::asio::post(m_io, finish);
        }
    }
    void teardown(const DeployTarget &target, const DriverState &, LogSink,
                  std::function<void(Status)> done) override {
        {
            std::lock_guard lock(m_mutex);
            teardowns.push_back(std::string(colorName(target.color)) + ":" + target.version);
        }
        boost::asio::post(m_io, [this, target, done] {
            for (int i = 1; i <= target.replicas; ++i) {
                std::promise<void> removed;
                m_registry.deregister(target.service, instanceId(target.service, target.color, i),
                                      "deregistered",
                                      [&](StatusOr<store::Revision>) { removed.set_value(); });
                removed.get_future().wait();
            }
            done(Status::ok());
        });
    }

    static std::string instanceId(const std::string &service, Color color, int index) {
        return service + "-" + std::string(colorName(color)) + "-" + std::to_string(index);
    }
    void release() {
        std::function<void()> finish;
        {
            std::lock_guard lock(m_mutex);
            finish = std::move(held);
            held = {};
        }
        if (finish) {
            boost::asio::post(m_io, finish);
        }
    }
    std::vector<std::string> teardownList() {
        std::lock_guard lock(m_mutex);
        return teardowns;
    }

    std::mutex m_mutex;
    int provisions = 0;
    DriverState lastPrevious;
    bool failProvision = false;
    bool hold = false;
    std::function<void()> held;
    std::vector<std::string> teardowns;

private:
    registry::Registry &m_registry;
    boost::asio::io_context &m_io;
};

// Records every split applied; can be told to fail.
class RecordingRouter final : public TrafficRouter {
public:
    explicit RecordingRouter(boost::asio::io_context &io)
        : m_io(io) {}
    const ExtensionDescription &describe() const override {
        static const ExtensionDescription description{
            ExtensionKind::TrafficRouter, "recording", "", "", {}};
        return description;
    }
    Status validate(const std::map<std::string, std::string> &) const override {
        return Status::ok();
    }
    void apply(const RouteRequest &request, std::function<void(Status)> done) override {
        std::lock_guard lock(mutex);
        if (failing) {
            boost::asio::post(m_io,
                              [done] { done(Status(StatusCode::Unavailable, "socket gone")); });
            return;
        }
        splits.push_back(request.split);
        boost::asio::post(m_io, [done] { done(Status::ok()); });
    }
    void current(const RouteRequest &, std::function<void(StatusOr<TrafficSplit>)> done) override {
        std::lock_guard lock(mutex);
        const TrafficSplit split = splits.empty() ? TrafficSplit{} : splits.back();
        boost::asio::post(m_io, [done, split] { done(split); });
    }
    std::optional<TrafficSplit> last() {
        std::lock_guard lock(mutex);
        return splits.empty() ? std::nullopt : std::optional(splits.back());
    }
    std::vector<TrafficSplit> all() {
        std::lock_guard lock(mutex);
        return splits;
    }

    std::mutex mutex;
    bool failing = false;
    std::vector<TrafficSplit> splits;

private:
    boost::asio::io_context &m_io;
};

} // namespace aegis::rollout::fakes
