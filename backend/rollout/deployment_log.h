#pragma once

#include "common/status.h"

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace aegis::rollout {

// The limits of reading a deployment's log, shared by DeploymentLogs and its clients.
inline constexpr int kDefaultLogTailLines = 500;
inline constexpr int kMaxLogTailLines = 10000;
inline constexpr std::size_t kMaxLogFilterBytes = 1024;
// A longer line is cut there and ends with kCutMarker.
inline constexpr std::size_t kMaxLogLineBytes = 16 * 1024;
inline constexpr std::string_view kCutMarker = "… [cut]";
// How far back from the end the tail looks for its lines (matching ones, with a filter).
inline constexpr std::uint64_t kMaxTailScanBytes = 64ull * 1024 * 1024;

// The file the process driver writes the output of instance `instanceId` of `service` to:
// <logDir>/<service>/<colour>-<n>.log for the id <service>-<colour>-<n>. INVALID_ARGUMENT for a
// service name that is not one; NOT_FOUND naming the instance when the id is not of that shape or
// no such file exists (the instance never ran on this daemon's process driver).
StatusOr<std::filesystem::path> deploymentLogPath(const std::filesystem::path &logDir,
                                                  std::string_view service,
                                                  std::string_view instanceId);

// Reads one instance's log: first its last lines, then what is appended to it, line by line. It
// follows the file by name: a truncated file is read again from its start, and a file replaced
// (rotated, removed and written again) is reopened once the old one is read to its end; either is
// reported as `reset`. Memory is bounded by the chunk size the caller asks for and one line of
// kMaxLogLineBytes. Not thread-safe: one owner calls it at a time; every call does blocking file
// I/O, so a server runs it off its callback threads.
class DeploymentLogReader {
public:
    struct Chunk {
        // Complete lines (matching the filter), without their newline, valid UTF-8.
        std::vector<std::string> lines;
        // The file was truncated or replaced before these lines.
        bool reset = false;
        // Everything written so far was read.
        bool atEnd = false;
    };

    // Opens `path`; `filter` (may be empty) keeps only lines containing it. NOT_FOUND when the
    // file cannot be opened.
    static StatusOr<DeploymentLogReader> open(const std::filesystem::path &path,
                                              std::string filter);

    DeploymentLogReader(DeploymentLogReader &&other) noexcept;
    DeploymentLogReader &operator=(DeploymentLogReader &&other) noexcept;
    DeploymentLogReader(const DeploymentLogReader &) = delete;
    DeploymentLogReader &operator=(const DeploymentLogReader &) = delete;
    ~DeploymentLogReader();

    // Moves the position to the start of the last `lines` lines that match the filter (looking
    // back at most kMaxTailScanBytes); 0 moves it to the end.
    void seekTail(int lines);

    // The lines after the position, reading about `maxBytes` of the file at most. A last line
    // without its newline is held back until it is completed, unless `flushPartial` (the end of a
    // tail that is not followed).
    Chunk read(std::size_t maxBytes, bool flushPartial);

private:
    DeploymentLogReader(std::filesystem::path path, std::string filter, int fd);
    // Completes one line (cut to kMaxLogLineBytes) and adds it to `out` if it matches.
    void addLine(std::string line, bool cut, Chunk &out) const;
    // Checks for truncation or replacement at the end of the file; true when it reopened or
    // rewound.
    bool reopenIfChanged();

    std::filesystem::path m_path;
    std::string m_filter;
    int m_fd = -1;
    ino_t m_inode = 0;
    std::uint64_t m_offset = 0;
    // The start of a line whose newline has not been read yet (at most kMaxLogLineBytes).
    std::string m_partial;
    // The partial line was cut: its bytes up to the next newline are skipped.
    bool m_cutting = false;
};

// `text` as valid UTF-8: each byte that does not start or continue a valid sequence becomes
// U+FFFD.
std::string toValidUtf8(std::string_view text);

} // namespace aegis::rollout
