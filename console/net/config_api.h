#pragma once

#include "net/call_result.h"
#include "net/config_types.h"
#include "net/watch.h"

class QObject;

namespace aegis::console {

class Session;

// One message of a config watch: the namespace's changes in revision order; `snapshot`: the
// events are every item of the namespace as it is now (the first message of a watch from now).
using ConfigWatchCallbacks = WatchCallbacks<const QList<ConfigChangeEvent> & /*events*/,
                                            qint64 /*revision*/, bool /*snapshot*/>;

// ConfigService for the console. Each call delivers its one result to `done` on `context`'s
// thread (see Session::submit); secrets arrive masked for viewers (the daemon masks them).
class ConfigApi {
public:
    explicit ConfigApi(Session *session)
        : m_session(session) {}

    void listNamespaces(QObject *context, ResultHandler<ConfigNamespaceList> done);
    // One page of a namespace's items (every group), by group then key; content on request.
    void listItems(const QString &ns, const QString &pageToken, bool includeContent, int pageSize,
                   QObject *context, ResultHandler<ConfigItemPage> done);
    void getItem(const ConfigItemRef &ref, QObject *context, ResultHandler<ConfigItem> done);
    // Publishes `content` as the item's next version, conditioned on `baseVersion` (the version
    // the edit started from; 0 creates the item, which then needs `format`). ABORTED when someone
    // published meanwhile; a proposal instead of the item in a namespace that requires approval.
    void publish(const ConfigItemRef &ref, ConfigFormat format, const QString &content,
                 qint64 baseVersion, const QString &comment, QObject *context,
                 ResultHandler<ConfigPublishResult> done);
    // Newest first.
    void listVersions(const ConfigItemRef &ref, bool includeContent, const QString &pageToken,
                      int pageSize, QObject *context, ResultHandler<ConfigVersionPage> done);
    // One version with its content (GetConfigVersion).
    void getVersion(const ConfigItemRef &ref, qint64 version, QObject *context,
                    ResultHandler<ConfigVersion> done);
    // The daemon's unified diff of two versions.
    void diffVersions(const ConfigItemRef &ref, qint64 fromVersion, qint64 toVersion,
                      int contextLines, QObject *context, ResultHandler<ConfigVersionDiff> done);
    // Publishes version `toVersion`'s content again, conditioned on `baseVersion`.
    void rollback(const ConfigItemRef &ref, qint64 toVersion, qint64 baseVersion,
                  const QString &comment, QObject *context,
                  ResultHandler<ConfigPublishResult> done);
    // Gray release of `content` to the instances `target` names (exactly one of its selector,
    // instance ids or percent).
    void startGrayRelease(const ConfigItemRef &ref, const QString &content, qint64 baseVersion,
                          const ConfigGrayRelease &target, const QString &comment, QObject *context,
                          ResultHandler<ConfigPublishResult> done);
    void promoteGrayRelease(const ConfigItemRef &ref, const QString &comment, QObject *context,
                            ResultHandler<ConfigPublishResult> done);
    void cancelGrayRelease(const ConfigItemRef &ref, QObject *context,
                           ResultHandler<ConfigPublishResult> done);
    // A namespace's proposals awaiting approval (with `includeDecided`, the approved and
    // rejected ones too).
    void listProposals(const QString &ns, bool includeDecided, QObject *context,
                       ResultHandler<ConfigProposalList> done);
    // Publishes proposal `id`'s changes, with `reason` (may be empty) recorded in the audit log.
    // PERMISSION_DENIED for one's own proposal (unless an admin); ABORTED when an item changed
    // since it was proposed.
    void approveProposal(const QString &ns, const QString &id, const QString &reason,
                         QObject *context, ResultHandler<ConfigPublishResult> done);
    // Closes proposal `id` without publishing it; `reason` (required by the daemon) is recorded.
    // The revision of the rejection.
    void rejectProposal(const QString &ns, const QString &id, const QString &reason,
                        QObject *context, ResultHandler<qint64> done);
    // Which instances run which version.
    void getAppliedStatus(const ConfigItemRef &ref, QObject *context,
                          ResultHandler<ConfigAppliedStatus> done);

    // Streams the published content of every item of `ns` from `startRevision` (0: from now,
    // after a first snapshot of every item).
    WatchPtr watch(const QString &ns, qint64 startRevision, QObject *context,
                   ConfigWatchCallbacks callbacks);

private:
    Session *m_session; // Not owned.
};

} // namespace aegis::console
