#include "net/api_client.h"

#include "net/audit_watch.h"
#include "net/channel_hub.h"
#include "net/proto_convert.h"
#include "net/resumable_watch.h"

#include <aegis/v1/audit.grpc.pb.h>
#include <aegis/v1/auth.grpc.pb.h>
#include <aegis/v1/config.grpc.pb.h>
#include <aegis/v1/health.grpc.pb.h>
#include <aegis/v1/registry.grpc.pb.h>
#include <aegis/v1/rollout.grpc.pb.h>
#include <aegis/v1/system.grpc.pb.h>
#include <client/connection.h>

#include <QCoreApplication>

#include <type_traits>
#include <utility>

namespace aegis::console {
namespace {

// Turns a response into the console's value type with the matching fromProto() overload.
constexpr auto responseFromProto = [](const auto &response) { return fromProto(response); };
// For an RPC whose response carries nothing the console shows: success alone.
constexpr auto acknowledged = [](const auto & /*response*/) { return true; };

// What a publish-like response left: its item (or items) and, when the namespace requires
// approval, the proposal the change became.
constexpr auto publishResult = [](const auto &response) {
    ConfigPublishResult result;
    result.revision = response.header().revision();
    if constexpr (requires { response.items(); }) {
        for (const auto &item : response.items()) {
            result.items.append(fromProto(item));
        }
    } else {
        if (response.has_item()) {
            result.items.append(fromProto(response.item()));
        }
    }
    if constexpr (requires { response.proposal(); }) {
        if (response.has_proposal()) {
            result.proposal = fromProto(response.proposal());
        }
    }
    return result;
};

} // namespace

ApiClient::ApiClient(ApiClientOptions options, QObject *parent)
    : QObject(parent)
    , m_options(options)
    , m_hub(std::make_shared<ChannelHub>())
    , m_backoff(options.reconnect) {
    m_pool.setMaxThreadCount(4);
    m_pool.setExpiryTimeout(30000);
    m_probeTimer.setSingleShot(true);
    connect(&m_probeTimer, &QTimer::timeout, this, &ApiClient::probe);
    // Connected first, so the catalog is kept before anyone else hears of it.
    connect(this, &ApiClient::extensionsReceived, this,
            [this](quint64, const ExtensionCatalog &catalog) { m_extensions = catalog; });
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
    m_instanceWatch.reset();
    m_configWatch.reset();
    m_rolloutWatch.reset();
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
    m_extensions.reset();
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

template <typename Stub, typename Request, typename Response, typename Convert, typename Received>
quint64 ApiClient::callUnary(Request request, UnaryRpc<Stub, Request, Response> rpc,
                             Convert convert, Received received, FailedSignal failed) {
    using T = std::invoke_result_t<Convert &, const Response &>;
    const quint64 id = m_nextRequestId++;
    submit<T>(
        [request = std::move(request), rpc, convert](const std::shared_ptr<grpc::Channel> &channel,
                                                     grpc::ClientContext &context) -> Outcome<T> {
            Stub stub(channel);
            Response response;
            const grpc::Status status = (stub.*rpc)(&context, request, &response);
            if (!status.ok()) {
                return fromStatus(status);
            }
            return convert(response);
        },
        [this, id, received, failed](Outcome<T> &result) {
            emitOutcome(id, result, received, failed);
        });
    return id;
}

template <typename T>
void ApiClient::emitOutcome(quint64 requestId, const Outcome<T> &outcome,
                            void (ApiClient::*received)(quint64, const T &), FailedSignal failed) {
    if (const auto *value = std::get_if<T>(&outcome)) {
        emit(this->*received)(requestId, *value);
    } else {
        emit(this->*failed)(requestId, std::get<CallError>(outcome));
    }
}

void ApiClient::emitOutcome(quint64 requestId, const Outcome<bool> &outcome,
                            void (ApiClient::*succeeded)(quint64), FailedSignal failed) {
    if (std::holds_alternative<bool>(outcome)) {
        emit(this->*succeeded)(requestId);
    } else {
        emit(this->*failed)(requestId, std::get<CallError>(outcome));
    }
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
    v1::ListAuditRecordsRequest request;
    toProto(query, request.mutable_filter());
    request.set_page_size(pageSize);
    request.set_page_token(pageToken.toStdString());
    return callUnary(std::move(request), &v1::AuditService::Stub::ListAuditRecords,
                     responseFromProto, &ApiClient::auditPageReceived, &ApiClient::auditPageFailed);
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
        postForWatch(m_watchGeneration, generation,
                     [this, records, revision] { emit auditRecordsArrived(records, revision); });
    };
    callbacks.onLive = [this, generation](bool live, QString reason) {
        postForWatch(m_watchGeneration, generation, [this, live, reason] {
            m_watchLive = live;
            emit auditWatchLiveChanged(live, reason);
        });
    };
    callbacks.onResync = [this, generation](qint64 compactRevision) {
        postForWatch(m_watchGeneration, generation,
                     [this, compactRevision] { emit auditWatchResyncNeeded(compactRevision); });
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

void ApiClient::postForWatch(const quint64 &counter, quint64 generation,
                             std::function<void()> apply) {
    // `counter` is a member of this object; it is read on this object's thread only.
    QMetaObject::invokeMethod(
        this,
        [&counter, generation, apply = std::move(apply)] {
            if (generation == counter) {
                apply();
            }
        },
        Qt::QueuedConnection);
}

quint64 ApiClient::listServices(const QString &pageToken, int pageSize) {
    v1::ListServicesRequest request;
    request.set_page_size(pageSize);
    request.set_page_token(pageToken.toStdString());
    return callUnary(std::move(request), &v1::RegistryService::Stub::ListServices,
                     responseFromProto, &ApiClient::servicesPageReceived,
                     &ApiClient::registryCallFailed);
}

quint64 ApiClient::listInstances(const QString &pageToken, int pageSize) {
    v1::ListInstancesRequest request;
    request.set_page_size(pageSize);
    request.set_page_token(pageToken.toStdString());
    // Operators see every instance with its health; discovery's default hides critical ones.
    request.set_include_unroutable(true);
    return callUnary(std::move(request), &v1::RegistryService::Stub::ListInstances,
                     responseFromProto, &ApiClient::instancesPageReceived,
                     &ApiClient::registryCallFailed);
}

quint64 ApiClient::setInstanceState(const QString &service, const QString &instanceId,
                                    InstanceState state) {
    v1::SetInstanceStateRequest request;
    request.set_service(service.toStdString());
    request.set_instance_id(instanceId.toStdString());
    request.set_state(toProto(state));
    return callUnary(std::move(request), &v1::RegistryService::Stub::SetInstanceState, acknowledged,
                     &ApiClient::instanceActionSucceeded, &ApiClient::registryCallFailed);
}

quint64 ApiClient::deregisterInstance(const QString &service, const QString &instanceId) {
    v1::DeregisterInstanceRequest request;
    request.set_service(service.toStdString());
    request.set_instance_id(instanceId.toStdString());
    return callUnary(std::move(request), &v1::RegistryService::Stub::DeregisterInstance,
                     acknowledged, &ApiClient::instanceActionSucceeded,
                     &ApiClient::registryCallFailed);
}

void ApiClient::watchInstances(qint64 startRevision) {
    stopInstanceWatch();
    if (m_shutDown) {
        return;
    }
    const quint64 generation = ++m_instanceWatchGeneration;
    const quint64 &counter = m_instanceWatchGeneration;
    // The session and callbacks run on the stream thread and only post to this object;
    // stopInstanceWatch() joins that thread before this object can go away.
    auto session = [this, generation, &counter](const std::shared_ptr<grpc::Channel> &channel,
                                                grpc::ClientContext &context, qint64 start,
                                                const ResumableWatch::Received &received) {
        v1::WatchInstancesRequest request;
        request.set_start_revision(start);
        request.set_include_unroutable(true);
        auto stub = v1::RegistryService::NewStub(channel);
        auto reader = stub->WatchInstances(&context, request);
        v1::WatchInstancesResponse response;
        while (reader->Read(&response)) {
            QList<InstanceChange> changes;
            changes.reserve(response.events_size());
            qint64 revision = response.header().revision();
            for (const auto &event : response.events()) {
                changes.append(fromProto(event));
                revision = std::max<qint64>(revision, event.revision());
            }
            received(revision);
            if (!changes.isEmpty()) {
                postForWatch(counter, generation, [this, changes, revision] {
                    emit instanceChangesArrived(changes, revision);
                });
            }
        }
        return reader->Finish();
    };
    ResumableWatch::Callbacks callbacks;
    callbacks.onLive = [this, generation, &counter](bool live, QString reason) {
        postForWatch(counter, generation, [this, live, reason] {
            m_instanceWatchLive = live;
            emit instanceWatchLiveChanged(live, reason);
        });
    };
    callbacks.onResync = [this, generation, &counter](qint64 compactRevision) {
        postForWatch(counter, generation,
                     [this, compactRevision] { emit instanceWatchResyncNeeded(compactRevision); });
    };
    ResumableWatch::Options options;
    options.startRevision = startRevision;
    options.streamDeadline = m_options.streamDeadline;
    options.backoff = m_options.reconnect;
    m_instanceWatch =
        std::make_unique<ResumableWatch>(m_hub, options, std::move(session), std::move(callbacks));
}

void ApiClient::stopInstanceWatch() {
    ++m_instanceWatchGeneration;
    m_instanceWatch.reset();
    if (m_instanceWatchLive) {
        m_instanceWatchLive = false;
        emit instanceWatchLiveChanged(false, {});
    }
}

quint64 ApiClient::getHealthCheck(const QString &service) {
    v1::GetHealthCheckRequest request;
    request.set_service(service.toStdString());
    return callUnary(
        std::move(request), &v1::HealthService::Stub::GetHealthCheck,
        [service](const v1::GetHealthCheckResponse &response) {
            HealthCheckRevision check = fromProto(response);
            check.service = service;
            return check;
        },
        &ApiClient::healthCheckReceived, &ApiClient::healthCallFailed);
}

quint64 ApiClient::updateHealthCheck(const QString &service, const HealthCheckSpec &check,
                                     qint64 expectedRevision) {
    v1::UpdateHealthCheckRequest request;
    request.set_service(service.toStdString());
    toProto(check, request.mutable_check());
    request.set_expected_revision(expectedRevision);
    return callUnary(
        std::move(request), &v1::HealthService::Stub::UpdateHealthCheck,
        [service](const v1::UpdateHealthCheckResponse &response) {
            HealthCheckRevision updated = fromProto(response);
            updated.service = service;
            return updated;
        },
        &ApiClient::healthCheckUpdated, &ApiClient::healthCallFailed);
}

quint64 ApiClient::getInstanceHealth(const QString &service, const QString &instanceId) {
    v1::GetInstanceHealthRequest request;
    request.set_service(service.toStdString());
    request.set_instance_id(instanceId.toStdString());
    return callUnary(
        std::move(request), &v1::HealthService::Stub::GetInstanceHealth,
        [service, instanceId](const v1::GetInstanceHealthResponse &response) {
            InstanceHealthReport report = fromProto(response);
            report.service = service;
            report.instanceId = instanceId;
            return report;
        },
        &ApiClient::instanceHealthReceived, &ApiClient::healthCallFailed);
}

quint64 ApiClient::listHealthHistory(const QString &service, const QString &instanceId,
                                     const QString &pageToken, int pageSize) {
    v1::ListHealthHistoryRequest request;
    request.set_service(service.toStdString());
    request.set_instance_id(instanceId.toStdString());
    request.set_page_size(pageSize);
    request.set_page_token(pageToken.toStdString());
    return callUnary(
        std::move(request), &v1::HealthService::Stub::ListHealthHistory,
        [service, instanceId](const v1::ListHealthHistoryResponse &response) {
            HealthHistoryPage page = fromProto(response);
            page.service = service;
            page.instanceId = instanceId;
            return page;
        },
        &ApiClient::healthHistoryPageReceived, &ApiClient::healthCallFailed);
}

quint64 ApiClient::whoAmI() {
    return callUnary(v1::WhoAmIRequest{}, &v1::AuthService::Stub::WhoAmI, responseFromProto,
                     &ApiClient::identityReceived, &ApiClient::identityFailed);
}

quint64 ApiClient::listExtensions() {
    return callUnary(v1::ListExtensionsRequest{}, &v1::SystemService::Stub::ListExtensions,
                     responseFromProto, &ApiClient::extensionsReceived,
                     &ApiClient::extensionsFailed);
}

quint64 ApiClient::listConfigNamespaces() {
    return callUnary(v1::ListNamespacesRequest{}, &v1::ConfigService::Stub::ListNamespaces,
                     responseFromProto, &ApiClient::configNamespacesReceived,
                     &ApiClient::configCallFailed);
}

quint64 ApiClient::listConfigItems(const QString &ns, const QString &pageToken, bool includeContent,
                                   int pageSize) {
    v1::ListConfigItemsRequest request;
    request.set_namespace_(ns.toStdString());
    request.set_include_content(includeContent);
    request.set_page_size(pageSize);
    request.set_page_token(pageToken.toStdString());
    return callUnary(
        std::move(request), &v1::ConfigService::Stub::ListConfigItems,
        [ns, includeContent](const v1::ListConfigItemsResponse &response) {
            ConfigItemPage page = fromProto(response);
            page.ns = ns;
            for (ConfigItem &item : page.items) {
                item.hasContent = includeContent;
            }
            return page;
        },
        &ApiClient::configItemsReceived, &ApiClient::configCallFailed);
}

quint64 ApiClient::getConfigItem(const ConfigItemRef &ref) {
    v1::GetConfigItemRequest request;
    toProto(ref, request.mutable_ref());
    return callUnary(
        std::move(request), &v1::ConfigService::Stub::GetConfigItem,
        [](const v1::GetConfigItemResponse &response) { return fromProto(response.item()); },
        &ApiClient::configItemReceived, &ApiClient::configCallFailed);
}

quint64 ApiClient::publishConfig(const ConfigItemRef &ref, ConfigFormat format,
                                 const QString &content, qint64 baseVersion,
                                 const QString &comment) {
    v1::PublishConfigRequest request;
    v1::ConfigChange *change = request.mutable_change();
    toProto(ref, change->mutable_ref());
    change->set_format(toProto(format));
    change->set_content(content.toStdString());
    change->set_base_version(baseVersion);
    request.set_comment(comment.toStdString());
    return callUnary(std::move(request), &v1::ConfigService::Stub::PublishConfig, publishResult,
                     &ApiClient::configPublished, &ApiClient::configCallFailed);
}

quint64 ApiClient::listConfigVersions(const ConfigItemRef &ref, bool includeContent,
                                      const QString &pageToken, int pageSize) {
    v1::ListConfigVersionsRequest request;
    toProto(ref, request.mutable_ref());
    request.set_include_content(includeContent);
    request.set_page_size(pageSize);
    request.set_page_token(pageToken.toStdString());
    return callUnary(
        std::move(request), &v1::ConfigService::Stub::ListConfigVersions,
        [ref](const v1::ListConfigVersionsResponse &response) {
            ConfigVersionPage page = fromProto(response);
            page.ref = ref;
            return page;
        },
        &ApiClient::configVersionsReceived, &ApiClient::configCallFailed);
}

quint64 ApiClient::diffConfigVersions(const ConfigItemRef &ref, qint64 fromVersion,
                                      qint64 toVersion, int contextLines) {
    v1::DiffConfigVersionsRequest request;
    toProto(ref, request.mutable_ref());
    request.set_from_version(fromVersion);
    request.set_to_version(toVersion);
    request.set_context_lines(contextLines);
    return callUnary(
        std::move(request), &v1::ConfigService::Stub::DiffConfigVersions,
        [ref, fromVersion, toVersion](const v1::DiffConfigVersionsResponse &response) {
            return ConfigVersionDiff{ref,
                                     fromVersion,
                                     toVersion,
                                     fromStd(response.unified_diff()),
                                     response.added_lines(),
                                     response.removed_lines()};
        },
        &ApiClient::configDiffReceived, &ApiClient::configCallFailed);
}

quint64 ApiClient::rollbackConfig(const ConfigItemRef &ref, qint64 toVersion, qint64 baseVersion,
                                  const QString &comment) {
    v1::RollbackConfigRequest request;
    toProto(ref, request.mutable_ref());
    request.set_to_version(toVersion);
    request.set_base_version(baseVersion);
    request.set_comment(comment.toStdString());
    return callUnary(std::move(request), &v1::ConfigService::Stub::RollbackConfig, publishResult,
                     &ApiClient::configPublished, &ApiClient::configCallFailed);
}

quint64 ApiClient::startGrayRelease(const ConfigItemRef &ref, const QString &content,
                                    qint64 baseVersion, const ConfigGrayRelease &target,
                                    const QString &comment) {
    v1::StartGrayReleaseRequest request;
    toProto(ref, request.mutable_ref());
    request.set_content(content.toStdString());
    request.set_base_version(baseVersion);
    request.set_selector(target.selector.toStdString());
    for (const QString &id : target.instanceIds) {
        request.add_instance_ids(id.toStdString());
    }
    request.set_percent(target.percent);
    request.set_comment(comment.toStdString());
    return callUnary(std::move(request), &v1::ConfigService::Stub::StartGrayRelease, publishResult,
                     &ApiClient::configPublished, &ApiClient::configCallFailed);
}

quint64 ApiClient::promoteGrayRelease(const ConfigItemRef &ref, const QString &comment) {
    v1::PromoteGrayReleaseRequest request;
    toProto(ref, request.mutable_ref());
    request.set_comment(comment.toStdString());
    return callUnary(std::move(request), &v1::ConfigService::Stub::PromoteGrayRelease,
                     publishResult, &ApiClient::configPublished, &ApiClient::configCallFailed);
}

quint64 ApiClient::cancelGrayRelease(const ConfigItemRef &ref) {
    v1::CancelGrayReleaseRequest request;
    toProto(ref, request.mutable_ref());
    return callUnary(std::move(request), &v1::ConfigService::Stub::CancelGrayRelease, publishResult,
                     &ApiClient::configPublished, &ApiClient::configCallFailed);
}

quint64 ApiClient::getAppliedStatus(const ConfigItemRef &ref) {
    v1::GetAppliedStatusRequest request;
    toProto(ref, request.mutable_ref());
    return callUnary(
        std::move(request), &v1::ConfigService::Stub::GetAppliedStatus,
        [ref](const v1::GetAppliedStatusResponse &response) {
            ConfigAppliedStatus status = fromProto(response);
            status.ref = ref;
            return status;
        },
        &ApiClient::configAppliedStatusReceived, &ApiClient::configCallFailed);
}

void ApiClient::watchConfig(const QString &ns, qint64 startRevision) {
    stopConfigWatch();
    if (m_shutDown) {
        return;
    }
    m_configWatchNamespace = ns;
    const quint64 generation = ++m_configWatchGeneration;
    const quint64 &counter = m_configWatchGeneration;
    // As watchInstances(): the session runs on the stream thread and only posts to this object.
    auto session = [this, ns, generation, &counter](const std::shared_ptr<grpc::Channel> &channel,
                                                    grpc::ClientContext &context, qint64 start,
                                                    const ResumableWatch::Received &received) {
        v1::WatchConfigRequest request;
        request.set_namespace_(ns.toStdString());
        request.set_start_revision(start);
        auto stub = v1::ConfigService::NewStub(channel);
        auto reader = stub->WatchConfig(&context, request);
        v1::WatchConfigResponse response;
        while (reader->Read(&response)) {
            QList<ConfigChangeEvent> events;
            events.reserve(response.events_size());
            qint64 revision = response.header().revision();
            for (const auto &event : response.events()) {
                events.append(fromProto(event));
                if (!response.snapshot()) {
                    revision = std::max<qint64>(revision, event.revision());
                }
            }
            received(revision);
            const bool snapshot = response.snapshot();
            if (!events.isEmpty() || snapshot) {
                postForWatch(counter, generation, [this, ns, events, revision, snapshot] {
                    emit configEventsArrived(ns, events, revision, snapshot);
                });
            }
        }
        return reader->Finish();
    };
    ResumableWatch::Callbacks callbacks;
    callbacks.onLive = [this, generation, &counter](bool live, QString reason) {
        postForWatch(counter, generation, [this, live, reason] {
            m_configWatchLive = live;
            emit configWatchLiveChanged(live, reason);
        });
    };
    callbacks.onResync = [this, generation, &counter](qint64 compactRevision) {
        postForWatch(counter, generation,
                     [this, compactRevision] { emit configWatchResyncNeeded(compactRevision); });
    };
    ResumableWatch::Options options;
    options.startRevision = startRevision;
    options.streamDeadline = m_options.streamDeadline;
    options.backoff = m_options.reconnect;
    m_configWatch =
        std::make_unique<ResumableWatch>(m_hub, options, std::move(session), std::move(callbacks));
}

void ApiClient::stopConfigWatch() {
    ++m_configWatchGeneration;
    m_configWatch.reset();
    m_configWatchNamespace.clear();
    if (m_configWatchLive) {
        m_configWatchLive = false;
        emit configWatchLiveChanged(false, {});
    }
}

quint64 ApiClient::startRollout(const RolloutSpec &spec) {
    v1::StartRolloutRequest request;
    toProto(spec, request.mutable_spec());
    return callUnary(
        std::move(request), &v1::RolloutService::Stub::StartRollout,
        [](const v1::StartRolloutResponse &response) { return fromProto(response.rollout()); },
        &ApiClient::rolloutStarted, &ApiClient::rolloutCallFailed);
}

quint64 ApiClient::listRollouts(const QString &service, bool activeOnly, const QString &pageToken,
                                int pageSize) {
    v1::ListRolloutsRequest request;
    request.set_service(service.toStdString());
    request.set_active_only(activeOnly);
    request.set_page_size(pageSize);
    request.set_page_token(pageToken.toStdString());
    return callUnary(
        std::move(request), &v1::RolloutService::Stub::ListRollouts,
        [service](const v1::ListRolloutsResponse &response) {
            RolloutPage page = fromProto(response);
            page.service = service;
            return page;
        },
        &ApiClient::rolloutsPageReceived, &ApiClient::rolloutCallFailed);
}

quint64 ApiClient::listReleases() {
    return callUnary(v1::ListReleasesRequest{}, &v1::RolloutService::Stub::ListReleases,
                     responseFromProto, &ApiClient::releasesReceived,
                     &ApiClient::rolloutCallFailed);
}

quint64 ApiClient::listRolloutLog(const QString &rolloutId, qint64 afterSequence, int pageSize) {
    v1::ListRolloutLogRequest request;
    request.set_rollout_id(rolloutId.toStdString());
    request.set_after_sequence(afterSequence);
    request.set_page_size(pageSize);
    return callUnary(
        std::move(request), &v1::RolloutService::Stub::ListRolloutLog,
        [rolloutId](const v1::ListRolloutLogResponse &response) {
            RolloutLogPage page = fromProto(response);
            page.rolloutId = rolloutId;
            return page;
        },
        &ApiClient::rolloutLogReceived, &ApiClient::rolloutCallFailed);
}

quint64 ApiClient::actOnRollout(RolloutAction action, const QString &id, const QString &reason) {
    v1::RolloutActionRequest request;
    request.set_id(id.toStdString());
    request.set_reason(reason.toStdString());
    using Stub = v1::RolloutService::Stub;
    UnaryRpc<Stub, v1::RolloutActionRequest, v1::RolloutActionResponse> rpc = nullptr;
    switch (action) {
    case RolloutAction::Promote:
        rpc = &Stub::PromoteRollout;
        break;
    case RolloutAction::Pause:
        rpc = &Stub::PauseRollout;
        break;
    case RolloutAction::Resume:
        rpc = &Stub::ResumeRollout;
        break;
    case RolloutAction::Abort:
        rpc = &Stub::AbortRollout;
        break;
    case RolloutAction::Retry:
        rpc = &Stub::RetryRollout;
        break;
    case RolloutAction::Undo:
        rpc = &Stub::UndoRollout;
        break;
    }
    return callUnary(
        std::move(request), rpc,
        [](const v1::RolloutActionResponse &response) { return fromProto(response.rollout()); },
        &ApiClient::rolloutActionSucceeded, &ApiClient::rolloutCallFailed);
}

void ApiClient::watchRollouts(const QString &service, qint64 startRevision) {
    stopRolloutWatch();
    if (m_shutDown) {
        return;
    }
    const quint64 generation = ++m_rolloutWatchGeneration;
    const quint64 &counter = m_rolloutWatchGeneration;
    // As watchInstances(): the session runs on the stream thread and only posts to this object.
    auto session = [this, service, generation, &counter](
                       const std::shared_ptr<grpc::Channel> &channel, grpc::ClientContext &context,
                       qint64 start, const ResumableWatch::Received &received) {
        v1::WatchRolloutsRequest request;
        request.set_service(service.toStdString());
        request.set_start_revision(start);
        auto stub = v1::RolloutService::NewStub(channel);
        auto reader = stub->WatchRollouts(&context, request);
        v1::WatchRolloutsResponse response;
        while (reader->Read(&response)) {
            QList<RolloutEvent> events;
            events.reserve(response.events_size());
            qint64 revision = response.header().revision();
            for (const auto &event : response.events()) {
                events.append(fromProto(event));
                revision = std::max<qint64>(revision, event.revision());
            }
            received(revision);
            if (!events.isEmpty()) {
                postForWatch(counter, generation, [this, events, revision] {
                    emit rolloutEventsArrived(events, revision);
                });
            }
        }
        return reader->Finish();
    };
    ResumableWatch::Callbacks callbacks;
    callbacks.onLive = [this, generation, &counter](bool live, QString reason) {
        postForWatch(counter, generation, [this, live, reason] {
            m_rolloutWatchLive = live;
            emit rolloutWatchLiveChanged(live, reason);
        });
    };
    callbacks.onResync = [this, generation, &counter](qint64 compactRevision) {
        postForWatch(counter, generation,
                     [this, compactRevision] { emit rolloutWatchResyncNeeded(compactRevision); });
    };
    ResumableWatch::Options options;
    options.startRevision = startRevision;
    options.streamDeadline = m_options.streamDeadline;
    options.backoff = m_options.reconnect;
    m_rolloutWatch =
        std::make_unique<ResumableWatch>(m_hub, options, std::move(session), std::move(callbacks));
}

void ApiClient::stopRolloutWatch() {
    ++m_rolloutWatchGeneration;
    m_rolloutWatch.reset();
    if (m_rolloutWatchLive) {
        m_rolloutWatchLive = false;
        emit rolloutWatchLiveChanged(false, {});
    }
}

} // namespace aegis::console
