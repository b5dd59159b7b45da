#include "wrk_summary.h"

#include <regex>
#include <string>

namespace aegis::testing {

std::optional<WrkSummary> parseWrkSummary(std::string_view output) {
    const std::string text(output);
    std::smatch match;
    // wrk prints durations as 8.00s, 1.50m or 1.00h.
    static const std::regex requests(R"((\d+) requests in ([0-9.]+)(us|ms|s|m|h),)");
    if (!std::regex_search(text, match, requests)) {
        return std::nullopt;
    }
    WrkSummary summary;
    summary.requests = std::stoll(match[1]);
    const double value = std::stod(match[2]);
    const std::string unit = match[3];
    summary.seconds = unit == "us"   ? value / 1e6
                      : unit == "ms" ? value / 1e3
                      : unit == "m"  ? value * 60
                      : unit == "h"  ? value * 3600
                                     : value;
    static const std::regex rate(R"(Requests/sec:\s+([0-9.]+))");
    if (std::regex_search(text, match, rate)) {
        summary.requestsPerSecond = std::stod(match[1]);
    }
    static const std::regex socketErrors(
        R"(Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+))");
    if (std::regex_search(text, match, socketErrors)) {
        summary.socketErrorsReported = true;
        summary.connectErrors = std::stoll(match[1]);
        summary.readErrors = std::stoll(match[2]);
        summary.writeErrors = std::stoll(match[3]);
        summary.timeouts = std::stoll(match[4]);
    }
    static const std::regex non2xx(R"(Non-2xx or 3xx responses: (\d+))");
    if (std::regex_search(text, match, non2xx)) {
        summary.non2xxReported = true;
        summary.non2xx = std::stoll(match[1]);
    }
    return summary;
}

} // namespace aegis::testing
