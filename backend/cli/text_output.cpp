#include "text_output.h"

#include "common/duration.h"

#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <ctime>

namespace aegis::cli {
namespace {

// Width on a terminal, counting each UTF-8 code point as one column.
std::size_t displayWidth(const std::string &text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

bool isSet(const google::protobuf::Timestamp &timestamp) {
    return timestamp.seconds() != 0 || timestamp.nanos() != 0;
}

// The largest one or two units: "3d4h", "2h5m", "4m10s", "12s".
std::string formatCoarse(std::chrono::seconds duration) {
    const long long total = duration.count();
    const long long days = total / 86400;
    const long long hours = total % 86400 / 3600;
    const long long minutes = total % 3600 / 60;
    const long long seconds = total % 60;
    auto part = [](long long value, const char *unit) { return std::to_string(value) + unit; };
    if (days > 0) {
        return part(days, "d") + (hours > 0 ? part(hours, "h") : "");
    }
    if (hours > 0) {
        return part(hours, "h") + (minutes > 0 ? part(minutes, "m") : "");
    }
    if (minutes > 0) {
        return part(minutes, "m") + (seconds > 0 ? part(seconds, "s") : "");
    }
    return part(seconds, "s");
}

} // namespace

TextTable::TextTable(std::vector<std::string> headers)
    : m_headers(std::move(headers)) {}

void TextTable::addRow(std::vector<std::string> cells) {
    cells.resize(m_headers.size());
    m_rows.push_back(std::move(cells));
}

void TextTable::print(std::ostream &out) const {
    std::vector<std::size_t> widths;
    for (const auto &header : m_headers) {
        widths.push_back(displayWidth(header));
    }
    for (const auto &row : m_rows) {
        for (std::size_t column = 0; column < row.size(); ++column) {
            widths[column] = std::max(widths[column], displayWidth(row[column]));
        }
    }
    auto printRow = [&](const std::vector<std::string> &cells) {
        std::string line;
        for (std::size_t column = 0; column < cells.size(); ++column) {
            line += cells[column];
            if (column + 1 < cells.size()) {
                line.append(widths[column] - displayWidth(cells[column]) + 2, ' ');
            }
        }
        line.erase(line.find_last_not_of(' ') + 1);
        out << line << "\n";
    };
    printRow(m_headers);
    for (const auto &row : m_rows) {
        printRow(row);
    }
}

std::string alignedLine(const std::vector<std::string> &cells,
                        const std::vector<std::size_t> &widths) {
    std::string line;
    for (std::size_t i = 0; i < cells.size(); ++i) {
        line += cells[i];
        if (i + 1 < cells.size()) {
            const std::size_t width = i < widths.size() ? widths[i] : 0;
            const std::size_t used = displayWidth(cells[i]);
            line.append(width > used ? width - used : 0, ' ');
            line += "  ";
        }
    }
    return line;
}

std::string formatDuration(const google::protobuf::Duration &duration) {
    return aegis::formatDuration(std::chrono::seconds(duration.seconds()));
}

std::string formatTimestamp(const google::protobuf::Timestamp &timestamp) {
    if (!isSet(timestamp)) {
        return "-";
    }
    const std::time_t seconds = static_cast<std::time_t>(timestamp.seconds());
    std::tm local{};
    localtime_r(&seconds, &local);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S", &local);
    return buffer;
}

std::string formatRelative(const google::protobuf::Timestamp &timestamp,
                           std::chrono::system_clock::time_point now,
                           const std::string &whenUnset) {
    if (!isSet(timestamp)) {
        return whenUnset;
    }
    const auto then =
        std::chrono::system_clock::time_point(std::chrono::seconds(timestamp.seconds()));
    const auto delta = std::chrono::duration_cast<std::chrono::seconds>(then - now);
    if (delta.count() > 0) {
        return "in " + formatCoarse(delta);
    }
    if (delta.count() > -1) {
        return "just now";
    }
    return formatCoarse(-delta) + " ago";
}

std::string roleName(v1::Role role) {
    switch (role) {
    case v1::ROLE_VIEWER:
        return "viewer";
    case v1::ROLE_OPERATOR:
        return "operator";
    case v1::ROLE_ADMIN:
        return "admin";
    case v1::ROLE_SERVICE:
        return "service";
    default:
        return "unspecified";
    }
}

std::string instanceStateName(v1::InstanceState state) {
    switch (state) {
    case v1::INSTANCE_STATE_SERVING:
        return "serving";
    case v1::INSTANCE_STATE_DRAINING:
        return "draining";
    case v1::INSTANCE_STATE_MAINTENANCE:
        return "maintenance";
    default:
        return "unspecified";
    }
}

std::string healthStatusName(v1::HealthStatus status) {
    switch (status) {
    case v1::HEALTH_STATUS_PASSING:
        return "passing";
    case v1::HEALTH_STATUS_WARNING:
        return "warning";
    case v1::HEALTH_STATUS_CRITICAL:
        return "critical";
    default:
        return "unknown";
    }
}

std::string healthText(const v1::InstanceHealth &health) {
    if (!health.checked() && !health.ejected()) {
        return "-";
    }
    std::string text = healthStatusName(health.status());
    if (health.flapping()) {
        text += ",flapping";
    }
    if (health.ejected()) {
        text += ",ejected";
    }
    return text;
}

std::string configFormatName(v1::ConfigFormat format) {
    switch (format) {
    case v1::CONFIG_FORMAT_TEXT:
        return "text";
    case v1::CONFIG_FORMAT_JSON:
        return "json";
    case v1::CONFIG_FORMAT_YAML:
        return "yaml";
    case v1::CONFIG_FORMAT_PROPERTIES:
        return "properties";
    default:
        return "-";
    }
}

std::string shortMethodName(const std::string &method) {
    // Drop the leading "/" and the package ("aegis.v1.") of the service name.
    std::string name = method.starts_with('/') ? method.substr(1) : method;
    const auto slash = name.find('/');
    const auto dot = name.rfind('.', slash);
    if (slash != std::string::npos && dot != std::string::npos) {
        name = name.substr(dot + 1);
    }
    return name;
}

} // namespace aegis::cli
