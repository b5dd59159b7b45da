// The span store's queries: each runs in one read transaction on a reader connection of its own.

#include "tracing/tag_index.h"
#include "tracing/trace_store.h"
#include "tracing/trace_store_internal.h"

#include <sqlite3.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

namespace aegis::tracing {

using namespace detail;
using opentelemetry::proto::common::v1::KeyValue;
using opentelemetry::proto::trace::v1::Span;

// A reader connection for the length of one query, inside one read transaction (one snapshot).
class TraceStore::ReaderLease {
public:
    explicit ReaderLease(const TraceStore &store)
        : m_store(store)
        , m_db(store.m_readers.acquire()) {
        m_begun = exec(m_db, "BEGIN").isOk();
    }
    ~ReaderLease() {
        if (m_begun) {
            exec(m_db, "COMMIT");
        }
        m_store.m_readers.release(m_db);
    }
    sqlite3 *get() const { return m_db; }

private:
    const TraceStore &m_store;
    sqlite3 *m_db;
    bool m_begun = false;
};

StatusOr<std::string> detail::ReadCaches::string(sqlite3 *db, std::int64_t id) {
    {
        std::shared_lock lock(mutex);
        if (const auto it = strings.find(id); it != strings.end()) {
            return it->second;
        }
    }
    Statement stmt(db, "SELECT value FROM strings WHERE id = ?");
    stmt.bind(1, id);
    if (stmt.step() != SQLITE_ROW) {
        return internalError("the span store has no string " + std::to_string(id));
    }
    std::string value = stmt.text(0);
    std::unique_lock lock(mutex);
    strings.emplace(id, value);
    return value;
}

StatusOr<std::int64_t> detail::ReadCaches::stringId(sqlite3 *db, const std::string &value) {
    Statement stmt(db, "SELECT id FROM strings WHERE value = ?");
    stmt.bindText(1, value);
    const int rc = stmt.step();
    if (rc == SQLITE_ROW) {
        return stmt.integer(0);
    }
    if (rc != SQLITE_DONE) {
        return sqliteError(db, "reading strings");
    }
    return std::int64_t{0};
}

StatusOr<std::shared_ptr<const ResourceRecord>> detail::ReadCaches::resource(sqlite3 *db,
                                                                             std::int64_t id) {
    {
        std::shared_lock lock(mutex);
        if (const auto it = resources.find(id); it != resources.end()) {
            return it->second;
        }
    }
    Statement stmt(db, "SELECT service, version, colour, schema_url, resource FROM resources "
                       "WHERE id = ?");
    stmt.bind(1, id);
    if (stmt.step() != SQLITE_ROW) {
        return internalError("the span store has no resource " + std::to_string(id));
    }
    auto record = std::make_shared<ResourceRecord>();
    record->service = stmt.integer(0);
    record->version = stmt.integer(1);
    record->colour = stmt.integer(2);
    record->schemaUrl = stmt.text(3);
    const std::string_view bytes = stmt.blobView(4);
    record->resource.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
    std::unique_lock lock(mutex);
    resources.emplace(id, record);
    return std::shared_ptr<const ResourceRecord>(record);
}

StatusOr<std::shared_ptr<const ScopeRecord>> detail::ReadCaches::scope(sqlite3 *db,
                                                                       std::int64_t id) {
    {
        std::shared_lock lock(mutex);
        if (const auto it = scopes.find(id); it != scopes.end()) {
            return it->second;
        }
    }
    Statement stmt(db, "SELECT schema_url, scope FROM scopes WHERE id = ?");
    stmt.bind(1, id);
    if (stmt.step() != SQLITE_ROW) {
        return internalError("the span store has no scope " + std::to_string(id));
    }
    auto record = std::make_shared<ScopeRecord>();
    record->schemaUrl = stmt.text(0);
    const std::string_view bytes = stmt.blobView(1);
    record->scope.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
    std::unique_lock lock(mutex);
    scopes.emplace(id, record);
    return std::shared_ptr<const ScopeRecord>(record);
}

namespace {

// A span's query columns, as the trace's rows give them.
struct SpanRow {
    std::int64_t id = 0;
    std::uint64_t spanId = 0;
    std::uint64_t parentId = 0;
    std::int64_t service = 0;
    std::int64_t operation = 0;
    std::int64_t resource = 0;
    std::int64_t scope = 0;
    std::uint32_t flags = 0;
    std::int64_t start = 0;
    std::int64_t duration = 0;
};

constexpr const char *kSpanColumns =
    "id, span_id, parent_id, service, operation, resource, scope, flags, start_ns, duration_ns";

SpanRow spanRowOf(const Statement &stmt) {
    SpanRow row;
    row.id = stmt.integer(0);
    row.spanId = static_cast<std::uint64_t>(stmt.integer(1));
    row.parentId = static_cast<std::uint64_t>(stmt.integer(2));
    row.service = stmt.integer(3);
    row.operation = stmt.integer(4);
    row.resource = stmt.integer(5);
    row.scope = stmt.integer(6);
    row.flags = static_cast<std::uint32_t>(stmt.integer(7));
    row.start = stmt.integer(8);
    row.duration = stmt.integer(9);
    return row;
}

StatusOr<std::vector<SpanRow>> spanRows(sqlite3 *db, std::int64_t traceKey) {
    static const std::string sql =
        std::string("SELECT ") + kSpanColumns + " FROM spans WHERE trace_key = ?";
    Statement stmt(db, sql.c_str());
    stmt.bind(1, traceKey);
    std::vector<SpanRow> rows;
    int rc;
    while ((rc = stmt.step()) == SQLITE_ROW) {
        rows.push_back(spanRowOf(stmt));
    }
    if (rc != SQLITE_DONE) {
        return sqliteError(db, "reading a trace");
    }
    return rows;
}

StatusOr<std::optional<std::int64_t>> traceKeyOf(sqlite3 *db, const TraceId &id) {
    Statement stmt(db, "SELECT trace_key FROM traces WHERE trace_id = ?");
    stmt.bindBlob(1, std::string_view(reinterpret_cast<const char *>(id.data()), id.size()));
    const int rc = stmt.step();
    if (rc == SQLITE_ROW) {
        return std::optional<std::int64_t>(stmt.integer(0));
    }
    if (rc != SQLITE_DONE) {
        return sqliteError(db, "looking up a trace");
    }
    return std::optional<std::int64_t>();
}

StatusOr<Span> spanBody(sqlite3 *db, std::int64_t rowId) {
    Statement stmt(db, "SELECT body FROM spans WHERE id = ?");
    stmt.bind(1, rowId);
    if (stmt.step() != SQLITE_ROW) {
        return sqliteError(db, "reading a span");
    }
    Span span;
    const std::string_view bytes = stmt.blobView(0);
    if (!span.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
        return internalError("a stored span does not decode");
    }
    return span;
}

// The tag query's view of one span: its attributes, then its resource's; the pseudo-keys answer
// the span's own fields.
struct SpanFacts {
    const Span *span = nullptr;
    const ResourceRecord *resource = nullptr;
    std::string service;
    std::string version;
    std::string colour;
    std::uint32_t flags = 0;
};

std::vector<TagValue> lookUp(const SpanFacts &facts, std::string_view key) {
    std::vector<TagValue> values;
    for (const KeyValue &attribute : facts.span->attributes()) {
        if (attribute.key() == key) {
            values.push_back(tagValueOf(attribute.value()));
        }
    }
    if (values.empty()) {
        for (const KeyValue &attribute : facts.resource->resource.attributes()) {
            if (attribute.key() == key) {
                values.push_back(tagValueOf(attribute.value()));
            }
        }
    }
    if (!values.empty()) {
        return values;
    }
    if (key == "error") {
        return {TagValue((facts.flags & kTimelineError) != 0)};
    }
    if (key == "service") {
        return {TagValue(facts.service)};
    }
    if (key == "operation") {
        return {TagValue(facts.span->name())};
    }
    if (key == "version") {
        return facts.version.empty() ? values : std::vector<TagValue>{facts.version};
    }
    if (key == "colour") {
        return facts.colour.empty() ? values : std::vector<TagValue>{facts.colour};
    }
    if (key == "kind") {
        return {TagValue(std::string(kindName(static_cast<int>(facts.flags & kTimelineKindMask))))};
    }
    return values;
}

// What a span must satisfy to make its trace a search result.
struct SpanFilter {
    std::int64_t service = 0; // 0: any
    std::int64_t operation = 0;
    std::int64_t from = 0;
    std::int64_t to = 0;
    std::optional<std::int64_t> minDuration;
    std::optional<std::int64_t> maxDuration;
    const TagQuery *query = nullptr; // null: no tag condition

