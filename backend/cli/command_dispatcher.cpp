#include "command_dispatcher.h"

#include "argument_values.h"
#include "command_context.h"
#include "completion.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>

namespace po = boost::program_options;

namespace aegis::cli {
namespace {

constexpr const char *defaultServer = "127.0.0.1:7400";
constexpr unsigned helpLineLength = 100;

po::options_description globalFlags() {
    po::options_description flags("Global flags", helpLineLength, helpLineLength / 2);
    const std::string tokenFileHelp = "file holding the token (default: the local daemon's " +
                                      client::defaultTokenFile().string() + ")";
    // clang-format off
    flags.add_options()
        ("server", po::value<std::string>()->value_name("HOST:PORT[,...]"),
            "aegisd's gRPC address, or the replicas' addresses separated by commas: the first "
            "that answers is used (env AEGIS_SERVER; default 127.0.0.1:7400)")
        ("token-file", po::value<std::string>()->value_name("FILE"), tokenFileHelp.c_str())
        ("token", po::value<std::string>()->value_name("SECRET"),
            "bearer token; UNSAFE: other users see it in `ps` and it stays in shell history. "
            "Use AEGIS_TOKEN or --token-file instead")
        ("ca", po::value<std::string>()->value_name("FILE"), "CA certificate (PEM); enables TLS")
        ("cert", po::value<std::string>()->value_name("FILE"), "client certificate (PEM) for mutual TLS")
        ("key", po::value<std::string>()->value_name("FILE"), "client key (PEM) for mutual TLS")
        ("tls-server-name", po::value<std::string>()->value_name("NAME"),
            "name to check the server certificate against")
        ("output,o", po::value<std::string>()->value_name("table|json")->default_value("table"),
            "output format")
        ("timeout", po::value<std::string>()->value_name("DURATION")->default_value("10s"),
            "deadline of every call")
        ("help,h", "show help");
    // clang-format on
    return flags;
}

// Whether a global flag written as `arg` takes its value from the next argument.
bool takesSeparateValue(const std::string &arg) {
    static const std::set<std::string> valued = {
        "--server", "--token",           "--token-file", "--ca", "--cert",
        "--key",    "--tls-server-name", "--output",     "-o",   "--timeout"};
    return valued.contains(arg);
}

std::string joinWords(const std::vector<std::string> &words) {
    std::string joined;
    for (const auto &word : words) {
        joined += (joined.empty() ? "" : " ") + word;
    }
    return joined;
}

std::string envOr(const char *name, const std::string &fallback) {
    const char *value = std::getenv(name);
    return value && *value ? std::string(value) : fallback;
}

std::string optionalString(const po::variables_map &values, const char *name) {
    return values.count(name) ? values[name].as<std::string>() : std::string();
}

// Applies flags, then environment, then defaults.
GlobalOptions resolveGlobalOptions(const po::variables_map &values) {
    GlobalOptions options;
    auto &connection = options.connection;
    connection.address = values.count("server") ? values["server"].as<std::string>()
                                                : envOr("AEGIS_SERVER", defaultServer);
    if (connection.address.find(',') != std::string::npos) {
        if (auto endpoints = client::parseEndpointList(connection.address); !endpoints) {
            throw UsageError(endpoints.status().message());
        }
    }
    connection.caFile = optionalString(values, "ca");
    connection.certFile = optionalString(values, "cert");
    connection.keyFile = optionalString(values, "key");
    connection.tlsServerName = optionalString(values, "tls-server-name");
    if (values.count("token")) {
        connection.token = values["token"].as<std::string>();
    } else if (values.count("token-file")) {
        connection.tokenFile = values["token-file"].as<std::string>();
    } else if (const std::string fromEnv = envOr("AEGIS_TOKEN", ""); !fromEnv.empty()) {
        connection.token = fromEnv;
    } else {
        const auto tokenFile = client::defaultTokenFile();
        std::error_code ignored;
        if (std::filesystem::exists(tokenFile, ignored)) {
            connection.tokenFile = tokenFile;
        } else {
            // Go without a token; the server decides, and an error gets a hint.
            options.missingTokenFile = tokenFile;
        }
    }

    const auto format = values["output"].as<std::string>();
    if (format == "table") {
        options.format = OutputFormat::Table;
    } else if (format == "json") {
        options.format = OutputFormat::Json;
    } else {
        throw UsageError("--output must be table or json, not \"" + format + "\"");
    }
    options.timeout = durationFlag(values, "timeout");
    return options;
}

} // namespace

CommandDispatcher::CommandDispatcher(std::vector<Command> commands, std::ostream &out,
                                     std::ostream &err)
    : m_commands(std::move(commands))
    , m_out(out)
    , m_err(err) {}

const Command *CommandDispatcher::findCommand(const std::string &path) const {
    const auto found = std::find_if(m_commands.begin(), m_commands.end(),
                                    [&](const Command &command) { return command.path == path; });
    return found == m_commands.end() ? nullptr : &*found;
}

std::vector<const Command *> CommandDispatcher::groupMembers(const std::string &group) const {
    std::vector<const Command *> members;
    for (const auto &command : m_commands) {
        if (command.path.starts_with(group + " ")) {
            members.push_back(&command);
        }
    }
    return members;
}

int CommandDispatcher::run(const std::vector<std::string> &args,
                           std::chrono::system_clock::time_point now) {
    if (!args.empty() && args.front() == "__complete") {
        return complete({args.begin() + 1, args.end()}, now);
    }
    // Find the command words among the arguments; flags may come before, between or after them.
    std::vector<std::string> words;
    std::vector<std::string> rest;
    const Command *command = nullptr;
    bool help = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string &arg = args[i];
        if (command != nullptr) {
            rest.push_back(arg);
        } else if (arg == "--help" || arg == "-h") {
            help = true;
            rest.push_back(arg);
        } else if (arg == "--version") {
            m_out << "aegisctl " << AEGIS_VERSION << "\n";
            return 0;
        } else if (arg.size() > 1 && arg[0] == '-') {
            rest.push_back(arg);
            if (takesSeparateValue(arg) && i + 1 < args.size()) {
                rest.push_back(args[++i]);
            }
        } else if (!words.empty() && words.front() == "help") {
            words.push_back(arg);
        } else {
            words.push_back(arg);
            const std::string path = joinWords(words);
            command = findCommand(path);
            if (command == nullptr && path != "help" && groupMembers(path).empty()) {
                return usageError("unknown command \"" + path + "\"");
            }
        }
    }

