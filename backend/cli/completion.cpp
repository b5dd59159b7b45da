#include "completion.h"

#include "command_context.h"

#include "aegis/v1/config.grpc.pb.h"
#include "aegis/v1/registry.grpc.pb.h"
#include "aegis/v1/rollout.grpc.pb.h"

#include <algorithm>
#include <set>

namespace po = boost::program_options;

namespace aegis::cli {
namespace {

std::string joinWords(const std::vector<std::string> &words) {
    std::string joined;
    for (const auto &word : words) {
        joined += (joined.empty() ? "" : " ") + word;
    }
    return joined;
}

// The option `arg` names ("--server", "-o", "--timeout=5s") in `flags`, or nullptr.
const po::option_description *findFlag(const po::options_description &flags,
                                       const std::string &arg) {
    if (arg.starts_with("--")) {
        return flags.find_nothrow(arg.substr(2, arg.find('=') - 2), false);
    }
    if (arg.size() == 2 && arg[0] == '-') {
        return flags.find_nothrow(arg, false, false, true);
    }
    return nullptr;
}

bool takesValue(const po::option_description &flag) {
    return flag.semantic()->max_tokens() > 0;
}

void addFlagNames(const po::options_description &flags, std::vector<std::string> &out) {
    for (const auto &flag : flags.options()) {
        out.push_back("--" + flag->long_name());
        if (const std::string shortName =
                flag->canonical_display_name(po::command_line_style::allow_dash_for_short);
            shortName.size() == 2 && shortName[0] == '-') {
            out.push_back(shortName);
        }
    }
}

std::vector<std::string> startingWith(std::vector<std::string> candidates,
                                      const std::string &prefix) {
    std::erase_if(candidates,
                  [&](const std::string &candidate) { return !candidate.starts_with(prefix); });
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    return candidates;
}

} // namespace

Completer::Completer(const std::vector<Command> &commands,
                     const po::options_description &globalFlags, CompletionNames &names)
    : m_commands(commands)
    , m_globalFlags(globalFlags)
    , m_names(names) {}

std::vector<std::string> Completer::complete(const std::vector<std::string> &words) const {
    const std::string current = words.empty() ? std::string() : words.back();
    const std::vector<std::string> before =
        words.empty() ? std::vector<std::string>() : std::vector(words.begin(), words.end() - 1);

    // Walks what was typed as the dispatcher reads it: flags (and their values) anywhere,
    // command words until they name a command, then its positional arguments.
    std::vector<std::string> typed;
    const Command *command = nullptr;
    CommandFlags flags;
    po::options_description all;
    all.add(m_globalFlags);
    std::size_t positionals = 0;
    const po::option_description *pendingValue = nullptr;
    for (const auto &word : before) {
        if (pendingValue != nullptr) {
            pendingValue = nullptr;
            continue;
        }
        if (word.size() > 1 && word[0] == '-') {
            const auto *flag = findFlag(all, word);
            if (flag != nullptr && takesValue(*flag) && word.find('=') == std::string::npos) {
                pendingValue = flag;
            }
            continue;
        }
        if (command != nullptr) {
            ++positionals;
            continue;
        }
        typed.push_back(word);
        const std::string path = joinWords(typed);
        const auto found = std::find_if(m_commands.begin(), m_commands.end(),
                                        [&](const Command &c) { return c.path == path; });
        if (found != m_commands.end()) {
            command = &*found;
            if (command->declare) {
                command->declare(flags);
            }
            all.add(flags.visible).add(flags.hidden);
        }
    }

    if (pendingValue != nullptr) {
        const Command placeholder;
        return argumentValues(pendingValue->long_name(), command ? *command : placeholder, current);
    }
    if (current.starts_with("-")) {
        std::vector<std::string> names;
        addFlagNames(m_globalFlags, names);
        addFlagNames(flags.visible, names);
        names.push_back("--version");
        return startingWith(std::move(names), current);
    }
    if (command == nullptr) {
        return commandWords(typed, current);
    }
    if (positionals >= flags.positional.max_total_count()) {
        return {};
    }
    const std::string &argument =
        flags.positional.name_for_position(static_cast<unsigned>(positionals));
    return argumentValues(argument, *command, current);
}

std::vector<std::string> Completer::commandWords(const std::vector<std::string> &typed,
                                                 const std::string &current) const {
    const std::string prefix = typed.empty() ? std::string() : joinWords(typed) + " ";
    std::vector<std::string> next;
    for (const auto &command : m_commands) {
        if (command.path.starts_with(prefix)) {
            const std::string rest = command.path.substr(prefix.size());
            next.push_back(rest.substr(0, rest.find(' ')));
        }
    }
    if (typed.empty()) {
        next.push_back("help");
    }
    return startingWith(std::move(next), current);
}

std::vector<std::string> Completer::argumentValues(const std::string &name, const Command &command,
                                                   const std::string &current) const {
    if (name == "output") {
        return startingWith({"table", "json"}, current);
    }
    if (name == "level") {
        return startingWith({"trace", "debug", "info", "warn", "error", "critical", "off"},
                            current);
    }
    // An argument names a service, or the resource of its command group ("services get NAME",
    // "rollout status ID").
    if (name == "service" || (name == "name" && command.path.starts_with("services "))) {
        return startingWith(m_names.services(), current);
    }
    if (name == "namespace") {
        return startingWith(m_names.namespaces(), current);
    }
    if (name == "item" || name == "scope") {
        // NAMESPACE/ first, then the namespace's items once it is typed.
        const auto slash = current.find('/');
        if (slash == std::string::npos) {
            std::vector<std::string> namespaces = m_names.namespaces();
            for (auto &ns : namespaces) {
                ns += "/";
            }
            return startingWith(std::move(namespaces), current);
        }
        return startingWith(m_names.configItems(current.substr(0, slash)), current);
    }
    if (name == "id" && command.path.starts_with("rollout ")) {
        return startingWith(m_names.rollouts(), current);
    }
    return {};
}

DaemonCompletionNames::DaemonCompletionNames(CommandContext &context)
    : m_context(context) {}

std::shared_ptr<grpc::Channel> DaemonCompletionNames::channel() {
    if (m_context.options().connection.address.empty()) {
        return nullptr;
    }
    try {
        return m_context.channel();
    } catch (const ConnectionError &) {
        return nullptr;
    }
}

std::vector<std::string> DaemonCompletionNames::services() {
    std::vector<std::string> names;
    if (auto connected = channel()) {
        auto call = m_context.newCall();
        v1::ListServicesRequest request;
        request.set_page_size(1000);
        v1::ListServicesResponse response;
        if (v1::RegistryService::NewStub(connected)
                ->ListServices(call.get(), request, &response)
                .ok()) {
            for (const auto &service : response.services()) {
                names.push_back(service.name());
            }
        }
    }
    return names;
}

std::vector<std::string> DaemonCompletionNames::namespaces() {
    std::vector<std::string> names;
    if (auto connected = channel()) {
        auto call = m_context.newCall();
        v1::ListNamespacesResponse response;
        if (v1::ConfigService::NewStub(connected)->ListNamespaces(call.get(), {}, &response).ok()) {
            for (const auto &ns : response.namespaces()) {
                names.push_back(ns.name());
            }
        }
    }
    return names;
}

std::vector<std::string> DaemonCompletionNames::configItems(const std::string &ns) {
    std::vector<std::string> names;
    if (auto connected = channel()) {
        auto call = m_context.newCall();
        v1::ListConfigItemsRequest request;
        request.set_namespace_(ns);
        request.set_page_size(1000);
        v1::ListConfigItemsResponse response;
        if (v1::ConfigService::NewStub(connected)
                ->ListConfigItems(call.get(), request, &response)
                .ok()) {
            for (const auto &item : response.items()) {
                names.push_back(item.ref().namespace_() + "/" + item.ref().group() + "/" +
                                item.ref().key());
            }
        }
    }
    return names;
}

std::vector<std::string> DaemonCompletionNames::rollouts() {
    std::vector<std::string> names;
    if (auto connected = channel()) {
        auto call = m_context.newCall();
        v1::ListRolloutsRequest request;
        request.set_page_size(200);
        v1::ListRolloutsResponse response;
        if (v1::RolloutService::NewStub(connected)
                ->ListRollouts(call.get(), request, &response)
                .ok()) {
            for (const auto &rollout : response.rollouts()) {
                names.push_back(rollout.id());
            }
        }
    }
    return names;
}

} // namespace aegis::cli
