// Layout rules that need no daemon: JSON laid out for reading, the characters a changed line
// changed (and the diff view marking them), the Config tree's marker for an unpublished edit,
// and text contrast — placeholders and the pills' text against what they are drawn on, in both
// themes.
#include "models/color_contrast.h"
#include "models/config_tree_model.h"
#include "models/json_layout.h"
#include "models/side_by_side_diff.h"
#include "views/code_editor.h"
#include "views/diff_view.h"
#include "views/pill_painter.h"
#include "views/theme.h"
#include "views/view_helpers.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QDialog>
#include <QFont>
#include <QJsonDocument>
#include <QScreen>
#include <QSignalSpy>
#include <QTest>

using namespace aegis::console;

Q_DECLARE_METATYPE(aegis::console::LineChange)

namespace {

LineChange change(QList<CharacterRange> left, QList<CharacterRange> right) {
    return {std::move(left), std::move(right)};
}

} // namespace

class TestConsoleLayout : public QObject {
    Q_OBJECT
private slots:
    void prettyJsonLaysOutEveryTokenUnchanged_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("pretty");
        QTest::addRow("object") << QStringLiteral("{\"a\":1,\"b\":[true,null,\"x\"]}")
                                << QStringLiteral("{\n  \"a\": 1,\n  \"b\": [\n    true,\n    "
                                                  "null,\n    \"x\"\n  ]\n}");
        QTest::addRow("empty containers stay on their line")
            << QStringLiteral("{\"a\":{},\"b\":[ ]}")
            << QStringLiteral("{\n  \"a\": {},\n  \"b\": []\n}");
        QTest::addRow("strings keep their braces, commas, colons and escapes")
            << QStringLiteral("{\"k\":\"a,b:{c}\\\"d\\\\\"}")
            << QStringLiteral("{\n  \"k\": \"a,b:{c}\\\"d\\\\\"\n}");
        QTest::addRow("numbers kept as written")
            << QStringLiteral("[1.50,1e3,-0.0]") << QStringLiteral("[\n  1.50,\n  1e3,\n  -0.0\n]");
        QTest::addRow("a trailing newline stays")
            << QStringLiteral("{\"a\": 1}\n") << QStringLiteral("{\n  \"a\": 1\n}\n");
    }

    void prettyJsonLaysOutEveryTokenUnchanged() {
        QFETCH(QString, text);
        QFETCH(QString, pretty);
        const std::optional<QString> laidOut = prettyJson(text);
        QVERIFY(laidOut.has_value());
        QCOMPARE(*laidOut, pretty);
        // The same value, and laying it out again changes nothing.
        QCOMPARE(QJsonDocument::fromJson(laidOut->toUtf8()),
                 QJsonDocument::fromJson(text.toUtf8()));
        QCOMPARE(prettyJson(*laidOut), laidOut);
    }

    void prettyJsonRefusesWhatIsNotJson() {
        QVERIFY(!prettyJson(QStringLiteral("{\"a\": 1")).has_value());
        QVERIFY(!prettyJson(QStringLiteral("a: 1")).has_value());
        QVERIFY(!prettyJson(QString()).has_value());
    }

    void changedCharactersMarksWithinTheLine_data() {
        QTest::addColumn<QString>("before");
        QTest::addColumn<QString>("after");
        QTest::addColumn<LineChange>("expected");
        QTest::addRow("equal") << QStringLiteral("timeout: 30") << QStringLiteral("timeout: 30")
                               << LineChange{};
        QTest::addRow("one character")
            << QStringLiteral("{\"retries\":3,\"timeout_ms\":250}")
            << QStringLiteral("{\"retries\":4,\"timeout_ms\":250}") << change({{11, 1}}, {{11, 1}});
        QTest::addRow("a value replaced")
            << QStringLiteral("timeout: 30s") << QStringLiteral("timeout: 45s")
            << change({{9, 2}}, {{9, 2}});
        QTest::addRow("inserted") << QStringLiteral("a: [x]") << QStringLiteral("a: [x, y]")
                                  << change({}, {{5, 3}});
        QTest::addRow("removed") << QStringLiteral("a: [x, y]") << QStringLiteral("a: [x]")
                                 << change({{5, 3}}, {});
        // The "a" that ends both words is kept: it is common to them.
        QTest::addRow("two changes apart") << QStringLiteral("host=alpha port=80 mode=fast")
                                           << QStringLiteral("host=gamma port=80 mode=slow")
                                           << change({{5, 4}, {24, 4}}, {{5, 4}, {24, 4}});
        QTest::addRow("from empty") << QString() << QStringLiteral("new") << change({}, {{0, 3}});
    }

    void changedCharactersMarksWithinTheLine() {
        QFETCH(QString, before);
        QFETCH(QString, after);
        QFETCH(LineChange, expected);
        const LineChange actual = changedCharacters(before, after);
        QCOMPARE(actual.left, expected.left);
        QCOMPARE(actual.right, expected.right);
    }

    void changedCharactersOfLongLinesStaysQuick() {
        // A one-line JSON of 100,000 characters with one change in the middle.
        QString before =
            QStringLiteral("[") + QStringLiteral("1,").repeated(50000) + QStringLiteral("2]");
        QString after = before;
        after[50001] = QLatin1Char('7');
        const LineChange actual = changedCharacters(before, after);
        QCOMPARE(actual.left, (QList<CharacterRange>{{50001, 1}}));
        QCOMPARE(actual.right, (QList<CharacterRange>{{50001, 1}}));
    }

    void diffViewMarksTheChangedCharacters() {
        DiffView view;
        view.showTexts(QStringLiteral("name: checkout\nretries: 3\n"),
                       QStringLiteral("name: checkout\nretries: 4\n"));
        const QList<CodeEditor::CharacterMark> left = view.leftPane()->characterMarks();
        const QList<CodeEditor::CharacterMark> right = view.rightPane()->characterMarks();
        QCOMPARE(left.size(), 1);
        QCOMPARE(right.size(), 1);
        QCOMPARE(left.first().block, 1);
        QCOMPARE(left.first().start, 9);
        QCOMPARE(left.first().length, 1);
        QCOMPARE(right.first().block, 1);
        QCOMPARE(right.first().start, 9);
        const ThemeColors colors = themeColors(view.palette());
        QCOMPARE(left.first().color, colors.diffRemovedCharacters);
        QCOMPARE(right.first().color, colors.diffAddedCharacters);
        // The first version against nothing: every line added, nothing to mark within a line.
        view.showTexts(QString(), QStringLiteral("a: 1\n"));
        QCOMPARE(view.diff().added, 1);
        QVERIFY(view.rightPane()->characterMarks().isEmpty());
        view.showMessage(QStringLiteral("nothing"));
        QVERIFY(view.leftPane()->characterMarks().isEmpty());
    }

    void configTreeMarksTheEditedItem() {
        ConfigTreeModel tree;
        QAbstractItemModelTester tester(&tree);
        ConfigItem item;
        item.ref = {QStringLiteral("prod"), QStringLiteral("checkout"),
                    QStringLiteral("limits.json")};
        item.format = ConfigFormat::Json;
        item.version = 3;
        tree.upsertItem(item);
        const QModelIndex name = tree.indexOf(item.ref);
        const QModelIndex version = name.siblingAtColumn(ConfigTreeModel::VersionColumn);
        QCOMPARE(version.data().toString(), QStringLiteral("v3"));
        QCOMPARE(name.data(ConfigTreeModel::EditedRole).toBool(), false);

        QSignalSpy changes(&tree, &QAbstractItemModel::dataChanged);
        tree.setEditedItem(item.ref);
        QCOMPARE(changes.count(), 1);
        QCOMPARE(name.data(ConfigTreeModel::EditedRole).toBool(), true);
        QCOMPARE(version.data().toString(), QStringLiteral("● edited · v3"));
        QVERIFY(name.data(Qt::FontRole).value<QFont>().italic());
        QVERIFY(name.data(Qt::ToolTipRole).toString().contains(QStringLiteral("not published")));
        // Its group and namespace are not marked.
        QCOMPARE(name.parent().data(ConfigTreeModel::EditedRole).toBool(), false);

        tree.setEditedItem({});
        QCOMPARE(changes.count(), 2);
        QCOMPARE(version.data().toString(), QStringLiteral("v3"));
    }

    void contrastFollowsWcag() {
        QCOMPARE(qRound(contrastRatio(Qt::black, Qt::white) * 100), 2100);
        QCOMPARE(contrastRatio(Qt::white, Qt::white), 1.0);
        // WCAG's own example pair: #777 on white is 4.48:1, just below AA.
        QCOMPARE(qRound(contrastRatio(QColor(0x77, 0x77, 0x77), Qt::white) * 100), 448);
        QCOMPARE(composite(QColor(0, 0, 0, 0), Qt::white), QColor(Qt::white));
        QCOMPARE(composite(QColor(0, 0, 0, 255), Qt::white), QColor(Qt::black));
        const QColor deepened = legibleOn(QColor(0x77, 0x77, 0x77), Qt::white);
        QVERIFY(contrastRatio(deepened, Qt::white) >= kMinimumTextContrast);
        QVERIFY(deepened.lightness() < 0x77);
        QCOMPARE(legibleOn(Qt::black, Qt::white), QColor(Qt::black));
    }

    void placeholderAndPillsReachAaContrastInBothThemes_data() {
        QTest::addColumn<bool>("dark");
        QTest::addRow("light") << false;
        QTest::addRow("dark") << true;
    }

    void placeholderAndPillsReachAaContrastInBothThemes() {
        QFETCH(bool, dark);
        const QPalette palette = themePalette(dark);
        const ThemeColors colors = themeColors(palette);
        QCOMPARE(colors.dark, dark);
        const QColor placeholder = palette.color(QPalette::PlaceholderText);
        for (const QPalette::ColorRole role :
             {QPalette::Base, QPalette::AlternateBase, QPalette::Window}) {
            const double ratio = contrastRatio(placeholder, palette.color(role));
            QVERIFY2(ratio >= kMinimumTextContrast,
                     qPrintable(QStringLiteral("placeholder %1 on %2: %3:1")
                                    .arg(placeholder.name(), palette.color(role).name())
                                    .arg(ratio, 0, 'f', 2)));
        }
        // Every tone a pill is drawn in, the blue ones first, on every row it is drawn on.
        const QList<QPair<QString, QColor>> tones = {
            {QStringLiteral("deploy blue"), colors.deployBlue},
            {QStringLiteral("accent"), colors.accent},
            {QStringLiteral("deploy green"), colors.deployGreen},
            {QStringLiteral("success"), colors.success},
            {QStringLiteral("danger"), colors.danger},
            {QStringLiteral("warning"), colors.warning},
            {QStringLiteral("attention"), colors.attention},
            {QStringLiteral("muted"), colors.muted}};
        for (const auto &[name, tone] : tones) {
            for (const QPalette::ColorRole row : {QPalette::Base, QPalette::AlternateBase}) {
                const QColor fill = pillFill(tone, palette.color(row), dark, false);
                const double ratio = contrastRatio(pillText(tone, fill), fill);
                QVERIFY2(ratio >= kMinimumTextContrast,
                         qPrintable(QStringLiteral("%1 pill on %2: %3:1")
                                        .arg(name, palette.color(row).name())
                                        .arg(ratio, 0, 'f', 2)));
            }
            // On a selected row, in the tone the delegates pass there.
            const QColor selectedFill =
                pillFill(tone, palette.color(QPalette::Highlight), dark, true);
            const QColor text = pillText(selectedTone(tone, dark), selectedFill);
            QVERIFY2(contrastRatio(text, selectedFill) >= kMinimumTextContrast,
                     qPrintable(name + QStringLiteral(" pill on a selected row")));
        }
    }

    void dialogsGrowWithTheirWindow() {
        QWidget window;
        QDialog dialog(&window);
        const QSize screen = dialog.screen()->availableSize();
        window.resize(screen);
        fitToWindow(&dialog, 0.5, QSize(200, 150));
        QCOMPARE(dialog.size(), screen / 2);
        window.resize(screen / 2);
        fitToWindow(&dialog, 0.5, QSize(200, 150));
        QCOMPARE(dialog.size(), (screen / 4).expandedTo(QSize(200, 150)));
        // Never beyond the screen, whatever the window's size.
        window.resize(screen * 2);
        fitToWindow(&dialog, 0.9, QSize(200, 150));
        QCOMPARE(dialog.size(), screen * 0.9);
    }
};

QTEST_MAIN(TestConsoleLayout)
#include "tst_console_layout.moc"