    bool columnsMatch(std::int64_t service_, std::int64_t operation_, std::int64_t start,
                      std::int64_t duration) const {
        return (service == 0 || service_ == service) &&
               (operation == 0 || operation_ == operation) && start >= from && start < to &&
               (!minDuration || duration >= *minDuration) &&
               (!maxDuration || duration <= *maxDuration);
    }
};

} // namespace

namespace {

// Checks the tag query on the span in row `rowId`.
StatusOr<bool> tagsMatch(detail::ReadCaches &caches, sqlite3 *db, std::int64_t rowId,
                         std::int64_t resourceId, std::uint32_t flags, const TagQuery &query) {
    auto span = spanBody(db, rowId);
    if (!span) {
        return span.status();
    }
    auto resource = caches.resource(db, resourceId);
    if (!resource) {
        return resource.status();
    }
    SpanFacts facts;
    facts.span = &*span;
    facts.resource = resource->get();
    facts.flags = flags;
    auto service = caches.string(db, (*resource)->service);
    auto version = caches.string(db, (*resource)->version);
    auto colour = caches.string(db, (*resource)->colour);
    if (!service || !version || !colour) {
        return internalError("the span store's strings are incomplete");
    }
    facts.service = *service;
    facts.version = *version;
    facts.colour = *colour;
    return query.matches([&facts](std::string_view key) { return lookUp(facts, key); });
}

// The start of the first span of the trace that satisfies the filter, if one does.
StatusOr<std::optional<std::int64_t>> traceMatch(detail::ReadCaches &caches, sqlite3 *db,
                                                 std::int64_t traceKey, const SpanFilter &filter) {
    Statement trace(db, "SELECT start_ns, end_ns FROM traces WHERE trace_key = ?");
    trace.bind(1, traceKey);
    if (trace.step() != SQLITE_ROW || trace.integer(1) < filter.from ||
        trace.integer(0) >= filter.to) {
        return std::optional<std::int64_t>();
    }
    auto rows = spanRows(db, traceKey);
    if (!rows) {
        return rows.status();
    }
    std::sort(rows->begin(), rows->end(),
              [](const SpanRow &a, const SpanRow &b) { return a.start > b.start; });
    for (const SpanRow &row : *rows) {
        if (!filter.columnsMatch(row.service, row.operation, row.start, row.duration)) {
            continue;
        }
        if (filter.query != nullptr) {
            auto matched = tagsMatch(caches, db, row.id, row.resource, row.flags, *filter.query);
            if (!matched) {
                return matched.status();
            }
            if (!*matched) {
                continue;
            }
        }
        return std::optional<std::int64_t>(row.start);
    }
    return std::optional<std::int64_t>();
}

// Traces the attribute index allows for the query's required terms, ascending; nullopt when no
// required term can use the index.
StatusOr<std::optional<std::vector<std::int64_t>>> indexCandidates(sqlite3 *db,
                                                                   const TagQuery &query) {
    std::vector<std::vector<std::int64_t>> termHashes;
    for (const TagTerm *term : query.requiredTerms()) {
        static const std::set<std::string, std::less<>> kPseudoKeys = {
            "error", "service", "operation", "version", "colour", "kind"};
        if (kPseudoKeys.count(term->key)) {
            continue; // answered by the span's fields, which the index does not post
        }
        auto hashes = tagLookupHashes(*term);
        if (!hashes.empty()) {
            termHashes.push_back(std::move(hashes));
        }
    }
    if (termHashes.empty()) {
        return std::optional<std::vector<std::int64_t>>();
    }
    std::vector<std::int64_t> runs;
    {
        Statement stmt(db, "SELECT run FROM tag_runs");
        while (stmt.step() == SQLITE_ROW) {
            runs.push_back(stmt.integer(0));
        }
    }
    Statement probe(db, "SELECT traces FROM tag_postings WHERE run = ? AND hash = ?");
    std::optional<std::vector<std::int64_t>> result;
    for (const auto &hashes : termHashes) {
        std::vector<std::int64_t> keys;
        for (const std::int64_t hash : hashes) {
            for (const std::int64_t run : runs) {
                probe.reset();
                probe.bind(1, run).bind(2, hash);
                const int rc = probe.step();
                if (rc == SQLITE_ROW) {
                    if (!decodePostings(probe.blobView(0), keys)) {
                        return internalError("a damaged attribute index run");
                    }
                } else if (rc != SQLITE_DONE) {
                    return sqliteError(db, "reading the attribute index");
                }
            }
        }
        probe.reset();
        std::sort(keys.begin(), keys.end());
        keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
        if (!result) {
            result = std::move(keys);
        } else {
            std::vector<std::int64_t> both;
            std::set_intersection(result->begin(), result->end(), keys.begin(), keys.end(),
                                  std::back_inserter(both));
            result = std::move(both);
        }
        if (result->empty()) {
            break;
        }
    }
    return result;
}

} // namespace

namespace {

StatusOr<TraceSummary> summaryOf(detail::ReadCaches &caches, sqlite3 *db, const TraceId &id,
                                 const std::vector<SpanRow> &rows) {
    TraceSummary summary;
    summary.traceId = id;
    summary.spanCount = static_cast<std::uint32_t>(rows.size());
    std::int64_t start = std::numeric_limits<std::int64_t>::max();
    std::int64_t end = std::numeric_limits<std::int64_t>::min();
    const SpanRow *root = nullptr;
    const SpanRow *earliest = nullptr;
    std::vector<std::pair<std::int64_t, ServiceSpanCount>> services;
    for (const SpanRow &row : rows) {
        start = std::min(start, row.start);
        end = std::max(end, row.start + row.duration);
        const bool error = (row.flags & kTimelineError) != 0;
        summary.errorCount += error ? 1 : 0;
        const auto before = [](const SpanRow *a, const SpanRow &b) {
            return a == nullptr || b.start < a->start ||
                   (b.start == a->start && b.spanId < a->spanId);
        };
        if (row.parentId == 0 && before(root, row)) {
            root = &row;
        }
        if (before(earliest, row)) {
            earliest = &row;
        }
        auto it = std::find_if(services.begin(), services.end(),
                               [&](const auto &entry) { return entry.first == row.service; });
        if (it == services.end()) {
            services.push_back({row.service, {}});
            it = services.end() - 1;
        }
        ++it->second.spanCount;
        it->second.errorCount += error ? 1 : 0;
    }
    if (rows.empty()) {
        return summary;
    }
    summary.startUnixNano = start;
    summary.durationNanos = end - start;
    summary.hasRoot = root != nullptr;
    const SpanRow *head = root != nullptr ? root : earliest;
    auto rootService = caches.string(db, head->service);
    auto rootOperation = caches.string(db, head->operation);
    if (!rootService || !rootOperation) {
        return !rootService ? rootService.status() : rootOperation.status();
    }
    summary.rootService = *rootService;
    summary.rootOperation = *rootOperation;
    for (auto &[serviceId, count] : services) {
        auto name = caches.string(db, serviceId);
        if (!name) {
            return name.status();
        }
        count.service = *name;
        summary.services.push_back(std::move(count));
    }
    std::sort(summary.services.begin(), summary.services.end(),
              [](const ServiceSpanCount &a, const ServiceSpanCount &b) {
                  return a.spanCount != b.spanCount ? a.spanCount > b.spanCount
                                                    : a.service < b.service;
              });
    return summary;
}

StatusOr<TraceSummary> summaryOfKey(detail::ReadCaches &caches, sqlite3 *db,
                                    std::int64_t traceKey) {
    Statement stmt(db, "SELECT trace_id FROM traces WHERE trace_key = ?");
    stmt.bind(1, traceKey);
    if (stmt.step() != SQLITE_ROW) {
        return notFound("trace gone");
    }
    const auto id = traceIdFromBytes(stmt.blobView(0));
    auto rows = spanRows(db, traceKey);
    if (!rows) {
        return rows.status();
    }
    return summaryOf(caches, db, id.value_or(TraceId{}), *rows);
}

} // namespace

StatusOr<TraceSearchResult> TraceStore::search(const TraceSearch &search) const {
    ReaderLease lease(*this);
    sqlite3 *db = lease.get();
    detail::ReadCaches &caches = *m_caches;
    TraceSearchResult result;
    SpanFilter filter;
    filter.from = search.fromUnixNano;
    filter.to = search.toUnixNano;
    filter.minDuration = search.minDurationNanos;
    filter.maxDuration = search.maxDurationNanos;
    if (search.tagQuery && search.tagQuery->root() != nullptr) {
        filter.query = &*search.tagQuery;
    }
    for (const auto &[name, id] :
         {std::pair{&search.service, &filter.service}, {&search.operation, &filter.operation}}) {
        if (name->empty()) {
            continue;
        }
        auto found = caches.stringId(db, *name);
        if (!found) {
            return found.status();
        }
        if (*found == 0) {
            return result; // never seen: nothing matches
        }
        *id = *found;
    }

    // (trace, start of its matching span), newest first, at most limit + 1.
    std::vector<std::pair<std::int64_t, std::int64_t>> found;
    const std::size_t wanted = search.limit + 1;
    std::optional<std::vector<std::int64_t>> candidates;
    if (filter.query != nullptr) {
        auto fromIndex = indexCandidates(db, *filter.query);
        if (!fromIndex) {
            return fromIndex.status();
        }
        candidates = std::move(*fromIndex);
    }
    if (candidates) {
        for (auto it = candidates->rbegin(); it != candidates->rend() && found.size() < wanted;
             ++it) {
            auto match = traceMatch(caches, db, *it, filter);
            if (!match) {
                return match.status();
            }
            if (*match) {
                found.push_back({*it, **match});
            }
        }
    } else {
        // Spans newest first through the index that fits the conditions. A search for slow
        // spans reads one stream per duration class (each already in start order) and merges
        // them, so it never sorts what it reads.
        std::string sql;
        int firstClass = 0;
        int lastClass = 0;
        if (filter.service != 0) {
            sql = "SELECT trace_key, id, resource, flags, start_ns FROM spans "
                  "INDEXED BY spans_by_service WHERE service = ?1 AND start_ns >= ?2 "
                  "AND start_ns < ?3";
        } else if (filter.minDuration && *filter.minDuration >= 1'000'000) {
            sql = "SELECT trace_key, id, resource, flags, start_ns FROM spans "
                  "INDEXED BY spans_by_duration WHERE duration_class = ?7 AND start_ns >= ?2 "
                  "AND start_ns < ?3";
            firstClass = std::bit_width(static_cast<std::uint64_t>(*filter.minDuration));
            lastClass = 64;
        } else {
            sql = "SELECT trace_key, id, resource, flags, start_ns FROM spans "
                  "INDEXED BY spans_by_start WHERE start_ns >= ?2 AND start_ns < ?3";
        }
        if (filter.operation != 0) {
            sql += " AND operation = ?4";
        }
        if (filter.minDuration) {
            sql += " AND duration_ns >= ?5";
        }
        if (filter.maxDuration) {
            sql += " AND duration_ns <= ?6";
        }
        sql += " ORDER BY start_ns DESC";
        std::vector<std::unique_ptr<Statement>> streams;
        for (int cls = firstClass; cls <= lastClass; ++cls) {
            auto stmt = std::make_unique<Statement>(db, sql.c_str());
            if (!stmt->prepared()) {
                return sqliteError(db, "preparing a search");
            }
            stmt->bind(1, filter.service).bind(2, filter.from).bind(3, filter.to);
            stmt->bind(4, filter.operation).bind(5, filter.minDuration.value_or(0));
            stmt->bind(6, filter.maxDuration.value_or(0)).bind(7, cls);
            const int rc = stmt->step();
            if (rc == SQLITE_ROW) {
                streams.push_back(std::move(stmt));
            } else if (rc != SQLITE_DONE) {
                return sqliteError(db, "searching spans");
            }
        }
        std::unordered_set<std::int64_t> seen;
        while (found.size() < wanted && !streams.empty()) {
            // The stream whose current span started last.
            auto newest =
                std::max_element(streams.begin(), streams.end(), [](const auto &a, const auto &b) {
                    return a->integer(4) < b->integer(4);
                });
            Statement &stmt = **newest;
            const std::int64_t traceKey = stmt.integer(0);
            bool take = !seen.count(traceKey);
            if (take && filter.query != nullptr) {
                auto matched =
                    tagsMatch(caches, db, stmt.integer(1), stmt.integer(2),
                              static_cast<std::uint32_t>(stmt.integer(3)), *filter.query);
                if (!matched) {
                    return matched.status();
                }
                take = *matched;
            }
            if (take) {
                seen.insert(traceKey);
                found.push_back({traceKey, stmt.integer(4)});
            }
            const int rc = stmt.step();
            if (rc == SQLITE_DONE) {
                streams.erase(newest);
            } else if (rc != SQLITE_ROW) {
                return sqliteError(db, "searching spans");
            }
        }
    }
    result.truncated = found.size() > search.limit;
    if (result.truncated) {
        found.resize(search.limit);
    }
    for (const auto &[traceKey, start] : found) {
        auto summary = summaryOfKey(caches, db, traceKey);
        if (!summary) {
            return summary.status();
        }
        result.traces.push_back(std::move(*summary));
    }
    std::stable_sort(result.traces.begin(), result.traces.end(),
                     [](const TraceSummary &a, const TraceSummary &b) {
                         return a.startUnixNano > b.startUnixNano;
                     });
    return result;
}

StatusOr<TraceDetail> TraceStore::trace(const TraceRequest &request) const {
    ReaderLease lease(*this);
    sqlite3 *db = lease.get();
    detail::ReadCaches &caches = *m_caches;
    auto key = traceKeyOf(db, request.traceId);
    if (!key) {
        return key.status();
    }
    if (!*key) {
        return notFound("trace " + toHex(request.traceId) + " is not in the span store");
    }
    auto rows = spanRows(db, **key);
    if (!rows) {
        return rows.status();
    }
    if (request.full && rows->size() > m_options.maxFullTraceSpans) {
        return failedPrecondition(
            "trace " + toHex(request.traceId) + " has " + std::to_string(rows->size()) +
            " spans, more than the " + std::to_string(m_options.maxFullTraceSpans) +
            " a trace in full (view FULL) may have; read it with the timeline view and ask for "
            "the spans wanted by span_ids");
    }
    std::sort(rows->begin(), rows->end(), [](const SpanRow &a, const SpanRow &b) {
        return a.start != b.start ? a.start < b.start : a.spanId < b.spanId;
    });
    TraceDetail detail;
    auto summary = summaryOf(caches, db, request.traceId, *rows);
    if (!summary) {
        return summary.status();
    }
    detail.summary = std::move(*summary);

    TraceTimeline &timeline = detail.timeline;
    timeline.startUnixNano = detail.summary.startUnixNano;
    timeline.strings.push_back("");
    std::unordered_map<std::int64_t, std::uint32_t> indexOf{{1, 0}}; // string id 1 is ""
    const auto stringIndex = [&](std::int64_t id) -> StatusOr<std::uint32_t> {
        if (const auto it = indexOf.find(id); it != indexOf.end()) {
            return it->second;
        }
        auto text = caches.string(db, id);
        if (!text) {
            return text.status();
        }
        const auto index = static_cast<std::uint32_t>(timeline.strings.size());
        timeline.strings.push_back(std::move(*text));
        indexOf.emplace(id, index);
        return index;
    };
    const std::size_t count = rows->size();
    for (auto *column : {&timeline.spanIds, &timeline.parentSpanIds, &timeline.startOffsetsNanos,
                         &timeline.durationsNanos}) {
        column->reserve(count);
    }
    for (const SpanRow &row : *rows) {
        auto resource = caches.resource(db, row.resource);
        if (!resource) {
            return resource.status();
        }
        auto service = stringIndex(row.service);
        auto operation = stringIndex(row.operation);
        auto version = stringIndex((*resource)->version);
        auto colour = stringIndex((*resource)->colour);
        for (const auto *index : {&service, &operation, &version, &colour}) {
            if (!*index) {
                return index->status();
            }
        }
        timeline.spanIds.push_back(row.spanId);
        timeline.parentSpanIds.push_back(row.parentId);
        timeline.services.push_back(*service);
        timeline.operations.push_back(*operation);
        timeline.startOffsetsNanos.push_back(
            static_cast<std::uint64_t>(row.start - timeline.startUnixNano));
        timeline.durationsNanos.push_back(static_cast<std::uint64_t>(row.duration));
        timeline.flags.push_back(row.flags);
        timeline.versions.push_back(*version);
        timeline.colours.push_back(*colour);
    }

    // The spans in full, in the order they were received, grouped by resource and scope.
    std::vector<const SpanRow *> wanted;
    if (request.full || !request.spanIds.empty()) {
        std::unordered_set<std::uint64_t> ids;
        for (const SpanId &id : request.spanIds) {
            ids.insert(spanIdToInt(id));
        }
        for (const SpanRow &row : *rows) {
            if (request.full || ids.count(row.spanId)) {
                wanted.push_back(&row);
            }
        }
        std::sort(wanted.begin(), wanted.end(),
                  [](const SpanRow *a, const SpanRow *b) { return a->id < b->id; });
    }
    std::map<std::int64_t, int> resourceIndex;
    std::map<std::pair<std::int64_t, std::int64_t>, int> scopeIndex;
    const std::string traceIdBytes(reinterpret_cast<const char *>(request.traceId.data()),
                                   request.traceId.size());
    Statement body(db, "SELECT body FROM spans WHERE id = ?");
    for (const SpanRow *row : wanted) {
        auto resourceIt = resourceIndex.find(row->resource);
        if (resourceIt == resourceIndex.end()) {
            auto resource = caches.resource(db, row->resource);
            if (!resource) {
                return resource.status();
            }
            auto *out = detail.spans.add_resource_spans();
            *out->mutable_resource() = (*resource)->resource;
            out->set_schema_url((*resource)->schemaUrl);
            resourceIt =
                resourceIndex.emplace(row->resource, detail.spans.resource_spans_size() - 1).first;
        }
        auto *resourceSpans = detail.spans.mutable_resource_spans(resourceIt->second);
        auto scopeIt = scopeIndex.find({row->resource, row->scope});
        if (scopeIt == scopeIndex.end()) {
            auto scope = caches.scope(db, row->scope);
            if (!scope) {
                return scope.status();
            }
            auto *out = resourceSpans->add_scope_spans();
            *out->mutable_scope() = (*scope)->scope;
            out->set_schema_url((*scope)->schemaUrl);
            scopeIt = scopeIndex
                          .emplace(std::pair{row->resource, row->scope},
                                   resourceSpans->scope_spans_size() - 1)
                          .first;
        }
        body.reset();
        body.bind(1, row->id);
        if (body.step() != SQLITE_ROW) {
            return sqliteError(db, "reading a span");
        }
        const std::string_view bytes = body.blobView(0);
        Span *span = resourceSpans->mutable_scope_spans(scopeIt->second)->add_spans();
        if (!span->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
            return internalError("a stored span does not decode");
        }
        span->set_trace_id(traceIdBytes);
    }
    return detail;
}

namespace {

// The minutes of operation_minutes a window covers.
std::pair<std::int64_t, std::int64_t> minutesOf(std::int64_t from, std::int64_t to) {
    constexpr std::int64_t kMinute = 60'000'000'000;
    return {from / kMinute, (std::max(from, to - 1)) / kMinute};
}

} // namespace

StatusOr<std::vector<TraceServiceInfo>> TraceStore::services(std::int64_t fromUnixNano,
                                                             std::int64_t toUnixNano) const {
    ReaderLease lease(*this);
    sqlite3 *db = lease.get();
    const auto [first, last] = minutesOf(fromUnixNano, toUnixNano);
    Statement stmt(db, "SELECT service, operation, version, colour, sum(spans) "
                       "FROM operation_minutes WHERE minute >= ? AND minute <= ? "
                       "GROUP BY service, operation, version, colour");
    stmt.bind(1, first).bind(2, last);
    struct Entry {
        std::uint64_t spans = 0;
        std::set<std::int64_t> operations;
        std::set<std::string> versions;
        std::set<std::string> colours;
    };
    std::map<std::string, Entry> byName;
    int rc;
    while ((rc = stmt.step()) == SQLITE_ROW) {
        auto name = m_caches->string(db, stmt.integer(0));
        auto version = m_caches->string(db, stmt.integer(2));
        auto colour = m_caches->string(db, stmt.integer(3));
        if (!name || !version || !colour) {
            return internalError("the span store's strings are incomplete");
        }
        Entry &entry = byName[*name];
        entry.spans += static_cast<std::uint64_t>(stmt.integer(4));
        entry.operations.insert(stmt.integer(1));
        if (!version->empty()) {
            entry.versions.insert(*version);
        }
        if (!colour->empty()) {
            entry.colours.insert(*colour);
        }
    }
    if (rc != SQLITE_DONE) {
        return sqliteError(db, "listing services");
    }
    std::vector<TraceServiceInfo> services;
    for (auto &[name, entry] : byName) {
        services.push_back({name,
                            entry.spans,
                            static_cast<std::uint32_t>(entry.operations.size()),
                            {entry.versions.begin(), entry.versions.end()},
                            {entry.colours.begin(), entry.colours.end()}});
    }
    return services;
}

StatusOr<std::vector<OperationInfo>> TraceStore::operations(const std::string &service,
                                                            std::int64_t fromUnixNano,
                                                            std::int64_t toUnixNano) const {
    ReaderLease lease(*this);
    sqlite3 *db = lease.get();
    std::vector<OperationInfo> operations;
    auto serviceId = m_caches->stringId(db, service);
    if (!serviceId) {
        return serviceId.status();
    }
    if (*serviceId == 0) {
        return operations;
    }
    const auto [first, last] = minutesOf(fromUnixNano, toUnixNano);
    Statement stmt(db, "SELECT operation, kind, sum(spans) FROM operation_minutes "
                       "WHERE minute >= ? AND minute <= ? AND service = ? "
                       "GROUP BY operation, kind");
    stmt.bind(1, first).bind(2, last).bind(3, *serviceId);
    int rc;
    while ((rc = stmt.step()) == SQLITE_ROW) {
        auto name = m_caches->string(db, stmt.integer(0));
        if (!name) {
            return name.status();
        }
        operations.push_back({*name, static_cast<int>(stmt.integer(1)),
                              static_cast<std::uint64_t>(stmt.integer(2))});
    }
    if (rc != SQLITE_DONE) {
        return sqliteError(db, "listing operations");
    }
    std::sort(operations.begin(), operations.end(), [](const auto &a, const auto &b) {
        return a.name != b.name ? a.name < b.name : a.kind < b.kind;
    });
    return operations;
}

namespace {

// The string id of `service` as a filter: 0 (any service) when empty; nullopt when no span names
// it, so nothing can match.
StatusOr<std::optional<std::int64_t>> serviceFilter(ReadCaches &caches, sqlite3 *db,
                                                    const std::string &service) {
    if (service.empty()) {
        return std::optional<std::int64_t>(0);
    }
    auto found = caches.stringId(db, service);
    if (!found) {
        return found.status();
    }
    return *found == 0 ? std::nullopt : std::optional<std::int64_t>(*found);
}

} // namespace

StatusOr<std::vector<AttributeKeyInfo>> TraceStore::attributeKeys(const std::string &service,
                                                                  const std::string &prefix,
                                                                  std::size_t limit) const {
    ReaderLease lease(*this);
    sqlite3 *db = lease.get();
    std::vector<AttributeKeyInfo> keys;
    const auto serviceId = serviceFilter(*m_caches, db, service);
    if (!serviceId) {
        return serviceId.status();
    }
    if (!*serviceId) {
        return keys;
    }
    // A key seen on spans and resources is a span key.
    Statement stmt(db, "SELECT key, min(resource) FROM attribute_keys "
                       "WHERE substr(key, 1, length(?1)) = ?1 AND (?2 = 0 OR service = ?2) "
                       "GROUP BY key ORDER BY key LIMIT ?3");
    stmt.bindText(1, prefix).bind(2, **serviceId).bind(3, static_cast<std::int64_t>(limit));
    int rc;
    while ((rc = stmt.step()) == SQLITE_ROW) {
        keys.push_back({stmt.text(0), stmt.integer(1) != 0});
    }
    if (rc != SQLITE_DONE) {
        return sqliteError(db, "listing attribute keys");
    }
    return keys;
}

StatusOr<std::vector<std::string>> TraceStore::attributeValues(const std::string &key,
                                                               const std::string &service,
                                                               const std::string &prefix,
                                                               std::size_t limit) const {
    ReaderLease lease(*this);
    sqlite3 *db = lease.get();
    std::vector<std::string> values;
    const auto serviceId = serviceFilter(*m_caches, db, service);
    if (!serviceId) {
        return serviceId.status();
    }
    if (!*serviceId) {
        return values;
    }
    Statement stmt(db, "SELECT value, sum(count) AS seen FROM attribute_values "
                       "WHERE key = ?1 AND (?2 = 0 OR service = ?2) "
                       "AND substr(value, 1, length(?3)) = ?3 "
                       "GROUP BY value ORDER BY seen DESC, value LIMIT ?4");
    stmt.bindText(1, key).bind(2, **serviceId).bindText(3, prefix);
    stmt.bind(4, static_cast<std::int64_t>(limit));
    int rc;
    while ((rc = stmt.step()) == SQLITE_ROW) {
        values.push_back(stmt.text(0));
    }
    if (rc != SQLITE_DONE) {
        return sqliteError(db, "listing attribute values");
    }
    return values;
}

namespace {

std::int64_t quantile(std::vector<std::int64_t> &sorted, double q) {
    if (sorted.empty()) {
        return 0;
    }
    const auto index = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
    return sorted[std::min(sorted.size() - 1, index == 0 ? 0 : index - 1)];
}

std::string peerOf(const Span &span) {
    std::string address;
    std::string port;
    for (const KeyValue &attribute : span.attributes()) {
        const auto &value = attribute.value();
        if (attribute.key() == "peer.service" && !value.string_value().empty()) {
            return value.string_value();
        }
        if (attribute.key() == "server.address") {
            address = value.string_value();
        } else if (attribute.key() == "server.port") {
            port = value.has_int_value() ? std::to_string(value.int_value()) : value.string_value();
        }
    }
    return address.empty() || port.empty() ? address : address + ":" + port;
}

} // namespace

StatusOr<ServiceGraph> TraceStore::serviceGraph(std::int64_t fromUnixNano, std::int64_t toUnixNano,
                                                bool byRelease) const {
    ReaderLease lease(*this);
    sqlite3 *db = lease.get();
    detail::ReadCaches &caches = *m_caches;
    ServiceGraph graph;
    std::map<std::tuple<std::string, std::string, std::string>, std::uint32_t> nodeIndex;
    struct NodeStats {
        std::uint64_t requests = 0;
        std::uint64_t errors = 0;
    };
    std::vector<NodeStats> nodeStats;
    const auto nodeOf = [&](const std::string &service, const std::string &version,
                            const std::string &colour) {
        const auto key = byRelease ? std::tuple{service, version, colour}
                                   : std::tuple{service, std::string(), std::string()};
        auto it = nodeIndex.find(key);
        if (it == nodeIndex.end()) {
            ServiceGraphNode node;
            node.service = service;
            if (byRelease) {
                node.version = version;
                node.colour = colour;
            }
            graph.nodes.push_back(node);
            nodeStats.push_back({});
            it = nodeIndex.emplace(key, static_cast<std::uint32_t>(graph.nodes.size() - 1)).first;
        }
        return it->second;
    };
    const auto nodeOfResource = [&](std::int64_t resourceId) -> StatusOr<std::uint32_t> {
        auto resource = caches.resource(db, resourceId);
        if (!resource) {
            return resource.status();
        }
        auto service = caches.string(db, (*resource)->service);
        auto version = caches.string(db, (*resource)->version);
        auto colour = caches.string(db, (*resource)->colour);
        if (!service || !version || !colour) {
            return internalError("the span store's strings are incomplete");
        }
        return nodeOf(*service, *version, *colour);
    };

    struct Client {
        std::int64_t row;
        std::uint32_t node;
        std::int64_t duration;
        bool error;
        bool matched = false;
    };
    struct Server {
        std::int64_t trace;
        std::uint64_t parent;
        std::uint32_t node;
        bool error;
    };
    std::map<std::pair<std::int64_t, std::uint64_t>, Client> clients;
    std::vector<Server> servers;
    Statement stmt(db, "SELECT trace_key, id, span_id, parent_id, resource, flags, duration_ns "
                       "FROM spans INDEXED BY spans_by_start WHERE start_ns >= ? AND start_ns < ?");
    stmt.bind(1, fromUnixNano).bind(2, toUnixNano);
    std::size_t read = 0;
    int rc;
    while ((rc = stmt.step()) == SQLITE_ROW) {
        if (++read > m_options.maxServiceGraphSpans) {
            graph.truncated = true;
            rc = SQLITE_DONE;
            break;
        }
        const auto flags = static_cast<std::uint32_t>(stmt.integer(5));
        const std::uint32_t kind = flags & kTimelineKindMask;
        if (kind != 2 && kind != 3) {
            continue;
        }
        auto node = nodeOfResource(stmt.integer(4));
        if (!node) {
            return node.status();
        }
        const bool error = (flags & kTimelineError) != 0;
        if (kind == 3) {
            clients.emplace(std::pair{stmt.integer(0), static_cast<std::uint64_t>(stmt.integer(2))},
                            Client{stmt.integer(1), *node, stmt.integer(6), error});
        } else {
            servers.push_back(
                {stmt.integer(0), static_cast<std::uint64_t>(stmt.integer(3)), *node, error});
            ++nodeStats[*node].requests;
            nodeStats[*node].errors += error ? 1 : 0;
        }
    }
    if (rc != SQLITE_DONE) {
        return sqliteError(db, "reading spans for the service graph");
    }
    struct EdgeStats {
        std::vector<std::int64_t> durations;
        std::uint64_t errors = 0;
    };
    std::map<std::pair<std::uint32_t, std::uint32_t>, EdgeStats> edges;
    for (const Server &server : servers) {
        const auto it = clients.find({server.trace, server.parent});
        if (it == clients.end()) {
            continue;
        }
        it->second.matched = true;
        EdgeStats &edge = edges[{it->second.node, server.node}];
        edge.durations.push_back(it->second.duration);
        edge.errors += it->second.error || server.error ? 1 : 0;
    }
    // Calls into peers that report no spans: the client span names them.
    for (auto &[key, client] : clients) {
        if (client.matched) {
            continue;
        }
        auto span = spanBody(db, client.row);
        if (!span) {
            return span.status();
        }
        const std::string peer = peerOf(*span);
        if (peer.empty()) {
            continue;
        }
        EdgeStats &edge = edges[{client.node, nodeOf(peer, "", "")}];
        edge.durations.push_back(client.duration);
        edge.errors += client.error ? 1 : 0;
    }
    const double seconds =
        std::max(1e-9, static_cast<double>(toUnixNano - fromUnixNano) / 1'000'000'000.0);
    for (std::size_t i = 0; i < graph.nodes.size(); ++i) {
        graph.nodes[i].requestRate = static_cast<double>(nodeStats[i].requests) / seconds;
        graph.nodes[i].errorRatio = nodeStats[i].requests == 0
                                        ? 0
                                        : static_cast<double>(nodeStats[i].errors) /
                                              static_cast<double>(nodeStats[i].requests);
    }
    // Only nodes that take part in an edge or serve requests are shown.
    for (auto &[pair, stats] : edges) {
        std::sort(stats.durations.begin(), stats.durations.end());
        ServiceGraphEdge edge;
        edge.caller = pair.first;
        edge.callee = pair.second;
        edge.calls = stats.durations.size();
        edge.callRate = static_cast<double>(edge.calls) / seconds;
        edge.errorRatio = static_cast<double>(stats.errors) / static_cast<double>(edge.calls);
        edge.p50Nanos = quantile(stats.durations, 0.5);
        edge.p99Nanos = quantile(stats.durations, 0.99);
        graph.edges.push_back(edge);
    }
    return graph;
}

namespace {

// Paths deeper than this many steps are counted in their ancestor at this depth, so the answer
// (one string per path) stays bounded on a deep chain.
constexpr std::uint32_t kMaxComparedDepth = 64;

// One node of the union tree of paths: its step (service and operation string ids) under its
// parent node; the path's text is built only for the answer.
struct PathStats {
    std::size_t parent = 0; // kNoParent for a root
    std::int64_t service = 0;
    std::int64_t operation = 0;
    std::uint32_t depth = 0;
    std::vector<std::size_t> children; // in order of first appearance
    std::uint32_t count[2] = {0, 0};
    std::int64_t duration[2] = {0, 0};
    std::uint32_t errors[2] = {0, 0};
};
constexpr std::size_t kNoParent = std::numeric_limits<std::size_t>::max();

struct PathTree {
    std::vector<PathStats> nodes;
    std::map<std::tuple<std::size_t, std::int64_t, std::int64_t>, std::size_t> index;
    std::vector<std::size_t> roots;
};

// Adds one trace's spans to the union tree of paths, depth first (children by start time).
StatusOr<bool> addPaths(std::vector<SpanRow> rows, int side, PathTree &tree) {
    std::sort(rows.begin(), rows.end(), [](const SpanRow &a, const SpanRow &b) {
        return a.start != b.start ? a.start < b.start : a.spanId < b.spanId;
    });
    std::unordered_map<std::uint64_t, std::size_t> byId;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        byId.emplace(rows[i].spanId, i);
    }
    std::unordered_map<std::uint64_t, std::vector<std::size_t>> children;
    std::vector<std::size_t> tops;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        if (rows[i].parentId != 0 && byId.count(rows[i].parentId) &&
            rows[i].parentId != rows[i].spanId) {
            children[rows[i].parentId].push_back(i);
        } else {
            tops.push_back(i);
        }
    }
    struct Frame {
        std::size_t index;
        std::size_t parentNode;
        std::uint32_t depth;
    };
    std::vector<Frame> stack;
    for (auto it = tops.rbegin(); it != tops.rend(); ++it) {
        stack.push_back({*it, kNoParent, 0});
    }
    std::unordered_set<std::size_t> visited;
    while (!stack.empty()) {
        const Frame frame = stack.back();
        stack.pop_back();
        if (!visited.insert(frame.index).second) {
            continue;
        }
        const SpanRow &row = rows[frame.index];
        std::size_t node = frame.parentNode;
        if (frame.depth < kMaxComparedDepth) {
            const auto [it, added] = tree.index.try_emplace(
                {frame.parentNode, row.service, row.operation}, tree.nodes.size());
            node = it->second;
            if (added) {
                tree.nodes.push_back(
                    {frame.parentNode, row.service, row.operation, frame.depth, {}, {}, {}, {}});
                (frame.parentNode == kNoParent ? tree.roots : tree.nodes[frame.parentNode].children)
                    .push_back(node);
            }
        }
        PathStats &stats = tree.nodes[node];
        ++stats.count[side];
        stats.duration[side] += row.duration;
        stats.errors[side] += (row.flags & kTimelineError) != 0 ? 1 : 0;
        const auto kids = children.find(row.spanId);
        if (kids != children.end()) {
            for (auto child = kids->second.rbegin(); child != kids->second.rend(); ++child) {
                stack.push_back({*child, node, frame.depth + 1});
            }
        }
    }
    return true;
}

} // namespace

