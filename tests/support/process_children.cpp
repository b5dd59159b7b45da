#include "process_children.h"

#include <dirent.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>

namespace aegis::testing {
namespace {

std::string readText(const std::string &path) {
    std::ifstream in(path);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

} // namespace

std::vector<int> childProcesses(int parent, const std::string &word) {
    std::vector<int> pids;
    DIR *proc = ::opendir("/proc");
    for (dirent *entry; proc != nullptr && (entry = ::readdir(proc)) != nullptr;) {
        const int pid = std::atoi(entry->d_name);
        if (pid <= 0) {
            continue;
        }
        const std::string stat = readText("/proc/" + std::to_string(pid) + "/stat");
        const auto nameEnd = stat.rfind(')');
        if (nameEnd == std::string::npos || nameEnd + 2 >= stat.size()) {
            continue;
        }
        std::istringstream fields(stat.substr(nameEnd + 2));
        std::string state;
        int ppid = 0;
        fields >> state >> ppid;
        const std::string cmdline = readText("/proc/" + std::to_string(pid) + "/cmdline");
        if (ppid == parent && state != "Z" && cmdline.find(word) != std::string::npos) {
            pids.push_back(pid);
        }
    }
    if (proc != nullptr) {
        ::closedir(proc);
    }
    return pids;
}

} // namespace aegis::testing
