#include "net/channel_hub.h"

namespace aegis::console {

void ChannelHub::configure(const ConnectionSettings &settings) {
    std::lock_guard lock(m_mutex);
    m_settings = settings;
    m_channel.reset();
}

std::shared_ptr<grpc::Channel> ChannelHub::acquire(CallError *error) {
    std::lock_guard lock(m_mutex);
    if (m_closed) {
        if (error) {
            *error = {1, QStringLiteral("client shut down")};
        }
        return nullptr;
    }
    if (!m_channel) {
        auto channel = client::makeChannel(m_settings.toOptions());
        if (!channel) {
            if (error) {
                *error = {static_cast<int>(channel.status().code()),
                          QString::fromStdString(channel.status().message())};
            }
            return nullptr;
        }
        m_channel = std::move(*channel);
    }
    return m_channel;
}

void ChannelHub::invalidate(const std::shared_ptr<grpc::Channel> &failed) {
    std::lock_guard lock(m_mutex);
    if (m_channel == failed) {
        m_channel.reset();
    }
}

bool ChannelHub::track(grpc::ClientContext *context) {
    std::lock_guard lock(m_mutex);
    if (m_closed) {
        return false;
    }
    m_calls.insert(context);
    return true;
}

void ChannelHub::untrack(grpc::ClientContext *context) {
    std::lock_guard lock(m_mutex);
    m_calls.erase(context);
}

void ChannelHub::close() {
    std::lock_guard lock(m_mutex);
    m_closed = true;
    for (grpc::ClientContext *context : m_calls) {
        context->TryCancel();
    }
}

} // namespace aegis::console
