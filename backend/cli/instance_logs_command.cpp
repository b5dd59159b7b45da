// `instances logs`: what an instance the process driver deployed wrote (DeploymentLogs).
#include "aegis/v1/rollout.grpc.pb.h"
#include "command.h"
#include "command_context.h"
#include "interruption.h"

#include <memory>

namespace aegis::cli {
namespace {

namespace po = boost::program_options;
namespace v1 = aegis::v1;

// The daemon's limits (rollout/deployment_log.h), checked here so a usage error says so at once.
constexpr int kMaxTailLines = 10000;

int runLogs(CommandContext &context, const po::variables_map &values) {
    v1::DeploymentLogsRequest request;
    request.set_service(values["service"].as<std::string>());
    request.set_instance_id(values["id"].as<std::string>());
    const int tail = values["tail"].as<int>();
    if (tail < 1 || tail > kMaxTailLines) {
        throw UsageError("--tail must be 1 to " + std::to_string(kMaxTailLines) + " (got " +
                         std::to_string(tail) + ")");
    }
    request.set_tail_lines(tail);
    request.set_follow(values["follow"].as<bool>());
    if (values.count("grep")) {
        request.set_filter(values["grep"].as<std::string>());
    }

    // A followed log has no deadline: it ends with Ctrl-C or SIGTERM.
    std::unique_ptr<grpc::ClientContext> call =
        request.follow() ? std::make_unique<grpc::ClientContext>() : context.newCall();
    auto stub = v1::RolloutService::NewStub(context.channel());
    Interruption interruption;
    AttachedCall attached(interruption, *call);
    auto reader = stub->DeploymentLogs(call.get(), request);
    const bool json = context.format() == OutputFormat::Json;
    v1::DeploymentLogsResponse response;
    while (reader->Read(&response)) {
        if (json) {
            context.printJsonLine(response);
        } else {
            if (response.reset()) {
                context.out() << "--- the log was truncated or replaced; from its new start:\n";
            }
            for (const auto &line : response.lines()) {
                context.out() << line << "\n";
            }
        }
        context.out().flush();
    }
    const grpc::Status status = reader->Finish();
    if (interruption.interrupted()) {
        return 0;
    }
    return status.ok() ? 0 : context.failRpc(status);
}

} // namespace

std::vector<Command> instanceLogsCommands() {
    return {
        {"instances logs", "SERVICE ID [--tail N] [--follow] [--grep TEXT] [flags]",
         "Prints what an instance deployed by the process driver wrote (ID: SERVICE-COLOUR-N, "
         "e.g. checkout-blue-1); --follow keeps printing new lines until Ctrl-C.",
         [](CommandFlags &flags) {
             // clang-format off
             flags.hidden.add_options()
                 ("service", po::value<std::string>()->required(), "SERVICE")
                 ("id", po::value<std::string>()->required(), "ID");
             flags.visible.add_options()
                 ("tail", po::value<int>()->value_name("N")->default_value(500),
                     "start with the last N lines, 1 to 10000")
                 ("follow,f", po::bool_switch(),
                     "then print new lines as they are written, across restarts of the instance")
                 ("grep", po::value<std::string>()->value_name("TEXT"),
                     "only lines containing TEXT (case-sensitive, at most 1024 bytes)");
             // clang-format on
             flags.positional.add("service", 1).add("id", 1);
         },
         runLogs},
    };
}

} // namespace aegis::cli
