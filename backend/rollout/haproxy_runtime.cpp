#include "rollout/haproxy_runtime.h"

#include "common/duration.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>

#include <sys/un.h>

#include <charconv>
#include <memory>
#include <optional>

namespace aegis::rollout {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using GenericStream = asio::generic::stream_protocol;

namespace {

// `show servers state` of a backend with thousands of servers stays far below this.
constexpr std::size_t kAnswerLimit = 8 * 1024 * 1024;
// How many failed commands of a batch an error message lists.
constexpr std::size_t kFailuresListed = 3;

std::optional<std::uint16_t> parsePort(std::string_view text) {
    unsigned value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535) {
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(value);
}

template <typename Int>
std::optional<Int> parseInt(std::string_view text) {
    Int value{};
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || text.empty()) {
        return std::nullopt;
    }
    return value;
}

std::string_view firstLine(std::string_view text) {
    return text.substr(0, text.find('\n'));
}

std::vector<std::string_view> splitWords(std::string_view line) {
    std::vector<std::string_view> words;
    std::size_t pos = 0;
    while (pos < line.size()) {
        const std::size_t start = line.find_first_not_of(" \t\r", pos);
        if (start == std::string_view::npos) {
            break;
        }
        const std::size_t end = std::min(line.find_first_of(" \t\r", start), line.size());
        words.push_back(line.substr(start, end - start));
        pos = end;
    }
    return words;
}

// "'show servers state app'", or "'set server app/a weight 1' and 3 more commands".
std::string describeBatch(const std::vector<std::string> &commands) {
    std::string text = "'" + (commands.empty() ? std::string() : commands.front()) + "'";
    if (commands.size() > 1) {
        text += " and " + std::to_string(commands.size() - 1) + " more command" +
                (commands.size() > 2 ? "s" : "");
    }
    return text;
}

// `set server <be>/<srv> <what> ...` answers nothing on success for these.
bool isSilentOnSuccess(const std::vector<std::string_view> &words) {
    if (words.size() >= 4 && words[0] == "set" && words[1] == "server") {
        return words[3] == "state" || words[3] == "weight";
    }
    if (words.size() >= 2 && words[0] == "set" && words[1] == "weight") {
        return true;
    }
    return words.size() >= 2 && (words[0] == "enable" || words[0] == "disable") &&
           words[1] == "server";
}

bool isAddressChange(const std::vector<std::string_view> &words) {
    return words.size() >= 4 && words[0] == "set" && words[1] == "server" && words[3] == "addr";
}

struct SplitAnswers {
    std::vector<std::string> answers;
    // The connection closed in the middle of an answer (not counted in `answers`).
    bool truncated = false;
};

// Splits the answers of a batch: HAProxy ends each command's answer with an empty line.
SplitAnswers splitAnswers(std::string_view raw) {
    SplitAnswers split;
    std::string current;
    std::size_t pos = 0;
    while (pos < raw.size()) {
        const std::size_t end = raw.find('\n', pos);
        if (end == std::string_view::npos) {
            split.truncated = true;
            return split;
        }
        const std::string_view line = raw.substr(pos, end - pos);
        pos = end + 1;
        if (line.empty()) {
            split.answers.push_back(std::move(current));
            current.clear();
        } else {
            current.append(line);
            current.push_back('\n');
        }
    }
    split.truncated = !current.empty();
    return split;
}

// One connection to the runtime API: connect, send the line, read to EOF. Lives until `done` runs;
// every handler runs on its strand.
class RuntimeExchange : public std::enable_shared_from_this<RuntimeExchange> {
public:
    RuntimeExchange(asio::any_io_executor executor, RuntimeAddress address,
                    std::chrono::milliseconds timeout, std::vector<std::string> commands,
                    HaproxyRuntime::AnswersCallback done)
        : m_strand(asio::make_strand(executor))
        , m_resolver(m_strand)
        , m_socket(m_strand)
        , m_timer(m_strand)
        , m_address(std::move(address))
        , m_timeout(timeout)
        , m_commands(std::move(commands))
        , m_done(std::move(done)) {}

