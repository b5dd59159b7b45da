#pragma once

// gRPC set-up the tests against a real aegisd repeat: a channel carrying a token, and a token made
// through the AuthService.

#include "aegis/v1/auth.pb.h"

#include <grpcpp/channel.h>
#include <grpcpp/support/status.h>

#include <memory>
#include <string>
#include <vector>

namespace aegis::testing {

// A channel to `address` that sends `token` with every call; it connects lazily.
std::shared_ptr<grpc::Channel> channelFor(const std::string &address, const std::string &token);

// Creates the token `name` with `role` through `channel`, which must carry an admin token, with a
// 10 s deadline; on success stores the token's secret in `*secret`.
// `services` binds a ROLE_SERVICE token (required for it); `namespaces` grants it more.
grpc::Status createToken(const std::shared_ptr<grpc::Channel> &channel, const std::string &name,
                         aegis::v1::Role role, std::string *secret,
                         const std::vector<std::string> &services = {},
                         const std::vector<std::string> &namespaces = {});

} // namespace aegis::testing
