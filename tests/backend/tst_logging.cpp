// The JSON log lines as a log pipeline reads them: the standard keys of each key style, and a
// caller's field named like a standard key kept beside it ("fields.<name>"), never over it.

#include "common/logging.h"

#include <QtTest>

#include <cstdio>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <unistd.h>

using namespace aegis;

namespace {

// Runs `write` with stderr sent to a file; returns every line written meanwhile.
std::vector<nlohmann::json> capturedLines(const std::function<void()> &write) {
    char path[] = "/tmp/tst_logging_XXXXXX";
    const int file = ::mkstemp(path);
    const int saved = ::dup(STDERR_FILENO);
    ::dup2(file, STDERR_FILENO);
    write();
    std::fflush(stderr);
    ::dup2(saved, STDERR_FILENO);
    ::close(saved);
    ::close(file);
    std::vector<nlohmann::json> lines;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
        lines.push_back(nlohmann::json::parse(line));
    }
    ::unlink(path);
    return lines;
}

} // namespace

class TestLogging : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { log::init("info"); }
    void cleanup() { log::setKeyStyle(log::KeyStyle::Aegis); }

    void standardKeysPerStyle_data() {
        QTest::addColumn<QString>("style");
        QTest::addColumn<QStringList>("keys");
        QTest::newRow("aegis") << "aegis" << QStringList{"time", "level", "msg"};
        QTest::newRow("zap") << "zap" << QStringList{"ts", "level", "msg"};
        QTest::newRow("ecs") << "ecs"
                             << QStringList{"@timestamp", "log.level", "message", "ecs.version"};
    }
    void standardKeysPerStyle() {
        QFETCH(QString, style);
        QFETCH(QStringList, keys);
        QVERIFY(log::setKeyStyle(style.toStdString()));
        const auto lines = capturedLines([] {
            log::warn("disk nearly full", {{"free_bytes", 1024}});
            log::error("store failed", {});
        });
        QCOMPARE(lines.size(), std::size_t{2});
        for (const auto &line : lines) {
            for (const QString &key : keys) {
                QVERIFY2(line.contains(key.toStdString()), line.dump().c_str());
            }
            QCOMPARE(line.size(), std::size_t(keys.size()) + (line.contains("free_bytes") ? 1 : 0));
        }
        const std::string level = style == "ecs" ? "log.level" : "level";
        const std::string message = style == "ecs" ? "message" : "msg";
        QCOMPARE(lines[0][message], nlohmann::json("disk nearly full"));
        QCOMPARE(lines[0][level], nlohmann::json(style == "zap" ? "warn" : "warning"));
        QCOMPARE(lines[1][level], nlohmann::json("error"));
        if (style == "zap") {
            QVERIFY(lines[0]["ts"].is_number_float());
        } else {
            const std::string time = style == "ecs" ? "@timestamp" : "time";
            QVERIFY(lines[0][time].get<std::string>().ends_with("Z"));
        }
        QCOMPARE(lines[0]["free_bytes"], nlohmann::json(1024));
    }

    // A field named like a standard key is written as "fields.<name>"; the standard keys keep
    // what the logger put there, in every style.
    void fieldsNeverReplaceStandardKeys_data() {
        QTest::addColumn<QString>("style");
        QTest::addColumn<QStringList>("reserved");
        QTest::newRow("aegis") << "aegis" << QStringList{"time", "level", "msg"};
        QTest::newRow("zap") << "zap" << QStringList{"ts", "level", "msg"};
        QTest::newRow("ecs") << "ecs"
                             << QStringList{"@timestamp", "log.level", "message", "ecs.version"};
    }
    void fieldsNeverReplaceStandardKeys() {
        QFETCH(QString, style);
        QFETCH(QStringList, reserved);
        QVERIFY(log::setKeyStyle(style.toStdString()));
        log::Fields fields = {{"level", "from the caller"},
                              {"msg", "from the caller"},
                              {"time", "from the caller"},
                              {"ts", "from the caller"},
                              {"message", "from the caller"},
                              {"@timestamp", "from the caller"},
                              {"log.level", "from the caller"},
                              {"ecs.version", "from the caller"},
                              {"path", "/"}};
        const auto lines = capturedLines([&] { log::info("request", fields); });
        QCOMPARE(lines.size(), std::size_t{1});
        const auto &line = lines[0];
        for (const QString &key : reserved) {
            const std::string name = key.toStdString();
            QVERIFY2(line.contains(name), line.dump().c_str());
            QVERIFY2(line[name] != nlohmann::json("from the caller"), line.dump().c_str());
            QCOMPARE(line["fields." + name], nlohmann::json("from the caller"));
        }
        // Fields that are not standard keys in this style stay as they are.
        for (const auto &[name, value] : fields.items()) {
            if (!reserved.contains(QString::fromStdString(name))) {
                QCOMPARE(line[name], value);
            }
        }
    }

    // Renaming never overwrites either: when "fields.<name>" is taken too, it is prefixed again.
    void renamedFieldsNeverReplaceFields() {
        const auto lines = capturedLines([] {
            log::info("request", {{"msg", "from the caller"}, {"fields.msg", "taken"}});
        });
        QCOMPARE(lines.size(), std::size_t{1});
        QCOMPARE(lines[0]["msg"], nlohmann::json("request"));
        QCOMPARE(lines[0]["fields.msg"], nlohmann::json("taken"));
        QCOMPARE(lines[0]["fields.fields.msg"], nlohmann::json("from the caller"));
    }

    void unknownStylesAreRefused() {
        QVERIFY(!log::setKeyStyle("logfmt"));
        QVERIFY(!log::isValidKeyStyle(""));
        QVERIFY(log::keyStyle() == log::KeyStyle::Aegis);
    }
};

QTEST_GUILESS_MAIN(TestLogging)
#include "tst_logging.moc"
