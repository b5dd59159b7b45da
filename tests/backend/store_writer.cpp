// Test helper for tst_store_durability: opens the store at argv[1] and commits from argv[2]
// threads until it is killed. After each acknowledged commit it writes "ack <key> <revision>" to
// stdout with one write(2), so every line the parent reads is a write the store promised to keep.
// Keys are "/w/<tag>/<thread>/<n>" with tag argv[3], so rounds on the same file never collide.

#include "common/logging.h"
#include "store/sqlite_store.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

bool writeLine(const std::string &line) {
    std::size_t written = 0;
    while (written < line.size()) {
        const ssize_t n = ::write(STDOUT_FILENO, line.data() + written, line.size() - written);
        if (n <= 0) {
            return false;
        }
        written += static_cast<std::size_t>(n);
    }
    return true;
}

} // namespace

int main(int argc, char **argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: %s STORE_FILE THREADS TAG\n", argv[0]);
        return 2;
    }
    aegis::log::init("warn");
    const int threads = std::atoi(argv[2]);
    const std::string tag = argv[3];

    auto store = aegis::store::SqliteStore::open({argv[1]});
    if (!store) {
        std::fprintf(stderr, "store_writer: %s\n", store.status().toString().c_str());
        return 1;
    }
    writeLine("open " + std::to_string((*store)->currentRevision()) + "\n");

    std::vector<std::jthread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&store, &tag, t] {
            for (long n = 0;; ++n) {
                const std::string key =
                    "/w/" + tag + "/" + std::to_string(t) + "/" + std::to_string(n);
                // The compare makes the commit a real transaction; the key is new, so it holds.
                auto result = (*store)->commit(
                    aegis::store::Transaction().ifMissing(key).put(key, key + "=value"));
                if (!result || !result->succeeded) {
                    std::fprintf(stderr, "store_writer: commit of %s failed: %s\n", key.c_str(),
                                 result.status().toString().c_str());
                    std::_Exit(1);
                }
                if (!writeLine("ack " + key + " " + std::to_string(result->revision) + "\n")) {
                    std::_Exit(1);
                }
            }
        });
    }
    return 0; // not reached: the workers run until the process is killed
}
