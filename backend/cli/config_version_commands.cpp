// Versions: history, diff and rollback.

#include "config_support.h"

#include "common/status.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <unistd.h>

namespace aegis::cli {
namespace {

// Whether the diff is coloured: --color, else only on a terminal and unless NO_COLOR is set.
bool useColour(CommandContext &context, const std::string &mode) {
    if (mode == "always") {
        return true;
    }
    if (mode == "never") {
        return false;
    }
    const char *noColor = std::getenv("NO_COLOR");
    const char *term = std::getenv("TERM");
    return writesTo(context.out(), std::cout.rdbuf()) && ::isatty(STDOUT_FILENO) &&
           (noColor == nullptr || *noColor == '\0') &&
           (term == nullptr || std::string_view(term) != "dumb");
}

void printDiff(std::ostream &out, const std::string &diff, bool colour) {
    std::istringstream in(diff);
    for (std::string line; std::getline(in, line);) {
        const char *escape = nullptr;
        if (colour) {
            if (line.starts_with("+++") || line.starts_with("---")) {
                escape = "\033[1m";
            } else if (line.starts_with("@@")) {
                escape = "\033[36m";
            } else if (line.starts_with('+')) {
                escape = "\033[32m";
            } else if (line.starts_with('-')) {
                escape = "\033[31m";
            }
        }
        if (escape != nullptr) {
            writeStyle(out, escape);
            out << line;
            writeStyle(out, "\033[0m");
            out << "\n";
        } else {
            out << line << "\n";
        }
    }
}

} // namespace

int runHistory(CommandContext &context, const po::variables_map &values) {
    const auto ref = itemArg(values);
    const int limit = values["limit"].as<int>();
    if (limit <= 0) {
        throw UsageError("--limit must be at least 1");
    }
    v1::ListConfigVersionsRequest request;
    *request.mutable_ref() = ref;
    auto stub = v1::ConfigService::NewStub(context.channel());
    // Pages gathered into one response; next_page_token is kept when --limit cut it short.
    v1::ListConfigVersionsResponse all;
    do {
        request.set_page_size(std::min(limit - all.versions_size(), kMaxPageSize));
        v1::ListConfigVersionsResponse page;
        const auto call = context.newCall();
        if (const auto status = stub->ListConfigVersions(call.get(), request, &page);
            !status.ok()) {
            return context.failRpc(status);
        }
        *all.mutable_header() = page.header();
        for (auto &version : *page.mutable_versions()) {
            if (all.versions_size() < limit) {
                *all.add_versions() = std::move(version);
            }
        }
        all.set_next_page_token(page.next_page_token());
        request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty() && all.versions_size() < limit);

    if (context.format() == OutputFormat::Json) {
        context.printJson(all);
        return 0;
    }
    TextTable table({"VERSION", "KIND", "AUTHOR", "TIME", "COMMENT", "SHA256"});
    for (const auto &version : all.versions()) {
        table.addRow({std::to_string(version.version()), versionKindText(version),
                      orDash(version.author()), formatTimestamp(version.time()),
                      clipped(version.comment()), shaPrefix(version.content_sha256())});
    }
    table.print(context.out());
    if (all.versions_size() == 0) {
        context.err() << "(" << pathOf(ref) << " has no versions)\n";
    } else if (!all.next_page_token().empty()) {
        context.err() << "(showing the newest " << limit << "; raise --limit for more)\n";
    }
    return 0;
}

int runDiff(CommandContext &context, const po::variables_map &values) {
    const auto ref = itemArg(values);
    v1::DiffConfigVersionsRequest request;
    *request.mutable_ref() = ref;
    request.set_from_version(parseVersion(values["from"].as<std::string>(), "FROM"));
    request.set_to_version(parseVersion(values["to"].as<std::string>(), "TO"));
    const int contextLines = values["context"].as<int>();
    if (contextLines < 1 || contextLines > 100) {
        throw UsageError("--context must be between 1 and 100 lines");
    }
    request.set_context_lines(contextLines);
    const auto &colourMode = values["color"].as<std::string>();
    if (colourMode != "auto" && colourMode != "always" && colourMode != "never") {
        throw UsageError("--color must be auto, always or never, not \"" + colourMode + "\"");
    }

    auto stub = v1::ConfigService::NewStub(context.channel());
    v1::DiffConfigVersionsResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->DiffConfigVersions(call.get(), request, &response);
        !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    if (response.unified_diff().empty()) {
        context.err() << "(versions " << request.from_version() << " and " << request.to_version()
                      << " of " << pathOf(ref) << " have the same content)\n";
        return 0;
    }
    printDiff(context.out(), response.unified_diff(), useColour(context, colourMode));
    return 0;
}

int runRollback(CommandContext &context, const po::variables_map &values) {
    const auto ref = itemArg(values);
    v1::RollbackConfigRequest request;
    *request.mutable_ref() = ref;
    request.set_to_version(parseVersion(values["to"].as<std::string>(), "--to"));
    request.set_comment(values["comment"].as<std::string>());
    const auto givenBase = baseVersionFlag(values);
    auto stub = v1::ConfigService::NewStub(context.channel());
    Base base;
    if (givenBase) {
        base = {*givenBase, false};
    } else {
        std::optional<v1::ConfigItem> current;
        if (const auto status = fetchItem(context, *stub, ref, current); !status.ok()) {
            return context.failRpc(status);
        }
        if (!current) {
            return context.failRpc(
                grpc::Status(grpc::StatusCode::NOT_FOUND, "there is no config " + pathOf(ref)));
        }
        base = {current->version(), true};
    }
    request.set_base_version(base.version);
    v1::RollbackConfigResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->RollbackConfig(call.get(), request, &response); !status.ok()) {
        return failPublish(context, status, *stub, ref, base.version);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    context.out() << "Rolled " << pathOf(ref) << " back to the content of version "
                  << request.to_version() << ": published as version " << response.item().version()
                  << " (sha256 " << shaPrefix(response.item().content_sha256()) << ", revision "
                  << response.header().revision() << ").\n";
    if (base.read) {
        context.out() << "Published over version " << base.version
                      << ", the current one when read.\n";
    }
    return 0;
}

} // namespace aegis::cli
