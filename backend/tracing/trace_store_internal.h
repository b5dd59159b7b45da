#pragma once

// What the span store's writer (trace_store.cpp) and its queries (trace_store_queries.cpp) share.
// Not part of the module's interface.

#include "store/sqlite_statement.h"
#include "tracing/tag_query.h"
#include "tracing/trace_store.h"

#include "opentelemetry/proto/resource/v1/resource.pb.h"

#include <map>
#include <shared_mutex>
#include <unordered_map>

namespace aegis::tracing::detail {

using store::exec;
using store::sqliteError;
using store::Statement;

// A stored resource as the queries need it, decoded once.
struct ResourceRecord {
    std::int64_t service = 0; // string ids
    std::int64_t version = 0;
    std::int64_t colour = 0;
    std::string schemaUrl;
    opentelemetry::proto::resource::v1::Resource resource;
};

struct ScopeRecord {
    std::string schemaUrl;
    opentelemetry::proto::common::v1::InstrumentationScope scope;
};

// The service, version and colour a resource gives its spans (tracing.proto's header comment).
struct ResourceIdentity {
    std::string service;
    std::string version;
    std::string colour;
};
ResourceIdentity identityOf(const opentelemetry::proto::resource::v1::Resource &resource);

// An attribute value as the tag query compares it.
TagValue tagValueOf(const opentelemetry::proto::common::v1::AnyValue &value);

// The OTLP span kind's name as the tag query's "kind" pseudo-key answers it.
const char *kindName(int kind);

// Timeline flags of a span (tracing.proto's TimelineFlag).
std::uint32_t timelineFlags(const opentelemetry::proto::trace::v1::Span &span);

// The big-endian integer of an OTLP span id field (0 when not 8 bytes).
std::uint64_t spanIdValue(const std::string &bytes);

// Reader-side caches of rows that never change once written: interned strings, resources and
// scopes. Thread-safe.
struct ReadCaches {
    std::shared_mutex mutex;
    std::unordered_map<std::int64_t, std::string> strings;
    std::unordered_map<std::int64_t, std::shared_ptr<const detail::ResourceRecord>> resources;
    std::unordered_map<std::int64_t, std::shared_ptr<const detail::ScopeRecord>> scopes;

    StatusOr<std::string> string(sqlite3 *db, std::int64_t id);
    StatusOr<std::int64_t> stringId(sqlite3 *db, const std::string &value); // 0: unknown
    StatusOr<std::shared_ptr<const detail::ResourceRecord>> resource(sqlite3 *db, std::int64_t id);
    StatusOr<std::shared_ptr<const detail::ScopeRecord>> scope(sqlite3 *db, std::int64_t id);
};

} // namespace aegis::tracing::detail
