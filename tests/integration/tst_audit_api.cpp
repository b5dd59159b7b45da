// The audit API end to end against the real aegisd: what every mutation records, listing with
// filters and pages, and watching live, resuming, and resuming from a compacted revision.

#include "api_clients.h"
#include "daemon_process.h"

#include <google/protobuf/util/time_util.h>

#include <QtTest>

#include <algorithm>
#include <cctype>
#include <fstream>

using aegis::testing::ApiClients;
using aegis::testing::DaemonProcess;
using aegis::testing::describe;
using aegis::testing::kCallTimeout;
using google::protobuf::util::TimeUtil;
using namespace aegis::v1;
using namespace std::chrono_literals;

namespace {

constexpr const char *kCreateToken = "/aegis.v1.AuthService/CreateToken";
constexpr const char *kRevokeToken = "/aegis.v1.AuthService/RevokeToken";
constexpr const char *kSetLogLevel = "/aegis.v1.SystemService/SetLogLevel";

// Who may make a row's call.
struct Callers {
    const ApiClients &admin;
    const ApiClients &viewer;
};

// Makes a mutation; sets `revision` to the revision in the response header (0 when it failed).
using Mutation = std::function<grpc::Status(const Callers &, std::int64_t &revision)>;

grpc::Status createToken(const ApiClients &clients, const std::string &name, Role role,
                         std::int64_t *revision = nullptr) {
    grpc::ClientContext context;
    aegis::client::setTimeout(context, kCallTimeout);
    CreateTokenRequest request;
    request.set_name(name);
    request.set_role(role);
    if (role == ROLE_SERVICE) {
        request.add_services("audited");
    }
    CreateTokenResponse response;
    const grpc::Status status = clients.auth->CreateToken(&context, request, &response);
    if (revision) {
        *revision = response.header().revision();
    }
    return status;
}

grpc::Status revokeToken(const ApiClients &clients, const std::string &name,
                         std::int64_t *revision = nullptr) {
    grpc::ClientContext context;
    aegis::client::setTimeout(context, kCallTimeout);
    RevokeTokenRequest request;
    request.set_name(name);
    RevokeTokenResponse response;
    const grpc::Status status = clients.auth->RevokeToken(&context, request, &response);
    if (revision) {
        *revision = response.header().revision();
    }
    return status;
}

grpc::Status setLogLevel(const ApiClients &clients, const std::string &level) {
    grpc::ClientContext context;
    aegis::client::setTimeout(context, kCallTimeout);
    SetLogLevelRequest request;
    request.set_level(level);
    SetLogLevelResponse response;
    return clients.system->SetLogLevel(&context, request, &response);
}

// One page of ListAuditRecords.
grpc::Status listPage(const ApiClients &clients, const AuditFilter &filter, int pageSize,
                      const std::string &pageToken, ListAuditRecordsResponse &response) {
    grpc::ClientContext context;
    aegis::client::setTimeout(context, kCallTimeout);
    ListAuditRecordsRequest request;
    *request.mutable_filter() = filter;
    request.set_page_size(pageSize);
    request.set_page_token(pageToken);
    return clients.audit->ListAuditRecords(&context, request, &response);
}

// Every record matching `filter`, newest first, following pages of the largest size.
std::vector<AuditRecord> listAll(const ApiClients &clients, const AuditFilter &filter = {}) {
    std::vector<AuditRecord> records;
    std::string token;
    do {
        ListAuditRecordsResponse response;
        const grpc::Status status = listPage(clients, filter, 1000, token, response);
        if (!status.ok()) {
            qWarning("ListAuditRecords failed: %s", describe(status).c_str());
            return {};
        }
        records.insert(records.end(), response.records().begin(), response.records().end());
        token = response.next_page_token();
    } while (!token.empty());
    return records;
}

std::int64_t micros(const google::protobuf::Timestamp &time) {
    return TimeUtil::TimestampToMicroseconds(time);
}

std::int64_t micros(std::chrono::system_clock::time_point time) {
    return std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
}

google::protobuf::Timestamp timestamp(std::chrono::system_clock::time_point time) {
    return TimeUtil::MicrosecondsToTimestamp(micros(time));
}

bool containsIgnoringCase(const std::string &text, const std::string &part) {
    return std::search(text.begin(), text.end(), part.begin(), part.end(), [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(a)) ==
                      std::tolower(static_cast<unsigned char>(b));
           }) != text.end();
}

