// aegisctl's config commands end to end: the real aegisctl binary against a real aegisd, checked
// by exit codes, stdout and stderr.

#include "aegisctl_fixture.h"
#include "poll_until.h"

#include <nlohmann/json.hpp>

#include <QtTest>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

using namespace std::chrono_literals;
using aegis::testing::Args;
using aegis::testing::BackgroundCommand;
using aegis::testing::CommandResult;
using aegis::testing::describe;
using aegis::testing::jsonInt;
using aegis::testing::lines;
using aegis::testing::pollUntil;
using aegis::testing::TempDir;
using nlohmann::json;

namespace {

// A table with its relative times ("12s ago") and column padding taken out, to compare two
// listings made a moment apart.
std::string withoutAges(const std::string &table) {
    // A listing within a second of the change says "just now", a later one "1s ago".
    static const std::regex age("[0-9][0-9dhms]* ago|just now");
    static const std::regex padding(" +");
    return std::regex_replace(std::regex_replace(table, age, "ago"), padding, " ");
}

bool contains(const std::string &text, const std::string &part) {
    return text.find(part) != std::string::npos;
}

// The line of `text` that contains `part`; empty when none does.
std::string lineWith(const std::string &text, const std::string &part) {
    for (const auto &line : lines(text)) {
        if (contains(line, part)) {
            return line;
        }
    }
    return {};
}

std::vector<std::string> words(const std::string &line) {
    std::vector<std::string> result;
    std::istringstream in(line);
    for (std::string word; in >> word;) {
        result.push_back(word);
    }
    return result;
}

// The value column of a FIELD/VALUE table's row `field`.
std::string fieldValue(const std::string &table, const std::string &field) {
    for (const auto &line : lines(table)) {
        if (line.starts_with(field + " ")) {
            const auto value = line.find_first_not_of(' ', field.size());
            return value == std::string::npos ? std::string() : line.substr(value);
        }
    }
    return {};
}

const std::string kAppJson = "{\n  \"timeout_ms\": 500,\n  \"retries\": 2\n}\n";
const std::string kAppJson2 = "{\n  \"timeout_ms\": 800,\n  \"retries\": 2\n}\n";

} // namespace

class TestAegisctlConfig : public QObject, private aegis::testing::AegisctlFixture {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();

    void putCreatesAndGetReadsBack();
    void putFromFileAndStdin();
    void listShowsItems();
    void staleBaseVersionIsAborted();
    void invalidJsonNamesTheLine();
    void historyAndDiff();
    void rollbackRestoresAnEarlierVersion();
    void grayStartPromoteCancel();
    void approvalFlow();
    void secretIsMaskedForViewers();
    void exportThenImportIntoAnotherNamespace();
    void appliedWithoutAcknowledgements();
    void watchSeesLivePut();
    void promoteShortFormAndDelete();
    void controlCharactersAreEscaped();
    void usageErrors_data();
    void usageErrors();
    void help_data();
    void help();

private:
    std::string writeFile(const std::string &name, const std::string &content) const;
    std::string createToken(const std::string &name, const std::string &role);
    std::int64_t versionOf(const std::string &item, const std::string &token = {}) const;

    std::unique_ptr<TempDir> m_files;
};

void TestAegisctlConfig::initTestCase() {
    startDaemon();
    m_files = std::make_unique<TempDir>();
}

void TestAegisctlConfig::cleanupTestCase() {
    stopDaemon();
    m_files.reset();
}

std::string TestAegisctlConfig::writeFile(const std::string &name,
                                          const std::string &content) const {
    const auto path = m_files->path() / name;
    std::ofstream(path, std::ios::binary) << content;
    return path.string();
}

std::string TestAegisctlConfig::createToken(const std::string &name, const std::string &role) {
    const auto created = ctlJson({"tokens", "create", name, "--role", role});
    return created.is_object() ? created.value("secret", "") : std::string();
}

std::int64_t TestAegisctlConfig::versionOf(const std::string &item,
                                           const std::string &token) const {
    const auto got = ctlJson({"config", "get", item}, token);
    return got.is_object() ? jsonInt(got.at("item").at("version")) : -1;
}

void TestAegisctlConfig::putCreatesAndGetReadsBack() {
    const auto put =
        ctl({"config", "put", "shop/checkout/app.json", "--content", kAppJson, "--comment",
             "first cut", "--label", "team=payments", "--description", "checkout settings"});
    CHECK_EXIT(put, 0);
    QVERIFY2(contains(put.out, "Created shop/checkout/app.json version 1 (json"), put.out.c_str());
    // No --format: guessed from the extension, and said so.
    QVERIFY2(contains(put.out, "from the key's extension"), put.out.c_str());

    const auto got = ctl({"config", "get", "shop/checkout/app.json"});
    CHECK_EXIT(got, 0);
    QCOMPARE(fieldValue(got.out, "version"), std::string("1"));
    QCOMPARE(fieldValue(got.out, "format"), std::string("json"));
    QCOMPARE(fieldValue(got.out, "comment"), std::string("first cut"));
    QCOMPARE(fieldValue(got.out, "labels"), std::string("team=payments"));
    QCOMPARE(fieldValue(got.out, "description"), std::string("checkout settings"));
    QCOMPARE(fieldValue(got.out, "secret"), std::string("no"));
    QCOMPARE(fieldValue(got.out, "gray"), std::string("no"));
    QVERIFY2(!fieldValue(got.out, "author").empty(), got.out.c_str());
    const auto updated = fieldValue(got.out, "updated");
    QVERIFY2(contains(updated, "just now") || contains(updated, "ago"), got.out.c_str());
    QVERIFY2(got.out.ends_with("\n" + kAppJson), got.out.c_str());

    // --raw is the content byte for byte, for `> file`.
    const auto raw = ctl({"config", "get", "shop/checkout/app.json", "--raw"});
    CHECK_EXIT(raw, 0);
    QCOMPARE(raw.out, kAppJson);
    QVERIFY(raw.err.empty());

    const auto asJson = ctlJson({"config", "get", "shop/checkout/app.json"});
    QVERIFY(asJson.is_object());
    const auto &item = asJson.at("item");
    QCOMPARE(item.at("content").get<std::string>(), kAppJson);
    QCOMPARE(item.at("format").get<std::string>(), std::string("CONFIG_FORMAT_JSON"));
    QCOMPARE(jsonInt(item.at("version")), std::int64_t(1));
    QCOMPARE(item.at("ref").at("namespace").get<std::string>(), std::string("shop"));
    QCOMPARE(item.at("labels").at("team").get<std::string>(), std::string("payments"));

    // Without --base-version it publishes over the version it read first, and says so; the
    // attributes not given stay.
    const auto second = ctl({"config", "put", "shop/checkout/app.json", "--content", kAppJson2,
                             "--comment", "slower backend"});
    CHECK_EXIT(second, 0);
    QVERIFY2(contains(second.out, "Published shop/checkout/app.json version 2"),
             second.out.c_str());
    QVERIFY2(contains(second.out, "over version 1, the current one when read"), second.out.c_str());
    const auto after = ctlJson({"config", "get", "shop/checkout/app.json"});
    QCOMPARE(after.at("item").at("labels").at("team").get<std::string>(), std::string("payments"));
    QCOMPARE(after.at("item").at("description").get<std::string>(),
             std::string("checkout settings"));

    // An earlier version by number.
    const auto first = ctl({"config", "get", "shop/checkout/app.json", "--version", "1", "--raw"});
    CHECK_EXIT(first, 0);
    QCOMPARE(first.out, kAppJson);
    const auto firstTable = ctl({"config", "get", "shop/checkout/app.json", "--version", "1"});
    CHECK_EXIT(firstTable, 0);
    QCOMPARE(fieldValue(firstTable.out, "kind"), std::string("publish"));
    QCOMPARE(fieldValue(firstTable.out, "comment"), std::string("first cut"));

    const auto missing = ctl({"config", "get", "shop/checkout/nothing.json"});
    CHECK_EXIT(missing, 1);
    QVERIFY2(missing.err.starts_with("error: NOT_FOUND: "), missing.err.c_str());
    QVERIFY(missing.out.empty());
}

