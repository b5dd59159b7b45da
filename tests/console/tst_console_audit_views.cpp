// The Audit page's table offscreen at the sizes operators use: columns follow their contents
// (method and resource whole while the summary takes what is left) and the absolute time shows
// beside the relative one.
#include "models/audit_record_model.h"
#include "models/display_format.h"
#include "net/session.h"
#include "views/audit_page.h"
#include "views/theme.h"

#include <QApplication>
#include <QDir>
#include <QHeaderView>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>

using namespace aegis::console;

namespace {

AuditEntry record(int n, const QString &method, const QString &resource, const QString &summary) {
    AuditEntry e;
    e.id = QStringLiteral("%1").arg(n, 8, 10, QLatin1Char('0'));
    // Recent, as an operator reads them: "3 min ago".
    e.time = QDateTime::currentDateTimeUtc().addSecs(-60 * (5 - n));
    e.actor = QStringLiteral("admin");
    e.role = 3;
    e.method = method;
    e.resource = resource;
    e.summary = summary;
    e.revision = n;
    return e;
}

QList<AuditEntry> records() {
    return {
        record(4, QStringLiteral("/aegis.v1.ConfigService/ApproveConfigProposal"),
               QStringLiteral("config/payments/proposals/p-7f3a"),
               QStringLiteral("approved proposal 7 of payments/feature-flags: raise the limit")),
        record(3, QStringLiteral("/aegis.v1.RolloutService/AbortRollout"),
               QStringLiteral("rollouts/checkout-4"),
               QStringLiteral("abort checkout-4: error rate above 2 % since 14:02")),
        record(2, QStringLiteral("/aegis.v1.HealthService/SetHealthCheck"),
               QStringLiteral("health/checkout"), QStringLiteral("set the http check of checkout")),
        record(1, QStringLiteral("/aegis.v1.AuthService/CreateToken"), QStringLiteral("tokens/ci"),
               QStringLiteral("created token ci"))};
}

ConnectionSettings nowhere() {
    ConnectionSettings settings;
    settings.address = QStringLiteral("127.0.0.1:1"); // Connection refused at once.
    return settings;
}

QString artifact(const QString &name) {
    return QDir(QCoreApplication::applicationDirPath()).filePath(name);
}

} // namespace

class TestConsoleAuditViews : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        m_platformPalette = QApplication::palette();
    }

    void columnsFollowContents_data() {
        QTest::addColumn<QSize>("size");
        QTest::addColumn<bool>("dark");
        // The page's share of the window: the sidebar takes about 220 px.
        QTest::newRow("1280x800 light") << QSize(1060, 760) << false;
        QTest::newRow("1280x800 dark") << QSize(1060, 760) << true;
        QTest::newRow("1920x1080 light") << QSize(1700, 1040) << false;
        QTest::newRow("1920x1080 dark") << QSize(1700, 1040) << true;
    }

    void columnsFollowContents() {
        QFETCH(QSize, size);
        QFETCH(bool, dark);
        applyTheme(*qApp, dark ? ThemeMode::Dark : ThemeMode::Light, m_platformPalette);
        Session api;
        api.connectTo(nowhere());
        AuditPage page(&api);
        page.resize(size);
        page.model()->reset(records());
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        QTableView *table = page.table();
        QHeaderView *header = table->horizontalHeader();
        const auto widths = [&] {
            QStringList parts;
            for (int column = 0; column < page.model()->columnCount(); ++column) {
                parts.append(
                    QStringLiteral("%1:%2/%3")
                        .arg(column)
                        .arg(header->sectionSize(column))
                        .arg(static_cast<QAbstractItemView *>(table)->sizeHintForColumn(column)));
            }
            return parts.join(QLatin1Char(' ')) +
                   QStringLiteral(" viewport %1").arg(table->viewport()->width());
        };
        // The fitter runs once the rows and the size are known.
        QTRY_VERIFY2(header->sectionSize(AuditRecordModel::MethodColumn) >=
                         static_cast<QAbstractItemView *>(table)->sizeHintForColumn(
                             AuditRecordModel::MethodColumn),
                     qPrintable(widths()));
        for (int column : {AuditRecordModel::ResourceColumn, AuditRecordModel::ActorColumn,
                           AuditRecordModel::AtColumn, AuditRecordModel::TimeColumn}) {
            QVERIFY2(header->sectionSize(column) >=
                         static_cast<QAbstractItemView *>(table)->sizeHintForColumn(column),
                     qPrintable(QStringLiteral("column %1: %2 < %3")
                                    .arg(column)
                                    .arg(header->sectionSize(column))
                                    .arg(static_cast<QAbstractItemView *>(table)->sizeHintForColumn(
                                        column))));
        }
        // The summary takes what is left, not more than it leaves the others.
        const int summary = header->sectionSize(AuditRecordModel::SummaryColumn);
        QVERIFY2(summary >= 200, qPrintable(QString::number(summary)));
        int total = 0;
        for (int column = 0; column < page.model()->columnCount(); ++column) {
            total += header->sectionSize(column);
        }
        QVERIFY2(total <= table->viewport()->width() + 1,
                 qPrintable(QStringLiteral("%1 > %2").arg(total).arg(table->viewport()->width())));
        // The absolute time is a column beside the relative one, and the relative one's tooltip.
        QCOMPARE(header->visualIndex(AuditRecordModel::AtColumn),
                 header->visualIndex(AuditRecordModel::TimeColumn) + 1);
        QCOMPARE(page.model()
                     ->index(0, AuditRecordModel::AtColumn)
                     .data(Qt::ToolTipRole)
                     .toString()
                     .left(19),
                 absoluteTime(page.model()->entryAt(0).time));
        QCOMPARE(page.model()->index(0, AuditRecordModel::TimeColumn).data(Qt::ToolTipRole),
                 QVariant(absoluteTime(page.model()->entryAt(0).time)));
        QVERIFY(page.grab().toImage().save(
            artifact(QStringLiteral("audit-page-%1x%2-%3.png")
                         .arg(size.width())
                         .arg(size.height())
                         .arg(dark ? QStringLiteral("dark") : QStringLiteral("light")))));
        // A column the operator resized keeps their width through later refits.
        header->resizeSection(AuditRecordModel::ResourceColumn, 90);
        page.model()->prependNewer(
            {record(5, QStringLiteral("/aegis.v1.AuthService/RevokeToken"),
                    QStringLiteral("tokens/ci"), QStringLiteral("revoked token ci"))});
        QTest::qWait(20);
        QCOMPARE(header->sectionSize(AuditRecordModel::ResourceColumn), 90);
        api.shutdown();
    }

private:
    QPalette m_platformPalette;
};

QTEST_MAIN(TestConsoleAuditViews)
#include "tst_console_audit_views.moc"
