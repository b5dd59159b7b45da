#pragma once

#include <string>
#include <vector>

namespace aegis::testing {

// The pids of live processes (not zombies) whose parent is `parent` and whose command line holds
// `word`: the children a daemon supervises.
std::vector<int> childProcesses(int parent, const std::string &word);

} // namespace aegis::testing
