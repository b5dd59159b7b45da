#include "health/http_prober.h"

#include "common/input_text.h"
#include "validation/health_check_rules.h"
#include "validation/http_status_range.h"

#include <boost/asio/connect.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace aegis::health {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// Bodies beyond this are not needed to judge health; a larger one fails the probe.
constexpr std::size_t kBodyLimit = 64 * 1024;

const ExtensionDescription &httpProberDescription() {
    static const ExtensionDescription description{
        ExtensionKind::HealthProber,
        "http",
        "HTTP GET",
        "GETs a path over HTTP/1.1; passes on a status in the expected range (429 is a warning).",
        {
            {.name = "path",
             .type = ParameterType::String,
             .defaultValue = "/",
             .description = "the path to GET, starting with '/'",
             .placeholder = "/healthz"},
            {.name = "status",
             .type = ParameterType::String,
             .defaultValue = "200-299",
             .description = "a code or a range of codes that pass, within 100-599",
             .placeholder = "200-399"},
            {.name = "body_contains",
             .type = ParameterType::String,
             .description = "text the response body must contain",
             .placeholder = "ok"},
            {.name = "header.",
             .type = ParameterType::String,
             .prefix = true,
             .description = "a request header (header.Name=value)",
             .placeholder = "Host=checkout.internal"},
        }};
    return description;
}

bool isStaleConnectionError(const boost::system::error_code &error) {
    return error == http::error::end_of_stream || error == asio::error::eof ||
           error == asio::error::connection_reset || error == asio::error::broken_pipe ||
           error == asio::error::connection_aborted;
}

} // namespace

StatusOr<HttpProbeOptions> parseHttpProbeOptions(const ProbeSpec &spec) {
    HttpProbeOptions options;
    if (spec.host.empty() || spec.port == 0) {
        return invalidArgument("http check: host and a non-zero port are required");
    }
    if (const auto problems =
            validation::validateProbeOptions(httpProberDescription(), spec.options);
        !problems.empty()) {
        return invalidArgument(problems.front().message);
    }
    options.host = spec.host;
    options.port = spec.port;
    for (const auto &[name, value] : spec.options) {
        if (name == "path") {
            options.path = value;
        } else if (name == "status") {
            const auto range = validation::parseHttpStatusRange(value);
            options.statusMin = range->low;
            options.statusMax = range->high;
        } else if (name == "body_contains") {
            options.bodyContains = value;
        } else if (name.starts_with("header.")) {
            options.headers[name.substr(7)] = value;
        }
    }
    return options;
}

HttpProber::HttpProber(asio::any_io_executor executor, HttpProbeOptions options)
    : m_options(std::move(options))
    , m_resolver(executor, m_options.host, m_options.port)
    , m_socket(executor)
    , m_timer(executor) {
    m_request.method(http::verb::get);
    m_request.target(m_options.path);
    m_request.version(11);
    m_request.set(http::field::host, m_options.host + ":" + std::to_string(m_options.port));
    m_request.set(http::field::user_agent, "aegis-health");
    m_request.keep_alive(true);
    for (const auto &[name, value] : m_options.headers) {
        m_request.set(name, value);
    }
    m_request.prepare_payload();
}

void HttpProber::probe(std::chrono::milliseconds timeout, ProbeCallback done) {
    m_done = std::move(done);
    m_timeout = timeout;
    m_timedOut = false;
    const std::uint64_t generation = ++m_generation;
    m_timer.expires_after(timeout);
    m_timer.async_wait([self = shared_from_this(), generation](boost::system::error_code error) {
        if (!error && generation == self->m_generation && self->m_done) {
            self->m_timedOut = true;
            self->m_resolver.cancel();
            self->closeConnection();
        }
    });
    m_onReusedConnection = m_socket.is_open();
    if (m_onReusedConnection) {
        send();
    } else {
        connect();
    }
}

void HttpProber::connect() {
    m_resolver.resolve([self = shared_from_this()](boost::system::error_code error,
                                                   const TargetResolver::Endpoints &endpoints) {
        if (error || self->m_timedOut) {
            self->fail("resolve", error);
            return;
        }
        asio::async_connect(self->m_socket, endpoints,
                            [self](boost::system::error_code error, const tcp::endpoint &) {
                                if (error || self->m_timedOut) {
                                    self->m_resolver.forget();
                                    self->fail("connect", error);
                                    return;
                                }
                                ++self->m_connectionsOpened;
                                self->m_socket.set_option(tcp::no_delay(true), error);
                                self->send();
                            });
    });
}

void HttpProber::send() {
    http::async_write(m_socket, m_request,
                      [self = shared_from_this()](boost::system::error_code error, std::size_t) {
                          if (error || self->m_timedOut) {
                              self->fail("send", error);
                              return;
                          }
                          self->receive();
                      });
}

void HttpProber::receive() {
    m_parser.emplace();
    m_parser->body_limit(kBodyLimit);
    http::async_read(m_socket, m_buffer, *m_parser,
                     [self = shared_from_this()](boost::system::error_code error, std::size_t) {
                         if (error || self->m_timedOut) {
                             self->fail("receive", error);
                             return;
                         }
                         self->evaluate();
                     });
}

void HttpProber::evaluate() {
    const auto &response = m_parser->get();
    const unsigned status = response.result_int();
    std::string output = "HTTP " + std::to_string(status);
    ProbeResult result;
    if (status >= m_options.statusMin && status <= m_options.statusMax) {
        if (!m_options.bodyContains.empty() &&
            response.body().find(m_options.bodyContains) == std::string::npos) {
            result = {HealthState::Critical,
                      output + ", body does not contain '" + m_options.bodyContains + "'"};
        } else {
            result = {HealthState::Passing, std::move(output)};
        }
    } else if (status == 429) {
        result = {HealthState::Warning, output + " (too many requests)"};
    } else {
        result = {HealthState::Critical, std::move(output)};
    }
    finish(std::move(result), response.keep_alive());
}

void HttpProber::fail(const char *stage, const boost::system::error_code &error) {
    // A kept-alive connection the server closed while idle is not a failure of the target:
    // open a fresh one within the same probe, once.
    if (m_onReusedConnection && !m_timedOut && isStaleConnectionError(error)) {
        m_onReusedConnection = false;
        closeConnection();
        connect();
        return;
    }
    finish({HealthState::Critical, describeProbeError(stage, error, m_timedOut, m_timeout)}, false);
}

void HttpProber::finish(ProbeResult result, bool keepConnection) {
    m_timer.cancel();
    if (!keepConnection) {
        closeConnection();
    }
    m_parser.reset();
    if (auto done = std::exchange(m_done, nullptr)) {
        done(std::move(result));
    }
}

void HttpProber::cancel() {
    m_resolver.cancel();
    m_timer.cancel();
    closeConnection();
}

void HttpProber::closeConnection() {
    boost::system::error_code ignored;
    m_socket.shutdown(tcp::socket::shutdown_both, ignored);
    m_socket.close(ignored);
    m_buffer.clear();
}

namespace {

class HttpProberFactory final : public ProberFactory {
public:
    const ExtensionDescription &describe() const override { return httpProberDescription(); }
    StatusOr<ProberPtr> create(const ProbeSpec &spec, const ProberContext &context) const override {
        auto options = parseHttpProbeOptions(spec);
        if (!options) {
            return options.status();
        }
        return ProberPtr(std::make_shared<HttpProber>(context.executor, std::move(*options)));
    }
};

} // namespace

ProberFactoryPtr makeHttpProberFactory() {
    return std::make_unique<HttpProberFactory>();
}

} // namespace aegis::health
