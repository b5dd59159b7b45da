#include "instance_follower.h"

#include <algorithm>

namespace aegis::testing {

using namespace std::chrono_literals;

InstanceFollower::InstanceFollower(std::shared_ptr<grpc::Channel> channel, std::string service,
                                   std::int64_t startRevision)
    : m_channel(std::move(channel))
    , m_service(std::move(service)) {
    client::ResumableStreamOptions options;
    options.backoff.initial = 50ms;
    options.backoff.max = 300ms;
    options.channel = m_channel;
    client::ResumableStream::Callbacks callbacks;
    callbacks.onRetrying = [this](const Status &, std::int64_t, std::chrono::milliseconds) {
        ++m_retries;
    };
    m_stream = std::make_unique<client::ResumableStream>(
        options, m_stop,
        [this](grpc::ClientContext &context, std::int64_t start,
               const client::ResumableStream::Received &received) {
            auto stub = v1::RegistryService::NewStub(m_channel);
            v1::WatchInstancesRequest request;
            request.set_service(m_service);
            request.set_start_revision(start);
            auto reader = stub->WatchInstances(&context, request);
            v1::WatchInstancesResponse response;
            while (reader->Read(&response)) {
                std::int64_t revision = 0;
                {
                    std::lock_guard lock(m_mutex);
                    for (const auto &event : response.events()) {
                        m_events.push_back({event.revision(), event.type(), event.instance().id()});
                        revision = std::max(revision, event.revision());
                    }
                }
                received(revision);
            }
            return reader->Finish();
        },
        callbacks);
    m_thread = std::thread([this, startRevision] { m_stream->run(startRevision); });
}

InstanceFollower::~InstanceFollower() {
    stop();
}

void InstanceFollower::stop() {
    m_stop.stop();
    if (m_thread.joinable()) {
        m_thread.join();
    }
}

std::vector<InstanceFollower::Event> InstanceFollower::events() const {
    std::lock_guard lock(m_mutex);
    return m_events;
}

int InstanceFollower::added(const std::string &id) const {
    std::lock_guard lock(m_mutex);
    return static_cast<int>(std::count_if(m_events.begin(), m_events.end(), [&](const Event &e) {
        return e.id == id && e.type == v1::INSTANCE_EVENT_TYPE_ADDED;
    }));
}

std::string InstanceFollower::orderViolation() const {
    std::lock_guard lock(m_mutex);
    std::int64_t last = 0;
    for (const auto &event : m_events) {
        if (event.revision <= last) {
            return "revision " + std::to_string(event.revision) + " (" + event.id + ") after " +
                   std::to_string(last);
        }
        last = event.revision;
    }
    return {};
}

} // namespace aegis::testing
