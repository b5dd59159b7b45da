#pragma once

#include "common/status.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include <prometheus/collectable.h>

#include <vector>

namespace aegis::daemon {

// The daemon's plain-HTTP side: GET /healthz (the process is up), /readyz (it serves the API; 503
// with the reason otherwise) and /metrics (Prometheus text format). Runs on the daemon's
// io_context.
class HttpEndpoint {
public:
    HttpEndpoint(boost::asio::io_context &io,
                 std::vector<std::shared_ptr<prometheus::Collectable>> collectables);
    ~HttpEndpoint();

    // Binds host:port (port 0 picks one) and starts accepting.
    Status listen(const std::string &hostPort);
    // The bound address, "host:port".
    std::string address() const;
    // Sets what /readyz answers: ready, or not ready with this reason.
    void setReady(bool ready, std::string reason = {});
    void close();

private:
    class Session;
    void accept();

    boost::asio::io_context &m_io;
    const std::vector<std::shared_ptr<prometheus::Collectable>> m_collectables;
    boost::asio::ip::tcp::acceptor m_acceptor;
    std::atomic<bool> m_ready{false};
    std::shared_ptr<std::string> m_notReadyReason;
};

} // namespace aegis::daemon
