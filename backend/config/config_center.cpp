#include "config/config_center.h"

#include "common/input_text.h"
#include "common/json_number.h"
#include "common/logging.h"
#include "common/sha256.h"
#include "common/time_millis.h"

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <set>

namespace aegis::config {
namespace {

constexpr std::size_t kMaxAppliedPerItem = 10000;

using namespace std::chrono;
using nlohmann::json;

std::string versionName(std::int64_t number) {
    char buffer[24];
    std::snprintf(buffer, sizeof buffer, "%010lld", static_cast<long long>(number));
    return buffer;
}

std::string versionKey(const ItemRef &ref, std::int64_t number) {
    return std::string(ConfigCenter::kVersionsPrefix) + ref.path() + "/" + versionName(number);
}

std::string versionsPrefix(const ItemRef &ref) {
    return std::string(ConfigCenter::kVersionsPrefix) + ref.path() + "/";
}

std::string namespaceKey(const std::string &ns) {
    return std::string(ConfigCenter::kNamespacesPrefix) + ns;
}

std::string proposalKey(const std::string &ns, const std::string &id) {
    return std::string(ConfigCenter::kProposalsPrefix) + ns + "/" + id;
}

std::string appliedPrefix(const ItemRef &ref) {
    return std::string(ConfigCenter::kAppliedPrefix) + ref.path() + "/";
}

std::string dump(const json &value) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool allOf(const std::string &text, bool (*allowed)(char)) {
    return std::all_of(text.begin(), text.end(), allowed);
}

bool groupChar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
}

bool keyChar(char c) {
    return groupChar(c) || c == ':';
}

// Places an instance in one of 100 gray buckets; stable across runs and machines, unlike std::hash.
// FNV-1a's step with an offset basis of 1469598103934665603 (not FNV's 14695981039346656037): which
// instances a running gray release targets depends on it, so it must stay exactly as it is.
std::uint64_t grayBucketHash(std::string_view text) {
    std::uint64_t hash = 1469598103934665603ULL;
    for (const char c : text) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 1099511628211ULL;
    }
    return hash;
}

ItemRef refFromPath(const std::string &path) {
    ItemRef ref;
    const auto first = path.find('/');
    const auto second = path.find('/', first + 1);
    ref.ns = path.substr(0, first);
    ref.group = path.substr(first + 1, second - first - 1);
    ref.key = path.substr(second + 1);
    return ref;
}

json changeToJson(const Change &change,
                  const std::function<std::string(const std::string &)> &seal) {
    return json{{"ns", change.ref.ns},
                {"group", change.ref.group},
                {"key", change.ref.key},
                {"format", static_cast<int>(change.format)},
                {"content", change.secret ? seal(change.content) : change.content},
                {"base_version", change.baseVersion},
                {"update_attributes", change.updateAttributes},
                {"labels", change.labels},
                {"description", change.description},
                {"secret", change.secret},
                {"schema", change.schema}};
}

std::optional<NamespaceSettings> decodeNamespace(const store::KeyValue &kv) try {
    const auto in = json::parse(kv.value, nullptr, false);
    if (in.is_discarded() || !in.is_object()) {
        return std::nullopt;
    }
    NamespaceSettings settings;
    settings.name = kv.key.substr(ConfigCenter::kNamespacesPrefix.size());
    settings.requireApproval = in.value("require_approval", false);
    settings.description = in.value("description", "");
    return settings;
} catch (const std::exception &) {
    return std::nullopt;
}

// An /config/applied/ record: the item's path and what the instance applied. For a deleted
// record (`withValue` false) only the names are read.
std::optional<std::pair<std::string, AppliedInstance>> decodeApplied(const store::KeyValue &kv,
                                                                     bool withValue = true) try {
    const std::string rest = kv.key.substr(ConfigCenter::kAppliedPrefix.size());
    // ns/group/key/service/instance
    std::size_t slashes[4];
    std::size_t at = 0;
    for (auto &slash : slashes) {
        slash = rest.find('/', at);
        if (slash == std::string::npos) {
            return std::nullopt;
        }
        at = slash + 1;
    }
    AppliedInstance instance;
    instance.service = rest.substr(slashes[2] + 1, slashes[3] - slashes[2] - 1);
    instance.instanceId = rest.substr(slashes[3] + 1);
    if (withValue) {
        const auto in = json::parse(kv.value, nullptr, false);
        if (in.is_discarded() || !in.is_object()) {
            return std::nullopt;
        }
        instance.version = numberOr<std::int64_t>(in, "version", 0);
        instance.error = in.value("error", "");
        instance.time = fromMillis(numberOr<std::int64_t>(in, "time_ms", 0));
    }
    return std::make_pair(rest.substr(0, slashes[2]), std::move(instance));
} catch (const std::exception &) {
    return std::nullopt;
}

} // namespace

ConfigCenter::ConfigCenter(store::Store &store, const SecretBox &secrets, ClockPtr clock,
                           ConfigLimits limits)
    : m_store(store)
    , m_secrets(secrets)
    , m_clock(std::move(clock))
    , m_limits(limits) {}

std::string ConfigCenter::itemKey(const ItemRef &ref) {
    return std::string(kItemsPrefix) + ref.path();
}

ItemRef ConfigCenter::refOfItemKey(const std::string &key) {
    return refFromPath(key.substr(kItemsPrefix.size()));
}

std::string ConfigCenter::itemsPrefix(const std::string &ns, const std::string &group) {
    return std::string(kItemsPrefix) + ns + "/" + (group.empty() ? "" : group + "/");
}

Status ConfigCenter::validateNamespace(const std::string &ns, std::string_view field) {
    const bool valid = !ns.empty() && ns.size() <= 63 && std::islower(ns.front()) &&
                       ns.back() != '-' && allOf(ns, [](char c) {
                           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
                       });
    if (!valid) {
        return invalidArgument(std::string(field) +
                               " must be 1 to 63 lowercase letters, digits and '-', starting "
                               "with a letter (got " +
                               quoteInput(ns) + ")");
    }
    return Status::ok();
}

Status ConfigCenter::validateComment(const std::string &comment, std::string_view field) {
    if (comment.empty()) {
        return invalidArgument(std::string(field) + " is required: say why, in 1 to 1024 bytes");
    }
    return validateFreeText(comment, field, 1024);
}

Status ConfigCenter::validateProposalRef(const std::string &ns, const std::string &id) {
    if (Status s = validateNamespace(ns, "namespace"); !s.isOk()) {
        return s;
    }
    // Ids are made by propose(): "p" + milliseconds + "-" + sequence.
    if (id.empty() || id.size() > 64 || !allOf(id, groupChar)) {
        return invalidArgument("id must be a proposal id of 1 to 64 characters of A-Z a-z 0-9 . _ "
                               "- (got " +
                               quoteInput(id) + ")");
    }
    return Status::ok();
}

Status ConfigCenter::validateGroup(const std::string &group, std::string_view field) {
    if (group.empty() || group.size() > 128 || !allOf(group, groupChar)) {
        return invalidArgument(std::string(field) +
                               " must be 1 to 128 characters of A-Z a-z 0-9 . _ - (got " +
                               quoteInput(group) + ")");
    }
    return Status::ok();
}

Status ConfigCenter::validateRef(const ItemRef &ref) {
    if (Status s = validateNamespace(ref.ns, "namespace"); !s.isOk()) {
        return s;
    }
    if (Status s = validateGroup(ref.group, "group"); !s.isOk()) {
        return s;
    }
    if (ref.key.empty() || ref.key.size() > 256 || !allOf(ref.key, keyChar)) {
        return invalidArgument("key must be 1 to 256 characters of A-Z a-z 0-9 . _ : - (got " +
                               quoteInput(ref.key) + ")");
    }
    return Status::ok();
}

