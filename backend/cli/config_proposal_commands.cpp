// Proposals (approval) and deletion.

#include "config_support.h"

#include "common/status.h"

#include <optional>
#include <string>

namespace aegis::cli {
namespace {

std::string changesText(const v1::Proposal &proposal) {
    std::string text;
    for (const auto &change : proposal.changes()) {
        text += (text.empty() ? "" : ", ") + change.ref().group() + "/" + change.ref().key() +
                (change.base_version() == 0 ? " (new)"
                                            : " over v" + std::to_string(change.base_version()));
    }
    return orDash(text);
}

} // namespace

int runDelete(CommandContext &context, const po::variables_map &values) {
    const auto ref = itemArg(values);
    auto stub = v1::ConfigService::NewStub(context.channel());
    v1::DeleteConfigItemRequest request;
    *request.mutable_ref() = ref;
    if (const auto given = baseVersionFlag(values)) {
        request.set_expected_version(*given);
    } else {
        // Deleting what was just read: a publish in between still makes it ABORTED.
        std::optional<v1::ConfigItem> current;
        if (const auto status = fetchItem(context, *stub, ref, current); !status.ok()) {
            return context.failRpc(status);
        }
        if (!current) {
            return context.failRpc(
                grpc::Status(grpc::StatusCode::NOT_FOUND, "there is no config " + pathOf(ref)));
        }
        request.set_expected_version(current->version());
    }
    v1::DeleteConfigItemResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->DeleteConfigItem(call.get(), request, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    context.out() << "Deleted " << pathOf(ref) << " at version " << request.expected_version()
                  << ", with its history (revision " << response.header().revision() << ").\n";
    return 0;
}

int runProposals(CommandContext &context, const po::variables_map &values) {
    v1::ListProposalsRequest request;
    request.set_namespace_(namespaceArg(values));
    request.set_include_decided(values["all"].as<bool>());
    auto stub = v1::ConfigService::NewStub(context.channel());
    v1::ListProposalsResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->ListProposals(call.get(), request, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    TextTable table({"ID", "STATE", "PROPOSER", "CREATED", "CHANGES", "COMMENT", "DECIDED BY"});
    for (const auto &proposal : response.proposals()) {
        table.addRow({proposal.id(), proposalStateName(proposal.state()), proposal.proposer(),
                      formatRelative(proposal.create_time(), context.now()), changesText(proposal),
                      clipped(proposal.comment()),
                      proposal.decided_by().empty()
                          ? "-"
                          : proposal.decided_by() + " " +
                                formatRelative(proposal.decide_time(), context.now())});
    }
    table.print(context.out());
    if (response.proposals_size() == 0) {
        context.err() << "(no " << (request.include_decided() ? "" : "pending ") << "proposals in "
                      << request.namespace_() << ")\n";
    }
    return 0;
}

int runApprove(CommandContext &context, const po::variables_map &values) {
    v1::ApproveProposalRequest request;
    request.set_namespace_(namespaceArg(values));
    request.set_id(values["id"].as<std::string>());
    if (values.count("reason")) {
        request.set_reason(values["reason"].as<std::string>());
    }
    auto stub = v1::ConfigService::NewStub(context.channel());
    v1::ApproveProposalResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->ApproveProposal(call.get(), request, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    context.out() << "Approved proposal " << request.id() << " of " << request.namespace_()
                  << " (revision " << response.header().revision() << "); published:\n";
    for (const auto &item : response.items()) {
        context.out() << "  " << pathOf(item.ref()) << " version " << item.version() << "\n";
    }
    return 0;
}

int runReject(CommandContext &context, const po::variables_map &values) {
    v1::RejectProposalRequest request;
    request.set_namespace_(namespaceArg(values));
    request.set_id(values["id"].as<std::string>());
    request.set_reason(values["reason"].as<std::string>());
    if (request.reason().empty()) {
        throw UsageError("--reason must say why");
    }
    auto stub = v1::ConfigService::NewStub(context.channel());
    v1::RejectProposalResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->RejectProposal(call.get(), request, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    context.out() << "Rejected proposal " << request.id() << " of " << request.namespace_()
                  << " (revision " << response.header().revision() << "); nothing was published.\n";
    return 0;
}

} // namespace aegis::cli
