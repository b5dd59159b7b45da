#include "common/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>
#include <mutex>

namespace aegis::log {
namespace {

// Fields of the record being formatted. The default logger is synchronous, so the formatter runs
// on the thread that logs and can read them from here.
thread_local const Fields *t_fields = nullptr;

class JsonFormatter final : public spdlog::formatter {
public:
    void format(const spdlog::details::log_msg &msg, spdlog::memory_buf_t &dest) override {
        Fields line = Fields::object();
        const auto time = msg.time;
        const auto seconds = std::chrono::system_clock::to_time_t(time);
        const auto micros =
            std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count() %
            1000000;
        std::tm utc{};
        gmtime_r(&seconds, &utc);
        char stamp[64];
        std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ",
                      utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min,
                      utc.tm_sec, static_cast<long long>(micros));
        line["time"] = stamp;
        line["level"] = std::string(spdlog::level::to_string_view(msg.level).data(),
                                    spdlog::level::to_string_view(msg.level).size());
        line["msg"] = std::string(msg.payload.data(), msg.payload.size());
        if (t_fields != nullptr && t_fields->is_object()) {
            for (const auto &[key, value] : t_fields->items()) {
                line[key] = value;
            }
        }
        const std::string text =
            line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        dest.append(text.data(), text.data() + text.size());
        dest.push_back('\n');
    }

    std::unique_ptr<spdlog::formatter> clone() const override {
        return std::make_unique<JsonFormatter>();
    }
};

void emit(spdlog::level::level_enum level, std::string_view msg, const Fields &fields) {
    auto logger = spdlog::default_logger_raw();
    if (!logger->should_log(level)) {
        return;
    }
    t_fields = &fields;
    logger->log(level, "{}", msg);
    t_fields = nullptr;
}

} // namespace

void init(std::string_view level) {
    static std::once_flag once;
    std::call_once(once, [] {
        auto logger = spdlog::stderr_logger_mt("aegis");
        logger->set_formatter(std::make_unique<JsonFormatter>());
        logger->flush_on(spdlog::level::trace);
        spdlog::set_default_logger(logger);
    });
    setLevel(level);
}

bool isValidLevel(std::string_view level) {
    return level == "off" || spdlog::level::from_str(std::string(level)) != spdlog::level::off;
}

bool setLevel(std::string_view level) {
    if (!isValidLevel(level)) {
        return false;
    }
    spdlog::set_level(spdlog::level::from_str(std::string(level)));
    return true;
}

std::string level() {
    const auto name = spdlog::level::to_string_view(spdlog::get_level());
    return {name.data(), name.size()};
}

void trace(std::string_view msg, const Fields &fields) {
    emit(spdlog::level::trace, msg, fields);
}
void debug(std::string_view msg, const Fields &fields) {
    emit(spdlog::level::debug, msg, fields);
}
void info(std::string_view msg, const Fields &fields) {
    emit(spdlog::level::info, msg, fields);
}
void warn(std::string_view msg, const Fields &fields) {
    emit(spdlog::level::warn, msg, fields);
}
void error(std::string_view msg, const Fields &fields) {
    emit(spdlog::level::err, msg, fields);
}

} // namespace aegis::log
