#pragma once

#include "auth/roles.h"
#include "common/clock.h"
#include "store/store.h"

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace aegis::auth {

struct TokenInfo {
    std::string name;
    Role role = Role::Unspecified;
    std::string description;
    std::chrono::system_clock::time_point createTime;
    std::string createdBy;
    std::optional<std::chrono::system_clock::time_point> expireTime;
    // What a service token is bound to; empty for other roles.
    Scope scope;
    store::Revision createRevision = 0;
    store::Revision modRevision = 0;
};

// Who is calling, as established from a bearer token.
struct Principal {
    std::string name;
    Role role = Role::Unspecified;
    Scope scope;
    std::optional<std::chrono::system_clock::time_point> expireTime;
};

struct NewToken {
    std::string name;
    Role role = Role::Unspecified;
    std::string description;
    std::optional<std::chrono::seconds> ttl;
    // Required (at least one service) for the service role, refused for the others. The names
    // are validated by the caller (service and namespace names belong to other modules).
    Scope scope;
};

struct CreatedToken {
    TokenInfo info;
    // The bearer secret; only its hash is stored.
    std::string secret;
    store::Revision revision = 0;
};

struct TokenPage {
    std::vector<TokenInfo> tokens;
    std::string nextPageToken;
    store::Revision revision = 0;
};

// Limits, documented in the API and enforced by create().
inline constexpr std::size_t kMaxTokenNameLength = 63;
inline constexpr std::size_t kMaxTokenDescriptionLength = 256;
inline constexpr std::chrono::seconds kMinTokenTtl{60};
inline constexpr std::size_t kMaxTokenScopeNames = 64;

// Bearer tokens, kept under /auth/tokens/<name> in the store with only a SHA-256 hash of each
// secret. Secrets carry 256 random bits, so a fast hash is enough: there is nothing to
// brute-force. All tokens are cached in memory (keyed by hash) so authenticating a call costs no
// store read; the cache follows the store's event stream, so a token created or revoked through
// another replica on the same store counts here as soon as its event arrives. Thread-safe.
class TokenStore {
public:
    TokenStore(store::Store &store, ClockPtr clock);
    ~TokenStore();

    // Loads every token into the cache and follows the store's changes; call once before serving.
    Status load();

    // On first start (no tokens at all) creates the "admin" token and writes its secret to
    // `tokenFile` with mode 0600. Returns true when it created one.
    StatusOr<bool> bootstrapAdmin(const std::filesystem::path &tokenFile);

    // Validates and creates a token; `done` runs once it is durable (on the store's thread).
    // `alsoWrite` is committed in the same transaction (the caller's audit record).
    void create(const NewToken &token, const std::string &createdBy,
                std::function<void(StatusOr<CreatedToken>)> done,
                std::vector<store::Operation> alsoWrite = {});
    // Deletes a token; NOT_FOUND when there is none of that name.
    void revoke(const std::string &name, std::function<void(StatusOr<store::Revision>)> done,
                std::vector<store::Operation> alsoWrite = {});

    StatusOr<TokenPage> list(std::size_t pageSize, const std::string &pageToken) const;
    std::optional<TokenInfo> find(const std::string &name) const;

    // The principal a secret belongs to, or nothing when it is unknown or expired.
    std::optional<Principal> authenticate(std::string_view secret) const;

    std::size_t count() const;

    // Called with a token's name once its revocation is durable, whichever replica revoked it, on
    // the store's thread, so the streams it authorised here can be ended.
    void setRevokedListener(std::function<void(const std::string &name)> listener);

    static Status validateName(const std::string &name);

private:
    // The store's events under the prefix, on its thread.
    void applyEvents(const std::vector<store::Event> &events);
    // m_mutex held. True when it replaced another secret of the same name.
    bool rememberLocked(TokenInfo info, const std::string &hash);
    // m_mutex held. False when there was no such token.
    bool forgetLocked(const std::string &name);

    store::Store &m_store;
    ClockPtr m_clock;
    store::EventSubscription m_subscription;

    mutable std::shared_mutex m_mutex;
    std::function<void(const std::string &)> m_revoked;
    // Events at or below this revision are in the cache already.
    store::Revision m_revision = 0;
    std::unordered_map<std::string, TokenInfo> m_byHash; // hash -> token
    std::unordered_map<std::string, std::string> m_hashByName;
};

} // namespace aegis::auth