    if (!words.empty() && words.front() == "help") {
        return printHelp({words.begin() + 1, words.end()});
    }
    if (command == nullptr) {
        if (help) {
            return printHelp(words);
        }
        if (words.empty()) {
            return usageError("missing command");
        }
        std::string choices;
        for (const auto *member : groupMembers(joinWords(words))) {
            choices +=
                (choices.empty() ? "" : ", ") + member->path.substr(member->path.rfind(' ') + 1);
        }
        return usageError("\"" + joinWords(words) + "\" needs a subcommand: " + choices);
    }
    return runCommand(*command, rest, now);
}

int CommandDispatcher::runCommand(const Command &command, const std::vector<std::string> &args,
                                  std::chrono::system_clock::time_point now) {
    CommandFlags flags;
    if (command.declare) {
        command.declare(flags);
    }
    po::options_description all;
    all.add(flags.visible).add(flags.hidden).add(globalFlags());

    po::variables_map values;
    GlobalOptions options;
    try {
        po::store(po::command_line_parser(args).options(all).positional(flags.positional).run(),
                  values);
        if (values.count("help")) {
            printCommandHelp(m_out, command);
            return 0;
        }
        po::notify(values);
        options = resolveGlobalOptions(values);
    } catch (const po::required_option &error) {
        // A missing positional argument is named as the synopsis names it, not as "--name".
        std::string name = error.get_option_name();
        name.erase(0, name.find_first_not_of('-'));
        if (const auto *argument = flags.hidden.find_nothrow(name, false)) {
            return usageError("missing " + argument->description(), &command);
        }
        return usageError(error.what(), &command);
    } catch (const po::error &error) {
        return usageError(error.what(), &command);
    } catch (const UsageError &error) {
        return usageError(error.what(), &command);
    }

    CommandContext context(std::move(options), m_out, m_err, now);
    try {
        return command.run(context, values);
    } catch (const UsageError &error) {
        return usageError(error.what(), &command);
    } catch (const ConnectionError &error) {
        m_err << "error: " << error.what() << "\n";
        return 1;
    }
}

