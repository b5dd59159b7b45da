#pragma once

#include "audit/audit_log.h"
#include "rollout/audit_sink.h"

namespace aegis::rollout {

// The audit log as the controller's audit sink.
class AuditLogSink final : public AuditSink {
public:
    explicit AuditLogSink(audit::AuditLog &log)
        : m_log(log) {}

    store::Operation prepare(AuditEntry entry) override {
        audit::AuditRecord record;
        record.actor = std::move(entry.actor);
        record.method = std::move(entry.method);
        record.resource = std::move(entry.resource);
        record.summary = std::move(entry.summary);
        return m_log.prepare(std::move(record));
    }
    void committed() override { m_log.recordCommitted(); }

private:
    audit::AuditLog &m_log;
};

} // namespace aegis::rollout
