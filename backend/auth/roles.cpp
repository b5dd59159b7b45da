#include "auth/roles.h"

#include <algorithm>

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

bool scopeCovers(Role role, const Scope &scope, Target target, std::string_view name) {
    if (role != Role::Service || target == Target::None) {
        return true;
    }
    const auto names = [name](const std::vector<std::string> &list) {
        return std::find(list.begin(), list.end(), name) != list.end();
    };
    return names(scope.services) || (target == Target::Namespace && names(scope.namespaces));
}

std::string describeScope(const Scope &scope) {
    const auto join = [](const std::vector<std::string> &list) {
        std::string text;
        for (const auto &name : list) {
            text += (text.empty() ? "" : ", ") + name;
        }
        return text;
    };
    if (scope.services.empty() && scope.namespaces.empty()) {
        return "no services";
    }
    std::string text = "services " + (scope.services.empty() ? "(none)" : join(scope.services));
    if (!scope.namespaces.empty()) {
        text += "; namespaces " + join(scope.namespaces);
    }
    return text;
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