    void start() {
        asio::post(m_strand, [self = shared_from_this()] { self->begin(); });
    }

private:
    void begin() {
        for (const auto &command : m_commands) {
            if (command.empty() || command.find_first_of(";\r\n") != std::string::npos) {
                finish(invalidArgument("haproxy runtime command '" + command +
                                       "' is empty or contains ';' or a line break"));
                return;
            }
        }
        if (m_commands.empty()) {
            finish(std::vector<std::string>{});
            return;
        }
        for (const auto &command : m_commands) {
            m_request += (m_request.empty() ? "" : ";") + command;
        }
        m_request += '\n';

        m_timer.expires_after(m_timeout);
        m_timer.async_wait([self = shared_from_this()](boost::system::error_code error) {
            if (!error && self->m_done) {
                self->m_timedOut = true;
                self->m_resolver.cancel();
                boost::system::error_code ignored;
                self->m_socket.close(ignored);
            }
        });
        if (m_address.isUnix()) {
            connectUnix();
        } else {
            resolve();
        }
    }

    void connectUnix() {
        if (m_address.unixPath.size() >= sizeof(sockaddr_un::sun_path)) {
            finish(invalidArgument("unix socket path '" + m_address.unixPath + "' is too long"));
            return;
        }
        const asio::local::stream_protocol::endpoint endpoint(m_address.unixPath);
        m_socket.async_connect(GenericStream::endpoint(endpoint),
                               [self = shared_from_this()](boost::system::error_code error) {
                                   self->connected(error);
                               });
    }

    void resolve() {
        m_resolver.async_resolve(
            m_address.host, std::to_string(m_address.port),
            [self = shared_from_this()](boost::system::error_code error,
                                        const tcp::resolver::results_type &results) {
                if (error || self->m_timedOut) {
                    self->fail("cannot resolve " + self->m_address.host, error);
                    return;
                }
                std::vector<GenericStream::endpoint> endpoints;
                for (const auto &entry : results) {
                    endpoints.emplace_back(entry.endpoint());
                }
                asio::async_connect(
                    self->m_socket, endpoints,
                    [self](boost::system::error_code error, const GenericStream::endpoint &) {
                        self->connected(error);
                    });
            });
    }

    void connected(const boost::system::error_code &error) {
        if (error || m_timedOut) {
            fail("cannot connect", error);
            return;
        }
        asio::async_write(
            m_socket, asio::buffer(m_request),
            [self = shared_from_this()](boost::system::error_code error, std::size_t) {
                if (error || self->m_timedOut) {
                    self->fail("cannot send " + describeBatch(self->m_commands), error);
                    return;
                }
                self->receive();
            });
    }

    void receive() {
        asio::async_read(
            m_socket, asio::dynamic_buffer(m_response, kAnswerLimit),
            [self = shared_from_this()](boost::system::error_code error, std::size_t) {
                if (error == asio::error::eof && !self->m_timedOut) {
                    self->answered();
                    return;
                }
                if (!error) {
                    self->finish(Status(StatusCode::ResourceExhausted,
                                        self->prefix() + "the answer to " +
                                            describeBatch(self->m_commands) + " exceeds " +
                                            std::to_string(kAnswerLimit) + " bytes"));
                    return;
                }
                self->fail("no complete answer to " + describeBatch(self->m_commands), error);
            });
    }

    void answered() {
        auto [answers, truncated] = splitAnswers(m_response);
        if (truncated || answers.size() < m_commands.size()) {
            finish(unavailable(prefix() + "the connection closed after " +
                               std::to_string(answers.size()) + " of " +
                               std::to_string(m_commands.size()) + " answers to " +
                               describeBatch(m_commands)));
            return;
        }
        if (answers.size() > m_commands.size()) {
            finish(internalError(prefix() + "got " + std::to_string(answers.size()) +
                                 " answers to " + std::to_string(m_commands.size()) +
                                 " commands: '" + std::string(firstLine(m_response)) + "'..."));
            return;
        }
        // The first failure in full, a few more briefly: a missing backend fails every command.
        Status failure;
        std::size_t failures = 0;
        for (std::size_t i = 0; i < m_commands.size(); ++i) {
            const Status status = checkRuntimeAnswer(m_commands[i], answers[i]);
            if (status.isOk()) {
                continue;
            }
            if (++failures == 1) {
                failure = Status(status.code(), prefix() + status.message());
            } else if (failures <= kFailuresListed) {
                failure =
                    Status(failure.code(), failure.message() + "; '" + m_commands[i] +
                                               "' failed: " + std::string(firstLine(answers[i])));
            }
        }
        if (failures > kFailuresListed) {
            failure = Status(failure.code(), failure.message() + "; and " +
                                                 std::to_string(failures - kFailuresListed) +
                                                 " more failed commands");
        }
        if (!failure.isOk()) {
            finish(std::move(failure));
            return;
        }
        finish(std::move(answers));
    }

    std::string prefix() const { return "haproxy runtime API at " + m_address.toString() + ": "; }

