#pragma once

#include "common/clock.h"
#include "common/label_selector.h"
#include "common/status.h"
#include "config/content_validator.h"
#include "config/secret_box.h"
#include "store/store.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

namespace aegis::config {

struct ItemRef {
    std::string ns;
    std::string group;
    std::string key;

    // "ns/group/key": unique, and the suffix of the item's store keys.
    std::string path() const { return ns + "/" + group + "/" + key; }
    auto operator<=>(const ItemRef &) const = default;
};

// Who may see a secret's content. Viewers see it masked; everyone else (operators, admins and
// the services that apply it) in clear.
enum class SecretAccess { Masked, Clear };

inline constexpr std::string_view kMask = "********";

struct GrayRelease {
    std::int64_t version = 0;
    // Exactly one of the three targetings.
    std::string selector;
    std::vector<std::string> instanceIds;
    int percent = 0;
    std::string content;
    std::string sha256;
    std::string author;
    std::string comment;
    std::chrono::system_clock::time_point startTime;
};

struct Item {
    ItemRef ref;
    Format format = Format::Text;
    std::string content;
    Labels labels;
    std::string description;
    bool secret = false;
    std::string schema;
    // The published version, and the highest number given out (gray versions take numbers too).
    std::int64_t version = 0;
    std::int64_t lastVersion = 0;
    std::string sha256;
    std::string author;
    std::string comment;
    std::chrono::system_clock::time_point updateTime;
    store::Revision createRevision = 0;
    store::Revision modRevision = 0;
    std::optional<GrayRelease> gray;
};

// Numeric values match aegis.v1.ConfigVersionKind.
enum class VersionKind { Publish = 1, Rollback = 2, Gray = 3, Promotion = 4, Import = 5 };

struct Version {
    std::int64_t number = 0;
    VersionKind kind = VersionKind::Publish;
    Format format = Format::Text;
    std::string content;
    std::string sha256;
    std::string author;
    std::string comment;
    std::chrono::system_clock::time_point time;
    store::Revision revision = 0;
    // The version a rollback restored, or the gray version a promotion published.
    std::int64_t restores = 0;
    bool secret = false;
};

// One item's new content (and optionally its attributes), against the version it was edited from.
struct Change {
    ItemRef ref;
    // Required when creating; Unspecified keeps the item's format.
    Format format = Format::Unspecified;
    std::string content;
    std::int64_t baseVersion = 0;
    bool updateAttributes = false;
    Labels labels;
    std::string description;
    bool secret = false;
    std::string schema;
};

struct NamespaceSettings {
    std::string name;
    bool requireApproval = false;
    std::string description;
    std::int64_t itemCount = 0;
};

// Numeric values match aegis.v1.ProposalState.
enum class ProposalState { Pending = 1, Approved = 2, Rejected = 3 };

struct Proposal {
    std::string id;
    std::string ns;
    std::vector<Change> changes;
    std::string comment;
    std::string proposer;
    ProposalState state = ProposalState::Pending;
    std::string decidedBy;
    std::string reason;
    std::chrono::system_clock::time_point createTime;
    std::chrono::system_clock::time_point decideTime;
    // Of the proposal's record, so two decisions cannot both commit.
    store::Revision modRevision = 0;
};

struct AppliedInstance {
    std::string service;
    std::string instanceId;
    std::int64_t version = 0;
    std::string error;
    std::chrono::system_clock::time_point time;
};

struct AppliedStatus {
    // The store revision the status reflects.
    store::Revision revision = 0;
    std::int64_t publishedVersion = 0;
    std::int64_t grayVersion = 0;
    std::vector<AppliedInstance> instances;
    // "9 of 10 on v7; checkout-3 still on v6".
    std::string summary;
};

struct PublishResult {
    std::vector<Item> items;
    // Set instead of items when the namespace requires approval.
    std::optional<Proposal> proposal;
    store::Revision revision = 0;
};

template <typename T>
struct ConfigPage {
    std::vector<T> items;
    std::string nextPageToken;
    store::Revision revision = 0;
};

struct ConfigLimits {
    std::size_t maxContentBytes = 1024 * 1024;
    std::size_t maxChangesPerSet = 100;
};

// Who publishes: the caller's name and whether the caller may bypass approval (an approval
// itself).
struct Author {
    std::string name;
    bool isAdmin = false;
};

// The configuration center: items, their immutable versions, gray releases, approval proposals
// and what instances applied, durable in the store under /config/ and cached in memory (current
// items and settings), written through. Secret contents are sealed with the SecretBox in every
// record. Mutations complete through callbacks once durable, with `alsoWrite` (the caller's audit
// record) in the same transaction. Thread-safe.
class ConfigCenter {
public:
    static constexpr std::string_view kItemsPrefix = "/config/items/";
    static constexpr std::string_view kVersionsPrefix = "/config/versions/";
    static constexpr std::string_view kNamespacesPrefix = "/config/namespaces/";
    static constexpr std::string_view kProposalsPrefix = "/config/proposals/";
    static constexpr std::string_view kAppliedPrefix = "/config/applied/";

