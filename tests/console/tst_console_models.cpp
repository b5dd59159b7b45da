#include "daemon_extensions.h"
#include "models/audit_filter_model.h"
#include "models/audit_record_model.h"
#include "models/display_format.h"
#include "models/display_names.h"
#include "models/health_check_validation.h"
#include "models/health_timeline_model.h"
#include "models/instance_filter_model.h"
#include "models/instance_model.h"
#include "models/instance_selector.h"
#include "models/metric_units.h"
#include "models/resource_count_model.h"
#include "models/service_summary_model.h"
#include "net/proto_convert.h"

#include <QAbstractItemModelTester>
#include <QItemSelectionModel>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

#include <cmath>
#include <limits>

using namespace aegis;
using namespace aegis::console;

namespace {

AuditEntry entry(int n, const QString &actor = QStringLiteral("admin"), int code = 0) {
    AuditEntry e;
    e.id = QStringLiteral("%1").arg(n, 8, 10, QLatin1Char('0'));
    e.time = QDateTime::fromSecsSinceEpoch(1700000000 + n, Qt::UTC);
    e.actor = actor;
    e.role = 3;
    e.method = QStringLiteral("/aegis.v1.AuthService/CreateToken");
    e.resource = QStringLiteral("tokens/t%1").arg(n);
    e.summary = QStringLiteral("created token t%1").arg(n);
    e.code = code;
    e.revision = n;
    return e;
}

// Newest first, as the daemon lists them.
QList<AuditEntry> range(int newest, int oldest) {
    QList<AuditEntry> list;
    for (int n = newest; n >= oldest; --n) {
        list.append(entry(n));
    }
    return list;
}

QStringList ids(const QAbstractItemModel &model) {
    QStringList result;
    for (int row = 0; row < model.rowCount(); ++row) {
        result.append(model.index(row, 0).data(AuditRecordModel::EntryRole).value<AuditEntry>().id);
    }
    return result;
}

ServiceInstance instance(const QString &service, int n,
                         const QString &colour = QStringLiteral("blue"),
                         const QString &zone = QStringLiteral("a"), qint64 revision = 1) {
    ServiceInstance i;
    i.service = service;
    i.id = QStringLiteral("%1-%2").arg(service).arg(n);
    i.address = QStringLiteral("10.0.0.%1:8080").arg(n);
    i.labels = {{QStringLiteral("version"), QStringLiteral("1.0.%1").arg(n)},
                {QStringLiteral("color"), colour},
                {QStringLiteral("zone"), zone}};
    i.state = InstanceState::Serving;
    i.leaseId = 100 + n;
    i.leaseTtlSeconds = 30;
    i.registerTime = QDateTime::fromSecsSinceEpoch(1700000000, Qt::UTC);
    i.createRevision = revision;
    i.modRevision = revision;
    return i;
}

InstanceChange change(InstanceChange::Type type, ServiceInstance i, qint64 revision) {
    i.modRevision = revision;
    return {type, i, {}, revision};
}

QStringList instanceKeys(const QAbstractItemModel &model) {
    QStringList result;
    for (int row = 0; row < model.rowCount(); ++row) {
        result.append(
            model.index(row, 0).data(InstanceModel::InstanceRole).value<ServiceInstance>().key());
    }
    return result;
}

InstanceHealth healthOf(HealthStatus status, const QString &reason = {},
                        const QDateTime &changedAt = {}) {
    InstanceHealth health;
    health.status = status;
    health.reason = reason;
    health.changedAt = changedAt;
    health.checked = true;
    return health;
}

// An instance whose health changed at `revision` while its own mod_revision stayed at 1, which is
// how the daemon reports a change of health.
InstanceChange healthChange(ServiceInstance i, const InstanceHealth &health, qint64 revision) {
    i.health = health;
    i.routable = !isUnroutableHealth(health);
    return {InstanceChange::Type::Updated, i, QStringLiteral("health"), revision};
}

HealthTransition transition(HealthStatus from, HealthStatus to, const QDateTime &time,
                            const QString &reason = {}, bool flapping = false) {
    HealthTransition t;
    t.service = QStringLiteral("api");
    t.instanceId = QStringLiteral("api-1");
    t.from = from;
    t.to = to;
    t.time = time;
    t.reason = reason;
    t.flapping = flapping;
    return t;
}

QList<int> badges(const HealthTimelineModel &model) {
    QList<int> result;
    for (int row = 0; row < model.rowCount(); ++row) {
        result.append(model.index(row).data(HealthTimelineModel::BadgeRole).toInt());
    }
    return result;
}

bool selects(const QString &selector, const QMap<QString, QString> &labels) {
    const auto parsed = InstanceSelector::parse(selector);
    return parsed && parsed->matches(labels);
}

} // namespace

