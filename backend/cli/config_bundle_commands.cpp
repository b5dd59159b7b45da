// Namespaces, export and import.

#include "config_support.h"

#include "common/status.h"

#include <algorithm>
#include <optional>
#include <set>
#include <string>

namespace aegis::cli {
namespace {

grpc::Status fetchNamespaces(CommandContext &context, Stub &stub,
                             v1::ListNamespacesResponse &response) {
    const auto call = context.newCall();
    return stub.ListNamespaces(call.get(), {}, &response);
}

void printNamespace(CommandContext &context, const v1::NamespaceSettings &settings) {
    TextTable table({"FIELD", "VALUE"});
    table.addRow({"namespace", settings.name()});
    table.addRow({"require approval", settings.require_approval()
                                          ? "yes: publishes become proposals another operator "
                                            "approves"
                                          : "no"});
    table.addRow({"description", orDash(settings.description())});
    table.addRow({"items", std::to_string(settings.item_count())});
    table.print(context.out());
}

std::optional<bool> boolFlag(const po::variables_map &values, const char *name) {
    if (!values.count(name)) {
        return std::nullopt;
    }
    const auto &text = values[name].as<std::string>();
    if (text == "true" || text == "yes" || text == "on") {
        return true;
    }
    if (text == "false" || text == "no" || text == "off") {
        return false;
    }
    throw UsageError(std::string("--") + name + " must be true or false, not \"" + text + "\"");
}

} // namespace

int runNamespaces(CommandContext &context, const po::variables_map &) {
    auto stub = v1::ConfigService::NewStub(context.channel());
    v1::ListNamespacesResponse response;
    if (const auto status = fetchNamespaces(context, *stub, response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    TextTable table({"NAMESPACE", "ITEMS", "APPROVAL", "DESCRIPTION"});
    for (const auto &settings : response.namespaces()) {
        table.addRow({settings.name(), std::to_string(settings.item_count()),
                      settings.require_approval() ? "required" : "-",
                      orDash(settings.description())});
    }
    table.print(context.out());
    return 0;
}

int runNamespace(CommandContext &context, const po::variables_map &values) {
    const auto ns = namespaceArg(values);
    const auto requireApproval = boolFlag(values, "require-approval");
    const auto description = stringFlag(values, "description");
    auto stub = v1::ConfigService::NewStub(context.channel());
    v1::ListNamespacesResponse listed;
    if (const auto status = fetchNamespaces(context, *stub, listed); !status.ok()) {
        return context.failRpc(status);
    }
    v1::NamespaceSettings settings;
    settings.set_name(ns);
    for (const auto &existing : listed.namespaces()) {
        if (existing.name() == ns) {
            settings = existing;
        }
    }
    if (!requireApproval && !description) {
        if (context.format() == OutputFormat::Json) {
            context.printJson(settings);
        } else {
            printNamespace(context, settings);
        }
        return 0;
    }
    // The settings are replaced as a whole: what is not given stays as it was.
    v1::UpdateNamespaceRequest request;
    *request.mutable_namespace_() = settings;
    if (requireApproval) {
        request.mutable_namespace_()->set_require_approval(*requireApproval);
    }
    if (description) {
        request.mutable_namespace_()->set_description(*description);
    }
    v1::UpdateNamespaceResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->UpdateNamespace(call.get(), request, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    auto updated = response.namespace_();
    updated.set_item_count(settings.item_count());
    context.out() << "Updated namespace " << ns << ".\n";
    printNamespace(context, updated);
    return 0;
}

int runExport(CommandContext &context, const po::variables_map &values) {
    v1::ExportNamespaceRequest request;
    request.set_namespace_(namespaceArg(values));
    request.set_include_secrets(values["include-secrets"].as<bool>());
    const auto outputFile = stringFlag(values, "output-file");
    if (outputFile && outputFile->empty()) {
        throw UsageError("--output-file must name a file");
    }
    auto stub = v1::ConfigService::NewStub(context.channel());
    v1::ExportNamespaceResponse response;
    {
        const auto call = context.newCall();
        if (const auto status = stub->ExportNamespace(call.get(), request, &response);
            !status.ok()) {
            return context.failRpc(status);
        }
    }
    if (!request.include_secrets()) {
        // Say what the bundle lacks, so that an import elsewhere is not silently incomplete.
        v1::ListConfigItemsRequest list;
        list.set_namespace_(request.namespace_());
        list.set_page_size(kMaxPageSize);
        int secrets = 0;
        do {
            v1::ListConfigItemsResponse page;
            const auto call = context.newCall();
            if (!stub->ListConfigItems(call.get(), list, &page).ok()) {
                break;
            }
            secrets += static_cast<int>(
                std::count_if(page.items().begin(), page.items().end(),
                              [](const v1::ConfigItem &item) { return item.secret(); }));
            list.set_page_token(page.next_page_token());
        } while (!list.page_token().empty());
        if (secrets > 0) {
            context.err() << "note: " << secrets << " secret item(s) left out; an admin exports "
                          << "them in clear with --include-secrets\n";
        }
    }
    if (outputFile) {
        writeFile(*outputFile, response.yaml(), request.include_secrets());
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    if (outputFile) {
        context.out() << "Exported namespace " << request.namespace_() << " to " << *outputFile
                      << " (" << response.yaml().size() << " bytes, revision "
                      << response.header().revision() << ").\n";
    } else {
        printContent(context.out(), response.yaml());
    }
    return 0;
}

int runImport(CommandContext &context, const po::variables_map &values) {
    v1::ImportNamespaceRequest request;
    request.set_namespace_(namespaceArg(values));
    request.set_comment(values["comment"].as<std::string>());
    const auto &file = values["file"].as<std::string>();
    if (file.empty()) {
        throw UsageError("--file must name a bundle (or - for stdin)");
    }
    request.set_yaml(readFile(file));
    auto stub = v1::ConfigService::NewStub(context.channel());
    // In a namespace that requires approval the import becomes a proposal, which the response
    // does not carry: it is the one pending afterwards that was not before.
    auto pending = [&] {
        v1::ListProposalsRequest list;
        list.set_namespace_(request.namespace_());
        v1::ListProposalsResponse proposals;
        const auto call = context.newCall();
        (void)stub->ListProposals(call.get(), list, &proposals);
        return proposals;
    };
    std::set<std::string> pendingBefore;
    const auto listedBefore = pending();
    for (const auto &proposal : listedBefore.proposals()) {
        pendingBefore.insert(proposal.id());
    }
    v1::ImportNamespaceResponse response;
    {
        const auto call = context.newCall();
        if (const auto status = stub->ImportNamespace(call.get(), request, &response);
            !status.ok()) {
            return context.failRpc(status);
        }
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    auto &out = context.out();
    if (response.items_size() > 0) {
        out << "Imported " << response.items_size() << " item(s) into " << request.namespace_()
            << " (revision " << response.header().revision() << "); " << response.unchanged()
            << " unchanged.\n";
        TextTable table({"GROUP", "KEY", "FORMAT", "VERSION"});
        for (const auto &item : response.items()) {
            table.addRow({item.ref().group(), item.ref().key(), configFormatName(item.format()),
                          std::to_string(item.version())});
        }
        table.print(out);
        return 0;
    }
    // Nothing published: either nothing changed, or the import became a proposal.
    const auto pendingAfter = pending();
    for (const auto &proposal : pendingAfter.proposals()) {
        if (!pendingBefore.contains(proposal.id()) && proposal.comment() == request.comment()) {
            printProposalCreated(context, proposal);
            return 0;
        }
    }
    out << "Nothing to import into " << request.namespace_() << ": " << response.unchanged()
        << " item(s) already as in the bundle.\n";
    return 0;
}

} // namespace aegis::cli
