#pragma once

namespace aegis::daemon {

// Sends what gRPC core (gpr_log) and libprotobuf log through aegis::log, so that every line
// aegisd writes is one JSON object. Call once, after log::init() and before any gRPC or protobuf
// use; neither library's handler may be replaced while it runs.
void routeLibraryLogs();

} // namespace aegis::daemon
