#include "net/session.h"

#include "net/channel_hub.h"
#include "net/system_api.h"

#include <client/connection.h>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <utility>

namespace aegis::console {

Session::Session(SessionOptions options, QObject *parent)
    : QObject(parent)
    , m_options(options)
    , m_hub(std::make_shared<ChannelHub>())
    , m_backoff(options.reconnect) {
    m_pool.setMaxThreadCount(4);
    m_pool.setExpiryTimeout(30000);
    m_probeTimer.setSingleShot(true);
    connect(&m_probeTimer, &QTimer::timeout, this, &Session::probe);
}

Session::~Session() {
    shutdown();
}

void Session::shutdown() {
    if (m_shutDown) {
        return;
    }
    m_shutDown = true;
    m_probeTimer.stop();
    m_hub->close();
    m_pool.clear();
    m_pool.waitForDone();
}

void Session::connectTo(const ConnectionSettings &settings) {
    if (m_shutDown) {
        return;
    }
    ++m_generation;
    m_settings = settings;
    m_hub->configure(settings);
    m_lastStatus.reset();
    m_identity.reset();
    m_probeInFlight = false;
    m_identityInFlight = false;
    m_extensions.reset();
    m_extensionsInFlight = false;
    m_backoff.reset();
    emit connectionChanged(settings);
    setState(ConnectionState::Connecting, {});
    m_probeTimer.stop();
    probe();
}

void Session::refreshStatus() {
    if (m_state == ConnectionState::Disconnected || m_shutDown || m_probeInFlight) {
        return;
    }
    m_probeTimer.stop();
    probe();
}

void Session::submit(QObject *context, Work work) {
    submit(context, std::move(work), ChannelKind::Standard);
}

void Session::submit(QObject *context, Work work, ChannelKind kind) {
    if (m_shutDown) {
        return;
    }
    const quint64 generation = m_generation;
    const QPointer<QObject> target(context);
    auto hub = m_hub;
    const auto timeout =
        kind == ChannelKind::Bulk ? m_options.bulkCallTimeout : m_options.callTimeout;
    m_pool.start([this, hub, kind, timeout, generation, target, work = std::move(work)] {
        Delivery delivery;
        CallError error;
        auto channel = hub->acquire(&error, kind);
        if (!channel) {
            delivery = work(nullptr, nullptr, error);
        } else {
            grpc::ClientContext call;
            client::setTimeout(call, timeout);
            if (!hub->track(&call)) {
                return;
            }
            delivery = work(channel, &call, {});
            hub->untrack(&call);
        }
        // `this` outlives the pool (shutdown() waits for it). The context is only looked at on
        // this object's thread, where it lives too, so it cannot go away between the check and
        // the call.
        QMetaObject::invokeMethod(
            this,
            [this, generation, target, delivery = std::move(delivery)] {
                if (m_shutDown || generation != m_generation || target.isNull()) {
                    return;
                }
                if (target->thread() == thread()) {
                    delivery();
                } else {
                    QMetaObject::invokeMethod(target.data(), delivery, Qt::QueuedConnection);
                }
            },
            Qt::QueuedConnection);
    });
}

void Session::probe() {
    if (m_shutDown || m_probeInFlight || m_state == ConnectionState::Disconnected) {
        return;
    }
    m_probeInFlight = true;
    SystemApi(this).getStatus(this, [this](const CallResult<DaemonStatus> &result) {
        if (result.ok()) {
            onProbeResult(result.value(), {});
        } else {
            onProbeResult(std::nullopt, result.error());
        }
    });
}

void Session::onProbeResult(const std::optional<DaemonStatus> &status, const CallError &error) {
    m_probeInFlight = false;
    if (status) {
        // A first answer, or the first after the daemon was unreachable: the token may have been
        // replaced or its role changed meanwhile.
        if (m_state != ConnectionState::Connected || !m_identity) {
            fetchIdentity();
        }
        m_backoff.reset();
        m_retryDelay = std::chrono::milliseconds(0);
        m_lastStatus = *status;
        setState(ConnectionState::Connected, {});
        emit statusReceived(*status);
        m_probeTimer.start(m_options.statusInterval);
        return;
    }
    m_retryDelay = m_backoff.next();
    setState(ConnectionState::Unreachable, error.describe());
    m_probeTimer.start(m_retryDelay);
}

void Session::fetchIdentity() {
    if (m_identityInFlight) {
        return;
    }
    m_identityInFlight = true;
    SystemApi(this).whoAmI(this, [this](const CallResult<CallerIdentity> &result) {
        m_identityInFlight = false;
        // On failure the identity stays unknown (the daemon decides on each call) and the next
        // reconnect asks again.
        if (result.ok()) {
            m_identity = result.value();
            emit identityChanged(result.value());
        }
    });
}

void Session::fetchExtensions() {
    if (m_extensions || m_extensionsInFlight) {
        return;
    }
    m_extensionsInFlight = true;
    SystemApi(this).listExtensions(this, [this](const CallResult<ExtensionCatalog> &result) {
        m_extensionsInFlight = false;
        if (result.ok()) {
            m_extensions = result.value();
            emit extensionsChanged(result.value());
        } else {
            emit extensionsFailed(result.error());
        }
    });
}

void Session::withExtensions(QObject *context, std::function<void(const ExtensionCatalog &)> ready,
                             std::function<void(const CallError &)> failed) {
    if (m_extensions) {
        ready(*m_extensions);
        return;
    }
    connect(this, &Session::extensionsChanged, context, std::move(ready), Qt::SingleShotConnection);
    connect(this, &Session::extensionsFailed, context, std::move(failed));
    fetchExtensions();
}

void Session::setState(ConnectionState state, const QString &reason) {
    if (state == m_state && reason == m_stateReason) {
        return;
    }
    m_state = state;
    m_stateReason = reason;
    emit stateChanged(state, reason);
}

} // namespace aegis::console
