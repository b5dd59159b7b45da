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
#include <tuple>
#include <variant>
#include <vector>

namespace aegis::store {
class WatchHub;
} // namespace aegis::store

namespace prometheus {
class Registry;
}

namespace aegis::config {

class ConfigMetrics;

struct ConfigWatchRequest;
class ItemWatcher;

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
    // Of its record: the revision at which the acknowledgement was written.
    store::Revision modRevision = 0;
};

// Which registration an instance's acknowledgements belong to: the revision at which its current
// registration was created, or nullopt when it is not registered now. Declared here so that the
// center needs no registry; aegisd answers from the registry.
using RegistrationOf = std::function<std::optional<store::Revision>(const std::string &service,
                                                                    const std::string &instanceId)>;

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
// items, settings, proposals and applied records). The cache follows the store's event stream:
// every change under /config/ is applied to it, this process's writes and any other writer's on
// the same store, before the writing call's callback runs. Secret contents are sealed with the
// SecretBox in every record. Mutations complete through callbacks once durable, with `alsoWrite`
// (the caller's audit record) in the same transaction. Thread-safe.
class ConfigCenter {
public:
    static constexpr std::string_view kConfigPrefix = "/config/";
    static constexpr std::string_view kItemsPrefix = "/config/items/";
    static constexpr std::string_view kVersionsPrefix = "/config/versions/";
    static constexpr std::string_view kNamespacesPrefix = "/config/namespaces/";
    static constexpr std::string_view kProposalsPrefix = "/config/proposals/";
    static constexpr std::string_view kAppliedPrefix = "/config/applied/";

    using Done = std::function<void(StatusOr<PublishResult>)>;

    ConfigCenter(store::Store &store, const SecretBox &secrets, ClockPtr clock,
                 ConfigLimits limits = {});

    // Subscribes to the store's event stream, then reads the current state; call once, before
    // serving. Fails when a sealed secret cannot be opened with the key.
    Status load();
    // Registers the center's metrics (config_metrics.h) in `registry`. Call once, before load().
    void exportMetrics(prometheus::Registry &registry);
    // A module whose item has a format of its own (the tracing sampling policy) checks its content
    // wherever content is validated: publish, import, rollback, approval, gray release. An error
    // (INVALID_ARGUMENT naming the field) refuses the change. Call before serving.
    using ContentCheck = std::function<Status(std::string_view content)>;
    void setContentCheck(const ItemRef &ref, ContentCheck check);

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
    // changed, or when the record is older than `registeredAt`, the revision of the instance's
    // current registration, so it tells what the process registered now applied; otherwise
    // `done` gets the current revision). NOT_FOUND naming the item or the version when either
    // does not exist. The caller checks that the instance is registered.
    void ack(const ItemRef &ref, const std::string &service, const std::string &instanceId,
             std::int64_t version, std::string error,
             std::function<void(StatusOr<store::Revision>)> done, store::Revision registeredAt = 0);

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
    // What the instances acknowledged of `ref`; with `registered`, only what instances registered
    // now acknowledged under their current registration counts (an instance torn down, or an
    // earlier process of the same id, is left out of the list and the summary).
    AppliedStatus applied(const ItemRef &ref, const RegistrationOf &registered = {}) const;

    // A namespace as a YAML bundle (secrets left out unless `includeSecrets`), and back: the
    // changes an import makes (items whose content and attributes are unchanged are skipped and
    // counted in `unchanged`).
    StatusOr<std::string> exportNamespace(const std::string &ns, bool includeSecrets,
                                          store::Revision *at = nullptr) const;
    StatusOr<std::vector<Change>> importChanges(const std::string &ns, const std::string &yaml,
                                                int &unchanged) const;

    // Watches the items `request` scopes through `hub`: ConfigEvents decided for the watcher it
    // names (see item_watcher.h). INVALID_ARGUMENT naming the field for a bad scope;
    // OUT_OF_RANGE when the start revision is compacted. `notify` as for WatchHub::watch().
    StatusOr<std::shared_ptr<ItemWatcher>> watch(store::WatchHub &hub, ConfigWatchRequest request,
                                                 std::function<void()> notify) const;

    // Whether a gray release applies to an instance: its id is listed, its labels match the
    // selector, or the stable hash of item and instance falls under the percentage.
    static bool grayTargets(const GrayRelease &gray, const ItemRef &ref,
                            const std::string &instanceId, const Labels &labels);
    // Decodes a stored item record (opening sealed contents); nullopt when unreadable.
    std::optional<Item> decodeItem(const store::KeyValue &kv) const;
    // The same, shared: an item record at a revision is decoded once for every watcher (and not
    // at all when it is this process's own write or already in the cache); null when unreadable.
    // The reference is this thread's last answer: valid until its next call. A watcher copies
    // the pointer only for an event it sends, so the watchers of a change that keep their
    // version do not all count references on one shared line.
    const std::shared_ptr<const Item> &sharedItem(const store::KeyValue &kv) const;

    static Status validateRef(const ItemRef &ref);
    // A publish's (or gray release's) comment: required, at most 1024 bytes of free text.
    static Status validateComment(const std::string &comment, std::string_view field = "comment");
    static Status validateNamespace(const std::string &ns, std::string_view field);
    static Status validateGroup(const std::string &group, std::string_view field);
    // The namespace and id of a proposal to decide.
    static Status validateProposalRef(const std::string &ns, const std::string &id);
    // The proposal, if it exists and is still pending (NOT_FOUND / FAILED_PRECONDITION otherwise).
    StatusOr<Proposal> pendingProposal(const std::string &ns, const std::string &id) const;
    static std::string itemKey(const ItemRef &ref);
    // The item an /config/items/ key names.
    static ItemRef refOfItemKey(const std::string &key);
    static std::string itemsPrefix(const std::string &ns, const std::string &group = {});

private:
    friend class ItemWatcher;

