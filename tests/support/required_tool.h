#pragma once

#include <string>

namespace aegis::testing {

// The absolute path of `tool` (a path, or a name looked up in PATH) if it is an executable file,
// else "".
std::string toolPath(const std::string &tool);

// Why a test cannot run without `tool`, naming the Debian `package` that provides it; "" when the
// tool is there.
std::string missingToolMessage(const std::string &tool, const std::string &package);

} // namespace aegis::testing

// Fails the calling Qt Test function when `tool` is missing. Every such tool is listed in
// installer/packages-test.txt, so a missing one is a broken test machine: skipping instead would
// let the coverage vanish without anybody noticing.
#define AEGIS_REQUIRE_TOOL(tool, package)                                                          \
    do {                                                                                           \
        const std::string aegisMissingTool = ::aegis::testing::missingToolMessage(tool, package);  \
        if (!aegisMissingTool.empty()) {                                                           \
            QFAIL(aegisMissingTool.c_str());                                                       \
        }                                                                                          \
    } while (false)
