#include "net/channel_hub.h"

namespace aegis::console {

void ChannelHub::configure(const ConnectionSettings &settings) {
    std::lock_guard lock(m_mutex);
    m_settings = settings;
    m_channel.reset();
    m_bulkChannel.reset();
}

std::shared_ptr<grpc::Channel> ChannelHub::acquire(CallError *error, ChannelKind kind) {
    std::lock_guard lock(m_mutex);
    if (m_closed) {
        if (error) {
            *error = {1, QStringLiteral("client shut down")};
        }
        return nullptr;
    }
    std::shared_ptr<grpc::Channel> &current = kind == ChannelKind::Bulk ? m_bulkChannel : m_channel;
    if (!current) {
        client::ConnectionOptions options = m_settings.toOptions();
        if (kind == ChannelKind::Bulk) {
            options.maxReceiveMessageBytes = kBulkMaxReceiveBytes;
        }
        auto channel = client::makeChannel(options);
        if (!channel) {
            if (error) {
                *error = {static_cast<int>(channel.status().code()),
                          QString::fromStdString(channel.status().message())};
            }
            return nullptr;
        }
        current = std::move(*channel);
    }
    return current;
}

void ChannelHub::invalidate(const std::shared_ptr<grpc::Channel> &failed) {
    std::lock_guard lock(m_mutex);
    if (m_channel == failed) {
        m_channel.reset();
    }
    if (m_bulkChannel == failed) {
        m_bulkChannel.reset();
    }
}

client::WatchMuxPtr ChannelHub::watchMux(const std::shared_ptr<grpc::Channel> &channel) {
    // Released after the lock: the last owner of a mux waits for its call to end.
    client::WatchMuxPtr previous;
    std::lock_guard lock(m_mutex);
    if (m_muxChannel != channel || !m_mux) {
        previous = std::move(m_mux);
        m_mux = std::make_shared<client::WatchMux>(channel);
        m_muxChannel = channel;
    }
    return m_mux;
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
