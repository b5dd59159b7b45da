#pragma once

#include "command.h"

#include <chrono>
#include <ostream>
#include <string>
#include <vector>

namespace aegis::cli {

// Picks the command named by the first words of the command line, parses the global flags and
// the command's own (in any order around the command words), builds the connection and runs it.
// Exit codes: 0 success, 1 an RPC or connection error, 2 a usage error.
class CommandDispatcher {
public:
    CommandDispatcher(std::vector<Command> commands, std::ostream &out, std::ostream &err);

    // `args` excludes the program name.
    int run(const std::vector<std::string> &args, std::chrono::system_clock::time_point now);

private:
    const Command *findCommand(const std::string &path) const;
    // Commands whose path starts with `group` followed by a space.
    std::vector<const Command *> groupMembers(const std::string &group) const;

    int runCommand(const Command &command, const std::vector<std::string> &args,
                   std::chrono::system_clock::time_point now);
    // The hidden `aegisctl __complete WORD...` the shell completion scripts call (Completer).
    int complete(const std::vector<std::string> &words, std::chrono::system_clock::time_point now);
    int usageError(const std::string &message, const Command *command = nullptr);
    int printHelp(const std::vector<std::string> &words);
    void printGeneralHelp(std::ostream &out) const;
    void printGroupHelp(std::ostream &out, const std::string &group) const;
    void printCommandHelp(std::ostream &out, const Command &command) const;

    std::vector<Command> m_commands;
    std::ostream &m_out;
    std::ostream &m_err;
};

} // namespace aegis::cli
