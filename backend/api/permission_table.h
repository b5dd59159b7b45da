#pragma once

#include "auth/roles.h"
#include "common/status.h"

#include <span>
#include <string_view>

namespace aegis::api {

// What one RPC requires and whether it changes state (and is therefore audited).
struct MethodPolicy {
    // Full method name, as gRPC reports it: "/aegis.v1.AuthService/CreateToken".
    std::string_view method;
    auth::Access access;
    bool mutation;
    // What a service token's scope is checked against: the service or the configuration
    // namespace the request names (None: the role alone decides).
    auth::Target target = auth::Target::None;
};

// The one permission table: every RPC the daemon serves has exactly one entry here, and every
// call is authorised against it before its handler runs.
std::span<const MethodPolicy> permissionTable();

// The entry for `method`, or nullptr for a method the table does not know (refused).
const MethodPolicy *findPolicy(std::string_view method);

// Checks that every method of every aegis.v1 service in the linked protobuf descriptors has an
// entry, and every entry names a real method. The daemon refuses to start otherwise.
Status checkPermissionTableCoverage();

} // namespace aegis::api