    using Done = std::function<void(StatusOr<PublishResult>)>;

    ConfigCenter(store::Store &store, const SecretBox &secrets, ClockPtr clock,
                 ConfigLimits limits = {});

    Status load();

    // Publishes every change in one transaction, or none (validation, a stale base version:
    // ABORTED naming the current version). In a namespace that requires approval, creates a
    // proposal instead.
    void publish(std::vector<Change> changes, std::string comment, Author author, Done done,
                 std::vector<store::Operation> alsoWrite = {},
                 VersionKind kind = VersionKind::Publish);
    void rollback(const ItemRef &ref, std::int64_t toVersion, std::int64_t baseVersion,
                  std::string comment, Author author, Done done,
                  std::vector<store::Operation> alsoWrite = {});
    // Removes the item, its versions, gray release and applied records.
    void remove(const ItemRef &ref, std::int64_t expectedVersion, const Author &author,
                std::function<void(StatusOr<store::Revision>)> done,
                std::vector<store::Operation> alsoWrite = {});

    void startGray(const ItemRef &ref, std::string content, std::int64_t baseVersion,
                   GrayRelease targeting, std::string comment, Author author, Done done,
                   std::vector<store::Operation> alsoWrite = {});
    void promoteGray(const ItemRef &ref, std::string comment, Author author, Done done,
                     std::vector<store::Operation> alsoWrite = {});
    void cancelGray(const ItemRef &ref, Done done, std::vector<store::Operation> alsoWrite = {});

    void setNamespace(NamespaceSettings settings,
                      std::function<void(StatusOr<NamespaceSettings>)> done,
                      std::vector<store::Operation> alsoWrite = {});
    // The approver may not be the proposer, unless an admin.
    void approve(const std::string &ns, const std::string &id, Author approver, Done done,
                 std::vector<store::Operation> alsoWrite = {});
    void reject(const std::string &ns, const std::string &id, Author rejecter, std::string reason,
                std::function<void(StatusOr<store::Revision>)> done,
                std::vector<store::Operation> alsoWrite = {});

    // Records what an instance applied, calling `done` once it is durable (written only when it
    // changed; then `done` gets the current revision). NOT_FOUND naming the item or the version
    // when either does not exist. The caller checks that the instance is registered.
    void ack(const ItemRef &ref, const std::string &service, const std::string &instanceId,
             std::int64_t version, std::string error,
             std::function<void(StatusOr<store::Revision>)> done);

    // Reads. `at` (and a page's or status's revision) receives the store revision the answer
    // reflects, read together with it: every change up to it is in the answer, so a watch from
    // it + 1 misses nothing.
    std::optional<Item> item(const ItemRef &ref, store::Revision *at = nullptr) const;
    StatusOr<ConfigPage<Item>> listItems(const std::string &ns, const std::string &group,
                                         std::size_t pageSize, const std::string &pageToken) const;
    std::vector<NamespaceSettings> namespaces(store::Revision *at = nullptr) const;
    StatusOr<ConfigPage<Version>> versions(const ItemRef &ref, std::size_t pageSize,
                                           const std::string &pageToken) const;
    StatusOr<Version> version(const ItemRef &ref, std::int64_t number,
                              store::Revision *at = nullptr) const;
    std::vector<Proposal> proposals(const std::string &ns, bool includeDecided,
                                    store::Revision *at = nullptr) const;
    AppliedStatus applied(const ItemRef &ref) const;

    // A namespace as a YAML bundle (secrets left out unless `includeSecrets`), and back: the
    // changes an import makes (items whose content and attributes are unchanged are skipped and
    // counted in `unchanged`).
    StatusOr<std::string> exportNamespace(const std::string &ns, bool includeSecrets,
                                          store::Revision *at = nullptr) const;
    StatusOr<std::vector<Change>> importChanges(const std::string &ns, const std::string &yaml,
                                                int &unchanged) const;

