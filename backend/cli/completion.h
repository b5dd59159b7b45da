#pragma once

#include "command.h"

#include <boost/program_options.hpp>
#include <grpcpp/channel.h>

#include <memory>
#include <string>
#include <vector>

namespace aegis::cli {

// Names only the daemon knows, for completion. Implementations answer quickly or not at all: a
// shell waits for them; an unreachable daemon or a refused call gives no names, never an error.
class CompletionNames {
public:
    virtual ~CompletionNames() = default;
    virtual std::vector<std::string> services() = 0;
    virtual std::vector<std::string> namespaces() = 0;
    // "NAMESPACE/GROUP/KEY" of every item of `ns`.
    virtual std::vector<std::string> configItems(const std::string &ns) = 0;
    virtual std::vector<std::string> rollouts() = 0;
};

// What the hidden `aegisctl __complete WORD...` prints, one candidate per line: the words are
// the command line after "aegisctl", the last one being the word under the cursor (empty when
// the cursor is after a space). Command words, flags (global and the command's own), flag values
// with a fixed set, and service, namespace, config item and rollout names from the daemon. An
// empty answer for a flag's value or an argument lets the shell complete file names.
class Completer {
public:
    Completer(const std::vector<Command> &commands,
              const boost::program_options::options_description &globalFlags,
              CompletionNames &names);

    std::vector<std::string> complete(const std::vector<std::string> &words) const;

private:
    std::vector<std::string> commandWords(const std::vector<std::string> &typed,
                                          const std::string &current) const;
    std::vector<std::string> argumentValues(const std::string &name, const Command &command,
                                            const std::string &current) const;

    const std::vector<Command> &m_commands;
    const boost::program_options::options_description &m_globalFlags;
    CompletionNames &m_names;
};

class CommandContext;

// The names from the daemon the command line's global flags (--server, --token-file, ...) reach,
// each with one call of at most --timeout.
class DaemonCompletionNames final : public CompletionNames {
public:
    explicit DaemonCompletionNames(CommandContext &context);
    std::vector<std::string> services() override;
    std::vector<std::string> namespaces() override;
    std::vector<std::string> configItems(const std::string &ns) override;
    std::vector<std::string> rollouts() override;

private:
    std::shared_ptr<grpc::Channel> channel();
    CommandContext &m_context; // Not owned.
};

} // namespace aegis::cli
