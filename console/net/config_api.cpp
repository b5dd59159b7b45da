#include "net/config_api.h"

#include "net/facade_support.h"

#include <aegis/v1/config.grpc.pb.h>

#include <algorithm>

namespace aegis::console {
namespace {

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

void ConfigApi::listNamespaces(QObject *context, ResultHandler<ConfigNamespaceList> done) {
    callUnary(*m_session, v1::ListNamespacesRequest{}, &v1::ConfigService::Stub::ListNamespaces,
              responseFromProto, context, std::move(done));
}

void ConfigApi::listItems(const QString &ns, const QString &pageToken, bool includeContent,
                          int pageSize, QObject *context, ResultHandler<ConfigItemPage> done) {
    v1::ListConfigItemsRequest request;
    request.set_namespace_(ns.toStdString());
    request.set_include_content(includeContent);
    request.set_page_size(pageSize);
    request.set_page_token(pageToken.toStdString());
    callUnary(
        *m_session, std::move(request), &v1::ConfigService::Stub::ListConfigItems,
        [ns, includeContent](const v1::ListConfigItemsResponse &response) {
            ConfigItemPage page = fromProto(response);
            page.ns = ns;
            for (ConfigItem &item : page.items) {
                item.hasContent = includeContent;
            }
            return page;
        },
        context, std::move(done));
}

void ConfigApi::getItem(const ConfigItemRef &ref, QObject *context,
                        ResultHandler<ConfigItem> done) {
    v1::GetConfigItemRequest request;
    toProto(ref, request.mutable_ref());
    callUnary(
        *m_session, std::move(request), &v1::ConfigService::Stub::GetConfigItem,
        [](const v1::GetConfigItemResponse &response) { return fromProto(response.item()); },
        context, std::move(done));
}

void ConfigApi::publish(const ConfigItemRef &ref, ConfigFormat format, const QString &content,
                        qint64 baseVersion, const QString &comment, QObject *context,
                        ResultHandler<ConfigPublishResult> done) {
    v1::PublishConfigRequest request;
    v1::ConfigChange *change = request.mutable_change();
    toProto(ref, change->mutable_ref());
    change->set_format(toProto(format));
    change->set_content(content.toStdString());
    change->set_base_version(baseVersion);
    request.set_comment(comment.toStdString());
    callUnary(*m_session, std::move(request), &v1::ConfigService::Stub::PublishConfig,
              publishResult, context, std::move(done));
}

void ConfigApi::listVersions(const ConfigItemRef &ref, bool includeContent,
                             const QString &pageToken, int pageSize, QObject *context,
                             ResultHandler<ConfigVersionPage> done) {
    v1::ListConfigVersionsRequest request;
    toProto(ref, request.mutable_ref());
    request.set_include_content(includeContent);
    request.set_page_size(pageSize);
    request.set_page_token(pageToken.toStdString());
    callUnary(
        *m_session, std::move(request), &v1::ConfigService::Stub::ListConfigVersions,
        [ref](const v1::ListConfigVersionsResponse &response) {
            ConfigVersionPage page = fromProto(response);
            page.ref = ref;
            return page;
        },
        context, std::move(done));
}

void ConfigApi::getVersion(const ConfigItemRef &ref, qint64 version, QObject *context,
                           ResultHandler<ConfigVersion> done) {
    v1::GetConfigVersionRequest request;
    toProto(ref, request.mutable_ref());
    request.set_version(version);
    callUnary(
        *m_session, std::move(request), &v1::ConfigService::Stub::GetConfigVersion,
        [](const v1::GetConfigVersionResponse &response) { return fromProto(response.version()); },
        context, std::move(done));
}

void ConfigApi::diffVersions(const ConfigItemRef &ref, qint64 fromVersion, qint64 toVersion,
                             int contextLines, QObject *context,
                             ResultHandler<ConfigVersionDiff> done) {
    v1::DiffConfigVersionsRequest request;
    toProto(ref, request.mutable_ref());
    request.set_from_version(fromVersion);
    request.set_to_version(toVersion);
    request.set_context_lines(contextLines);
    callUnary(
        *m_session, std::move(request), &v1::ConfigService::Stub::DiffConfigVersions,
        [ref, fromVersion, toVersion](const v1::DiffConfigVersionsResponse &response) {
            return ConfigVersionDiff{ref,
                                     fromVersion,
                                     toVersion,
                                     fromStd(response.unified_diff()),
                                     response.added_lines(),
                                     response.removed_lines()};
        },
        context, std::move(done));
}

void ConfigApi::rollback(const ConfigItemRef &ref, qint64 toVersion, qint64 baseVersion,
                         const QString &comment, QObject *context,
                         ResultHandler<ConfigPublishResult> done) {
    v1::RollbackConfigRequest request;
    toProto(ref, request.mutable_ref());
    request.set_to_version(toVersion);
    request.set_base_version(baseVersion);
    request.set_comment(comment.toStdString());
    callUnary(*m_session, std::move(request), &v1::ConfigService::Stub::RollbackConfig,
              publishResult, context, std::move(done));
}

void ConfigApi::startGrayRelease(const ConfigItemRef &ref, const QString &content,
                                 qint64 baseVersion, const ConfigGrayRelease &target,
                                 const QString &comment, QObject *context,
                                 ResultHandler<ConfigPublishResult> done) {
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
    callUnary(*m_session, std::move(request), &v1::ConfigService::Stub::StartGrayRelease,
              publishResult, context, std::move(done));
}

void ConfigApi::promoteGrayRelease(const ConfigItemRef &ref, const QString &comment,
                                   QObject *context, ResultHandler<ConfigPublishResult> done) {
    v1::PromoteGrayReleaseRequest request;
    toProto(ref, request.mutable_ref());
    request.set_comment(comment.toStdString());
    callUnary(*m_session, std::move(request), &v1::ConfigService::Stub::PromoteGrayRelease,
              publishResult, context, std::move(done));
}

void ConfigApi::cancelGrayRelease(const ConfigItemRef &ref, QObject *context,
                                  ResultHandler<ConfigPublishResult> done) {
    v1::CancelGrayReleaseRequest request;
    toProto(ref, request.mutable_ref());
    callUnary(*m_session, std::move(request), &v1::ConfigService::Stub::CancelGrayRelease,
              publishResult, context, std::move(done));
}

void ConfigApi::listProposals(const QString &ns, bool includeDecided, QObject *context,
                              ResultHandler<ConfigProposalList> done) {
    v1::ListProposalsRequest request;
    request.set_namespace_(ns.toStdString());
    request.set_include_decided(includeDecided);
    callUnary(
        *m_session, std::move(request), &v1::ConfigService::Stub::ListProposals,
        [ns](const v1::ListProposalsResponse &response) {
            ConfigProposalList list = fromProto(response);
            list.ns = ns;
            return list;
        },
        context, std::move(done));
}

void ConfigApi::approveProposal(const QString &ns, const QString &id, const QString &reason,
                                QObject *context, ResultHandler<ConfigPublishResult> done) {
    v1::ApproveProposalRequest request;
    request.set_namespace_(ns.toStdString());
    request.set_id(id.toStdString());
    request.set_reason(reason.toStdString());
    callUnary(*m_session, std::move(request), &v1::ConfigService::Stub::ApproveProposal,
              publishResult, context, std::move(done));
}

void ConfigApi::rejectProposal(const QString &ns, const QString &id, const QString &reason,
                               QObject *context, ResultHandler<qint64> done) {
    v1::RejectProposalRequest request;
    request.set_namespace_(ns.toStdString());
    request.set_id(id.toStdString());
    request.set_reason(reason.toStdString());
    callUnary(
        *m_session, std::move(request), &v1::ConfigService::Stub::RejectProposal,
        [](const v1::RejectProposalResponse &response) {
            return qint64(response.header().revision());
        },
        context, std::move(done));
}

void ConfigApi::getAppliedStatus(const ConfigItemRef &ref, QObject *context,
                                 ResultHandler<ConfigAppliedStatus> done) {
    v1::GetAppliedStatusRequest request;
    toProto(ref, request.mutable_ref());
    callUnary(
        *m_session, std::move(request), &v1::ConfigService::Stub::GetAppliedStatus,
        [ref](const v1::GetAppliedStatusResponse &response) {
            ConfigAppliedStatus status = fromProto(response);
            status.ref = ref;
            return status;
        },
        context, std::move(done));
}

WatchPtr ConfigApi::watch(const QString &ns, qint64 startRevision, QObject *context,
                          ConfigWatchCallbacks callbacks) {
    return startWatch(
        *m_session, context, startRevision, callbacks,
        [ns, onEvents = callbacks.onEvents](const Watch::Post &post) -> ResumableWatch::Session {
            return [post, ns, onEvents](WatchCall &call, qint64 start,
                                        const ResumableWatch::Received &received) {
                v1::WatchCreateRequest create;
                create.mutable_config()->set_namespace_(ns.toStdString());
                create.mutable_config()->set_start_revision(start);
                return runSharedWatch<v1::WatchConfigResponse>(
                    call, create, &v1::WatchResponse::config,
                    [&](const v1::WatchConfigResponse &response) {
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
                        if ((!events.isEmpty() || snapshot) && onEvents) {
                            post([onEvents, events, revision, snapshot] {
                                onEvents(events, revision, snapshot);
                            });
                        }
                    });
            };
        });
}

} // namespace aegis::console
