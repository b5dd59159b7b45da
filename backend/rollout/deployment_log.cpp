#include "rollout/deployment_log.h"

#include "common/input_text.h"
#include "registry/registry.h"
#include "rollout/color.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <utility>

namespace aegis::rollout {
namespace {

constexpr std::size_t kBlockBytes = 64 * 1024;

// Reads up to `size` bytes at `offset`; fewer at the end of the file, none on an error.
std::string readAt(int fd, std::uint64_t offset, std::size_t size) {
    std::string buffer(size, '\0');
    std::size_t done = 0;
    while (done < size) {
        const ssize_t got =
            ::pread(fd, buffer.data() + done, size - done, static_cast<off_t>(offset + done));
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            break;
        }
        done += static_cast<std::size_t>(got);
    }
    buffer.resize(done);
    return buffer;
}

// The length of the valid UTF-8 sequence at the start of `text`, 0 when there is none.
std::size_t sequenceLength(std::string_view text) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(0);
    std::size_t length = 0;
    unsigned min = 0;
    unsigned value = 0;
    if (lead < 0x80) {
        return 1;
    }
    if ((lead & 0xE0) == 0xC0) {
        length = 2;
        min = 0x80;
        value = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
        length = 3;
        min = 0x800;
        value = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
        length = 4;
        min = 0x10000;
        value = lead & 0x07;
    } else {
        return 0;
    }
    if (text.size() < length) {
        return 0;
    }
    for (std::size_t i = 1; i < length; ++i) {
        if ((byte(i) & 0xC0) != 0x80) {
            return 0;
        }
        value = (value << 6) | (byte(i) & 0x3F);
    }
    const bool surrogate = value >= 0xD800 && value <= 0xDFFF;
    return value < min || value > 0x10FFFF || surrogate ? 0 : length;
}

} // namespace

std::string toValidUtf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    while (!text.empty()) {
        const std::size_t length = sequenceLength(text);
        if (length == 0) {
            out += "\xEF\xBF\xBD";
            text.remove_prefix(1);
            continue;
        }
        out.append(text.substr(0, length));
        text.remove_prefix(length);
    }
    return out;
}

StatusOr<std::filesystem::path> deploymentLogPath(const std::filesystem::path &logDir,
                                                  std::string_view service,
                                                  std::string_view instanceId) {
    if (Status valid = registry::Registry::validateServiceName(std::string(service), "service");
        !valid.isOk()) {
        return valid;
    }
    const auto notDeployed = [&](std::string_view why) {
        return notFound("service '" + std::string(service) + "' has no deployed instance " +
                        quoteInput(instanceId) + " " + std::string(why));
    };
    // <service>-<colour>-<n>: the only shape the process driver gives its instances, so the path
    // below is made of checked parts only.
    const std::string prefix = std::string(service) + "-";
    if (instanceId.substr(0, prefix.size()) != prefix) {
        return notDeployed("(the process driver's instances are " + prefix + "<colour>-<n>)");
    }
    std::string_view rest = instanceId.substr(prefix.size());
    const auto dash = rest.find('-');
    const auto color = parseColor(rest.substr(0, dash));
    int index = 0;
    const std::string_view number = dash == std::string_view::npos ? "" : rest.substr(dash + 1);
    const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), index);
    if (!color || number.empty() || error != std::errc() || end != number.data() + number.size() ||
        index < 1 || number.front() == '0') {
        return notDeployed("(the process driver's instances are " + prefix + "<colour>-<n>)");
    }
    auto path = logDir / std::string(service) /
                (std::string(colorName(*color)) + "-" + std::to_string(index) + ".log");
    std::error_code ignored;
    if (!std::filesystem::is_regular_file(path, ignored)) {
        return notDeployed("with a log (it never ran on this daemon's process driver)");
    }
    return path;
}

StatusOr<DeploymentLogReader> DeploymentLogReader::open(const std::filesystem::path &path,
                                                        std::string filter) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return notFound("cannot open the log " + path.filename().string() + ": " +
                        std::strerror(errno));
    }
    return DeploymentLogReader(path, std::move(filter), fd);
}

DeploymentLogReader::DeploymentLogReader(std::filesystem::path path, std::string filter, int fd)
    : m_path(std::move(path))
    , m_filter(std::move(filter))
    , m_fd(fd) {
    struct stat info {};
    if (::fstat(m_fd, &info) == 0) {
        m_inode = info.st_ino;
    }
}

DeploymentLogReader::DeploymentLogReader(DeploymentLogReader &&other) noexcept
    : m_path(std::move(other.m_path))
    , m_filter(std::move(other.m_filter))
    , m_fd(std::exchange(other.m_fd, -1))
    , m_inode(other.m_inode)
    , m_offset(other.m_offset)
    , m_partial(std::move(other.m_partial))
    , m_cutting(other.m_cutting) {}

DeploymentLogReader &DeploymentLogReader::operator=(DeploymentLogReader &&other) noexcept {
    if (this != &other) {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
        m_path = std::move(other.m_path);
        m_filter = std::move(other.m_filter);
        m_fd = std::exchange(other.m_fd, -1);
        m_inode = other.m_inode;
        m_offset = other.m_offset;
        m_partial = std::move(other.m_partial);
        m_cutting = other.m_cutting;
    }
    return *this;
}

DeploymentLogReader::~DeploymentLogReader() {
    if (m_fd >= 0) {
        ::close(m_fd);
    }
}

