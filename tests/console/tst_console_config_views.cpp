// The Config page's parts offscreen, fed synthetic data: the tree, history and applied-status
// models (checked with QAbstractItemModelTester), the daemon's validator and line diff as the
// console uses them, the side-by-side DiffView and the CodeEditor with its gutter, highlighting
// and validation marker.
#include "models/applied_status_model.h"
#include "models/config_content_check.h"
#include "models/config_tree_filter_model.h"
#include "models/config_tree_model.h"
#include "models/config_version_model.h"
#include "models/side_by_side_diff.h"
#include "net/proto_convert.h"
#include "views/code_editor.h"
#include "views/config_highlighter.h"
#include "views/diff_view.h"
#include "views/theme.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QDir>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTest>
#include <QTextBlock>
#include <QTextLayout>

using namespace aegis;
using namespace aegis::console;

namespace {

ConfigItem item(const QString &ns, const QString &group, const QString &key, qint64 version = 1,
                ConfigFormat format = ConfigFormat::Yaml) {
    ConfigItem i;
    i.ref = {ns, group, key};
    i.format = format;
    i.version = version;
    i.contentSha256 = QStringLiteral("sha-%1").arg(version);
    i.author = QStringLiteral("alice");
    return i;
}

ConfigChangeEvent put(const ConfigItemRef &ref, qint64 version, qint64 revision) {
    ConfigChangeEvent event;
    event.ref = ref;
    event.format = ConfigFormat::Yaml;
    event.version = version;
    event.contentSha256 = QStringLiteral("sha-%1").arg(version);
    event.revision = revision;
    return event;
}

// Every "ns/group/key" under `parent`, depth first, as the model orders them.
QStringList paths(const QAbstractItemModel &model, const QModelIndex &parent = {}) {
    QStringList result;
    for (int row = 0; row < model.rowCount(parent); ++row) {
        const QModelIndex index = model.index(row, 0, parent);
        result.append(index.data(ConfigTreeModel::PathRole).toString());
        result += paths(model, index);
    }
    return result;
}

ConfigVersion version(qint64 number, const QString &comment) {
    ConfigVersion v;
    v.version = number;
    v.kind = ConfigVersionKind::Publish;
    v.author = QStringLiteral("bob");
    v.comment = comment;
    v.time = QDateTime::fromSecsSinceEpoch(1700000000 + number * 60, Qt::UTC);
    return v;
}

QString artifact(const QString &name) {
    return QDir(QCoreApplication::applicationDirPath()).filePath(name);
}

// The formats QSyntaxHighlighter applied to `block`'s text.
QList<QTextLayout::FormatRange> formatsOf(const QTextBlock &block) {
    return block.layout()->formats();
}

bool hasFormatAt(const QTextBlock &block, int position, const QColor &foreground) {
    for (const QTextLayout::FormatRange &range : formatsOf(block)) {
        if (position >= range.start && position < range.start + range.length &&
            range.format.foreground().color() == foreground) {
            return true;
        }
    }
    return false;
}

} // namespace

