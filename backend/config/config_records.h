#pragma once

#include "config/config_center.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

// The store keys and record encodings of the configuration center, shared by ConfigCenter's
// source files (config_codec.cpp defines them). Not for other modules: they read the
// configuration through ConfigCenter.
namespace aegis::config {

// "0000000007": version numbers sort as strings.
std::string versionName(std::int64_t number);
std::string versionKey(const ItemRef &ref, std::int64_t number);
std::string versionsPrefix(const ItemRef &ref);
std::string namespaceKey(const std::string &ns);
std::string proposalKey(const std::string &ns, const std::string &id);
std::string appliedPrefix(const ItemRef &ref);
// The item a path ("ns/group/key") names.
ItemRef refFromPath(const std::string &path);

// A record as stored: compact JSON, invalid UTF-8 replaced.
std::string dump(const nlohmann::json &value);

std::string encodeNamespace(const NamespaceSettings &settings);
std::optional<NamespaceSettings> decodeNamespace(const store::KeyValue &kv);
std::string encodeApplied(const AppliedInstance &applied);
// An /config/applied/ record: the item's path and what the instance applied. For a deleted
// record (`withValue` false) only the names are read.
std::optional<std::pair<std::string, AppliedInstance>> decodeApplied(const store::KeyValue &kv,
                                                                     bool withValue = true);

} // namespace aegis::config
