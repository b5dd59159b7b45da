// Malformed and hostile requests against one real aegisd: each is refused with the right code and
// a message naming the field, none of them changes the store, and the daemon keeps serving.

#include "api_clients.h"
#include "daemon_process.h"
#include "poll_until.h"

#include <google/protobuf/util/time_util.h>
#include <grpcpp/generic/generic_stub.h>
#include <nlohmann/json.hpp>

#include <QtTest>

#include <fstream>
#include <optional>
#include <random>
#include <sstream>

using aegis::testing::ApiClients;
using aegis::testing::DaemonProcess;
using aegis::testing::TempDir;
using namespace aegis::v1;

namespace {

// Makes one call with `context` (which carries the deadline) and returns its status.
using Call = std::function<grpc::Status(const ApiClients &, grpc::ClientContext &)>;

Call createToken(const std::string &name, int role, const std::string &description = {},
                 std::optional<std::int64_t> ttlSeconds = std::nullopt) {
    return [=](const ApiClients &clients, grpc::ClientContext &context) {
        CreateTokenRequest request;
        request.set_name(name);
        request.set_role(static_cast<Role>(role));
        request.set_description(description);
        if (ttlSeconds) {
            request.mutable_ttl()->set_seconds(*ttlSeconds);
        }
        CreateTokenResponse response;
        return clients.auth->CreateToken(&context, request, &response);
    };
}

Call revokeToken(const std::string &name) {
    return [=](const ApiClients &clients, grpc::ClientContext &context) {
        RevokeTokenRequest request;
        request.set_name(name);
        RevokeTokenResponse response;
        return clients.auth->RevokeToken(&context, request, &response);
    };
}

Call listTokens(int pageSize, const std::string &pageToken = {}) {
    return [=](const ApiClients &clients, grpc::ClientContext &context) {
        ListTokensRequest request;
        request.set_page_size(pageSize);
        request.set_page_token(pageToken);
        ListTokensResponse response;
        return clients.auth->ListTokens(&context, request, &response);
    };
}

Call listAudit(const ListAuditRecordsRequest &request) {
    return [=](const ApiClients &clients, grpc::ClientContext &context) {
        ListAuditRecordsResponse response;
        return clients.audit->ListAuditRecords(&context, request, &response);
    };
}

Call listAuditWithFilter(const std::function<void(AuditFilter &)> &edit) {
    ListAuditRecordsRequest request;
    edit(*request.mutable_filter());
    return listAudit(request);
}

Call watchAudit(const WatchAuditRecordsRequest &request) {
    return [=](const ApiClients &clients, grpc::ClientContext &context) {
        auto reader = clients.audit->WatchAuditRecords(&context, request);
        // A refused watch ends before its first message; an accepted one runs to the deadline.
        WatchAuditRecordsResponse response;
        while (reader->Read(&response)) {
        }
        return reader->Finish();
    };
}

Call setLogLevel(const std::string &level) {
    return [=](const ApiClients &clients, grpc::ClientContext &context) {
        SetLogLevelRequest request;
        request.set_level(level);
        SetLogLevelResponse response;
        return clients.system->SetLogLevel(&context, request, &response);
    };
}

std::string printableNoise(std::size_t length) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::mt19937 random(length);
    std::uniform_int_distribution<std::size_t> pick(0, sizeof kAlphabet - 2);
    std::string text;
    for (std::size_t i = 0; i < length; ++i) {
        text.push_back(kAlphabet[pick(random)]);
    }
    return text;
}

std::string readFile(const std::filesystem::path &path) {
    std::ifstream in(path);
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

// Sends `bytes` as one request message of `method` through a generic stub, as a client without
// the protos could, and returns the call's status. `halfClose` then closes the sending side (the
// shape of a unary or server-streaming call); without it a bidi stream stays open.
grpc::Status sendRaw(const std::shared_ptr<grpc::Channel> &channel, const std::string &method,
                     const std::string &bytes, bool halfClose) {
    grpc::GenericStub stub(channel);
    grpc::ClientContext context;
    aegis::client::setTimeout(context, aegis::testing::kCallTimeout);
    grpc::CompletionQueue queue;
    // One operation is outstanding at a time, so the next event is its completion.
    const auto completed = [&queue] {
        void *tag = nullptr;
        bool ok = false;
        return queue.Next(&tag, &ok) && ok;
    };
    void *const tag = &context;
    auto call = stub.PrepareCall(&context, method, &queue);
    call->StartCall(tag);
    completed();
    grpc::Slice slice(bytes);
    const grpc::ByteBuffer request(&slice, 1);
    call->Write(request, tag);
    completed();
    if (halfClose) {
        call->WritesDone(tag);
        completed();
    }
    grpc::ByteBuffer response;
    do {
        call->Read(&response, tag);
    } while (completed());
    grpc::Status status;
    call->Finish(&status, tag);
    completed();
    queue.Shutdown();
    void *ignoredTag = nullptr;
    bool ignoredOk = false;
    while (queue.Next(&ignoredTag, &ignoredOk)) {
    }
    return status;
}

constexpr std::int64_t kBeforeYear1 = google::protobuf::util::TimeUtil::kTimestampMinSeconds - 1;
constexpr std::int64_t kAfterYear9999 = google::protobuf::util::TimeUtil::kTimestampMaxSeconds + 1;

} // namespace

