#include "scratch_store.h"

#include "store/sqlite_store.h"

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

namespace aegis::fuzz {
namespace {

struct ScratchStore {
    ScratchStore() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "aegis-fuzz-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) {
            std::abort();
        }
        dir = pattern;
        auto opened = store::SqliteStore::open({dir / "aegis.db"});
        if (!opened) {
            std::cerr << "scratch store: " << opened.status().toString() << "\n";
            std::abort();
        }
        store = std::move(*opened);
    }
    ~ScratchStore() {
        store.reset();
        std::error_code ignored;
        std::filesystem::remove_all(dir, ignored);
    }
    std::filesystem::path dir;
    std::unique_ptr<store::SqliteStore> store;
};

} // namespace

store::Store &scratchStore() {
    static ScratchStore scratch;
    return *scratch.store;
}

} // namespace aegis::fuzz
