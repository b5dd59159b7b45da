#include "audit/audit_log.h"

#include "common/json_writer.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace aegis::audit {
namespace {

using namespace std::chrono;

std::int64_t toMicros(system_clock::time_point time) {
    return duration_cast<microseconds>(time.time_since_epoch()).count();
}

// Ids are microseconds since the epoch, zero-padded so that key order is time order.
std::string formatId(std::int64_t micros) {
    char buffer[24];
    std::snprintf(buffer, sizeof buffer, "%020lld", static_cast<long long>(micros));
    return buffer;
}

std::string recordKey(const std::string &id) {
    return std::string(AuditLog::kPrefix) + id;
}

bool containsIgnoringCase(std::string_view haystack, std::string_view needle) {
    return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                       [](char a, char b) {
                           return std::tolower(static_cast<unsigned char>(a)) ==
                                  std::tolower(static_cast<unsigned char>(b));
                       }) != haystack.end();
}

} // namespace

std::string AuditLog::encode(const AuditRecord &record, bool withChange) {
    JsonWriter json;
    json.beginObject();
    json.key("actor").string(record.actor);
    json.key("code").integer(record.code);
    json.key("error").string(record.error);
    json.key("id").string(record.id);
    json.key("method").string(record.method);
    json.key("peer").string(record.peer);
    json.key("resource").string(record.resource);
    json.key("revision").integer(record.revision);
    json.key("role").integer(record.role);
    json.key("summary").string(record.summary);
    json.key("time_us").integer(toMicros(record.time));
    if (withChange) {
        json.key("with_change").boolean(true);
    }
    return json.endObject().take();
}

bool AuditFilter::matches(const AuditRecord &record) const {
    if (!actor.empty() && record.actor != actor) {
        return false;
    }
    if (!method.empty() && !containsIgnoringCase(record.method, method)) {
        return false;
    }
    if (!resource.empty() && record.resource.compare(0, resource.size(), resource) != 0) {
        return false;
    }
    if (outcome == Outcome::Succeeded && record.code != 0) {
        return false;
    }
    if (outcome == Outcome::Failed && record.code == 0) {
        return false;
    }
    if (startTime && record.time < *startTime) {
        return false;
    }
    if (endTime && record.time >= *endTime) {
        return false;
    }
    return true;
}

AuditLog::AuditLog(store::Store &store, ClockPtr clock)
    : m_store(store)
    , m_clock(std::move(clock)) {}

std::string AuditLog::nextId() {
    std::lock_guard lock(m_idMutex);
    m_lastId = std::max(m_lastId + 1, toMicros(m_clock->now()));
    return formatId(m_lastId);
}

store::Operation AuditLog::prepare(AuditRecord record) {
    record.time = m_clock->now();
    record.id = nextId();
    return store::Operation{store::Operation::Kind::Put, recordKey(record.id),
                            encode(record, true)};
}

void AuditLog::append(AuditRecord record, std::function<void(Status)> done) {
    record.time = m_clock->now();
    record.id = nextId();
    store::Transaction txn;
    txn.put(recordKey(record.id), encode(record, false));
    m_store.commitAsync(std::move(txn),
                        [this, done = std::move(done)](StatusOr<store::TransactionResult> result) {
                            if (result) {
                                ++m_count;
                            }
                            done(result.status());
                        });
}

StatusOr<AuditPage> AuditLog::list(const AuditFilter &filter, std::size_t pageSize,
                                   const std::string &pageToken) const {
    const std::string prefix(kPrefix);
    // Ids are times, so a time filter narrows the key range itself.
    std::string lower = prefix;
    if (filter.startTime) {
        lower = recordKey(formatId(toMicros(*filter.startTime)));
    }
    std::string upper = store::prefixEnd(prefix);
    if (filter.endTime) {
        upper = std::min(upper, recordKey(formatId(toMicros(*filter.endTime))));
    }
    if (!pageToken.empty()) {
        upper = std::min(upper, recordKey(pageToken));
    }

    AuditPage page;
    std::size_t scanned = 0;
    bool exhausted = lower >= upper;
    while (!exhausted && page.records.size() < pageSize && scanned < kMaxScannedPerPage) {
        auto range = m_store.range(store::RangeRequest{lower, upper, 256, true});
        if (!range) {
            return range.status();
        }
        if (page.revision == 0) {
            page.revision = range->revision;
        }
        bool full = false;
        for (const auto &kv : range->kvs) {
            ++scanned;
            // Everything at or above `upper` has been examined.
            upper = kv.key;
            auto record = decode(kv);
            if (record && filter.matches(*record)) {
                page.records.push_back(std::move(*record));
                if (page.records.size() == pageSize) {
                    full = true;
                    break;
                }
            }
        }
        const bool lastExamined = range->kvs.empty() || upper == range->kvs.back().key;
        exhausted = !range->more && lastExamined;
        if (full) {
            break;
        }
    }
    if (page.revision == 0) {
        page.revision = m_store.currentRevision();
    }
    if (!exhausted) {
        page.nextPageToken = upper.substr(prefix.size());
    }
    return page;
}

Status AuditLog::load() {
    const std::string prefix(kPrefix);
    auto count = m_store.count(store::RangeRequest{prefix, store::prefixEnd(prefix), 0, false});
    if (!count) {
        return count.status();
    }
    m_count = *count;
    return Status::ok();
}

std::optional<AuditRecord> AuditLog::decode(const store::KeyValue &kv) {
    const auto value = nlohmann::json::parse(kv.value, nullptr, false);
    if (value.is_discarded() || !value.is_object()) {
        return std::nullopt;
    }
    AuditRecord record;
    record.id = value.value("id", "");
    record.time = system_clock::time_point(microseconds(value.value<std::int64_t>("time_us", 0)));
    record.actor = value.value("actor", "");
    record.role = value.value("role", 0);
    record.peer = value.value("peer", "");
    record.method = value.value("method", "");
    record.resource = value.value("resource", "");
    record.summary = value.value("summary", "");
    record.code = value.value("code", 0);
    record.error = value.value("error", "");
    record.revision = value.value<store::Revision>("revision", 0);
    if (value.value("with_change", false)) {
        record.revision = kv.modRevision;
    }
    return record;
}

} // namespace aegis::audit
