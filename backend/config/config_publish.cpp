#include "config/config_center.h"

#include "config/config_metrics.h"

#include "common/input_text.h"
#include "config/config_records.h"

#include <set>

// Publishing: a change set validated against the cache and written with compare-and-set, a
// rollback (a new version with old content), and deleting an item.
namespace aegis::config {

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
    const auto now = recordTime();
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
        if (Status valid = checkContent(item, change.content); !valid.isOk()) {
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
            if (m_metrics) {
                m_metrics->published(items.size());
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

} // namespace aegis::config
