#include "net/audit_watch.h"

#include "net/proto_convert.h"

#include <aegis/v1/audit.grpc.pb.h>

#include <algorithm>

namespace aegis::console {
namespace {

ResumableWatch::Options watchOptions(const AuditWatch::Options &options) {
    ResumableWatch::Options result;
    result.startRevision = options.startRevision;
    result.streamDeadline = options.streamDeadline;
    result.backoff = options.backoff;
    return result;
}

} // namespace

AuditWatch::AuditWatch(std::shared_ptr<ChannelHub> hub, Options options, Callbacks callbacks)
    : m_watch(std::move(hub), watchOptions(options),
              [query = options.query, onRecords = callbacks.onRecords](
                  WatchCall &call, qint64 startRevision, const ResumableWatch::Received &received) {
                  v1::WatchCreateRequest create;
                  toProto(query, create.mutable_audit()->mutable_filter());
                  create.mutable_audit()->set_start_revision(startRevision);
                  return runSharedWatch<v1::WatchAuditRecordsResponse>(
                      call, create, &v1::WatchResponse::audit,
                      [&](const v1::WatchAuditRecordsResponse &response) {
                          QList<AuditEntry> records;
                          records.reserve(response.records_size());
                          qint64 revision = response.header().revision();
                          for (const auto &record : response.records()) {
                              records.append(fromProto(record));
                              revision = std::max<qint64>(revision, record.revision());
                          }
                          received(revision);
                          if (!records.isEmpty() && onRecords) {
                              onRecords(std::move(records), revision);
                          }
                      });
              },
              {std::move(callbacks.onLive), std::move(callbacks.onResync)}) {}

} // namespace aegis::console