StatusOr<TraceComparison> TraceStore::compare(const TraceId &left, const TraceId &right) const {
    ReaderLease lease(*this);
    sqlite3 *db = lease.get();
    detail::ReadCaches &caches = *m_caches;
    TraceComparison comparison;
    PathTree tree;
    int side = 0;
    for (const TraceId *id : {&left, &right}) {
        auto key = traceKeyOf(db, *id);
        if (!key) {
            return key.status();
        }
        if (!*key) {
            return notFound("trace " + toHex(*id) + " is not in the span store");
        }
        auto rows = spanRows(db, **key);
        if (!rows) {
            return rows.status();
        }
        if (rows->size() > m_options.maxComparedSpans) {
            return failedPrecondition("trace " + toHex(*id) + " has " +
                                      std::to_string(rows->size()) + " spans, more than the " +
                                      std::to_string(m_options.maxComparedSpans) +
                                      " a compared trace may have");
        }
        auto summary = summaryOf(caches, db, *id, *rows);
        if (!summary) {
            return summary.status();
        }
        (side == 0 ? comparison.left : comparison.right) = std::move(*summary);
        if (auto added = addPaths(std::move(*rows), side, tree); !added) {
            return added.status();
        }
        ++side;
    }
    std::vector<std::string> texts(tree.nodes.size());
    std::vector<std::size_t> stack(tree.roots.rbegin(), tree.roots.rend());
    while (!stack.empty()) {
        const std::size_t node = stack.back();
        stack.pop_back();
        const PathStats &stats = tree.nodes[node];
        auto service = caches.string(db, stats.service);
        auto operation = caches.string(db, stats.operation);
        if (!service || !operation) {
            return internalError("the span store's strings are incomplete");
        }
        const std::string step = *service + ":" + *operation;
        texts[node] = stats.parent == kNoParent ? step : texts[stats.parent] + " > " + step;
        comparison.paths.push_back({texts[node], stats.depth, stats.count[0], stats.count[1],
                                    stats.duration[0], stats.duration[1], stats.errors[0],
                                    stats.errors[1]});
        for (auto it = stats.children.rbegin(); it != stats.children.rend(); ++it) {
            stack.push_back(*it);
        }
    }
    return comparison;
}

