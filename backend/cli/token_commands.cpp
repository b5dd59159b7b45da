#include "argument_values.h"
#include "command.h"
#include "command_context.h"
#include "text_output.h"

#include "aegis/v1/auth.grpc.pb.h"

#include <google/protobuf/util/time_util.h>

namespace po = boost::program_options;

namespace aegis::cli {
namespace {

std::string expiry(const v1::Token &token, std::chrono::system_clock::time_point now) {
    return formatRelative(token.expire_time(), now, "never");
}

// "services orders, payments; namespaces shared", or "-" for an unscoped token.
std::string scopeText(const v1::Token &token) {
    const auto join = [](const auto &names) {
        std::string text;
        for (const auto &name : names) {
            text += (text.empty() ? "" : ", ") + name;
        }
        return text;
    };
    if (token.services_size() == 0 && token.namespaces_size() == 0) {
        return "-";
    }
    std::string text = "services " + join(token.services());
    if (token.namespaces_size() > 0) {
        text += "; namespaces " + join(token.namespaces());
    }
    return text;
}

int runCreate(CommandContext &context, const po::variables_map &values) {
    v1::CreateTokenRequest request;
    request.set_name(values["name"].as<std::string>());
    const auto role = parseRole(values["role"].as<std::string>());
    if (!role) {
        throw UsageError("--role must be viewer, operator, admin or service, not \"" +
                         values["role"].as<std::string>() + "\"");
    }
    request.set_role(*role);
    const auto services = nameListFlag(values, "service");
    const auto namespaces = nameListFlag(values, "namespace");
    if (*role == v1::ROLE_SERVICE && services.empty()) {
        throw UsageError("--role service needs --service NAME[,NAME...]: the services the token "
                         "may act for");
    }
    if (*role != v1::ROLE_SERVICE && (!services.empty() || !namespaces.empty())) {
        throw UsageError("--service and --namespace bind a token with --role service; a " +
                         roleName(*role) + " token is not bound to services");
    }
    request.mutable_services()->Add(services.begin(), services.end());
    request.mutable_namespaces()->Add(namespaces.begin(), namespaces.end());
    if (values.count("description")) {
        request.set_description(values["description"].as<std::string>());
    }
    if (values.count("ttl")) {
        *request.mutable_ttl() = google::protobuf::util::TimeUtil::MillisecondsToDuration(
            durationFlag(values, "ttl").count());
    }

    auto stub = v1::AuthService::NewStub(context.channel());
    v1::CreateTokenResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->CreateToken(call.get(), request, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    const auto &token = response.token();
    auto &out = context.out();
    out << "Created token \"" << token.name() << "\" with role " << roleName(token.role());
    if (token.services_size() > 0) {
        out << " for " << scopeText(token);
    }
    if (token.has_expire_time()) {
        out << ", expiring " << formatTimestamp(token.expire_time()) << " ("
            << formatRelative(token.expire_time(), context.now()) << ")";
    }
    out << ".\n\nSecret:\n\n    " << response.secret() << "\n\n"
        << "Copy it now: it is not stored anywhere and cannot be shown again.\n"
        << "Use it with --token, the AEGIS_TOKEN variable or a file named by --token-file.\n";
    return 0;
}

int runList(CommandContext &context, const po::variables_map &) {
    auto stub = v1::AuthService::NewStub(context.channel());
    // All pages, gathered into one response so JSON output is a single document.
    v1::ListTokensResponse all;
    v1::ListTokensRequest request;
    request.set_page_size(1000);
    do {
        v1::ListTokensResponse page;
        const auto call = context.newCall();
        if (const auto status = stub->ListTokens(call.get(), request, &page); !status.ok()) {
            return context.failRpc(status);
        }
        *all.mutable_header() = page.header();
        for (auto &token : *page.mutable_tokens()) {
            *all.add_tokens() = std::move(token);
        }
        request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty());

    if (context.format() == OutputFormat::Json) {
        context.printJson(all);
        return 0;
    }
    TextTable table({"NAME", "ROLE", "SCOPE", "CREATED", "EXPIRES", "CREATOR", "DESCRIPTION"});
    for (const auto &token : all.tokens()) {
        table.addRow({token.name(), roleName(token.role()), scopeText(token),
                      formatRelative(token.create_time(), context.now()),
                      expiry(token, context.now()), token.created_by(), token.description()});
    }
    table.print(context.out());
    return 0;
}

int runRevoke(CommandContext &context, const po::variables_map &values) {
    v1::RevokeTokenRequest request;
    request.set_name(values["name"].as<std::string>());
    auto stub = v1::AuthService::NewStub(context.channel());
    v1::RevokeTokenResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->RevokeToken(call.get(), request, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    context.out() << "Revoked token \"" << request.name() << "\" (revision "
                  << response.header().revision() << ").\n";
    return 0;
}

int runWhoAmI(CommandContext &context, const po::variables_map &) {
    auto stub = v1::AuthService::NewStub(context.channel());
    v1::WhoAmIResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->WhoAmI(call.get(), {}, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    const auto &token = response.token();
    TextTable table({"NAME", "ROLE", "SCOPE", "CREATED", "EXPIRES", "CREATOR", "DESCRIPTION"});
    table.addRow({token.name(), roleName(token.role()), scopeText(token),
                  formatRelative(token.create_time(), context.now()), expiry(token, context.now()),
                  token.created_by(), token.description()});
    table.print(context.out());
    return 0;
}

void declareName(CommandFlags &flags) {
    flags.hidden.add_options()("name", po::value<std::string>()->required(), "NAME");
    flags.positional.add("name", 1);
}

} // namespace

std::vector<Command> tokenCommands() {
    return {
        {"tokens create",
         "NAME --role ROLE [--service NAMES] [--namespace NAMES] [--description TEXT] "
         "[--ttl DURATION] [flags]",
         "Creates a token and prints its secret, once. A service token is bound to the services "
         "it runs as (--service, required with --role service).",
         [](CommandFlags &flags) {
             declareName(flags);
             // clang-format off
             flags.visible.add_options()
                 ("role", po::value<std::string>()->required()->value_name("ROLE"),
                     "viewer, operator, admin or service")
                 ("service", po::value<std::vector<std::string>>()->composing()
                      ->value_name("NAMES"),
                     "with --role service: the services (comma-separated, repeatable) whose "
                     "instances the token may register, keep alive and report for, and whose "
                     "configuration namespaces it may read")
                 ("namespace", po::value<std::vector<std::string>>()->composing()
                      ->value_name("NAMES"),
                     "with --role service: further configuration namespaces it may read")
                 ("description", po::value<std::string>()->value_name("TEXT"),
                     "free text, up to 256 characters")
                 ("ttl", po::value<std::string>()->value_name("DURATION"),
                     "expire after this long, e.g. 24h (at least 1m); default never");
             // clang-format on
         },
         runCreate},
        {"tokens list", "[flags]", "Lists tokens (never their secrets).", nullptr, runList},
        {"tokens revoke", "NAME [flags]",
         "Revokes a token; calls with it are refused from then on.", declareName, runRevoke},
        {"whoami", "[flags]", "Describes the token this command authenticates with.", nullptr,
         runWhoAmI},
    };
}

} // namespace aegis::cli