    // Whether a gray release applies to an instance: its id is listed, its labels match the
    // selector, or the stable hash of item and instance falls under the percentage.
    static bool grayTargets(const GrayRelease &gray, const ItemRef &ref,
                            const std::string &instanceId, const Labels &labels);
    // Decodes a stored item record (opening sealed contents); nullopt when unreadable.
    std::optional<Item> decodeItem(const store::KeyValue &kv) const;

    static Status validateRef(const ItemRef &ref);
    // A publish's (or gray release's) comment: required, at most 1024 bytes of free text.
    static Status validateComment(const std::string &comment, std::string_view field = "comment");
    static Status validateNamespace(const std::string &ns, std::string_view field);
    static Status validateGroup(const std::string &group, std::string_view field);
    // The namespace and id of a proposal to decide.
    static Status validateProposalRef(const std::string &ns, const std::string &id);
    static std::string itemKey(const ItemRef &ref);
    // The item an /config/items/ key names.
    static ItemRef refOfItemKey(const std::string &key);
    static std::string itemsPrefix(const std::string &ns, const std::string &group = {});

private:
    struct Prepared {
        std::vector<Item> items;
        store::Transaction txn;
    };
    StatusOr<Prepared> prepare(const std::vector<Change> &changes, const std::string &comment,
                               const Author &author, VersionKind kind, std::int64_t restores) const;
    void commitItems(Prepared prepared, Done done, std::vector<store::Operation> alsoWrite,
                     std::string note = {});
    void applyCommitted(const std::vector<store::Event> &events);
    std::string encodeItem(const Item &item) const;
    std::string encodeVersion(const Item &item, const Version &version) const;
    std::string encodeProposal(const Proposal &proposal) const;
    std::optional<Proposal> decodeProposal(const std::string &value) const;
    // Commits a transaction that changes the cached state; `then` applies it to the cache.
    // Counted while in flight, for servedRevision().
    void commitTracked(store::Transaction txn, store::CommitCallback then);
    // The revision a read of the cache under m_mutex reflects, given the store's revision read
    // just before taking the lock: that one when none of our commits is in flight (every change
    // up to it is then in the cache), else the revision of the last change applied.
    store::Revision servedRevision(store::Revision before) const;
    std::string sealIf(bool secret, const std::string &content) const;
    // What records and responses carry as content_sha256: a secret's keyed fingerprint (see
    // SecretBox::fingerprint), anything else's plain SHA-256.
    std::string digestOf(bool secret, const std::string &content) const;
    // Replaces unkeyed SHA-256 digests of secrets, as written before fingerprints were keyed,
    // in the item records and their versions; a no-op once done.
    Status rekeySecretFingerprints(const std::vector<store::KeyValue> &items);
    std::string openIf(bool secret, const std::string &stored) const;
    bool requiresApproval(const std::string &ns) const;
    // Whether the cache holds the item with a version numbered `version`.
    bool knowsVersion(const ItemRef &ref, std::int64_t version) const;
    // In a namespace that requires approval, changes that bypass proposals are for admins.
    Status checkDirectChange(const ItemRef &ref, const Author &author, std::string_view what) const;
    void propose(std::vector<Change> changes, std::string comment, const Author &author, Done done,
                 std::vector<store::Operation> alsoWrite);
    Status abortedFor(const ItemRef &ref, const Item *current, std::int64_t base) const;

    store::Store &m_store;
    const SecretBox &m_secrets;
    ClockPtr m_clock;
    const ConfigLimits m_limits;

    mutable std::shared_mutex m_mutex;
    std::map<std::string, Item> m_items; // by path
    std::map<std::string, NamespaceSettings> m_namespaces;
    std::map<std::string, Proposal> m_proposals;                             // by "ns/id"
    std::map<std::string, std::map<std::string, AppliedInstance>> m_applied; // path -> svc/id
    std::uint64_t m_proposalSequence = 0;
    // Every change of ours up to this revision is in the cache.
    store::Revision m_revision = 0;
    // Commits issued and not yet applied to the cache.
    std::atomic<int> m_inFlight{0};
    // Sealed values that did not open with the key (a lost or replaced key file).
    mutable std::atomic<std::uint64_t> m_unreadableSecrets{0};
};

} // namespace aegis::config
