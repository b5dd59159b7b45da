#include "command.h"
#include "command_dispatcher.h"
#include "text_output.h"

#include <chrono>
#include <exception>
#include <iostream>

int main(int argc, char **argv) {
    using namespace aegis::cli;
    std::vector<Command> commands;
    for (auto group :
         {systemCommands(), tokenCommands(), auditCommands(), registryCommands(), healthCommands(),
          configCommands(), rolloutCommands(), metricsCommands(), alertCommands(),
          alertReceiveCommands(), traceCommands(), instanceLogsCommands()}) {
        std::move(group.begin(), group.end(), std::back_inserter(commands));
    }
    // Whatever a command prints passes through escapeControls(): stored text and the daemon's
    // messages come from other people and must not drive this terminal.
    EscapingStreamBuf outBuffer(*std::cout.rdbuf());
    EscapingStreamBuf errBuffer(*std::cerr.rdbuf());
    std::ostream out(&outBuffer);
    std::ostream err(&errBuffer);
    err.setf(std::ios::unitbuf);
    err.tie(&out);
    CommandDispatcher dispatcher(std::move(commands), out, err);
    try {
        return dispatcher.run({argv + 1, argv + argc}, std::chrono::system_clock::now());
    } catch (const std::exception &error) {
        err << "error: " << error.what() << "\n";
        return 1;
    }
}