Q_DECLARE_METATYPE(Call)

class TestBadInput : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void messageSizeLimit_data();
    void messageSizeLimit();
    void invalidArgument_data();
    void invalidArgument();
    void malformedAuthorization_data();
    void malformedAuthorization();
    void unparsableRequest_data();
    void unparsableRequest();
    void unparsableKeepAliveMessage();
    // Runs last: every refused request above must have left the store as it was.
    void nothingWritten();

private:
    aegis::v1::GetStatusResponse status();

    TempDir m_configDir;
    std::unique_ptr<DaemonProcess> m_daemon;
    ApiClients m_admin;
    std::int64_t m_initialRevision = 0;
    std::int64_t m_initialAuditRecords = 0;
};

GetStatusResponse TestBadInput::status() {
    GetStatusResponse response;
    const grpc::Status status = aegis::testing::getStatus(m_admin, response);
    if (!status.ok()) {
        qWarning("GetStatus failed: %s", aegis::testing::describe(status).c_str());
    }
    return response;
}

void TestBadInput::initTestCase() {
    const auto config = m_configDir.path() / "aegisd.yaml";
    std::ofstream(config) << "grpc:\n  max_message_bytes: 65536\n";
    aegis::testing::DaemonOptions options;
    options.extraArgs = {"--config", config.string()};
    auto daemon = DaemonProcess::start(options);
    QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());
    m_daemon = std::move(*daemon);
    auto admin = ApiClients::connect(m_daemon->adminConnection());
    QVERIFY2(admin.isOk(), admin.status().toString().c_str());
    m_admin = std::move(*admin);

    const auto initial = status();
    QVERIFY(initial.header().revision() > 0);
    m_initialRevision = initial.header().revision();
    m_initialAuditRecords = initial.resource_counts().at("audit_records");
}

void TestBadInput::cleanupTestCase() {
    // Our idle connection would hold up aegisd's shutdown for about 5 s.
    m_admin = {};
    if (m_daemon) {
        QCOMPARE(m_daemon->terminate(), 0);
    }
}

void TestBadInput::messageSizeLimit_data() {
    QTest::addColumn<Call>("call");
    QTest::addColumn<int>("expectedCode");

    QTest::newRow("CreateToken with a 100 KB description")
        << createToken("big", ROLE_VIEWER, std::string(100 * 1024, 'x'))
        << int(grpc::RESOURCE_EXHAUSTED);
    QTest::newRow("ListAuditRecords with a 100 KB filter")
        << listAuditWithFilter([](AuditFilter &f) { f.set_actor(std::string(100 * 1024, 'a')); })
        << int(grpc::RESOURCE_EXHAUSTED);
    // Under the limit the request reaches validation, which has its own, smaller limit.
    QTest::newRow("CreateToken with a 60 KB description")
        << createToken("big", ROLE_VIEWER, std::string(60 * 1024, 'x'))
        << int(grpc::INVALID_ARGUMENT);
}

void TestBadInput::messageSizeLimit() {
    QFETCH(Call, call);
    QFETCH(int, expectedCode);

    grpc::ClientContext context;
    aegis::client::setTimeout(context, aegis::testing::kCallTimeout);
    const grpc::Status refused = call(m_admin, context);
    QVERIFY2(refused.error_code() == expectedCode, aegis::testing::describe(refused).c_str());

    GetStatusResponse response;
    const grpc::Status after = aegis::testing::getStatus(m_admin, response);
    QVERIFY2(after.ok(), aegis::testing::describe(after).c_str());
}

