// Reading back the JSON records aegisd keeps in its store, which may be damaged or edited: the
// shared time and number conversions, and every record decoder on out-of-range numbers.

#include "audit/audit_log.h"
#include "common/clock.h"
#include "common/json_number.h"
#include "common/sha256.h"
#include "common/time_millis.h"
#include "config/config_center.h"
#include "config/secret_box.h"
#include "health/health_monitor.h"
#include "registry/records.h"
#include "registry/registry.h"
#include "rollout/rollout.h"
#include "store/sqlite_store.h"

#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QtTest>

#include <cstdint>
#include <limits>
#include <string>

using namespace aegis;
using std::chrono::system_clock;

Q_DECLARE_METATYPE(aegis::registry::Instance)

class StoredRecordsTest : public QObject {
    Q_OBJECT

private slots:
    void millisRoundTrip();
    void millisSaturate();
    void numbersInRange();
    void numbersOutOfRangeThrow();
    void sha256KnownVector();
    void decodersRejectOutOfRange_data();
    void decodersRejectOutOfRange();
    void decodersSaturateHugeTimes();
    void auditRecordsAsJsonWritesThem_data();
    void auditRecordsAsJsonWritesThem();
    void instanceRecordsAsJsonWritesThem_data();
    void instanceRecordsAsJsonWritesThem();
};

void StoredRecordsTest::millisRoundTrip() {
    for (const std::int64_t ms :
         {std::int64_t{0}, std::int64_t{1}, std::int64_t{-1}, std::int64_t{1'733'356'800'123}}) {
        QCOMPARE(toMillis(fromMillis(ms)), ms);
    }
    const auto now = time_point_cast<std::chrono::milliseconds>(system_clock::now());
    QVERIFY(fromMillis(toMillis(now)) == now);
}

void StoredRecordsTest::millisSaturate() {
    constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
    constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
    QVERIFY(fromMillis(kMax) == system_clock::time_point::max());
    QVERIFY(fromMillis(kMin) == system_clock::time_point::min());
    QVERIFY(fromMillis(kMax / 2) == system_clock::time_point::max());
    QVERIFY(fromMillis(kMin / 2) == system_clock::time_point::min());
    // The largest count that fits is still exact.
    const std::int64_t largest =
        duration_cast<std::chrono::milliseconds>(system_clock::time_point::max().time_since_epoch())
            .count() -
        1;
    QCOMPARE(toMillis(fromMillis(largest)), largest);
}

void StoredRecordsTest::numbersInRange() {
    const auto record = nlohmann::json::parse(
        R"({"int": -7, "big": 9223372036854775807, "port": 65535, "float": 3.9, "flag": true})");
    QCOMPARE(numberOr(record, "int", 0), -7);
    QCOMPARE(numberOr(record, "absent", 42), 42);
    QCOMPARE(numberOr<std::int64_t>(record, "big", 0), std::numeric_limits<std::int64_t>::max());
    QCOMPARE(numberOr<std::uint16_t>(record, "port", 0), std::uint16_t{65535});
    QCOMPARE(numberOr(record, "float", 0), 3); // Truncated, as nlohmann's value() does.
    QCOMPARE(numberOr(record, "flag", 0), 1);  // As value() does.
    QCOMPARE(numberOr(record, "float", 0.0), 3.9);
}

void StoredRecordsTest::numbersOutOfRangeThrow() {
    const auto record = nlohmann::json::parse(
        R"({"huge": 3e91, "tiny": -3e91, "port": 65536, "negative": -1, "big": 18446744073709551615,
            "text": "12"})");
    QVERIFY_THROWS_EXCEPTION(std::out_of_range, numberOr(record, "huge", 0));
    QVERIFY_THROWS_EXCEPTION(std::out_of_range, numberOr<std::int64_t>(record, "huge", 0));
    QVERIFY_THROWS_EXCEPTION(std::out_of_range, numberOr<std::int64_t>(record, "tiny", 0));
    QVERIFY_THROWS_EXCEPTION(std::out_of_range, numberOr<std::uint16_t>(record, "port", 0));
    QVERIFY_THROWS_EXCEPTION(std::out_of_range, numberOr<std::uint16_t>(record, "negative", 0));
    QVERIFY_THROWS_EXCEPTION(std::out_of_range, numberOr(record, "negative", 0u));
    QVERIFY_THROWS_EXCEPTION(std::out_of_range, numberOr<std::int64_t>(record, "big", 0));
    QVERIFY_THROWS_EXCEPTION(std::exception, numberOr(record, "text", 0));
}

