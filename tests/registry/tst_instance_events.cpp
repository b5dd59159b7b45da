// What store events under /registry/instances/ mean to a watcher, in each view: no store.

#include "registry/instance_watch.h"
#include "registry/records.h"

#include <QtTest>

using namespace aegis;
using registry::InstanceEventType;
using registry::InstanceView;

namespace {

// A store event carrying `instance`'s record: `version` 1 is a creation.
store::Event stored(store::EventType type, std::int64_t version, const registry::Instance &instance,
                    std::string note = {}) {
    store::Event out;
    out.type = type;
    out.revision = 7;
    out.note = std::move(note);
    out.kv.key = "/registry/instances/checkout/" + instance.id;
    out.kv.value = registry::encodeInstance(instance);
    out.kv.version = version;
    return out;
}

registry::Instance instance(bool routable, bool routableChanged,
                            registry::HealthStatus health = registry::HealthStatus::Passing,
                            bool ejected = false) {
    registry::Instance out;
    out.id = "checkout-1";
    out.service = "checkout";
    out.address = "127.0.0.1:8080";
    out.routable = routable;
    out.routableChanged = routableChanged;
    out.health.status = health;
    out.health.ejected = ejected;
    return out;
}

const auto kPut = store::EventType::Put;
const auto kDelete = store::EventType::Delete;
const auto kCritical = registry::HealthStatus::Critical;

} // namespace

Q_DECLARE_METATYPE(store::Event)
Q_DECLARE_METATYPE(InstanceView)
Q_DECLARE_METATYPE(InstanceEventType)

class InstanceEventsTest : public QObject {
    Q_OBJECT

private slots:
    void meaning_data() {
        QTest::addColumn<store::Event>("stored");
        QTest::addColumn<InstanceView>("view");
        QTest::addColumn<bool>("seen");
        QTest::addColumn<InstanceEventType>("type");
        QTest::addColumn<QString>("reason");

        const auto all = InstanceView::All;
        const auto routable = InstanceView::Routable;
        const auto added = InstanceEventType::Added;
        const auto modified = InstanceEventType::Modified;
        const auto removed = InstanceEventType::Removed;
        QTest::newRow("a registration is ADDED")
            << stored(kPut, 1, instance(true, false)) << routable << true << added << "";
        QTest::newRow("an unroutable registration is not in the routable view")
            << stored(kPut, 1, instance(false, false, kCritical)) << routable << false << added
            << "";
        QTest::newRow("... but is ADDED to every instance")
            << stored(kPut, 1, instance(false, false, kCritical)) << all << true << added << "";
        QTest::newRow("a change keeps its note")
            << stored(kPut, 2, instance(true, false), "operator") << routable << true << modified
            << "operator";
        QTest::newRow("turning critical is REMOVED from the routable view")
            << stored(kPut, 2, instance(false, true, kCritical), "health") << routable << true
            << removed << "critical";
        QTest::newRow("ejection is REMOVED, reason ejected")
            << stored(kPut, 2, instance(false, true, registry::HealthStatus::Passing, true),
                      "health")
            << routable << true << removed << "ejected";
        QTest::newRow("... and a MODIFIED of every instance")
            << stored(kPut, 2, instance(false, true, kCritical), "health") << all << true
            << modified << "health";
        QTest::newRow("recovering is ADDED, reason recovered")
            << stored(kPut, 2, instance(true, true), "health") << routable << true << added
            << "recovered";
        QTest::newRow("panic brings an unhealthy one back: ADDED, reason panic")
            << stored(kPut, 2, instance(true, true, kCritical), "health") << routable << true
            << added << "panic";
        QTest::newRow("a change of an unroutable instance is not in the routable view")
            << stored(kPut, 3, instance(false, false, kCritical), "health") << routable << false
            << modified << "";
        QTest::newRow("a removal without a note was a deregistration")
            << stored(kDelete, 1, instance(true, false)) << routable << true << removed
            << "deregistered";
        QTest::newRow("a removal keeps its note")
            << stored(kDelete, 1, instance(true, false), "lease_expired") << all << true << removed
            << "lease_expired";
        QTest::newRow("removing an unroutable instance is not in the routable view")
            << stored(kDelete, 1, instance(false, false, kCritical), "health_critical") << routable
            << false << removed << "";
    }

    void meaning() {
        QFETCH(store::Event, stored);
        QFETCH(InstanceView, view);
        QFETCH(bool, seen);
        QFETCH(InstanceEventType, type);
        QFETCH(QString, reason);
        const auto events = registry::instanceEvents({stored}, view);
        QCOMPARE(events.size(), std::size_t(seen ? 1 : 0));
        if (seen) {
            QCOMPARE(events[0].type, type);
            QCOMPARE(QString::fromStdString(events[0].reason), reason);
            QCOMPARE(events[0].revision, stored.revision);
            QCOMPARE(events[0].instance.id, std::string("checkout-1"));
        }
    }

    void unreadableRecordsAreLeftOut() {
        store::Event broken = stored(kPut, 1, instance(true, false));
        broken.kv.value = "{not json";
        QVERIFY(registry::instanceEvents({broken}, InstanceView::All).empty());
    }

    void whereTheStoreExpiresLeasesAnUnnotedRemovalIsAnExpiry() {
        // etcd deletes an expired lease's records itself, without a transaction note.
        const std::vector<store::Event> events{stored(kDelete, 1, instance(true, false))};
        const auto expired = registry::instanceEvents(events, InstanceView::Routable,
                                                      registry::reason::kLeaseExpired);
        QCOMPARE(expired.size(), std::size_t(1));
        QCOMPARE(expired[0].reason, std::string(registry::reason::kLeaseExpired));
        registry::InstanceEventCache cache(registry::reason::kLeaseExpired);
        const std::vector<store::EventPtr> shared{std::make_shared<const store::Event>(events[0])};
        const auto batch = cache.get("/registry/instances/checkout/", InstanceView::All, shared);
        QCOMPARE(batch->events.size(), std::size_t(1));
        QCOMPARE(batch->events[0].reason, std::string(registry::reason::kLeaseExpired));
    }

    void watchesOfOnePrefixAndViewShareABatch() {
        registry::InstanceEventCache cache;
        const std::vector<store::EventPtr> events{
            std::make_shared<const store::Event>(stored(kPut, 1, instance(true, false)))};
        const auto first =
            cache.get("/registry/instances/checkout/", InstanceView::Routable, events);
        const auto again =
            cache.get("/registry/instances/checkout/", InstanceView::Routable, events);
        const auto other = cache.get("/registry/instances/checkout/", InstanceView::All, events);
        QCOMPARE(first.get(), again.get());
        QVERIFY(first.get() != other.get());
        QCOMPARE(first->revision, 7);
    }
};

QTEST_GUILESS_MAIN(InstanceEventsTest)
#include "tst_instance_events.moc"
