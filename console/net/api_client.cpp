#include "net/api_client.h"

#include "net/audit_watch.h"
#include "net/channel_hub.h"
#include "net/proto_convert.h"

#include <aegis/v1/audit.grpc.pb.h>
#include <aegis/v1/system.grpc.pb.h>
#include <client/connection.h>

#include <QCoreApplication>

namespace aegis::console {

ApiClient::ApiClient(ApiClientOptions options, QObject *parent)
    : QObject(parent)
    , m_options(options)
    , m_hub(std::make_shared<ChannelHub>())
    , m_backoff(options.reconnect) {
    m_pool.setMaxThreadCount(4);
    m_pool.setExpiryTimeout(30000);
    m_probeTimer.setSingleShot(true);
    connect(&m_probeTimer, &QTimer::timeout, this, &ApiClient::probe);
}

ApiClient::~ApiClient() {
    shutdown();
}

void ApiClient::shutdown() {
    if (m_shutDown) {
        return;
    }
    m_shutDown = true;
    m_probeTimer.stop();
    m_hub->close();
    m_watch.reset();
    m_pool.clear();
    m_pool.waitForDone();
}

void ApiClient::connectTo(const ConnectionSettings &settings) {
    if (m_shutDown) {
        return;
    }
    ++m_generation;
    m_settings = settings;
    m_hub->configure(settings);
    m_lastStatus.reset();
    m_probeInFlight = false;
    m_backoff.reset();
    emit connectionChanged(settings);
    setState(ConnectionState::Connecting, {});
    m_probeTimer.stop();
    probe();
}

void ApiClient::refreshStatus() {
    if (m_state == ConnectionState::Disconnected || m_shutDown || m_probeInFlight) {
        return;
    }
    m_probeTimer.stop();
    probe();
}

template <typename T>
void ApiClient::submit(
    std::function<Outcome<T>(const std::shared_ptr<grpc::Channel> &, grpc::ClientContext &)> work,
    std::function<void(Outcome<T> &)> deliver) {
    if (m_shutDown) {
        return;
    }
    const quint64 generation = m_generation;
    auto hub = m_hub;
    const auto timeout = m_options.callTimeout;
    m_pool.start([this, hub, timeout, generation, work, deliver] {
        Outcome<T> outcome = CallError{1, QStringLiteral("cancelled")};
        CallError error;
        auto channel = hub->acquire(&error);
        if (!channel) {
            outcome = error;
        } else {
            grpc::ClientContext context;
            client::setTimeout(context, timeout);
            if (!hub->track(&context)) {
                return;
            }
            outcome = work(channel, context);
            hub->untrack(&context);
            if (auto *failed = std::get_if<CallError>(&outcome);
                failed && failed->isUnreachable()) {
                hub->invalidate(channel);
            }
        }
        // `this` outlives the pool (shutdown() waits for it), and a queued call to a destroyed
        // object is discarded.
        QMetaObject::invokeMethod(
            this,
            [this, generation, deliver, outcome]() mutable {
                if (!m_shutDown && generation == m_generation) {
                    deliver(outcome);
                }
            },
            Qt::QueuedConnection);
    });
}

void ApiClient::probe() {
    if (m_shutDown || m_probeInFlight || m_state == ConnectionState::Disconnected) {
        return;
    }
    m_probeInFlight = true;
    submit<DaemonStatus>(
        [](const std::shared_ptr<grpc::Channel> &channel,
           grpc::ClientContext &context) -> Outcome<DaemonStatus> {
            auto stub = v1::SystemService::NewStub(channel);
            v1::GetStatusResponse response;
            const auto started = std::chrono::steady_clock::now();
            const grpc::Status status = stub->GetStatus(&context, {}, &response);
            const auto elapsed = std::chrono::steady_clock::now() - started;
            if (!status.ok()) {
                return fromStatus(status);
            }
            DaemonStatus result = fromProto(response);
            result.roundTripMs = static_cast<int>(
                std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count());
            result.receivedAt = QDateTime::currentDateTimeUtc();
            return result;
        },
        [this](Outcome<DaemonStatus> &result) { onProbeResult(result); });
}

void ApiClient::onProbeResult(Outcome<DaemonStatus> &result) {
    m_probeInFlight = false;
    if (auto *status = std::get_if<DaemonStatus>(&result)) {
        m_backoff.reset();
        m_retryDelay = std::chrono::milliseconds(0);
        m_lastStatus = *status;
        setState(ConnectionState::Connected, {});
        emit statusReceived(*status);
        m_probeTimer.start(m_options.statusInterval);
        return;
    }
    const CallError &error = std::get<CallError>(result);
    m_retryDelay = m_backoff.next();
    setState(ConnectionState::Unreachable, error.describe());
    m_probeTimer.start(m_retryDelay);
}

void ApiClient::setState(ConnectionState state, const QString &reason) {
    if (state == m_state && reason == m_stateReason) {
        return;
    }
    m_state = state;
    m_stateReason = reason;
    emit stateChanged(state, reason);
}

quint64 ApiClient::listAuditRecords(const AuditQuery &query, const QString &pageToken,
                                    int pageSize) {
    const quint64 id = m_nextRequestId++;
    v1::ListAuditRecordsRequest request;
    toProto(query, request.mutable_filter());
    request.set_page_size(pageSize);
    request.set_page_token(pageToken.toStdString());
    submit<AuditRecordPage>(
        [request](const std::shared_ptr<grpc::Channel> &channel,
                  grpc::ClientContext &context) -> Outcome<AuditRecordPage> {
            auto stub = v1::AuditService::NewStub(channel);
            v1::ListAuditRecordsResponse response;
            const grpc::Status status = stub->ListAuditRecords(&context, request, &response);
            if (!status.ok()) {
                return fromStatus(status);
            }
            AuditRecordPage page;
            page.records.reserve(response.records_size());
            for (const auto &record : response.records()) {
                page.records.append(fromProto(record));
            }
            page.nextPageToken = QString::fromStdString(response.next_page_token());
            page.revision = response.header().revision();
            return page;
        },
        [this, id](Outcome<AuditRecordPage> &result) {
            if (auto *page = std::get_if<AuditRecordPage>(&result)) {
                emit auditPageReceived(id, *page);
            } else {
                emit auditPageFailed(id, std::get<CallError>(result));
            }
        });
    return id;
}

void ApiClient::watchAuditRecords(const AuditQuery &query, qint64 startRevision) {
    stopAuditWatch();
    if (m_shutDown) {
        return;
    }
    const quint64 generation = ++m_watchGeneration;
    // Each callback runs on the stream thread and posts to this object; stopAuditWatch() joins
    // that thread before this object can go away.
    AuditWatch::Callbacks callbacks;
    callbacks.onRecords = [this, generation](QList<AuditEntry> records, qint64 revision) {
        QMetaObject::invokeMethod(
            this,
            [this, generation, records, revision] {
                if (generation == m_watchGeneration) {
                    emit auditRecordsArrived(records, revision);
                }
            },
            Qt::QueuedConnection);
    };
    callbacks.onLive = [this, generation](bool live, QString reason) {
        QMetaObject::invokeMethod(
            this,
            [this, generation, live, reason] {
                if (generation == m_watchGeneration) {
                    m_watchLive = live;
                    emit auditWatchLiveChanged(live, reason);
                }
            },
            Qt::QueuedConnection);
    };
    callbacks.onResync = [this, generation](qint64 compactRevision) {
        QMetaObject::invokeMethod(
            this,
            [this, generation, compactRevision] {
                if (generation == m_watchGeneration) {
                    emit auditWatchResyncNeeded(compactRevision);
                }
            },
            Qt::QueuedConnection);
    };
    AuditWatch::Options options;
    options.query = query;
    options.startRevision = startRevision;
    options.streamDeadline = m_options.streamDeadline;
    options.backoff = m_options.reconnect;
    m_watch = std::make_unique<AuditWatch>(m_hub, options, std::move(callbacks));
}

void ApiClient::stopAuditWatch() {
    ++m_watchGeneration;
    m_watch.reset();
    if (m_watchLive) {
        m_watchLive = false;
        emit auditWatchLiveChanged(false, {});
    }
}

} // namespace aegis::console