void TestAegisctlConfig::putFromFileAndStdin() {
    const std::string yaml = "pool:\n  size: 8\n";
    const auto file = writeFile("db.yaml", yaml);
    const auto fromFile =
        ctl({"config", "put", "shop/checkout/db.yaml", "--file", file, "--comment", "pool size"});
    CHECK_EXIT(fromFile, 0);
    QVERIFY2(contains(fromFile.out, "version 1 (yaml"), fromFile.out.c_str());
    QCOMPARE(ctl({"config", "get", "shop/checkout/db.yaml", "--raw"}).out, yaml);

    // "-" reads standard input; --format overrides the guess.
    const std::string properties = "log.level=info\nlog.format=json\n";
    const auto input = writeFile("logging.input", properties);
    Args argv = {"/bin/sh", "-c", "exec \"$0\" \"$@\" < \"$AEGIS_TEST_INPUT\""};
    for (const auto &arg : withConnection({"config", "put", "shop/web/logging", "-", "--format",
                                           "properties", "--comment", "from stdin"})) {
        argv.push_back(arg);
    }
    ::setenv("AEGIS_TEST_INPUT", input.c_str(), 1);
    const auto fromStdin = aegis::testing::runCommand(argv);
    ::unsetenv("AEGIS_TEST_INPUT");
    CHECK_EXIT(fromStdin, 0);
    QVERIFY2(contains(fromStdin.out, "version 1 (properties"), fromStdin.out.c_str());
    QVERIFY2(!contains(fromStdin.out, "extension"), fromStdin.out.c_str());
    QCOMPARE(ctl({"config", "get", "shop/web/logging", "--raw"}).out, properties);
    // --force-latest publishes over whatever is current (here, with no one racing it).
    const auto forced =
        ctl({"config", "put", "shop/web/logging", "--content", properties + "log.color=off\n",
             "--comment", "no colour", "--force-latest"});
    CHECK_EXIT(forced, 0);
    QVERIFY2(contains(forced.out, "Published shop/web/logging version 2"), forced.out.c_str());

    // No extension and no --format: text.
    CHECK_EXIT(ctl({"config", "put", "shop/web/motd", "--content", "hello", "--comment", "hi"}), 0);
    QCOMPARE(ctlJson({"config", "get", "shop/web/motd"}).at("item").at("format"),
             json("CONFIG_FORMAT_TEXT"));

    const auto unreadable = ctl({"config", "put", "shop/web/motd", "--file",
                                 (m_files->path() / "missing.txt").string(), "--comment", "x"});
    CHECK_EXIT(unreadable, 1);
    QVERIFY2(unreadable.err.starts_with("error: cannot read "), unreadable.err.c_str());
}

void TestAegisctlConfig::listShowsItems() {
    const auto listed = ctl({"config", "list", "shop"});
    CHECK_EXIT(listed, 0);
    const auto rows = lines(listed.out);
    QCOMPARE(rows.size(), std::size_t(5));
    for (const char *column :
         {"GROUP", "KEY", "FORMAT", "VERSION", "AUTHOR", "UPDATED", "SECRET", "GRAY"}) {
        QVERIFY2(contains(rows[0], column), rows[0].c_str());
    }
    // By group, then key.
    QVERIFY2(contains(rows[1], "checkout") && contains(rows[1], "app.json"), listed.out.c_str());
    const auto app = lineWith(listed.out, "app.json");
    QVERIFY2(contains(app, "json") && contains(app, " 2 "), app.c_str());
    QVERIFY2(contains(lineWith(listed.out, "logging"), "properties"), listed.out.c_str());

    const auto group = ctl({"config", "list", "shop", "web"});
    CHECK_EXIT(group, 0);
    QCOMPARE(lines(group.out).size(), std::size_t(3));
    QVERIFY(lineWith(group.out, "app.json").empty());
    // NAMESPACE/GROUP works too.
    QCOMPARE(withoutAges(ctl({"config", "list", "shop/web"}).out), withoutAges(group.out));

    const auto asJson = ctlJson({"config", "list", "shop", "checkout"});
    QVERIFY(asJson.is_object());
    QCOMPARE(asJson.at("items").size(), std::size_t(2));
    QCOMPARE(asJson.at("items")[0].at("ref").at("key").get<std::string>(), std::string("app.json"));

    const auto empty = ctl({"config", "list", "nothing-here"});
    CHECK_EXIT(empty, 0);
    QCOMPARE(lines(empty.out).size(), std::size_t(1));
    QVERIFY2(contains(empty.err, "no items"), empty.err.c_str());
}

