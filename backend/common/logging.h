#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

// Structured JSON logging: one JSON object per line on stderr, with "time", "level", "msg" and
// the caller's fields, e.g. {"time":"...","level":"info","msg":"store opened","revision":42}.
namespace aegis::log {

using Fields = nlohmann::json;

// Installs the JSON formatter on the default spdlog logger. Safe to call more than once.
void init(std::string_view level = "info");

// Returns false, leaving the level unchanged, when `level` is not one of trace, debug, info,
// warn, error, critical, off.
bool setLevel(std::string_view level);
std::string level();
bool isValidLevel(std::string_view level);

void trace(std::string_view msg, const Fields &fields = {});
void debug(std::string_view msg, const Fields &fields = {});
void info(std::string_view msg, const Fields &fields = {});
void warn(std::string_view msg, const Fields &fields = {});
void error(std::string_view msg, const Fields &fields = {});

} // namespace aegis::log
