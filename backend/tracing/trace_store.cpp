#include "tracing/trace_store.h"

#include "tracing/tag_index.h"
#include "tracing/trace_store_internal.h"
#include "tracing/trace_store_metrics.h"

#include "common/json_writer.h"
#include "common/logging.h"

#include <sqlite3.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <set>
#include <unordered_set>

namespace aegis::tracing {
namespace {

using namespace detail;
using opentelemetry::proto::common::v1::AnyValue;
using opentelemetry::proto::common::v1::KeyValue;
using opentelemetry::proto::trace::v1::Span;
using opentelemetry::proto::trace::v1::Status_StatusCode_STATUS_CODE_ERROR;
using opentelemetry::proto::trace::v1::Status_StatusCode_STATUS_CODE_OK;

// Each entry upgrades the schema from version i to i + 1. Never edit a released entry: add one.
constexpr const char *kMigrations[] = {
    // 1: spans with their OTLP encoding and query columns, traces, interned strings, resources
    // and scopes stored once, the attribute index's runs, per-minute operation counts and the
    // attribute keys and values seen (for completion).
    R"sql(
    CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
    INSERT INTO meta (name, value) VALUES ('spans', 0), ('traces', 0);
    CREATE TABLE strings (id INTEGER PRIMARY KEY, value TEXT NOT NULL UNIQUE);
    INSERT INTO strings (id, value) VALUES (1, '');
    CREATE TABLE resources (
        id INTEGER PRIMARY KEY,
        hash INTEGER NOT NULL,
        service INTEGER NOT NULL,
        version INTEGER NOT NULL,
        colour INTEGER NOT NULL,
        schema_url TEXT NOT NULL,
        resource BLOB NOT NULL
    );
    CREATE INDEX resources_by_hash ON resources (hash);
    CREATE TABLE scopes (
        id INTEGER PRIMARY KEY,
        hash INTEGER NOT NULL,
        schema_url TEXT NOT NULL,
        scope BLOB NOT NULL
    );
    CREATE INDEX scopes_by_hash ON scopes (hash);
    CREATE TABLE traces (
        trace_key INTEGER PRIMARY KEY,
        trace_id BLOB NOT NULL UNIQUE,
        start_ns INTEGER NOT NULL,
        end_ns INTEGER NOT NULL,
        span_count INTEGER NOT NULL,
        error_count INTEGER NOT NULL,
        root_service INTEGER NOT NULL,
        last_received_ns INTEGER NOT NULL
    );
    CREATE INDEX traces_by_received ON traces (last_received_ns);
    CREATE TABLE spans (
        id INTEGER PRIMARY KEY,
        trace_key INTEGER NOT NULL,
        span_id INTEGER NOT NULL,
        parent_id INTEGER NOT NULL,
        service INTEGER NOT NULL,
        operation INTEGER NOT NULL,
        resource INTEGER NOT NULL,
        scope INTEGER NOT NULL,
        flags INTEGER NOT NULL,
        start_ns INTEGER NOT NULL,
        duration_ns INTEGER NOT NULL,
        duration_class INTEGER NOT NULL,
        body BLOB NOT NULL
    );
    CREATE INDEX spans_by_trace ON spans (trace_key);
    CREATE INDEX spans_by_service ON spans (service, start_ns, operation, duration_ns, trace_key);
    CREATE INDEX spans_by_start ON spans (start_ns, duration_ns, trace_key);
    CREATE INDEX spans_by_duration ON spans (duration_class, start_ns);
    CREATE TABLE tag_runs (
        run INTEGER PRIMARY KEY,
        postings INTEGER NOT NULL,
        min_trace INTEGER NOT NULL,
        max_trace INTEGER NOT NULL
    );
    CREATE TABLE tag_postings (
        run INTEGER NOT NULL,
        hash INTEGER NOT NULL,
        traces BLOB NOT NULL,
        PRIMARY KEY (run, hash)
    ) WITHOUT ROWID;
    CREATE TABLE operation_minutes (
        minute INTEGER NOT NULL,
        service INTEGER NOT NULL,
        operation INTEGER NOT NULL,
        kind INTEGER NOT NULL,
        version INTEGER NOT NULL,
        colour INTEGER NOT NULL,
        spans INTEGER NOT NULL,
        errors INTEGER NOT NULL,
        PRIMARY KEY (minute, service, operation, kind, version, colour)
    ) WITHOUT ROWID;
    CREATE TABLE attribute_keys (
        key TEXT NOT NULL,
        service INTEGER NOT NULL,
        resource INTEGER NOT NULL,
        PRIMARY KEY (key, service, resource)
    ) WITHOUT ROWID;
    CREATE TABLE attribute_values (
        key TEXT NOT NULL,
        service INTEGER NOT NULL,
        value TEXT NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (key, service, value)
    ) WITHOUT ROWID;
    )sql",
};
static_assert(std::size(kMigrations) == TraceStore::kSchemaVersion);

constexpr std::int64_t kEmptyString = 1;
// Attribute values remembered per key and service for completion, and their longest length.
constexpr std::size_t kValuesPerKey = 100;
constexpr std::size_t kMaxValueBytes = 128;
constexpr auto kValueCountFlush = std::chrono::seconds(10);
// Traces deleted per retention transaction.
constexpr std::int64_t kRetentionChunk = 1000;
// Below this many postings a run is merged with 7 others of its class; at or above, never.
constexpr std::int64_t kRunMergeLimit = 32768;
constexpr std::size_t kRunsPerMerge = 8;
constexpr std::size_t kTraceCacheLimit = 200000;

Status inFile(const std::filesystem::path &path, const Status &status) {
    if (status.isOk()) {
        return status;
    }
    return Status(status.code(), "span store " + path.string() + ": " + status.message());
}

StatusOr<sqlite3 *> openConnection(const std::filesystem::path &path, bool reader) {
    auto db = store::openConnection(path, {"PRAGMA mmap_size=268435456",
                                           "PRAGMA journal_size_limit=67108864",
                                           "PRAGMA temp_store=MEMORY"});
    if (db) {
        exec(*db, reader ? "PRAGMA cache_size=-16384" : "PRAGMA cache_size=-65536");
    }
    return db;
}

Status migrate(sqlite3 *db) {
    auto current = store::userVersion(db);
    if (!current) {
        return current.status();
    }
    if (*current > TraceStore::kSchemaVersion) {
        return failedPrecondition(
            "schema version " + std::to_string(*current) + " is newer than this aegisd supports (" +
            std::to_string(TraceStore::kSchemaVersion) + "); run a newer aegisd");
    }
    for (int version = *current; version < TraceStore::kSchemaVersion; ++version) {
        if (Status status = store::applyMigration(db, kMigrations[version], version + 1);
            !status.isOk()) {
            return internalError("migrating to schema version " + std::to_string(version + 1) +
                                 ": " + status.message());
        }
    }
    return Status::ok();
}

std::uint64_t usedBytes(sqlite3 *db) {
    Statement pages(db, "PRAGMA page_count");
    Statement free(db, "PRAGMA freelist_count");
    Statement size(db, "PRAGMA page_size");
    if (pages.step() != SQLITE_ROW || free.step() != SQLITE_ROW || size.step() != SQLITE_ROW) {
        return 0;
    }
    return static_cast<std::uint64_t>((pages.integer(0) - free.integer(0)) * size.integer(0));
}

// The class a run of `postings` entries is merged within (runs merge 8 at a time with their
// class): 0 below 512, 1 below 4096, 2 below 32768; -1 for runs that are never merged.
int runClass(std::int64_t postings) {
    if (postings >= kRunMergeLimit) {
        return -1;
    }
    return postings < 512 ? 0 : postings < 4096 ? 1 : 2;
}

struct TraceIdHash {
    std::size_t operator()(const TraceId &id) const {
        std::uint64_t value = 0;
        for (std::size_t i = 0; i < 8; ++i) {
            value = value << 8 | id[i];
        }
        return static_cast<std::size_t>(value);
    }
};

std::string_view bytesOf(const TraceId &id) {
    return {reinterpret_cast<const char *>(id.data()), id.size()};
}

std::uint64_t fnvOf(std::string_view bytes) {
    std::uint64_t hash = 14695981039346656037ULL;
    for (const char c : bytes) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 1099511628211ULL;
    }
    return hash;
}

} // namespace