void TestAegisctlConfig::staleBaseVersionIsAborted() {
    const auto current = versionOf("shop/checkout/app.json");
    QVERIFY(current >= 2);
    const auto stale =
        ctl({"config", "put", "shop/checkout/app.json", "--content", kAppJson, "--comment",
             "edited from an old copy", "--base-version", std::to_string(current - 1)});
    CHECK_EXIT(stale, 1);
    QVERIFY2(stale.err.starts_with("error: ABORTED: "), stale.err.c_str());
    // The server's message: the version now, who published it, the version started from.
    QVERIFY2(contains(stale.err, "is at version " + std::to_string(current)), stale.err.c_str());
    QVERIFY2(contains(stale.err, "slower backend"), stale.err.c_str());
    // And what to look at before trying again.
    QVERIFY2(contains(stale.err, "hint: see what changed with 'aegisctl config diff "
                                 "shop/checkout/app.json " +
                                     std::to_string(current - 1) + " " + std::to_string(current) +
                                     "'"),
             stale.err.c_str());
    QVERIFY2(contains(stale.err, "--base-version " + std::to_string(current)), stale.err.c_str());
    QVERIFY(stale.out.empty());
    QCOMPARE(versionOf("shop/checkout/app.json"), current);

    // --base-version 0 is "create": the item exists, so that is a conflict too.
    const auto create = ctl({"config", "put", "shop/checkout/app.json", "--content", kAppJson,
                             "--comment", "again", "--base-version", "0"});
    CHECK_EXIT(create, 1);
    QVERIFY2(create.err.starts_with("error: ABORTED: "), create.err.c_str());

    // The right one publishes.
    const auto right =
        ctlJson({"config", "put", "shop/checkout/app.json", "--content", kAppJson2, "--comment",
                 "reviewed", "--base-version", std::to_string(current)});
    QVERIFY(right.is_object());
    QCOMPARE(jsonInt(right.at("item").at("version")), current + 1);
}

void TestAegisctlConfig::invalidJsonNamesTheLine() {
    const auto file = writeFile("broken.json", "{\n  \"timeout_ms\": 500,\n  \"retries\": ,\n}\n");
    const auto before = versionOf("shop/checkout/app.json");
    const auto result =
        ctl({"config", "put", "shop/checkout/app.json", "--file", file, "--comment", "typo"});
    CHECK_EXIT(result, 1);
    QVERIFY2(result.err.starts_with("error: INVALID_ARGUMENT: "), result.err.c_str());
    QVERIFY2(contains(result.err, "line 3"), result.err.c_str());
    QVERIFY2(contains(result.err, "column"), result.err.c_str());
    QVERIFY(result.out.empty());
    QCOMPARE(versionOf("shop/checkout/app.json"), before);
}

void TestAegisctlConfig::historyAndDiff() {
    const auto history = ctl({"config", "history", "shop/checkout/app.json"});
    CHECK_EXIT(history, 0);
    const auto rows = lines(history.out);
    QCOMPARE(rows.size(), std::size_t(4));
    for (const char *column : {"VERSION", "KIND", "AUTHOR", "TIME", "COMMENT", "SHA256"}) {
        QVERIFY2(contains(rows[0], column), rows[0].c_str());
    }
    QVERIFY2(rows[1].starts_with("3 ") && contains(rows[1], "reviewed"), history.out.c_str());
    QVERIFY2(rows[2].starts_with("2 ") && contains(rows[2], "slower backend"), history.out.c_str());
    QVERIFY2(rows[3].starts_with("1 ") && contains(rows[3], "publish"), history.out.c_str());

    const auto asJson = ctlJson({"config", "history", "shop/checkout/app.json"});
    const auto &versions = asJson.at("versions");
    QCOMPARE(versions.size(), std::size_t(3));
    QVERIFY(rows[3].find(versions[2].at("contentSha256").get<std::string>().substr(0, 12)) !=
            std::string::npos);

    const auto limited = ctl({"config", "history", "shop/checkout/app.json", "--limit", "1"});
    CHECK_EXIT(limited, 0);
    QCOMPARE(lines(limited.out).size(), std::size_t(2));
    QVERIFY2(contains(limited.err, "--limit"), limited.err.c_str());

    const auto diff = ctl({"config", "diff", "shop/checkout/app.json", "1", "2"});
    CHECK_EXIT(diff, 0);
    QVERIFY2(contains(diff.out, "--- v1"), diff.out.c_str());
    QVERIFY2(contains(diff.out, "+++ v2"), diff.out.c_str());
    QVERIFY2(contains(diff.out, "\n-  \"timeout_ms\": 500,"), diff.out.c_str());
    QVERIFY2(contains(diff.out, "\n+  \"timeout_ms\": 800,"), diff.out.c_str());
    // Not a terminal: no colour.
    QVERIFY2(!contains(diff.out, "\033["), diff.out.c_str());
    const auto coloured =
        ctl({"config", "diff", "shop/checkout/app.json", "v1", "v2", "--color", "always"});
    CHECK_EXIT(coloured, 0);
    QVERIFY2(contains(coloured.out, "\033[32m+  \"timeout_ms\": 800,"), coloured.out.c_str());

    const auto diffJson = ctlJson({"config", "diff", "shop/checkout/app.json", "1", "2"});
    QCOMPARE(diffJson.at("addedLines").get<int>(), 1);
    QCOMPARE(diffJson.at("removedLines").get<int>(), 1);

    const auto same = ctl({"config", "diff", "shop/checkout/app.json", "2", "3"});
    CHECK_EXIT(same, 0);
    QVERIFY(same.out.empty());
    QVERIFY2(contains(same.err, "same content"), same.err.c_str());

    const auto noSuchVersion = ctl({"config", "diff", "shop/checkout/app.json", "1", "99"});
    CHECK_EXIT(noSuchVersion, 1);
    QVERIFY2(noSuchVersion.err.starts_with("error: NOT_FOUND: "), noSuchVersion.err.c_str());
}

void TestAegisctlConfig::rollbackRestoresAnEarlierVersion() {
    const auto before = versionOf("shop/checkout/app.json");
    const auto rolled = ctl({"config", "rollback", "shop/checkout/app.json", "--to", "1",
                             "--comment", "500ms was fine"});
    CHECK_EXIT(rolled, 0);
    QVERIFY2(contains(rolled.out, "back to the content of version 1: published as version " +
                                      std::to_string(before + 1)),
             rolled.out.c_str());
    QCOMPARE(ctl({"config", "get", "shop/checkout/app.json", "--raw"}).out, kAppJson);
    const auto history = ctl({"config", "history", "shop/checkout/app.json", "--limit", "1"});
    QVERIFY2(contains(lines(history.out).at(1), "rollback to v1"), history.out.c_str());

    const auto stale = ctl({"config", "rollback", "shop/checkout/app.json", "--to", "2",
                            "--comment", "x", "--base-version", std::to_string(before)});
    CHECK_EXIT(stale, 1);
    QVERIFY2(stale.err.starts_with("error: ABORTED: "), stale.err.c_str());

    const auto missing =
        ctl({"config", "rollback", "shop/checkout/app.json", "--to", "99", "--comment", "x"});
    CHECK_EXIT(missing, 1);
    QVERIFY2(missing.err.starts_with("error: NOT_FOUND: "), missing.err.c_str());
}

