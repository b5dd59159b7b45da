#pragma once

#include "common/clock.h"
#include "store/store.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace aegis::audit {

// One attempted mutation through the API, successful or not.
struct AuditRecord {
    // Unique, increasing with time; assigned by AuditLog::append().
    std::string id;
    std::chrono::system_clock::time_point time;
    std::string actor;
    // aegis.v1.Role's numeric value.
    int role = 0;
    std::string peer;
    std::string method;
    std::string resource;
    std::string summary;
    // Canonical status code of the outcome; 0 is OK.
    int code = 0;
    std::string error;
    // The store revision of the change itself, when it made one.
    store::Revision revision = 0;
};

enum class Outcome { Any, Succeeded, Failed };

struct AuditFilter {
    std::string actor;
    // Case-insensitive substring of the method.
    std::string method;
    // Prefix of the resource.
    std::string resource;
    Outcome outcome = Outcome::Any;
    std::optional<std::chrono::system_clock::time_point> startTime;
    std::optional<std::chrono::system_clock::time_point> endTime;

    bool matches(const AuditRecord &record) const;
};

struct AuditPage {
    std::vector<AuditRecord> records;
    std::string nextPageToken;
    store::Revision revision = 0;
};

// The durable audit log, kept in the store under /audit/<id>, so it is watchable and replicated
// like any other state. Thread-safe.
class AuditLog {
public:
    static constexpr std::string_view kPrefix = "/audit/";
    // list() examines at most this many records per call; a sparse filter may then return a short
    // page with a next_page_token (as AIP-158 allows).
    static constexpr std::size_t kMaxScannedPerPage = 20000;

    AuditLog(store::Store &store, ClockPtr clock);

    // Assigns the record's id and time and writes it; `done` runs once it is durable.
    void append(AuditRecord record, std::function<void(Status)> done);

    // Assigns the record's id and time and returns the put that stores it, for a mutation to
    // commit in its own transaction: the change and its audit record become durable together.
    // The record's revision is then the transaction's (taken from the key's mod revision), and
    // the caller must count() it in with recordCommitted() once the transaction succeeded.
    store::Operation prepare(AuditRecord record);
    void recordCommitted() { ++m_count; }

    // Records newest first. `pageToken` is the next_page_token of the previous page.
    StatusOr<AuditPage> list(const AuditFilter &filter, std::size_t pageSize,
                             const std::string &pageToken) const;

    // Counts the stored records; call once before serving.
    Status load();
    // The number of records, kept in memory (exact for this daemon's writes).
    std::int64_t count() const { return m_count.load(); }

    // Decodes a stored record (from a range or a watch event).
    static std::optional<AuditRecord> decode(const store::KeyValue &kv);
    // A record as stored, JSON; `withChange`: it is committed in the transaction of the change it
    // describes, so decode() takes that change's revision as the record's.
    static std::string encode(const AuditRecord &record, bool withChange);

private:
    std::string nextId();

    store::Store &m_store;
    ClockPtr m_clock;
    std::mutex m_idMutex;
    std::int64_t m_lastId = 0;
    std::atomic<std::int64_t> m_count{0};
};

} // namespace aegis::audit
