#pragma once

#include "net/connection_types.h"

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QMetaType>
#include <QPair>
#include <QString>
#include <QStringList>

#include <optional>

// Configuration items, versions, gray releases, proposals and applied status (ConfigService).
namespace aegis::console {

// Mirrors aegis.v1.ConfigFormat; the numeric values are the protocol's (and config::Format's).
enum class ConfigFormat { Unspecified = 0, Text = 1, Json = 2, Yaml = 3, Properties = 4 };

// A copy of aegis.v1.ConfigItemRef: namespace, group and key.
struct ConfigItemRef {
    QString ns;
    QString group;
    QString key;

    bool isValid() const { return !ns.isEmpty() && !group.isEmpty() && !key.isEmpty(); }
    // "prod/checkout/db.yaml".
    QString path() const { return ns + QLatin1Char('/') + group + QLatin1Char('/') + key; }
    friend bool operator==(const ConfigItemRef &, const ConfigItemRef &) = default;
};

// A copy of aegis.v1.GrayRelease: one targeting of selector, instance ids or percent is set.
struct ConfigGrayRelease {
    qint64 version = 0;
    QString selector;
    QStringList instanceIds;
    int percent = 0;
    QString author;
    QDateTime startTime;
    QString contentSha256;

    // "selector zone=a", "3 instance(s)", "10 % of instances".
    QString targetDescription() const;
    friend bool operator==(const ConfigGrayRelease &, const ConfigGrayRelease &) = default;
};

// A copy of aegis.v1.ConfigItem. `content` is empty when it was not asked for (ListConfigItems
// without include_content) and "********" when `masked` (a secret, for a viewer).
struct ConfigItem {
    ConfigItemRef ref;
    ConfigFormat format = ConfigFormat::Unspecified;
    QString content;
    bool hasContent = false;
    QMap<QString, QString> labels;
    QString description;
    bool secret = false;
    QString schema;
    qint64 version = 0;
    QString contentSha256;
    QString author;
    QString comment;
    QDateTime updateTime;
    qint64 createRevision = 0;
    qint64 modRevision = 0;
    std::optional<ConfigGrayRelease> gray;
    bool masked = false;

    friend bool operator==(const ConfigItem &, const ConfigItem &) = default;
};

// A copy of aegis.v1.NamespaceSettings.
struct ConfigNamespace {
    QString name;
    bool requireApproval = false;
    QString description;
    qint64 itemCount = 0;

    friend bool operator==(const ConfigNamespace &, const ConfigNamespace &) = default;
};

struct ConfigNamespaceList {
    QList<ConfigNamespace> namespaces;
    qint64 revision = 0;
};

struct ConfigItemPage {
    QString ns;
    QList<ConfigItem> items;
    QString nextPageToken;
    qint64 revision = 0;
};

// Mirrors aegis.v1.ConfigVersionKind.
enum class ConfigVersionKind { Unspecified = 0, Publish, Rollback, Gray, Promotion, Import };

// A copy of aegis.v1.ConfigVersion (content only when asked for).
struct ConfigVersion {
    qint64 version = 0;
    ConfigVersionKind kind = ConfigVersionKind::Unspecified;
    ConfigFormat format = ConfigFormat::Unspecified;
    QString content;
    QString contentSha256;
    QString author;
    QString comment;
    QDateTime time;
    qint64 revision = 0;
    // A rollback's restored version, a promotion's gray version; 0 otherwise.
    qint64 restores = 0;
    bool masked = false;
};

struct ConfigVersionPage {
    ConfigItemRef ref;
    // Newest first.
    QList<ConfigVersion> versions;
    QString nextPageToken;
    qint64 revision = 0;
};

// One version with the item it belongs to (GetConfigVersion's answer).
struct ConfigVersionDetail {
    ConfigItemRef ref;
    ConfigVersion version;
};

// A copy of DiffConfigVersionsResponse with what was asked.
struct ConfigVersionDiff {
    ConfigItemRef ref;
    qint64 fromVersion = 0;
    qint64 toVersion = 0;
    // "--- v6 / +++ v7 / @@ ..." ; empty when the versions are equal.
    QString unifiedDiff;
    int addedLines = 0;
    int removedLines = 0;
};

// Mirrors aegis.v1.ProposalState.
enum class ProposalState { Unspecified = 0, Pending, Approved, Rejected };

// One item's change inside a proposal (aegis.v1.ConfigChange without the attributes).
struct ConfigProposedChange {
    ConfigItemRef ref;
    ConfigFormat format = ConfigFormat::Unspecified;
    QString content;
    qint64 baseVersion = 0;
};

// A copy of aegis.v1.Proposal.
struct ConfigProposal {
    QString id;
    QString ns;
    QList<ConfigProposedChange> changes;
    QString comment;
    QString proposer;
    ProposalState state = ProposalState::Unspecified;
    QString decidedBy;
    QDateTime createTime;
    QDateTime decideTime;
};

struct ConfigProposalList {
    QString ns;
    QList<ConfigProposal> proposals;
    qint64 revision = 0;
};

// What a publish-like call (publish, rollback, gray start / promote / cancel, approval) left:
// the items as they are now, or, in a namespace that requires approval, the proposal it became.
struct ConfigPublishResult {
    QList<ConfigItem> items;
    std::optional<ConfigProposal> proposal;
    qint64 revision = 0;
};

// A copy of aegis.v1.AppliedInstance.
struct ConfigAppliedInstance {
    QString service;
    QString instanceId;
    qint64 version = 0;
    QString error;
    QDateTime time;

    friend bool operator==(const ConfigAppliedInstance &, const ConfigAppliedInstance &) = default;
};

// A copy of GetAppliedStatusResponse.
struct ConfigAppliedStatus {
    ConfigItemRef ref;
    qint64 publishedVersion = 0;
    qint64 grayVersion = 0;
    QList<ConfigAppliedInstance> instances;
    // "9 of 10 on v7; checkout-3 still on v6".
    QString summary;
};

// A copy of aegis.v1.ConfigEvent.
struct ConfigChangeEvent {
    enum class Type { Put, Delete };
    Type type = Type::Put;
    ConfigItemRef ref;
    ConfigFormat format = ConfigFormat::Unspecified;
    QString content;
    qint64 version = 0;
    QString contentSha256;
    bool gray = false;
    qint64 revision = 0;
};

} // namespace aegis::console

Q_DECLARE_METATYPE(aegis::console::ConfigFormat)
Q_DECLARE_METATYPE(aegis::console::ConfigItemRef)
Q_DECLARE_METATYPE(aegis::console::ConfigItem)
Q_DECLARE_METATYPE(aegis::console::ConfigNamespaceList)
Q_DECLARE_METATYPE(aegis::console::ConfigItemPage)
Q_DECLARE_METATYPE(aegis::console::ConfigVersion)
Q_DECLARE_METATYPE(aegis::console::ConfigVersionPage)
Q_DECLARE_METATYPE(aegis::console::ConfigVersionDetail)
Q_DECLARE_METATYPE(aegis::console::ConfigVersionDiff)
Q_DECLARE_METATYPE(aegis::console::ConfigProposal)
Q_DECLARE_METATYPE(aegis::console::ConfigProposalList)
Q_DECLARE_METATYPE(aegis::console::ConfigPublishResult)
Q_DECLARE_METATYPE(aegis::console::ConfigAppliedStatus)
Q_DECLARE_METATYPE(aegis::console::ConfigChangeEvent)
