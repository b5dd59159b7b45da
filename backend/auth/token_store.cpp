#include "auth/token_store.h"

#include "common/input_text.h"
#include "common/json_number.h"
#include "common/logging.h"
#include "common/sha256.h"
#include "common/time_millis.h"

#include <nlohmann/json.hpp>
#include <openssl/rand.h>

#include <algorithm>
#include <fcntl.h>
#include <fstream>
#include <future>
#include <iterator>
#include <unistd.h>

namespace aegis::auth {
namespace {

constexpr std::string_view kPrefix = "/auth/tokens/";
constexpr std::string_view kSecretPrefix = "aegis_";

std::string tokenKey(const std::string &name) {
    return std::string(kPrefix) + name;
}

std::string newSecret() {
    unsigned char random[32];
    if (RAND_bytes(random, sizeof random) != 1) {
        return {};
    }
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string secret(kSecretPrefix);
    // base64url without padding, 6 bits at a time.
    unsigned int buffer = 0;
    int bits = 0;
    for (unsigned char byte : random) {
        buffer = (buffer << 8) | byte;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            secret.push_back(kAlphabet[(buffer >> bits) & 0x3f]);
        }
    }
    if (bits > 0) {
        secret.push_back(kAlphabet[(buffer << (6 - bits)) & 0x3f]);
    }
    return secret;
}

std::string encode(const TokenInfo &info, const std::string &hash) {
    nlohmann::json value = {{"name", info.name},
                            {"role", static_cast<int>(info.role)},
                            {"description", info.description},
                            {"hash", hash},
                            {"created_by", info.createdBy},
                            {"create_time_ms", toMillis(info.createTime)}};
    if (info.expireTime) {
        value["expire_time_ms"] = toMillis(*info.expireTime);
    }
    if (!info.scope.services.empty()) {
        value["services"] = info.scope.services;
    }
    if (!info.scope.namespaces.empty()) {
        value["namespaces"] = info.scope.namespaces;
    }
    return value.dump();
}

std::optional<std::pair<TokenInfo, std::string>> decode(const store::KeyValue &kv) {
    const auto value = nlohmann::json::parse(kv.value, nullptr, false);
    if (value.is_discarded() || !value.is_object()) {
        return std::nullopt;
    }
    // A field of the wrong type or out of range makes the record unreadable; it must not abort the
    // daemon's load.
    try {
        TokenInfo info;
        info.name = value.value("name", "");
        info.role = static_cast<Role>(numberOr(value, "role", 0));
        info.description = value.value("description", "");
        info.createdBy = value.value("created_by", "");
        info.createTime = fromMillis(numberOr<std::int64_t>(value, "create_time_ms", 0));
        if (value.contains("expire_time_ms")) {
            info.expireTime = fromMillis(numberOr<std::int64_t>(value, "expire_time_ms", 0));
        }
        const auto names = [&value](const char *field) {
            std::vector<std::string> list;
            if (const auto it = value.find(field); it != value.end() && it->is_array()) {
                for (const auto &name : *it) {
                    if (name.is_string()) {
                        list.push_back(name.get<std::string>());
                    }
                }
            }
            return list;
        };
        info.scope.services = names("services");
        info.scope.namespaces = names("namespaces");
        info.createRevision = kv.createRevision;
        info.modRevision = kv.modRevision;
        return std::make_pair(std::move(info), value.value("hash", ""));
    } catch (const std::exception &) {
        return std::nullopt;
    }
}

} // namespace

TokenStore::TokenStore(store::Store &store, ClockPtr clock)
    : m_store(store)
    , m_clock(std::move(clock)) {}

Status TokenStore::validateName(const std::string &name) {
    if (name.empty() || name.size() > kMaxTokenNameLength) {
        return invalidArgument("name must be 1 to " + std::to_string(kMaxTokenNameLength) +
                               " characters (got " + std::to_string(name.size()) + ")");
    }
    const auto allowed = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    };
    for (char c : name) {
        if (!allowed(c)) {
            return invalidArgument("name may contain only a-z, 0-9, '.', '_' and '-'");
        }
    }
    if (name.front() == '.' || name.front() == '_' || name.front() == '-') {
        return invalidArgument("name must start with a letter or a digit");
    }
    return Status::ok();
}

TokenStore::~TokenStore() {
    m_subscription.reset();
}