// AuditFilter as audit.proto documents it, to check the server against.
bool documentedMatch(const AuditFilter &filter, const AuditRecord &record) {
    return (filter.actor().empty() || record.actor() == filter.actor()) &&
           containsIgnoringCase(record.method(), filter.method()) &&
           record.resource().rfind(filter.resource(), 0) == 0 &&
           (filter.outcome() != AUDIT_OUTCOME_SUCCEEDED || record.code() == 0) &&
           (filter.outcome() != AUDIT_OUTCOME_FAILED || record.code() != 0) &&
           (!filter.has_start_time() || micros(record.time()) >= micros(filter.start_time())) &&
           (!filter.has_end_time() || micros(record.time()) < micros(filter.end_time()));
}

QStringList ids(const std::vector<AuditRecord> &records) {
    QStringList result;
    for (const auto &record : records) {
        result.push_back(QString::fromStdString(record.id()));
    }
    return result;
}

QStringList resources(const std::vector<AuditRecord> &records) {
    QStringList result;
    for (const auto &record : records) {
        result.push_back(QString::fromStdString(record.resource()));
    }
    return result;
}

// A WatchAuditRecords stream read with the synchronous API; the deadline bounds every Read.
class AuditWatch {
public:
    AuditWatch(const ApiClients &clients, const WatchAuditRecordsRequest &request,
               std::chrono::milliseconds timeout = 20s) {
        aegis::client::setTimeout(m_context, timeout);
        m_reader = clients.audit->WatchAuditRecords(&m_context, request);
    }
    ~AuditWatch() {
        if (!m_finished) {
            cancel();
        }
    }
    AuditWatch(const AuditWatch &) = delete;
    AuditWatch &operator=(const AuditWatch &) = delete;

    bool read(WatchAuditRecordsResponse &response) { return m_reader->Read(&response); }

    // Reads until `count` records have arrived or the stream ends; `lastRevision` becomes the
    // header revision of the last message read.
    std::vector<AuditRecord> readRecords(std::size_t count, std::int64_t *lastRevision = nullptr) {
        std::vector<AuditRecord> records;
        WatchAuditRecordsResponse response;
        while (records.size() < count && read(response)) {
            records.insert(records.end(), response.records().begin(), response.records().end());
            if (lastRevision) {
                *lastRevision = response.header().revision();
            }
        }
        return records;
    }

    // Waits for the stream to end (the server's status).
    grpc::Status finish() {
        WatchAuditRecordsResponse ignored;
        while (read(ignored)) {
        }
        m_finished = true;
        return m_reader->Finish();
    }

    grpc::Status cancel() {
        m_context.TryCancel();
        return finish();
    }

    std::string trailer(const std::string &key) const {
        const auto &trailers = m_context.GetServerTrailingMetadata();
        const auto it = trailers.find(key);
        return it == trailers.end() ? std::string()
                                    : std::string(it->second.data(), it->second.size());
    }

private:
    grpc::ClientContext m_context;
    std::unique_ptr<grpc::ClientReader<WatchAuditRecordsResponse>> m_reader;
    bool m_finished = false;
};

WatchAuditRecordsRequest watchRequest(std::int64_t startRevision,
                                      const std::string &resource = {}) {
    WatchAuditRecordsRequest request;
    request.set_start_revision(startRevision);
    request.mutable_filter()->set_resource(resource);
    return request;
}

} // namespace

Q_DECLARE_METATYPE(Mutation)
Q_DECLARE_METATYPE(AuditFilter)

class TestAuditApi : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void mutationsAreAudited_data();
    void mutationsAreAudited();
    void listIsNewestFirst();
    void listFilters_data();
    void listFilters();
    void paging_data();
    void paging();
    void watchConfirmsThenStreams();
    void watchResumesAfterRevision();
    void watchReplaysFromRevisionOne();
    void watchFromCompactedRevision();

private:
    std::int64_t currentRevision(const ApiClients &clients);

    std::unique_ptr<DaemonProcess> m_daemon;
    ApiClients m_admin;
    ApiClients m_viewer;
    // Around the creation of token filter-c, and nothing else.
    std::chrono::system_clock::time_point m_windowStart;
    std::chrono::system_clock::time_point m_windowEnd;
};