void StoredRecordsTest::sha256KnownVector() {
    QCOMPARE(sha256Hex("abc"),
             std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    QCOMPARE(sha256Hex(""),
             std::string("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
}

namespace {

enum class Decoder { Instance, ConfigItem, Rollout, Release, LogLine, Transition, Check };

store::KeyValue record(const std::string &key, const std::string &value) {
    store::KeyValue kv;
    kv.key = key;
    kv.value = value;
    kv.createRevision = 1;
    kv.modRevision = 2;
    kv.version = 2;
    return kv;
}

// Whether `decoder` reads `value`.
bool readable(Decoder decoder, const std::string &value, config::ConfigCenter &center) {
    switch (decoder) {
    case Decoder::Instance:
        return registry::Registry::decodeInstance(
                   record(std::string(registry::Registry::kInstancesPrefix) + "shop/shop-1", value))
            .has_value();
    case Decoder::ConfigItem:
        return center
            .decodeItem(
                record(std::string(config::ConfigCenter::kItemsPrefix) + "shop/orders/db", value))
            .has_value();
    case Decoder::Rollout:
        return rollout::decodeRollout(record(rollout::keys::rollout("shop-1"), value)).has_value();
    case Decoder::Release:
        return rollout::decodeRelease(record(rollout::keys::release("shop"), value)).has_value();
    case Decoder::LogLine:
        return rollout::decodeLogLine(record(rollout::keys::logLine("shop-1", 1), value))
            .has_value();
    case Decoder::Transition:
        return health::HealthMonitor::decodeTransition(
                   record(health::HealthMonitor::historyPrefix("shop", "shop-1") +
                              "0000000000000001",
                          value))
            .has_value();
    case Decoder::Check:
        return health::HealthMonitor::decodeCheck(value).has_value();
    }
    return false;
}

struct Fixture {
    Fixture() {
        auto opened = store::SqliteStore::open({std::string(dir.path().toStdString()) + "/a.db"});
        store = std::move(*opened);
        secrets = config::SecretBox::withKey({});
        center = std::make_unique<config::ConfigCenter>(*store, *secrets,
                                                        std::make_shared<SystemClock>());
    }
    QTemporaryDir dir;
    std::unique_ptr<store::SqliteStore> store;
    std::unique_ptr<config::SecretBox> secrets;
    std::unique_ptr<config::ConfigCenter> center;
};

} // namespace

void StoredRecordsTest::decodersRejectOutOfRange_data() {
    QTest::addColumn<int>("decoder");
    QTest::addColumn<QString>("good");
    QTest::addColumn<QString>("bad");
    const auto row = [](const char *name, Decoder decoder, const char *good, const char *bad) {
        QTest::newRow(name) << static_cast<int>(decoder) << QString(good) << QString(bad);
    };
    row("instance weight", Decoder::Instance, R"({"id":"shop-1","weight":50})",
        R"({"id":"shop-1","weight":3e91})");
    row("instance lease id", Decoder::Instance, R"({"id":"shop-1","lease_id":7})",
        R"({"id":"shop-1","lease_id":-3e91})");
    row("instance health status", Decoder::Instance, R"({"id":"shop-1","health":{"status":2}})",
        R"({"id":"shop-1","health":{"status":3e91}})");
    row("config item version", Decoder::ConfigItem, R"({"content":"x","version":3})",
        R"({"content":"x","version":3e91})");
    row("config gray percent", Decoder::ConfigItem,
        R"({"content":"x","gray":{"version":4,"percent":10}})",
        R"({"content":"x","gray":{"version":4,"percent":3e91}})");
    row("rollout step", Decoder::Rollout, R"({"id":"shop-1","current_step":1})",
        R"({"id":"shop-1","current_step":3e91})");
    row("rollout spec replicas", Decoder::Rollout, R"({"id":"shop-1","spec":{"replicas":3}})",
        R"({"id":"shop-1","spec":{"replicas":-3e91}})");
    row("rollout traffic", Decoder::Rollout, R"({"id":"shop-1","traffic":{"blue":10}})",
        R"({"id":"shop-1","traffic":{"blue":3e91}})");
    row("rollout analysis check count", Decoder::Rollout,
        R"({"id":"shop-1","spec":{"analysis":{"checks":[{"name":"e","count":3}]}}})",
        R"({"id":"shop-1","spec":{"analysis":{"checks":[{"name":"e","count":3e91}]}}})");
    row("rollout analysis measurement", Decoder::Rollout,
        R"({"id":"shop-1","analysis":{"runs":[{"check":"e","failures":1,)"
        R"("measurements":[{"time_ms":5,"value":null,"verdict":3}]}]}})",
        R"({"id":"shop-1","analysis":{"runs":[{"check":"e","failures":1,)"
        R"("measurements":[{"time_ms":5,"value":null,"verdict":3e91}]}]}})");
    row("release count", Decoder::Release, R"({"service":"shop","rollout_count":2})",
        R"({"service":"shop","rollout_count":3e91})");
    row("release replicas", Decoder::Release,
        R"({"service":"shop","deployments":{"blue":{"replicas":2}}})",
        R"({"service":"shop","deployments":{"blue":{"replicas":3e91}}})");
    row("log line sequence", Decoder::LogLine, R"({"sequence":5})", R"({"sequence":3e91})");
    row("transition to", Decoder::Transition, R"({"to":2})", R"({"to":3e91})");
    row("check port", Decoder::Check, R"({"kind":"tcp","port":8080})",
        R"({"kind":"tcp","port":65536})");
    row("check rise", Decoder::Check, R"({"kind":"tcp","rise":2})", R"({"kind":"tcp","rise":-1})");
    row("check interval", Decoder::Check, R"({"kind":"tcp","interval_ms":1000})",
        R"({"kind":"tcp","interval_ms":3e91})");
}

void StoredRecordsTest::decodersRejectOutOfRange() {
    QFETCH(int, decoder);
    QFETCH(QString, good);
    QFETCH(QString, bad);
    Fixture fixture;
    QVERIFY(readable(static_cast<Decoder>(decoder), good.toStdString(), *fixture.center));
    QVERIFY(!readable(static_cast<Decoder>(decoder), bad.toStdString(), *fixture.center));
}

void StoredRecordsTest::decodersSaturateHugeTimes() {
    const auto instance = registry::Registry::decodeInstance(
        record(std::string(registry::Registry::kInstancesPrefix) + "shop/shop-1",
               R"({"id":"shop-1","register_time_ms":9223372036854775807,)"
               R"("health":{"changed_ms":-9223372036854775807}})"));
    QVERIFY(instance.has_value());
    QVERIFY(instance->registerTime == system_clock::time_point::max());
    QVERIFY(instance->health.changedAt == system_clock::time_point::min());
    const auto line = rollout::decodeLogLine(
        record(rollout::keys::logLine("shop-1", 1), R"({"time_ms":9223372036854775807})"));
    QVERIFY(line.has_value());
    QVERIFY(line->time == system_clock::time_point::max());
}

void StoredRecordsTest::auditRecordsAsJsonWritesThem_data() {
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<bool>("withChange");
    QTest::newRow("plain") << QByteArray("RegisterInstance shop/i-1") << true;
    QTest::newRow("empty") << QByteArray() << false;
    QTest::newRow("quotes and backslashes") << QByteArray(R"(say "hi" \ C:\path)") << true;
    QTest::newRow("control characters")
        << QByteArray("tab\tnew\nline\r\b\f\x01\x1f\x7f end") << false;
    QTest::newRow("unicode") << QByteArray("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x9a\x80") << true;
    QTest::newRow("invalid UTF-8") << QByteArray("bad \xff\xfe tail \xc3") << false;
}

// The audit log writes its records without building a nlohmann::json object; the stored bytes,
// and so what every reader decodes, must stay those of that object's dump().
void StoredRecordsTest::auditRecordsAsJsonWritesThem() {
    QFETCH(QByteArray, text);
    QFETCH(bool, withChange);
    const std::string value = text.toStdString();
    audit::AuditRecord record;
    record.id = "00001796544713682097";
    record.time = system_clock::time_point(std::chrono::microseconds(1796544713682097));
    record.actor = value;
    record.role = 3;
    record.peer = "ipv4:127.0.0.1:" + value;
    record.method = "/aegis.v1.RegistryService/RegisterInstance";
    record.resource = value + "/r";
    record.summary = value;
    record.code = 9;
    record.error = value;
    record.revision = -42;

    auto expected = nlohmann::json{{"id", record.id},
                                   {"time_us", 1796544713682097},
                                   {"actor", record.actor},
                                   {"role", record.role},
                                   {"peer", record.peer},
                                   {"method", record.method},
                                   {"resource", record.resource},
                                   {"summary", record.summary},
                                   {"code", record.code},
                                   {"error", record.error},
                                   {"revision", record.revision}};
    if (withChange) {
        expected["with_change"] = true;
    }
    const std::string encoded = audit::AuditLog::encode(record, withChange);
    QCOMPARE(encoded, expected.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));

    const auto decoded = audit::AuditLog::decode(store::KeyValue{"/audit/x", encoded, 7, 7, 1});
    QVERIFY(decoded);
    QCOMPARE(decoded->time, record.time);
    QCOMPARE(decoded->revision, withChange ? store::Revision(7) : record.revision);
    if (text != QByteArray("bad \xff\xfe tail \xc3")) {
        QCOMPARE(decoded->summary, record.summary);
        QCOMPARE(decoded->actor, record.actor);
    }
}

void StoredRecordsTest::instanceRecordsAsJsonWritesThem_data() {
    using registry::Instance;
    QTest::addColumn<Instance>("instance");
    Instance plain;
    plain.id = "i-1";
    plain.service = "shop";
    plain.address = "10.0.0.1:8080";
    plain.leaseId = 1839661786147842;
    plain.leaseTtl = std::chrono::seconds(30);
    plain.registerTime = system_clock::time_point(std::chrono::milliseconds(1796544713682));
    QTest::newRow("plain") << plain;

    Instance full = plain;
    full.labels = {{"color", "blue"}, {"zone", "a\"b\\c\n"}, {"caf\xc3\xa9", "\xe2\x9c\x93"}};
    full.metadata = {{"alert.latency_p99_seconds", "0.5"}, {"\x01", "\t"}};
    full.weight = 7;
    full.trafficWeight = 2500;
    full.state = registry::InstanceState::Draining;
    full.routable = false;
    full.routableChanged = true;
    full.health.status = registry::HealthStatus::Critical;
    full.health.flapping = true;
    full.health.ejected = true;
    full.health.ejectedUntil = system_clock::time_point(std::chrono::milliseconds(1796544713999));
    full.health.checked = true;
    full.health.reason = "http 503";
    full.health.output = "Service Unavailable \"down\"";
    full.health.changedAt = system_clock::time_point(std::chrono::milliseconds(1796544713000));
    QTest::newRow("every field") << full;

    Instance healthOnly = plain;
    healthOnly.health.status = registry::HealthStatus::Passing;
    healthOnly.health.changedAt = system_clock::time_point(std::chrono::milliseconds(5));
    QTest::newRow("health without the optional fields") << healthOnly;

    Instance invalid = plain;
    invalid.labels = {{"bad", "\xff\xfe"}};
    QTest::newRow("invalid UTF-8") << invalid;
}

// Instance records are written without building a nlohmann::json object; the stored bytes must
// stay those of that object's dump() (the object as the registry built it before).
void StoredRecordsTest::instanceRecordsAsJsonWritesThem() {
    QFETCH(registry::Instance, instance);
    using nlohmann::json;
    json expected{{"id", instance.id},
                  {"service", instance.service},
                  {"address", instance.address},
                  {"labels", instance.labels},
                  {"weight", instance.weight},
                  {"metadata", instance.metadata},
                  {"state", static_cast<int>(instance.state)},
                  {"lease_id", instance.leaseId},
                  {"lease_ttl_s", instance.leaseTtl.count()},
                  {"register_time_ms", toMillis(instance.registerTime)}};
    if (instance.health != registry::InstanceHealth{}) {
        const registry::InstanceHealth &health = instance.health;
        json out{{"status", static_cast<int>(health.status)},
                 {"changed_ms", toMillis(health.changedAt)}};
        if (health.flapping) {
            out["flapping"] = true;
        }
        if (health.ejected) {
            out["ejected"] = true;
            out["ejected_until_ms"] = toMillis(health.ejectedUntil);
        }
        if (health.checked) {
            out["checked"] = true;
        }
        if (!health.reason.empty()) {
            out["reason"] = health.reason;
        }
        if (!health.output.empty()) {
            out["output"] = health.output;
        }
        expected["health"] = out;
    }
    if (!instance.routable) {
        expected["routable"] = false;
    }
    if (instance.routableChanged) {
        expected["routable_changed"] = true;
    }
    if (instance.trafficWeight != instance.weight) {
        expected["traffic_weight"] = instance.trafficWeight;
    }
    QCOMPARE(registry::encodeInstance(instance),
             expected.dump(-1, ' ', false, json::error_handler_t::replace));
    std::optional<std::string> strict;
    try {
        strict = expected.dump(-1, ' ', false, json::error_handler_t::strict);
    } catch (const json::exception &) {
    }
    QCOMPARE(registry::encodeInstanceExactly(instance), strict);
}

QTEST_GUILESS_MAIN(StoredRecordsTest)
#include "tst_stored_records.moc"
