#pragma once

#include "registry/registry_types.h"
#include "store/store.h"

#include <chrono>
#include <optional>
#include <string>

// The stored form of the registry's records under /registry/ (JSON). Decoders accept any bytes:
// a record they cannot read is nullopt, never an exception.
namespace aegis::registry {

// An instance's record. Text that is not UTF-8 is stored with replacement characters.
std::string encodeInstance(const Instance &instance);
// The record, or nullopt when encoding would replace text that is not UTF-8, i.e. when decoding
// it would not give `instance` back.
std::optional<std::string> encodeInstanceExactly(const Instance &instance);
// `instance` as decoding its record gives it back: times in whole milliseconds, an ejection's
// end only while ejected.
Instance asStored(Instance instance);
// With the revisions of `kv`.
std::optional<Instance> decodeInstance(const store::KeyValue &kv);

// A service's record holds its name, labels and description (counts are the cache's).
std::string encodeService(const Service &service);
std::optional<Service> decodeService(const store::KeyValue &kv);

std::string encodePolicy(const TrafficPolicy &policy);
std::optional<TrafficPolicy> decodePolicy(const std::string &value);

// A lease's record holds its TTL.
std::string encodeLease(std::chrono::seconds ttl);
std::optional<std::chrono::seconds> decodeLease(const std::string &value);

} // namespace aegis::registry
