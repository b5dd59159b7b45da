#pragma once

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace aegis {

// Reads the number `key` of a stored JSON record as T, or `fallback` when the key is absent; like
// nlohmann's value() but range-checked. A number that T cannot hold (3e91 into an int, -1 into an
// unsigned) throws std::out_of_range; a value that is not a number, or `object` not being an
// object, throws as value() does. All are std::exception, which the record decoders turn into
// "unreadable record". A fractional number is truncated, as value() does.
template <typename T>
T numberOr(const nlohmann::json &object, const char *key, T fallback) {
    static_assert(std::is_arithmetic_v<T> && !std::is_same_v<T, bool>);
    if (!object.is_object()) {
        throw std::invalid_argument(std::string("field ") + key + " read from a non-object");
    }
    const auto it = object.find(key);
    if (it == object.end()) {
        return fallback;
    }
    const nlohmann::json &value = *it;
    const auto outOfRange = [key]() {
        return std::out_of_range(std::string("field ") + key + " is out of range");
    };
    if constexpr (std::is_integral_v<T>) {
        using Limits = std::numeric_limits<T>;
        if (value.is_number_unsigned()) {
            const auto number = value.get<std::uint64_t>();
            if (number > static_cast<std::uint64_t>(Limits::max())) {
                throw outOfRange();
            }
            return static_cast<T>(number);
        }
        if (value.is_number_integer()) {
            const auto number = value.get<std::int64_t>();
            if (number < 0
                    ? (!Limits::is_signed || number < static_cast<std::int64_t>(Limits::min()))
                    : static_cast<std::uint64_t>(number) >
                          static_cast<std::uint64_t>(Limits::max())) {
                throw outOfRange();
            }
            return static_cast<T>(number);
        }
        if (value.is_number_float()) {
            // Compared as long double: the bounds of a 64-bit T are not exact doubles.
            const auto number = static_cast<long double>(std::trunc(value.get<double>()));
            if (!std::isfinite(value.get<double>()) ||
                number < static_cast<long double>(Limits::min()) ||
                number > static_cast<long double>(Limits::max())) {
                throw outOfRange();
            }
            return static_cast<T>(number);
        }
    } else if (value.is_number()) {
        return value.get<T>();
    }
    return value.get<T>(); // Not a number: throws type_error.
}

} // namespace aegis
