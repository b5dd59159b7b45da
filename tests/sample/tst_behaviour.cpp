// parseBehaviour and BehaviourConfig: the sample's behaviour documents in JSON and YAML over the
// command-line defaults, the errors that name the field, and which item wins.

#include "sample/behaviour.h"

#include <QtTest>

using namespace aegis;
using namespace std::chrono_literals;

namespace {

sample::Behaviour defaults() {
    sample::Behaviour behaviour;
    behaviour.latency = 5ms;
    behaviour.errorRate = 0.1;
    behaviour.greeting = "from the flags";
    behaviour.features = {{"fast_path", true}};
    return behaviour;
}

client::ConfigValue valueOf(const std::string &key, const std::string &content,
                            client::ConfigFormat format, std::int64_t version) {
    client::ConfigValue value;
    value.ref = {"demo", "shop", key};
    value.format = format;
    value.content = content;
    value.version = version;
    return value;
}

} // namespace

Q_DECLARE_METATYPE(client::ConfigFormat)

class BehaviourTest : public QObject {
    Q_OBJECT

private slots:
    void parses_data();
    void parses();
    void rejects_data();
    void rejects();
    void jsonWinsOverYamlAndDeletionRestoresDefaults();
};

void BehaviourTest::parses_data() {
    QTest::addColumn<QString>("content");
    QTest::addColumn<client::ConfigFormat>("format");
    QTest::addColumn<qint64>("latencyMs");
    QTest::addColumn<double>("errorRate");
    QTest::addColumn<QString>("greeting");
    QTest::addColumn<QString>("features");

    QTest::newRow("json, every field")
        << R"({"latency":"25ms","error_rate":0.5,"greeting":"hi","features":{"a":true,"b":false}})"
        << client::ConfigFormat::Json << qint64(25) << 0.5 << "hi"
        << "a=1 b=0";
    QTest::newRow("json, latency in milliseconds")
        << R"({"latency":40})" << client::ConfigFormat::Json << qint64(40) << 0.1
        << "from the flags"
        << "fast_path=1";
    QTest::newRow("json, empty object keeps the defaults")
        << "{}" << client::ConfigFormat::Json << qint64(5) << 0.1 << "from the flags"
        << "fast_path=1";
    QTest::newRow("yaml, every field")
        << "latency: 1s\nerror_rate: 0\ngreeting: hello\nfeatures:\n  dark_mode: true\n"
        << client::ConfigFormat::Yaml << qint64(1000) << 0.0 << "hello"
        << "dark_mode=1";
    QTest::newRow("yaml, a quoted number stays a string")
        << "greeting: \"42\"\n"
        << client::ConfigFormat::Yaml << qint64(5) << 0.1 << "42"
        << "fast_path=1";
    QTest::newRow("yaml, empty document keeps the defaults")
        << "" << client::ConfigFormat::Yaml << qint64(5) << 0.1 << "from the flags"
        << "fast_path=1";
}

void BehaviourTest::parses() {
    QFETCH(QString, content);
    QFETCH(client::ConfigFormat, format);
    const auto behaviour = sample::parseBehaviour(content.toStdString(), format, defaults());
    QVERIFY2(behaviour.isOk(), behaviour.status().message().c_str());
    QFETCH(qint64, latencyMs);
    QFETCH(double, errorRate);
    QFETCH(QString, greeting);
    QFETCH(QString, features);
    QCOMPARE(qint64(behaviour->latency.count()), latencyMs);
    QCOMPARE(behaviour->errorRate, errorRate);
    QCOMPARE(QString::fromStdString(behaviour->greeting), greeting);
    QStringList flags;
    for (const auto &[name, enabled] : behaviour->features) {
        flags << QString::fromStdString(name) + "=" + (enabled ? "1" : "0");
    }
    QCOMPARE(flags.join(' '), features);
}