void TestAegisctlConfig::grayStartPromoteCancel() {
    const std::string item = "shop/checkout/app.json";
    const auto published = versionOf(item);
    const std::string grayContent = "{\n  \"timeout_ms\": 650,\n  \"retries\": 3\n}\n";
    const auto started = ctl({"config", "gray", "start", item, "--content", grayContent,
                              "--instances", "web-1,web-2", "--comment", "try 650ms"});
    CHECK_EXIT(started, 0);
    QVERIFY2(contains(started.out, "Started gray version " + std::to_string(published + 1)),
             started.out.c_str());
    QVERIFY2(contains(started.out, "instances web-1,web-2"), started.out.c_str());
    QVERIFY2(contains(started.out, "config gray promote " + item), started.out.c_str());

    const auto got = ctl({"config", "get", item});
    QVERIFY2(contains(fieldValue(got.out, "gray"),
                      "in progress: version " + std::to_string(published + 1)),
             got.out.c_str());
    // The published content is unchanged meanwhile.
    QCOMPARE(fieldValue(got.out, "version"), std::to_string(published));
    QVERIFY2(contains(lineWith(ctl({"config", "list", "shop", "checkout"}).out, "app.json"),
                      "v" + std::to_string(published + 1) + " to instances"),
             "list shows the gray marker");

    // A targeted instance's watch gets the gray content; another gets the published one.
    const auto targeted = ctl({"config", "watch", item, "--service", "web", "--instance", "web-1",
                               "--count", "1", "--for", "20s", "--content", "-o", "json"});
    CHECK_EXIT(targeted, 0);
    const auto event = json::parse(lines(targeted.out).at(0));
    QCOMPARE(event.at("gray").get<bool>(), true);
    QCOMPARE(event.at("snapshot").get<bool>(), true);
    QCOMPARE(event.at("content").get<std::string>(), grayContent);
    const auto other = ctl({"config", "watch", item, "--service", "web", "--instance", "web-9",
                            "--count", "1", "--for", "20s"});
    CHECK_EXIT(other, 0);
    const auto row = lines(other.out).at(1);
    QVERIFY2(contains(row, "CURRENT") && contains(row, item) && !contains(row, "gray"),
             other.out.c_str());

    // One gray release at a time.
    const auto twice = ctl({"config", "gray", "start", item, "--content", grayContent, "--percent",
                            "10", "--comment", "again"});
    CHECK_EXIT(twice, 1);
    QVERIFY2(twice.err.starts_with("error: FAILED_PRECONDITION: "), twice.err.c_str());

    const auto promoted = ctl({"config", "gray", "promote", item, "--comment", "looks good"});
    CHECK_EXIT(promoted, 0);
    QVERIFY2(
        contains(promoted.out, "every instance now gets version " + std::to_string(published + 2)),
        promoted.out.c_str());
    QCOMPARE(ctl({"config", "get", item, "--raw"}).out, grayContent);
    QCOMPARE(fieldValue(ctl({"config", "get", item}).out, "gray"), std::string("no"));
    const auto history = lines(ctl({"config", "history", item, "--limit", "2"}).out);
    QVERIFY2(contains(history.at(1), "promotion of v" + std::to_string(published + 1)),
             history.at(1).c_str());
    QVERIFY2(contains(history.at(2), "gray"), history.at(2).c_str());

    // Cancel: back to the published version.
    CHECK_EXIT(ctl({"config", "gray", "start", item, "--content", kAppJson, "--selector", "zone=b",
                    "--comment", "zone b first"}),
               0);
    const auto cancelled = ctl({"config", "gray", "cancel", item});
    CHECK_EXIT(cancelled, 0);
    QVERIFY2(contains(cancelled.out, "go back to version " + std::to_string(published + 2)),
             cancelled.out.c_str());
    QCOMPARE(ctl({"config", "get", item, "--raw"}).out, grayContent);
    const auto none = ctl({"config", "gray", "cancel", item});
    CHECK_EXIT(none, 1);
    QVERIFY2(none.err.starts_with("error: FAILED_PRECONDITION: "), none.err.c_str());
}

