#include "common/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <utility>
#include <vector>

namespace aegis::log {
namespace {

// Fields of the record being formatted. The default logger is synchronous, so the formatter runs
// on the thread that logs and can read them from here.
thread_local const Fields *t_fields = nullptr;

std::atomic<KeyStyle> g_keyStyle{KeyStyle::Aegis};

// The ECS version the "ecs" style's lines conform to (as ECS logging libraries write it).
constexpr const char *kEcsVersion = "1.6.0";

std::string rfc3339Micros(std::chrono::system_clock::time_point time) {
    const auto seconds = std::chrono::system_clock::to_time_t(time);
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count() %
        1000000;
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char stamp[64];
    std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", utc.tm_year + 1900,
                  utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                  static_cast<long long>(micros));
    return stamp;
}

std::string levelName(spdlog::level::level_enum level, KeyStyle style) {
    if (style == KeyStyle::Zap) {
        // zap's level names: it has no trace, and calls a warning "warn".
        switch (level) {
        case spdlog::level::trace:
        case spdlog::level::debug:
            return "debug";
        case spdlog::level::warn:
            return "warn";
        case spdlog::level::err:
        case spdlog::level::critical:
            return "error";
        default:
            return "info";
        }
    }
    const auto name = spdlog::level::to_string_view(level);
    return {name.data(), name.size()};
}

class JsonFormatter final : public spdlog::formatter {
public:
    void format(const spdlog::details::log_msg &msg, spdlog::memory_buf_t &dest) override {
        const KeyStyle style = g_keyStyle.load(std::memory_order_relaxed);
        Fields line = Fields::object();
        std::string message(msg.payload.data(), msg.payload.size());
        switch (style) {
        case KeyStyle::Aegis:
            line["time"] = rfc3339Micros(msg.time);
            line["level"] = levelName(msg.level, style);
            line["msg"] = std::move(message);
            break;
        case KeyStyle::Zap:
            line["ts"] = std::chrono::duration<double>(msg.time.time_since_epoch()).count();
            line["level"] = levelName(msg.level, style);
            line["msg"] = std::move(message);
            break;
        case KeyStyle::Ecs:
            line["@timestamp"] = rfc3339Micros(msg.time);
            line["log.level"] = levelName(msg.level, style);
            line["message"] = std::move(message);
            line["ecs.version"] = kEcsVersion;
            break;
        }
        if (t_fields != nullptr && t_fields->is_object()) {
            // The standard keys are in the line by now and are never replaced: a field named
            // like one is written as "fields.<name>", after the fields that need no renaming,
            // and prefixed again while that name is taken.
            std::vector<std::pair<std::string, const Fields *>> clashing;
            for (const auto &[key, value] : t_fields->items()) {
                if (line.contains(key)) {
                    clashing.emplace_back(key, &value);
                } else {
                    line[key] = value;
                }
            }
            for (const auto &[key, value] : clashing) {
                std::string name = "fields." + key;
                while (line.contains(name)) {
                    name = "fields." + name;
                }
                line[name] = *value;
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
    std::string ignoredStyle;
    std::call_once(once, [&ignoredStyle] {
        auto logger = spdlog::stderr_logger_mt("aegis");
        logger->set_formatter(std::make_unique<JsonFormatter>());
        logger->flush_on(spdlog::level::trace);
        spdlog::set_default_logger(logger);
        if (const char *style = std::getenv("AEGIS_LOG_KEYS"); style && !setKeyStyle(style)) {
            ignoredStyle = style;
        }
    });
    setLevel(level);
    if (!ignoredStyle.empty()) {
        warn("AEGIS_LOG_KEYS ignored: not aegis, zap or ecs", {{"value", ignoredStyle}});
    }
}

bool isValidKeyStyle(std::string_view name) {
    return name == "aegis" || name == "zap" || name == "ecs";
}

bool setKeyStyle(std::string_view name) {
    if (!isValidKeyStyle(name)) {
        return false;
    }
    setKeyStyle(name == "zap" ? KeyStyle::Zap : name == "ecs" ? KeyStyle::Ecs : KeyStyle::Aegis);
    return true;
}

void setKeyStyle(KeyStyle style) {
    g_keyStyle.store(style, std::memory_order_relaxed);
}

KeyStyle keyStyle() {
    return g_keyStyle.load(std::memory_order_relaxed);
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
