#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace aegis::testing {

// What wrk (4.x) reports at the end of a run, read from its standard output.
struct WrkSummary {
    // "<requests> requests in <duration>, ... read": the responses it received.
    std::int64_t requests = 0;
    double seconds = 0;
    // "Requests/sec:".
    double requestsPerSecond = 0;
    // "Socket errors: connect C, read R, write W, timeout T"; wrk prints the line only when one of
    // them is not 0, and socketErrorsReported says whether it did.
    bool socketErrorsReported = false;
    std::int64_t connectErrors = 0;
    std::int64_t readErrors = 0;
    std::int64_t writeErrors = 0;
    std::int64_t timeouts = 0;
    // "Non-2xx or 3xx responses: N", printed only when N is not 0.
    bool non2xxReported = false;
    std::int64_t non2xx = 0;

    std::int64_t socketErrors() const {
        return connectErrors + readErrors + writeErrors + timeouts;
    }
    // Requests that did not get a 2xx or 3xx answer.
    std::int64_t failed() const { return socketErrors() + non2xx; }
};

// Parses wrk's output; nullopt when it has no "requests in" line (wrk did not run, or could not
// connect at all).
std::optional<WrkSummary> parseWrkSummary(std::string_view output);

} // namespace aegis::testing
