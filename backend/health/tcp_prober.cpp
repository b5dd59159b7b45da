#include "health/tcp_prober.h"

#include "validation/health_check_rules.h"

#include "common/duration.h"
#include "common/input_text.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>

namespace aegis::health {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

TargetResolver::TargetResolver(asio::any_io_executor executor, std::string host, std::uint16_t port)
    : m_resolver(std::move(executor))
    , m_host(std::move(host))
    , m_port(port) {}

void TargetResolver::resolve(Handler handler) {
    if (m_endpoints.empty()) {
        boost::system::error_code parseError;
        const auto address = asio::ip::make_address(m_host, parseError);
        if (!parseError) {
            m_endpoints.emplace_back(address, m_port);
        }
    }
    if (!m_endpoints.empty()) {
        asio::post(m_resolver.get_executor(),
                   [this, handler = std::move(handler)] { handler({}, m_endpoints); });
        return;
    }
    m_resolver.async_resolve(
        m_host, std::to_string(m_port),
        [this, handler = std::move(handler)](boost::system::error_code error,
                                             tcp::resolver::results_type results) {
            if (!error) {
                for (const auto &entry : results) {
                    m_endpoints.push_back(entry.endpoint());
                }
            }
            handler(error, m_endpoints);
        });
}

void TargetResolver::forget() {
    boost::system::error_code parseError;
    asio::ip::make_address(m_host, parseError);
    if (parseError) {
        m_endpoints.clear();
    }
}

std::string describeProbeError(const char *stage, const boost::system::error_code &error,
                               bool timedOut, std::chrono::milliseconds timeout) {
    if (timedOut) {
        return std::string(stage) + ": timed out after " + formatDuration(timeout);
    }
    return std::string(stage) + ": " + error.message();
}

TcpProber::TcpProber(asio::any_io_executor executor, std::string host, std::uint16_t port)
    : m_resolver(executor, std::move(host), port)
    , m_socket(executor)
    , m_timer(executor) {}

void TcpProber::probe(std::chrono::milliseconds timeout, ProbeCallback done) {
    m_done = std::move(done);
    m_timedOut = false;
    const std::uint64_t generation = ++m_generation;
    auto self = shared_from_this();
    m_timer.expires_after(timeout);
    m_timer.async_wait([self, generation](boost::system::error_code error) {
        if (!error && generation == self->m_generation && self->m_done) {
            self->m_timedOut = true;
            self->m_resolver.cancel();
            boost::system::error_code ignored;
            self->m_socket.close(ignored);
        }
    });
    m_resolver.resolve([self, timeout](boost::system::error_code error,
                                       const TargetResolver::Endpoints &endpoints) {
        if (error || self->m_timedOut) {
            self->finish({HealthState::Critical,
                          describeProbeError("resolve", error, self->m_timedOut, timeout)});
            return;
        }
        asio::async_connect(
            self->m_socket, endpoints,
            [self, timeout](boost::system::error_code error, const tcp::endpoint &) {
                if (error || self->m_timedOut) {
                    self->m_resolver.forget();
                    self->finish({HealthState::Critical,
                                  describeProbeError("connect", error, self->m_timedOut, timeout)});
                    return;
                }
                self->finish({HealthState::Passing, "connected"});
            });
    });
}

void TcpProber::cancel() {
    m_resolver.cancel();
    m_timer.cancel();
    boost::system::error_code ignored;
    m_socket.close(ignored);
}

void TcpProber::finish(ProbeResult result) {
    m_timer.cancel();
    boost::system::error_code ignored;
    m_socket.close(ignored);
    if (auto done = std::exchange(m_done, nullptr)) {
        done(std::move(result));
    }
}

namespace {

class TcpProberFactory final : public ProberFactory {
public:
    const ExtensionDescription &describe() const override {
        static const ExtensionDescription description{
            ExtensionKind::HealthProber,
            "tcp",
            "TCP connect",
            "Passes when a TCP connection to the instance's port opens in time.",
            {}};
        return description;
    }
    StatusOr<ProberPtr> create(const ProbeSpec &spec, const ProberContext &context) const override {
        if (spec.host.empty() || spec.port == 0) {
            return invalidArgument("tcp check: host and a non-zero port are required");
        }
        if (const auto problems = validation::validateProbeOptions(describe(), spec.options);
            !problems.empty()) {
            return invalidArgument(problems.front().message);
        }
        return ProberPtr(std::make_shared<TcpProber>(context.executor, spec.host, spec.port));
    }
};

} // namespace

ProberFactoryPtr makeTcpProberFactory() {
    return std::make_unique<TcpProberFactory>();
}

} // namespace aegis::health