void TestAegisctlConfig::approvalFlow() {
    const auto alice = createToken("alice", "operator");
    const auto bob = createToken("bob", "operator");
    QVERIFY(!alice.empty() && !bob.empty());

    // Only admins change namespace settings.
    const auto denied = ctl({"config", "namespace", "guarded", "--require-approval", "true"}, bob);
    CHECK_EXIT(denied, 1);
    QVERIFY2(denied.err.starts_with("error: PERMISSION_DENIED: "), denied.err.c_str());
    const auto set = ctl({"config", "namespace", "guarded", "--require-approval", "true",
                          "--description", "four eyes"});
    CHECK_EXIT(set, 0);
    QVERIFY2(contains(fieldValue(set.out, "require approval"), "yes"), set.out.c_str());
    // Only what is given changes.
    const auto shown =
        ctl({"config", "namespace", "guarded", "--description", "four eyes, always"});
    CHECK_EXIT(shown, 0);
    QVERIFY2(contains(fieldValue(shown.out, "require approval"), "yes"), shown.out.c_str());
    QCOMPARE(fieldValue(shown.out, "description"), std::string("four eyes, always"));

    const auto put = ctl({"config", "put", "guarded/payments/limits.json", "--content",
                          "{\"max\": 100}", "--comment", "initial limits"},
                         alice);
    CHECK_EXIT(put, 0);
    QVERIFY2(contains(put.out, "requires approval"), put.out.c_str());
    QVERIFY2(contains(put.out, "aegisctl config approve guarded "), put.out.c_str());
    const auto proposed = ctlJson({"config", "proposals", "guarded"});
    QVERIFY(proposed.is_object());
    QCOMPARE(proposed.at("proposals").size(), std::size_t(1));
    const auto id = proposed.at("proposals")[0].at("id").get<std::string>();
    QVERIFY2(contains(put.out, "proposal " + id), put.out.c_str());
    // Nothing published yet.
    CHECK_EXIT(ctl({"config", "get", "guarded/payments/limits.json"}), 1);

    const auto listed = ctl({"config", "proposals", "guarded"});
    CHECK_EXIT(listed, 0);
    const auto row = lineWith(listed.out, id);
    QVERIFY2(contains(row, "pending") && contains(row, "alice") &&
                 contains(row, "payments/limits.json (new)") && contains(row, "initial limits"),
             listed.out.c_str());

    const auto own = ctl({"config", "approve", "guarded", id}, alice);
    CHECK_EXIT(own, 1);
    QVERIFY2(own.err.starts_with("error: PERMISSION_DENIED: "), own.err.c_str());
    QVERIFY2(contains(own.err, "other than its proposer"), own.err.c_str());

    const auto approved =
        ctl({"config", "approve", "guarded", id, "--reason", "limits agreed"}, bob);
    CHECK_EXIT(approved, 0);
    QVERIFY2(contains(approved.out, "Approved proposal " + id), approved.out.c_str());
    QVERIFY2(contains(approved.out, "guarded/payments/limits.json version 1"),
             approved.out.c_str());
    QCOMPARE(ctl({"config", "get", "guarded/payments/limits.json", "--raw"}).out,
             std::string("{\"max\": 100}"));
    // The reason is in the approval's audit record.
    const auto audited = ctl({"audit", "list", "--method", "ApproveProposal", "--outcome", "ok"});
    CHECK_EXIT(audited, 0);
    QVERIFY2(contains(audited.out, "approve: limits agreed"), audited.out.c_str());
    const auto again = ctl({"config", "approve", "guarded", id}, bob);
    CHECK_EXIT(again, 1);
    QVERIFY2(again.err.starts_with("error: FAILED_PRECONDITION: "), again.err.c_str());

    // A second proposal, rejected.
    CHECK_EXIT(ctl({"config", "put", "guarded/payments/limits.json", "--content", "{\"max\": 1e9}",
                    "--comment", "no limits"},
                   alice),
               0);
    const auto pending = ctlJson({"config", "proposals", "guarded"});
    QCOMPARE(pending.at("proposals").size(), std::size_t(1));
    const auto second = pending.at("proposals")[0].at("id").get<std::string>();
    QVERIFY(second != id);
    const auto rejected =
        ctl({"config", "reject", "guarded", second, "--reason", "far too high"}, bob);
    CHECK_EXIT(rejected, 0);
    QVERIFY2(contains(rejected.out, "Rejected proposal " + second), rejected.out.c_str());
    QCOMPARE(versionOf("guarded/payments/limits.json"), std::int64_t(1));

    const auto none = ctl({"config", "proposals", "guarded"});
    CHECK_EXIT(none, 0);
    QVERIFY2(contains(none.err, "no pending proposals"), none.err.c_str());
    const auto all = ctl({"config", "proposals", "guarded", "--all"});
    CHECK_EXIT(all, 0);
    QVERIFY2(contains(lineWith(all.out, id), "approved") && contains(lineWith(all.out, id), "bob"),
             all.out.c_str());
    QVERIFY2(contains(lineWith(all.out, second), "rejected"), all.out.c_str());

    const auto unknown = ctl({"config", "approve", "guarded", "p-nope"}, bob);
    CHECK_EXIT(unknown, 1);
    QVERIFY2(unknown.err.starts_with("error: NOT_FOUND: "), unknown.err.c_str());

    // An import becomes a proposal there too, and says which.
    const auto bundle = writeFile("banner.yaml", "namespace: elsewhere\nitems:\n  - group: web\n"
                                                 "    key: banner\n    format: text\n"
                                                 "    content: hello\n");
    const auto imported =
        ctl({"config", "import", "guarded", "--file", bundle, "--comment", "banner"}, alice);
    CHECK_EXIT(imported, 0);
    QVERIFY2(contains(imported.out, "requires approval"), imported.out.c_str());
    QVERIFY2(contains(imported.out, "guarded/web/banner (new)"), imported.out.c_str());
    const auto importProposal = ctlJson({"config", "proposals", "guarded"});
    QCOMPARE(importProposal.at("proposals").size(), std::size_t(1));
    QVERIFY2(contains(imported.out,
                      "proposal " + importProposal.at("proposals")[0].at("id").get<std::string>()),
             imported.out.c_str());
}

void TestAegisctlConfig::secretIsMaskedForViewers() {
    const auto put = ctl({"config", "put", "vault/payments/api-key", "--content", "s3cr3t",
                          "--comment", "rotate", "--secret"});
    CHECK_EXIT(put, 0);
    const auto viewer = createToken("auditor", "viewer");
    QVERIFY(!viewer.empty());

    const auto got = ctl({"config", "get", "vault/payments/api-key"}, viewer);
    CHECK_EXIT(got, 0);
    QVERIFY2(contains(fieldValue(got.out, "secret"), "masked"), got.out.c_str());
    QVERIFY2(got.out.ends_with("\n********\n"), got.out.c_str());
    QVERIFY2(!contains(got.out, "s3cr3t"), got.out.c_str());
    const auto asJson = ctlJson({"config", "get", "vault/payments/api-key"}, viewer);
    QCOMPARE(asJson.at("item").at("masked").get<bool>(), true);
    QCOMPARE(asJson.at("item").at("content").get<std::string>(), std::string("********"));
    // --raw refuses rather than write the mask into someone's file.
    const auto raw = ctl({"config", "get", "vault/payments/api-key", "--raw"}, viewer);
    CHECK_EXIT(raw, 1);
    QVERIFY(raw.out.empty());
    QVERIFY2(raw.err.starts_with("error: PERMISSION_DENIED: "), raw.err.c_str());
    // Viewers cannot publish either.
    const auto write = ctl(
        {"config", "put", "vault/payments/api-key", "--content", "x", "--comment", "x"}, viewer);
    CHECK_EXIT(write, 1);
    QVERIFY2(write.err.starts_with("error: PERMISSION_DENIED: "), write.err.c_str());

    QCOMPARE(ctl({"config", "get", "vault/payments/api-key", "--raw"}).out, std::string("s3cr3t"));
    // Updating the content keeps the item secret.
    CHECK_EXIT(ctl({"config", "put", "vault/payments/api-key", "--content", "n3w", "--comment",
                    "rotate again", "--description", "the payment provider's key"}),
               0);
    const auto after = ctlJson({"config", "get", "vault/payments/api-key"}, viewer);
    QCOMPARE(after.at("item").at("secret").get<bool>(), true);
    QCOMPARE(after.at("item").at("masked").get<bool>(), true);
    QVERIFY2(contains(lineWith(ctl({"config", "list", "vault"}, viewer).out, "api-key"), "yes"),
             "list marks secrets");
}