std::string ConfigCenter::sealIf(bool secret, const std::string &content) const {
    return secret ? m_secrets.seal(content) : content;
}

std::string ConfigCenter::openIf(bool secret, const std::string &stored) const {
    if (!secret) {
        return stored;
    }
    auto opened = m_secrets.open(stored);
    if (!opened) {
        ++m_unreadableSecrets;
        log::error("a secret configuration value cannot be decrypted",
                   {{"error", opened.status().message()}});
        return {};
    }
    return std::move(*opened);
}

std::string ConfigCenter::encodeItem(const Item &item) const {
    json out{{"format", static_cast<int>(item.format)},
             {"content", sealIf(item.secret, item.content)},
             {"labels", item.labels},
             {"description", item.description},
             {"secret", item.secret},
             {"schema", item.schema},
             {"version", item.version},
             {"last_version", item.lastVersion},
             {"sha256", item.sha256},
             {"author", item.author},
             {"comment", item.comment},
             {"update_ms", toMillis(item.updateTime)}};
    if (item.gray) {
        const GrayRelease &g = *item.gray;
        out["gray"] = json{{"version", g.version},
                           {"selector", g.selector},
                           {"instance_ids", g.instanceIds},
                           {"percent", g.percent},
                           {"content", sealIf(item.secret, g.content)},
                           {"sha256", g.sha256},
                           {"author", g.author},
                           {"comment", g.comment},
                           {"start_ms", toMillis(g.startTime)}};
    }
    return dump(out);
}

std::optional<Item> ConfigCenter::decodeItem(const store::KeyValue &kv) const try {
    if (kv.key.rfind(kItemsPrefix, 0) != 0) {
        return std::nullopt;
    }
    const auto in = json::parse(kv.value, nullptr, false);
    if (in.is_discarded() || !in.is_object()) {
        return std::nullopt;
    }
    Item item;
    item.ref = refFromPath(kv.key.substr(kItemsPrefix.size()));
    item.format = static_cast<Format>(numberOr(in, "format", 1));
    item.secret = in.value("secret", false);
    item.content = openIf(item.secret, in.value("content", ""));
    item.labels = in.value("labels", Labels{});
    item.description = in.value("description", "");
    item.schema = in.value("schema", "");
    item.version = numberOr<std::int64_t>(in, "version", 0);
    item.lastVersion = numberOr<std::int64_t>(in, "last_version", item.version);
    item.sha256 = item.secret ? m_secrets.fingerprint(item.content) : in.value("sha256", "");
    item.author = in.value("author", "");
    item.comment = in.value("comment", "");
    item.updateTime = fromMillis(numberOr<std::int64_t>(in, "update_ms", 0));
    item.createRevision = kv.createRevision;
    item.modRevision = kv.modRevision;
    if (const auto gray = in.find("gray"); gray != in.end() && gray->is_object()) {
        GrayRelease g;
        g.version = numberOr<std::int64_t>(*gray, "version", 0);
        g.selector = gray->value("selector", "");
        g.instanceIds = gray->value("instance_ids", std::vector<std::string>{});
        g.percent = numberOr(*gray, "percent", 0);
        g.content = openIf(item.secret, gray->value("content", ""));
        g.sha256 = item.secret ? m_secrets.fingerprint(g.content) : gray->value("sha256", "");
        g.author = gray->value("author", "");
        g.comment = gray->value("comment", "");
        g.startTime = fromMillis(numberOr<std::int64_t>(*gray, "start_ms", 0));
        item.gray = std::move(g);
    }
    return item;
} catch (const std::exception &) {
    // A record with a field of the wrong type is unreadable, not fatal (nlohmann's value() throws).
    return std::nullopt;
}

std::string ConfigCenter::encodeVersion(const Item &item, const Version &version) const {
    return dump(json{{"number", version.number},
                     {"kind", static_cast<int>(version.kind)},
                     {"format", static_cast<int>(version.format)},
                     {"content", sealIf(item.secret, version.content)},
                     {"secret", item.secret},
                     {"sha256", version.sha256},
                     {"author", version.author},
                     {"comment", version.comment},
                     {"time_ms", toMillis(version.time)},
                     {"restores", version.restores}});
}

std::string ConfigCenter::encodeProposal(const Proposal &proposal) const {
    json changes = json::array();
    for (const Change &change : proposal.changes) {
        changes.push_back(
            changeToJson(change, [this](const std::string &c) { return m_secrets.seal(c); }));
    }
    return dump(json{{"id", proposal.id},
                     {"ns", proposal.ns},
                     {"changes", changes},
                     {"comment", proposal.comment},
                     {"proposer", proposal.proposer},
                     {"state", static_cast<int>(proposal.state)},
                     {"decided_by", proposal.decidedBy},
                     {"reason", proposal.reason},
                     {"create_ms", toMillis(proposal.createTime)},
                     {"decide_ms", toMillis(proposal.decideTime)}});
}

std::optional<Proposal> ConfigCenter::decodeProposal(const store::KeyValue &kv) const try {
    const auto in = json::parse(kv.value, nullptr, false);
    if (in.is_discarded() || !in.is_object()) {
        return std::nullopt;
    }
    Proposal proposal;
    proposal.id = in.value("id", "");
    proposal.ns = in.value("ns", "");
    proposal.comment = in.value("comment", "");
    proposal.proposer = in.value("proposer", "");
    proposal.state = static_cast<ProposalState>(numberOr(in, "state", 1));
    proposal.decidedBy = in.value("decided_by", "");
    proposal.reason = in.value("reason", "");
    proposal.createTime = fromMillis(numberOr<std::int64_t>(in, "create_ms", 0));
    proposal.decideTime = fromMillis(numberOr<std::int64_t>(in, "decide_ms", 0));
    proposal.modRevision = kv.modRevision;
    for (const auto &c : in.value("changes", json::array())) {
        Change change;
        change.ref = {c.value("ns", ""), c.value("group", ""), c.value("key", "")};
        change.format = static_cast<Format>(numberOr(c, "format", 0));
        change.secret = c.value("secret", false);
        change.content = openIf(change.secret, c.value("content", ""));
        change.baseVersion = numberOr<std::int64_t>(c, "base_version", 0);
        change.updateAttributes = c.value("update_attributes", false);
        change.labels = c.value("labels", Labels{});
        change.description = c.value("description", "");
        change.schema = c.value("schema", "");
        proposal.changes.push_back(std::move(change));
    }
    return proposal;
} catch (const std::exception &) {
    // A record with a field of the wrong type is unreadable, not fatal (nlohmann's value() throws).
    return std::nullopt;
}

