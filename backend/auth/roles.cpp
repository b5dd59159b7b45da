#include "auth/roles.h"

namespace aegis::auth {

bool roleGrants(Role role, Access access) {
    switch (access) {
    case Access::Authenticated:
        return role != Role::Unspecified;
    case Access::Read:
        return role == Role::Viewer || role == Role::Operator || role == Role::Admin;
    case Access::Operate:
        return role == Role::Operator || role == Role::Admin;
    case Access::ServiceSelf:
        return role == Role::Service || role == Role::Operator || role == Role::Admin;
    case Access::Admin:
        return role == Role::Admin;
    }
    return false;
}

std::string_view roleName(Role role) {
    switch (role) {
    case Role::Viewer:
        return "viewer";
    case Role::Operator:
        return "operator";
    case Role::Admin:
        return "admin";
    case Role::Service:
        return "service";
    case Role::Unspecified:
        break;
    }
    return "unspecified";
}

std::optional<Role> parseRole(std::string_view name) {
    for (Role role : {Role::Viewer, Role::Operator, Role::Admin, Role::Service}) {
        if (roleName(role) == name) {
            return role;
        }
    }
    return std::nullopt;
}

} // namespace aegis::auth