class TestConsoleModels : public QObject {
    Q_OBJECT
private slots:
    void humanisedDurationsAndTimes() {
        QCOMPARE(humanDuration(42'000), QStringLiteral("42 s"));
        QCOMPARE(humanDuration(12 * 60'000), QStringLiteral("12 min"));
        QCOMPARE(humanDuration((3 * 60 + 12) * 60'000), QStringLiteral("3 h 12 min"));
        QCOMPARE(humanDuration(2 * 3600'000), QStringLiteral("2 h"));
        QCOMPARE(humanDuration((2 * 24 + 4) * 3600'000LL), QStringLiteral("2 d 4 h"));
        const QDateTime now = QDateTime::fromSecsSinceEpoch(1700000000, Qt::UTC);
        QCOMPARE(relativeTime(now.addSecs(-2), now), QStringLiteral("just now"));
        QCOMPARE(relativeTime(now.addSecs(-30), now), QStringLiteral("30 s ago"));
        QCOMPARE(relativeTime(now.addSecs(-180), now), QStringLiteral("3 min ago"));
        QCOMPARE(relativeTime(now.addSecs(-7200), now), QStringLiteral("2 h ago"));
    }

    void auditQueryMatchesLikeTheDaemon() {
        AuditQuery query;
        QVERIFY(query.isEmpty());
        QVERIFY(query.matches(entry(1)));
        query.method = QStringLiteral("createtoken");
        QVERIFY(query.matches(entry(1)));
        query.resourcePrefix = QStringLiteral("tokens/t1");
        QVERIFY(query.matches(entry(12)));
        QVERIFY(!query.matches(entry(2)));
        query = {};
        query.outcome = AuditOutcome::Failed;
        QVERIFY(!query.matches(entry(1)));
        QVERIFY(query.matches(entry(1, QStringLiteral("admin"), 6)));
        query = {};
        query.from = entry(5).time;
        query.to = entry(7).time;
        QVERIFY(!query.matches(entry(4)));
        QVERIFY(query.matches(entry(5)));
        QVERIFY(query.matches(entry(6)));
        QVERIFY(!query.matches(entry(7)));
    }

    void liveRecordsAreInsertedAtTheTopWithoutReset() {
        AuditRecordModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.reset(range(5, 1));
        QCOMPARE(model.rowCount(), 5);

        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        QSignalSpy inserts(&model, &QAbstractItemModel::rowsInserted);
        // A watch batch arrives oldest first, and repeats one record already shown.
        QCOMPARE(model.prependNewer({entry(5), entry(6), entry(7)}), 2);
        QCOMPARE(resets.count(), 0);
        QCOMPARE(inserts.count(), 1);
        QCOMPARE(inserts.first().at(1).toInt(), 0);
        QCOMPARE(inserts.first().at(2).toInt(), 1);
        QCOMPARE(ids(model).mid(0, 3), (QStringList{entry(7).id, entry(6).id, entry(5).id}));
        // Replays after a stream resumes change nothing.
        QCOMPARE(model.prependNewer({entry(6), entry(7)}), 0);
        QCOMPARE(model.rowCount(), 7);
        QCOMPARE(model.rowOf(entry(3).id), 4);
    }

    void loadMoreAppendsOlderRecords() {
        AuditRecordModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.reset(range(10, 6));
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        QSignalSpy inserts(&model, &QAbstractItemModel::rowsInserted);
        QCOMPARE(model.appendOlder(range(6, 3)), 3);
        QCOMPARE(resets.count(), 0);
        QCOMPARE(inserts.count(), 1);
        QCOMPARE(inserts.first().at(1).toInt(), 5);
        QCOMPARE(inserts.first().at(2).toInt(), 7);
        QCOMPARE(model.rowCount(), 8);
        QCOMPARE(ids(model).last(), entry(3).id);
        QCOMPARE(model.index(7, AuditRecordModel::ResourceColumn).data().toString(),
                 QStringLiteral("tokens/t3"));
        model.setReferenceTime(entry(10).time.addSecs(120));
        QCOMPARE(model.index(0, AuditRecordModel::TimeColumn).data().toString(),
                 QStringLiteral("2 min ago"));
        QCOMPARE(model.index(0, AuditRecordModel::OutcomeColumn).data().toString(),
                 QStringLiteral("OK"));
        QCOMPARE(model.index(0, AuditRecordModel::MethodColumn).data().toString(),
                 QStringLiteral("AuthService.CreateToken"));
        // The time of day of today's records; the date too of older ones.
        QCOMPARE(model.index(0, AuditRecordModel::AtColumn).data().toString(),
                 entry(10).time.toLocalTime().toString(QStringLiteral("HH:mm:ss")));
        model.setReferenceTime(entry(10).time.addDays(2));
        QCOMPARE(model.index(0, AuditRecordModel::AtColumn).data().toString(),
                 absoluteTime(entry(10).time));
    }

    void filterModelNarrowsAndFollowsLiveInserts() {
        AuditRecordModel model;
        AuditFilterModel filter;
        filter.setSourceModel(&model);
        QAbstractItemModelTester sourceTester(
            &model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester tester(&filter,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.reset({entry(4, QStringLiteral("bob")), entry(3, QStringLiteral("alice"), 7),
                     entry(2, QStringLiteral("bob")), entry(1, QStringLiteral("alice"))});
        QCOMPARE(filter.rowCount(), 4);

        AuditQuery query;
        query.actor = QStringLiteral("alice");
        filter.setQuery(query);
        QCOMPARE(ids(filter), (QStringList{entry(3).id, entry(1).id}));

        query.outcome = AuditOutcome::Failed;
        filter.setQuery(query);
        QCOMPARE(ids(filter), (QStringList{entry(3).id}));

        filter.setQuery({});
        filter.setSearchText(QStringLiteral("T2"));
        QCOMPARE(ids(filter), (QStringList{entry(2).id}));

        filter.setSearchText({});
        query = {};
        query.actor = QStringLiteral("bob");
        filter.setQuery(query);
        QSignalSpy inserts(&filter, &QAbstractItemModel::rowsInserted);
        model.prependNewer({entry(5, QStringLiteral("bob")), entry(6, QStringLiteral("carol"))});
        QCOMPARE(inserts.count(), 1);
        QCOMPARE(ids(filter).first(), entry(5).id);
        QCOMPARE(filter.rowCount(), 3);
    }

    void selectionSurvivesInsertsAtTheTop() {
        AuditRecordModel model;
        AuditFilterModel filter;
        filter.setSourceModel(&model);
        QTableView view;
        view.setModel(&filter);
        model.reset(range(20, 1));
        view.selectionModel()->select(filter.index(3, 0), QItemSelectionModel::ClearAndSelect |
                                                              QItemSelectionModel::Rows);
        const QString selected = entry(17).id;
        model.prependNewer({entry(21), entry(22)});
        const QModelIndexList rows = view.selectionModel()->selectedRows();
        QCOMPARE(rows.size(), 1);
        QCOMPARE(rows.first().row(), 5);
        QCOMPARE(rows.first().data(AuditRecordModel::EntryRole).value<AuditEntry>().id, selected);
    }

    void instanceChangesApplyRowByRowWithoutReset() {
        InstanceModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        QSignalSpy inserts(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy removes(&model, &QAbstractItemModel::rowsRemoved);
        QSignalSpy changes(&model, &QAbstractItemModel::dataChanged);
        const QString api = QStringLiteral("api");
        const QString web = QStringLiteral("web");
        model.sync({instance(web, 1), instance(api, 2), instance(api, 1)});
        QCOMPARE(instanceKeys(model),
                 (QStringList{QStringLiteral("api/api-1"), QStringLiteral("api/api-2"),
                              QStringLiteral("web/web-1")}));
        QCOMPARE(inserts.count(), 3);

        // Added lands in order; Updated changes the row in place; Removed takes it away.
        ServiceInstance drained = instance(api, 2);
        drained.state = InstanceState::Draining;
        QCOMPARE(model.applyChanges({change(InstanceChange::Type::Added, instance(api, 3), 5),
                                     change(InstanceChange::Type::Updated, drained, 6),
                                     change(InstanceChange::Type::Removed, instance(web, 1), 7)}),
                 3);
        QCOMPARE(instanceKeys(model),
                 (QStringList{QStringLiteral("api/api-1"), QStringLiteral("api/api-2"),
                              QStringLiteral("api/api-3")}));
        QCOMPARE(model.index(1, InstanceModel::StateColumn).data().toString(),
                 QStringLiteral("draining"));
        QCOMPARE(model.index(1, InstanceModel::StateColumn).data(InstanceModel::StateRole).toInt(),
                 int(InstanceState::Draining));
        QCOMPARE(model.index(2, InstanceModel::ColourColumn).data().toString(),
                 QStringLiteral("blue"));
        QCOMPARE(model.index(2, InstanceModel::VersionColumn).data().toString(),
                 QStringLiteral("1.0.3"));
        QCOMPARE(model.index(2, InstanceModel::LabelsColumn).data(InstanceModel::LabelListRole),
                 QVariant(QStringList{QStringLiteral("zone=a")}));
        QCOMPARE(model.index(2, InstanceModel::LabelsColumn).data(Qt::ToolTipRole).toString(),
                 QStringLiteral("color=blue\nversion=1.0.3\nzone=a"));
        QCOMPARE(changes.count(), 1);
        QCOMPARE(removes.count(), 1);

        // Replays after a resume (older revisions) change nothing.
        QCOMPARE(model.applyChanges({change(InstanceChange::Type::Updated, instance(api, 2), 4),
                                     change(InstanceChange::Type::Added, instance(api, 3), 5),
                                     change(InstanceChange::Type::Removed, instance(web, 1), 7)}),
                 0);
        QCOMPARE(model.rowCount(), 3);

        // A re-list merges: gone rows go, new rows come, the rest stay.
        model.sync({drained, instance(api, 3), instance(web, 2, QStringLiteral("green"))});
        QCOMPARE(instanceKeys(model),
                 (QStringList{QStringLiteral("api/api-2"), QStringLiteral("api/api-3"),
                              QStringLiteral("web/web-2")}));

        // Lease ages tick from the reference time.
        model.setReferenceTime(QDateTime::fromSecsSinceEpoch(1700000000 + 3720, Qt::UTC));
        QCOMPARE(model.index(0, InstanceModel::LeaseAgeColumn).data().toString(),
                 QStringLiteral("1 h 2 min"));
        QCOMPARE(resets.count(), 0);
        model.clear();
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(resets.count(), 0);
    }

    void instanceSelectionSurvivesChanges() {
        InstanceModel model;
        InstanceFilterModel filter;
        filter.setSourceModel(&model);
        QAbstractItemModelTester tester(&filter,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QTableView view;
        view.setModel(&filter);
        QList<ServiceInstance> fleet;
        for (int n = 1; n <= 9; ++n) {
            fleet.append(instance(QStringLiteral("svc"), n));
        }
        model.sync(fleet);
        view.selectRow(4);
        const QString selected = QStringLiteral("svc/svc-5");
        const auto selectedKey = [&view] {
            const QModelIndexList rows = view.selectionModel()->selectedRows();
            return rows.size() == 1 ? rows.first()
                                          .data(InstanceModel::InstanceRole)
                                          .value<ServiceInstance>()
                                          .key()
                                    : QString();
        };
        QCOMPARE(selectedKey(), selected);

        // Rows added and removed above, and the selected row updated: still selected.
        ServiceInstance drained = instance(QStringLiteral("svc"), 5);
        drained.state = InstanceState::Draining;
        model.applyChanges(
            {change(InstanceChange::Type::Added, instance(QStringLiteral("a"), 1), 10),
             change(InstanceChange::Type::Removed, fleet.at(0), 11),
             change(InstanceChange::Type::Updated, drained, 12)});
        QCOMPARE(selectedKey(), selected);
        QCOMPARE(view.selectionModel()->selectedRows().first().row(), 4);
        QCOMPARE(view.selectionModel()
                     ->selectedRows()
                     .first()
                     .siblingAtColumn(InstanceModel::StateColumn)
                     .data()
                     .toString(),
                 QStringLiteral("draining"));

        // Sorted by state in the view, the selection follows the row.
        view.setSortingEnabled(true);
        view.sortByColumn(InstanceModel::StateColumn, Qt::DescendingOrder);
        QCOMPARE(selectedKey(), selected);
        QCOMPARE(view.selectionModel()->selectedRows().first().row(), 0);
    }

    void selectorParsesAndMatchesLikeTheDaemon() {
        const QMap<QString, QString> green = {{QStringLiteral("color"), QStringLiteral("green")},
                                              {QStringLiteral("zone"), QStringLiteral("a")}};
        const QMap<QString, QString> blueB = {{QStringLiteral("color"), QStringLiteral("blue")},
                                              {QStringLiteral("zone"), QStringLiteral("b")},
                                              {QStringLiteral("canary"), QStringLiteral("1")}};
        const struct {
            const char *selector;
            bool green;
            bool blueB;
        } cases[] = {
            {"", true, true},
            {"color=green", true, false},
            {"color==green", true, false},
            {"color=green,zone!=b", true, false},
            {"zone!=b", true, false},
            {"zone in (a,b)", true, true},
            {"zone in ( b , c )", false, true},
            {"zone notin (a)", false, true},
            {"canary", false, true},
            {"!canary", true, false},
            {"missing!=x", true, true},
            {" color = blue , canary ", false, true},
        };
        for (const auto &c : cases) {
            QVERIFY2(selects(QString::fromLatin1(c.selector), green) == c.green, c.selector);
            QVERIFY2(selects(QString::fromLatin1(c.selector), blueB) == c.blueB, c.selector);
        }

        for (const char *bad : {"color=green,", "zone in (a,b", "zone between (a,b)", "zone in ()",
                                "bad key=x", "!"}) {
            QString error;
            QVERIFY2(!InstanceSelector::parse(QString::fromLatin1(bad), &error), bad);
            QVERIFY2(error.startsWith(QStringLiteral("selector: '")), qPrintable(error));
        }
    }

    void filterModelNarrowsByServiceAndSelector() {
        InstanceModel model;
        InstanceFilterModel filter;
        filter.setSourceModel(&model);
        QAbstractItemModelTester tester(&filter,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.sync(
            {instance(QStringLiteral("api"), 1, QStringLiteral("blue"), QStringLiteral("a")),
             instance(QStringLiteral("api"), 2, QStringLiteral("green"), QStringLiteral("b")),
             instance(QStringLiteral("web"), 1, QStringLiteral("green"), QStringLiteral("a"))});
        filter.setSelector(*InstanceSelector::parse(QStringLiteral("color=green")));
        QCOMPARE(instanceKeys(filter),
                 (QStringList{QStringLiteral("api/api-2"), QStringLiteral("web/web-1")}));
        filter.setService(QStringLiteral("api"));
        QCOMPARE(instanceKeys(filter), (QStringList{QStringLiteral("api/api-2")}));
        filter.setSelector(*InstanceSelector::parse(QStringLiteral("zone in (a,c)")));
        QCOMPARE(instanceKeys(filter), (QStringList{QStringLiteral("api/api-1")}));
        // A watch event that makes a row match brings it in.
        ServiceInstance moved =
            instance(QStringLiteral("api"), 2, QStringLiteral("green"), QStringLiteral("c"));
        model.applyChanges({change(InstanceChange::Type::Updated, moved, 9)});
        QCOMPARE(instanceKeys(filter),
                 (QStringList{QStringLiteral("api/api-1"), QStringLiteral("api/api-2")}));
    }

    void serviceTrafficFromTails() {
        constexpr qint64 t0 = 1700000000000;
        constexpr qint64 step = 15000;
        const double nan = std::numeric_limits<double>::quiet_NaN();
        const auto tail = [&](bool snapshot, qint64 startMs,
                              const QList<QPair<QString, QList<double>>> &services) {
            QueryTail result;
            result.snapshot = snapshot;
            result.stepMs = step;
            qint64 newest = startMs;
            for (const auto &[service, values] : services) {
                MetricSeries series;
                series.labels = {{QStringLiteral("service"), service}};
                for (qsizetype i = 0; i < values.size(); ++i) {
                    series.timestampsMs.append(startMs + i * step);
                    series.values.append(values[i]);
                    newest = std::max(newest, startMs + i * step);
                }
                result.series.append(series);
            }
            result.evaluatedAt = QDateTime::fromMSecsSinceEpoch(newest, Qt::UTC);
            return result;
        };
        const auto traffic = [](const ServiceSummaryModel &model, const QString &service) {
            return model.index(model.rowOf(service), ServiceSummaryModel::TrafficColumn)
                .data(ServiceSummaryModel::TrafficRole);
        };
        const auto text = [](const ServiceSummaryModel &model, const QString &service) {
            return model.index(model.rowOf(service), ServiceSummaryModel::TrafficColumn)
                .data()
                .toString();
        };
        const QString api = QStringLiteral("api");
        const QString web = QStringLiteral("web");
        const QString idle = QStringLiteral("idle");
        using Signal = ServiceSummaryModel::TrafficSignal;

        ServiceSummaryModel summary;
        QAbstractItemModelTester tester(&summary,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        summary.setKnownServices({{api, {}, 0}, {idle, {}, 0}, {web, {}, 0}});
        QSignalSpy changed(&summary, &QAbstractItemModel::dataChanged);
        // Rate and error ratio of every service at once; web had no requests, so its error ratio
        // is NaN (0/0) throughout.
        summary.applyTrafficTail(Signal::Rate,
                                 tail(true, t0, {{api, {1, 2, 3, 4}}, {web, {0, 0, 0, 0}}}));
        summary.applyTrafficTail(Signal::Errors,
                                 tail(true, t0, {{api, {0, 0, 0, 0.02}}, {web, {nan, nan}}}));
        QVERIFY(!changed.isEmpty());
        QCOMPARE(changed.last().at(0).toModelIndex().column(),
                 int(ServiceSummaryModel::TrafficColumn));
        const auto apiTraffic = traffic(summary, api).value<ServiceTraffic>();
        QCOMPARE(apiTraffic.rate.values, (QVector<double>{1, 2, 3, 4}));
        QCOMPARE(apiTraffic.rate.keys.first(), double(t0) / 1000);
        QCOMPARE(apiTraffic.currentRate(), 4.0);
        QCOMPARE(apiTraffic.currentErrors(), 0.02);
        QCOMPARE(text(summary, api),
                 formatMetricValue(4, MetricUnit::RequestsPerSecond) + QStringLiteral(" · ") +
                     formatMetricValue(0.02, MetricUnit::Ratio) + QStringLiteral(" err"));
        // No requests is a rate of zero, and no error ratio at all.
        QCOMPARE(traffic(summary, web).value<ServiceTraffic>().errors.values.size(), 0);
        QCOMPARE(text(summary, web), formatMetricValue(0, MetricUnit::RequestsPerSecond));
        // No data is nothing, not zero; the "all services" row never has a line.
        QVERIFY(!traffic(summary, idle).isValid());
        QVERIFY(text(summary, idle).isEmpty());
        QVERIFY(!summary.index(0, ServiceSummaryModel::TrafficColumn)
                     .data(ServiceSummaryModel::TrafficRole)
                     .isValid());

        // A later tail appends; points older than the window go, a missing stretch is a gap.
        summary.setTrafficWindowMs(10 * 60 * 1000);
        const qint64 later = t0 + 8 * 60 * 1000;
        summary.applyTrafficTail(Signal::Rate, tail(false, later, {{api, {7}}}));
        auto appended = traffic(summary, api).value<ServiceTraffic>();
        QCOMPARE(appended.currentRate(), 7.0);
        QCOMPARE(appended.rate.keys.last(), double(later) / 1000);
        QVERIFY(std::isnan(appended.rate.values[appended.rate.values.size() - 2]));
        summary.applyTrafficTail(Signal::Rate, tail(false, t0 + 11 * 60 * 1000, {{api, {8}}}));
        appended = traffic(summary, api).value<ServiceTraffic>();
        QVERIFY(appended.rate.keys.first() >= double(t0 + 60 * 1000) / 1000);
        // web's zeros aged out with nothing new: no line left.
        QVERIFY(traffic(summary, web).value<ServiceTraffic>().rate.values.isEmpty());

        // The backend down for the rate: that line goes, the error ratio stays.
        QueryTail down;
        down.backendError = QStringLiteral("connection refused");
        summary.applyTrafficTail(Signal::Rate, down);
        appended = traffic(summary, api).value<ServiceTraffic>();
        QVERIFY(appended.rate.values.isEmpty());
        QCOMPARE(text(summary, api),
                 formatMetricValue(0.02, MetricUnit::Ratio) + QStringLiteral(" err"));
        // A snapshot replaces: a service it leaves out has no line of that signal any more.
        summary.applyTrafficTail(Signal::Errors, tail(true, t0 + 11 * 60 * 1000, {{web, {0.5}}}));
        QVERIFY(!traffic(summary, api).isValid());
        QCOMPARE(traffic(summary, web).value<ServiceTraffic>().currentErrors(), 0.5);
        summary.clearTraffic();
        QVERIFY(!traffic(summary, web).isValid());
        QVERIFY(text(summary, web).isEmpty());
    }

    void serviceSummaryCountsFollowInstances() {
        InstanceModel instances;
        ServiceSummaryModel summary;
        QAbstractItemModelTester tester(&summary,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        summary.setInstanceModel(&instances);
        summary.setKnownServices({{QStringLiteral("idle"), {}, 0}});
        QCOMPARE(summary.rowCount(), 2); // all + idle
        QSignalSpy resets(&summary, &QAbstractItemModel::modelReset);
        instances.sync({instance(QStringLiteral("api"), 1), instance(QStringLiteral("api"), 2),
                        instance(QStringLiteral("web"), 1)});
        QCOMPARE(summary.rowCount(), 4);
        QCOMPARE(summary.rowOf(QStringLiteral("api")), 1);
        QCOMPARE(summary.rowOf(QStringLiteral("idle")), 2);
        QCOMPARE(summary.index(0, ServiceSummaryModel::InstancesColumn).data().toString(),
                 QStringLiteral("3"));
        QCOMPARE(summary.index(1, ServiceSummaryModel::ServingColumn).data().toString(),
                 QStringLiteral("2"));
        ServiceInstance drained = instance(QStringLiteral("api"), 2);
        drained.state = InstanceState::Draining;
        instances.applyChanges(
            {change(InstanceChange::Type::Updated, drained, 5),
             change(InstanceChange::Type::Removed, instance(QStringLiteral("web"), 1), 6)});
        QCOMPARE(summary.rowCount(), 3); // web went with its last instance; idle stays
        QCOMPARE(summary.index(1, ServiceSummaryModel::ServingColumn).data().toString(),
                 QStringLiteral("1"));
        QCOMPARE(summary.index(1, ServiceSummaryModel::DrainingColumn).data().toString(),
                 QStringLiteral("1"));
        QCOMPARE(summary.index(0, ServiceSummaryModel::InstancesColumn).data().toString(),
                 QStringLiteral("2"));
        QCOMPARE(resets.count(), 0);
    }

    void healthBadgePrefersEjectionThenFlapping_data() {
        QTest::addColumn<int>("status");
        QTest::addColumn<bool>("flapping");
        QTest::addColumn<bool>("ejected");
        QTest::addColumn<QString>("badge");
        QTest::newRow("unknown") << int(HealthStatus::Unknown) << false << false << "unknown";
        QTest::newRow("passing") << int(HealthStatus::Passing) << false << false << "passing";
        QTest::newRow("warning") << int(HealthStatus::Warning) << false << false << "warning";
        QTest::newRow("critical") << int(HealthStatus::Critical) << false << false << "critical";
        QTest::newRow("flapping passing")
            << int(HealthStatus::Passing) << true << false << "flapping";
        QTest::newRow("flapping critical")
            << int(HealthStatus::Critical) << true << false << "flapping";
        QTest::newRow("ejected passing")
            << int(HealthStatus::Passing) << false << true << "ejected";
        QTest::newRow("ejected and flapping")
            << int(HealthStatus::Warning) << true << true << "ejected";
    }

    void healthBadgePrefersEjectionThenFlapping() {
        QFETCH(int, status);
        QFETCH(bool, flapping);
        QFETCH(bool, ejected);
        QFETCH(QString, badge);
        QCOMPARE(healthBadgeName(healthBadge(static_cast<HealthStatus>(status), flapping, ejected)),
                 badge);
    }

    void instanceHealthUpdatesRowsAndIsAnnounced() {
        InstanceModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        const QString api = QStringLiteral("api");
        model.sync({instance(api, 1), instance(api, 2)});
        QCOMPARE(model.index(0, InstanceModel::HealthColumn).data().toString(),
                 QStringLiteral("unknown"));
        QSignalSpy healthChanges(&model, &InstanceModel::healthChanged);
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);

        // The instance's mod_revision stays 1; the event's revision is what is newer.
        const QDateTime changed = QDateTime::fromSecsSinceEpoch(1700000600, Qt::UTC);
        InstanceHealth critical =
            healthOf(HealthStatus::Critical,
                     QStringLiteral("3 consecutive failing results: HTTP 503"), changed);
        critical.output = QStringLiteral("HTTP 503");
        QCOMPARE(model.applyChanges({healthChange(instance(api, 1), critical, 20)}), 1);
        QCOMPARE(model.index(0, InstanceModel::HealthColumn).data().toString(),
                 QStringLiteral("critical"));
        QCOMPARE(model.index(0, InstanceModel::HealthColumn)
                     .data(InstanceModel::HealthBadgeRole)
                     .toInt(),
                 int(HealthBadge::Critical));
        QCOMPARE(model.index(0, 0).data(InstanceModel::RoutableRole).toBool(), false);
        model.setReferenceTime(changed.addSecs(300));
        const QString tip =
            model.index(0, InstanceModel::HealthColumn).data(Qt::ToolTipRole).toString();
        QVERIFY2(tip.startsWith(QStringLiteral("Critical since")), qPrintable(tip));
        QVERIFY2(tip.contains(QStringLiteral("5 min ago")), qPrintable(tip));
        QVERIFY2(tip.contains(QStringLiteral("Reason: 3 consecutive failing results: HTTP 503")),
                 qPrintable(tip));
        QVERIFY2(tip.contains(QStringLiteral("Last output: HTTP 503")), qPrintable(tip));
        QVERIFY2(tip.contains(QStringLiteral("Not routed")), qPrintable(tip));
        QCOMPARE(healthChanges.count(), 1);
        QCOMPARE(healthChanges.first().at(0).value<ServiceInstance>().health.status,
                 HealthStatus::Critical);
        QCOMPARE(healthChanges.first().at(1).value<InstanceHealth>().status, HealthStatus::Unknown);

        // A replay after the stream resumes changes nothing and announces nothing.
        QCOMPARE(model.applyChanges({healthChange(instance(api, 1), critical, 20)}), 0);
        QCOMPARE(healthChanges.count(), 1);

        // Ejected outranks the check's status; the tooltip says both.
        InstanceHealth ejected = healthOf(HealthStatus::Passing, QStringLiteral("5 failed calls"));
        ejected.ejected = true;
        QCOMPARE(model.applyChanges({healthChange(instance(api, 2), ejected, 21)}), 1);
        QCOMPARE(model.index(1, InstanceModel::HealthColumn).data().toString(),
                 QStringLiteral("ejected"));
        QVERIFY(model.index(1, InstanceModel::HealthColumn)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .startsWith(QStringLiteral("Ejected (check says passing)")));
        // Worst sorts last ascending.
        QVERIFY(model.index(1, InstanceModel::HealthColumn).data(InstanceModel::SortRole).toInt() >
                model.index(0, InstanceModel::HealthColumn).data(InstanceModel::SortRole).toInt());

        // A re-list that carries other health replaces the row (and announces it) even though
        // the revisions say nothing new; an identical one changes nothing.
        ServiceInstance recovered = instance(api, 1);
        recovered.health = healthOf(HealthStatus::Passing, QStringLiteral("2 passing"));
        ServiceInstance stillEjected = instance(api, 2);
        stillEjected.health = ejected;
        stillEjected.routable = false;
        QSignalSpy dataChanges(&model, &QAbstractItemModel::dataChanged);
        model.sync({recovered, stillEjected});
        QCOMPARE(model.index(0, InstanceModel::HealthColumn).data().toString(),
                 QStringLiteral("passing"));
        QCOMPARE(healthChanges.count(), 3);
        QCOMPARE(dataChanges.count(), 1);
        model.sync({recovered, stillEjected});
        QCOMPARE(dataChanges.count(), 1);
        QCOMPARE(resets.count(), 0);
    }

    void serviceSummaryCountsHealthAndPanic() {
        InstanceModel instances;
        ServiceSummaryModel summary;
        QAbstractItemModelTester tester(&summary,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        summary.setInstanceModel(&instances);
        const QString api = QStringLiteral("api");
        const QString web = QStringLiteral("web");
        QList<ServiceInstance> fleet = {instance(api, 1), instance(api, 2), instance(api, 3),
                                        instance(web, 1)};
        fleet[0].health = healthOf(HealthStatus::Passing);
        fleet[1].health = healthOf(HealthStatus::Critical);
        fleet[2].health = healthOf(HealthStatus::Warning);
        fleet[2].health.flapping = true;
        fleet[3].health = healthOf(HealthStatus::Passing);
        instances.sync(fleet);
        ServiceInfo apiInfo{api, {}, 3, 1, true};
        ServiceInfo webInfo{web, {}, 1, 0, false};
        QSignalSpy healthSignals(&summary, &ServiceSummaryModel::healthCountsChanged);
        summary.setKnownServices({apiInfo, webInfo});
        QCOMPARE(healthSignals.count(), 1);

        const int apiRow = summary.rowOf(api);
        QCOMPARE(summary.index(apiRow, ServiceSummaryModel::UnhealthyColumn).data().toString(),
                 QStringLiteral("1"));
        QCOMPARE(summary.index(apiRow, ServiceSummaryModel::NameColumn)
                     .data(ServiceSummaryModel::PanicRole)
                     .toBool(),
                 true);
        QCOMPARE(summary.index(summary.rowOf(web), ServiceSummaryModel::UnhealthyColumn)
                     .data()
                     .toString(),
                 QStringLiteral("0"));
        QCOMPARE(summary.index(summary.rowOf(web), 0).data(ServiceSummaryModel::PanicRole).toBool(),
                 false);
        QVERIFY(summary.index(apiRow, 0)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .contains(QStringLiteral("In panic")));
        HealthCounts fleetCounts = summary.healthCounts(0);
        QCOMPARE(fleetCounts.instances, 4);
        QCOMPARE(fleetCounts.passing, 2);
        QCOMPARE(fleetCounts.critical, 1);
        QCOMPARE(fleetCounts.flapping, 1);
        QCOMPARE(fleetCounts.unhealthy, 1);
        QCOMPARE(fleetCounts.panic, 1);
        QCOMPARE(summary.index(0, 0).data(ServiceSummaryModel::PanicRole).toBool(), false);

        // The critical one recovers; the web one is ejected. Counts follow, row by row.
        QSignalSpy resets(&summary, &QAbstractItemModel::modelReset);
        InstanceHealth ejected = healthOf(HealthStatus::Passing);
        ejected.ejected = true;
        instances.applyChanges({healthChange(instance(api, 2), healthOf(HealthStatus::Passing), 9),
                                healthChange(instance(web, 1), ejected, 10)});
        QCOMPARE(healthSignals.count(), 3);
        QCOMPARE(summary.index(apiRow, ServiceSummaryModel::UnhealthyColumn).data().toString(),
                 QStringLiteral("0"));
        QCOMPARE(summary.index(summary.rowOf(web), ServiceSummaryModel::UnhealthyColumn)
                     .data(ServiceSummaryModel::UnhealthyRole)
                     .toInt(),
                 1);
        fleetCounts = summary.healthCounts(0);
        QCOMPARE(fleetCounts.passing, 2);
        QCOMPARE(fleetCounts.ejected, 1);
        QCOMPARE(fleetCounts.unhealthy, 1);
        // The daemon's next list clears the panic.
        apiInfo.panic = false;
        summary.setKnownServices({apiInfo, webInfo});
        QCOMPARE(summary.healthCounts(0).panic, 0);
        QCOMPARE(resets.count(), 0);
    }

    void healthTimelineBuildsSegmentsFromTransitions() {
        HealthTimelineModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        const QDateTime now = QDateTime::fromSecsSinceEpoch(1700010000, Qt::UTC);
        const auto minutesAgo = [&now](int minutes) { return now.addSecs(-60 * minutes); };
        // Newest first, as ListHealthHistory answers; one from before the window decides how the
        // window opens; a flap inside a flapping stretch adds no segment.
        const QList<HealthTransition> history = {
            transition(HealthStatus::Critical, HealthStatus::Passing, minutesAgo(5),
                       QStringLiteral("2 consecutive passing results")),
            transition(HealthStatus::Passing, HealthStatus::Critical, minutesAgo(12),
                       QStringLiteral("flap"), true),
            transition(HealthStatus::Critical, HealthStatus::Passing, minutesAgo(14),
                       QStringLiteral("flap"), true),
            transition(HealthStatus::Passing, HealthStatus::Critical, minutesAgo(20),
                       QStringLiteral("3 consecutive failing results: HTTP 503")),
            transition(HealthStatus::Unknown, HealthStatus::Passing, minutesAgo(90),
                       QStringLiteral("2 consecutive passing results")),
        };
        model.setHistory(history, healthOf(HealthStatus::Passing), {}, now);
        QCOMPARE(badges(model),
                 (QList<int>{int(HealthBadge::Passing), int(HealthBadge::Critical),
                             int(HealthBadge::Flapping), int(HealthBadge::Passing)}));
        QCOMPARE(model.windowStart(), minutesAgo(60));
        QCOMPARE(model.index(0).data(HealthTimelineModel::StartRole).toDateTime(), minutesAgo(60));
        QCOMPARE(model.index(0).data(HealthTimelineModel::EndRole).toDateTime(), minutesAgo(20));
        QCOMPARE(model.index(1).data(HealthTimelineModel::ReasonRole).toString(),
                 QStringLiteral("3 consecutive failing results: HTTP 503"));
        QCOMPARE(model.index(2).data(HealthTimelineModel::EndRole).toDateTime(), minutesAgo(5));
        QCOMPARE(model.index(3).data(HealthTimelineModel::EndRole).toDateTime(), now);
        QCOMPARE(model.rowAt(minutesAgo(15)), 1);
        QCOMPARE(model.rowAt(minutesAgo(61)), -1);
        const QString tip = model.index(1).data(Qt::ToolTipRole).toString();
        QVERIFY2(tip.startsWith(QStringLiteral("critical · ")), qPrintable(tip));
        QVERIFY2(tip.contains(QStringLiteral("(6 min)")), qPrintable(tip));
        QVERIFY2(tip.contains(QStringLiteral("Reason: 3 consecutive failing results: HTTP 503")),
                 qPrintable(tip));

        // What the watch says arrives before the history does: a row is appended.
        QSignalSpy inserts(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        model.applyCurrent(
            healthOf(HealthStatus::Warning, QStringLiteral("HTTP 429"), now.addSecs(30)),
            now.addSecs(60));
        QCOMPARE(inserts.count(), 1);
        QCOMPARE(badges(model).last(), int(HealthBadge::Warning));
        QCOMPARE(model.index(3).data(HealthTimelineModel::EndRole).toDateTime(), now.addSecs(30));
        // The same again adds nothing.
        model.applyCurrent(healthOf(HealthStatus::Warning), now.addSecs(61));
        QCOMPARE(inserts.count(), 1);

        // The window slides: what fell out goes, the first row is clipped.
        QSignalSpy removes(&model, &QAbstractItemModel::rowsRemoved);
        model.setNow(now.addSecs(45 * 60));
        QCOMPARE(removes.count(), 1);
        QCOMPARE(badges(model).first(), int(HealthBadge::Critical));
        QCOMPARE(model.index(0).data(HealthTimelineModel::StartRole).toDateTime(),
                 now.addSecs(-15 * 60));
        QCOMPARE(resets.count(), 0);

        // An instance registered ten minutes ago has no segment before that; a history that
        // lags behind the instance's health gets the current state appended.
        model.setHistory(
            {transition(HealthStatus::Unknown, HealthStatus::Passing, minutesAgo(9))},
            healthOf(HealthStatus::Critical, QStringLiteral("timed out"), minutesAgo(2)),
            minutesAgo(10), now);
        QCOMPARE(badges(model), (QList<int>{int(HealthBadge::Unknown), int(HealthBadge::Passing),
                                            int(HealthBadge::Critical)}));
        QCOMPARE(model.index(0).data(HealthTimelineModel::StartRole).toDateTime(), minutesAgo(10));
        QCOMPARE(model.index(2).data(HealthTimelineModel::StartRole).toDateTime(), minutesAgo(2));

        // No history at all: the window is the current state, from registration on.
        model.setHistory({}, healthOf(HealthStatus::Passing), {}, now);
        QCOMPARE(badges(model), (QList<int>{int(HealthBadge::Passing)}));
        model.clear();
        QCOMPARE(model.rowCount(), 0);
    }

    // The daemon's own rules and words (the validation library aegisd runs too), for the kinds
    // its probers describe.
    void healthCheckValidationNamesTheField_data() {
        QTest::addColumn<HealthCheckSpec>("spec");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("message");
        const HealthCheckSpec base;
        QTest::newRow("valid default") << base << QString() << QString();
        HealthCheckSpec spec = base;
        spec.kind = QStringLiteral("icmp");
        QTest::newRow("unknown kind") << spec << "kind"
                                      << "check.kind must be one of grpc, http, tcp, ttl (got "
                                         "'icmp')";
        spec = base;
        spec.intervalMs = 50;
        spec.timeoutMs = 20;
        QTest::newRow("interval too short") << spec << "interval"
                                            << "between 100ms and 1h";
        spec = base;
        spec.intervalMs = 2 * 3600 * 1000;
        spec.timeoutMs = 1000;
        QTest::newRow("interval too long") << spec << "interval"
                                           << "(got 2h)";
        spec = base;
        spec.timeoutMs = 15000;
        QTest::newRow("timeout over interval")
            << spec << "timeout"
            << "check.timeout_ms must be between 10ms and the interval, 10s (got 15s)";
        spec = base;
        spec.rise = 101;
        QTest::newRow("rise") << spec << "rise"
                              << "between 1 and 100";
        spec = base;
        spec.panicThreshold = 1.5;
        QTest::newRow("panic threshold") << spec << "panic_threshold"
                                         << "must be a share between 0 and 1";
        // The daemon refuses these two; the console once let them through.
        spec = base;
        spec.deregisterAfterMs = 5000;
        QTest::newRow("deregister_after under the interval")
            << spec << "deregister_after"
            << "check.deregister_after_ms must be 0 (never) or between the interval, 10s, and 7d";
        spec = base;
        spec.jitterMs = 6000;
        QTest::newRow("jitter over half the interval")
            << spec << "jitter"
            << "check.jitter_ms must be between 0s and half the interval, 5s (got 6s)";
        spec = base;
        spec.options = {{QStringLiteral("path"), QStringLiteral("healthz")}};
        QTest::newRow("path") << spec << "path"
                              << "path must start with '/', got 'healthz'";
        spec = base;
        spec.options = {{QStringLiteral("status"), QStringLiteral("399-200")}};
        QTest::newRow("status backwards") << spec << "status"
                                          << "status must be a code or a range such as 200-399 "
                                             "within 100-599, got '399-200'";
        spec.options = {{QStringLiteral("status"), QStringLiteral("200-399")},
                        {QStringLiteral("header.Host"), QStringLiteral("api.internal")}};
        QTest::newRow("status range and header") << spec << QString() << QString();
        spec.options = {{QStringLiteral("service"), QStringLiteral("x")}};
        QTest::newRow("option of another kind") << spec << "options"
                                                << "unknown option 'service'";
        spec = base;
        spec.kind = QStringLiteral("ttl");
        QTest::newRow("ttl missing") << spec << "ttl"
                                     << "check.options: ttl check: ttl: required";
        spec.options = {{QStringLiteral("ttl"), QStringLiteral("30s")}};
        QTest::newRow("ttl") << spec << QString() << QString();
        spec = base;
        spec.kind = QStringLiteral("grpc");
        spec.options = {{QStringLiteral("service"), QStringLiteral("payments.v1.Payments")}};
        QTest::newRow("grpc service") << spec << QString() << QString();
    }

    void healthCheckValidationNamesTheField() {
        QFETCH(HealthCheckSpec, spec);
        QFETCH(QString, field);
        QFETCH(QString, message);
        const QList<HealthCheckProblem> problems = validateHealthCheck(
            spec, aegis::testing::daemonExtensions().ofKind(ExtensionKind::HealthProber));
        if (field.isEmpty()) {
            QVERIFY2(problems.isEmpty(), qPrintable(problems.value(0).message));
            return;
        }
        QCOMPARE(problems.size(), 1);
        QCOMPARE(problems.first().field, field);
        QVERIFY2(problems.first().message.contains(message), qPrintable(problems.first().message));
    }

    void durationsReadAndWriteLikeTheDaemon() {
        QCOMPARE(parseDurationText(QStringLiteral("1m30s")), std::optional<qint64>(90000));
        QCOMPARE(parseDurationText(QStringLiteral(" 500ms ")), std::optional<qint64>(500));
        QCOMPARE(parseDurationText(QStringLiteral("10x")), std::nullopt);
        QCOMPARE(parseDurationText(QString()), std::nullopt);
        QCOMPARE(durationText(90000), QStringLiteral("1m30s"));
        QCOMPARE(durationText(0), QStringLiteral("0s"));
    }

    void healthTypesConvertFromAndToProto() {
        v1::Instance proto;
        proto.set_service("api");
        proto.set_id("api-1");
        proto.set_routable(true);
        auto *health = proto.mutable_health();
        health->set_status(v1::HEALTH_STATUS_CRITICAL);
        health->set_flapping(true);
        health->set_reason("3 consecutive failing results");
        health->set_output("connect: Connection refused");
        health->mutable_changed_at()->set_seconds(1700000000);
        health->set_checked(true);
        const ServiceInstance converted = fromProto(proto);
        QCOMPARE(converted.health.status, HealthStatus::Critical);
        QVERIFY(converted.health.flapping);
        QVERIFY(!converted.health.ejected);
        QVERIFY(converted.routable);
        QCOMPARE(converted.health.output, QStringLiteral("connect: Connection refused"));
        QCOMPARE(converted.health.changedAt.toSecsSinceEpoch(), 1700000000);

        v1::Service service;
        service.set_name("api");
        service.set_unroutable_count(2);
        service.set_panic(true);
        const ServiceInfo info = fromProto(service);
        QCOMPARE(info.unroutableCount, 2);
        QVERIFY(info.panic);

        // Unset optional fields stay unset both ways, so the daemon keeps its defaults.
        HealthCheckSpec spec;
        spec.kind = QStringLiteral("http");
        spec.port = 8081;
        spec.options = {{QStringLiteral("path"), QStringLiteral("/healthz")}};
        spec.deregisterAfterMs = 600000;
        v1::HealthCheck check;
        toProto(spec, &check);
        QVERIFY(!check.has_panic_threshold());
        QVERIFY(!check.has_jitter_ms());
        QCOMPARE(fromProto(check), spec);
        spec.panicThreshold = 0.25;
        spec.flapMaxTransitions = 0;
        spec.initialStatus = HealthStatus::Critical;
        check.Clear();
        toProto(spec, &check);
        QVERIFY(check.has_flap_max_transitions());
        QCOMPARE(fromProto(check), spec);
    }

    void resourceCountsUpdateInPlace() {
        ResourceCountModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setCounts({{QStringLiteral("audit_records"), 3}, {QStringLiteral("tokens"), 1}});
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.index(0, 0).data().toString(), QStringLiteral("Audit records"));
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        QSignalSpy changes(&model, &QAbstractItemModel::dataChanged);
        model.setCounts({{QStringLiteral("audit_records"), 4}, {QStringLiteral("tokens"), 1}});
        QCOMPARE(resets.count(), 0);
        QCOMPARE(changes.count(), 1);
        QCOMPARE(model.index(0, 1).data(Qt::EditRole).toLongLong(), 4);
        model.setCounts({{QStringLiteral("tokens"), 2}});
        QCOMPARE(model.rowCount(), 1);
    }
};

QTEST_MAIN(TestConsoleModels)
#include "tst_console_models.moc"
