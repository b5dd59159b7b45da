#pragma once

#include <boost/program_options.hpp>

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace aegis::cli {

class CommandContext;

// What a command accepts besides the global flags. Positional arguments are declared as hidden
// options (so they have a name in the variables map) and mapped in `positional`.
struct CommandFlags {
    boost::program_options::options_description visible{"Flags", 100, 50};
    boost::program_options::options_description hidden;
    boost::program_options::positional_options_description positional;
};

// One aegisctl command, such as "tokens create". The dispatcher parses the global flags and the
// flags `declare` adds, builds the connection, then calls `run`, which returns the exit code.
struct Command {
    // The words that name the command: "status", "tokens create".
    std::string path;
    // What follows the path in the usage line: "NAME --role ROLE [flags]".
    std::string synopsis;
    // One line for the command list.
    std::string summary;
    // Adds the command's own flags and positional arguments.
    std::function<void(CommandFlags &)> declare;
    std::function<int(CommandContext &, const boost::program_options::variables_map &)> run;
};

// Thrown by a command for a bad flag value; the dispatcher prints it with a usage hint and exits
// with code 2.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The command groups; each lives in its own file.
std::vector<Command> systemCommands();
std::vector<Command> tokenCommands();
std::vector<Command> auditCommands();
std::vector<Command> registryCommands();
std::vector<Command> healthCommands();
std::vector<Command> configCommands();
std::vector<Command> rolloutCommands();
std::vector<Command> metricsCommands();
std::vector<Command> alertReceiveCommands();
std::vector<Command> alertCommands();
std::vector<Command> traceCommands();
std::vector<Command> instanceLogsCommands();

} // namespace aegis::cli