class TestConsoleConfigViews : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QApplication::setStyle(QStringLiteral("Fusion")); }

    void treeModelSyncsIncrementallyWithoutReset() {
        ConfigTreeModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        model.setNamespaces(
            {{QStringLiteral("staging"), false, {}, 1}, {QStringLiteral("prod"), true, {}, 3}});
        QCOMPARE(model.namespaceNames(), (QStringList{"prod", "staging"}));
        model.syncNamespace(QStringLiteral("prod"), {item("prod", "payments", "gateway.properties"),
                                                     item("prod", "checkout", "limits.json"),
                                                     item("prod", "checkout", "app.yaml", 3)});
        QCOMPARE(paths(model), (QStringList{"prod", "prod/checkout", "prod/checkout/app.yaml",
                                            "prod/checkout/limits.json", "prod/payments",
                                            "prod/payments/gateway.properties", "staging"}));
        QCOMPARE(model.itemCount(), 3);
        const QModelIndex app = model.indexOf({"prod", "checkout", "app.yaml"});
        QVERIFY(app.isValid());
        QCOMPARE(model.itemAt(app)->version, 3);
        QCOMPARE(app.siblingAtColumn(ConfigTreeModel::VersionColumn).data().toString(),
                 QStringLiteral("v3"));
        QCOMPARE(
            model.indexOf({"prod", "checkout", {}}).data(ConfigTreeModel::ItemCountRole).toInt(),
            2);
        const QPersistentModelIndex kept(app);

        // A watch: a new version of one key, a new key in a new group, a delete.
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.applyEvents({put({"prod", "checkout", "app.yaml"}, 4, 20),
                           put({"prod", "inventory", "stock.yaml"}, 1, 21)});
        QVERIFY(!changed.isEmpty());
        QCOMPARE(model.itemAt(kept)->version, 4);
        QVERIFY(model.itemAt(kept)->author.isEmpty()); // v4's author is not known yet
        QVERIFY(model.indexOf({"prod", "inventory", "stock.yaml"}).isValid());
        ConfigChangeEvent gone;
        gone.type = ConfigChangeEvent::Type::Delete;
        gone.ref = {"prod", "payments", "gateway.properties"};
        model.applyEvents({gone});
        QVERIFY(!model.indexOf({"prod", "payments", {}}).isValid()); // empty group pruned
        QVERIFY(kept.isValid());
        QCOMPARE(kept.data(ConfigTreeModel::PathRole).toString(),
                 QStringLiteral("prod/checkout/app.yaml"));

        // A snapshot is the namespace's whole truth: what it lacks goes.
        model.applySnapshot(QStringLiteral("prod"), {put({"prod", "checkout", "app.yaml"}, 4, 22)});
        QCOMPARE(paths(model),
                 (QStringList{"prod", "prod/checkout", "prod/checkout/app.yaml", "staging"}));
        // A full item (GetConfigItem) brings the gray release and author back.
        ConfigItem full = item("prod", "checkout", "app.yaml", 4);
        ConfigGrayRelease gray;
        gray.version = 5;
        gray.selector = QStringLiteral("zone=a");
        full.gray = gray;
        model.upsertItem(full);
        QCOMPARE(
            QModelIndex(kept).siblingAtColumn(ConfigTreeModel::VersionColumn).data().toString(),
            QStringLiteral("v4 · gray v5"));
        QCOMPARE(resets.size(), 0);
        model.clear();
        QCOMPARE(model.rowCount(), 0);
    }

    void treeFilterMatchesPathsAndKeepsAncestors() {
        ConfigTreeModel model;
        ConfigTreeFilterModel filter;
        filter.setSourceModel(&model);
        QAbstractItemModelTester tester(&filter,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.syncNamespace(QStringLiteral("prod"),
                            {item("prod", "checkout", "app.yaml"),
                             item("prod", "checkout", "limits.json"),
                             item("prod", "payments", "gateway.properties")});
        model.syncNamespace(QStringLiteral("staging"), {item("staging", "checkout", "app.yaml")});
        filter.setSearchText(QStringLiteral("GATEWAY"));
        QCOMPARE(paths(filter),
                 (QStringList{"prod", "prod/payments", "prod/payments/gateway.properties"}));
        // Every word must match somewhere in the path.
        filter.setSearchText(QStringLiteral("staging app"));
        QCOMPARE(paths(filter),
                 (QStringList{"staging", "staging/checkout", "staging/checkout/app.yaml"}));
        // A matching group shows all its keys.
        filter.setSearchText(QStringLiteral("prod/checkout"));
        QCOMPARE(paths(filter), (QStringList{"prod", "prod/checkout", "prod/checkout/app.yaml",
                                             "prod/checkout/limits.json"}));
        // Live inserts follow the filter.
        model.upsertItem(item("prod", "checkout", "flags.json"));
        QVERIFY(paths(filter).contains(QStringLiteral("prod/checkout/flags.json")));
        filter.setSearchText(QString());
        QCOMPARE(filter.rowCount(), 2);
    }

    void versionModelInsertsNewVersionsAtTheTop() {
        ConfigVersionModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        const ConfigItemRef ref{"prod", "checkout", "app.yaml"};
        model.setVersions(ref, {version(3, "c"), version(2, "b"), version(1, "a")});
        QCOMPARE(model.rowCount(), 3);
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        model.setVersions(ref, {version(5, "e"), version(4, "d"), version(3, "c")});
        QCOMPARE(resets.size(), 0);
        QCOMPARE(inserted.size(), 1);
        QCOMPARE(model.rowCount(), 5);
        QCOMPARE(model.index(0, ConfigVersionModel::VersionColumn).data().toString(),
                 QStringLiteral("v5"));
        QCOMPARE(model.index(4, ConfigVersionModel::CommentColumn).data().toString(),
                 QStringLiteral("a"));
        QCOMPARE(model.rowOf(2), 3);
        ConfigVersion rollback = version(6, "undo");
        rollback.kind = ConfigVersionKind::Rollback;
        rollback.restores = 4;
        model.setVersions(ref, {rollback});
        QCOMPARE(model.index(0, ConfigVersionModel::KindColumn).data().toString(),
                 QStringLiteral("rollback to v4"));
        // Another item replaces the list.
        model.setVersions({"prod", "checkout", "limits.json"}, {version(1, "x")});
        QCOMPARE(model.rowCount(), 1);
    }

    void appliedStatusUpdatesRowsInPlace() {
        AppliedStatusModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        ConfigAppliedStatus status;
        status.ref = {"prod", "checkout", "app.yaml"};
        status.publishedVersion = 3;
        status.instances = {{"checkout", "checkout-1", 3, {}, {}},
                            {"checkout", "checkout-2", 2, {}, {}},
                            {"checkout", "checkout-3", 3, QStringLiteral("parse error"), {}}};
        model.setStatus(status);
        QCOMPARE(model.stateAt(0), AppliedStatusModel::State::Current);
        QCOMPARE(model.stateAt(1), AppliedStatusModel::State::Behind);
        QCOMPARE(model.stateAt(2), AppliedStatusModel::State::Failed);
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        status.grayVersion = 4;
        status.instances = {{"checkout", "checkout-1", 4, {}, {}},
                            {"checkout", "checkout-2", 3, {}, {}},
                            {"checkout", "checkout-4", 3, {}, {}}};
        model.setStatus(status);
        QCOMPARE(resets.size(), 0);
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.stateAt(0), AppliedStatusModel::State::Gray);
        QCOMPARE(model.stateAt(1), AppliedStatusModel::State::Current);
        QCOMPARE(model.index(2, AppliedStatusModel::InstanceColumn).data().toString(),
                 QStringLiteral("checkout/checkout-4"));
    }

    void contentCheckNamesLineAndColumn_data() {
        QTest::addColumn<int>("format");
        QTest::addColumn<QString>("content");
        QTest::addColumn<int>("line");
        QTest::addColumn<int>("column");
        QTest::newRow("json ok") << int(ConfigFormat::Json) << "{\"a\": 1}\n" << -1 << 0;
        QTest::newRow("json missing comma")
            << int(ConfigFormat::Json) << "{\n  \"a\": 1\n  \"b\": 2\n}\n"
            << 3 << 5;
        QTest::newRow("json after unicode") << int(ConfigFormat::Json) << "{\"ü\": tru}" << 1 << 10;
        QTest::newRow("yaml bad indent") << int(ConfigFormat::Yaml) << "a:\n  b: 1\n c: 2\n"
                                         << 3 << 2;
        QTest::newRow("yaml ok") << int(ConfigFormat::Yaml) << "a: [1, 2]\n" << -1 << 0;
        QTest::newRow("properties bad escape") << int(ConfigFormat::Properties) << "a=1\nb=\\u12\n"
                                               << 2 << 3;
        QTest::newRow("text is always valid") << int(ConfigFormat::Text) << "{" << -1 << 0;
    }

    void contentCheckNamesLineAndColumn() {
        QFETCH(int, format);
        QFETCH(QString, content);
        QFETCH(int, line);
        QFETCH(int, column);
        const auto problem = checkConfigContent(static_cast<ConfigFormat>(format), content);
        if (line < 0) {
            QVERIFY2(!problem, problem ? qPrintable(problem->message) : "");
            return;
        }
        QVERIFY(problem);
        QCOMPARE(problem->line, line);
        QCOMPARE(problem->column, column);
        QVERIFY(!problem->message.isEmpty());
    }

    void contentCheckAppliesTheSchema() {
        const QString schema = QStringLiteral(
            R"({"type":"object","properties":{"pool":{"type":"integer","maximum":50}}})");
        QVERIFY(!checkConfigContent(ConfigFormat::Yaml, QStringLiteral("pool: 20\n"), schema));
        const auto problem =
            checkConfigContent(ConfigFormat::Yaml, QStringLiteral("pool: 80\n"), schema);
        QVERIFY(problem);
        QCOMPARE(problem->line, 0);
        QVERIFY2(problem->message.contains(QStringLiteral("/pool")), qPrintable(problem->message));
    }

    void sideBySideAlignsChangedLines() {
        const QString from = QStringLiteral("a\nb\nc\nd\ne\n");
        const QString to = QStringLiteral("a\nB\nc\nnew\nd\n");
        const SideBySideDiff diff = sideBySide(from, to);
        QCOMPARE(diff.added, 2);
        QCOMPARE(diff.removed, 2);
        using K = DiffRow::Kind;
        const QList<DiffRow> expected = {
            {K::Same, 1, 1, "a", "a"},   {K::Changed, 2, 2, "b", "B"}, {K::Same, 3, 3, "c", "c"},
            {K::Added, 0, 4, {}, "new"}, {K::Same, 4, 5, "d", "d"},    {K::Removed, 5, 0, "e", {}},
        };
        QCOMPARE(diff.rows, expected);
        // Equal texts: every line, unchanged.
        const SideBySideDiff same = sideBySide(from, from);
        QVERIFY(same.isEmpty());
        QCOMPARE(same.rows.size(), 5);
        // The daemon's unified diff with context: hunks with gaps between them.
        const SideBySideDiff hunks = sideBySideFromUnified(QStringLiteral(
            "--- v1\n+++ v2\n@@ -4,2 +4,2 @@\n x\n-y\n+Y\n@@ -20,1 +20,2 @@\n z\n+w\n"));
        QCOMPARE(hunks.rows.size(), 6);
        QCOMPARE(hunks.rows.at(0).kind, K::Gap);
        QCOMPARE(hunks.rows.at(2), (DiffRow{K::Changed, 5, 5, "y", "Y"}));
        QCOMPARE(hunks.rows.at(3).kind, K::Gap);
        QCOMPARE(hunks.rows.at(5), (DiffRow{K::Added, 0, 21, {}, "w"}));
    }

    void diffViewShowsBothSidesRowForRow() {
        const ThemeColors colors = themeColors(QApplication::palette());
        DiffView view;
        view.resize(900, 300);
        view.setContentFormat(ConfigFormat::Yaml);
        view.setCaptions(QStringLiteral("Published v3"), QStringLiteral("Your edit"));
        view.showTexts(QStringLiteral("port: 80\npool: 10\nname: a\n"),
                       QStringLiteral("port: 80\npool: 20\nextra: 1\nname: a\n"));
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        CodeEditor *left = view.leftPane();
        CodeEditor *right = view.rightPane();
        QCOMPARE(left->blockCount(), right->blockCount());
        QCOMPARE(left->blockCount(), 4);
        // The changed line sits beside what it replaced; the added one opposite a filler.
        QCOMPARE(left->document()->findBlockByNumber(1).text(), QStringLiteral("pool: 10"));
        QCOMPARE(right->document()->findBlockByNumber(1).text(), QStringLiteral("pool: 20"));
        QCOMPARE(left->document()->findBlockByNumber(2).text(), QString());
        QCOMPARE(right->document()->findBlockByNumber(2).text(), QStringLiteral("extra: 1"));
        QCOMPARE(left->document()->findBlockByNumber(3).text(), QStringLiteral("name: a"));
        QCOMPARE(right->document()->findBlockByNumber(3).text(), QStringLiteral("name: a"));
        // Each side numbers its own lines; the filler has none.
        QCOMPARE(left->gutterLabel(2), QString());
        QCOMPARE(left->gutterLabel(3), QStringLiteral("3"));
        QCOMPARE(right->gutterLabel(3), QStringLiteral("4"));
        // Tinted in the theme's diff colours.
        const auto tintOf = [](CodeEditor *editor, int block) {
            for (const QTextEdit::ExtraSelection &selection : editor->extraSelections()) {
                if (selection.cursor.blockNumber() == block &&
                    selection.format.hasProperty(QTextFormat::FullWidthSelection)) {
                    return selection.format.background().color();
                }
            }
            return QColor();
        };
        QCOMPARE(tintOf(left, 1), colors.diffRemoved);
        QCOMPARE(tintOf(right, 1), colors.diffAdded);
        QCOMPARE(tintOf(left, 2), colors.diffFiller);
        QVERIFY(!tintOf(left, 0).isValid());
        QVERIFY(view.summaryText().contains(QStringLiteral("2 line")));
        QVERIFY(view.grab().save(artifact(QStringLiteral("console-diff-view.png"))));
        // The panes scroll together.
        view.showTexts(QString(), QStringLiteral("x\n").repeated(200));
        left->verticalScrollBar()->setValue(50);
        QCOMPARE(right->verticalScrollBar()->value(), 50);
    }

    void codeEditorNumbersHighlightsAndMarksProblems() {
        CodeEditor editor;
        editor.resize(600, 300);
        editor.setValidationDelay(20);
        editor.setContentFormat(ConfigFormat::Json);
        editor.setPlainText(QStringLiteral("{\n  \"pool\": 20,\n  \"host\": \"db\"\n}\n"));
        editor.show();
        QVERIFY(QTest::qWaitForWindowExposed(&editor));
        QCOMPARE(editor.gutterLabel(0), QStringLiteral("1"));
        QCOMPARE(editor.gutterLabel(3), QStringLiteral("4"));
        QVERIFY(editor.gutterWidth() > 0);
        QVERIFY(editor.viewport()->geometry().left() >= editor.gutterWidth());
        // Highlighting applied: the key in key colour, the number and the string in theirs.
        const ThemeColors colors = themeColors(editor.palette());
        const QTextBlock pool = editor.document()->findBlockByNumber(1);
        QVERIFY(hasFormatAt(pool, 3, colors.syntaxKey));
        QVERIFY(hasFormatAt(pool, 10, colors.syntaxNumber));
        QVERIFY(hasFormatAt(editor.document()->findBlockByNumber(2), 11, colors.syntaxString));
        QTRY_VERIFY_WITH_TIMEOUT(!editor.problem(), 2000);

        // A missing comma on line 3: after the pause, the marker is on that line.
        QSignalSpy problems(&editor, &CodeEditor::problemChanged);
        QTextCursor cursor(editor.document()->findBlockByNumber(1));
        cursor.movePosition(QTextCursor::EndOfBlock);
        cursor.deletePreviousChar(); // the comma after 20
        editor.setTextCursor(cursor);
        QTRY_VERIFY_WITH_TIMEOUT(editor.problem().has_value(), 2000);
        QCOMPARE(editor.problemLine(), 3);
        QCOMPARE(problems.size(), 1);
        const auto underline = [&editor] {
            for (const QTextEdit::ExtraSelection &selection : editor.extraSelections()) {
                if (selection.format.underlineStyle() == QTextCharFormat::WaveUnderline) {
                    return selection.cursor;
                }
            }
            return QTextCursor();
        }();
        QVERIFY(!underline.isNull());
        QCOMPARE(underline.blockNumber(), 2);
        QVERIFY(underline.hasSelection());
        QVERIFY(editor.grab().save(artifact(QStringLiteral("console-code-editor-error.png"))));

        // Fixed: the marker goes.
        cursor.insertText(QStringLiteral(","));
        QTRY_VERIFY_WITH_TIMEOUT(!editor.problem(), 2000);
        QCOMPARE(editor.problemLine(), 0);
    }

    void highlighterKnowsYamlAndProperties() {
        const ThemeColors colors = themeColors(QApplication::palette());
        QTextDocument document;
        ConfigHighlighter highlighter(&document);
        highlighter.setContentFormat(ConfigFormat::Yaml);
        document.setPlainText(QStringLiteral("# top\nserver:\n  port: 8080 # inline\n"
                                             "  tls: true\n"));
        // The first highlighting of a new document waits for the event loop; do it now.
        highlighter.rehighlight();
        QVERIFY(hasFormatAt(document.findBlockByNumber(0), 2, colors.syntaxComment));
        QVERIFY(hasFormatAt(document.findBlockByNumber(1), 1, colors.syntaxKey));
        QVERIFY(hasFormatAt(document.findBlockByNumber(2), 9, colors.syntaxNumber));
        QVERIFY(hasFormatAt(document.findBlockByNumber(2), 15, colors.syntaxComment));
        QVERIFY(hasFormatAt(document.findBlockByNumber(3), 8, colors.syntaxKeyword));
        highlighter.setContentFormat(ConfigFormat::Properties);
        document.setPlainText(QStringLiteral("! note\ngateway.url=https://x\nlong=a\\\n  b\n"));
        highlighter.rehighlight();
        QVERIFY(hasFormatAt(document.findBlockByNumber(0), 1, colors.syntaxComment));
        QVERIFY(hasFormatAt(document.findBlockByNumber(1), 3, colors.syntaxKey));
        QVERIFY(hasFormatAt(document.findBlockByNumber(1), 15, colors.syntaxString));
        // A continuation line is value.
        QVERIFY(hasFormatAt(document.findBlockByNumber(3), 2, colors.syntaxString));
    }

    void configTypesConvertFromProto() {
        v1::ConfigItem proto;
        proto.mutable_ref()->set_namespace_("prod");
        proto.mutable_ref()->set_group("checkout");
        proto.mutable_ref()->set_key("app.yaml");
        proto.set_format(v1::CONFIG_FORMAT_YAML);
        proto.set_content("a: 1\n");
        proto.set_version(7);
        proto.set_secret(true);
        proto.set_masked(true);
        proto.mutable_gray()->set_version(8);
        proto.mutable_gray()->set_percent(10);
        const ConfigItem converted = fromProto(proto);
        QCOMPARE(converted.ref.path(), QStringLiteral("prod/checkout/app.yaml"));
        QCOMPARE(converted.format, ConfigFormat::Yaml);
        QCOMPARE(converted.version, 7);
        QVERIFY(converted.masked && converted.secret);
        QVERIFY(converted.gray);
        QCOMPARE(converted.gray->targetDescription(), QStringLiteral("10 % of instances"));
        v1::ConfigItemRef ref;
        toProto(converted.ref, &ref);
        QCOMPARE(ref.key(), std::string("app.yaml"));
    }
};

QTEST_MAIN(TestConsoleConfigViews)
#include "tst_console_config_views.moc"
