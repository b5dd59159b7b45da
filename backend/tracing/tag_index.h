#pragma once

#include "tracing/tag_query.h"

#include "opentelemetry/proto/common/v1/common.pb.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aegis::tracing {

// The span store's attribute index speaks in 64-bit hashes of "key" (the key is present) and of
// "key=value". A trace is posted under every hash its spans' and resources' attributes give, once
// per trace and write batch, so the index grows with distinct tags per trace, not with spans.
// Hashes are stable across releases (they are stored): FNV-1a over the bytes below.
//
// A value is hashed in a text form a query can reproduce: a string as it is, an integer in
// decimal, a boolean as "true"/"false". Values a query cannot reproduce exactly (doubles, bytes,
// arrays, key-value lists) are posted under the "opaque" hash of their key, which every equality
// term on that key also looks up. Every lookup may return more traces than match (collisions,
// opaque values); the store checks each candidate with TagQuery::matches(), never fewer.

std::int64_t tagKeyHash(std::string_view key);
std::int64_t tagValueHash(std::string_view key, std::string_view value);
std::int64_t tagOpaqueHash(std::string_view key);

// Appends the hashes one attribute posts under.
void tagHashesOf(const opentelemetry::proto::common::v1::KeyValue &attribute,
                 std::vector<std::int64_t> &out);

// The hashes a required term can use: a trace that matches the term is posted under at least one
// of them. Empty when the term cannot use the index (it then only filters candidates).
std::vector<std::int64_t> tagLookupHashes(const TagTerm &term);

// A posting list: strictly increasing trace numbers, delta-encoded as varints.
std::string encodePostings(const std::vector<std::int64_t> &sortedKeys);
// Appends the list's numbers to `out`; false when the bytes are malformed.
bool decodePostings(std::string_view bytes, std::vector<std::int64_t> &out);

} // namespace aegis::tracing
