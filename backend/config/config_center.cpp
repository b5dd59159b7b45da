#include "config/config_center.h"

#include "config/config_metrics.h"

#include "common/input_text.h"
#include "common/logging.h"
#include "config/config_records.h"

#include <algorithm>

namespace aegis::config {
namespace {

bool allOf(const std::string &text, bool (*allowed)(char)) {
    return std::all_of(text.begin(), text.end(), allowed);
}

bool groupChar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
}

bool keyChar(char c) {
    return groupChar(c) || c == ':';
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

void ConfigCenter::exportMetrics(prometheus::Registry &registry) {
    m_metrics = std::make_shared<ConfigMetrics>(registry);
}

void ConfigCenter::setContentCheck(const ItemRef &ref, ContentCheck check) {
    m_contentChecks.insert_or_assign(ref.path(), std::move(check));
}

Status ConfigCenter::checkContent(const Item &item, std::string_view content) const {
    if (Status valid = validateContent(item.format, content, item.schema); !valid.isOk()) {
        return valid;
    }
    const auto check = m_contentChecks.find(item.ref.path());
    return check == m_contentChecks.end() ? Status::ok() : check->second(content);
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
        if (auto version = decodeVersion(kv)) {
            page.items.push_back(std::move(*version));
        }
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

} // namespace aegis::config