void TestAegisctlConfig::exportThenImportIntoAnotherNamespace() {
    const auto exported = ctl({"config", "export", "shop"});
    CHECK_EXIT(exported, 0);
    QVERIFY2(contains(exported.out, "namespace: shop"), exported.out.c_str());
    QVERIFY2(contains(exported.out, "key: app.json"), exported.out.c_str());
    QVERIFY2(contains(exported.out, "format: properties"), exported.out.c_str());

    const auto bundle = (m_files->path() / "shop.yaml").string();
    const auto toFile = ctl({"config", "export", "shop", "--output-file", bundle});
    CHECK_EXIT(toFile, 0);
    QVERIFY2(contains(toFile.out, "Exported namespace shop to " + bundle), toFile.out.c_str());
    std::ifstream in(bundle);
    const std::string written{std::istreambuf_iterator<char>(in), {}};
    QCOMPARE(written + (written.ends_with('\n') ? "" : "\n"), exported.out);

    const auto imported =
        ctl({"config", "import", "shop-copy", "--file", bundle, "--comment", "copy of shop"});
    CHECK_EXIT(imported, 0);
    QVERIFY2(contains(imported.out, "Imported 4 item(s) into shop-copy"), imported.out.c_str());
    const auto original = ctlJson({"config", "list", "shop"});
    const auto copy = ctlJson({"config", "list", "shop-copy"});
    QCOMPARE(copy.at("items").size(), original.at("items").size());
    for (std::size_t i = 0; i < copy.at("items").size(); ++i) {
        QCOMPARE(copy.at("items")[i].at("contentSha256"),
                 original.at("items")[i].at("contentSha256"));
        QCOMPARE(copy.at("items")[i].at("format"), original.at("items")[i].at("format"));
    }
    QCOMPARE(ctl({"config", "get", "shop-copy/checkout/app.json", "--raw"}).out,
             ctl({"config", "get", "shop/checkout/app.json", "--raw"}).out);
    const auto history = lines(ctl({"config", "history", "shop-copy/checkout/app.json"}).out);
    QVERIFY2(contains(history.at(1), "import") && contains(history.at(1), "copy of shop"),
             history.at(1).c_str());

    // Again: nothing changed.
    const auto again =
        ctl({"config", "import", "shop-copy", "--file", bundle, "--comment", "copy of shop"});
    CHECK_EXIT(again, 0);
    QVERIFY2(contains(again.out, "Nothing to import") && contains(again.out, "4 item(s)"),
             again.out.c_str());

    // Secrets are left out, and the export says so; admins may include them.
    const auto vault = ctl({"config", "export", "vault"});
    CHECK_EXIT(vault, 0);
    QVERIFY2(!contains(vault.out, "api-key"), vault.out.c_str());
    QVERIFY2(contains(vault.err, "1 secret item(s) left out"), vault.err.c_str());
    const auto secretsFile = (m_files->path() / "vault.yaml").string();
    CHECK_EXIT(
        ctl({"config", "export", "vault", "--include-secrets", "--output-file", secretsFile}), 0);
    const auto perms = std::filesystem::status(secretsFile).permissions();
    QVERIFY((perms & (std::filesystem::perms::group_all | std::filesystem::perms::others_all)) ==
            std::filesystem::perms::none);

    const auto bad = writeFile("bad.yaml", "items: [\n");
    const auto badImport =
        ctl({"config", "import", "shop-copy", "--file", bad, "--comment", "broken"});
    CHECK_EXIT(badImport, 1);
    QVERIFY2(badImport.err.starts_with("error: INVALID_ARGUMENT: "), badImport.err.c_str());
    QVERIFY2(contains(badImport.err, "line"), badImport.err.c_str());
}

void TestAegisctlConfig::appliedWithoutAcknowledgements() {
    const auto applied = ctl({"config", "applied", "shop/web/motd"});
    CHECK_EXIT(applied, 0);
    QVERIFY2(applied.out.starts_with("shop/web/motd: 0 of 0 on v1"), applied.out.c_str());
    QVERIFY2(contains(applied.err, "no instance has acknowledged"), applied.err.c_str());
    const auto asJson = ctlJson({"config", "applied", "shop/web/motd"});
    QCOMPARE(jsonInt(asJson.at("publishedVersion")), std::int64_t(1));
    const auto missing = ctl({"config", "applied", "shop/web/none"});
    CHECK_EXIT(missing, 1);
    QVERIFY2(missing.err.starts_with("error: NOT_FOUND: "), missing.err.c_str());
}

void TestAegisctlConfig::watchSeesLivePut() {
    BackgroundCommand watch(withConnection({"config", "watch", "shop/web"}));
    // The header comes with the first message: the current content of each item.
    QVERIFY2(pollUntil([&] { return contains(watch.out(), "shop/web/motd"); }),
             watch.describe().c_str());
    QVERIFY2(watch.out().starts_with("TIME"), watch.describe().c_str());
    QVERIFY2(contains(lineWith(watch.out(), "shop/web/motd"), "CURRENT"), watch.describe().c_str());
    CHECK_EXIT(
        ctl({"config", "put", "shop/web/motd", "--content", "hello again", "--comment", "greet"}),
        0);
    // TIME (two words), REVISION, TYPE, ITEM, VERSION, GRAY, SHA256.
    auto putOf = [&](const std::string &version) {
        for (const auto &line : lines(watch.out())) {
            const auto cells = words(line);
            if (cells.size() == 8 && cells[3] == "PUT" && cells[4] == "shop/web/motd" &&
                cells[5] == version) {
                return true;
            }
        }
        return false;
    };
    QVERIFY2(pollUntil([&] { return putOf("2"); }), watch.describe().c_str());
    // Another group's change is not shown.
    CHECK_EXIT(ctl({"config", "put", "shop/checkout/db.yaml", "--content", "pool:\n  size: 9\n",
                    "--comment", "bigger"}),
               0);
    CHECK_EXIT(ctl({"config", "put", "shop/web/motd", "--content", "bye", "--comment", "bye"}), 0);
    QVERIFY2(pollUntil([&] { return putOf("3"); }), watch.describe().c_str());
    QVERIFY2(!contains(watch.out(), "db.yaml"), watch.describe().c_str());
    watch.signal(SIGTERM);
    QVERIFY2(pollUntil([&] { return watch.exited(); }), watch.describe().c_str());
    QVERIFY2(watch.exitCode() == 0, watch.describe().c_str());

    // Replaying from a revision: the changes since, no snapshot.
    const auto motd = ctlJson({"config", "history", "shop/web/motd"});
    const auto revision = jsonInt(motd.at("versions")[1].at("revision"));
    const auto replayed =
        ctl({"config", "watch", "shop/web/motd", "--from", std::to_string(revision), "--count", "2",
             "--for", "20s", "-o", "json"});
    CHECK_EXIT(replayed, 0);
    const auto events = lines(replayed.out);
    QCOMPARE(events.size(), std::size_t(2));
    QCOMPARE(jsonInt(json::parse(events[0]).at("version")), std::int64_t(2));
    QCOMPARE(json::parse(events[0]).at("snapshot").get<bool>(), false);
    QVERIFY(!json::parse(events[0]).contains("content"));
    QCOMPARE(jsonInt(json::parse(events[1]).at("version")), std::int64_t(3));
}