int CommandDispatcher::complete(const std::vector<std::string> &words,
                                std::chrono::system_clock::time_point now) {
    // The daemon is asked with the global flags on the line being completed (so a completion
    // reaches the server the command will), within a shell's patience unless --timeout says.
    std::vector<std::string> globals;
    for (std::size_t i = 0; i + 1 < words.size(); ++i) {
        const std::string &word = words[i];
        if (word.size() > 2 && word.starts_with("--") &&
            globalFlags().find_nothrow(word.substr(2, word.find('=') - 2), false) != nullptr) {
            globals.push_back(word);
            if (takesSeparateValue(word) && i + 2 < words.size()) {
                globals.push_back(words[++i]);
            }
        }
    }
    constexpr std::chrono::seconds shellPatience{2};
    GlobalOptions options;
    options.timeout = shellPatience;
    try {
        po::variables_map values;
        po::store(po::command_line_parser(globals).options(globalFlags()).run(), values);
        po::notify(values);
        options = resolveGlobalOptions(values);
        if (values["timeout"].defaulted()) {
            options.timeout = shellPatience;
        }
    } catch (const std::exception &) {
        // A half-typed flag value: complete without the daemon's names rather than fail.
        options.connection.address.clear();
    }
    std::ostringstream ignored;
    CommandContext context(std::move(options), ignored, ignored, now);
    DaemonCompletionNames names(context);
    const auto flags = globalFlags();
    for (const auto &candidate : Completer(m_commands, flags, names).complete(words)) {
        m_out << candidate << "\n";
    }
    return 0;
}

int CommandDispatcher::usageError(const std::string &message, const Command *command) {
    m_err << "error: " << message << "\n";
    if (command != nullptr) {
        m_err << "usage: aegisctl " << command->path << " " << command->synopsis << "\n"
              << "Run 'aegisctl " << command->path << " --help' for details.\n";
    } else {
        m_err << "Run 'aegisctl --help' for usage.\n";
    }
    return 2;
}

int CommandDispatcher::printHelp(const std::vector<std::string> &words) {
    if (words.empty()) {
        printGeneralHelp(m_out);
        return 0;
    }
    const std::string path = joinWords(words);
    if (const Command *command = findCommand(path)) {
        printCommandHelp(m_out, *command);
        return 0;
    }
    if (!groupMembers(path).empty()) {
        printGroupHelp(m_out, path);
        return 0;
    }
    return usageError("unknown command \"" + path + "\"");
}

void CommandDispatcher::printGeneralHelp(std::ostream &out) const {
    out << "aegisctl controls an Aegis control plane (aegisd) over its gRPC API.\n\n"
        << "usage: aegisctl [global flags] COMMAND [flags]\n\nCommands:\n";
    std::size_t width = 0;
    for (const auto &command : m_commands) {
        width = std::max(width, command.path.size());
    }
    for (const auto &command : m_commands) {
        out << "  " << command.path << std::string(width - command.path.size() + 2, ' ')
            << command.summary << "\n";
    }
    out << "\n"
        << globalFlags() << "\n"
        << "The token comes from --token-file, else the environment variable AEGIS_TOKEN, else "
           "the\n"
        << "local daemon's token file; never pass a secret on the command line (--token), where\n"
        << "every user of the machine can read it in the process list.\n\n"
        << "Run 'aegisctl COMMAND --help' for a command's flags.\n"
        << "Exit codes: 0 success, 1 error from the server or connection, 2 usage error.\n";
}

void CommandDispatcher::printGroupHelp(std::ostream &out, const std::string &group) const {
    out << "usage: aegisctl " << group << " SUBCOMMAND [flags]\n\nSubcommands:\n";
    for (const auto *member : groupMembers(group)) {
        out << "  " << member->path << " " << member->synopsis << "\n      " << member->summary
            << "\n";
    }
}

void CommandDispatcher::printCommandHelp(std::ostream &out, const Command &command) const {
    CommandFlags flags;
    if (command.declare) {
        command.declare(flags);
    }
    out << "usage: aegisctl " << command.path << " " << command.synopsis << "\n\n"
        << command.summary << "\n\n";
    if (!flags.visible.options().empty()) {
        out << flags.visible << "\n";
    }
    out << globalFlags();
}

} // namespace aegis::cli
