#pragma once

#include "net/connection_types.h"

#include <functional>
#include <utility>
#include <variant>

namespace aegis::console {

// The value of a call that carries nothing but its success (SetInstanceState, say).
struct Acknowledged {};

// The one result of one request: the value the daemon answered with, or why there is none.
template <typename T>
class CallResult {
public:
    CallResult(T value)
        : m_outcome(std::move(value)) {}
    CallResult(CallError error)
        : m_outcome(std::move(error)) {}

    bool ok() const { return std::holds_alternative<T>(m_outcome); }
    // Only when ok().
    const T &value() const { return std::get<T>(m_outcome); }
    // Only when !ok().
    const CallError &error() const { return std::get<CallError>(m_outcome); }

private:
    std::variant<T, CallError> m_outcome;
};

// Receives a request's result on the thread of the context object the request was bound to,
// exactly once if that object is still alive and the session still on the same connection, never
// otherwise.
template <typename T>
using ResultHandler = std::function<void(const CallResult<T> &result)>;

} // namespace aegis::console