namespace detail {

ResourceIdentity identityOf(const opentelemetry::proto::resource::v1::Resource &resource) {
    ResourceIdentity identity;
    std::string aegisColour;
    std::string otherColour;
    for (const KeyValue &attribute : resource.attributes()) {
        if (attribute.value().value_case() != AnyValue::kStringValue) {
            continue;
        }
        const std::string &key = attribute.key();
        const std::string &value = attribute.value().string_value();
        if (key == "service.name") {
            identity.service = value;
        } else if (key == "service.version") {
            identity.version = value;
        } else if (key == "aegis.colour") {
            aegisColour = value;
        } else if ((key == "color" || key == "colour") && otherColour.empty()) {
            otherColour = value;
        }
    }
    if (identity.service.empty()) {
        identity.service = "unknown_service";
    }
    identity.colour = !aegisColour.empty() ? aegisColour : otherColour;
    return identity;
}

namespace {

void appendJson(const AnyValue &value, std::string &out) {
    switch (value.value_case()) {
    case AnyValue::kStringValue:
        JsonWriter::appendString(out, value.string_value());
        break;
    case AnyValue::kIntValue:
        out += std::to_string(value.int_value());
        break;
    case AnyValue::kDoubleValue: {
        if (!std::isfinite(value.double_value())) {
            out += "null"; // JSON has no NaN or infinity (nlohmann writes null too)
            break;
        }
        char text[32];
        std::snprintf(text, sizeof text, "%.17g", value.double_value());
        out += text;
        break;
    }
    case AnyValue::kBoolValue:
        out += value.bool_value() ? "true" : "false";
        break;
    case AnyValue::kArrayValue: {
        out += '[';
        bool first = true;
        for (const AnyValue &item : value.array_value().values()) {
            out += first ? "" : ",";
            first = false;
            appendJson(item, out);
        }
        out += ']';
        break;
    }
    case AnyValue::kKvlistValue: {
        out += '{';
        bool first = true;
        for (const KeyValue &item : value.kvlist_value().values()) {
            out += first ? "" : ",";
            first = false;
            JsonWriter::appendString(out, item.key());
            out += ':';
            appendJson(item.value(), out);
        }
        out += '}';
        break;
    }
    case AnyValue::kBytesValue: {
        std::string hex;
        for (const char c : value.bytes_value()) {
            char byte[3];
            std::snprintf(byte, sizeof byte, "%02x", static_cast<unsigned char>(c));
            hex += byte;
        }
        JsonWriter::appendString(out, hex);
        break;
    }
    default:
        out += "null";
    }
}

} // namespace

TagValue tagValueOf(const AnyValue &value) {
    switch (value.value_case()) {
    case AnyValue::kStringValue:
        return value.string_value();
    case AnyValue::kIntValue:
        return value.int_value();
    case AnyValue::kDoubleValue:
        return value.double_value();
    case AnyValue::kBoolValue:
        return value.bool_value();
    default: {
        std::string json;
        appendJson(value, json);
        return json;
    }
    }
}

const char *kindName(int kind) {
    switch (kind) {
    case 1:
        return "internal";
    case 2:
        return "server";
    case 3:
        return "client";
    case 4:
        return "producer";
    case 5:
        return "consumer";
    default:
        return "unspecified";
    }
}

std::uint32_t timelineFlags(const Span &span) {
    std::uint32_t flags = static_cast<std::uint32_t>(span.kind()) & kTimelineKindMask;
    if (span.status().code() == Status_StatusCode_STATUS_CODE_ERROR) {
        flags |= kTimelineError;
    } else if (span.status().code() == Status_StatusCode_STATUS_CODE_OK) {
        flags |= kTimelineOk;
    }
    if (span.events_size() > 0) {
        flags |= kTimelineHasEvents;
    }
    if (span.links_size() > 0) {
        flags |= kTimelineHasLinks;
    }
    return flags;
}

std::uint64_t spanIdValue(const std::string &bytes) {
    const auto id = spanIdFromBytes(bytes);
    return id ? spanIdToInt(*id) : 0;
}

} // namespace detail

