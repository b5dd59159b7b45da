#pragma once

#include "aegis/v1/common.pb.h"
#include "aegis/v1/config.pb.h"
#include "aegis/v1/registry.pb.h"

#include <google/protobuf/duration.pb.h>
#include <google/protobuf/timestamp.pb.h>

#include <chrono>
#include <ostream>
#include <string>
#include <vector>

namespace aegis::cli {

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

// A duration to the second: "1h2m3s", "45s".
std::string formatDuration(const google::protobuf::Duration &duration);

// Local time "2024-05-01 14:03:12"; "-" for an unset timestamp.
std::string formatTimestamp(const google::protobuf::Timestamp &timestamp);

// Relative to `now`: "3m ago", "in 2h", "just now"; `whenUnset` for an unset timestamp.
std::string formatRelative(const google::protobuf::Timestamp &timestamp,
                           std::chrono::system_clock::time_point now,
                           const std::string &whenUnset = "-");

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
