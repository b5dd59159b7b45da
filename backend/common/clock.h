#pragma once

#include <atomic>
#include <chrono>
#include <memory>

namespace aegis {

// Source of time, passed to whatever needs it so that tests can control it.
class Clock {
public:
    virtual ~Clock() = default;
    // Wall-clock time, for timestamps shown to people and stored in records.
    virtual std::chrono::system_clock::time_point now() const = 0;
    // Monotonic time, for measuring durations and deadlines.
    virtual std::chrono::steady_clock::time_point steadyNow() const = 0;
};

using ClockPtr = std::shared_ptr<Clock>;

class SystemClock final : public Clock {
public:
    std::chrono::system_clock::time_point now() const override {
        return std::chrono::system_clock::now();
    }
    std::chrono::steady_clock::time_point steadyNow() const override {
        return std::chrono::steady_clock::now();
    }
};

// A clock that moves only when told to. Thread-safe.
class ManualClock final : public Clock {
public:
    explicit ManualClock(std::chrono::system_clock::time_point start =
                             std::chrono::system_clock::time_point(std::chrono::hours(24 * 365 *
                                                                                      56)))
        : m_offset(0)
        , m_wallStart(start) {}

    std::chrono::system_clock::time_point now() const override {
        return m_wallStart + std::chrono::nanoseconds(m_offset.load());
    }
    std::chrono::steady_clock::time_point steadyNow() const override {
        return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(m_offset.load()));
    }
    void advance(std::chrono::nanoseconds by) { m_offset += by.count(); }

private:
    std::atomic<std::int64_t> m_offset;
    std::chrono::system_clock::time_point m_wallStart;
};

} // namespace aegis