std::int64_t TestAuditApi::currentRevision(const ApiClients &clients) {
    GetStatusResponse response;
    const grpc::Status status = aegis::testing::getStatus(clients, response);
    return status.ok() ? response.header().revision() : -1;
}

void TestAuditApi::initTestCase() {
    auto daemon = DaemonProcess::start();
    QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());
    m_daemon = std::move(*daemon);
    auto admin = ApiClients::connect(m_daemon->adminConnection());
    QVERIFY(admin.isOk());
    m_admin = std::move(*admin);

    grpc::ClientContext context;
    aegis::client::setTimeout(context, kCallTimeout);
    CreateTokenRequest request;
    request.set_name("viewer");
    request.set_role(ROLE_VIEWER);
    CreateTokenResponse created;
    const grpc::Status status = m_admin.auth->CreateToken(&context, request, &created);
    QVERIFY2(status.ok(), describe(status).c_str());
    auto viewerOptions = m_daemon->adminConnection();
    viewerOptions.token = created.secret();
    auto viewer = ApiClients::connect(viewerOptions);
    QVERIFY(viewer.isOk());
    m_viewer = std::move(*viewer);

    // Records for the filter and paging cases.
    QVERIFY(createToken(m_admin, "filter-a", ROLE_OPERATOR).ok());
    QVERIFY(createToken(m_admin, "filter-b", ROLE_SERVICE).ok());
    m_windowStart = std::chrono::system_clock::now();
    QVERIFY(createToken(m_admin, "filter-c", ROLE_VIEWER).ok());
    m_windowEnd = std::chrono::system_clock::now();
    QCOMPARE(createToken(m_viewer, "denied", ROLE_ADMIN).error_code(), grpc::PERMISSION_DENIED);
    QVERIFY(revokeToken(m_admin, "filter-b").ok());
    QCOMPARE(revokeToken(m_admin, "filter-missing").error_code(), grpc::NOT_FOUND);
    for (int i = 0; i < 7; ++i) {
        QVERIFY(createToken(m_admin, "page-" + std::to_string(i), ROLE_VIEWER).ok());
    }
}

void TestAuditApi::cleanupTestCase() {
    // Our idle connection would hold up aegisd's shutdown for about 5 s.
    m_admin = {};
    m_viewer = {};
    if (m_daemon) {
        QCOMPARE(m_daemon->terminate(), 0);
    }
}

void TestAuditApi::mutationsAreAudited_data() {
    QTest::addColumn<Mutation>("mutation");
    QTest::addColumn<int>("expectedCode");
    QTest::addColumn<QString>("actor");
    QTest::addColumn<int>("role");
    QTest::addColumn<QString>("method");
    QTest::addColumn<QString>("resource");
    QTest::addColumn<bool>("changesStore");

    QTest::newRow("CreateToken") << Mutation([](const Callers &c, std::int64_t &revision) {
        return createToken(c.admin, "audited-create", ROLE_OPERATOR, &revision);
    }) << 0 << "admin" << int(ROLE_ADMIN)
                                 << kCreateToken << "tokens/audited-create" << true;
    QTest::newRow("RevokeToken") << Mutation([](const Callers &c, std::int64_t &revision) {
        const grpc::Status created = createToken(c.admin, "audited-revoke", ROLE_SERVICE);
        return created.ok() ? revokeToken(c.admin, "audited-revoke", &revision) : created;
    }) << 0 << "admin" << int(ROLE_ADMIN)
                                 << kRevokeToken << "tokens/audited-revoke" << true;
    QTest::newRow("CreateToken denied to a viewer")
        << Mutation([](const Callers &c, std::int64_t &revision) {
               return createToken(c.viewer, "audited-denied", ROLE_ADMIN, &revision);
           })
        << int(grpc::PERMISSION_DENIED) << "viewer" << int(ROLE_VIEWER) << kCreateToken
        << "tokens/audited-denied" << false;
    QTest::newRow("CreateToken of a name in use")
        << Mutation([](const Callers &c, std::int64_t &revision) {
               return createToken(c.admin, "viewer", ROLE_VIEWER, &revision);
           })
        << int(grpc::ALREADY_EXISTS) << "admin" << int(ROLE_ADMIN) << kCreateToken
        << "tokens/viewer" << false;
    QTest::newRow("RevokeToken of an unknown token")
        << Mutation([](const Callers &c, std::int64_t &revision) {
               return revokeToken(c.admin, "audited-missing", &revision);
           })
        << int(grpc::NOT_FOUND) << "admin" << int(ROLE_ADMIN) << kRevokeToken
        << "tokens/audited-missing" << false;
    QTest::newRow("RevokeToken of the last admin")
        << Mutation([](const Callers &c, std::int64_t &revision) {
               return revokeToken(c.admin, "admin", &revision);
           })
        << int(grpc::FAILED_PRECONDITION) << "admin" << int(ROLE_ADMIN) << kRevokeToken
        << "tokens/admin" << false;
    QTest::newRow("SetLogLevel") << Mutation([](const Callers &c, std::int64_t &) {
        return setLogLevel(c.admin, "info");
    }) << 0 << "admin" << int(ROLE_ADMIN)
                                 << kSetLogLevel << "daemon/log-level" << false;
    QTest::newRow("SetLogLevel denied to a viewer")
        << Mutation([](const Callers &c, std::int64_t &) { return setLogLevel(c.viewer, "info"); })
        << int(grpc::PERMISSION_DENIED) << "viewer" << int(ROLE_VIEWER) << kSetLogLevel
        << "daemon/log-level" << false;
}

