#include "common/rfc3339.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>

namespace aegis {

using namespace std::chrono;

system_clock::time_point parseRfc3339(std::string_view input) {
    const std::string text(input);
    int year = 0;
    unsigned month = 0;
    unsigned day = 0;
    int hour = 0;
    int minute = 0;
    int second = 0;
    int consumed = 0;
    if (std::sscanf(text.c_str(), "%d-%u-%uT%d:%d:%d%n", &year, &month, &day, &hour, &minute,
                    &second, &consumed) != 6 ||
        year <= 1970) {
        return {};
    }
    std::string_view rest = std::string_view(text).substr(static_cast<std::size_t>(consumed));
    nanoseconds fraction{0};
    if (rest.starts_with(".")) {
        rest.remove_prefix(1);
        std::int64_t scale = 100'000'000;
        while (!rest.empty() && std::isdigit(static_cast<unsigned char>(rest.front())) != 0) {
            fraction += nanoseconds((rest.front() - '0') * scale);
            scale /= 10;
            rest.remove_prefix(1);
        }
    }
    minutes offset{0};
    if (rest.size() >= 6 && (rest[0] == '+' || rest[0] == '-')) {
        const int hours = std::atoi(std::string(rest.substr(1, 2)).c_str());
        const int mins = std::atoi(std::string(rest.substr(4, 2)).c_str());
        offset = minutes((rest[0] == '-' ? -1 : 1) * (hours * 60 + mins));
    }
    const sys_days date =
        year_month_day(std::chrono::year(year), std::chrono::month(month), std::chrono::day(day));
    return time_point_cast<system_clock::duration>(
        date + hours(hour) + minutes(minute) + std::chrono::seconds(second) + fraction - offset);
}

std::string formatRfc3339(system_clock::time_point time) {
    const auto ms = time_point_cast<milliseconds>(time);
    const sys_days date = floor<days>(ms);
    const year_month_day ymd(date);
    const hh_mm_ss clock(ms - date);
    char text[40];
    std::snprintf(
        text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(ymd.year()),
        static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
        static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
        static_cast<int>(clock.seconds().count()), static_cast<int>(clock.subseconds().count()));
    return text;
}

} // namespace aegis
