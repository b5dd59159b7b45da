#include "daemon/data_directory.h"

#include "common/logging.h"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace aegis::daemon {
namespace {

namespace fs = std::filesystem;

std::string utcStamp() {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
    return stamp;
}

std::string joinNames(const std::vector<fs::path> &paths) {
    std::string names;
    for (const auto &path : paths) {
        names += (names.empty() ? "" : ", ") + path.filename().string();
    }
    return names;
}

// Moves `entries` (and the empty store's own files) into a new pre-init-<time> folder.
Status moveAside(const fs::path &dataDir, std::vector<fs::path> entries) {
    const fs::path aside = dataDir / ("pre-init-" + utcStamp());
    std::error_code error;
    if (!fs::create_directory(aside, error) || error) {
        return failedPrecondition("--init: cannot create " + aside.string() + ": " +
                                  (error ? error.message() : "it exists already; retry"));
    }
    ::chmod(aside.c_str(), 0700);
    for (const char *storeFile : {kStoreFileName, "aegis.db-shm"}) {
        if (fs::exists(dataDir / storeFile, error)) {
            entries.push_back(dataDir / storeFile);
        }
    }
    for (const auto &entry : entries) {
        fs::rename(entry, aside / entry.filename(), error);
        if (error) {
            return failedPrecondition("--init: cannot move " + entry.string() + " to " +
                                      aside.string() + ": " + error.message());
        }
    }
    log::warn("--init: an earlier run's files were moved aside; starting with an empty store",
              {{"moved_to", aside.string()}, {"files", joinNames(entries)}});
    return Status::ok();
}

} // namespace

Status prepareDataDirectory(const fs::path &dataDir, bool initialise, bool storeInDirectory) {
    std::error_code error;
    const fs::file_status status = fs::status(dataDir, error);
    if (status.type() == fs::file_type::not_found) {
        fs::create_directories(dataDir, error);
        if (error) {
            return invalidArgument("data_dir: cannot create " + dataDir.string() + ": " +
                                   error.message());
        }
        // Only a directory we made is ours to restrict; an operator's keeps the mode they chose.
        ::chmod(dataDir.c_str(), 0700);
        return Status::ok();
    }
    if (error) {
        return invalidArgument("data_dir: cannot use " + dataDir.string() + ": " + error.message());
    }
    if (status.type() != fs::file_type::directory) {
        return invalidArgument("data_dir: " + dataDir.string() + " is not a directory");
    }
    if (::access(dataDir.c_str(), R_OK | W_OK | X_OK) != 0) {
        return invalidArgument("data_dir: cannot write in " + dataDir.string() + ": " +
                               std::strerror(errno));
    }

    if (!storeInDirectory) {
        return Status::ok();
    }
    const fs::path store = dataDir / kStoreFileName;
    const fs::file_status storeStatus = fs::status(store, error);
    const bool storeExists = storeStatus.type() != fs::file_type::not_found;
    if (storeExists && storeStatus.type() != fs::file_type::regular) {
        return invalidArgument("the store " + store.string() + " is not a regular file");
    }
    const bool storeEmpty = !storeExists || fs::file_size(store, error) == 0;
    if (!storeEmpty) {
        if (initialise) {
            log::warn("--init ignored: the store holds data", {{"store", store.string()}});
        }
        return Status::ok();
    }
    std::vector<fs::path> earlierLife;
    for (const char *name : kEarlierLifeEntries) {
        if (fs::exists(dataDir / name, error)) {
            earlierLife.push_back(dataDir / name);
        }
    }
    if (earlierLife.empty()) {
        return Status::ok();
    }
    if (initialise) {
        return moveAside(dataDir, std::move(earlierLife));
    }
    return failedPrecondition(
        "the store " + store.string() + " is " + (storeExists ? "empty" : "missing") + ", but " +
        joinNames(earlierLife) + " in " + dataDir.string() +
        " show that this data directory was used before; starting would begin an empty store "
        "without the items, tokens and instances it held. Restore " +
        store.string() +
        " from a backup (with its -wal file, if it had one), or start once with --init to begin "
        "empty: --init moves the old files into a pre-init-<time> folder there instead of "
        "overwriting them");
}

} // namespace aegis::daemon