void TestAegisctlConfig::controlCharactersAreEscaped() {
    // Stored text that would clear the screen, retitle the window, ring the bell, return the
    // cursor and reverse what follows, if printed raw.
    const std::string content = "\x1b[2J\x1b]0;pwned\x07hello\rworld\r\nline two\n";
    const std::string rtl = "\xe2\x80\xae"; // U+202E RIGHT-TO-LEFT OVERRIDE
    const std::string description = "banner " + rtl + "txt.exe";
    auto holdsRaw = [&](const std::string &text) {
        return text.find_first_of("\x1b\x07") != std::string::npos ||
               text.find(rtl) != std::string::npos;
    };
    const auto put = ctl({"config", "put", "shop/term/banner", "--content", content, "--format",
                          "text", "--description", description, "--comment",
                          "greeting " + rtl + "gnp.exe", "--base-version", "0"});
    CHECK_EXIT(put, 0);
    QVERIFY2(!holdsRaw(put.out + put.err), describe(put).c_str());

    const auto got = ctl({"config", "get", "shop/term/banner"});
    CHECK_EXIT(got, 0);
    QVERIFY2(!holdsRaw(got.out), got.out.c_str());
    QVERIFY2(contains(got.out, "\\u001b[2J\\u001b]0;pwned\\u0007hello\\u000dworld\r\nline two"),
             got.out.c_str());
    QVERIFY2(contains(got.out, "banner \\u202etxt.exe"), got.out.c_str());
    // --raw into a pipe or file is byte for byte (a terminal would get it escaped).
    const auto raw = ctl({"config", "get", "shop/term/banner", "--raw"});
    CHECK_EXIT(raw, 0);
    QCOMPARE(raw.out, content);
    // JSON keeps the values exact (escaped the JSON way).
    const auto asJson = ctlJson({"config", "get", "shop/term/banner"});
    QVERIFY(asJson.is_object());
    QCOMPARE(asJson.at("item").value("content", ""), content);
    QCOMPARE(asJson.at("item").value("description", ""), description);

    // A message relayed from the daemon quotes the other publisher's comment: escaped too.
    const auto stale = ctl({"config", "put", "shop/term/banner", "--content", "hi", "--comment",
                            "mine", "--base-version", "0"});
    CHECK_EXIT(stale, 1);
    QVERIFY2(stale.err.starts_with("error: ABORTED: "), stale.err.c_str());
    QVERIFY2(!holdsRaw(stale.err), stale.err.c_str());
    QVERIFY2(contains(stale.err, "greeting \\u202egnp.exe"), stale.err.c_str());

    // Control characters in free text are refused where they come in, naming the field.
    const auto bell = ctl({"config", "put", "shop/term/banner", "--content", "hi", "--comment",
                           "ding\x07", "--base-version", "1"});
    CHECK_EXIT(bell, 1);
    QVERIFY2(bell.err.starts_with("error: INVALID_ARGUMENT: comment must not contain control "
                                  "characters"),
             bell.err.c_str());
    QVERIFY2(!holdsRaw(bell.err), bell.err.c_str());
    const auto label = ctl({"config", "put", "shop/term/banner", "--content", "hi", "--comment",
                            "labelled", "--label", "team=a\x1b[31mb", "--base-version", "1"});
    CHECK_EXIT(label, 1);
    QVERIFY2(contains(label.err, "labels['team'] must not contain control characters"),
             label.err.c_str());
}