void DeploymentLogReader::seekTail(int lines) {
    struct stat info {};
    const std::uint64_t size =
        ::fstat(m_fd, &info) == 0 ? static_cast<std::uint64_t>(info.st_size) : 0;
    m_partial.clear();
    m_cutting = false;
    m_offset = size;
    if (lines <= 0 || size == 0) {
        return;
    }
    const std::uint64_t floor = size > kMaxTailScanBytes ? size - kMaxTailScanBytes : 0;
    // Scans back block by block. `lineEnd` is where the line being scanned ends (exclusive), and
    // `head` holds its first bytes seen so far (at most kMaxLogLineBytes: what a reader would
    // keep of it, so the filter sees the same text).
    std::uint64_t position = size;
    std::uint64_t lineEnd = size;
    std::string head;
    int found = 0;
    const auto countLine = [&](std::uint64_t start) {
        // The file's last byte being a newline ends the last line; it does not start another.
        if (start == size) {
            return false;
        }
        if (m_filter.empty() || head.find(m_filter) != std::string::npos) {
            ++found;
        }
        if (found == lines) {
            m_offset = start;
            return true;
        }
        return false;
    };
    while (position > floor) {
        const std::uint64_t blockStart =
            std::max(floor, position - std::min<std::uint64_t>(position, kBlockBytes));
        const std::string block =
            readAt(m_fd, blockStart, static_cast<std::size_t>(position - blockStart));
        if (block.size() != position - blockStart) {
            break; // the file shrank meanwhile: read() rewinds
        }
        std::size_t right = block.size();
        for (std::size_t i = block.size(); i-- > 0;) {
            if (block[i] != '\n') {
                continue;
            }
            head = block.substr(i + 1, std::min(right - (i + 1), kMaxLogLineBytes)) +
                   (right - (i + 1) < kMaxLogLineBytes ? head : std::string());
            head.resize(std::min(head.size(), kMaxLogLineBytes));
            if (countLine(blockStart + i + 1)) {
                return;
            }
            lineEnd = blockStart + i;
            right = i;
            head.clear();
        }
        head = block.substr(0, std::min(right, kMaxLogLineBytes)) +
               (right < kMaxLogLineBytes ? head : std::string());
        head.resize(std::min(head.size(), kMaxLogLineBytes));
        position = blockStart;
    }
    if (position == 0) {
        // The file's first line; with fewer lines than asked for, the tail is the whole file.
        if (!countLine(0)) {
            m_offset = 0;
        }
    } else if (found < lines) {
        // The scan stopped at its limit inside a line: start at the next whole one.
        m_offset = lineEnd == size ? size : lineEnd + 1;
    }
}

void DeploymentLogReader::addLine(std::string line, bool cut, Chunk &out) const {
    if (cut) {
        // Not inside a UTF-8 sequence: back to the start of the last one that was cut.
        std::size_t end = line.size();
        while (end > 0 && (static_cast<unsigned char>(line[end - 1]) & 0xC0) == 0x80) {
            --end;
        }
        if (end > 0 && static_cast<unsigned char>(line[end - 1]) >= 0xC0) {
            line.resize(end - 1);
        }
    }
    if (!m_filter.empty() && line.find(m_filter) == std::string::npos) {
        return;
    }
    std::string text = toValidUtf8(line);
    if (cut) {
        text += " ";
        text += kCutMarker;
    }
    out.lines.push_back(std::move(text));
}

bool DeploymentLogReader::reopenIfChanged() {
    struct stat open {};
    if (::fstat(m_fd, &open) == 0 && static_cast<std::uint64_t>(open.st_size) < m_offset) {
        m_offset = 0; // truncated in place
        m_partial.clear();
        m_cutting = false;
        return true;
    }
    struct stat named {};
    if (::stat(m_path.c_str(), &named) != 0 || named.st_ino == m_inode) {
        return false; // gone (it may come back) or still the same file
    }
    const int fd = ::open(m_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    ::close(m_fd);
    m_fd = fd;
    struct stat info {};
    m_inode = ::fstat(m_fd, &info) == 0 ? info.st_ino : named.st_ino;
    m_offset = 0;
    m_partial.clear();
    m_cutting = false;
    return true;
}

DeploymentLogReader::Chunk DeploymentLogReader::read(std::size_t maxBytes, bool flushPartial) {
    Chunk out;
    std::size_t budget = std::max<std::size_t>(maxBytes, 1);
    while (budget > 0) {
        std::string block = readAt(m_fd, m_offset, std::min(budget, kBlockBytes));
        if (block.empty()) {
            if (!out.lines.empty()) {
                out.atEnd = true; // the old file's lines first; the next call looks for a new one
                break;
            }
            // At the end of what is open: a truncated or replaced file starts over.
            if (reopenIfChanged()) {
                out.reset = true;
                continue;
            }
            out.atEnd = true;
            break;
        }
        m_offset += block.size();
        budget -= std::min(budget, block.size());
        std::size_t start = 0;
        while (start < block.size()) {
            const auto newline = block.find('\n', start);
            const std::size_t end = newline == std::string::npos ? block.size() : newline;
            if (!m_cutting) {
                const std::size_t room = kMaxLogLineBytes - m_partial.size();
                m_partial.append(block, start, std::min(room, end - start));
                if (end - start > room) {
                    m_cutting = true;
                    addLine(std::exchange(m_partial, {}), true, out);
                }
            }
            if (newline == std::string::npos) {
                break;
            }
            if (!m_cutting) {
                addLine(std::exchange(m_partial, {}), false, out);
            }
            m_cutting = false;
            start = newline + 1;
        }
    }
    if (out.atEnd && flushPartial && !m_partial.empty()) {
        addLine(std::exchange(m_partial, {}), false, out);
    }
    return out;
}

} // namespace aegis::rollout
