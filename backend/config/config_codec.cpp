#include "config/config_records.h"

#include "common/json_number.h"
#include "common/logging.h"
#include "common/sha256.h"
#include "common/time_millis.h"
#include "config/config_center.h"

#include <cstdio>

// How the configuration center's records are stored: JSON, with secret contents sealed by the
// SecretBox; and the one migration of stored records (keyed secret fingerprints).
namespace aegis::config {
namespace {

using nlohmann::json;

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

} // namespace

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

ItemRef refFromPath(const std::string &path) {
    ItemRef ref;
    const auto first = path.find('/');
    const auto second = path.find('/', first + 1);
    ref.ns = path.substr(0, first);
    ref.group = path.substr(first + 1, second - first - 1);
    ref.key = path.substr(second + 1);
    return ref;
}

std::string dump(const json &value) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string encodeNamespace(const NamespaceSettings &settings) {
    return dump(json{{"require_approval", settings.requireApproval},
                     {"description", settings.description}});
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

std::string encodeApplied(const AppliedInstance &applied) {
    return dump(json{{"version", applied.version},
                     {"error", applied.error},
                     {"time_ms", toMillis(applied.time)}});
}

std::optional<std::pair<std::string, AppliedInstance>> decodeApplied(const store::KeyValue &kv,
                                                                     bool withValue) try {
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
        instance.modRevision = kv.modRevision;
    }
    return std::make_pair(rest.substr(0, slashes[2]), std::move(instance));
} catch (const std::exception &) {
    return std::nullopt;
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

std::chrono::system_clock::time_point ConfigCenter::recordTime() const {
    return fromMillis(toMillis(m_clock->now()));
}

std::string ConfigCenter::digestOf(bool secret, const std::string &content) const {
    return secret ? m_secrets.fingerprint(content) : sha256Hex(content);
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

std::optional<Version> ConfigCenter::decodeVersion(const store::KeyValue &kv) const {
    const auto in = json::parse(kv.value, nullptr, false);
    if (in.is_discarded() || !in.is_object()) {
        return std::nullopt;
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
    return version;
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

} // namespace aegis::config