Status ConfigCenter::load() {
    // Subscribed before reading, so no change falls between the read and the stream; the events
    // of what the read already shows are skipped (see applyLocked()).
    m_subscription =
        m_store.subscribe({}, [this](const std::vector<store::Event> &events) { follow(events); });
    auto items = m_store.rangePrefix(std::string(kItemsPrefix));
    auto namespaces = m_store.rangePrefix(std::string(kNamespacesPrefix));
    auto proposals = m_store.rangePrefix(std::string(kProposalsPrefix));
    auto applied = m_store.rangePrefix(std::string(kAppliedPrefix));
    for (const auto *result : {&items, &namespaces, &proposals, &applied}) {
        if (!*result) {
            m_subscription.reset();
            return result->status();
        }
    }
    std::unique_lock lock(m_mutex);
    m_loadedAt = {{kItemsPrefix, items->revision},
                  {kNamespacesPrefix, namespaces->revision},
                  {kProposalsPrefix, proposals->revision},
                  {kAppliedPrefix, applied->revision}};
    for (const auto &kv : items->kvs) {
        if (auto item = decodeItem(kv)) {
            m_items[item->ref.path()] = std::move(*item);
        }
    }
    for (const auto &kv : namespaces->kvs) {
        if (auto settings = decodeNamespace(kv)) {
            m_namespaces[settings->name] = std::move(*settings);
        }
    }
    for (const auto &kv : proposals->kvs) {
        if (auto proposal = decodeProposal(kv)) {
            m_proposals[proposal->ns + "/" + proposal->id] = std::move(*proposal);
        }
    }
    for (const auto &kv : applied->kvs) {
        if (auto decoded = decodeApplied(kv)) {
            auto &[path, instance] = *decoded;
            m_applied[path][instance.service + "/" + instance.instanceId] = std::move(instance);
        }
    }
    for (const store::Event &event : m_early) {
        applyLocked(event);
    }
    m_early.clear();
    // Complete up to the oldest read, and up to every event delivered since the subscription.
    m_revision = std::max({m_earlyRevision, std::min({items->revision, namespaces->revision,
                                                      proposals->revision, applied->revision})});
    m_loaded = true;
    if (m_unreadableSecrets > 0) {
        // Serving them as empty content to the services would be worse than not starting.
        return Status(
            StatusCode::DataLoss,
            std::to_string(m_unreadableSecrets.load()) +
                " secret configuration value(s) cannot be decrypted with the key file "
                "config.key in the data directory (was it lost or replaced?); restore it");
    }
    lock.unlock();
    if (Status migrated = rekeySecretFingerprints(items->kvs); !migrated.isOk()) {
        return migrated;
    }
    log::info("configuration loaded", {{"items", m_items.size()},
                                       {"namespaces", m_namespaces.size()},
                                       {"proposals", m_proposals.size()}});
    return Status::ok();
}

void ConfigCenter::commitAdopting(store::Transaction txn,
                                  std::vector<std::pair<std::string, Record>> records,
                                  store::CommitCallback then) {
    std::uint64_t ticket = 0;
    {
        std::lock_guard lock(m_expectedMutex);
        ticket = ++m_nextTicket;
        for (auto &[key, record] : records) {
            const auto put = std::find_if(
                txn.operations.begin(), txn.operations.end(), [&key](const store::Operation &op) {
                    return op.kind == store::Operation::Kind::Put && op.key == key;
                });
            if (put != txn.operations.end()) {
                m_expected.emplace(key, Expected{ticket, put->value, std::move(record)});
            }
        }
    }
    m_store.commitAsync(std::move(txn), [this, ticket, then = std::move(then)](
                                            StatusOr<store::TransactionResult> result) {
        // The events (if any) came first and took what they matched; the rest was not written.
        {
            std::lock_guard lock(m_expectedMutex);
            std::erase_if(m_expected,
                          [ticket](const auto &entry) { return entry.second.ticket == ticket; });
        }
        then(std::move(result));
    });
}

template <typename T>
std::optional<T> ConfigCenter::adopt(const store::KeyValue &kv) {
    std::lock_guard lock(m_expectedMutex);
    auto [it, end] = m_expected.equal_range(kv.key);
    for (; it != end; ++it) {
        if (it->second.value == kv.value && std::holds_alternative<T>(it->second.record)) {
            T record = std::get<T>(std::move(it->second.record));
            m_expected.erase(it);
            return record;
        }
    }
    return std::nullopt;
}

void ConfigCenter::follow(const std::vector<store::Event> &events) {
    if (events.empty()) {
        return;
    }
    const store::Revision last = events.back().revision;
    const auto ours = [](const store::Event &event) {
        return event.kv.key.starts_with(kConfigPrefix);
    };
    if (m_loaded && std::none_of(events.begin(), events.end(), ours)) {
        // Nothing to apply: only the revision the cache is complete up to moves.
        m_revision = last;
        return;
    }
    std::unique_lock lock(m_mutex);
    if (!m_loaded) {
        std::copy_if(events.begin(), events.end(), std::back_inserter(m_early), ours);
        m_earlyRevision = last;
        return;
    }
    for (const store::Event &event : events) {
        if (ours(event)) {
            applyLocked(event);
        }
    }
    m_revision = last;
}

void ConfigCenter::applyLocked(const store::Event &event) {
    const std::string &key = event.kv.key;
    for (const auto &[prefix, loadedAt] : m_loadedAt) {
        if (key.starts_with(prefix) && event.revision <= loadedAt) {
            return;
        }
    }
    const bool put = event.type == store::EventType::Put;
    if (key.starts_with(kItemsPrefix)) {
        const std::string path = key.substr(kItemsPrefix.size());
        if (!put) {
            m_items.erase(path);
            m_applied.erase(path);
            return;
        }
        auto item = adopt<Item>(event.kv);
        if (item) {
            item->createRevision = event.kv.createRevision;
            item->modRevision = event.kv.modRevision;
        } else {
            item = decodeItem(event.kv);
        }
        if (item) {
            m_items[path] = std::move(*item);
        }
    } else if (key.starts_with(kProposalsPrefix)) {
        const std::string id = key.substr(kProposalsPrefix.size()); // "ns/id"
        if (!put) {
            m_proposals.erase(id);
            return;
        }
        auto proposal = adopt<Proposal>(event.kv);
        if (proposal) {
            proposal->modRevision = event.kv.modRevision;
        } else {
            proposal = decodeProposal(event.kv);
        }
        if (proposal) {
            m_proposals[id] = std::move(*proposal);
        }
    } else if (key.starts_with(kNamespacesPrefix)) {
        if (!put) {
            m_namespaces.erase(key.substr(kNamespacesPrefix.size()));
        } else if (auto settings = decodeNamespace(event.kv)) {
            m_namespaces[settings->name] = std::move(*settings);
        }
    } else if (key.starts_with(kAppliedPrefix)) {
        if (auto decoded = decodeApplied(event.kv, put)) {
            auto &[path, instance] = *decoded;
            const std::string id = instance.service + "/" + instance.instanceId;
            if (!put) {
                if (const auto tracked = m_applied.find(path); tracked != m_applied.end()) {
                    tracked->second.erase(id);
                }
            } else if (m_items.count(path) != 0) {
                m_applied[path][id] = std::move(instance);
            }
        }
    }
}

std::string ConfigCenter::digestOf(bool secret, const std::string &content) const {
    return secret ? m_secrets.fingerprint(content) : sha256Hex(content);
}

