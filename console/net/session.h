#pragma once

#include "client/backoff.h"
#include "net/connection_types.h"

#include <QObject>
#include <QPointer>
#include <QThreadPool>
#include <QTimer>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

namespace grpc {
class Channel;
class ClientContext;
} // namespace grpc

namespace aegis::console {

class ChannelHub;
enum class ChannelKind;

struct SessionOptions {
    // How often GetStatus is called while connected (status, revision and round-trip time).
    std::chrono::milliseconds statusInterval{2000};
    // Deadline of every unary call but the bulk ones.
    std::chrono::milliseconds callTimeout{5000};
    // Deadline of a bulk call (a whole trace in full, tens of megabytes over a slow link).
    std::chrono::milliseconds bulkCallTimeout{60000};
    // Deadline of a watch stream; it is renewed transparently when it passes.
    std::chrono::milliseconds streamDeadline{std::chrono::minutes(5)};
    // Delays between reconnect attempts (status probes and streams alike).
    client::BackoffOptions reconnect{.initial = std::chrono::milliseconds(500),
                                     .max = std::chrono::milliseconds(15000)};
};

// The console's connection to one aegisd, shared by every page: the channel, whether the daemon
// answers (probed with GetStatus every statusInterval while connected and, when unreachable, at
// exponentially growing, jittered intervals until it answers again) and who the caller is
// (WhoAmI, fetched once per connection and again after every reconnect). Lives on the GUI
// thread and never blocks it. Pages do not call the daemon through it directly but through the
// per-area facades (RegistryApi, ConfigApi, …), which run each call on the session's worker
// pool with a deadline and deliver its one result to a context object.
//
// Results of calls made for an earlier connection are dropped. shutdown() (also run by the
// destructor) cancels every call and joins the worker threads; it does not block on the network.
// Watches started through the facades hold the channel hub, not the session; their owner stops
// them.
class Session final : public QObject {
    Q_OBJECT
public:
    explicit Session(SessionOptions options = {}, QObject *parent = nullptr);
    ~Session() override;

    void connectTo(const ConnectionSettings &settings);
    void shutdown();

    const SessionOptions &options() const { return m_options; }
    const ConnectionSettings &settings() const { return m_settings; }
    ConnectionState state() const { return m_state; }
    bool isConnected() const { return m_state == ConnectionState::Connected; }
    // Why the daemon is unreachable; empty otherwise.
    QString stateReason() const { return m_stateReason; }
    const std::optional<DaemonStatus> &lastStatus() const { return m_lastStatus; }
    // When the next reconnect attempt is due, while unreachable.
    std::chrono::milliseconds retryDelay() const { return m_retryDelay; }

    // Who the token belongs to; empty until WhoAmI answered on this connection.
    const std::optional<CallerIdentity> &identity() const { return m_identity; }
    // False only once the daemon said the caller is a viewer: while the role is unknown the
    // daemon decides on each call.
    bool mayChange() const { return !m_identity || !m_identity->isViewer(); }

    // The daemon's drivers, routers and probers; empty until fetchExtensions() was answered on
    // this connection (they do not change while it lasts).
    const std::optional<ExtensionCatalog> &extensions() const { return m_extensions; }
    // Asks for them unless they are known or already asked for; extensionsChanged answers.
    void fetchExtensions();
    // Calls `ready` with the extensions on `context`'s thread — at once when they are known,
    // else once they arrive — and `failed` with each failure to get them meanwhile; neither runs
    // after `context` is destroyed.
    void withExtensions(QObject *context, std::function<void(const ExtensionCatalog &)> ready,
                        std::function<void(const CallError &)> failed);

    // Probes GetStatus now (unless a probe is in flight).
    void refreshStatus();

    // For the facades. Runs `work` on the worker pool with a tracked, deadline-bound context
    // (or with a null channel when none can be built: `work` must then report the error it is
    // given) and then runs what it returned on `context`'s thread, unless `context` was destroyed
    // or the connection changed or the session shut down meanwhile.
    using Delivery = std::function<void()>;
    using Work = std::function<Delivery(const std::shared_ptr<grpc::Channel> &channel,
                                        grpc::ClientContext *call, const CallError &noChannel)>;
    // A Bulk call uses the hub's Bulk channel and bulkCallTimeout.
    void submit(QObject *context, Work work, ChannelKind kind);
    void submit(QObject *context, Work work);

    // The channel and the calls in flight; watches run their own threads on it.
    const std::shared_ptr<ChannelHub> &hub() const { return m_hub; }

signals:
    // connectTo() was called: everything shown so far belongs to the previous daemon.
    void connectionChanged(const aegis::console::ConnectionSettings &settings);
    void stateChanged(aegis::console::ConnectionState state, const QString &reason);
    void statusReceived(const aegis::console::DaemonStatus &status);
    // WhoAmI answered (after a connect or a reconnect); identity() has it.
    void identityChanged(const aegis::console::CallerIdentity &identity);
    // ListExtensions answered; extensions() has them.
    void extensionsChanged(const aegis::console::ExtensionCatalog &catalog);
    // ListExtensions failed; fetchExtensions() may ask again.
    void extensionsFailed(const aegis::console::CallError &error);

private:
    void probe();
    void onProbeResult(const std::optional<DaemonStatus> &status, const CallError &error);
    void fetchIdentity();
    void setState(ConnectionState state, const QString &reason);

    SessionOptions m_options;
    std::shared_ptr<ChannelHub> m_hub;
    QThreadPool m_pool;
    QTimer m_probeTimer;
    client::ExponentialBackoff m_backoff;
    ConnectionSettings m_settings;
    ConnectionState m_state = ConnectionState::Disconnected;
    QString m_stateReason;
    std::optional<DaemonStatus> m_lastStatus;
    std::optional<CallerIdentity> m_identity;
    std::chrono::milliseconds m_retryDelay{0};
    quint64 m_generation = 0;
    bool m_probeInFlight = false;
    bool m_identityInFlight = false;
    std::optional<ExtensionCatalog> m_extensions;
    bool m_extensionsInFlight = false;
    bool m_shutDown = false;
};

} // namespace aegis::console
