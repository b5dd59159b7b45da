// DeploymentLogReader on files the test writes: the tail, partial and long lines, bytes that are
// not UTF-8, truncation and replacement, and where an instance's log is looked for.

#include "daemon_process.h"
#include "rollout/deployment_log.h"

#include <QtTest>

#include <filesystem>
#include <fstream>

using namespace aegis;
using namespace aegis::rollout;

class DeploymentLogTest : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void tailFindsTheLastLines_data();
    void tailFindsTheLastLines();
    void tailOfAFilterCountsMatchingLines();
    void partialLinesWaitForTheirNewline();
    void longLinesAreCutAndBytesMadeUtf8();
    void truncationAndReplacementStartOver();
    void pathsAreOnlyTheDriversInstances();

private:
    void write(const std::string &content, std::ios::openmode mode = std::ios::trunc);
    DeploymentLogReader open(const std::string &filter = {});

    std::unique_ptr<testing::TempDir> m_dir;
    std::filesystem::path m_file;
};

void DeploymentLogTest::init() {
    m_dir = std::make_unique<testing::TempDir>();
    m_file = m_dir->path() / "blue-1.log";
}

void DeploymentLogTest::cleanup() {
    m_dir.reset();
}

void DeploymentLogTest::write(const std::string &content, std::ios::openmode mode) {
    std::ofstream(m_file, std::ios::binary | std::ios::out | mode) << content;
}

DeploymentLogReader DeploymentLogTest::open(const std::string &filter) {
    auto reader = DeploymentLogReader::open(m_file, filter);
    if (!reader) {
        qFatal("%s", reader.status().message().c_str());
    }
    return std::move(*reader);
}

void DeploymentLogTest::tailFindsTheLastLines_data() {
    QTest::addColumn<QString>("content");
    QTest::addColumn<int>("tail");
    QTest::addColumn<QStringList>("expected");
    QTest::newRow("last two") << "a\nb\nc\n" << 2 << QStringList{"b", "c"};
    QTest::newRow("no final newline") << "a\nb\nc" << 2 << QStringList{"b", "c"};
    QTest::newRow("more than there are") << "a\nb\n" << 10 << QStringList{"a", "b"};
    QTest::newRow("empty lines count") << "a\n\n\nb\n" << 3 << QStringList{"", "", "b"};
    QTest::newRow("empty file") << "" << 5 << QStringList{};
    QTest::newRow("zero: from the end") << "a\nb\n" << 0 << QStringList{};
}

void DeploymentLogTest::tailFindsTheLastLines() {
    QFETCH(QString, content);
    QFETCH(int, tail);
    QFETCH(QStringList, expected);
    write(content.toStdString());
    auto reader = open();
    reader.seekTail(tail);
    const auto chunk = reader.read(1 << 20, true);
    QStringList lines;
    for (const auto &line : chunk.lines) {
        lines << QString::fromStdString(line);
    }
    QCOMPARE(lines, expected);
    QVERIFY(chunk.atEnd);
}

void DeploymentLogTest::tailOfAFilterCountsMatchingLines() {
    // Across many blocks: 100,000 lines of about 12 bytes.
    std::string content;
    for (int i = 1; i <= 100000; ++i) {
        content += (i % 1000 == 0 ? "error " : "ok ") + std::to_string(i) + "\n";
    }
    write(content);
    auto reader = open("error");
    reader.seekTail(3);
    std::vector<std::string> lines;
    DeploymentLogReader::Chunk chunk;
    do {
        chunk = reader.read(64 * 1024, true);
        lines.insert(lines.end(), chunk.lines.begin(), chunk.lines.end());
    } while (!chunk.atEnd);
    const std::vector<std::string> expected = {"error 98000", "error 99000", "error 100000"};
    QCOMPARE(lines, expected);

    auto plain = open();
    plain.seekTail(2);
    QCOMPARE(plain.read(1 << 20, true).lines,
             (std::vector<std::string>{"ok 99999", "error 100000"}));
}

