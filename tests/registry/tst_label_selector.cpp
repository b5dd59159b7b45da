#include "common/label_selector.h"

#include <QtTest>

using namespace aegis;

class LabelSelectorTest : public QObject {
    Q_OBJECT

private slots:
    void matches_data();
    void matches();
    void rejectsMalformed_data();
    void rejectsMalformed();
    void rejectsEmptyValues_data();
    void rejectsEmptyValues();
    void validatesLabelLimits();
};

void LabelSelectorTest::matches_data() {
    QTest::addColumn<QString>("selector");
    QTest::addColumn<bool>("expected");
    // Against {color: green, zone: a, version: 1.2}.
    QTest::newRow("empty matches all") << "" << true;
    QTest::newRow("equals") << "color=green" << true;
    QTest::newRow("double equals") << "color==green" << true;
    QTest::newRow("equals other") << "color=blue" << false;
    QTest::newRow("not equals") << "zone!=b" << true;
    QTest::newRow("not equals same") << "zone!=a" << false;
    QTest::newRow("not equals absent key") << "tier!=web" << true;
    QTest::newRow("both") << "color=green,zone!=b" << true;
    QTest::newRow("one fails") << "color=green,zone=b" << false;
    QTest::newRow("exists") << "version" << true;
    QTest::newRow("exists absent") << "canary" << false;
    QTest::newRow("not exists") << "!canary" << true;
    QTest::newRow("not exists present") << "!color" << false;
    QTest::newRow("in") << "zone in (a, b)" << true;
    QTest::newRow("in other") << "zone in (b,c)" << false;
    QTest::newRow("notin") << "zone notin (b,c)" << true;
    QTest::newRow("notin listed") << "zone notin (a)" << false;
    QTest::newRow("spaces") << " color = green , zone in (a) " << true;
}

void LabelSelectorTest::matches() {
    QFETCH(QString, selector);
    QFETCH(bool, expected);
    const Labels labels = {{"color", "green"}, {"zone", "a"}, {"version", "1.2"}};
    auto parsed = LabelSelector::parse(selector.toStdString());
    QVERIFY2(parsed.isOk(), parsed.status().message().c_str());
    QCOMPARE(parsed->matches(labels), expected);
}

void LabelSelectorTest::rejectsMalformed_data() {
    QTest::addColumn<QString>("selector");
    QTest::newRow("empty requirement") << "color=green,,zone=a";
    QTest::newRow("bad key") << "co lor=green";
    QTest::newRow("no key") << "=green";
    QTest::newRow("unclosed") << "zone in (a,b";
    QTest::newRow("empty list") << "zone in ()";
    QTest::newRow("unknown operator") << "zone within (a)";
}

void LabelSelectorTest::rejectsMalformed() {
    QFETCH(QString, selector);
    auto parsed = LabelSelector::parse(selector.toStdString(), "selector");
    QVERIFY(!parsed.isOk());
    QCOMPARE(parsed.status().code(), StatusCode::InvalidArgument);
    QVERIFY(QString::fromStdString(parsed.status().message()).startsWith("selector"));
}

void LabelSelectorTest::rejectsEmptyValues_data() {
    QTest::addColumn<QString>("selector");
    QTest::addColumn<QString>("requirement");
    QTest::newRow("double equals") << "version=="
                                   << "version==";
    QTest::newRow("equals") << "version="
                            << "version=";
    QTest::newRow("not equals") << "version!="
                                << "version!=";
    QTest::newRow("blank, after a valid one") << "zone=a, version==  "
                                              << "version==";
}

// "version==" used to parse and then match nothing; it names the requirement instead.
void LabelSelectorTest::rejectsEmptyValues() {
    QFETCH(QString, selector);
    QFETCH(QString, requirement);
    auto parsed = LabelSelector::parse(selector.toStdString(), "selector");
    QVERIFY(!parsed.isOk());
    QCOMPARE(parsed.status().code(), StatusCode::InvalidArgument);
    const auto message = QString::fromStdString(parsed.status().message());
    QVERIFY2(message.startsWith("selector: '" + requirement + "' has no value"),
             qPrintable(message));
}

void LabelSelectorTest::validatesLabelLimits() {
    QVERIFY(validateLabels({{"version", "1.0"}}, "labels").isOk());
    Labels tooMany;
    for (int i = 0; i < 33; ++i) {
        tooMany["k" + std::to_string(i)] = "v";
    }
    const Status many = validateLabels(tooMany, "instance.labels");
    QCOMPARE(many.code(), StatusCode::InvalidArgument);
    QVERIFY(many.message().find("instance.labels") != std::string::npos);
    QVERIFY(many.message().find("32") != std::string::npos);
    QVERIFY(!validateLabels({{std::string(64, 'k'), "v"}}, "labels").isOk());
    QVERIFY(!validateLabels({{"k", std::string(254, 'v')}}, "labels").isOk());
}

QTEST_GUILESS_MAIN(LabelSelectorTest)
#include "tst_label_selector.moc"