void TestAuditApi::mutationsAreAudited() {
    QFETCH(Mutation, mutation);
    QFETCH(int, expectedCode);
    QFETCH(QString, actor);
    QFETCH(int, role);
    QFETCH(QString, method);
    QFETCH(QString, resource);
    QFETCH(bool, changesStore);

    const std::int64_t revisionBefore = currentRevision(m_admin);
    const auto before = std::chrono::system_clock::now();
    std::int64_t changeRevision = 0;
    const grpc::Status status = mutation(Callers{m_admin, m_viewer}, changeRevision);
    const auto after = std::chrono::system_clock::now();
    QVERIFY2(status.error_code() == expectedCode, describe(status).c_str());

    ListAuditRecordsResponse newest;
    const grpc::Status listed = listPage(m_admin, {}, 1, {}, newest);
    QVERIFY2(listed.ok(), describe(listed).c_str());
    QCOMPARE(newest.records_size(), 1);
    const AuditRecord &record = newest.records(0);
    QCOMPARE(record.actor(), actor.toStdString());
    QCOMPARE(int(record.role()), role);
    QCOMPARE(record.method(), method.toStdString());
    QCOMPARE(record.resource(), resource.toStdString());
    QCOMPARE(record.code(), expectedCode);
    QCOMPARE(record.error(), status.error_message());
    QVERIFY2(record.peer().rfind("ipv4:127.0.0.1:", 0) == 0, record.peer().c_str());
    QVERIFY(!record.id().empty());
    QVERIFY(micros(record.time()) >= micros(before) && micros(record.time()) <= micros(after));
    QVERIFY2(record.summary().find("aegis_") == std::string::npos, record.summary().c_str());
    if (status.ok()) {
        QVERIFY(!record.summary().empty());
    }
    if (changesStore) {
        // The record names the revision of the change it describes.
        QVERIFY(changeRevision > revisionBefore);
        QCOMPARE(record.revision(), changeRevision);
    } else {
        QCOMPARE(record.revision(), std::int64_t(0));
    }
    if (changesStore) {
        // A change and its audit record are committed in one transaction: one revision for both.
        QCOMPARE(newest.header().revision(), changeRevision);
    } else {
        // A failed or store-less call is audited by a write of its own.
        QVERIFY(newest.header().revision() > revisionBefore);
    }
}

void TestAuditApi::listIsNewestFirst() {
    const auto records = listAll(m_admin);
    GetStatusResponse status;
    QVERIFY(aegis::testing::getStatus(m_admin, status).ok());
    QCOMPARE(std::int64_t(records.size()), status.resource_counts().at("audit_records"));
    QVERIFY(records.size() >= 12);
    for (std::size_t i = 1; i < records.size(); ++i) {
        QVERIFY2(records[i - 1].id() > records[i].id(), records[i].id().c_str());
        QVERIFY(micros(records[i - 1].time()) >= micros(records[i].time()));
    }
}

