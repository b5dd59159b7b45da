#pragma once

#include "aegis/v1/registry.grpc.pb.h"
#include "client/resumable_stream.h"

#include <grpcpp/channel.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace aegis::testing {

// Follows every instance event of one service through a client::ResumableStream on its own
// thread, as a client that fails over does, and keeps them all so a test can check that each
// arrived exactly once and in revision order.
class InstanceFollower {
public:
    struct Event {
        std::int64_t revision = 0;
        v1::InstanceEventType type = v1::INSTANCE_EVENT_TYPE_UNSPECIFIED;
        std::string id;
    };

    InstanceFollower(std::shared_ptr<grpc::Channel> channel, std::string service,
                     std::int64_t startRevision);
    ~InstanceFollower();
    InstanceFollower(const InstanceFollower &) = delete;
    InstanceFollower &operator=(const InstanceFollower &) = delete;

    void stop();
    std::vector<Event> events() const;
    // How many ADDED events of `id` arrived.
    int added(const std::string &id) const;
    // How many streams ended and were resumed.
    int retries() const { return m_retries.load(); }
    // "" when every event's revision is above the one before it; else which one was not.
    std::string orderViolation() const;

private:
    std::shared_ptr<grpc::Channel> m_channel;
    const std::string m_service;
    client::StopSignal m_stop;
    std::unique_ptr<client::ResumableStream> m_stream;
    mutable std::mutex m_mutex;
    std::vector<Event> m_events;
    std::atomic<int> m_retries{0};
    std::thread m_thread;
};

} // namespace aegis::testing