void TestBadInput::invalidArgument_data() {
    QTest::addColumn<Call>("call");
    QTest::addColumn<QString>("field");

    QTest::newRow("empty token name") << createToken("", ROLE_VIEWER) << "name";
    QTest::newRow("64-character token name")
        << createToken(std::string(64, 'a'), ROLE_VIEWER) << "name";
    QTest::newRow("upper-case token name") << createToken("Deploy", ROLE_VIEWER) << "name";
    QTest::newRow("token name with a slash") << createToken("ci/bot", ROLE_VIEWER) << "name";
    QTest::newRow("token name with a space") << createToken("ci bot", ROLE_VIEWER) << "name";
    QTest::newRow("token name with a NUL")
        << createToken(std::string("ci\0bot", 6), ROLE_VIEWER) << "name";
    QTest::newRow("token name starting with a dash") << createToken("-bot", ROLE_VIEWER) << "name";
    QTest::newRow("unknown role 42") << createToken("bot", 42) << "role";
    QTest::newRow("negative role") << createToken("bot", -1) << "role";
    QTest::newRow("unspecified role") << createToken("bot", ROLE_UNSPECIFIED) << "role";
    QTest::newRow("257-character description")
        << createToken("bot", ROLE_VIEWER, std::string(257, 'd')) << "description";
    QTest::newRow("ttl under a minute") << createToken("bot", ROLE_VIEWER, {}, 30) << "ttl";
    QTest::newRow("negative ttl") << createToken("bot", ROLE_VIEWER, {}, -60) << "ttl";

    QTest::newRow("revoke an empty name") << revokeToken("") << "name";
    QTest::newRow("revoke a name with bad characters") << revokeToken("Admin!") << "name";

    QTest::newRow("tokens: negative page_size") << listTokens(-1) << "page_size";
    QTest::newRow("tokens: bogus page_token") << listTokens(10, "#bogus") << "page_token";

    ListAuditRecordsRequest negativePage;
    negativePage.set_page_size(-5);
    QTest::newRow("audit: negative page_size") << listAudit(negativePage) << "page_size";
    for (const char *token : {"bogus", "1234", "123456789012345678901", "0000000000000000000x"}) {
        ListAuditRecordsRequest request;
        request.set_page_token(token);
        QTest::addRow("audit: page_token '%s'", token) << listAudit(request) << "page_token";
    }
    QTest::newRow("audit: unknown outcome 42")
        << listAuditWithFilter([](AuditFilter &f) { f.set_outcome(AuditOutcome(42)); })
        << "filter.outcome";
    QTest::newRow("audit: start_time before year 1") << listAuditWithFilter([](AuditFilter &f) {
        f.mutable_start_time()->set_seconds(kBeforeYear1);
    }) << "filter.start_time";
    QTest::newRow("audit: end_time after year 9999") << listAuditWithFilter([](AuditFilter &f) {
        f.mutable_end_time()->set_seconds(kAfterYear9999);
    }) << "filter.end_time";
    QTest::newRow("audit: start_time with negative nanos")
        << listAuditWithFilter([](AuditFilter &f) { f.mutable_start_time()->set_nanos(-1); })
        << "filter.start_time";
    QTest::newRow("audit: end_time with nanos of a whole second")
        << listAuditWithFilter([](AuditFilter &f) { f.mutable_end_time()->set_nanos(1000000000); })
        << "filter.end_time";
    QTest::newRow("audit: 257-character actor filter")
        << listAuditWithFilter([](AuditFilter &f) { f.set_actor(std::string(257, 'a')); })
        << "filter.actor";
    QTest::newRow("audit: 257-character method filter")
        << listAuditWithFilter([](AuditFilter &f) { f.set_method(std::string(257, 'm')); })
        << "filter.method";

    WatchAuditRecordsRequest negativeStart;
    negativeStart.set_start_revision(-1);
    QTest::newRow("watch: negative start_revision")
        << watchAudit(negativeStart) << "start_revision";
    WatchAuditRecordsRequest unknownOutcome;
    unknownOutcome.mutable_filter()->set_outcome(AuditOutcome(-3));
    QTest::newRow("watch: unknown outcome") << watchAudit(unknownOutcome) << "filter.outcome";
    WatchAuditRecordsRequest badTime;
    badTime.mutable_filter()->mutable_end_time()->set_seconds(kAfterYear9999);
    QTest::newRow("watch: end_time after year 9999") << watchAudit(badTime) << "filter.end_time";

    QTest::newRow("unknown log level") << setLogLevel("loud") << "level";
    QTest::newRow("empty log level") << setLogLevel("") << "level";
}