void TestAegisctlConfig::usageErrors_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    const QString item = "shop/checkout/app.json";
    const QStringList put = {"config", "put", item, "--comment", "c"};
    const QStringList putText = put + QStringList{"--content", "x"};
    QTest::newRow("config needs a subcommand") << QStringList{"config"} << "needs a subcommand";
    QTest::newRow("gray needs a subcommand")
        << QStringList{"config", "gray"} << "needs a subcommand";
    QTest::newRow("unknown subcommand") << QStringList{"config", "edit"} << "unknown command";
    QTest::newRow("get without item")
        << QStringList{"config", "get"} << "missing NAMESPACE/GROUP/KEY";
    QTest::newRow("get two parts")
        << QStringList{"config", "get", "shop/app.json"} << "NAMESPACE/GROUP/KEY";
    QTest::newRow("get four parts")
        << QStringList{"config", "get", "shop/a/b/c"} << "NAMESPACE/GROUP/KEY";
    QTest::newRow("get empty part")
        << QStringList{"config", "get", "shop//app.json"} << "NAMESPACE/GROUP/KEY";
    QTest::newRow("get bad version")
        << QStringList{"config", "get", item, "--version", "latest"} << "--version";
    QTest::newRow("get zero version")
        << QStringList{"config", "get", item, "--version", "0"} << "--version";
    QTest::newRow("put without content") << put << "missing the content";
    QTest::newRow("put two contents")
        << putText + QStringList{"--file", "/dev/null"} << "more than one source";
    QTest::newRow("put content and stdin") << putText + QStringList{"-"} << "more than one source";
    QTest::newRow("put stray argument") << putText + QStringList{"extra"} << "unexpected argument";
    QTest::newRow("put without comment")
        << QStringList{"config", "put", item, "--content", "x"} << "comment";
    QTest::newRow("put bad format") << putText + QStringList{"--format", "xml"} << "--format";
    QTest::newRow("put bad base version")
        << putText + QStringList{"--base-version", "newest"} << "--base-version";
    QTest::newRow("put negative base version")
        << putText + QStringList{"--base-version=-1"} << "--base-version";
    QTest::newRow("put base version and force")
        << putText + QStringList{"--base-version", "2", "--force-latest"} << "--force-latest";
    QTest::newRow("put bad label") << putText + QStringList{"--label", "team"} << "--label";
    QTest::newRow("put duplicate label")
        << putText + QStringList{"--label", "a=1", "--label", "a=2"} << "more than once";
    QTest::newRow("list without namespace") << QStringList{"config", "list"} << "missing NAMESPACE";
    QTest::newRow("list item") << QStringList{"config", "list", item} << "NAMESPACE [GROUP]";
    QTest::newRow("history bad limit")
        << QStringList{"config", "history", item, "--limit", "0"} << "--limit";
    QTest::newRow("diff without versions") << QStringList{"config", "diff", item} << "missing FROM";
    QTest::newRow("diff without to") << QStringList{"config", "diff", item, "1"} << "missing TO";
    QTest::newRow("diff bad from") << QStringList{"config", "diff", item, "one", "2"} << "FROM";
    QTest::newRow("diff bad to") << QStringList{"config", "diff", item, "1", "2.5"} << "TO";
    QTest::newRow("diff bad color")
        << QStringList{"config", "diff", item, "1", "2", "--color", "rainbow"} << "--color";
    QTest::newRow("diff bad context")
        << QStringList{"config", "diff", item, "1", "2", "--context", "0"} << "--context";
    QTest::newRow("rollback without to")
        << QStringList{"config", "rollback", item, "--comment", "c"} << "--to";
    QTest::newRow("rollback bad to")
        << QStringList{"config", "rollback", item, "--to", "x", "--comment", "c"} << "--to";
    QTest::newRow("rollback without comment")
        << QStringList{"config", "rollback", item, "--to", "1"} << "--comment";
    QTest::newRow("watch without scope") << QStringList{"config", "watch"} << "missing NAMESPACE";
    QTest::newRow("watch bad scope")
        << QStringList{"config", "watch", "shop/a/b/c"} << "NAMESPACE[/GROUP[/KEY]]";
    QTest::newRow("watch service without instance")
        << QStringList{"config", "watch", "shop", "--service", "web"} << "--instance";
    QTest::newRow("watch bad from")
        << QStringList{"config", "watch", "shop", "--from=-1"} << "--from";
    QTest::newRow("watch bad count")
        << QStringList{"config", "watch", "shop", "--count=-1"} << "--count";
    QTest::newRow("watch bad for")
        << QStringList{"config", "watch", "shop", "--for", "ever"} << "--for";
    const QStringList gray = {"config", "gray", "start", item, "--content", "x", "--comment", "c"};
    QTest::newRow("gray without targeting") << gray << "missing the instances to target";
    QTest::newRow("gray two targetings")
        << gray + QStringList{"--percent", "10", "--selector", "a=b"} << "more than one targeting";
    QTest::newRow("gray bad percent") << gray + QStringList{"--percent", "100"} << "--percent";
    QTest::newRow("gray percent not a number")
        << gray + QStringList{"--percent", "half"} << "percent";
    QTest::newRow("gray bad instances")
        << gray + QStringList{"--instances", "a,,b"} << "--instances";
    QTest::newRow("gray without content")
        << QStringList{"config", "gray", "start", item, "--percent", "5", "--comment", "c"}
        << "missing the content";
    QTest::newRow("approve without id")
        << QStringList{"config", "approve", "guarded"} << "missing ID";
    QTest::newRow("reject without reason")
        << QStringList{"config", "reject", "guarded", "p1"} << "--reason";
    QTest::newRow("proposals with item")
        << QStringList{"config", "proposals", "shop/checkout"} << "NAMESPACE";
    QTest::newRow("namespace bad approval")
        << QStringList{"config", "namespace", "shop", "--require-approval", "maybe"}
        << "--require-approval";
    QTest::newRow("import without file")
        << QStringList{"config", "import", "shop", "--comment", "c"} << "--file";
    QTest::newRow("import without comment")
        << QStringList{"config", "import", "shop", "--file", "x.yaml"} << "--comment";
}

void TestAegisctlConfig::usageErrors() {
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    checkUsageError(args, message);
}

void TestAegisctlConfig::help_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("expected");
    QTest::newRow("general") << QStringList{"--help"} << "config put";
    QTest::newRow("config group") << QStringList{"config", "--help"} << "config gray promote";
    QTest::newRow("gray group") << QStringList{"help", "config", "gray"} << "config gray cancel";
    QTest::newRow("put") << QStringList{"config", "put", "--help"} << "--force-latest";
    QTest::newRow("watch") << QStringList{"config", "watch", "-h"} << "--instance";
    QTest::newRow("diff") << QStringList{"help", "config", "diff"} << "--color";
}

void TestAegisctlConfig::help() {
    QFETCH(QStringList, args);
    QFETCH(QString, expected);
    Args argv = {AEGISCTL_PATH};
    for (const auto &arg : args) {
        argv.push_back(arg.toStdString());
    }
    const auto result = aegis::testing::runCommand(argv);
    CHECK_EXIT(result, 0);
    QVERIFY2(contains(result.out, expected.toStdString()), result.out.c_str());
}

void TestAegisctlConfig::promoteShortFormAndDelete() {
    const std::string item = "shop/checkout/short.json";
    CHECK_EXIT(ctl({"config", "put", item, "--content", "{\"a\": 1}", "--comment", "first"}), 0);
    CHECK_EXIT(ctl({"config", "gray", "start", item, "--content", "{\"a\": 2}", "--percent", "50",
                    "--comment", "half"}),
               0);
    CHECK_EXIT(ctl({"config", "promote", item, "--comment", "all"}), 0);
    QCOMPARE(ctl({"config", "get", item, "--raw"}).out, std::string("{\"a\": 2}"));
    // A stale version refuses the deletion; the current one takes the item and its history.
    CHECK_EXIT(ctl({"config", "delete", item, "--base-version", "1"}), 1);
    const auto deleted = ctl({"config", "delete", item});
    CHECK_EXIT(deleted, 0);
    QVERIFY2(contains(deleted.out, "Deleted " + item + " at version 3"), deleted.out.c_str());
    CHECK_EXIT(ctl({"config", "get", item}), 1);
    CHECK_EXIT(ctl({"config", "history", item}), 0);
}

QTEST_GUILESS_MAIN(TestAegisctlConfig)
#include "tst_aegisctl_config.moc"
