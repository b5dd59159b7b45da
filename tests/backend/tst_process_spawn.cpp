// spawnProcess() with and without the parent-death signal: the exit is reaped with its code, a
// program that cannot run is an error naming it, only descriptors 0-2 are inherited, and a
// dieWithParent child is killed when the thread that started it ends.

#include "common/process_spawn.h"

#include <QtTest>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

using namespace aegis;

namespace {

// Waits until the process of `pidfd` has exited, at most `timeoutMs`.
bool exited(int pidfd, int timeoutMs) {
    pollfd entry{pidfd, POLLIN, 0};
    return ::poll(&entry, 1, timeoutMs) == 1;
}

SpawnRequest shell(const std::string &script, bool dieWithParent) {
    SpawnRequest request;
    request.argv = {"/bin/sh", "-c", script};
    request.environment = environmentWith({});
    request.dieWithParent = dieWithParent;
    return request;
}

} // namespace

class ProcessSpawnTest : public QObject {
    Q_OBJECT

private slots:
    void exitCodeIsReaped_data();
    void exitCodeIsReaped();
    void missingProgramIsAnError_data();
    void missingProgramIsAnError();
    void onlyStandardDescriptorsAreInherited_data();
    void onlyStandardDescriptorsAreInherited();
    void dieWithParentEndsWithTheStartingThread();
};

void ProcessSpawnTest::exitCodeIsReaped_data() {
    QTest::addColumn<bool>("dieWithParent");
    QTest::newRow("posix_spawn") << false;
    QTest::newRow("dieWithParent") << true;
}

void ProcessSpawnTest::exitCodeIsReaped() {
    QFETCH(bool, dieWithParent);
    auto spawned = spawnProcess(shell("exit 3", dieWithParent));
    QVERIFY2(spawned.isOk(), spawned.status().message().c_str());
    QVERIFY(exited(spawned->pidfd.get(), 5000));
    const ProcessExit exit = reapProcess(spawned->pidfd.get());
    QVERIFY(exit.known);
    QCOMPARE(exit.code, 3);
}

void ProcessSpawnTest::missingProgramIsAnError_data() {
    exitCodeIsReaped_data();
}

void ProcessSpawnTest::missingProgramIsAnError() {
    QFETCH(bool, dieWithParent);
    SpawnRequest request;
    request.argv = {"/nonexistent/program"};
    request.dieWithParent = dieWithParent;
    const auto spawned = spawnProcess(request);
    QVERIFY(!spawned.isOk());
    QCOMPARE(spawned.status().code(), StatusCode::FailedPrecondition);
    QVERIFY2(spawned.status().message().find("cannot start /nonexistent/program: No such file") !=
                 std::string::npos,
             spawned.status().message().c_str());
}

void ProcessSpawnTest::onlyStandardDescriptorsAreInherited_data() {
    exitCodeIsReaped_data();
}

void ProcessSpawnTest::onlyStandardDescriptorsAreInherited() {
    QFETCH(bool, dieWithParent);
    QTemporaryDir dir;
    const std::string outputFile = dir.filePath("out").toStdString();
    const int output = ::open(outputFile.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    // Not close-on-exec: only spawnProcess() keeps it from the child.
    const int leaked = ::open("/dev/null", O_RDONLY);
    auto request = shell("ls /proc/self/fd; echo to-stderr >&2", dieWithParent);
    request.outputFd = output;
    auto spawned = spawnProcess(request);
    ::close(leaked);
    ::close(output);
    QVERIFY2(spawned.isOk(), spawned.status().message().c_str());
    QVERIFY(exited(spawned->pidfd.get(), 5000));
    QCOMPARE(reapProcess(spawned->pidfd.get()).code, 0);
    std::ifstream in(outputFile);
    std::stringstream text;
    text << in.rdbuf();
    // ls itself opens one descriptor (3) to read the directory.
    QCOMPARE(QString::fromStdString(text.str()), QString("0\n1\n2\n3\nto-stderr\n"));
}

void ProcessSpawnTest::dieWithParentEndsWithTheStartingThread() {
    StatusOr<SpawnedProcess> spawned = internalError("not started");
    std::thread starter([&] { spawned = spawnProcess(shell("exec sleep 30", true)); });
    starter.join();
    QVERIFY2(spawned.isOk(), spawned.status().message().c_str());
    QVERIFY(exited(spawned->pidfd.get(), 5000));
    const ProcessExit exit = reapProcess(spawned->pidfd.get());
    QVERIFY(exit.known);
    QCOMPARE(exit.signal, SIGKILL);
}

QTEST_GUILESS_MAIN(ProcessSpawnTest)
#include "tst_process_spawn.moc"
