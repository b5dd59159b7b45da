#include "required_tool.h"

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <unistd.h>

namespace aegis::testing {
namespace {

bool isExecutableFile(const std::filesystem::path &path) {
    std::error_code error;
    return std::filesystem::is_regular_file(path, error) && ::access(path.c_str(), X_OK) == 0;
}

} // namespace

std::string toolPath(const std::string &tool) {
    if (tool.find('/') != std::string::npos) {
        return isExecutableFile(tool) ? tool : std::string();
    }
    const char *path = std::getenv("PATH");
    std::istringstream directories(path ? path : "/usr/local/bin:/usr/bin:/bin");
    for (std::string directory; std::getline(directories, directory, ':');) {
        const auto candidate = std::filesystem::path(directory.empty() ? "." : directory) / tool;
        if (isExecutableFile(candidate)) {
            return candidate.string();
        }
    }
    return {};
}

std::string missingToolMessage(const std::string &tool, const std::string &package) {
    if (!toolPath(tool).empty()) {
        return {};
    }
    return tool + " is missing: install the Debian package '" + package +
           "' (listed in installer/packages-test.txt)";
}

} // namespace aegis::testing