// The writer's connection, statements and what it keeps in memory to avoid reading back what it
// wrote. Used by the writer thread only (and by open() before the thread starts).
class TraceStore::Writer {
public:
    Writer(sqlite3 *db, const TraceStoreOptions &options)
        : m_db(db)
        , m_options(options)
        , m_findString(db, "SELECT id FROM strings WHERE value = ?")
        , m_insertString(db, "INSERT INTO strings (value) VALUES (?)")
        , m_findResource(db, "SELECT id, service, version, colour FROM resources WHERE hash = ?")
        , m_insertResource(db, "INSERT INTO resources (hash, service, version, colour, "
                               "schema_url, resource) VALUES (?, ?, ?, ?, ?, ?)")
        , m_findScope(db, "SELECT id FROM scopes WHERE hash = ?")
        , m_insertScope(db, "INSERT INTO scopes (hash, schema_url, scope) VALUES (?, ?, ?)")
        , m_findTrace(db, "SELECT trace_key FROM traces WHERE trace_id = ?")
        , m_insertTrace(db, "INSERT INTO traces (trace_id, start_ns, end_ns, span_count, "
                            "error_count, root_service, last_received_ns) "
                            "VALUES (?, ?, ?, 0, 0, 0, ?)")
        , m_updateTrace(db, "UPDATE traces SET start_ns = min(start_ns, ?2), "
                            "end_ns = max(end_ns, ?3), span_count = span_count + ?4, "
                            "error_count = error_count + ?5, root_service = CASE WHEN ?6 != 0 "
                            "THEN ?6 ELSE root_service END, last_received_ns = ?7 "
                            "WHERE trace_key = ?1")
        , m_insertSpan(db, "INSERT INTO spans (trace_key, span_id, parent_id, service, operation, "
                           "resource, scope, flags, start_ns, duration_ns, duration_class, body) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        , m_insertPosting(db, "INSERT INTO tag_postings (run, hash, traces) VALUES (?, ?, ?)")
        , m_insertRun(db, "INSERT INTO tag_runs (run, postings, min_trace, max_trace) "
                          "VALUES (?, ?, ?, ?)")
        , m_upsertMinute(db, "INSERT INTO operation_minutes (minute, service, operation, kind, "
                             "version, colour, spans, errors) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                             "ON CONFLICT DO UPDATE SET spans = spans + excluded.spans, "
                             "errors = errors + excluded.errors")
        , m_insertKey(db, "INSERT OR IGNORE INTO attribute_keys (key, service, resource) "
                          "VALUES (?, ?, ?)")
        , m_upsertValue(db, "INSERT INTO attribute_values (key, service, value, count) "
                            "VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET "
                            "count = count + excluded.count")
        , m_setMeta(db, "UPDATE meta SET value = ? WHERE name = ?") {}

    bool prepared() const {
        for (const Statement *s :
             {&m_findString, &m_insertString, &m_findResource, &m_insertResource, &m_findScope,
              &m_insertScope, &m_findTrace, &m_insertTrace, &m_updateTrace, &m_insertSpan,
              &m_insertPosting, &m_insertRun, &m_upsertMinute, &m_insertKey, &m_upsertValue,
              &m_setMeta}) {
            if (!s->prepared()) {
                return false;
            }
        }
        return true;
    }

    // Reads what the writer keeps in memory: counters, the index's runs, known keys and values.
    Status load() {
        Statement meta(m_db, "SELECT name, value FROM meta");
        while (meta.step() == SQLITE_ROW) {
            const std::string name = meta.text(0);
            if (name == "spans") {
                m_spans = meta.integer(1);
            } else if (name == "traces") {
                m_traces = meta.integer(1);
            }
        }
        Statement runs(m_db, "SELECT run, postings, min_trace, max_trace FROM tag_runs "
                             "ORDER BY run");
        while (runs.step() == SQLITE_ROW) {
            m_runs.push_back({runs.integer(0), runs.integer(1), runs.integer(2), runs.integer(3)});
        }
        m_nextRun = m_runs.empty() ? 1 : m_runs.back().run + 1;
        Statement keys(m_db, "SELECT key, service, resource FROM attribute_keys");
        while (keys.step() == SQLITE_ROW) {
            m_knownKeys.insert(keyHash(keys.text(0), keys.integer(1), keys.integer(2) != 0));
        }
        Statement values(m_db, "SELECT key, service, value FROM attribute_values");
        while (values.step() == SQLITE_ROW) {
            const std::string key = values.text(0);
            if (m_knownValues.insert(valueHash(key, values.integer(1), values.text(2))).second) {
                ++m_valuesPerKey[keyHash(key, values.integer(1), false)];
            }
        }
        m_lastValueFlush = std::chrono::steady_clock::now();
        return refreshMinLiveTrace();
    }

    std::uint64_t spans() const { return static_cast<std::uint64_t>(m_spans); }
    std::uint64_t traces() const { return static_cast<std::uint64_t>(m_traces); }
    std::size_t runs() const { return m_runs.size(); }

    // Writes every batch in one transaction; durable when it returns OK.
    Status ingest(const std::vector<const SpanBatch *> &batches) {
        if (Status status = exec(m_db, "BEGIN IMMEDIATE"); !status.isOk()) {
            return status;
        }
        Status status = writeBatches(batches);
        if (status.isOk()) {
            status = exec(m_db, "COMMIT");
        }
        if (!status.isOk()) {
            exec(m_db, "ROLLBACK");
            forgetCaches();
            reloadCounters();
        }
        return status;
    }

    // Merges the oldest runs of a class that has kRunsPerMerge of them, in its own transaction.
    Status mergeRunsIfDue() {
        for (int cls = 0; cls <= 2; ++cls) {
            std::vector<Run> chosen;
            for (const Run &run : m_runs) {
                if (runClass(run.postings) == cls) {
                    chosen.push_back(run);
                    if (chosen.size() == kRunsPerMerge) {
                        break;
                    }
                }
            }
            if (chosen.size() == kRunsPerMerge) {
                return mergeRuns(chosen);
            }
        }
        return Status::ok();
    }

    // Deletes the traces (all their spans), durably; `deleted` counts those that existed.
    Status deleteTraces(const std::vector<TraceId> &traces, std::uint64_t &deleted) {
        if (Status status = exec(m_db, "BEGIN IMMEDIATE"); !status.isOk()) {
            return status;
        }
        Statement find(m_db, "SELECT trace_key, span_count FROM traces WHERE trace_id = ?");
        Statement spans(m_db, "DELETE FROM spans WHERE trace_key = ?");
        Statement trace(m_db, "DELETE FROM traces WHERE trace_key = ?");
        Status status;
        std::int64_t removedSpans = 0;
        deleted = 0;
        for (const TraceId &id : traces) {
            find.reset();
            find.bindBlob(1, bytesOf(id));
            if (find.step() != SQLITE_ROW) {
                continue;
            }
            const std::int64_t key = find.integer(0);
            spans.reset();
            spans.bind(1, key);
            trace.reset();
            trace.bind(1, key);
            if (spans.step() != SQLITE_DONE || trace.step() != SQLITE_DONE) {
                status = sqliteError(m_db, "deleting a trace");
                break;
            }
            removedSpans += find.integer(1);
            ++deleted;
        }
        find.reset();
        if (status.isOk()) {
            m_spans -= removedSpans;
            m_traces -= static_cast<std::int64_t>(deleted);
            status = writeCounters();
        }
        if (status.isOk()) {
            status = exec(m_db, "COMMIT");
        }
        if (!status.isOk()) {
            exec(m_db, "ROLLBACK");
            reloadCounters();
            deleted = 0;
        }
        m_traceKeys.clear();
        return status;
    }

    // One retention transaction: the oldest traces (by arrival) whose last span arrived longer
    // than max_age ago (the server's clock: a span's own start may be anything), or,
    // when none is, while the file's used bytes exceed max_bytes. Sets `more` when it should
    // run again, `reason` and `deleted` to what it did.
    Status retentionStep(bool &more, const char *&reason, std::uint64_t &deleted) {
        more = false;
        deleted = 0;
        const std::int64_t cutoff =
            std::chrono::duration_cast<std::chrono::nanoseconds>(
                (m_options.clock->now() - m_options.retentionMaxAge).time_since_epoch())
                .count();
        Statement oldest(m_db, "SELECT trace_key, last_received_ns, span_count FROM traces "
                               "ORDER BY trace_key LIMIT ?");
        oldest.bind(1, kRetentionChunk);
        std::vector<std::pair<std::int64_t, std::int64_t>> head; // key, spans
        bool allOld = true;
        int rc;
        while ((rc = oldest.step()) == SQLITE_ROW) {
            if (oldest.integer(1) >= cutoff) {
                allOld = false;
                break;
            }
            head.push_back({oldest.integer(0), oldest.integer(2)});
        }
        oldest.reset();
        reason = "age";
        std::uint64_t sizeBefore = 0;
        if (head.empty()) {
            sizeBefore = usedBytes(m_db);
            if (m_options.retentionMaxBytes <= 0 ||
                sizeBefore <= static_cast<std::uint64_t>(m_options.retentionMaxBytes)) {
                m_sizeUnreachableWarned = false;
                return Status::ok();
            }
            // What the other tables hold (strings, attribute values, per-minute counts) is not
            // freed by deleting traces: once the last steps show that deleting every trace left
            // would not bring the size under the limit, new traces are kept.
            const std::uint64_t excess =
                sizeBefore - static_cast<std::uint64_t>(m_options.retentionMaxBytes);
            if (m_bytesPerTrace &&
                static_cast<std::uint64_t>(m_traces) * *m_bytesPerTrace < excess) {
                if (!m_sizeUnreachableWarned) {
                    m_sizeUnreachableWarned = true;
                    log::warn("span store retention cannot reach tracing.retention.max_bytes by "
                              "deleting traces; raise the limit",
                              {{"bytes", sizeBefore},
                               {"max_bytes", m_options.retentionMaxBytes},
                               {"traces", m_traces}});
                }
                return Status::ok();
            }
            reason = "size";
            Statement first(m_db, "SELECT trace_key, span_count FROM traces ORDER BY trace_key "
                                  "LIMIT ?");
            // Small steps: each frees some megabytes, and the size is checked again after each.
            first.bind(1, kRetentionChunk / 4);
            while (first.step() == SQLITE_ROW) {
                head.push_back({first.integer(0), first.integer(1)});
            }
            if (head.empty()) {
                return Status::ok();
            }
            allOld = true;
        }
        const std::int64_t last = head.back().first;
        if (Status status = exec(m_db, "BEGIN IMMEDIATE"); !status.isOk()) {
            return status;
        }
        Statement spans(m_db, "DELETE FROM spans WHERE trace_key <= ?");
        Statement traces(m_db, "DELETE FROM traces WHERE trace_key <= ?");
        Statement postings(m_db, "DELETE FROM tag_postings WHERE run = ?");
        Statement runs(m_db, "DELETE FROM tag_runs WHERE run = ?");
        Statement minutes(m_db, "DELETE FROM operation_minutes WHERE minute < ?");
        spans.bind(1, last);
        traces.bind(1, last);
        minutes.bind(1, cutoff / 60'000'000'000);
        Status status = spans.step() == SQLITE_DONE && traces.step() == SQLITE_DONE &&
                                minutes.step() == SQLITE_DONE
                            ? Status::ok()
                            : sqliteError(m_db, "deleting old traces");
        std::vector<Run> kept;
        for (const Run &run : m_runs) {
            if (status.isOk() && run.maxTrace <= last) {
                postings.reset();
                postings.bind(1, run.run);
                runs.reset();
                runs.bind(1, run.run);
                if (postings.step() != SQLITE_DONE || runs.step() != SQLITE_DONE) {
                    status = sqliteError(m_db, "deleting index runs");
                }
            } else {
                kept.push_back(run);
            }
        }
        std::int64_t removedSpans = 0;
        for (const auto &[key, count] : head) {
            removedSpans += count;
        }
        if (status.isOk()) {
            m_spans -= removedSpans;
            m_traces -= static_cast<std::int64_t>(head.size());
            status = writeCounters();
        }
        if (status.isOk()) {
            status = exec(m_db, "COMMIT");
        }
        if (!status.isOk()) {
            exec(m_db, "ROLLBACK");
            reloadCounters();
            return status;
        }
        m_runs = std::move(kept);
        m_traceKeys.clear();
        deleted = head.size();
        more = allOld;
        if (sizeBefore > 0) {
            const std::uint64_t sizeAfter = usedBytes(m_db);
            m_bytesPerTrace = sizeAfter < sizeBefore ? (sizeBefore - sizeAfter) / deleted : 0;
        }
        return refreshMinLiveTrace();
    }

    // Writes what is pending that needs no hurry (attribute value counts).
    Status flush() {
        if (m_valueCounts.empty()) {
            return Status::ok();
        }
        if (Status status = exec(m_db, "BEGIN IMMEDIATE"); !status.isOk()) {
            return status;
        }
        Status status = writeValueCounts();
        status = status.isOk() ? exec(m_db, "COMMIT") : status;
        if (!status.isOk()) {
            exec(m_db, "ROLLBACK");
        }
        return status;
    }

private:
    struct Run {
        std::int64_t run;
        std::int64_t postings;
        std::int64_t minTrace;
        std::int64_t maxTrace;
    };
    struct ResourceEntry {
        std::int64_t id;
        std::int64_t service;
        std::int64_t version;
        std::int64_t colour;
        std::vector<std::int64_t> tagHashes;
        std::vector<std::string> keys;
    };
    struct TraceUpdate {
        std::int64_t start = std::numeric_limits<std::int64_t>::max();
        std::int64_t end = std::numeric_limits<std::int64_t>::min();
        std::int64_t spans = 0;
        std::int64_t errors = 0;
        std::int64_t rootService = 0;
    };
    struct MinuteKey {
        std::int64_t minute, service, operation, kind, version, colour;
        auto operator<=>(const MinuteKey &) const = default;
    };

    static std::uint64_t keyHash(std::string_view key, std::int64_t service, bool resource) {
        const std::int64_t tail[2] = {service, resource ? 1 : 0};
        return fnvOf(key) ^ fnvOf({reinterpret_cast<const char *>(tail), sizeof tail});
    }
    static std::uint64_t valueHash(std::string_view key, std::int64_t service,
                                   std::string_view value) {
        return keyHash(key, service, false) * 31 + fnvOf(value);
    }

    Status writeBatches(const std::vector<const SpanBatch *> &batches) {
        std::unordered_map<std::int64_t, std::vector<std::int64_t>> postings;
        std::map<std::int64_t, TraceUpdate> traceUpdates;
        std::map<MinuteKey, std::pair<std::int64_t, std::int64_t>> minutes;
        std::set<std::pair<std::int64_t, std::int64_t>> resourcesPosted; // (resource, trace)
        std::vector<std::int64_t> hashes;
        std::string body;
        std::int64_t written = 0;
        for (const SpanBatch *batch : batches) {
            const std::int64_t received = batch->receivedUnixNano;
            for (const auto &resourceSpans : batch->request.resource_spans()) {
                auto resource = resourceOf(resourceSpans.resource(), resourceSpans.schema_url());
                if (!resource) {
                    return resource.status();
                }
                const ResourceEntry &res = **resource;
                for (const auto &scopeSpans : resourceSpans.scope_spans()) {
                    auto scope = scopeOf(scopeSpans.scope(), scopeSpans.schema_url());
                    if (!scope) {
                        return scope.status();
                    }
                    for (const Span &span : scopeSpans.spans()) {
                        const auto traceId = traceIdFromBytes(span.trace_id());
                        if (!traceId) {
                            continue; // the ingest refuses these; never index a trace of zeros
                        }
                        auto traceKey = traceKeyOf(*traceId, received);
                        if (!traceKey) {
                            return traceKey.status();
                        }
                        auto operation = stringId(span.name());
                        if (!operation) {
                            return operation.status();
                        }
                        const std::int64_t start =
                            static_cast<std::int64_t>(span.start_time_unix_nano());
                        const std::int64_t end =
                            std::max(start, static_cast<std::int64_t>(span.end_time_unix_nano()));
                        const std::int64_t duration = end - start;
                        const std::uint32_t flags = timelineFlags(span);
                        const bool error = (flags & kTimelineError) != 0;
                        const bool root = span.parent_span_id().empty();

                        // The trace id is the row's; the body keeps everything else as received.
                        // Field 1 is serialized first: its 18 bytes are cut off the encoding.
                        body.clear();
                        span.SerializeToString(&body);
                        std::string_view stored = body;
                        if (stored.size() >= 18 && stored[0] == '\x0a' && stored[1] == '\x10') {
                            stored.remove_prefix(18);
                        }
                        Statement &insert = m_insertSpan;
                        insert.reset();
                        insert.bind(1, *traceKey)
                            .bind(2, static_cast<std::int64_t>(spanIdValue(span.span_id())))
                            .bind(3, static_cast<std::int64_t>(spanIdValue(span.parent_span_id())))
                            .bind(4, res.service)
                            .bind(5, *operation)
                            .bind(6, res.id)
                            .bind(7, *scope)
                            .bind(8, flags)
                            .bind(9, start)
                            .bind(10, duration)
                            .bind(11, std::bit_width(static_cast<std::uint64_t>(duration)))
                            .bindStaticBlob(12, stored);
                        if (insert.step() != SQLITE_DONE) {
                            return sqliteError(m_db, "writing a span");
                        }
                        insert.reset();
                        ++written;

                        TraceUpdate &update = traceUpdates[*traceKey];
                        update.start = std::min(update.start, start);
                        update.end = std::max(update.end, end);
                        ++update.spans;
                        update.errors += error ? 1 : 0;
                        if (root) {
                            update.rootService = res.service;
                        }
                        auto &minute = minutes[{start / 60'000'000'000, res.service, *operation,
                                                static_cast<std::int64_t>(span.kind()), res.version,
                                                res.colour}];
                        ++minute.first;
                        minute.second += error ? 1 : 0;

                        hashes.clear();
                        for (const KeyValue &attribute : span.attributes()) {
                            tagHashesOf(attribute, hashes);
                            if (Status status = noteAttribute(attribute, res.service, false);
                                !status.isOk()) {
                                return status;
                            }
                        }
                        if (resourcesPosted.insert({res.id, *traceKey}).second) {
                            hashes.insert(hashes.end(), res.tagHashes.begin(), res.tagHashes.end());
                        }
                        for (const std::int64_t hash : hashes) {
                            postings[hash].push_back(*traceKey);
                        }
                    }
                }
            }
        }
        for (const auto &[key, update] : traceUpdates) {
            Statement &stmt = m_updateTrace;
            stmt.reset();
            stmt.bind(1, key).bind(2, update.start).bind(3, update.end).bind(4, update.spans);
            stmt.bind(5, update.errors).bind(6, update.rootService);
            stmt.bind(7, batches.back()->receivedUnixNano);
            if (stmt.step() != SQLITE_DONE) {
                return sqliteError(m_db, "updating a trace");
            }
        }
        for (const auto &[key, counts] : minutes) {
            Statement &stmt = m_upsertMinute;
            stmt.reset();
            stmt.bind(1, key.minute).bind(2, key.service).bind(3, key.operation);
            stmt.bind(4, key.kind).bind(5, key.version).bind(6, key.colour);
            stmt.bind(7, counts.first).bind(8, counts.second);
            if (stmt.step() != SQLITE_DONE) {
                return sqliteError(m_db, "counting operations");
            }
        }
        if (Status status = writeRun(postings); !status.isOk()) {
            return status;
        }
        m_spans += written;
        // A value seen for the first time is written at once (completion offers it); counts of
        // known ones accumulate and are written every few seconds.
        if (m_newValue || std::chrono::steady_clock::now() - m_lastValueFlush >= kValueCountFlush) {
            if (Status status = writeValueCounts(); !status.isOk()) {
                return status;
            }
        }
        return writeCounters();
    }

    // The batch's postings as one new run of the attribute index, appended in hash order.
    Status writeRun(std::unordered_map<std::int64_t, std::vector<std::int64_t>> &postings) {
        if (postings.empty()) {
            return Status::ok();
        }
        std::vector<std::int64_t> order;
        order.reserve(postings.size());
        for (const auto &[hash, keys] : postings) {
            order.push_back(hash);
        }
        std::sort(order.begin(), order.end());
        const std::int64_t run = m_nextRun;
        std::int64_t count = 0;
        std::int64_t minTrace = std::numeric_limits<std::int64_t>::max();
        std::int64_t maxTrace = 0;
        std::string encoded;
        for (const std::int64_t hash : order) {
            auto &keys = postings[hash];
            std::sort(keys.begin(), keys.end());
            keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
            count += static_cast<std::int64_t>(keys.size());
            minTrace = std::min(minTrace, keys.front());
            maxTrace = std::max(maxTrace, keys.back());
            encoded = encodePostings(keys);
            Statement &stmt = m_insertPosting;
            stmt.reset();
            stmt.bind(1, run).bind(2, hash).bindStaticBlob(3, encoded);
            if (stmt.step() != SQLITE_DONE) {
                return sqliteError(m_db, "writing the attribute index");
            }
            stmt.reset();
        }
        m_insertRun.reset();
        m_insertRun.bind(1, run).bind(2, count).bind(3, minTrace).bind(4, maxTrace);
        if (m_insertRun.step() != SQLITE_DONE) {
            return sqliteError(m_db, "writing the attribute index");
        }
        m_pendingRun = Run{run, count, minTrace, maxTrace};
        return Status::ok();
    }

    Status mergeRuns(const std::vector<Run> &chosen) {
        if (Status status = exec(m_db, "BEGIN IMMEDIATE"); !status.isOk()) {
            return status;
        }
        std::string sql = "SELECT hash, traces FROM tag_postings WHERE run IN (";
        for (std::size_t i = 0; i < chosen.size(); ++i) {
            sql += (i ? "," : "") + std::to_string(chosen[i].run);
        }
        sql += ") ORDER BY hash";
        Statement read(m_db, sql.c_str());
        const std::int64_t run = m_nextRun;
        std::int64_t count = 0;
        std::int64_t minTrace = std::numeric_limits<std::int64_t>::max();
        std::int64_t maxTrace = 0;
        std::vector<std::int64_t> keys;
        std::string encoded;
        std::optional<std::int64_t> current;
        Status status;
        const auto emit = [&]() -> bool {
            std::sort(keys.begin(), keys.end());
            keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
            keys.erase(keys.begin(), std::lower_bound(keys.begin(), keys.end(), m_minLiveTrace));
            if (keys.empty()) {
                return true;
            }
            count += static_cast<std::int64_t>(keys.size());
            minTrace = std::min(minTrace, keys.front());
            maxTrace = std::max(maxTrace, keys.back());
            encoded = encodePostings(keys);
            Statement &stmt = m_insertPosting;
            stmt.reset();
            stmt.bind(1, run).bind(2, *current).bindStaticBlob(3, encoded);
            const bool ok = stmt.step() == SQLITE_DONE;
            stmt.reset();
            return ok;
        };
        int rc;
        while (status.isOk() && (rc = read.step()) == SQLITE_ROW) {
            const std::int64_t hash = read.integer(0);
            if (current && *current != hash) {
                if (!emit()) {
                    status = sqliteError(m_db, "merging the attribute index");
                }
                keys.clear();
            }
            current = hash;
            if (!decodePostings(read.blobView(1), keys)) {
                status = internalError("a damaged attribute index run");
            }
        }
        if (status.isOk() && current && !emit()) {
            status = sqliteError(m_db, "merging the attribute index");
        }
        Statement drop(m_db, "DELETE FROM tag_postings WHERE run = ?");
        Statement dropRun(m_db, "DELETE FROM tag_runs WHERE run = ?");
        for (const Run &old : chosen) {
            if (!status.isOk()) {
                break;
            }
            drop.reset();
            drop.bind(1, old.run);
            dropRun.reset();
            dropRun.bind(1, old.run);
            if (drop.step() != SQLITE_DONE || dropRun.step() != SQLITE_DONE) {
                status = sqliteError(m_db, "merging the attribute index");
            }
        }
        if (status.isOk() && count > 0) {
            m_insertRun.reset();
            m_insertRun.bind(1, run).bind(2, count).bind(3, minTrace).bind(4, maxTrace);
            if (m_insertRun.step() != SQLITE_DONE) {
                status = sqliteError(m_db, "merging the attribute index");
            }
        }
        if (status.isOk()) {
            status = exec(m_db, "COMMIT");
        }
        if (!status.isOk()) {
            exec(m_db, "ROLLBACK");
            return status;
        }
        std::vector<Run> kept;
        for (const Run &existing : m_runs) {
            if (std::none_of(chosen.begin(), chosen.end(),
                             [&](const Run &c) { return c.run == existing.run; })) {
                kept.push_back(existing);
            }
        }
        if (count > 0) {
            kept.push_back(Run{run, count, minTrace, maxTrace});
        }
        m_runs = std::move(kept);
        ++m_nextRun;
        return Status::ok();
    }

public:
    // After a successful commit: what the transaction wrote is now real.
    void committed() {
        if (m_pendingRun) {
            m_runs.push_back(*m_pendingRun);
            m_nextRun = m_pendingRun->run + 1;
            m_pendingRun.reset();
        }
    }

private:
    Status writeCounters() {
        for (const auto &[name, value] :
             {std::pair{"spans", m_spans}, std::pair{"traces", m_traces}}) {
            m_setMeta.reset();
            m_setMeta.bind(1, value).bindText(2, name);
            if (m_setMeta.step() != SQLITE_DONE) {
                return sqliteError(m_db, "writing the counters");
            }
        }
        return Status::ok();
    }

    void reloadCounters() {
        m_pendingRun.reset();
        Statement meta(m_db, "SELECT name, value FROM meta");
        while (meta.step() == SQLITE_ROW) {
            const std::string name = meta.text(0);
            if (name == "spans") {
                m_spans = meta.integer(1);
            } else if (name == "traces") {
                m_traces = meta.integer(1);
            }
        }
    }

    // After a rolled-back transaction the ids it assigned do not exist.
    void forgetCaches() {
        m_strings.clear();
        m_resources.clear();
        m_scopes.clear();
        m_traceKeys.clear();
    }

    Status refreshMinLiveTrace() {
        Statement min(m_db, "SELECT min(trace_key) FROM traces");
        if (min.step() != SQLITE_ROW) {
            return sqliteError(m_db, "reading the oldest trace");
        }
        m_minLiveTrace = min.integer(0);
        return Status::ok();
    }

    StatusOr<std::int64_t> stringId(const std::string &value) {
        if (value.empty()) {
            return kEmptyString;
        }
        if (const auto it = m_strings.find(value); it != m_strings.end()) {
            return it->second;
        }
        m_findString.bindText(1, value);
        m_insertString.bindText(1, value);
        auto id = findOrInsert(m_findString, m_insertString, "interning a string");
        if (!id) {
            return id.status();
        }
        if (m_strings.size() > 100000) {
            m_strings.clear();
        }
        m_strings.emplace(value, *id);
        return *id;
    }

    // The id of the row `find` (bound; the id in column 0) selects, or else of the row `insert`
    // (bound) adds, counted in `inserted` when given; the error names `what` was written. Leaves
    // both statements reset.
    StatusOr<std::int64_t> findOrInsert(Statement &find, Statement &insert, const char *what,
                                        std::int64_t *inserted = nullptr) {
        std::int64_t id = 0;
        if (find.step() == SQLITE_ROW) {
            id = find.integer(0);
        } else if (insert.step() == SQLITE_DONE) {
            id = sqlite3_last_insert_rowid(m_db);
            if (inserted != nullptr) {
                ++*inserted;
            }
        } else {
            Status error = sqliteError(m_db, what);
            find.reset();
            insert.reset();
            return error;
        }
        find.reset();
        insert.reset();
        return id;
    }

    StatusOr<const ResourceEntry *>
    resourceOf(const opentelemetry::proto::resource::v1::Resource &resource,
               const std::string &schemaUrl) {
        std::string bytes;
        resource.SerializeToString(&bytes);
        const auto hash = static_cast<std::int64_t>(fnvOf(bytes + '\0' + schemaUrl));
        if (const auto it = m_resources.find(hash); it != m_resources.end()) {
            return &it->second;
        }
        const ResourceIdentity identity = identityOf(resource);
        ResourceEntry entry;
        auto service = stringId(identity.service);
        auto version = stringId(identity.version);
        auto colour = stringId(identity.colour);
        if (!service || !version || !colour) {
            return !service ? service.status() : !version ? version.status() : colour.status();
        }
        entry.service = *service;
        entry.version = *version;
        entry.colour = *colour;
        m_findResource.bind(1, hash);
        m_insertResource.bind(1, hash).bind(2, entry.service).bind(3, entry.version);
        m_insertResource.bind(4, entry.colour).bindText(5, schemaUrl).bindBlob(6, bytes);
        auto id = findOrInsert(m_findResource, m_insertResource, "writing a resource");
        if (!id) {
            return id.status();
        }
        entry.id = *id;
        for (const KeyValue &attribute : resource.attributes()) {
            tagHashesOf(attribute, entry.tagHashes);
            if (Status status = noteAttribute(attribute, entry.service, true); !status.isOk()) {
                return status;
            }
        }
        std::sort(entry.tagHashes.begin(), entry.tagHashes.end());
        entry.tagHashes.erase(std::unique(entry.tagHashes.begin(), entry.tagHashes.end()),
                              entry.tagHashes.end());
        if (m_resources.size() > 10000) {
            m_resources.clear();
        }
        return &m_resources.emplace(hash, std::move(entry)).first->second;
    }

    StatusOr<std::int64_t>
    scopeOf(const opentelemetry::proto::common::v1::InstrumentationScope &scope,
            const std::string &schemaUrl) {
        std::string bytes;
        scope.SerializeToString(&bytes);
        const auto hash = static_cast<std::int64_t>(fnvOf(bytes + '\0' + schemaUrl));
        if (const auto it = m_scopes.find(hash); it != m_scopes.end()) {
            return it->second;
        }
        m_findScope.bind(1, hash);
        m_insertScope.bind(1, hash).bindText(2, schemaUrl).bindBlob(3, bytes);
        auto id = findOrInsert(m_findScope, m_insertScope, "writing a scope");
        if (!id) {
            return id.status();
        }
        if (m_scopes.size() > 10000) {
            m_scopes.clear();
        }
        m_scopes.emplace(hash, *id);
        return *id;
    }

    StatusOr<std::int64_t> traceKeyOf(const TraceId &id, std::int64_t received) {
        if (const auto it = m_traceKeys.find(id); it != m_traceKeys.end()) {
            return it->second;
        }
        m_findTrace.bindBlob(1, bytesOf(id));
        m_insertTrace.bindBlob(1, bytesOf(id));
        m_insertTrace.bind(2, std::numeric_limits<std::int64_t>::max());
        m_insertTrace.bind(3, std::numeric_limits<std::int64_t>::min()).bind(4, received);
        auto key = findOrInsert(m_findTrace, m_insertTrace, "writing a trace", &m_traces);
        if (!key) {
            return key.status();
        }
        if (m_traceKeys.size() >= kTraceCacheLimit) {
            m_traceKeys.clear();
        }
        m_traceKeys.emplace(id, *key);
        return *key;
    }

    // Remembers the key (and a short value) for ListAttributeKeys / ListAttributeValues.
    Status noteAttribute(const KeyValue &attribute, std::int64_t service, bool resource) {
        const std::uint64_t entry = keyHash(attribute.key(), service, resource);
        if (m_knownKeys.insert(entry).second) {
            m_insertKey.reset();
            m_insertKey.bindText(1, attribute.key()).bind(2, service).bind(3, resource ? 1 : 0);
            if (m_insertKey.step() != SQLITE_DONE) {
                m_knownKeys.erase(entry);
                return sqliteError(m_db, "recording an attribute key");
            }
        }
        const AnyValue &any = attribute.value();
        std::string number;
        std::string_view value;
        if (any.value_case() == AnyValue::kStringValue) {
            value = any.string_value();
        } else if (any.value_case() == AnyValue::kIntValue) {
            number = std::to_string(any.int_value());
            value = number;
        } else if (any.value_case() == AnyValue::kBoolValue) {
            value = any.bool_value() ? "true" : "false";
        }
        if (value.empty() || value.size() > kMaxValueBytes) {
            return Status::ok();
        }
        const std::uint64_t hash = valueHash(attribute.key(), service, value);
        if (!m_knownValues.count(hash)) {
            std::size_t &perKey = m_valuesPerKey[keyHash(attribute.key(), service, false)];
            if (perKey >= kValuesPerKey) {
                return Status::ok();
            }
            ++perKey;
            m_knownValues.insert(hash);
            m_newValue = true;
        }
        auto [pending, added] = m_valueCounts.try_emplace(hash);
        if (added) {
            pending->second = {attribute.key(), service, std::string(value), 0};
        }
        ++pending->second.count;
        return Status::ok();
    }

    Status writeValueCounts() {
        for (const auto &[hash, pending] : m_valueCounts) {
            m_upsertValue.reset();
            m_upsertValue.bindText(1, pending.key).bind(2, pending.service);
            m_upsertValue.bindText(3, pending.value).bind(4, pending.count);
            if (m_upsertValue.step() != SQLITE_DONE) {
                return sqliteError(m_db, "counting attribute values");
            }
        }
        m_valueCounts.clear();
        m_newValue = false;
        m_lastValueFlush = std::chrono::steady_clock::now();
        return Status::ok();
    }

    sqlite3 *m_db;
    const TraceStoreOptions &m_options;
    Statement m_findString, m_insertString, m_findResource, m_insertResource, m_findScope,
        m_insertScope, m_findTrace, m_insertTrace, m_updateTrace, m_insertSpan, m_insertPosting,
        m_insertRun, m_upsertMinute, m_insertKey, m_upsertValue, m_setMeta;

    std::int64_t m_spans = 0;
    std::int64_t m_traces = 0;
    // Bytes the last size retention step freed per trace; unset before the first.
    std::optional<std::uint64_t> m_bytesPerTrace;
    bool m_sizeUnreachableWarned = false;
    std::vector<Run> m_runs;
    std::optional<Run> m_pendingRun;
    std::int64_t m_nextRun = 1;
    std::int64_t m_minLiveTrace = 0;
    std::unordered_map<std::string, std::int64_t> m_strings;
    std::unordered_map<std::int64_t, ResourceEntry> m_resources;
    std::unordered_map<std::int64_t, std::int64_t> m_scopes;
    std::unordered_map<TraceId, std::int64_t, TraceIdHash> m_traceKeys;
    // What the attribute tables already hold, by hash (keys, values, values per key).
    std::unordered_set<std::uint64_t> m_knownKeys;
    std::unordered_set<std::uint64_t> m_knownValues;
    std::unordered_map<std::uint64_t, std::size_t> m_valuesPerKey;
    struct PendingValue {
        std::string key;
        std::int64_t service = 0;
        std::string value;
        std::int64_t count = 0;
    };
    std::unordered_map<std::uint64_t, PendingValue> m_valueCounts;
    std::chrono::steady_clock::time_point m_lastValueFlush;
    bool m_newValue = false;
};

TraceStoreOptions TraceStoreOptions::fromSettings(std::filesystem::path path,
                                                  const TracingSettings &settings) {
    TraceStoreOptions options;
    options.path = std::move(path);
    options.batchMaxDelay = settings.batchMaxDelay;
    options.retentionMaxAge = settings.retentionMaxAge;
    options.retentionMaxBytes = settings.retentionMaxBytes;
    return options;
}

TraceStore::TraceStore(TraceStoreOptions options)
    : m_options(std::move(options))
    , m_caches(std::make_unique<detail::ReadCaches>()) {
    if (!m_options.clock) {
        m_options.clock = std::make_shared<SystemClock>();
    }
}

StatusOr<std::unique_ptr<TraceStore>> TraceStore::open(TraceStoreOptions options) {
    std::unique_ptr<TraceStore> store(new TraceStore(std::move(options)));
    if (Status status = store->initialise(); !status.isOk()) {
        return inFile(store->m_options.path, status);
    }
    return store;
}

Status TraceStore::initialise() {
    auto writer = openConnection(m_options.path, false);
    if (!writer) {
        return writer.status();
    }
    sqlite3 *db = *writer;
    if (Status status = migrate(db); !status.isOk()) {
        sqlite3_close(db);
        return status;
    }
    m_writer = std::make_unique<Writer>(db, m_options);
    if (!m_writer->prepared()) {
        Status status = sqliteError(db, "preparing the writer's statements");
        m_writer.reset();
        sqlite3_close(db);
        return status;
    }
    m_writerDb = db;
    if (Status status = m_writer->load(); !status.isOk()) {
        return status;
    }
    if (Status status = m_readers.open(std::max<std::size_t>(1, m_options.readers),
                                       [this] { return openConnection(m_options.path, true); });
        !status.isOk()) {
        return status;
    }
    m_spansStored = m_writer->spans();
    m_tracesStored = m_writer->traces();
    m_bytes = usedBytes(db);
    m_writerThread = std::thread([this] { writerLoop(); });
    log::info("span store opened", {{"path", m_options.path.string()},
                                    {"spans", m_spansStored.load()},
                                    {"traces", m_tracesStored.load()}});
    return Status::ok();
}

TraceStore::~TraceStore() {
    close();
    m_readers.close();
    m_writer.reset();
    if (m_writerDb != nullptr) {
        sqlite3_close(m_writerDb);
    }
}

void TraceStore::close() {
    {
        std::lock_guard lock(m_queueMutex);
        if (m_closing) {
            return;
        }
        m_closing = true;
    }
    m_queueChanged.notify_all();
    if (m_writerThread.joinable()) {
        m_writerThread.join();
    }
    if (m_writer) {
        m_writer->flush();
    }
}

void TraceStore::exportMetrics(prometheus::Registry &registry) {
    m_metrics = std::make_shared<TraceStoreMetrics>(registry);
    m_metrics->stored(m_spansStored.load(), m_tracesStored.load(), m_bytes.load(), 0);
}

void TraceStore::accept(SpanBatchPtr batch, std::function<void(Status)> done) {
    const std::size_t bytes = batch->request.ByteSizeLong();
    const std::size_t maxSpans = m_options.maxQueuedSpans != 0
                                     ? m_options.maxQueuedSpans
                                     : 4 * m_options.maxSpansPerTransaction;
    Status refused;
    {
        std::lock_guard lock(m_queueMutex);
        if (m_closing) {
            refused = unavailable("the span store is closed");
        } else if (m_queuedSpans > 0 && (m_queuedSpans + batch->spanCount > maxSpans ||
                                         m_queuedBytes + bytes > m_options.maxQueuedBytes)) {
            // A batch beyond the limits on its own is still taken when nothing else waits.
            refused =
                unavailable("span store busy: " + std::to_string(m_queuedSpans) +
                            " spans queued for writing (limit " + std::to_string(maxSpans) +
                            " spans or " + std::to_string(m_options.maxQueuedBytes) + " bytes)");
        } else {
            m_queuedSpans += batch->spanCount;
            m_queuedBytes += bytes;
            m_queue.push_back(IngestJob{std::move(batch), std::move(done),
                                        std::chrono::steady_clock::now(), bytes});
            m_queueChanged.notify_one();
            return;
        }
    }
    done(refused);
}

Status TraceStore::submit(Job job) {
    auto promise = std::make_shared<std::promise<Status>>();
    auto future = promise->get_future();
    std::visit(
        [&](auto &j) {
            if constexpr (!std::is_same_v<std::decay_t<decltype(j)>, IngestJob>) {
                j.done = promise;
            }
        },
        job);
    {
        std::lock_guard lock(m_queueMutex);
        if (m_closing) {
            return unavailable("the span store is closed");
        }
        m_queue.push_back(std::move(job));
    }
    m_queueChanged.notify_one();
    return future.get();
}

Status TraceStore::deleteTraces(const std::vector<TraceId> &traces) {
    if (traces.empty()) {
        return Status::ok();
    }
    return submit(DeleteJob{traces, nullptr});
}

Status TraceStore::enforceRetention() {
    return submit(RetentionJob{nullptr});
}

void TraceStore::requestRetention() {
    {
        std::lock_guard lock(m_queueMutex);
        if (m_closing || m_retentionQueued) {
            return;
        }
        m_retentionQueued = true;
        m_queue.push_back(RetentionJob{nullptr});
    }
    m_queueChanged.notify_one();
}

void TraceStore::writerLoop() {
    std::vector<IngestJob> ingest;
    for (;;) {
        std::optional<Job> other;
        {
            std::unique_lock lock(m_queueMutex);
            m_queueChanged.wait(lock, [this] { return m_closing || !m_queue.empty(); });
            if (m_queue.empty()) {
                return; // closing, and everything queued before close() is written
            }
            if (auto *first = std::get_if<IngestJob>(&m_queue.front())) {
                // Exports that arrive within batch.max_delay of the first share its transaction.
                const auto deadline = first->queued + m_options.batchMaxDelay;
                m_queueChanged.wait_until(lock, deadline, [this] {
                    return m_closing || m_queuedSpans >= m_options.maxSpansPerTransaction ||
                           !std::holds_alternative<IngestJob>(m_queue.back());
                });
                std::size_t spans = 0;
                while (!m_queue.empty() && std::holds_alternative<IngestJob>(m_queue.front()) &&
                       (ingest.empty() || spans < m_options.maxSpansPerTransaction)) {
                    auto &job = std::get<IngestJob>(m_queue.front());
                    spans += job.batch->spanCount;
                    m_queuedSpans -= job.batch->spanCount;
                    m_queuedBytes -= job.bytes;
                    ingest.push_back(std::move(job));
                    m_queue.pop_front();
                }
            } else {
                other = std::move(m_queue.front());
                m_queue.pop_front();
            }
        }
        if (!ingest.empty()) {
            const auto started = std::chrono::steady_clock::now();
            std::vector<const SpanBatch *> batches;
            std::size_t spans = 0;
            for (const IngestJob &job : ingest) {
                batches.push_back(job.batch.get());
                spans += job.batch->spanCount;
            }
            Status status = m_writer->ingest(batches);
            if (status.isOk()) {
                m_writer->committed();
                if (m_metrics) {
                    m_metrics->committed(spans, std::chrono::steady_clock::now() - started);
                }
            } else {
                log::error("span store write failed", {{"error", status.message()}});
                if (m_metrics) {
                    m_metrics->failed();
                }
                status = unavailable("the spans were not stored: " + status.message());
            }
            publishCounts();
            for (IngestJob &job : ingest) {
                job.done(status);
            }
            ingest.clear();
            if (Status merged = m_writer->mergeRunsIfDue(); !merged.isOk()) {
                log::warn("span store index merge failed", {{"error", merged.message()}});
            }
            publishCounts();
        } else if (auto *job = std::get_if<DeleteJob>(&*other)) {
            std::uint64_t deleted = 0;
            Status status = m_writer->deleteTraces(job->traces, deleted);
            if (status.isOk() && m_metrics) {
                m_metrics->deleted("sampling", deleted);
            }
            publishCounts();
            job->done->set_value(status);
        } else if (auto *job = std::get_if<RetentionJob>(&*other)) {
            bool more = false;
            const char *reason = "age";
            std::uint64_t deleted = 0;
            Status status = m_writer->retentionStep(more, reason, deleted);
            if (status.isOk() && deleted > 0) {
                log::debug("span store retention", {{"reason", reason}, {"traces", deleted}});
                if (m_metrics) {
                    m_metrics->deleted(reason, deleted);
                }
            }
            publishCounts();
            bool requeued = false;
            if (status.isOk() && more) {
                // Again after what was queued meanwhile, so the ingest waits for one step only;
                // not once closing, so a retention backlog does not hold up the shutdown.
                std::lock_guard lock(m_queueMutex);
                if (!m_closing) {
                    m_queue.push_back(std::move(*job));
                    requeued = true;
                }
            }
            if (requeued) {
                continue;
            }
            if (job->done) {
                job->done->set_value(status);
            } else {
                if (!status.isOk()) {
                    log::warn("span store retention failed", {{"error", status.message()}});
                }
                std::lock_guard lock(m_queueMutex);
                m_retentionQueued = false;
            }
        }
    }
}

void TraceStore::publishCounts() {
    m_spansStored = m_writer->spans();
    m_tracesStored = m_writer->traces();
    m_bytes = usedBytes(m_writerDb);
    if (m_metrics) {
        m_metrics->stored(m_spansStored.load(), m_tracesStored.load(), m_bytes.load(),
                          m_writer->runs());
    }
}

} // namespace aegis::tracing
