#pragma once

#include "common/status.h"

#include <filesystem>

namespace aegis::daemon {

// The store file inside the data directory.
inline constexpr const char *kStoreFileName = "aegis.db";

// Files and folders that only an earlier aegisd run leaves in a data directory besides the store:
// when one of them is there and the store is missing or empty, the store was lost, not never made.
inline constexpr const char *kEarlierLifeEntries[] = {"admin.token", "config.key", "deployments",
                                                      "aegis.db-wal"};

// Makes the data directory ready before anything opens a file in it:
//  - creates it with mode 0700 when it does not exist (an existing one keeps its mode);
//  - refuses (FAILED_PRECONDITION, naming the file and the ways out) a directory whose store is
//    missing or empty while an earlier life's files are there, because starting would create an
//    empty store and new keys beside the old ones;
//  - with `initialise` (aegisd --init), moves those files instead into a new folder
//    `pre-init-<UTC time>` inside the directory, so the start begins empty and nothing is
//    overwritten or deleted. `initialise` changes nothing when the store holds data.
// Errors about the directory itself are INVALID_ARGUMENT naming data_dir. With `storeInDirectory`
// false (the store is in etcd) only the directory itself is checked.
Status prepareDataDirectory(const std::filesystem::path &dataDir, bool initialise,
                            bool storeInDirectory = true);

} // namespace aegis::daemon
