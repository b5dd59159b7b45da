#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

// Structured JSON logging: one JSON object per line on stderr, with the standard keys and the
// caller's fields, e.g. {"time":"...","level":"info","msg":"store opened","revision":42}.
// The standard keys follow the key style (docs/logging.md):
//   aegis (default)  "time" (RFC 3339, UTC, microseconds), "level", "msg"
//   zap              "ts" (seconds since the epoch), "level", "msg", as zap's production encoder
//   ecs              "@timestamp", "log.level", "message", "ecs.version", as ECS logging
// A caller's field named like a standard key of the style in force never replaces it: it is
// written as "fields.<name>" (as logrus does), e.g. {"msg":"request","fields.msg":"hello"}.
namespace aegis::log {

using Fields = nlohmann::json;

enum class KeyStyle { Aegis, Zap, Ecs };

// Installs the JSON formatter on the default spdlog logger. Safe to call more than once. The
// first call takes the key style from the environment variable AEGIS_LOG_KEYS (aegis, zap or
// ecs) when it names one, and warns (one JSON line) when it names none.
void init(std::string_view level = "info");

// Returns false, leaving the style unchanged, when `name` is not aegis, zap or ecs.
bool setKeyStyle(std::string_view name);
void setKeyStyle(KeyStyle style);
KeyStyle keyStyle();
bool isValidKeyStyle(std::string_view name);

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
