#include "net/audit_api.h"

#include "net/audit_watch.h"
#include "net/facade_support.h"

#include <aegis/v1/audit.grpc.pb.h>

namespace aegis::console {

void AuditApi::listRecords(const AuditQuery &query, const QString &pageToken, int pageSize,
                           QObject *context, ResultHandler<AuditRecordPage> done) {
    v1::ListAuditRecordsRequest request;
    toProto(query, request.mutable_filter());
    request.set_page_size(pageSize);
    request.set_page_token(pageToken.toStdString());
    callUnary(*m_session, std::move(request), &v1::AuditService::Stub::ListAuditRecords,
              responseFromProto, context, std::move(done));
}

WatchPtr AuditApi::watchRecords(const AuditQuery &query, qint64 startRevision, QObject *context,
                                AuditWatchCallbacks callbacks) {
    auto watch = std::make_unique<Watch>(context);
    const Watch::Post post = watch->poster();
    AuditWatch::Callbacks forward;
    forward.onRecords = [post, onEvents = callbacks.onEvents](QList<AuditEntry> records,
                                                              qint64 revision) {
        if (onEvents) {
            post([onEvents, records, revision] { onEvents(records, revision); });
        }
    };
    forwardLiveAndResync(post, callbacks, forward);
    AuditWatch::Options options;
    options.query = query;
    options.startRevision = startRevision;
    options.streamDeadline = m_session->options().streamDeadline;
    options.backoff = m_session->options().reconnect;
    watch->adopt(std::make_shared<AuditWatch>(m_session->hub(), options, std::move(forward)));
    return watch;
}

} // namespace aegis::console
