#pragma once

#include "health/prober.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <string>

namespace aegis::health {

// Resolves host:port, numeric addresses without a lookup, and remembers the answer; every call
// completes on the executor the resolver was built with. Used by the probers that open TCP
// connections. Not thread-safe: driven from one strand.
class TargetResolver {
public:
    using Endpoints = std::vector<boost::asio::ip::tcp::endpoint>;
    using Handler = std::function<void(boost::system::error_code, const Endpoints &)>;

    TargetResolver(boost::asio::any_io_executor executor, std::string host, std::uint16_t port);

    void resolve(Handler handler);
    // Drops the remembered answer, so the next resolve() looks the name up again.
    void forget();
    void cancel() { m_resolver.cancel(); }

private:
    boost::asio::ip::tcp::resolver m_resolver;
    std::string m_host;
    std::uint16_t m_port;
    Endpoints m_endpoints;
};

// "tcp": passing when a connection to host:port is established within the timeout. The
// connection is closed again at once.
class TcpProber final : public Prober, public std::enable_shared_from_this<TcpProber> {
public:
    TcpProber(boost::asio::any_io_executor executor, std::string host, std::uint16_t port);

    void probe(std::chrono::milliseconds timeout, ProbeCallback done) override;
    void cancel() override;

private:
    void finish(ProbeResult result);

    TargetResolver m_resolver;
    boost::asio::ip::tcp::socket m_socket;
    boost::asio::steady_timer m_timer;
    ProbeCallback m_done;
    std::uint64_t m_generation = 0;
    bool m_timedOut = false;
};

ProberFactoryPtr makeTcpProberFactory();

// Describes a failed operation for a probe's output: "connect: Connection refused", or
// "timed out after 500ms" when the deadline cancelled it.
std::string describeProbeError(const char *stage, const boost::system::error_code &error,
                               bool timedOut, std::chrono::milliseconds timeout);

} // namespace aegis::health