    std::shared_ptr<ConfigMetrics> m_metrics; // Null until exportMetrics().

    struct Prepared {
        std::vector<Item> items;
        store::Transaction txn;
        // A proposal the transaction decides (an approval), adopted with the items.
        std::optional<Proposal> decided;
    };
    // A record this process wrote, as it prepared it.
    using Record = std::variant<Item, Proposal>;
    // A record waiting for the event of its write: adopted when the event's value is exactly
    // `value`, so what was prepared is neither decoded nor (for a secret) opened again.
    struct Expected {
        std::uint64_t ticket = 0;
        std::string value;
        Record record;
    };

    // Publishing (config_publish.cpp).
    StatusOr<Prepared> prepare(const std::vector<Change> &changes, const std::string &comment,
                               const Author &author, VersionKind kind, std::int64_t restores) const;
    void commitItems(Prepared prepared, Done done, std::vector<store::Operation> alsoWrite,
                     std::string note = {});
    // Following the store (config_center.cpp).
    // Commits `txn`, expecting the records it puts (by store key) to come back through the event
    // stream; `then` runs once the events are applied to the cache.
    void commitAdopting(store::Transaction txn, std::vector<std::pair<std::string, Record>> records,
                        store::CommitCallback then);
    // The store's event stream (every key, so the served revision follows the store's).
    void follow(const std::vector<store::Event> &events);
    // Under m_mutex, held exclusively: one event under /config/ applied to the cache, unless the
    // load already read its prefix at or after the event's revision.
    void applyLocked(const store::Event &event);
    // Takes the expected record of the key whose value is exactly `kv.value`, if any.
    template <typename T>
    std::optional<T> adopt(const store::KeyValue &kv);

    // Records and sealing (config_codec.cpp).
    std::string encodeItem(const Item &item) const;
    std::string encodeVersion(const Item &item, const Version &version) const;
    std::string encodeProposal(const Proposal &proposal) const;
    std::optional<Proposal> decodeProposal(const store::KeyValue &kv) const;
    std::optional<Version> decodeVersion(const store::KeyValue &kv) const;
    std::string sealIf(bool secret, const std::string &content) const;
    // What records and responses carry as content_sha256: a secret's keyed fingerprint (see
    // SecretBox::fingerprint), anything else's plain SHA-256.
    std::string digestOf(bool secret, const std::string &content) const;
    // Replaces unkeyed SHA-256 digests of secrets, as written before fingerprints were keyed,
    // in the item records and their versions; a no-op once done.
    Status rekeySecretFingerprints(const std::vector<store::KeyValue> &items);
    std::string openIf(bool secret, const std::string &stored) const;
    // The clock's time at the precision records keep (milliseconds): what this process adopts
    // after a write equals what another decodes from it.
    std::chrono::system_clock::time_point recordTime() const;

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
    // Item path -> its module's check; fixed once serving.
    std::map<std::string, ContentCheck, std::less<>> m_contentChecks;
    Status checkContent(const Item &item, std::string_view content) const;

    mutable std::shared_mutex m_mutex;
    std::map<std::string, Item> m_items; // by path
    std::map<std::string, NamespaceSettings> m_namespaces;
    std::map<std::string, Proposal> m_proposals;                             // by "ns/id"
    std::map<std::string, std::map<std::string, AppliedInstance>> m_applied; // path -> svc/id
    std::uint64_t m_proposalSequence = 0;
    // Set (under m_mutex) once load() has read the state; until then the stream's events wait in
    // m_early.
    std::atomic<bool> m_loaded{false};
    std::vector<store::Event> m_early;
    store::Revision m_earlyRevision = 0;
    // The revision load() read each cached prefix at: events at or below it are in the cache.
    std::vector<std::pair<std::string_view, store::Revision>> m_loadedAt;
    // Every change up to this revision is in the cache (written under m_mutex, or without it
    // for a group of events with nothing under /config/), so a read may claim it.
    std::atomic<store::Revision> m_revision{0};

    std::mutex m_expectedMutex;                      // after m_mutex when both are held
    std::multimap<std::string, Expected> m_expected; // by store key
    std::uint64_t m_nextTicket = 0;                  // guarded by m_expectedMutex

    // Item records decoded for watchers, by mod revision and key (the revision first: most
    // comparisons end there); bounded, any entry may go.
    mutable std::mutex m_decodedMutex;
    mutable std::map<std::tuple<store::Revision, std::string>, std::shared_ptr<const Item>,
                     std::less<>>
        m_decoded;
    // Tells this center's entries apart in a thread's cache of its last answer (sharedItem()).
    const std::uint64_t m_instance = s_instances++;
    static inline std::atomic<std::uint64_t> s_instances{0};

    // Sealed values that did not open with the key (a lost or replaced key file).
    mutable std::atomic<std::uint64_t> m_unreadableSecrets{0};
    // Declared last: destroyed first, so no event is applied to a half-destroyed cache.
    store::EventSubscription m_subscription;
};

} // namespace aegis::config