void BehaviourTest::rejects_data() {
    QTest::addColumn<QString>("content");
    QTest::addColumn<client::ConfigFormat>("format");
    QTest::addColumn<QString>("mentions");

    QTest::newRow("unknown field")
        << R"({"errror_rate":1})" << client::ConfigFormat::Json << "errror_rate";
    QTest::newRow("error rate out of range")
        << R"({"error_rate":7})" << client::ConfigFormat::Json << "error_rate";
    QTest::newRow("negative latency")
        << R"({"latency":-1})" << client::ConfigFormat::Json << "latency";
    QTest::newRow("bad duration") << R"({"latency":"soon"})" << client::ConfigFormat::Json
                                  << "latency";
    QTest::newRow("feature not a boolean")
        << R"({"features":{"a":"yes"}})" << client::ConfigFormat::Json << "features.a";
    QTest::newRow("not json") << "{" << client::ConfigFormat::Json << "JSON";
    QTest::newRow("not an object") << "- 1\n- 2\n" << client::ConfigFormat::Yaml << "object";
    QTest::newRow("text format") << "hello" << client::ConfigFormat::Text << "JSON or YAML";
}

void BehaviourTest::rejects() {
    QFETCH(QString, content);
    QFETCH(client::ConfigFormat, format);
    QFETCH(QString, mentions);
    const auto behaviour = sample::parseBehaviour(content.toStdString(), format, defaults());
    QCOMPARE(behaviour.status().code(), StatusCode::InvalidArgument);
    QVERIFY2(behaviour.status().message().find(mentions.toStdString()) != std::string::npos,
             behaviour.status().message().c_str());
}

void BehaviourTest::jsonWinsOverYamlAndDeletionRestoresDefaults() {
    std::vector<sample::Behaviour> applied;
    sample::BehaviourConfig config(
        defaults(), [&](const sample::Behaviour &behaviour) { applied.push_back(behaviour); });
    QVERIFY(config.onValue(valueOf("other.json", "{}", client::ConfigFormat::Json, 1)).isIgnored());
    QVERIFY(applied.empty());

    QVERIFY(
        config.onValue(valueOf("behaviour.yaml", "greeting: yaml\n", client::ConfigFormat::Yaml, 2))
            .isApplied());
    QCOMPARE(applied.back().greeting, std::string("yaml"));
    QCOMPARE(applied.back().configVersion, std::int64_t(2));
    QCOMPARE(applied.back().source, std::string("demo/shop/behaviour.yaml"));

    QVERIFY(config
                .onValue(valueOf("behaviour.json", R"({"greeting":"json"})",
                                 client::ConfigFormat::Json, 3))
                .isApplied());
    QCOMPARE(applied.back().greeting, std::string("json"));
    // A newer yaml changes nothing while behaviour.json exists.
    QVERIFY(
        config
            .onValue(valueOf("behaviour.yaml", "greeting: yaml2\n", client::ConfigFormat::Yaml, 4))
            .isApplied());
    QCOMPARE(applied.back().greeting, std::string("json"));

    const auto failed = config.onValue(
        valueOf("behaviour.json", R"({"error_rate":2})", client::ConfigFormat::Json, 5));
    QVERIFY(failed.isFailed());
    QVERIFY2(failed.error().find("behaviour.json: error_rate") == 0, failed.error().c_str());
    QCOMPARE(applied.back().greeting, std::string("json"));

    auto deleted = valueOf("behaviour.json", "", client::ConfigFormat::Json, 0);
    deleted.deleted = true;
    QVERIFY(config.onValue(deleted).isApplied());
    QCOMPARE(applied.back().greeting, std::string("yaml2"));
    deleted.ref.key = "behaviour.yaml";
    QVERIFY(config.onValue(deleted).isApplied());
    QCOMPARE(applied.back(), defaults());
}

QTEST_GUILESS_MAIN(BehaviourTest)
#include "tst_behaviour.moc"
