#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace aegis {

// Canonical status codes. The numeric values are gRPC's, so the API layer converts by cast.
enum class StatusCode : int {
    Ok = 0,
    Cancelled = 1,
    Unknown = 2,
    InvalidArgument = 3,
    DeadlineExceeded = 4,
    NotFound = 5,
    AlreadyExists = 6,
    PermissionDenied = 7,
    ResourceExhausted = 8,
    FailedPrecondition = 9,
    Aborted = 10,
    OutOfRange = 11,
    Unimplemented = 12,
    Internal = 13,
    Unavailable = 14,
    DataLoss = 15,
    Unauthenticated = 16,
};

const char *statusCodeName(StatusCode code);

// The outcome of an operation: a code and, when not OK, a message meant for the person who made
// the request (it names the field or resource and the limit).
class Status {
public:
    Status() = default;
    Status(StatusCode code, std::string message)
        : m_code(code)
        , m_message(std::move(message)) {}

    static Status ok() { return {}; }

    bool isOk() const { return m_code == StatusCode::Ok; }
    StatusCode code() const { return m_code; }
    const std::string &message() const { return m_message; }
    std::string toString() const;

    friend bool operator==(const Status &, const Status &) = default;

private:
    StatusCode m_code = StatusCode::Ok;
    std::string m_message;
};

inline Status invalidArgument(std::string message) {
    return {StatusCode::InvalidArgument, std::move(message)};
}
inline Status notFound(std::string message) {
    return {StatusCode::NotFound, std::move(message)};
}
inline Status alreadyExists(std::string message) {
    return {StatusCode::AlreadyExists, std::move(message)};
}
inline Status failedPrecondition(std::string message) {
    return {StatusCode::FailedPrecondition, std::move(message)};
}
inline Status internalError(std::string message) {
    return {StatusCode::Internal, std::move(message)};
}
inline Status unavailable(std::string message) {
    return {StatusCode::Unavailable, std::move(message)};
}

// Either a value or a non-OK status.
template <typename T>
class StatusOr {
public:
    StatusOr(T value)
        : m_value(std::move(value)) {}
    StatusOr(Status status)
        : m_value(std::move(status)) {
        assert(!std::get<Status>(m_value).isOk() && "StatusOr needs a value or an error");
    }

    bool isOk() const { return std::holds_alternative<T>(m_value); }
    explicit operator bool() const { return isOk(); }

    Status status() const { return isOk() ? Status::ok() : std::get<Status>(m_value); }

    T &value() & { return std::get<T>(m_value); }
    const T &value() const & { return std::get<T>(m_value); }
    T &&value() && { return std::get<T>(std::move(m_value)); }
    T *operator->() { return &value(); }
    const T *operator->() const { return &value(); }
    T &operator*() & { return value(); }
    const T &operator*() const & { return value(); }

private:
    std::variant<T, Status> m_value;
};

} // namespace aegis