Status ConfigCenter::rekeySecretFingerprints(const std::vector<store::KeyValue> &items) {
    store::Transaction txn;
    txn.note = "config_migration";
    // Rewrites `record` (a stored item or version) when a digest in it is not the fingerprint.
    auto rekey = [&](const store::KeyValue &kv) {
        auto record = json::parse(kv.value, nullptr, false);
        if (record.is_discarded() || !record.is_object() || !record.value("secret", false)) {
            return;
        }
        bool stale = false;
        for (json *holder : {&record, record.contains("gray") ? &record["gray"] : nullptr}) {
            if (holder == nullptr || !holder->is_object()) {
                continue;
            }
            const std::string expected =
                m_secrets.fingerprint(openIf(true, holder->value("content", "")));
            if (holder->value("sha256", "") != expected) {
                (*holder)["sha256"] = expected;
                stale = true;
            }
        }
        if (stale) {
            txn.ifModRevision(kv.key, kv.modRevision).put(kv.key, dump(record));
        }
    };
    for (const auto &kv : items) {
        const auto item = json::parse(kv.value, nullptr, false);
        if (item.is_discarded() || !item.is_object() || !item.value("secret", false)) {
            continue;
        }
        rekey(kv);
        auto versions = m_store.rangePrefix(versionsPrefix(refOfItemKey(kv.key)));
        if (!versions) {
            return versions.status();
        }
        for (const auto &version : versions->kvs) {
            rekey(version);
        }
    }
    if (txn.operations.empty()) {
        return Status::ok();
    }
    const std::size_t rewritten = txn.operations.size();
    auto result = m_store.commit(std::move(txn));
    if (!result) {
        return result.status();
    }
    if (!result->succeeded) {
        return Status(StatusCode::Aborted, "the configuration changed while it was loaded");
    }
    log::info("secret fingerprints rekeyed", {{"records", rewritten}});
    return Status::ok();
}

Status ConfigCenter::abortedFor(const ItemRef &ref, const Item *current, std::int64_t base) const {
    if (current == nullptr) {
        return Status(StatusCode::Aborted, "config " + ref.path() +
                                               " no longer exists (you started from version " +
                                               std::to_string(base) + "); reload it");
    }
    return Status(StatusCode::Aborted,
                  "config " + ref.path() + " is at version " + std::to_string(current->version) +
                      " (published by " + current->author + ": \"" +
                      current->comment.substr(0, 80) + "\") but you started from version " +
                      std::to_string(base) + "; review their change and publish again");
}

StatusOr<ConfigCenter::Prepared> ConfigCenter::prepare(const std::vector<Change> &changes,
                                                       const std::string &comment,
                                                       const Author &author, VersionKind kind,
                                                       std::int64_t restores) const {
    if (changes.empty() || changes.size() > m_limits.maxChangesPerSet) {
        return invalidArgument("changes must hold 1 to " +
                               std::to_string(m_limits.maxChangesPerSet) + " items (got " +
                               std::to_string(changes.size()) + ")");
    }
    if (Status s = validateComment(comment); !s.isOk()) {
        return s;
    }
    std::set<std::string> seen;
    for (std::size_t i = 0; i < changes.size(); ++i) {
        const Change &change = changes[i];
        if (Status s = validateRef(change.ref); !s.isOk()) {
            return changes.size() == 1
                       ? s
                       : invalidArgument("changes[" + std::to_string(i) + "]: " + s.message());
        }
        if (!seen.insert(change.ref.path()).second) {
            return invalidArgument("changes: " + change.ref.path() + " appears twice");
        }
        if (change.content.size() > m_limits.maxContentBytes) {
            return invalidArgument("content of " + change.ref.path() + " is " +
                                   std::to_string(change.content.size()) + " bytes; the limit is " +
                                   std::to_string(m_limits.maxContentBytes));
        }
    }

    Prepared prepared;
    prepared.txn.note = "config";
    const auto now = m_clock->now();
    std::shared_lock lock(m_mutex);
    for (const Change &change : changes) {
        const auto existing = m_items.find(change.ref.path());
        const Item *current = existing == m_items.end() ? nullptr : &existing->second;
        if (change.baseVersion != (current ? current->version : 0)) {
            return abortedFor(change.ref, current, change.baseVersion);
        }
        Item item = current ? *current : Item{};
        item.ref = change.ref;
        if (!current && change.format == Format::Unspecified) {
            return invalidArgument("format is required to create " + change.ref.path() +
                                   " (text, json, yaml or properties)");
        }
        if (change.format != Format::Unspecified) {
            item.format = change.format;
        }
        if (change.updateAttributes || !current) {
            if (Status s = validateLabels(change.labels, "labels"); !s.isOk()) {
                return s;
            }
            if (Status s = validateFreeText(change.description, "description", 1024); !s.isOk()) {
                return s;
            }
            if (change.schema.size() > 64 * 1024) {
                return invalidArgument("schema may be at most 64 KiB");
            }
            item.labels = change.labels;
            item.description = change.description;
            item.secret = change.secret;
            item.schema = change.schema;
        }
        if (Status valid = validateContent(item.format, change.content, item.schema);
            !valid.isOk()) {
            return changes.size() == 1
                       ? valid
                       : invalidArgument(change.ref.path() + ": " + valid.message());
        }
        item.content = change.content;
        item.sha256 = digestOf(item.secret, change.content);
        item.lastVersion = std::max(item.lastVersion, item.version) + 1;
        item.version = item.lastVersion;
        item.author = author.name;
        item.comment = comment;
        item.updateTime = now;
        const std::string key = itemKey(item.ref);
        prepared.txn.ifModRevision(key, current ? current->modRevision : 0)
            .put(key, encodeItem(item));
        Version version{item.version, kind, item.format, item.content, item.sha256, author.name,
                        comment,      now,  0,           restores,     item.secret};
        prepared.txn.put(versionKey(item.ref, item.version), encodeVersion(item, version));
        prepared.items.push_back(std::move(item));
    }
    return prepared;
}

void ConfigCenter::commitItems(Prepared prepared, Done done,
                               std::vector<store::Operation> alsoWrite, std::string note) {
    if (!note.empty()) {
        prepared.txn.note = std::move(note);
    }
    std::move(alsoWrite.begin(), alsoWrite.end(), std::back_inserter(prepared.txn.operations));
    std::vector<std::pair<std::string, Record>> records;
    for (const Item &item : prepared.items) {
        records.emplace_back(itemKey(item.ref), item);
    }
    if (prepared.decided) {
        records.emplace_back(proposalKey(prepared.decided->ns, prepared.decided->id),
                             std::move(*prepared.decided));
    }
    commitAdopting(
        std::move(prepared.txn), std::move(records),
        [this, items = std::move(prepared.items),
         done = std::move(done)](StatusOr<store::TransactionResult> result) mutable {
            if (!result) {
                return done(result.status());
            }
            if (!result->succeeded) {
                // Someone changed one of the items between our read and this commit.
                std::shared_lock lock(m_mutex);
                for (const Item &item : items) {
                    const auto it = m_items.find(item.ref.path());
                    return done(Status(
                        StatusCode::Aborted,
                        "config " + item.ref.path() + " changed while publishing" +
                            (it == m_items.end()
                                 ? std::string()
                                 : " (now version " + std::to_string(it->second.version) + ")") +
                            "; reload and publish again"));
                }
                return done(Status(StatusCode::Aborted, "the configuration changed; retry"));
            }
            // What was written is what was prepared, at the revisions it got.
            for (Item &item : items) {
                const std::string key = itemKey(item.ref);
                for (const store::Event &event : result->events) {
                    if (event.kv.key == key) {
                        item.createRevision = event.kv.createRevision;
                        item.modRevision = event.kv.modRevision;
                    }
                }
            }
            done(PublishResult{std::move(items), std::nullopt, result->revision});
        });
}

bool ConfigCenter::requiresApproval(const std::string &ns) const {
    std::shared_lock lock(m_mutex);
    const auto settings = m_namespaces.find(ns);
    return settings != m_namespaces.end() && settings->second.requireApproval;
}

Status ConfigCenter::checkDirectChange(const ItemRef &ref, const Author &author,
                                       std::string_view what) const {
    if (author.isAdmin || !requiresApproval(ref.ns)) {
        return Status::ok();
    }
    return Status(StatusCode::PermissionDenied,
                  "namespace '" + ref.ns + "' requires approval: " + std::string(what) +
                      " there is for admins; publish the content as a change to propose it");
}

