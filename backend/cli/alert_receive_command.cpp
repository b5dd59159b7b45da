// `aegisctl alerts receive`: a webhook receiver for Alertmanager that prints each notification,
// for trying routes and receivers (and what the demo shows) without a chat or paging service.

#include "command.h"
#include "command_context.h"
#include "interruption.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace po = boost::program_options;

namespace aegis::cli {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// "alertname=HighErrorRatio service=checkout severity=critical": alertname first, then the rest in
// the payload's (sorted) order.
std::string labelsText(const nlohmann::json &labels) {
    std::string text;
    if (const auto name = labels.find("alertname"); name != labels.end() && name->is_string()) {
        text = name->get<std::string>();
    }
    for (const auto &[key, value] : labels.items()) {
        if (key == "alertname" || !value.is_string()) {
            continue;
        }
        text += (text.empty() ? "" : " ") + key + "=" + value.get<std::string>();
    }
    return text;
}

// One line per alert of a webhook notification (Alertmanager's webhook payload, version 4).
void printNotification(CommandContext &context, const std::string &body) {
    const auto payload = nlohmann::json::parse(body, nullptr, false);
    if (payload.is_discarded() || !payload.is_object()) {
        context.err() << "received a body that is not a webhook notification (" << body.size()
                      << " bytes)\n";
        return;
    }
    if (context.format() == OutputFormat::Json) {
        context.out() << payload.dump() << '\n' << std::flush;
        return;
    }
    const std::string receiver = payload.value("receiver", "");
    for (const auto &alert : payload.value("alerts", nlohmann::json::array())) {
        const std::string status = alert.value("status", "");
        const auto annotations = alert.value("annotations", nlohmann::json::object());
        std::string summary = annotations.value("summary", "");
        const std::string since =
            status == "resolved" ? alert.value("endsAt", "") : alert.value("startsAt", "");
        context.out() << (status == "resolved" ? "RESOLVED " : "FIRING   ")
                      << labelsText(alert.value("labels", nlohmann::json::object()))
                      << (summary.empty() ? "" : "  — " + summary) << "  (since " << since
                      << ", receiver " << receiver << ")\n";
    }
    context.out() << std::flush;
}

int runReceive(CommandContext &context, const po::variables_map &values) {
    const auto listen = values["listen"].as<std::string>();
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos) {
        throw UsageError("--listen must be HOST:PORT (got \"" + listen + "\")");
    }
    boost::system::error_code error;
    const auto address = asio::ip::make_address(listen.substr(0, colon), error);
    int port = -1;
    try {
        port = std::stoi(listen.substr(colon + 1));
    } catch (const std::exception &) {
    }
    if (error || port < 0 || port > 65535) {
        throw UsageError(
            "--listen must be HOST:PORT with an IP address and a port 0-65535 (got \"" + listen +
            "\")");
    }

    asio::io_context io;
    tcp::acceptor acceptor(io);
    acceptor.open(address.is_v6() ? tcp::v6() : tcp::v4());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(tcp::endpoint(address, static_cast<unsigned short>(port)), error);
    if (error) {
        context.err() << "error: cannot listen on " << listen << ": " << error.message() << '\n';
        return 1;
    }
    acceptor.listen();
    const auto bound = acceptor.local_endpoint();
    context.err() << "receiving Alertmanager webhooks at http://" << bound.address().to_string()
                  << ':' << bound.port() << "/ (Ctrl-C stops)\n";

    Interruption interruption;
    // One connection at a time is plenty for a receiver people read; each request is answered
    // 200 so that Alertmanager does not retry what was printed.
    std::function<void()> acceptNext;
    acceptNext = [&] {
        acceptor.async_accept([&](boost::system::error_code acceptError, tcp::socket socket) {
            if (acceptError) {
                return;
            }
            auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
            auto buffer = std::make_shared<beast::flat_buffer>();
            auto request = std::make_shared<http::request<http::string_body>>();
            auto serve = std::make_shared<std::function<void()>>();
            *serve = [&context, stream, buffer, request, serve] {
                *request = {};
                stream->expires_after(std::chrono::seconds(30));
                http::async_read(
                    *stream, *buffer, *request,
                    [&context, stream, buffer, request, serve](boost::system::error_code readError,
                                                               std::size_t) {
                        if (readError) {
                            return;
                        }
                        if (request->method() == http::verb::post) {
                            printNotification(context, request->body());
                        }
                        auto response = std::make_shared<http::response<http::string_body>>(
                            http::status::ok, request->version());
                        response->keep_alive(request->keep_alive());
                        response->prepare_payload();
                        http::async_write(*stream, *response,
                                          [stream, response, serve](
                                              boost::system::error_code writeError, std::size_t) {
                                              if (!writeError && response->keep_alive()) {
                                                  (*serve)();
                                              } else {
                                                  // Breaks the cycle through `serve`.
                                                  *serve = nullptr;
                                              }
                                          });
                    });
            };
            (*serve)();
            acceptNext();
        });
    };
    acceptNext();
    while (!interruption.interrupted()) {
        io.run_for(std::chrono::milliseconds(200));
        if (io.stopped()) {
            io.restart();
        }
    }
    return 0;
}

} // namespace

std::vector<Command> alertReceiveCommands() {
    return {{"alerts receive", "[--listen HOST:PORT]",
             "Receive Alertmanager webhook notifications and print them",
             [](CommandFlags &flags) {
                 flags.visible.add_options()(
                     "listen", po::value<std::string>()->default_value("127.0.0.1:9095"),
                     "where to listen; point a webhook receiver's url at it");
             },
             runReceive}};
}

} // namespace aegis::cli