void TestAuditApi::listFilters_data() {
    QTest::addColumn<AuditFilter>("filter");
    // Resources of the records expected, newest first; empty to rely on the documented semantics
    // (checked against the full list) alone.
    QTest::addColumn<QStringList>("expectedResources");
    QTest::addColumn<bool>("matchesSomething");

    const auto filter = [](const std::function<void(AuditFilter &)> &edit) {
        AuditFilter f;
        edit(f);
        return f;
    };
    QTest::newRow("actor") << filter([](AuditFilter &f) { f.set_actor("viewer"); }) << QStringList()
                           << true;
    QTest::newRow("actor is exact, not a prefix")
        << filter([](AuditFilter &f) { f.set_actor("view"); }) << QStringList() << false;
    QTest::newRow("method substring in any case")
        << filter([](AuditFilter &f) { f.set_method("createTOKEN"); }) << QStringList() << true;
    QTest::newRow("method substring spanning service and method")
        << filter([](AuditFilter &f) { f.set_method("authservice/revoke"); }) << QStringList()
        << true;
    QTest::newRow("resource prefix")
        << filter([](AuditFilter &f) { f.set_resource("tokens/filter-"); })
        << QStringList{"tokens/filter-missing", "tokens/filter-b", "tokens/filter-c",
                       "tokens/filter-b", "tokens/filter-a"}
        << true;
    QTest::newRow("resource is a prefix, not a substring")
        << filter([](AuditFilter &f) { f.set_resource("filter-"); }) << QStringList() << false;
    QTest::newRow("failed outcome")
        << filter([](AuditFilter &f) { f.set_outcome(AUDIT_OUTCOME_FAILED); }) << QStringList()
        << true;
    QTest::newRow("failed outcome and resource prefix") << filter([](AuditFilter &f) {
        f.set_outcome(AUDIT_OUTCOME_FAILED);
        f.set_resource("tokens/filter-");
    }) << QStringList{"tokens/filter-missing"} << true;
    QTest::newRow("succeeded outcome")
        << filter([](AuditFilter &f) { f.set_outcome(AUDIT_OUTCOME_SUCCEEDED); }) << QStringList()
        << true;
    QTest::newRow("time range") << filter([this](AuditFilter &f) {
        *f.mutable_start_time() = timestamp(m_windowStart);
        *f.mutable_end_time() = timestamp(m_windowEnd);
    }) << QStringList{"tokens/filter-c"}
                                << true;
    QTest::newRow("start time only")
        << filter([this](AuditFilter &f) { *f.mutable_start_time() = timestamp(m_windowEnd); })
        << QStringList() << true;
    QTest::newRow("end time only")
        << filter([this](AuditFilter &f) { *f.mutable_end_time() = timestamp(m_windowStart); })
        << QStringList() << true;
    QTest::newRow("everything at once") << filter([](AuditFilter &f) {
        f.set_actor("admin");
        f.set_method("Revoke");
        f.set_resource("tokens/filter-");
        f.set_outcome(AUDIT_OUTCOME_SUCCEEDED);
    }) << QStringList{"tokens/filter-b"} << true;
}

void TestAuditApi::listFilters() {
    QFETCH(AuditFilter, filter);
    QFETCH(QStringList, expectedResources);
    QFETCH(bool, matchesSomething);

    const auto all = listAll(m_admin);
    QVERIFY(!all.empty());
    std::vector<AuditRecord> documented;
    std::copy_if(all.begin(), all.end(), std::back_inserter(documented),
                 [&](const AuditRecord &record) { return documentedMatch(filter, record); });

    const auto filtered = listAll(m_admin, filter);
    QCOMPARE(ids(filtered), ids(documented));
    QCOMPARE(filtered.empty(), !matchesSomething);
    QVERIFY(filtered.size() < all.size());
    if (!expectedResources.isEmpty()) {
        QCOMPARE(resources(filtered), expectedResources);
    }
}

void TestAuditApi::paging_data() {
    QTest::addColumn<AuditFilter>("filter");
    QTest::addColumn<int>("pageSize");
    // -1: however many there are.
    QTest::addColumn<int>("expectedTotal");

    AuditFilter pages;
    pages.set_resource("tokens/page-");
    QTest::newRow("7 records in pages of 2") << pages << 2 << 7;
    QTest::newRow("7 records in pages of 7") << pages << 7 << 7;
    QTest::newRow("7 records in pages of 1000") << pages << 1000 << 7;
    QTest::newRow("everything in pages of 3") << AuditFilter() << 3 << -1;
    AuditFilter failed;
    failed.set_outcome(AUDIT_OUTCOME_FAILED);
    QTest::newRow("failed records in pages of 1") << failed << 1 << -1;
}