    void fail(const std::string &what, const boost::system::error_code &error) {
        if (m_timedOut) {
            finish(Status(StatusCode::DeadlineExceeded, prefix() + describeBatch(m_commands) +
                                                            " got no complete answer within " +
                                                            formatDuration(m_timeout)));
            return;
        }
        std::string message = prefix() + what + ": " + error.message();
        if (error == boost::system::errc::no_such_file_or_directory ||
            error == asio::error::connection_refused) {
            message += " (is HAProxy running with `stats socket " + m_address.toString() +
                       " level admin` in its global section?)";
        } else if (error == asio::error::access_denied) {
            message += " (check the owner and mode of the socket file)";
        }
        finish(unavailable(std::move(message)));
    }

    void finish(StatusOr<std::vector<std::string>> result) {
        m_timer.cancel();
        boost::system::error_code ignored;
        m_socket.close(ignored);
        if (auto done = std::exchange(m_done, nullptr)) {
            done(std::move(result));
        }
    }

    asio::strand<asio::any_io_executor> m_strand;
    tcp::resolver m_resolver;
    GenericStream::socket m_socket;
    asio::steady_timer m_timer;
    RuntimeAddress m_address;
    std::chrono::milliseconds m_timeout;
    std::vector<std::string> m_commands;
    HaproxyRuntime::AnswersCallback m_done;
    std::string m_request;
    std::string m_response;
    bool m_timedOut = false;
};

} // namespace

std::string RuntimeAddress::toString() const {
    if (isUnix()) {
        return unixPath;
    }
    const bool ipv6 = host.find(':') != std::string::npos;
    return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

StatusOr<RuntimeAddress> parseRuntimeAddress(std::string_view text, std::string_view field) {
    RuntimeAddress address;
    if (text.starts_with('/')) {
        if (text.size() >= sizeof(sockaddr_un::sun_path)) {
            return invalidArgument(std::string(field) + ": unix socket path '" + std::string(text) +
                                   "' is longer than " +
                                   std::to_string(sizeof(sockaddr_un::sun_path) - 1) +
                                   " characters");
        }
        address.unixPath = std::string(text);
        return address;
    }
    const auto invalid = [&] {
        return invalidArgument(std::string(field) + ": '" + std::string(text) +
                               "' is neither an absolute unix socket path nor host:port");
    };
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
        return invalid();
    }
    std::string_view host = text.substr(0, colon);
    if (host.starts_with('[') && host.ends_with(']')) {
        host = host.substr(1, host.size() - 2);
    } else if (host.find(':') != std::string_view::npos) {
        return invalid();
    }
    const auto port = parsePort(text.substr(colon + 1));
    if (host.empty() || !port) {
        return invalid();
    }
    address.host = std::string(host);
    address.port = *port;
    return address;
}