void ConfigCenter::publish(std::vector<Change> changes, std::string comment, Author author,
                           Done done, std::vector<store::Operation> alsoWrite, VersionKind kind) {
    auto prepared = prepare(changes, comment, author, kind, 0);
    if (!prepared) {
        return done(prepared.status());
    }
    std::set<std::string> namespaces;
    bool approval = false;
    for (const Change &change : changes) {
        namespaces.insert(change.ref.ns);
        approval = approval || requiresApproval(change.ref.ns);
    }
    if (!approval) {
        return commitItems(std::move(*prepared), std::move(done), std::move(alsoWrite));
    }
    if (namespaces.size() > 1) {
        return done(invalidArgument("a change set that touches a namespace requiring approval "
                                    "must stay within that namespace"));
    }
    propose(std::move(changes), std::move(comment), author, std::move(done), std::move(alsoWrite));
}

void ConfigCenter::propose(std::vector<Change> changes, std::string comment, const Author &author,
                           Done done, std::vector<store::Operation> alsoWrite) {
    const std::string ns = changes.front().ref.ns;
    {
        std::shared_lock lock(m_mutex);
        std::size_t pending = 0;
        for (const auto &[key, proposal] : m_proposals) {
            pending += proposal.ns == ns && proposal.state == ProposalState::Pending ? 1 : 0;
        }
        if (pending >= 1000) {
            return done(Status(StatusCode::ResourceExhausted,
                               "namespace '" + ns +
                                   "' already has 1000 pending proposals; decide some first"));
        }
        // A secret stays one (sealed, masked) whether or not the change restates its attributes.
        for (Change &change : changes) {
            if (const auto it = m_items.find(change.ref.path());
                it != m_items.end() && !change.updateAttributes) {
                change.secret = it->second.secret;
            }
        }
    }
    Proposal proposal;
    proposal.ns = ns;
    proposal.changes = std::move(changes);
    proposal.comment = std::move(comment);
    proposal.proposer = author.name;
    proposal.createTime = m_clock->now();
    {
        std::unique_lock lock(m_mutex);
        char id[48];
        std::snprintf(id, sizeof id, "p%013lld-%04llu",
                      static_cast<long long>(toMillis(proposal.createTime)),
                      static_cast<unsigned long long>(++m_proposalSequence % 10000));
        proposal.id = id;
    }
    store::Transaction txn;
    txn.ifMissing(proposalKey(ns, proposal.id))
        .put(proposalKey(ns, proposal.id), encodeProposal(proposal));
    std::move(alsoWrite.begin(), alsoWrite.end(), std::back_inserter(txn.operations));
    std::vector<std::pair<std::string, Record>> records;
    records.emplace_back(proposalKey(ns, proposal.id), proposal);
    commitAdopting(
        std::move(txn), std::move(records),
        [proposal, done = std::move(done)](StatusOr<store::TransactionResult> result) mutable {
            if (!result || !result->succeeded) {
                return done(result ? Status(StatusCode::Aborted, "proposal id taken; retry")
                                   : result.status());
            }
            PublishResult published;
            proposal.modRevision = result->revision;
            published.proposal = std::move(proposal);
            published.revision = result->revision;
            done(std::move(published));
        });
}

void ConfigCenter::rollback(const ItemRef &ref, std::int64_t toVersion, std::int64_t baseVersion,
                            std::string comment, Author author, Done done,
                            std::vector<store::Operation> alsoWrite) {
    if (Status s = validateRef(ref); !s.isOk()) {
        return done(s);
    }
    auto target = version(ref, toVersion);
    if (!target) {
        return done(target.status());
    }
    Change change;
    change.ref = ref;
    change.format = target->format;
    change.content = target->content;
    change.baseVersion = baseVersion;
    const std::string why = "rollback to v" + std::to_string(toVersion) +
                            (comment.empty() ? std::string() : ": " + comment);
    auto prepared = prepare({change}, why, author, VersionKind::Rollback, toVersion);
    if (!prepared) {
        return done(prepared.status());
    }
    if (requiresApproval(ref.ns)) {
        // A rollback is a change like any other there: someone else approves it.
        return propose({change}, why, author, std::move(done), std::move(alsoWrite));
    }
    commitItems(std::move(*prepared), std::move(done), std::move(alsoWrite), "rollback");
}

void ConfigCenter::remove(const ItemRef &ref, std::int64_t expectedVersion, const Author &author,
                          std::function<void(StatusOr<store::Revision>)> done,
                          std::vector<store::Operation> alsoWrite) {
    if (Status s = validateRef(ref); !s.isOk()) {
        return done(s);
    }
    if (Status allowed = checkDirectChange(ref, author, "deleting an item"); !allowed.isOk()) {
        return done(allowed);
    }
    const auto current = item(ref);
    if (!current) {
        return done(notFound("there is no config " + ref.path()));
    }
    if (expectedVersion != current->version) {
        return done(abortedFor(ref, &*current, expectedVersion));
    }
    store::Transaction txn;
    txn.ifModRevision(itemKey(ref), current->modRevision).remove(itemKey(ref));
    txn.removePrefix(versionsPrefix(ref));
    txn.removePrefix(appliedPrefix(ref));
    std::move(alsoWrite.begin(), alsoWrite.end(), std::back_inserter(txn.operations));
    m_store.commitAsync(
        std::move(txn), [ref, done = std::move(done)](StatusOr<store::TransactionResult> result) {
            if (!result) {
                return done(result.status());
            }
            if (!result->succeeded) {
                return done(Status(StatusCode::Aborted,
                                   "config " + ref.path() + " changed meanwhile; reload it"));
            }
            done(result->revision);
        });
}

void ConfigCenter::startGray(const ItemRef &ref, std::string content, std::int64_t baseVersion,
                             GrayRelease targeting, std::string comment, Author author, Done done,
                             std::vector<store::Operation> alsoWrite) {
    if (Status s = validateRef(ref); !s.isOk()) {
        return done(s);
    }
    if (Status allowed = checkDirectChange(ref, author, "a gray release"); !allowed.isOk()) {
        return done(allowed);
    }
    const int targetings = (targeting.selector.empty() ? 0 : 1) +
                           (targeting.instanceIds.empty() ? 0 : 1) +
                           (targeting.percent == 0 ? 0 : 1);
    if (targetings != 1) {
        return done(invalidArgument("a gray release targets exactly one of selector, "
                                    "instance_ids or percent"));
    }
    if (targeting.percent < 0 || targeting.percent > 99) {
        return done(invalidArgument("percent must be between 1 and 99 (got " +
                                    std::to_string(targeting.percent) + ")"));
    }
    if (!targeting.selector.empty()) {
        if (auto selector = LabelSelector::parse(targeting.selector, "selector"); !selector) {
            return done(selector.status());
        }
    }
    if (targeting.instanceIds.size() > 1000) {
        return done(invalidArgument("instance_ids may list at most 1000 instances"));
    }
    if (Status s = validateComment(comment); !s.isOk()) {
        return done(s);
    }
    if (content.size() > m_limits.maxContentBytes) {
        return done(invalidArgument("content is " + std::to_string(content.size()) +
                                    " bytes; the limit is " +
                                    std::to_string(m_limits.maxContentBytes)));
    }
    auto current = item(ref);
    if (!current) {
        return done(notFound("there is no config " + ref.path() + "; publish it first"));
    }
    if (current->gray) {
        return done(failedPrecondition("config " + ref.path() + " already has gray version " +
                                       std::to_string(current->gray->version) +
                                       " in progress; promote or cancel it first"));
    }
    if (baseVersion != current->version) {
        return done(abortedFor(ref, &*current, baseVersion));
    }
    if (Status valid = validateContent(current->format, content, current->schema); !valid.isOk()) {
        return done(valid);
    }
    Item item = *current;
    GrayRelease gray = std::move(targeting);
    gray.content = std::move(content);
    gray.sha256 = digestOf(item.secret, gray.content);
    gray.version = item.lastVersion + 1;
    gray.author = author.name;
    gray.comment = comment;
    gray.startTime = m_clock->now();
    item.lastVersion = gray.version;
    Version version{gray.version,
                    VersionKind::Gray,
                    item.format,
                    gray.content,
                    gray.sha256,
                    author.name,
                    comment,
                    gray.startTime,
                    0,
                    0,
                    item.secret};
    item.gray = std::move(gray);
    Prepared prepared;
    const std::string key = itemKey(ref);
    prepared.txn.ifModRevision(key, current->modRevision).put(key, encodeItem(item));
    prepared.txn.put(versionKey(ref, version.number), encodeVersion(item, version));
    prepared.items.push_back(std::move(item));
    commitItems(std::move(prepared), std::move(done), std::move(alsoWrite), "gray");
}