Status TokenStore::load() {
    // Held while reading: events the store delivers meanwhile wait, and those the snapshot
    // already holds (at or below its revision) are then ignored.
    std::unique_lock lock(m_mutex);
    m_subscription =
        m_store.subscribe(std::string(kPrefix),
                          [this](const std::vector<store::Event> &events) { applyEvents(events); });
    auto tokens = m_store.rangePrefix(std::string(kPrefix));
    if (!tokens) {
        // Unlocked first: the store may be waiting in applyEvents() with its subscribers held.
        lock.unlock();
        m_subscription.reset();
        return tokens.status();
    }
    m_revision = tokens->revision;
    m_byHash.clear();
    m_hashByName.clear();
    for (const auto &kv : tokens->kvs) {
        // A record is its key's token: one whose name says otherwise is not trusted.
        if (auto decoded = decode(kv);
            decoded && decoded->first.name == kv.key.substr(kPrefix.size())) {
            rememberLocked(std::move(decoded->first), decoded->second);
        } else {
            log::warn("skipping unreadable token record", {{"key", kv.key}});
        }
    }
    return Status::ok();
}

void TokenStore::applyEvents(const std::vector<store::Event> &events) {
    std::vector<std::string> revoked;
    std::function<void(const std::string &)> listener;
    {
        std::unique_lock lock(m_mutex);
        // Several events may share a revision (one transaction, or a store's resync batch).
        const store::Revision applied = m_revision;
        for (const store::Event &event : events) {
            if (event.revision <= applied) {
                continue;
            }
            m_revision = std::max(m_revision, event.revision);
            std::string name = event.kv.key.substr(kPrefix.size());
            if (event.type == store::EventType::Delete) {
                if (forgetLocked(name)) {
                    revoked.push_back(std::move(name));
                }
            } else if (auto decoded = decode(event.kv); decoded && decoded->first.name == name) {
                // A new secret under a known name (revoked and created again meanwhile, seen as
                // one change after a resync) revokes the old one's streams.
                if (rememberLocked(std::move(decoded->first), decoded->second)) {
                    revoked.push_back(std::move(name));
                }
            } else {
                // Whatever the record held before no longer counts.
                log::warn("unreadable token record: its token is refused", {{"key", event.kv.key}});
                if (forgetLocked(name)) {
                    revoked.push_back(std::move(name));
                }
            }
        }
        listener = m_revoked;
    }
    // Outside the lock: the listener ends streams, which may look tokens up.
    for (const std::string &name : revoked) {
        if (listener) {
            listener(name);
        }
    }
}

StatusOr<bool> TokenStore::bootstrapAdmin(const std::filesystem::path &tokenFile) {
    if (count() > 0) {
        return false;
    }
    std::promise<StatusOr<CreatedToken>> promise;
    auto future = promise.get_future();
    create(NewToken{"admin", Role::Admin, "Created on first start", std::nullopt, {}}, "bootstrap",
           [&promise](StatusOr<CreatedToken> created) { promise.set_value(std::move(created)); });
    auto created = future.get();
    if (!created) {
        return created.status();
    }
    std::filesystem::create_directories(tokenFile.parent_path());
    const std::string temporary = tokenFile.string() + ".tmp";
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        return unavailable("cannot write the admin token file " + tokenFile.string());
    }
    const std::string content = created->secret + "\n";
    const bool written =
        ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) &&
        ::fsync(fd) == 0;
    ::close(fd);
    if (!written || std::rename(temporary.c_str(), tokenFile.c_str()) != 0) {
        return unavailable("cannot write the admin token file " + tokenFile.string());
    }
    return true;
}

void TokenStore::create(const NewToken &token, const std::string &createdBy,
                        std::function<void(StatusOr<CreatedToken>)> done,
                        std::vector<store::Operation> alsoWrite) {
    if (Status status = validateName(token.name); !status.isOk()) {
        return done(status);
    }
    if (token.role == Role::Unspecified || roleName(token.role) == "unspecified") {
        return done(invalidArgument("role must be one of viewer, operator, admin, service"));
    }
    if (Status status =
            validateFreeText(token.description, "description", kMaxTokenDescriptionLength);
        !status.isOk()) {
        return done(status);
    }
    if (token.ttl && *token.ttl < kMinTokenTtl) {
        return done(invalidArgument("ttl must be at least 60 seconds"));
    }
    if (token.role == Role::Service && token.scope.services.empty()) {
        return done(invalidArgument(
            "services must name at least one service for a token with role service"));
    }
    if (token.role != Role::Service &&
        (!token.scope.services.empty() || !token.scope.namespaces.empty())) {
        return done(invalidArgument("services and namespaces bind a token with role service; a " +
                                    std::string(roleName(token.role)) +
                                    " token must not name any"));
    }
    if (token.scope.services.size() > kMaxTokenScopeNames ||
        token.scope.namespaces.size() > kMaxTokenScopeNames) {
        return done(invalidArgument("services and namespaces may name at most " +
                                    std::to_string(kMaxTokenScopeNames) + " entries each"));
    }
    TokenInfo info;
    info.name = token.name;
    info.role = token.role;
    info.description = token.description;
    info.createdBy = createdBy;
    info.createTime = m_clock->now();
    info.scope = token.scope;
    for (auto *names : {&info.scope.services, &info.scope.namespaces}) {
        std::sort(names->begin(), names->end());
        names->erase(std::unique(names->begin(), names->end()), names->end());
    }
    if (token.ttl) {
        info.expireTime = info.createTime + *token.ttl;
    }
    std::string secret = newSecret();
    if (secret.empty()) {
        return done(internalError("the system random generator failed"));
    }
    std::string hash = sha256Hex(secret);

    store::Transaction txn;
    txn.ifMissing(tokenKey(token.name)).put(tokenKey(token.name), encode(info, hash));
    std::move(alsoWrite.begin(), alsoWrite.end(), std::back_inserter(txn.operations));
    m_store.commitAsync(std::move(txn), [this, info = std::move(info), secret = std::move(secret),
                                         hash = std::move(hash), done = std::move(done)](
                                            StatusOr<store::TransactionResult> result) mutable {
        if (!result) {
            return done(result.status());
        }
        if (!result->succeeded) {
            return done(alreadyExists("a token named '" + info.name + "' already exists"));
        }
        // The cache has it already: the store's events come before the commit callbacks.
        info.createRevision = info.modRevision = result->revision;
        done(CreatedToken{std::move(info), std::move(secret), result->revision});
    });
}