StatusOr<std::vector<ServerState>> parseServersState(std::string_view answer) {
    const auto malformed = [](const std::string &what) {
        return Status(StatusCode::DataLoss, "show servers state: " + what);
    };
    std::vector<std::string_view> lines;
    for (std::size_t pos = 0; pos < answer.size();) {
        const std::size_t end = std::min(answer.find('\n', pos), answer.size());
        if (end > pos) {
            lines.push_back(answer.substr(pos, end - pos));
        }
        pos = end + 1;
    }
    if (lines.empty()) {
        return malformed("empty answer");
    }
    const auto version = parseInt<int>(lines[0]);
    if (!version) {
        return failedPrecondition("show servers state: unexpected answer '" +
                                  std::string(lines[0]) + "'");
    }
    if (*version != 1) {
        return Status(StatusCode::Unimplemented, "show servers state: format version " +
                                                     std::to_string(*version) +
                                                     " is not supported (expected 1)");
    }
    if (lines.size() < 2 || !lines[1].starts_with('#')) {
        return malformed("no '#' column header after the format version");
    }
    const auto columns = splitWords(lines[1].substr(1));
    const auto column = [&](std::string_view name) -> std::optional<std::size_t> {
        for (std::size_t i = 0; i < columns.size(); ++i) {
            if (columns[i] == name) {
                return i;
            }
        }
        return std::nullopt;
    };
    const auto backendColumn = column("be_name");
    const auto nameColumn = column("srv_name");
    const auto addressColumn = column("srv_addr");
    const auto adminColumn = column("srv_admin_state");
    const auto weightColumn = column("srv_uweight");
    for (const auto &[found, name] :
         {std::pair{backendColumn, "be_name"}, std::pair{nameColumn, "srv_name"},
          std::pair{addressColumn, "srv_addr"}, std::pair{adminColumn, "srv_admin_state"},
          std::pair{weightColumn, "srv_uweight"}}) {
        if (!found) {
            return Status(StatusCode::Unimplemented,
                          std::string("show servers state: the header has no column '") + name +
                              "'");
        }
    }
    const auto opColumn = column("srv_op_state");
    const auto initialWeightColumn = column("srv_iweight");
    const auto portColumn = column("srv_port");

    std::vector<ServerState> servers;
    for (std::size_t i = 2; i < lines.size(); ++i) {
        if (lines[i].starts_with('#')) {
            continue;
        }
        const auto fields = splitWords(lines[i]);
        if (fields.size() < columns.size()) {
            return malformed("row '" + std::string(lines[i]) + "' has " +
                             std::to_string(fields.size()) + " fields, the header names " +
                             std::to_string(columns.size()));
        }
        ServerState server;
        server.backend = std::string(fields[*backendColumn]);
        server.name = std::string(fields[*nameColumn]);
        server.address = std::string(fields[*addressColumn]);
        const auto admin = parseInt<unsigned>(fields[*adminColumn]);
        const auto weight = parseInt<int>(fields[*weightColumn]);
        const auto op = opColumn ? parseInt<int>(fields[*opColumn]) : std::optional<int>(0);
        const auto initialWeight =
            initialWeightColumn ? parseInt<int>(fields[*initialWeightColumn]) : std::optional(0);
        // "0" or "-" when the server has no port of its own.
        const auto port = portColumn ? parseInt<std::uint16_t>(fields[*portColumn])
                                     : std::optional<std::uint16_t>(0);
        if (!admin || !weight || !op || !initialWeight) {
            return malformed("row '" + std::string(lines[i]) +
                             "' has a non-numeric state or weight");
        }
        server.adminState = *admin;
        server.userWeight = *weight;
        server.operationalState = *op;
        server.initialWeight = *initialWeight;
        server.port = port.value_or(0);
        servers.push_back(std::move(server));
    }
    return servers;
}

Status checkRuntimeAnswer(std::string_view command, std::string_view answer) {
    const std::string_view first = firstLine(answer);
    const auto refused = [&](StatusCode code, std::string_view hint = {}) {
        return Status(code, "'" + std::string(command) + "' failed: " + std::string(first) +
                                std::string(hint));
    };
    static constexpr std::pair<std::string_view, StatusCode> kKnownErrors[] = {
        {"No such server", StatusCode::NotFound},
        {"No such backend", StatusCode::NotFound},
        {"Can't find backend", StatusCode::NotFound},
        {"Unknown command", StatusCode::Unimplemented},
    };
    if (first.starts_with("Permission denied")) {
        return refused(StatusCode::PermissionDenied,
                       " (the command needs a runtime API socket at level admin: `stats socket "
                       "<path> level admin`)");
    }
    for (const auto &[text, code] : kKnownErrors) {
        if (first.starts_with(text)) {
            return refused(code);
        }
    }
    const auto words = splitWords(command);
    if (isSilentOnSuccess(words) && !answer.empty()) {
        return refused(StatusCode::FailedPrecondition);
    }
    // Success reads "IP changed from ...", "no need to change the addr, port changed from ..." or
    // "no need to change the addr, no need to change the port ...".
    if (isAddressChange(words) && !answer.starts_with("no need to change") &&
        answer.find("changed from") == std::string_view::npos) {
        return refused(StatusCode::FailedPrecondition);
    }
    return Status::ok();
}

HaproxyRuntime::HaproxyRuntime(asio::any_io_executor executor, RuntimeAddress address,
                               std::chrono::milliseconds timeout)
    : m_executor(std::move(executor))
    , m_address(std::move(address))
    , m_timeout(timeout) {}

void HaproxyRuntime::execute(std::vector<std::string> commands, AnswersCallback done) const {
    std::make_shared<RuntimeExchange>(m_executor, m_address, m_timeout, std::move(commands),
                                      std::move(done))
        ->start();
}

void HaproxyRuntime::showServersState(
    const std::string &backend,
    std::function<void(StatusOr<std::vector<ServerState>>)> done) const {
    execute({"show servers state " + backend},
            [done = std::move(done)](StatusOr<std::vector<std::string>> answers) {
                if (!answers) {
                    done(answers.status());
                    return;
                }
                done(parseServersState(answers->front()));
            });
}

} // namespace aegis::rollout