void ConfigCenter::promoteGray(const ItemRef &ref, std::string comment, Author author, Done done,
                               std::vector<store::Operation> alsoWrite) {
    if (Status s = validateRef(ref); !s.isOk()) {
        return done(s);
    }
    if (Status allowed = checkDirectChange(ref, author, "promoting a gray release");
        !allowed.isOk()) {
        return done(allowed);
    }
    const auto current = item(ref);
    if (!current || !current->gray) {
        return done(failedPrecondition("config " + ref.path() + " has no gray release"));
    }
    Change change;
    change.ref = ref;
    change.content = current->gray->content;
    change.baseVersion = current->version;
    auto prepared = prepare({change},
                            "promote gray v" + std::to_string(current->gray->version) +
                                (comment.empty() ? std::string() : ": " + comment),
                            author, VersionKind::Promotion, current->gray->version);
    if (!prepared) {
        return done(prepared.status());
    }
    // The promoted item has no gray release any more; re-encode it without.
    Item &promoted = prepared->items.front();
    promoted.gray.reset();
    prepared->txn.operations.front().value = encodeItem(promoted);
    commitItems(std::move(*prepared), std::move(done), std::move(alsoWrite), "promote");
}

void ConfigCenter::cancelGray(const ItemRef &ref, Done done,
                              std::vector<store::Operation> alsoWrite) {
    if (Status s = validateRef(ref); !s.isOk()) {
        return done(s);
    }
    auto current = item(ref);
    if (!current || !current->gray) {
        return done(failedPrecondition("config " + ref.path() + " has no gray release"));
    }
    Item item = *current;
    item.gray.reset();
    Prepared prepared;
    const std::string key = itemKey(ref);
    prepared.txn.ifModRevision(key, current->modRevision).put(key, encodeItem(item));
    prepared.items.push_back(std::move(item));
    commitItems(std::move(prepared), std::move(done), std::move(alsoWrite), "cancel_gray");
}

void ConfigCenter::setNamespace(NamespaceSettings settings,
                                std::function<void(StatusOr<NamespaceSettings>)> done,
                                std::vector<store::Operation> alsoWrite) {
    if (Status s = validateNamespace(settings.name, "namespace.name"); !s.isOk()) {
        return done(s);
    }
    if (Status s = validateFreeText(settings.description, "namespace.description", 1024);
        !s.isOk()) {
        return done(s);
    }
    store::Transaction txn;
    txn.put(namespaceKey(settings.name), dump(json{{"require_approval", settings.requireApproval},
                                                   {"description", settings.description}}));
    std::move(alsoWrite.begin(), alsoWrite.end(), std::back_inserter(txn.operations));
    m_store.commitAsync(std::move(txn), [settings, done = std::move(done)](
                                            StatusOr<store::TransactionResult> result) mutable {
        if (!result) {
            return done(result.status());
        }
        done(std::move(settings));
    });
}

void ConfigCenter::approve(const std::string &ns, const std::string &id, Author approver, Done done,
                           std::vector<store::Operation> alsoWrite) {
    if (Status s = validateProposalRef(ns, id); !s.isOk()) {
        return done(s);
    }
    std::optional<Proposal> proposal;
    {
        std::shared_lock lock(m_mutex);
        const auto it = m_proposals.find(ns + "/" + id);
        if (it != m_proposals.end()) {
            proposal = it->second;
        }
    }
    if (!proposal) {
        return done(notFound("namespace '" + ns + "' has no proposal '" + id + "'"));
    }
    if (proposal->state != ProposalState::Pending) {
        return done(failedPrecondition("proposal " + id + " was already decided"));
    }
    if (proposal->proposer == approver.name && !approver.isAdmin) {
        return done(Status(StatusCode::PermissionDenied,
                           "a proposal is approved by someone other than its proposer (" +
                               proposal->proposer + ")"));
    }
    const std::string suffix = " (approved by " + approver.name + ")";
    const std::size_t room = suffix.size() < 1024 ? 1024 - suffix.size() : 0;
    auto prepared = prepare(proposal->changes, proposal->comment.substr(0, room) + suffix,
                            Author{proposal->proposer, false}, VersionKind::Publish, 0);
    if (!prepared) {
        return done(prepared.status());
    }
    const store::Revision decidedAt = proposal->modRevision;
    proposal->state = ProposalState::Approved;
    proposal->decidedBy = approver.name;
    proposal->decideTime = m_clock->now();
    // Decided once: a concurrent approval or rejection fails its compare.
    prepared->txn.ifModRevision(proposalKey(ns, id), decidedAt)
        .put(proposalKey(ns, id), encodeProposal(*proposal));
    prepared->decided = std::move(proposal);
    commitItems(std::move(*prepared), std::move(done), std::move(alsoWrite), "approved");
}

void ConfigCenter::reject(const std::string &ns, const std::string &id, Author rejecter,
                          std::string reason, std::function<void(StatusOr<store::Revision>)> done,
                          std::vector<store::Operation> alsoWrite) {
    if (Status s = validateProposalRef(ns, id); !s.isOk()) {
        return done(s);
    }
    if (Status s = validateFreeText(reason, "reason", 1024); !s.isOk()) {
        return done(s);
    }
    std::optional<Proposal> proposal;
    {
        std::shared_lock lock(m_mutex);
        const auto it = m_proposals.find(ns + "/" + id);
        if (it != m_proposals.end()) {
            proposal = it->second;
        }
    }
    if (!proposal) {
        return done(notFound("namespace '" + ns + "' has no proposal '" + id + "'"));
    }
    if (proposal->state != ProposalState::Pending) {
        return done(failedPrecondition("proposal " + id + " was already decided"));
    }
    const store::Revision decidedAt = proposal->modRevision;
    proposal->state = ProposalState::Rejected;
    proposal->decidedBy = rejecter.name;
    proposal->reason = reason.substr(0, 1024);
    proposal->decideTime = m_clock->now();
    store::Transaction txn;
    // Decided once: a concurrent approval or rejection fails its compare.
    txn.ifModRevision(proposalKey(ns, id), decidedAt)
        .put(proposalKey(ns, id), encodeProposal(*proposal));
    std::move(alsoWrite.begin(), alsoWrite.end(), std::back_inserter(txn.operations));
    std::vector<std::pair<std::string, Record>> records;
    records.emplace_back(proposalKey(ns, id), std::move(*proposal));
    commitAdopting(std::move(txn), std::move(records),
                   [id, done = std::move(done)](StatusOr<store::TransactionResult> result) {
                       if (!result) {
                           return done(result.status());
                       }
                       if (!result->succeeded) {
                           return done(
                               failedPrecondition("proposal " + id + " was decided meanwhile"));
                       }
                       done(result->revision);
                   });
}