void TokenStore::revoke(const std::string &name,
                        std::function<void(StatusOr<store::Revision>)> done,
                        std::vector<store::Operation> alsoWrite) {
    if (Status status = validateName(name); !status.isOk()) {
        return done(status);
    }
    store::Transaction txn;
    txn.ifExists(tokenKey(name)).remove(tokenKey(name));
    std::move(alsoWrite.begin(), alsoWrite.end(), std::back_inserter(txn.operations));
    m_store.commitAsync(std::move(txn), [this, name, done = std::move(done)](
                                            StatusOr<store::TransactionResult> result) {
        if (!result) {
            return done(result.status());
        }
        if (!result->succeeded) {
            return done(notFound("there is no token named '" + name + "'"));
        }
        // Forgotten, and its streams ended, by the store's event, which comes first.
        done(result->revision);
    });
}

StatusOr<TokenPage> TokenStore::list(std::size_t pageSize, const std::string &pageToken) const {
    store::RangeRequest request;
    // The page token is the last name of the previous page; continue just after it.
    request.start = pageToken.empty() ? std::string(kPrefix) : tokenKey(pageToken) + '\0';
    request.end = store::prefixEnd(kPrefix);
    request.limit = pageSize;
    auto range = m_store.range(request);
    if (!range) {
        return range.status();
    }
    TokenPage page;
    page.revision = range->revision;
    for (const auto &kv : range->kvs) {
        if (auto decoded = decode(kv)) {
            page.tokens.push_back(std::move(decoded->first));
        }
    }
    if (range->more && !page.tokens.empty()) {
        page.nextPageToken = page.tokens.back().name;
    }
    return page;
}

std::optional<TokenInfo> TokenStore::find(const std::string &name) const {
    std::shared_lock lock(m_mutex);
    const auto hash = m_hashByName.find(name);
    if (hash == m_hashByName.end()) {
        return std::nullopt;
    }
    return m_byHash.at(hash->second);
}

std::optional<Principal> TokenStore::authenticate(std::string_view secret) const {
    if (secret.size() < kSecretPrefix.size() || secret.size() > 128 ||
        secret.substr(0, kSecretPrefix.size()) != kSecretPrefix) {
        return std::nullopt;
    }
    const std::string hash = sha256Hex(secret);
    std::shared_lock lock(m_mutex);
    const auto it = m_byHash.find(hash);
    if (it == m_byHash.end()) {
        return std::nullopt;
    }
    if (it->second.expireTime && *it->second.expireTime <= m_clock->now()) {
        return std::nullopt;
    }
    return Principal{it->second.name, it->second.role, it->second.scope, it->second.expireTime};
}

void TokenStore::setRevokedListener(std::function<void(const std::string &)> listener) {
    std::unique_lock lock(m_mutex);
    m_revoked = std::move(listener);
}

std::size_t TokenStore::count() const {
    std::shared_lock lock(m_mutex);
    return m_byHash.size();
}

bool TokenStore::rememberLocked(TokenInfo info, const std::string &hash) {
    const auto known = m_hashByName.find(info.name);
    const bool replaced = known != m_hashByName.end() && known->second != hash;
    if (replaced) {
        m_byHash.erase(known->second);
    }
    m_hashByName[info.name] = hash;
    m_byHash[hash] = std::move(info);
    return replaced;
}

bool TokenStore::forgetLocked(const std::string &name) {
    const auto hash = m_hashByName.find(name);
    if (hash == m_hashByName.end()) {
        return false;
    }
    m_byHash.erase(hash->second);
    m_hashByName.erase(hash);
    return true;
}

} // namespace aegis::auth
