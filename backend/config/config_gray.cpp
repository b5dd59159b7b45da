#include "config/config_center.h"

#include "config/config_records.h"

#include <algorithm>
#include <optional>
#include <string>

// Gray releases: a version that only some instances use (by id, by labels or by a stable share)
// until it is promoted to the published version or cancelled.
namespace aegis::config {
namespace {

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

} // namespace

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
    if (Status valid = checkContent(*current, content); !valid.isOk()) {
        return done(valid);
    }
    Item item = *current;
    GrayRelease gray = std::move(targeting);
    gray.content = std::move(content);
    gray.sha256 = digestOf(item.secret, gray.content);
    gray.version = item.lastVersion + 1;
    gray.author = author.name;
    gray.comment = comment;
    gray.startTime = recordTime();
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
        // A change is resolved for every watcher of the item in turn: each thread keeps the last
        // selector it parsed.
        thread_local std::string lastText;
        thread_local std::optional<LabelSelector> lastSelector;
        if (!lastSelector || lastText != gray.selector) {
            auto selector = LabelSelector::parse(gray.selector, "selector");
            if (!selector) {
                return false;
            }
            lastSelector = std::move(*selector);
            lastText = gray.selector;
        }
        return lastSelector->matches(labels);
    }
    // Stable per item and instance: the same instances stay in the gray share across restarts,
    // and different items pick different instances.
    return static_cast<int>(grayBucketHash(ref.path() + "#" + instanceId) % 100) < gray.percent;
}

} // namespace aegis::config
