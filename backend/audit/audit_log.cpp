#include "audit/audit_log.h"

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

// Appends `text` as a JSON string, escaped as nlohmann::json's dump() (ensure_ascii off) escapes
// it; text with bytes beyond ASCII goes through nlohmann itself, which also replaces invalid UTF-8.
void appendJsonString(std::string &out, std::string_view text) {
    const bool ascii = std::all_of(text.begin(), text.end(),
                                   [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    if (!ascii) {
        out += nlohmann::json(std::string(text))
                   .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        return;
    }
    out += '"';
    for (const char c : text) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                char escaped[8];
                std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
                out += escaped;
            } else {
                out += c;
            }
        }
    }
    out += '"';
}

} // namespace

// Written field by field rather than through a nlohmann::json object, whose tree of nodes cost
// more than the rest of an audited call's record (one per mutation, a registration included);
// the bytes are those of that object's dump(), keys in its alphabetical order.
std::string AuditLog::encode(const AuditRecord &record, bool withChange) {
    std::string out;
    out.reserve(192 + record.summary.size() + record.resource.size() + record.error.size());
    const auto name = [&out](std::string_view key) {
        out += out.empty() ? "{\"" : ",\"";
        out += key;
        out += "\":";
    };
    name("actor");
    appendJsonString(out, record.actor);
    name("code");
    out += std::to_string(record.code);
    name("error");
    appendJsonString(out, record.error);
    name("id");
    appendJsonString(out, record.id);
    name("method");
    appendJsonString(out, record.method);
    name("peer");
    appendJsonString(out, record.peer);
    name("resource");
    appendJsonString(out, record.resource);
    name("revision");
    out += std::to_string(record.revision);
    name("role");
    out += std::to_string(record.role);
    name("summary");
    appendJsonString(out, record.summary);
    name("time_us");
    out += std::to_string(toMicros(record.time));
    if (withChange) {
        name("with_change");
        out += "true";
    }
    out += '}';
    return out;
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
