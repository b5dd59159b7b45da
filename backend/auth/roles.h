#pragma once

#include <optional>
#include <string_view>

namespace aegis::auth {

// Numeric values match aegis.v1.Role.
enum class Role { Unspecified = 0, Viewer = 1, Operator = 2, Admin = 3, Service = 4 };

// What an RPC requires. The permission table in api/ maps every RPC to one of these, and
// roleGrants() is the only place that says which role may do what.
enum class Access {
    // Anything an authenticated caller may do, including a service instance (GetStatus, WhoAmI).
    Authenticated,
    // Reading the fleet's state and the audit log.
    Read,
    // Operational changes: drain an instance, publish configuration, start a release.
    Operate,
    // Calls made by service instances about themselves (register, keep-alive, report health).
    ServiceSelf,
    // Managing tokens and the daemon itself.
    Admin,
};

bool roleGrants(Role role, Access access);

std::string_view roleName(Role role);
// Accepts "viewer", "operator", "admin", "service".
std::optional<Role> parseRole(std::string_view name);

} // namespace aegis::auth
