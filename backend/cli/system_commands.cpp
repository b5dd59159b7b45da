#include "argument_values.h"
#include "command.h"
#include "command_context.h"
#include "text_output.h"

#include "aegis/v1/system.grpc.pb.h"

#include <algorithm>

namespace po = boost::program_options;

namespace aegis::cli {
namespace {

int runStatus(CommandContext &context, const po::variables_map &) {
    auto stub = v1::SystemService::NewStub(context.channel());
    v1::GetStatusResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->GetStatus(call.get(), {}, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }

    TextTable table({"FIELD", "VALUE"});
    table.addRow({"server", context.options().connection.address});
    table.addRow({"version", response.version()});
    table.addRow({"started", formatTimestamp(response.start_time()) + " (" +
                                 formatRelative(response.start_time(), context.now()) + ")"});
    table.addRow({"uptime", formatDuration(response.uptime())});
    table.addRow({"store", response.store_kind()});
    table.addRow({"revision", std::to_string(response.header().revision())});
    table.addRow({"compact revision", std::to_string(response.compact_revision())});
    table.addRow({"log level", response.log_level()});
    // A protobuf map has no order; sort so the output is stable.
    std::vector<std::pair<std::string, std::int64_t>> counts(response.resource_counts().begin(),
                                                             response.resource_counts().end());
    std::sort(counts.begin(), counts.end());
    for (const auto &[kind, count] : counts) {
        table.addRow({kind, std::to_string(count)});
    }
    table.print(context.out());
    return 0;
}

int runSetLogLevel(CommandContext &context, const po::variables_map &values) {
    v1::SetLogLevelRequest request;
    request.set_level(values["level"].as<std::string>());
    if (!isLogLevel(request.level())) {
        throw UsageError("LEVEL must be one of trace, debug, info, warn, error, critical, off, "
                         "not \"" +
                         request.level() + "\"");
    }
    auto stub = v1::SystemService::NewStub(context.channel());
    v1::SetLogLevelResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->SetLogLevel(call.get(), request, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    context.out() << "Log level changed from " << response.previous_level() << " to "
                  << request.level() << ".\n";
    return 0;
}

} // namespace

std::vector<Command> systemCommands() {
    return {
        {"status", "[flags]", "Shows the daemon's version, uptime, store, revision and counts.",
         nullptr, runStatus},
        {"log-level", "LEVEL [flags]",
         "Sets the daemon's log level (trace, debug, info, warn, error, critical, off).",
         [](CommandFlags &flags) {
             flags.hidden.add_options()("level", po::value<std::string>()->required(), "LEVEL");
             flags.positional.add("level", 1);
         },
         runSetLogLevel},
    };
}

} // namespace aegis::cli