void TestAuditApi::paging() {
    QFETCH(AuditFilter, filter);
    QFETCH(int, pageSize);
    QFETCH(int, expectedTotal);

    std::vector<AuditRecord> paged;
    std::vector<int> pageSizes;
    std::string token;
    for (int page = 0; page == 0 || !token.empty(); ++page) {
        QVERIFY2(page < 1000, "the pages never end");
        ListAuditRecordsResponse response;
        const grpc::Status status = listPage(m_admin, filter, pageSize, token, response);
        QVERIFY2(status.ok(), describe(status).c_str());
        QVERIFY(response.records_size() <= pageSize);
        paged.insert(paged.end(), response.records().begin(), response.records().end());
        pageSizes.push_back(response.records_size());
        token = response.next_page_token();
    }

    QStringList pageIds = ids(paged);
    QCOMPARE(pageIds, ids(listAll(m_admin, filter)));
    QCOMPARE(pageIds.removeDuplicates(), 0);
    if (expectedTotal >= 0) {
        QCOMPARE(int(paged.size()), expectedTotal);
    }
    // Every page but the last is full. The last may be empty only after a full one, when the
    // server could not know there was nothing more.
    for (std::size_t i = 0; i + 1 < pageSizes.size(); ++i) {
        QCOMPARE(pageSizes[i], pageSize);
    }
    if (int(paged.size()) % pageSize != 0 || paged.empty()) {
        QCOMPARE(pageSizes.back(), int(paged.size()) % pageSize);
    } else {
        QVERIFY(pageSizes.back() == 0 || pageSizes.back() == pageSize);
    }
    if (expectedTotal == 7 && pageSize == 2) {
        QCOMPARE(pageSizes, (std::vector<int>{2, 2, 2, 1}));
    }
}

void TestAuditApi::watchConfirmsThenStreams() {
    const std::int64_t revisionBefore = currentRevision(m_admin);
    AuditWatch watch(m_viewer, watchRequest(0, "tokens/watch-live-"));
    WatchAuditRecordsResponse confirmation;
    QVERIFY(watch.read(confirmation));
    QCOMPARE(confirmation.records_size(), 0);
    QVERIFY(confirmation.header().revision() >= revisionBefore);
    QVERIFY(confirmation.header().revision() <= currentRevision(m_admin));

    QVERIFY(createToken(m_admin, "watch-live-0", ROLE_VIEWER).ok());
    QVERIFY(createToken(m_admin, "watch-other", ROLE_VIEWER).ok());
    QVERIFY(createToken(m_admin, "watch-live-1", ROLE_VIEWER).ok());
    QCOMPARE(revokeToken(m_admin, "watch-live-2").error_code(), grpc::NOT_FOUND);

    const auto records = watch.readRecords(3);
    QCOMPARE(resources(records),
             (QStringList{"tokens/watch-live-0", "tokens/watch-live-1", "tokens/watch-live-2"}));
    QCOMPARE(records[0].method(), std::string(kCreateToken));
    QCOMPARE(records[0].actor(), std::string("admin"));
    QCOMPARE(records[2].method(), std::string(kRevokeToken));
    QCOMPARE(records[2].code(), int(grpc::NOT_FOUND));
    QVERIFY(records[0].id() < records[1].id() && records[1].id() < records[2].id());
    QCOMPARE(watch.cancel().error_code(), grpc::CANCELLED);
}