SpanStoreStatus TraceStore::status() const {
    SpanStoreStatus status;
    status.spansStored = m_spansStored.load();
    status.tracesStored = m_tracesStored.load();
    status.bytes = m_bytes.load();
    status.retentionAgeNanos =
        std::chrono::duration_cast<std::chrono::nanoseconds>(m_options.retentionMaxAge).count();
    status.retentionBytes =
        static_cast<std::uint64_t>(std::max<std::int64_t>(0, m_options.retentionMaxBytes));
    ReaderLease lease(*this);
    Statement oldest(lease.get(), "SELECT start_ns FROM traces ORDER BY trace_key LIMIT 1");
    if (oldest.step() == SQLITE_ROW) {
        status.oldestSpanUnixNano = oldest.integer(0);
    }
    return status;
}

StatusOr<std::vector<TailCandidate>>
TraceStore::tracesLastReceivedBetween(std::int64_t fromUnixNano, std::int64_t toUnixNano) {
    ReaderLease lease(*this);
    sqlite3 *db = lease.get();
    Statement stmt(db, "SELECT trace_key, trace_id, start_ns, end_ns, error_count, root_service "
                       "FROM traces WHERE last_received_ns >= ? AND last_received_ns < ?");
    stmt.bind(1, fromUnixNano).bind(2, toUnixNano);
    Statement services(db, "SELECT DISTINCT service FROM spans WHERE trace_key = ?");
    std::vector<TailCandidate> candidates;
    int rc;
    while ((rc = stmt.step()) == SQLITE_ROW) {
        TailCandidate candidate;
        candidate.traceId = traceIdFromBytes(stmt.blobView(1)).value_or(TraceId{});
        candidate.durationNanos = std::max<std::int64_t>(0, stmt.integer(3) - stmt.integer(2));
        candidate.hasError = stmt.integer(4) > 0;
        if (stmt.integer(5) != 0) {
            auto root = m_caches->string(db, stmt.integer(5));
            if (!root) {
                return root.status();
            }
            candidate.rootService = *root;
        }
        services.reset();
        services.bind(1, stmt.integer(0));
        while (services.step() == SQLITE_ROW) {
            auto name = m_caches->string(db, services.integer(0));
            if (!name) {
                return name.status();
            }
            candidate.services.push_back(*name);
        }
        candidates.push_back(std::move(candidate));
    }
    if (rc != SQLITE_DONE) {
        return sqliteError(db, "reading tail sampling candidates");
    }
    return candidates;
}

} // namespace aegis::tracing
