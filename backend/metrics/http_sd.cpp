#include "metrics/http_sd.h"

#include <openssl/rand.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace aegis::metrics {
namespace {

bool isLabelStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool isLabelChar(char c) {
    return isLabelStart(c) || (c >= '0' && c <= '9');
}

std::string metadataValue(const registry::Instance &instance, std::string_view key) {
    const auto it = instance.metadata.find(std::string(key));
    return it == instance.metadata.end() ? std::string() : it->second;
}

// The host:port to scrape: the instance's address, with its port replaced by metrics_port when
// given. Empty when metrics_port is not a port.
std::string scrapeAddress(const registry::Instance &instance) {
    const std::string port = metadataValue(instance, kMetricsPortKey);
    if (port.empty()) {
        return instance.address;
    }
    int number = 0;
    const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (error != std::errc() || end != port.data() + port.size() || number < 1 || number > 65535) {
        return {};
    }
    return instance.address.substr(0, instance.address.rfind(':')) + ":" + port;
}

} // namespace

std::string prometheusLabelName(std::string_view name) {
    std::string result;
    result.reserve(name.size() + 1);
    if (name.empty() || !isLabelStart(name.front())) {
        result += '_';
    } else if (name.rfind("__", 0) == 0) {
        result += 'x';
    }
    for (const char c : name) {
        result += isLabelChar(c) ? c : '_';
    }
    return result;
}

nlohmann::json httpSdTargetGroups(const std::vector<registry::Instance> &instances,
                                  const std::vector<std::string> &aegisdAddresses) {
    std::vector<const registry::Instance *> sorted;
    for (const auto &instance : instances) {
        if (!metadataValue(instance, kMetricsPathKey).empty()) {
            sorted.push_back(&instance);
        }
    }
    std::sort(sorted.begin(), sorted.end(), [](const auto *a, const auto *b) {
        return std::tie(a->service, a->id) < std::tie(b->service, b->id);
    });

    nlohmann::json groups = nlohmann::json::array();
    for (const registry::Instance *instance : sorted) {
        const std::string path = metadataValue(*instance, kMetricsPathKey);
        std::string scheme = metadataValue(*instance, kMetricsSchemeKey);
        if (scheme.empty()) {
            scheme = "http";
        }
        const std::string address = scrapeAddress(*instance);
        if (path.front() != '/' || address.empty() || (scheme != "http" && scheme != "https")) {
            continue;
        }
        nlohmann::json labels = nlohmann::json::object();
        // The instance's own labels first under names that need no change, so that a label
        // whose name had to change never hides one that is spelled that way.
        for (const bool renamed : {false, true}) {
            for (const auto &[name, value] : instance->labels) {
                const std::string labelName = prometheusLabelName(name);
                if ((labelName != name) == renamed && !labels.contains(labelName)) {
                    labels[labelName] = value;
                }
            }
        }
        labels["service"] = instance->service;
        labels["instance"] = instance->id;
        labels["job"] = instance->service;
        labels["__metrics_path__"] = path;
        labels["__scheme__"] = scheme;
        groups.push_back({{"targets", nlohmann::json::array({address})}, {"labels", labels}});
    }
    groups.push_back({{"targets", aegisdAddresses},
                      {"labels",
                       {{"job", "aegisd"},
                        {"service", "aegisd"},
                        {"__metrics_path__", "/metrics"},
                        {"__scheme__", "http"}}}});
    return groups;
}

StatusOr<std::string> writeDiscoverySecret(const std::filesystem::path &file) {
    std::array<unsigned char, 32> random{};
    if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
        return internalError("no random bytes for the discovery secret");
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string secret;
    for (const unsigned char byte : random) {
        secret += kHex[byte >> 4];
        secret += kHex[byte & 0xf];
    }
    const std::string temporary = file.string() + ".tmp";
    ::unlink(temporary.c_str());
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        return failedPrecondition("cannot write " + temporary + ": " + std::strerror(errno));
    }
    const std::string content = secret + "\n";
    const bool written =
        ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
    ::close(fd);
    if (!written || ::rename(temporary.c_str(), file.c_str()) != 0) {
        return failedPrecondition("cannot write " + file.string() + ": " + std::strerror(errno));
    }
    return secret;
}

} // namespace aegis::metrics
