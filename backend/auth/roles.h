#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// What a scoped call concerns, named by the permission table for each RPC.
enum class Target {
    // Nothing service-specific: the role alone decides.
    None,
    // A service of the registry: the caller acts for one of its instances.
    Service,
    // A configuration namespace the caller reads.
    Namespace,
};

// What a service token is bound to; empty for every other role. A service's configuration
// namespace is the one named like the service, so `services` also grants reading those;
// `namespaces` grants reading further namespaces (shared ones).
struct Scope {
    std::vector<std::string> services;
    std::vector<std::string> namespaces;
};

// Whether a `role` caller bound to `scope` may act on `name` (a service or a namespace, as
// `target` says). Roles other than service are not scoped: always true for them.
bool scopeCovers(Role role, const Scope &scope, Target target, std::string_view name);

// "services orders, payments; namespaces shared": the scope as a PERMISSION_DENIED message names
// it.
std::string describeScope(const Scope &scope);

std::string_view roleName(Role role);
// Accepts "viewer", "operator", "admin", "service".
std::optional<Role> parseRole(std::string_view name);

} // namespace aegis::auth
