#pragma once

#include "aegis/v1/common.pb.h"
#include "aegis/v1/config.pb.h"
#include "aegis/v1/registry.pb.h"

#include <google/protobuf/duration.pb.h>
#include <google/protobuf/timestamp.pb.h>

#include <chrono>
#include <initializer_list>
#include <ostream>
#include <streambuf>
#include <string>
#include <string_view>
#include <vector>

namespace aegis::cli {

// Whether escapeControls() keeps line structure: a table cell or a one-line field escapes line
// breaks too; a block of lines (a config's content, a diff) keeps "\n", "\r\n" and "\t".
enum class TextShape { OneLine, Lines };

// `text` made safe for a terminal: C0 control characters, DEL, C1 control characters
// (U+0080-U+009F) and the invisible characters that reorder text (bidirectional marks,
// embeddings, overrides and isolates such as U+202E) are written as "\u001b", "\u202e"...; a
// byte that is not UTF-8 as "\xff". Everything else passes unchanged. Every text printer of
// aegisctl goes through it (TextTable, alignedLine(), and EscapingStreamBuf for the rest), since
// stored text and the daemon's messages come from other people.
std::string escapeControls(std::string_view text, TextShape shape = TextShape::OneLine);

// A stream buffer that hands everything written to it to `target` through
// escapeControls(..., Lines), a line at a time (so no UTF-8 sequence is split): aegisctl's
// stdout and stderr, so that no printer can pass text to the terminal raw. Flushes on sync()
// and destruction. Not thread-safe.
class EscapingStreamBuf final : public std::streambuf {
public:
    explicit EscapingStreamBuf(std::streambuf &target);
    ~EscapingStreamBuf() override;
    EscapingStreamBuf(const EscapingStreamBuf &) = delete;
    EscapingStreamBuf &operator=(const EscapingStreamBuf &) = delete;

    std::streambuf &target() const { return m_target; }
    // Writes `bytes` unescaped after what is pending: for aegisctl's own styling (colours).
    void writeVerbatim(std::string_view bytes);

protected:
    int_type overflow(int_type c) override;
    std::streamsize xsputn(const char *data, std::streamsize size) override;
    int sync() override;

private:
    // Escapes and writes the complete lines pending (everything with `all`).
    void drain(bool all);

    std::streambuf &m_target;
    std::string m_pending;
};

// Writes `bytes` to `out` as they are, also when `out` escapes through an EscapingStreamBuf: for
// aegisctl's own control sequences (colours) only.
void writeStyle(std::ostream &out, std::string_view bytes);

// Writes data the user asked for byte for byte (config get --raw): as it is into a pipe or a file,
// escaped (keeping its lines) on a terminal, where it would otherwise drive the terminal.
void writeData(std::ostream &out, std::string_view bytes);

// Whether `out` ends at `target` (directly or through an EscapingStreamBuf).
bool writesTo(const std::ostream &out, const std::streambuf *target);

// Rows printed under a header with every column left-aligned to its widest cell, two spaces
// apart, the way `kubectl get` prints.
class TextTable {
public:
    explicit TextTable(std::vector<std::string> headers);
    void addRow(std::vector<std::string> cells);
    bool empty() const { return m_rows.empty(); }
    void print(std::ostream &out) const;

private:
    std::vector<std::string> m_headers;
    std::vector<std::vector<std::string>> m_rows;
};

// Cells joined on one line, each padded to its column's width (the last one not), two spaces
// apart: for output streamed line by line, which a TextTable cannot align after the fact.
std::string alignedLine(const std::vector<std::string> &cells,
                        const std::vector<std::size_t> &widths);

// `text`, or "-" when it is empty: a table cell that must not be blank.
std::string orDash(const std::string &text);

// `value` with at most `decimals` decimals, trailing zeros dropped, then `unit`: "12.5ms".
std::string trimmedFixed(double value, int decimals, const char *unit);

// A size in bytes: "512 B", "12.3 MiB".
std::string bytesText(std::uint64_t bytes);

// A duration to the second: "1h2m3s", "45s".
std::string formatDuration(const google::protobuf::Duration &duration);

// Local time "2024-05-01 14:03:12"; "-" for an unset timestamp.
std::string formatTimestamp(const google::protobuf::Timestamp &timestamp);

// Relative to `now`: "3m ago", "in 2h", "just now"; `whenUnset` for an unset timestamp.
std::string formatRelative(const google::protobuf::Timestamp &timestamp,
                           std::chrono::system_clock::time_point now,
                           const std::string &whenUnset = "-");

// Both: "2024-05-01 14:03:12 (3m ago)".
std::string whenText(const google::protobuf::Timestamp &timestamp,
                     std::chrono::system_clock::time_point now);

// "a=1,b=2" in key order, leaving out `skip`; "-" when nothing is left.
std::string labelsText(const google::protobuf::Map<std::string, std::string> &labels,
                       std::initializer_list<std::string_view> skip = {});

// "viewer", "operator", ...
std::string roleName(v1::Role role);

// "serving", "draining", "maintenance".
std::string instanceStateName(v1::InstanceState state);

// "unknown", "passing", "warning", "critical".
std::string healthStatusName(v1::HealthStatus status);

// An instance's health in one word plus its markers: "passing", "critical,flapping",
// "passing,ejected"; "-" when nothing checks the instance.
std::string healthText(const v1::InstanceHealth &health);

// "text", "json", "yaml", "properties"; "-" when unspecified.
std::string configFormatName(v1::ConfigFormat format);

// "/aegis.v1.AuthService/CreateToken" -> "AuthService/CreateToken".
std::string shortMethodName(const std::string &method);

} // namespace aegis::cli
