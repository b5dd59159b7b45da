#pragma once

#include "store/store.h"

#include <string>

namespace aegis::rollout {

// What the controller records about one of its own moves.
struct AuditEntry {
    std::string actor;
    std::string method;
    std::string resource;
    std::string summary;
};

// Where the rollout controller records its transitions (the audit log in aegisd). The record is
// committed in the same transaction as the transition it describes, so both become durable
// together. Called from the controller's strand; must be thread-safe.
class AuditSink {
public:
    virtual ~AuditSink() = default;
    // The write that records `entry`, for the caller to put in its transaction.
    virtual store::Operation prepare(AuditEntry entry) = 0;
    // Called once for each prepared entry whose transaction committed.
    virtual void committed() = 0;
};

} // namespace aegis::rollout
