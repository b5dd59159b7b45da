#pragma once

#include "common/status.h"

#include <optional>
#include <utility>

namespace aegis::api {

// When a server stream that writes one message at a time may call Finish(): gRPC allows it only
// with no write in flight, so a status that comes during a write waits for OnWriteDone (the first
// such status wins). Not thread-safe: kept under the stream's lock.
class StreamEnd {
public:
    // A write is in flight (StartWrite was called, OnWriteDone has not run yet).
    bool writing() const { return m_writing; }
    // Finish() was called.
    bool finished() const { return m_finished; }
    // Finished, or finishing once the write in flight is done: nothing more is to be sent.
    bool ending() const { return m_finished || m_pending.has_value(); }

    void startWrite() { m_writing = true; }

    // From OnWriteDone: the status that waited for the write, to finish with now.
    std::optional<Status> writeDone() {
        m_writing = false;
        return std::exchange(m_pending, std::nullopt);
    }

    // Whether the stream calls Finish() with `status` now: false when it already did, or when a
    // write is in flight (then `status` waits for writeDone(), unless an earlier one does).
    bool finishNow(const Status &status) {
        if (m_finished) {
            return false;
        }
        if (m_writing) {
            if (!m_pending) {
                m_pending = status;
            }
            return false;
        }
        m_finished = true;
        return true;
    }

private:
    bool m_writing = false;
    bool m_finished = false;
    std::optional<Status> m_pending;
};

} // namespace aegis::api
