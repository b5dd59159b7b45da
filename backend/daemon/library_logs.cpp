#include "daemon/library_logs.h"

#include "common/logging.h"

#include <google/protobuf/stubs/logging.h>
#include <grpc/support/log.h>

namespace aegis::daemon {
namespace {

void logGrpc(gpr_log_func_args *args) {
    const log::Fields fields = {
        {"source", "grpc"}, {"file", args->file ? args->file : ""}, {"line", args->line}};
    const std::string message = args->message ? args->message : "";
    switch (args->severity) {
    case GPR_LOG_SEVERITY_DEBUG:
        return log::debug(message, fields);
    case GPR_LOG_SEVERITY_INFO:
        return log::info(message, fields);
    case GPR_LOG_SEVERITY_ERROR:
        return log::error(message, fields);
    }
}

void logProtobuf(google::protobuf::LogLevel level, const char *file, int line,
                 const std::string &message) {
    const log::Fields fields = {{"source", "protobuf"}, {"file", file ? file : ""}, {"line", line}};
    switch (level) {
    case google::protobuf::LOGLEVEL_INFO:
        return log::info(message, fields);
    case google::protobuf::LOGLEVEL_WARNING:
        return log::warn(message, fields);
    case google::protobuf::LOGLEVEL_ERROR:
    case google::protobuf::LOGLEVEL_FATAL:
        return log::error(message, fields);
    }
}

} // namespace

void routeLibraryLogs() {
    gpr_set_log_function(logGrpc);
    google::protobuf::SetLogHandler(logProtobuf);
}

} // namespace aegis::daemon
