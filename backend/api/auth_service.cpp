#include "api/auth_service.h"

#include "api/convert.h"
#include "config/config_center.h"
#include "registry/registry.h"

namespace aegis::api {
namespace {

void toProto(const auth::TokenInfo &info, aegis::v1::Token *out) {
    out->set_name(info.name);
    out->set_role(static_cast<aegis::v1::Role>(info.role));
    out->set_description(info.description);
    api::toProto(info.createTime, out->mutable_create_time());
    out->set_created_by(info.createdBy);
    if (info.expireTime) {
        api::toProto(*info.expireTime, out->mutable_expire_time());
    }
    out->set_create_revision(info.createRevision);
    out->set_mod_revision(info.modRevision);
    out->mutable_services()->Add(info.scope.services.begin(), info.scope.services.end());
    out->mutable_namespaces()->Add(info.scope.namespaces.begin(), info.scope.namespaces.end());
}

// Service and namespace names as the registry and the config center accept them.
StatusOr<auth::Scope> scopeFrom(const aegis::v1::CreateTokenRequest &request) {
    if (request.services_size() > static_cast<int>(auth::kMaxTokenScopeNames) ||
        request.namespaces_size() > static_cast<int>(auth::kMaxTokenScopeNames)) {
        return invalidArgument("services and namespaces may name at most " +
                               std::to_string(auth::kMaxTokenScopeNames) + " entries each");
    }
    auth::Scope scope;
    for (int i = 0; i < request.services_size(); ++i) {
        const std::string field = "services[" + std::to_string(i) + "]";
        if (Status valid = registry::Registry::validateServiceName(request.services(i), field);
            !valid.isOk()) {
            return valid;
        }
        scope.services.push_back(request.services(i));
    }
    for (int i = 0; i < request.namespaces_size(); ++i) {
        const std::string field = "namespaces[" + std::to_string(i) + "]";
        if (Status valid = config::ConfigCenter::validateNamespace(request.namespaces(i), field);
            !valid.isOk()) {
            return valid;
        }
        scope.namespaces.push_back(request.namespaces(i));
    }
    return scope;
}

std::string clip(const std::string &text) {
    return text.substr(0, 64);
}

} // namespace

grpc::ServerUnaryReactor *AuthServiceImpl::CreateToken(grpc::CallbackServerContext *context,
                                                       const aegis::v1::CreateTokenRequest *request,
                                                       aegis::v1::CreateTokenResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.AuthService/CreateToken",
                                 "tokens/" + clip(request->name()));
    if (!call->authorized()) {
        return call->reactor();
    }
    if (!aegis::v1::Role_IsValid(request->role()) ||
        request->role() == aegis::v1::ROLE_UNSPECIFIED) {
        call->finish(invalidArgument("role must be one of ROLE_VIEWER, ROLE_OPERATOR, ROLE_ADMIN, "
                                     "ROLE_SERVICE (got " +
                                     std::to_string(request->role()) + ")"));
        return call->reactor();
    }
    auto scope = scopeFrom(*request);
    if (!scope) {
        call->finish(scope.status());
        return call->reactor();
    }
    auth::NewToken token{request->name(), static_cast<auth::Role>(request->role()),
                         request->description(), std::nullopt, std::move(*scope)};
    if (request->has_ttl()) {
        const auto &ttl = request->ttl();
        if (ttl.seconds() < 0 || ttl.seconds() > 100LL * 365 * 24 * 3600) {
            call->finish(invalidArgument("ttl must be between 60 seconds and 100 years"));
            return call->reactor();
        }
        token.ttl = std::chrono::seconds(ttl.seconds());
    }
    call->setSummary("create token with role " + std::string(auth::roleName(token.role)));
    m_api.tokens.create(token, call->caller().name,
                        [call, response](StatusOr<auth::CreatedToken> created) {
                            if (!created) {
                                return call->finish(created.status());
                            }
                            response->mutable_header()->set_revision(created->revision);
                            toProto(created->info, response->mutable_token());
                            response->set_secret(created->secret);
                            call->finish(Status::ok(), created->revision, true);
                        },
                        {call->auditOperation()});
    return call->reactor();
}

grpc::ServerUnaryReactor *AuthServiceImpl::ListTokens(grpc::CallbackServerContext *context,
                                                      const aegis::v1::ListTokensRequest *request,
                                                      aegis::v1::ListTokensResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.AuthService/ListTokens");
    if (!call->authorized()) {
        return call->reactor();
    }
    auto pageSize = pageSizeOrDefault(request->page_size());
    if (!pageSize) {
        call->finish(pageSize.status());
        return call->reactor();
    }
    if (!request->page_token().empty() &&
        !auth::TokenStore::validateName(request->page_token()).isOk()) {
        call->finish(invalidArgument("page_token is not one this server issued"));
        return call->reactor();
    }
    auto page = m_api.tokens.list(*pageSize, request->page_token());
    if (!page) {
        call->finish(page.status());
        return call->reactor();
    }
    response->mutable_header()->set_revision(page->revision);
    for (const auto &info : page->tokens) {
        toProto(info, response->add_tokens());
    }
    response->set_next_page_token(page->nextPageToken);
    call->finish(Status::ok());
    return call->reactor();
}

grpc::ServerUnaryReactor *AuthServiceImpl::RevokeToken(grpc::CallbackServerContext *context,
                                                       const aegis::v1::RevokeTokenRequest *request,
                                                       aegis::v1::RevokeTokenResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.AuthService/RevokeToken",
                                 "tokens/" + clip(request->name()));
    if (!call->authorized()) {
        return call->reactor();
    }
    call->setSummary("revoke token");
    if (Status valid = auth::TokenStore::validateName(request->name()); !valid.isOk()) {
        call->finish(valid);
        return call->reactor();
    }
    // Refuse to lock every administrator out.
    if (const auto target = m_api.tokens.find(request->name());
        target && target->role == auth::Role::Admin) {
        auto all = m_api.tokens.list(0, {});
        const auto admins = all ? std::count_if(all->tokens.begin(), all->tokens.end(),
                                                [](const auth::TokenInfo &t) {
                                                    return t.role == auth::Role::Admin;
                                                })
                                : 0;
        if (admins <= 1) {
            call->finish(failedPrecondition("'" + request->name() +
                                            "' is the last admin token; create another admin "
                                            "token before revoking it"));
            return call->reactor();
        }
    }
    m_api.tokens.revoke(request->name(),
                        [call, response](StatusOr<store::Revision> revision) {
                            if (!revision) {
                                return call->finish(revision.status());
                            }
                            response->mutable_header()->set_revision(*revision);
                            call->finish(Status::ok(), *revision, true);
                        },
                        {call->auditOperation()});
    return call->reactor();
}

grpc::ServerUnaryReactor *AuthServiceImpl::WhoAmI(grpc::CallbackServerContext *context,
                                                  const aegis::v1::WhoAmIRequest *,
                                                  aegis::v1::WhoAmIResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.AuthService/WhoAmI");
    if (!call->authorized()) {
        return call->reactor();
    }
    response->mutable_header()->set_revision(m_api.store.currentRevision());
    if (const auto info = m_api.tokens.find(call->caller().name)) {
        toProto(*info, response->mutable_token());
    }
    call->finish(Status::ok());
    return call->reactor();
}

} // namespace aegis::api