void TestAuditApi::watchResumesAfterRevision() {
    const QString prefix = QStringLiteral("tokens/watch-resume-");
    std::int64_t lastSeen = 0;
    {
        AuditWatch watch(m_admin, watchRequest(0, prefix.toStdString()));
        WatchAuditRecordsResponse confirmation;
        QVERIFY(watch.read(confirmation));
        QVERIFY(createToken(m_admin, "watch-resume-a", ROLE_VIEWER).ok());
        QVERIFY(createToken(m_admin, "watch-resume-b", ROLE_VIEWER).ok());
        QCOMPARE(resources(watch.readRecords(2, &lastSeen)),
                 (QStringList{prefix + "a", prefix + "b"}));
        QVERIFY(lastSeen > confirmation.header().revision());
    }
    // Written while nobody watches.
    QVERIFY(createToken(m_admin, "watch-resume-c", ROLE_VIEWER).ok());
    QVERIFY(revokeToken(m_admin, "watch-resume-a").ok());

    AuditWatch resumed(m_admin, watchRequest(lastSeen + 1, prefix.toStdString()));
    WatchAuditRecordsResponse confirmation;
    QVERIFY(resumed.read(confirmation));
    QCOMPARE(confirmation.header().revision(), lastSeen);
    QVERIFY(createToken(m_admin, "watch-resume-d", ROLE_VIEWER).ok());
    // Exactly what came after: nothing seen before, nothing missed, in order.
    const auto records = resumed.readRecords(3);
    QCOMPARE(resources(records), (QStringList{prefix + "c", prefix + "a", prefix + "d"}));
    QCOMPARE(records[1].method(), std::string(kRevokeToken));
}

void TestAuditApi::watchReplaysFromRevisionOne() {
    const auto all = listAll(m_admin);
    QVERIFY(!all.empty());
    AuditWatch watch(m_admin, watchRequest(1));
    WatchAuditRecordsResponse confirmation;
    QVERIFY(watch.read(confirmation));
    QCOMPARE(confirmation.header().revision(), std::int64_t(0));
    const auto replayed = watch.readRecords(all.size());
    auto expected = ids(all);
    std::reverse(expected.begin(), expected.end());
    QCOMPARE(ids(replayed), expected);
}

void TestAuditApi::watchFromCompactedRevision() {
    aegis::testing::TempDir configDir;
    const auto config = configDir.path() / "aegisd.yaml";
    std::ofstream(config) << "store:\n  event_retention: 100\n  compaction_interval: 1s\n";
    aegis::testing::DaemonOptions options;
    options.extraArgs = {"--config", config.string()};
    auto daemon = DaemonProcess::start(options);
    QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());
    auto admin = ApiClients::connect((*daemon)->adminConnection());
    QVERIFY(admin.isOk());

    for (int i = 0; i < 80; ++i) {
        const std::string name = "bulk-" + std::to_string(i);
        QVERIFY(createToken(*admin, name, ROLE_VIEWER).ok());
        QVERIFY(revokeToken(*admin, name).ok());
    }
    GetStatusResponse status;
    QVERIFY2(aegis::testing::pollUntil(
                 [&] {
                     return aegis::testing::getStatus(*admin, status).ok() &&
                            status.compact_revision() > 0;
                 },
                 std::chrono::milliseconds(15000)),
             "the compact revision did not advance");
    const std::int64_t compacted = status.compact_revision();
    QVERIFY(compacted <= status.header().revision() - 100);

    {
        AuditWatch stale(*admin, watchRequest(1));
        WatchAuditRecordsResponse response;
        QVERIFY(!stale.read(response));
        const grpc::Status refused = stale.finish();
        QVERIFY2(refused.error_code() == grpc::OUT_OF_RANGE, describe(refused).c_str());
        QVERIFY2(refused.error_message().find("compact") != std::string::npos,
                 refused.error_message().c_str());
        const std::string trailer = stale.trailer("aegis-compact-revision");
        QVERIFY2(!trailer.empty(), "no aegis-compact-revision trailer");
        QVERIFY(std::stoll(trailer) >= compacted);

        // What the trailer says to do works: watch from just after it.
        AuditWatch fresh(*admin, watchRequest(std::stoll(trailer) + 1));
        QVERIFY(fresh.read(response));
        QCOMPARE(response.header().revision(), std::int64_t(std::stoll(trailer)));
        QVERIFY(!fresh.readRecords(1).empty());
        QCOMPARE(fresh.cancel().error_code(), grpc::CANCELLED);
    }

    QCOMPARE(listAll(*admin).size(), std::size_t(160));
    // Our idle connection would hold up aegisd's shutdown for about 5 s.
    *admin = {};
    QCOMPARE((*daemon)->terminate(), 0);
}

QTEST_GUILESS_MAIN(TestAuditApi)
#include "tst_audit_api.moc"
