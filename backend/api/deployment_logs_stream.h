#pragma once

#include "aegis/v1/rollout.pb.h"
#include "api/api_context.h"

#include <boost/asio/any_io_executor.hpp>

#include <grpcpp/support/server_callback.h>

#include <chrono>
#include <filesystem>

namespace aegis::api {

// Where DeploymentLogs reads: the process driver's log directory, read on `executor` (the io
// pool, never gRPC's callback threads), looking for new lines every `pollInterval` while
// following.
struct DeploymentLogSource {
    std::filesystem::path logDir;
    boost::asio::any_io_executor executor;
    std::chrono::milliseconds pollInterval{250};
};

// RolloutService.DeploymentLogs: validates and authorises the request, then streams the tail of
// the instance's log in messages of at most about 256 KiB of the file, and with `follow` every
// new line. It reads the next chunk only once the previous message was written, so a slow client
// holds one message in memory and the file is the buffer. Registered with the StreamCloser like
// every watch, so shutdown and revocation end it.
grpc::ServerWriteReactor<aegis::v1::DeploymentLogsResponse> *
openDeploymentLogs(ApiContext &api, const DeploymentLogSource &source,
                   grpc::CallbackServerContext *context,
                   const aegis::v1::DeploymentLogsRequest &request);

} // namespace aegis::api