void DeploymentLogTest::partialLinesWaitForTheirNewline() {
    write("one\ntw");
    auto reader = open();
    reader.seekTail(10);
    QCOMPARE(reader.read(1024, false).lines, std::vector<std::string>{"one"});
    write("o\nthree", std::ios::app);
    QCOMPARE(reader.read(1024, false).lines, std::vector<std::string>{"two"});
    QCOMPARE(reader.read(1024, true).lines, std::vector<std::string>{"three"});
}

void DeploymentLogTest::longLinesAreCutAndBytesMadeUtf8() {
    const std::string longLine(kMaxLogLineBytes + 5000, 'x');
    write(longLine + "\nbad \xff\xfe bytes \xc3\xa9\n");
    auto reader = open();
    reader.seekTail(2);
    const auto lines = reader.read(1 << 20, true).lines;
    QCOMPARE(lines.size(), std::size_t(2));
    QCOMPARE(lines[0], std::string(kMaxLogLineBytes, 'x') + " " + std::string(kCutMarker));
    QCOMPARE(lines[1], std::string("bad \xEF\xBF\xBD\xEF\xBF\xBD bytes \xc3\xa9"));
}

void DeploymentLogTest::truncationAndReplacementStartOver() {
    write("first\nsecond\n");
    auto reader = open();
    reader.seekTail(1);
    QCOMPARE(reader.read(1024, false).lines, std::vector<std::string>{"second"});

    // Truncated in place (copytruncate), then written again.
    std::filesystem::resize_file(m_file, 0);
    auto chunk = reader.read(1024, false);
    QVERIFY(chunk.reset);
    QVERIFY(chunk.lines.empty());
    write("after truncation\n", std::ios::app);
    chunk = reader.read(1024, false);
    QVERIFY(!chunk.reset);
    QCOMPARE(chunk.lines, std::vector<std::string>{"after truncation"});

    // Rotated: the old file gets its last line, then the new one is read from its start.
    write("last of the old\n", std::ios::app);
    std::filesystem::rename(m_file, m_dir->path() / "blue-1.log.1");
    write("new file\n");
    chunk = reader.read(1024, false);
    QVERIFY(!chunk.reset);
    QCOMPARE(chunk.lines, std::vector<std::string>{"last of the old"});
    chunk = reader.read(1024, false);
    QVERIFY(chunk.reset);
    QCOMPARE(chunk.lines, std::vector<std::string>{"new file"});
    chunk = reader.read(1024, false);
    QVERIFY(!chunk.reset);
    QVERIFY(chunk.atEnd);
    QVERIFY(chunk.lines.empty());
}

void DeploymentLogTest::pathsAreOnlyTheDriversInstances() {
    std::filesystem::create_directories(m_dir->path() / "shop");
    std::ofstream(m_dir->path() / "shop" / "green-12.log") << "x\n";
    auto found = deploymentLogPath(m_dir->path(), "shop", "shop-green-12");
    QVERIFY2(found.isOk(), found.status().message().c_str());
    QCOMPARE(*found, m_dir->path() / "shop" / "green-12.log");
    for (const char *id : {"shop-green-3", "shop-green-012", "shop-red-1", "shop-green-",
                           "shop-green-1x", "other-green-12", "shop-green-12/../x"}) {
        const auto refused = deploymentLogPath(m_dir->path(), "shop", id);
        QCOMPARE(refused.status().code(), StatusCode::NotFound);
        QVERIFY2(refused.status().message().find(std::string("'") + id) != std::string::npos,
                 refused.status().message().c_str());
    }
    QCOMPARE(deploymentLogPath(m_dir->path(), "../shop", "x").status().code(),
             StatusCode::InvalidArgument);
}

QTEST_GUILESS_MAIN(DeploymentLogTest)
#include "tst_deployment_log.moc"
