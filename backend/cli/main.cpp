#include "command.h"
#include "command_dispatcher.h"

#include <chrono>
#include <exception>
#include <iostream>

int main(int argc, char **argv) {
    using namespace aegis::cli;
    std::vector<Command> commands;
    for (auto group : {systemCommands(), tokenCommands(), auditCommands(), registryCommands(),
                       healthCommands(), configCommands(), rolloutCommands()}) {
        std::move(group.begin(), group.end(), std::back_inserter(commands));
    }
    CommandDispatcher dispatcher(std::move(commands), std::cout, std::cerr);
    try {
        return dispatcher.run({argv + 1, argv + argc}, std::chrono::system_clock::now());
    } catch (const std::exception &error) {
        std::cerr << "error: " << error.what() << "\n";
        return 1;
    }
}
