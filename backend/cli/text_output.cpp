#include "text_output.h"

#include "common/duration.h"

#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>
#include <unistd.h>

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

// Code points a terminal would act on or that reorder what the reader sees.
bool isUnsafeCodePoint(char32_t c) {
    return (c >= 0x80 && c <= 0x9F) || c == 0x061C || c == 0x200E || c == 0x200F ||
           (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

void appendEscape(std::string &out, const char *format, unsigned value) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, format, value);
    out += buffer;
}

// The length of the well-formed UTF-8 sequence at the start of `text` and its code point;
// 0 when the sequence is malformed or cut short.
std::size_t decodeUtf8(std::string_view text, char32_t &codePoint) {
    const auto lead = static_cast<unsigned char>(text[0]);
    std::size_t length = 0;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
        codePoint = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        codePoint = lead & 0x0F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        codePoint = lead & 0x07;
    } else {
        return 0;
    }
    if (text.size() < length) {
        return 0;
    }
    for (std::size_t i = 1; i < length; ++i) {
        const auto next = static_cast<unsigned char>(text[i]);
        if ((next & 0xC0) != 0x80) {
            return 0;
        }
        codePoint = (codePoint << 6) | (next & 0x3F);
    }
    const bool overlong =
        (length == 3 && codePoint < 0x800) || (length == 4 && codePoint < 0x10000);
    const bool invalid = codePoint > 0x10FFFF || (codePoint >= 0xD800 && codePoint <= 0xDFFF);
    return overlong || invalid ? 0 : length;
}

} // namespace

std::string escapeControls(std::string_view text, TextShape shape) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const auto byte = static_cast<unsigned char>(text[i]);
        if (byte < 0x80) {
            const bool keptBreak = shape == TextShape::Lines &&
                                   (byte == '\n' || byte == '\t' ||
                                    (byte == '\r' && i + 1 < text.size() && text[i + 1] == '\n'));
            if ((byte < 0x20 || byte == 0x7F) && !keptBreak) {
                appendEscape(out, "\\u%04x", byte);
            } else {
                out.push_back(static_cast<char>(byte));
            }
            ++i;
            continue;
        }
        char32_t codePoint = 0;
        const std::size_t length = decodeUtf8(text.substr(i), codePoint);
        if (length == 0) {
            appendEscape(out, "\\x%02x", byte);
            ++i;
        } else if (isUnsafeCodePoint(codePoint)) {
            appendEscape(out, "\\u%04x", static_cast<unsigned>(codePoint));
            i += length;
        } else {
            out.append(text.substr(i, length));
            i += length;
        }
    }
    return out;
}

EscapingStreamBuf::EscapingStreamBuf(std::streambuf &target)
    : m_target(target) {}

EscapingStreamBuf::~EscapingStreamBuf() {
    drain(true);
    m_target.pubsync();
}

void EscapingStreamBuf::writeVerbatim(std::string_view bytes) {
    drain(true);
    m_target.sputn(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

EscapingStreamBuf::int_type EscapingStreamBuf::overflow(int_type c) {
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
        m_pending.push_back(traits_type::to_char_type(c));
        if (m_pending.back() == '\n') {
            drain(false);
        }
    }
    return traits_type::not_eof(c);
}

std::streamsize EscapingStreamBuf::xsputn(const char *data, std::streamsize size) {
    m_pending.append(data, static_cast<std::size_t>(size));
    drain(false);
    return size;
}

int EscapingStreamBuf::sync() {
    drain(true);
    return m_target.pubsync();
}

void EscapingStreamBuf::drain(bool all) {
    constexpr std::size_t kMaxPending = 64 * 1024;
    std::size_t end = all ? m_pending.size() : m_pending.rfind('\n');
    if (end == std::string::npos) {
        if (m_pending.size() < kMaxPending) {
            return;
        }
        // A very long line: write up to its last ASCII byte, where no UTF-8 sequence is cut.
        end = m_pending.size();
        while (end > 0 && static_cast<unsigned char>(m_pending[end - 1]) >= 0x80) {
            --end;
        }
    } else if (!all) {
        ++end; // the newline itself
    }
    if (end == 0) {
        return;
    }
    const std::string escaped =
        escapeControls(std::string_view(m_pending).substr(0, end), TextShape::Lines);
    m_target.sputn(escaped.data(), static_cast<std::streamsize>(escaped.size()));
    m_pending.erase(0, end);
}

void writeStyle(std::ostream &out, std::string_view bytes) {
    if (auto *escaping = dynamic_cast<EscapingStreamBuf *>(out.rdbuf())) {
        escaping->writeVerbatim(bytes);
    } else {
        out << bytes;
    }
}

void writeData(std::ostream &out, std::string_view bytes) {
    const bool terminal = writesTo(out, std::cout.rdbuf()) && ::isatty(STDOUT_FILENO);
    if (terminal) {
        out << bytes;
    } else {
        writeStyle(out, bytes);
    }
}

bool writesTo(const std::ostream &out, const std::streambuf *target) {
    const auto *escaping = dynamic_cast<const EscapingStreamBuf *>(out.rdbuf());
    return (escaping ? &escaping->target() : out.rdbuf()) == target;
}

TextTable::TextTable(std::vector<std::string> headers)
    : m_headers(std::move(headers)) {}

void TextTable::addRow(std::vector<std::string> cells) {
    cells.resize(m_headers.size());
    for (auto &cell : cells) {
        cell = escapeControls(cell);
    }
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
        const std::string cell = escapeControls(cells[i]);
        line += cell;
        if (i + 1 < cells.size()) {
            const std::size_t width = i < widths.size() ? widths[i] : 0;
            const std::size_t used = displayWidth(cell);
            line.append(width > used ? width - used : 0, ' ');
            line += "  ";
        }
    }
    return line;
}

std::string orDash(const std::string &text) {
    return text.empty() ? "-" : text;
}

std::string trimmedFixed(double value, int decimals, const char *unit) {
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
    std::string text = buffer;
    if (text.find('.') != std::string::npos) {
        while (text.back() == '0') {
            text.pop_back();
        }
        if (text.back() == '.') {
            text.pop_back();
        }
    }
    return text + unit;
}

std::string bytesText(std::uint64_t bytes) {
    const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double value = static_cast<double>(bytes);
    int unit = 0;
    while (value >= 1024 && unit < 4) {
        value /= 1024;
        ++unit;
    }
    return unit == 0 ? std::to_string(bytes) + " B" : trimmedFixed(value, 1, " ") + units[unit];
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

std::string whenText(const google::protobuf::Timestamp &timestamp,
                     std::chrono::system_clock::time_point now) {
    return formatTimestamp(timestamp) + " (" + formatRelative(timestamp, now) + ")";
}

std::string labelsText(const google::protobuf::Map<std::string, std::string> &labels,
                       std::initializer_list<std::string_view> skip) {
    const std::map<std::string, std::string> sorted(labels.begin(), labels.end());
    std::string text;
    for (const auto &[key, value] : sorted) {
        if (std::find(skip.begin(), skip.end(), key) != skip.end()) {
            continue;
        }
        text += (text.empty() ? "" : ",") + key + "=" + value;
    }
    return orDash(text);
}

} // namespace aegis::cli