void TestBadInput::invalidArgument() {
    QFETCH(Call, call);
    QFETCH(QString, field);

    grpc::ClientContext context;
    aegis::client::setTimeout(context, aegis::testing::kCallTimeout);
    const grpc::Status refused = call(m_admin, context);
    QVERIFY2(refused.error_code() == grpc::INVALID_ARGUMENT,
             aegis::testing::describe(refused).c_str());
    QVERIFY2(refused.error_message().find(field.toStdString()) != std::string::npos,
             ("the message does not name " + field.toStdString() + ": " + refused.error_message())
                 .c_str());
}

void TestBadInput::malformedAuthorization_data() {
    QTest::addColumn<bool>("sendHeader");
    QTest::addColumn<QByteArray>("header");
    // Any of these codes is a correct refusal.
    QTest::addColumn<QList<int>>("codes");

    const QList<int> unauthenticated{int(grpc::UNAUTHENTICATED)};
    QTest::newRow("no authorization metadata") << false << QByteArray() << unauthenticated;
    QTest::newRow("Basic scheme") << true << QByteArray("Basic x") << unauthenticated;
    QTest::newRow("Bearer without a token") << true << QByteArray("Bearer ") << unauthenticated;
    QTest::newRow("scheme only") << true << QByteArray("Bearer") << unauthenticated;
    QTest::newRow("lower-case scheme") << true << QByteArray("bearer aegis_x") << unauthenticated;
    QTest::newRow("unknown aegis token")
        << true << QByteArray::fromStdString("Bearer aegis_" + printableNoise(43))
        << unauthenticated;
    QTest::newRow("admin token after a second scheme")
        << true << QByteArray::fromStdString("Bearer Bearer " + m_daemon->adminToken())
        << unauthenticated;
    QTest::newRow("6 KB garbage token")
        << true << QByteArray::fromStdString("Bearer " + printableNoise(6 * 1024))
        << unauthenticated;
    // gRPC's transport limits request metadata (8 KiB by default), so a header this large may
    // never reach authentication: the stream is reset (RESOURCE_EXHAUSTED) or, as gRPC 1.51 does
    // at random, the connection is closed (UNAVAILABLE). nothingWritten() checks the daemon serves
    // on regardless.
    QTest::newRow("10 KB garbage token")
        << true << QByteArray::fromStdString("Bearer " + printableNoise(10 * 1024))
        << QList<int>{int(grpc::UNAUTHENTICATED), int(grpc::RESOURCE_EXHAUSTED),
                      int(grpc::UNAVAILABLE)};
}

void TestBadInput::malformedAuthorization() {
    QFETCH(bool, sendHeader);
    QFETCH(QByteArray, header);
    QFETCH(QList<int>, codes);

    aegis::client::ConnectionOptions anonymous;
    anonymous.address = m_daemon->grpcAddress();
    auto clients = ApiClients::connect(anonymous);
    QVERIFY2(clients.isOk(), clients.status().toString().c_str());

    for (const Call &call : {createToken("never-created", ROLE_ADMIN),
                             Call([](const ApiClients &c, grpc::ClientContext &context) {
                                 GetStatusResponse response;
                                 return c.system->GetStatus(&context, {}, &response);
                             })}) {
        grpc::ClientContext context;
        aegis::client::setTimeout(context, aegis::testing::kCallTimeout);
        if (sendHeader) {
            context.AddMetadata("authorization", header.toStdString());
        }
        const grpc::Status refused = call(*clients, context);
        QVERIFY2(codes.contains(int(refused.error_code())),
                 aegis::testing::describe(refused).c_str());
        QVERIFY(!refused.error_message().empty());
    }
}