bool ConfigCenter::knowsVersion(const ItemRef &ref, std::int64_t version) const {
    std::shared_lock lock(m_mutex);
    const auto item = m_items.find(ref.path());
    // Every number up to lastVersion was given to a version (gray ones included).
    return item != m_items.end() && version <= item->second.lastVersion;
}

void ConfigCenter::ack(const ItemRef &ref, const std::string &service,
                       const std::string &instanceId, std::int64_t version, std::string error,
                       std::function<void(StatusOr<store::Revision>)> done) {
    if (Status s = validateRef(ref); !s.isOk()) {
        return done(s);
    }
    if (error.size() > 1024) {
        return done(invalidArgument("error may be at most 1024 bytes"));
    }
    AppliedInstance applied{service, instanceId, version, std::move(error), m_clock->now()};
    const std::string instanceKey = service + "/" + instanceId;
    // Watchers hear of a change once it is durable, which can be before it reaches the cache:
    // a version the cache does not know yet is looked up in the store.
    if (!knowsVersion(ref, version)) {
        auto stored = m_store.get(versionKey(ref, version));
        if (!stored) {
            return done(stored.status());
        }
        if (stored->kvs.empty()) {
            return done(notFound(item(ref) ? "config " + ref.path() + " has no version " +
                                                 std::to_string(version)
                                           : "there is no config " + ref.path()));
        }
    }
    {
        std::shared_lock lock(m_mutex);
        static const std::map<std::string, AppliedInstance> kNone;
        const auto tracked = m_applied.find(ref.path());
        const auto &instances = tracked == m_applied.end() ? kNone : tracked->second;
        const auto found = instances.find(instanceKey);
        const AppliedInstance *existing = found == instances.end() ? nullptr : &found->second;
        // Bounded: acknowledgements come from the network, one record per instance.
        if (existing == nullptr && instances.size() >= kMaxAppliedPerItem) {
            return done(Status(StatusCode::ResourceExhausted,
                               "config " + ref.path() + " already tracks " +
                                   std::to_string(kMaxAppliedPerItem) + " instances"));
        }
        if (existing != nullptr && existing->version == applied.version &&
            existing->error == applied.error) {
            return done(m_store.currentRevision()); // nothing new to record
        }
    }
    store::Transaction txn;
    // Only while the item exists, so an ack racing a delete leaves no orphan record.
    txn.ifExists(itemKey(ref));
    txn.put(appliedPrefix(ref) + instanceKey, dump(json{{"version", applied.version},
                                                        {"error", applied.error},
                                                        {"time_ms", toMillis(applied.time)}}));
    m_store.commitAsync(std::move(txn), [path = ref.path(), done = std::move(done)](
                                            StatusOr<store::TransactionResult> result) {
        if (!result) {
            return done(result.status());
        }
        if (!result->succeeded) {
            return done(notFound("there is no config " + path + " any more"));
        }
        done(result->revision);
    });
}

std::optional<Item> ConfigCenter::item(const ItemRef &ref, store::Revision *at) const {
    std::shared_lock lock(m_mutex);
    if (at != nullptr) {
        *at = m_revision;
    }
    const auto it = m_items.find(ref.path());
    if (it == m_items.end()) {
        return std::nullopt;
    }
    return it->second;
}

StatusOr<ConfigPage<Item>> ConfigCenter::listItems(const std::string &ns, const std::string &group,
                                                   std::size_t pageSize,
                                                   const std::string &pageToken) const {
    if (Status s = validateNamespace(ns, "namespace"); !s.isOk()) {
        return s;
    }
    if (!group.empty()) {
        if (Status s = validateGroup(group, "group"); !s.isOk()) {
            return s;
        }
    }
    const std::string prefix = ns + "/" + (group.empty() ? "" : group + "/");
    ConfigPage<Item> page;
    std::shared_lock lock(m_mutex);
    page.revision = m_revision;
    // The page token is the path of the last item returned.
    auto it = pageToken.empty() ? m_items.lower_bound(prefix) : m_items.upper_bound(pageToken);
    for (; it != m_items.end() && it->first.rfind(prefix, 0) == 0; ++it) {
        if (page.items.size() == pageSize) {
            page.nextPageToken = page.items.back().ref.path();
            break;
        }
        page.items.push_back(it->second);
    }
    return page;
}

std::vector<NamespaceSettings> ConfigCenter::namespaces(store::Revision *at) const {
    std::shared_lock lock(m_mutex);
    if (at != nullptr) {
        *at = m_revision;
    }
    std::map<std::string, NamespaceSettings> all = m_namespaces;
    for (const auto &[path, item] : m_items) {
        NamespaceSettings &settings = all[item.ref.ns];
        settings.name = item.ref.ns;
        ++settings.itemCount;
    }
    std::vector<NamespaceSettings> out;
    for (auto &[name, settings] : all) {
        out.push_back(std::move(settings));
    }
    return out;
}

StatusOr<ConfigPage<Version>> ConfigCenter::versions(const ItemRef &ref, std::size_t pageSize,
                                                     const std::string &pageToken) const {
    if (Status s = validateRef(ref); !s.isOk()) {
        return s;
    }
    if (!pageToken.empty() && (pageToken.size() != 10 ||
                               pageToken.find_first_not_of("0123456789") != std::string::npos)) {
        return invalidArgument("page_token is not one this server issued");
    }
    const std::string prefix = versionsPrefix(ref);
    store::RangeRequest range;
    range.start = prefix;
    range.end = pageToken.empty() ? store::prefixEnd(prefix) : prefix + pageToken;
    range.limit = pageSize;
    range.descending = true;
    auto result = m_store.range(range);
    if (!result) {
        return result.status();
    }
    ConfigPage<Version> page;
    page.revision = result->revision;
    for (const auto &kv : result->kvs) {
        const auto in = json::parse(kv.value, nullptr, false);
        if (in.is_discarded() || !in.is_object()) {
            continue;
        }
        Version version;
        version.number = numberOr<std::int64_t>(in, "number", 0);
        version.kind = static_cast<VersionKind>(numberOr(in, "kind", 1));
        version.format = static_cast<Format>(numberOr(in, "format", 1));
        version.secret = in.value("secret", false);
        version.content = openIf(version.secret, in.value("content", ""));
        version.sha256 =
            version.secret ? m_secrets.fingerprint(version.content) : in.value("sha256", "");
        version.author = in.value("author", "");
        version.comment = in.value("comment", "");
        version.time = fromMillis(numberOr<std::int64_t>(in, "time_ms", 0));
        version.revision = kv.modRevision;
        version.restores = numberOr<std::int64_t>(in, "restores", 0);
        page.items.push_back(std::move(version));
    }
    if (result->more && !result->kvs.empty()) {
        page.nextPageToken = versionName(page.items.back().number);
    }
    return page;
}

StatusOr<Version> ConfigCenter::version(const ItemRef &ref, std::int64_t number,
                                        store::Revision *at) const {
    if (number <= 0) {
        return invalidArgument("version must be positive (got " + std::to_string(number) + ")");
    }
    auto page = versions(ref, 1, versionName(number + 1));
    if (!page) {
        return page.status();
    }
    if (page->items.empty() || page->items.front().number != number) {
        return notFound("config " + ref.path() + " has no version " + std::to_string(number));
    }
    if (at != nullptr) {
        *at = page->revision;
    }
    return std::move(page->items.front());
}

