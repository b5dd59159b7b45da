#pragma once

#include "health/prober.h"
#include "health/tcp_prober.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>

namespace aegis::health {

struct HttpProbeOptions {
    std::string host;
    std::uint16_t port = 0;
    std::string path = "/";
    // Inclusive range of statuses that count as passing. 429 outside it is Warning, as in Consul.
    unsigned statusMin = 200;
    unsigned statusMax = 299;
    // When not empty, the body must contain it.
    std::string bodyContains;
    std::map<std::string, std::string> headers;
};

// Parses the "http" options of a ProbeSpec: path, status ("200" or "200-399"), body_contains,
// header.<Name>.
StatusOr<HttpProbeOptions> parseHttpProbeOptions(const ProbeSpec &spec);

// "http": GET path over HTTP/1.1 with Boost.Beast. Keeps one keep-alive connection to its target
// and reuses it for every probe; a reused connection the server has closed meanwhile is replaced
// once within the same probe. The request is built once; the read buffer is reused.
class HttpProber final : public Prober, public std::enable_shared_from_this<HttpProber> {
public:
    HttpProber(boost::asio::any_io_executor executor, HttpProbeOptions options);

    void probe(std::chrono::milliseconds timeout, ProbeCallback done) override;
    void cancel() override;

    // Connections opened so far (for tests and metrics: it stays 1 while keep-alive holds).
    std::uint64_t connectionsOpened() const { return m_connectionsOpened; }

private:
    void connect();
    void send();
    void receive();
    void evaluate();
    void fail(const char *stage, const boost::system::error_code &error);
    void finish(ProbeResult result, bool keepConnection);
    void closeConnection();

    HttpProbeOptions m_options;
    TargetResolver m_resolver;
    boost::asio::ip::tcp::socket m_socket;
    boost::asio::steady_timer m_timer;
    boost::beast::flat_buffer m_buffer;
    boost::beast::http::request<boost::beast::http::empty_body> m_request;
    std::optional<boost::beast::http::response_parser<boost::beast::http::string_body>> m_parser;
    ProbeCallback m_done;
    std::chrono::milliseconds m_timeout{0};
    std::uint64_t m_generation = 0;
    std::uint64_t m_connectionsOpened = 0;
    bool m_timedOut = false;
    // The current probe runs on a connection kept from an earlier one.
    bool m_onReusedConnection = false;
};

ProberFactoryPtr makeHttpProberFactory();

} // namespace aegis::health
