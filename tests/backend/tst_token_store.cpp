// The token cache follows the store's event stream: two TokenStores on one store stand for two
// replicas. What one creates or revokes counts on the other; changes several events make at one
// revision (one transaction, or an etcd store's resync batch) all apply; a name that comes back
// with another secret ends the old secret's streams; an unreadable or misnamed record revokes.

#include "auth/token_store.h"
#include "daemon_process.h"
#include "store/sqlite_store.h"

#include <nlohmann/json.hpp>

#include <QtTest>

#include <future>

using namespace aegis;

namespace {

StatusOr<auth::CreatedToken> createToken(auth::TokenStore &tokens, const std::string &name) {
    std::promise<StatusOr<auth::CreatedToken>> promise;
    auto future = promise.get_future();
    tokens.create(auth::NewToken{name, auth::Role::Viewer, "", std::nullopt, {}}, "test",
                  [&promise](StatusOr<auth::CreatedToken> created) {
                      promise.set_value(std::move(created));
                  });
    return future.get();
}

// The stored record of token `name` (empty when there is none).
nlohmann::json storedRecord(const store::Store &store, const std::string &name) {
    const auto record = store.get("/auth/tokens/" + name);
    if (!record || record->kvs.size() != 1) {
        return {};
    }
    return nlohmann::json::parse(record->kvs.front().value);
}

} // namespace

class TokenStoreTest : public QObject {
    Q_OBJECT

private slots:
    void init() {
        m_dir = std::make_unique<testing::TempDir>();
        auto store = store::SqliteStore::open({m_dir->path() / "aegis.db"});
        QVERIFY2(store.isOk(), store.status().message().c_str());
        m_store = std::move(*store);
        for (auto *tokens : {&m_here, &m_there}) {
            *tokens = std::make_unique<auth::TokenStore>(*m_store, std::make_shared<SystemClock>());
            QVERIFY(tokens->get()->load().isOk());
        }
        m_there->setRevokedListener([this](const std::string &name) { m_revoked.push_back(name); });
    }
    void cleanup() {
        m_here.reset();
        m_there.reset();
        m_store.reset();
        m_revoked.clear();
    }

    void createdAndRevokedElsewhereCountHere() {
        const auto created = createToken(*m_here, "ci");
        QVERIFY2(created, created.status().message().c_str());
        const auto principal = m_there->authenticate(created->secret);
        QVERIFY(principal);
        QCOMPARE(principal->name, std::string("ci"));

        std::promise<StatusOr<store::Revision>> promise;
        m_here->revoke("ci", [&promise](StatusOr<store::Revision> r) { promise.set_value(r); });
        QVERIFY(promise.get_future().get().isOk());
        QVERIFY(!m_there->authenticate(created->secret));
        QCOMPARE(m_revoked, std::vector<std::string>{"ci"});
    }

    // A rename written as one transaction: the delete and the put share a revision.
    void eventsOfOneRevisionAllApply() {
        const auto created = createToken(*m_here, "old-name");
        QVERIFY2(created, created.status().message().c_str());
        auto value = storedRecord(*m_store, "old-name");
        QVERIFY(value.is_object());
        value["name"] = "new-name";
        store::Transaction rename;
        rename.remove("/auth/tokens/old-name").put("/auth/tokens/new-name", value.dump());
        QVERIFY(m_store->commit(std::move(rename)).isOk());

        QCOMPARE(m_revoked, std::vector<std::string>{"old-name"});
        QVERIFY(!m_there->find("old-name"));
        const auto principal = m_there->authenticate(created->secret);
        QVERIFY(principal);
        QCOMPARE(principal->name, std::string("new-name"));
    }

    // Revoked and created again under the same name, seen as one change: the old secret's
    // streams end and only the new secret counts.
    void aNewSecretUnderAKnownNameRevokesTheOld() {
        const auto first = createToken(*m_here, "deploy");
        QVERIFY2(first, first.status().message().c_str());
        auto value = storedRecord(*m_store, "deploy");
        QVERIFY(value.is_object());
        value["hash"] = std::string(64, 'a');
        store::Transaction replace;
        replace.put("/auth/tokens/deploy", value.dump());
        QVERIFY(m_store->commit(std::move(replace)).isOk());

        QCOMPARE(m_revoked, std::vector<std::string>{"deploy"});
        QVERIFY(!m_there->authenticate(first->secret));
        QVERIFY(m_there->find("deploy"));
    }

    // A record that cannot be read, or that names another token than its key, counts for
    // nothing: what it held before is refused.
    void anUnreadableRecordRevokesItsToken() {
        const auto garbled = createToken(*m_here, "garbled");
        const auto misnamed = createToken(*m_here, "misnamed");
        QVERIFY(garbled && misnamed);
        auto value = storedRecord(*m_store, "misnamed");
        value["name"] = "admin";
        store::Transaction overwrite;
        overwrite.put("/auth/tokens/garbled", "{not json")
            .put("/auth/tokens/misnamed", value.dump());
        QVERIFY(m_store->commit(std::move(overwrite)).isOk());

        QCOMPARE(m_revoked, (std::vector<std::string>{"garbled", "misnamed"}));
        QVERIFY(!m_there->authenticate(garbled->secret));
        QVERIFY(!m_there->authenticate(misnamed->secret));
    }

private:
    std::unique_ptr<testing::TempDir> m_dir;
    std::unique_ptr<store::SqliteStore> m_store;
    std::unique_ptr<auth::TokenStore> m_here;
    std::unique_ptr<auth::TokenStore> m_there;
    std::vector<std::string> m_revoked;
};

QTEST_GUILESS_MAIN(TokenStoreTest)
#include "tst_token_store.moc"