std::vector<Proposal> ConfigCenter::proposals(const std::string &ns, bool includeDecided,
                                              store::Revision *at) const {
    std::shared_lock lock(m_mutex);
    if (at != nullptr) {
        *at = m_revision;
    }
    std::vector<Proposal> out;
    const std::string prefix = ns + "/";
    for (auto it = m_proposals.lower_bound(prefix);
         it != m_proposals.end() && it->first.rfind(prefix, 0) == 0; ++it) {
        if (includeDecided || it->second.state == ProposalState::Pending) {
            out.push_back(it->second);
        }
    }
    return out;
}

AppliedStatus ConfigCenter::applied(const ItemRef &ref) const {
    AppliedStatus status;
    std::shared_lock lock(m_mutex);
    status.revision = m_revision;
    const auto item = m_items.find(ref.path());
    if (item == m_items.end()) {
        return status;
    }
    status.publishedVersion = item->second.version;
    status.grayVersion = item->second.gray ? item->second.gray->version : 0;
    if (const auto applied = m_applied.find(ref.path()); applied != m_applied.end()) {
        for (const auto &[id, instance] : applied->second) {
            status.instances.push_back(instance);
        }
    }
    std::size_t current = 0;
    std::vector<std::string> behind;
    for (const auto &instance : status.instances) {
        if (instance.error.empty() &&
            (instance.version == status.publishedVersion ||
             (status.grayVersion != 0 && instance.version == status.grayVersion))) {
            ++current;
        } else {
            behind.push_back(
                instance.instanceId +
                (instance.error.empty()
                     ? " still on v" + std::to_string(instance.version)
                     : " failed v" + std::to_string(instance.version) + ": " + instance.error));
        }
    }
    status.summary =
        std::to_string(current) + " of " + std::to_string(status.instances.size()) + " on v" +
        std::to_string(status.publishedVersion) +
        (status.grayVersion ? " (or gray v" + std::to_string(status.grayVersion) + ")" : "");
    for (std::size_t i = 0; i < behind.size() && i < 3; ++i) {
        status.summary += "; " + behind[i];
    }
    if (behind.size() > 3) {
        status.summary += "; and " + std::to_string(behind.size() - 3) + " more";
    }
    return status;
}

bool ConfigCenter::grayTargets(const GrayRelease &gray, const ItemRef &ref,
                               const std::string &instanceId, const Labels &labels) {
    if (instanceId.empty()) {
        return false;
    }
    if (!gray.instanceIds.empty()) {
        return std::find(gray.instanceIds.begin(), gray.instanceIds.end(), instanceId) !=
               gray.instanceIds.end();
    }
    if (!gray.selector.empty()) {
        auto selector = LabelSelector::parse(gray.selector, "selector");
        return selector && selector->matches(labels);
    }
    // Stable per item and instance: the same instances stay in the gray share across restarts,
    // and different items pick different instances.
    return static_cast<int>(grayBucketHash(ref.path() + "#" + instanceId) % 100) < gray.percent;
}

StatusOr<std::string> ConfigCenter::exportNamespace(const std::string &ns, bool includeSecrets,
                                                    store::Revision *at) const {
    if (Status s = validateNamespace(ns, "namespace"); !s.isOk()) {
        return s;
    }
    YAML::Emitter out;
    out << YAML::BeginMap << YAML::Key << "namespace" << YAML::Value << ns << YAML::Key << "items"
        << YAML::Value << YAML::BeginSeq;
    std::shared_lock lock(m_mutex);
    if (at != nullptr) {
        *at = m_revision;
    }
    const std::string prefix = ns + "/";
    for (auto it = m_items.lower_bound(prefix);
         it != m_items.end() && it->first.rfind(prefix, 0) == 0; ++it) {
        const Item &item = it->second;
        if (item.secret && !includeSecrets) {
            continue;
        }
        out << YAML::BeginMap << YAML::Key << "group" << YAML::Value << item.ref.group << YAML::Key
            << "key" << YAML::Value << item.ref.key << YAML::Key << "format" << YAML::Value
            << formatName(item.format);
        if (!item.labels.empty()) {
            out << YAML::Key << "labels" << YAML::Value << YAML::BeginMap;
            for (const auto &[name, value] : item.labels) {
                out << YAML::Key << name << YAML::Value << value;
            }
            out << YAML::EndMap;
        }
        if (!item.description.empty()) {
            out << YAML::Key << "description" << YAML::Value << item.description;
        }
        if (item.secret) {
            out << YAML::Key << "secret" << YAML::Value << true;
        }
        if (!item.schema.empty()) {
            out << YAML::Key << "schema" << YAML::Value << YAML::Literal << item.schema;
        }
        out << YAML::Key << "content" << YAML::Value << YAML::Literal << item.content
            << YAML::EndMap;
    }
    out << YAML::EndSeq << YAML::EndMap;
    return std::string(out.c_str());
}

StatusOr<std::vector<Change>>
ConfigCenter::importChanges(const std::string &ns, const std::string &yaml, int &unchanged) const {
    unchanged = 0;
    if (Status s = validateNamespace(ns, "namespace"); !s.isOk()) {
        return s;
    }
    YAML::Node bundle;
    try {
        bundle = YAML::Load(yaml);
    } catch (const YAML::Exception &error) {
        return invalidArgument("yaml: line " + std::to_string(error.mark.line + 1) + ", column " +
                               std::to_string(error.mark.column + 1) + ": " + error.msg);
    }
    if (!bundle.IsMap() || !bundle["items"] || !bundle["items"].IsSequence()) {
        return invalidArgument("yaml must be a mapping with an 'items' list (as exported)");
    }
    static const std::map<std::string, Format> kFormats = {{"text", Format::Text},
                                                           {"json", Format::Json},
                                                           {"yaml", Format::Yaml},
                                                           {"properties", Format::Properties}};
    std::vector<Change> changes;
    std::size_t index = 0;
    for (const auto &entry : bundle["items"]) {
        const std::string where = "items[" + std::to_string(index++) + "]";
        try {
            Change change;
            change.ref = {ns, entry["group"].as<std::string>(""), entry["key"].as<std::string>("")};
            const auto format = kFormats.find(entry["format"].as<std::string>("text"));
            if (format == kFormats.end()) {
                return invalidArgument(where + ".format must be text, json, yaml or properties");
            }
            change.format = format->second;
            change.content = entry["content"].as<std::string>("");
            change.updateAttributes = true;
            change.description = entry["description"].as<std::string>("");
            change.secret = entry["secret"].as<bool>(false);
            change.schema = entry["schema"].as<std::string>("");
            if (entry["labels"] && entry["labels"].IsMap()) {
                for (const auto &label : entry["labels"]) {
                    change.labels[label.first.as<std::string>()] = label.second.as<std::string>();
                }
            }
            if (Status s = validateRef(change.ref); !s.isOk()) {
                return invalidArgument(where + ": " + s.message());
            }
            const auto current = item(change.ref);
            change.baseVersion = current ? current->version : 0;
            if (current && current->content == change.content && current->format == change.format &&
                current->labels == change.labels && current->description == change.description &&
                current->secret == change.secret && current->schema == change.schema) {
                ++unchanged;
                continue;
            }
            changes.push_back(std::move(change));
        } catch (const YAML::Exception &error) {
            return invalidArgument(where + ": " + error.msg);
        }
    }
    return changes;
}

} // namespace aegis::config
