#pragma once

#include "client/connection.h"
#include "common/status.h"

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace aegis::testing {

// A temporary directory, removed with everything in it on destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;
    const std::filesystem::path &path() const { return m_path; }

private:
    std::filesystem::path m_path;
};

struct DaemonOptions {
    // Data directory; a fresh temporary one when empty.
    std::filesystem::path dataDir;
    // gRPC listen address; "127.0.0.1:0" (a port of the kernel's choosing) when empty. To restart
    // the daemon at the address its clients already use, pass the grpcAddress() the first start
    // read from the ready file.
    std::string grpcListen;
    // Extra aegisd flags, e.g. {"--log-level", "debug"}. Without --metrics-backend
    // the daemon runs with "--metrics-backend none", without --alertmanager with
    // "--alertmanager none", without --otlp-listen with "--otlp-listen 127.0.0.1:0".
    std::vector<std::string> extraArgs;
    // Where aegisd's stderr goes; <dataDir>/aegisd.log when empty.
    std::filesystem::path logFile;
    std::chrono::milliseconds startTimeout{20000};
};

// The real aegisd binary, started on loopback port 0 with its own data directory. start() returns
// once the daemon has written its ready file, i.e. it is serving; the ports it bound are read from
// that file, so no test ever guesses a free port.
class DaemonProcess {
public:
    static StatusOr<std::unique_ptr<DaemonProcess>> start(DaemonOptions options = {});
    // Kills the daemon if it still runs.
    ~DaemonProcess();

    const std::string &grpcAddress() const { return m_grpcAddress; }
    const std::string &httpAddress() const { return m_httpAddress; }
    // The OTLP/gRPC receiver's address ("" when tracing or its listener is off).
    const std::string &otlpAddress() const { return m_otlpAddress; }
    // The xDS server's address ("" unless started with --xds-listen).
    const std::string &xdsAddress() const { return m_xdsAddress; }
    const std::filesystem::path &dataDir() const { return m_dataDir; }
    const std::filesystem::path &logFile() const { return m_logFile; }
    std::filesystem::path adminTokenFile() const { return m_dataDir / "admin.token"; }
    std::string adminToken() const;
    int pid() const { return m_pid; }

    // Connection options for the admin token.
    client::ConnectionOptions adminConnection() const;

    // Sends SIGTERM and waits up to `timeout`; returns the exit code, or -1 on timeout or signal.
    int terminate(std::chrono::milliseconds timeout = std::chrono::milliseconds(20000));
    // Sends SIGKILL and reaps the process.
    void kill();
    bool running() const { return m_pid > 0; }

private:
    DaemonProcess() = default;
    std::unique_ptr<TempDir> m_ownedDir;
    std::filesystem::path m_dataDir;
    std::filesystem::path m_logFile;
    std::string m_grpcAddress;
    std::string m_httpAddress;
    std::string m_otlpAddress;
    std::string m_xdsAddress;
    int m_pid = -1;
};

// The daemon's gRPC streams of `method` (e.g. "/aegis.v1.WatchService/Watch") open now, from
// aegis_grpc_streams_open on its /metrics; -1 when the scrape failed.
double grpcStreamsOpen(const DaemonProcess &daemon, const std::string &method);

// The value of the unlabelled series `series` (e.g. "aegis_watch_delivery_seconds_count") on the
// daemon's /metrics; -1 when the scrape failed or the series is absent.
double scrapedValue(const DaemonProcess &daemon, const std::string &series);

// Runs a command to completion, capturing stdout and stderr; returns the exit code (-1 if it
// could not run or was killed).
struct CommandResult {
    int exitCode = -1;
    std::string out;
    std::string err;
};
CommandResult runCommand(const std::vector<std::string> &argv,
                         std::chrono::milliseconds timeout = std::chrono::milliseconds(30000));

} // namespace aegis::testing