void TestBadInput::unparsableRequest_data() {
    QTest::addColumn<QString>("method");
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<bool>("withToken");
    QTest::addColumn<int>("expectedCode");

    const QByteArray truncated("\xff\xff\xff\xff", 4);
    // Field 1 (name), 2 bytes that are not UTF-8.
    const QByteArray badUtf8("\x0a\x02\xc3\x28", 4);
    QTest::newRow("unary, truncated varint")
        << "/aegis.v1.AuthService/CreateToken" << truncated << true << int(grpc::INVALID_ARGUMENT);
    QTest::newRow("unary, invalid UTF-8 in a string field")
        << "/aegis.v1.AuthService/CreateToken" << badUtf8 << true << int(grpc::INVALID_ARGUMENT);
    QTest::newRow("unary read") << "/aegis.v1.SystemService/GetStatus" << truncated << true
                                << int(grpc::INVALID_ARGUMENT);
    QTest::newRow("server-streaming") << "/aegis.v1.AuditService/WatchAuditRecords" << truncated
                                      << true << int(grpc::INVALID_ARGUMENT);
    QTest::newRow("server-streaming, served raw")
        << "/aegis.v1.RegistryService/WatchInstances" << truncated << true
        << int(grpc::INVALID_ARGUMENT);
    QTest::newRow("server-streaming, served raw, invalid UTF-8")
        << "/aegis.v1.ConfigService/WatchConfig" << badUtf8 << true << int(grpc::INVALID_ARGUMENT);
    QTest::newRow("served raw, no token") << "/aegis.v1.RegistryService/WatchInstances" << truncated
                                          << false << int(grpc::UNAUTHENTICATED);
    // Authentication comes first, as for a request that parses.
    QTest::newRow("no token") << "/aegis.v1.AuthService/CreateToken" << badUtf8 << false
                              << int(grpc::UNAUTHENTICATED);
}

void TestBadInput::unparsableRequest() {
    QFETCH(QString, method);
    QFETCH(QByteArray, bytes);
    QFETCH(bool, withToken);
    QFETCH(int, expectedCode);

    aegis::client::ConnectionOptions anonymous;
    anonymous.address = m_daemon->grpcAddress();
    auto channel = aegis::client::makeChannel(withToken ? m_daemon->adminConnection() : anonymous);
    QVERIFY(channel.isOk());
    const grpc::Status status = sendRaw(*channel, method.toStdString(), bytes.toStdString(), true);
    QVERIFY2(status.error_code() == expectedCode, aegis::testing::describe(status).c_str());
    if (expectedCode == grpc::INVALID_ARGUMENT) {
        QVERIFY2(status.error_message().find("cannot parse request") != std::string::npos,
                 status.error_message().c_str());
    }
    // libprotobuf's own complaint (about the invalid UTF-8) reached the log as JSON, like every
    // other line.
    if (bytes.contains('\xc3')) {
        QVERIFY2(aegis::testing::pollUntil([this] {
                     std::istringstream lines(readFile(m_daemon->logFile()));
                     for (std::string line; std::getline(lines, line);) {
                         if (line.find("UTF-8") != std::string::npos &&
                             line.find("\"protobuf\"") != std::string::npos) {
                             return true;
                         }
                     }
                     return false;
                 }),
                 "libprotobuf's complaint about invalid UTF-8 is not in the log as JSON");
    }
    const std::string log = readFile(m_daemon->logFile());
    std::istringstream lines(log);
    for (std::string line; std::getline(lines, line);) {
        QVERIFY2(nlohmann::json::accept(line), line.c_str());
    }
}

// A KeepAlive message that does not parse ends the stream with INVALID_ARGUMENT, not OK (which
// a client reads as "closed normally").
void TestBadInput::unparsableKeepAliveMessage() {
    auto channel = aegis::client::makeChannel(m_daemon->adminConnection());
    QVERIFY(channel.isOk());
    const grpc::Status status = sendRaw(*channel, "/aegis.v1.RegistryService/KeepAlive",
                                        std::string("\xff\xff\xff\xff", 4), false);
    QVERIFY2(status.error_code() == grpc::INVALID_ARGUMENT,
             aegis::testing::describe(status).c_str());
    QVERIFY2(status.error_message().find("cannot parse request") != std::string::npos,
             status.error_message().c_str());
}

void TestBadInput::nothingWritten() {
    const auto after = status();
    QCOMPARE(after.header().revision(), m_initialRevision);
    QCOMPARE(after.resource_counts().at("audit_records"), m_initialAuditRecords);
    QCOMPARE(after.resource_counts().at("tokens"), 1);

    // Still serving, and still writable: one good request changes the store as it should.
    grpc::ClientContext context;
    aegis::client::setTimeout(context, aegis::testing::kCallTimeout);
    const grpc::Status created = createToken("good-bot", ROLE_VIEWER)(m_admin, context);
    QVERIFY2(created.ok(), aegis::testing::describe(created).c_str());
    QVERIFY(status().header().revision() > m_initialRevision);
}

QTEST_GUILESS_MAIN(TestBadInput)
#include "tst_bad_input.moc"
