#include "sample/downstream_calls.h"

#include "sample/keep_alive_http_client.h"

#include <set>

namespace aegis::sample {

StatusOr<DownstreamCallsPtr> DownstreamCalls::start(std::shared_ptr<grpc::Channel> channel,
                                                    DownstreamOptions options,
                                                    client::TracerPtr tracer) {
    std::set<std::string> seen;
    for (const auto &service : options.services) {
        if (service.empty() || !seen.insert(service).second) {
            return invalidArgument("calls: each service once, by name; got '" + service + "'");
        }
    }
    DownstreamCallsPtr calls(new DownstreamCalls(options, std::move(tracer)));
    for (const auto &service : options.services) {
        client::DiscoveryOptions discovery;
        discovery.service = service;
        discovery.strategy = options.strategy;
        auto started = client::Discovery::start(channel, discovery);
        if (!started) {
            return started.status();
        }
        calls->m_discoveries.emplace(service, std::move(*started));
    }
    return calls;
}

DownstreamCalls::DownstreamCalls(DownstreamOptions options, client::TracerPtr tracer)
    : m_options(std::move(options))
    , m_tracer(std::move(tracer)) {}

DownstreamCalls::~DownstreamCalls() = default;

KeepAliveHttpClient &DownstreamCalls::clientForThisThread() {
    std::lock_guard lock(m_clientsMutex);
    auto &client = m_clients[std::this_thread::get_id()];
    if (!client) {
        client = std::make_unique<KeepAliveHttpClient>(m_options.timeout, std::chrono::seconds(30),
                                                       "aegis-sample");
    }
    return *client;
}

std::vector<DownstreamCall>
DownstreamCalls::callAll(const std::optional<client::SpanContext> &parent) {
    KeepAliveHttpClient &http = clientForThisThread();
    std::vector<DownstreamCall> calls;
    for (const auto &service : m_options.services) {
        calls.push_back(call(http, *m_discoveries.at(service), service, parent));
        if (!calls.back().ok()) {
            break;
        }
    }
    return calls;
}

DownstreamCall DownstreamCalls::call(KeepAliveHttpClient &http, client::Discovery &discovery,
                                     const std::string &service,
                                     const std::optional<client::SpanContext> &parent) {
    DownstreamCall result;
    result.service = service;
    std::string excluded;
    for (int attempt = 0; attempt < 2; ++attempt) {
        // Enough draws to pass over the instance that just failed, in whatever order the
        // picker hands them out.
        const auto choose = [&]() -> std::optional<client::Pick> {
            for (std::size_t draw = 0; draw <= discovery.pickable().size(); ++draw) {
                auto pick = discovery.pick();
                if (!pick || pick->endpoint.id != excluded) {
                    return pick;
                }
            }
            return std::nullopt;
        };
        auto pick = choose();
        if (!pick) {
            result.error = "no instance of " + service + " to call";
            return result;
        }
        result.instance = pick->endpoint.id;
        // Semantic conventions of an HTTP client span: named after the method; the peer service
        // lets a trace viewer draw the edge even when the callee reports nothing.
        client::Span span;
        KeepAliveHttpClient::Headers headers;
        if (m_tracer) {
            const auto colon = pick->endpoint.address.rfind(':');
            span = m_tracer->startSpan(
                "GET", {.kind = client::SpanKind::Client,
                        .parent = parent,
                        .root = !parent,
                        .attributes = {
                            {"http.request.method", "GET"},
                            {"url.full", "http://" + pick->endpoint.address + "/"},
                            {"server.address", pick->endpoint.address.substr(0, colon)},
                            {"server.port", std::stoi(pick->endpoint.address.substr(colon + 1))},
                            {"peer.service", service},
                            {"aegis.instance", pick->endpoint.id},
                        }});
            if (attempt > 0) {
                span.setAttribute("http.request.resend_count", attempt);
            }
            client::injectContext(span.context(),
                                  [&](std::string_view name, std::string_view value) {
                                      headers.emplace_back(std::string(name), std::string(value));
                                  });
        }
        const auto response = http.get(pick->endpoint.address, "/", headers);
        result.status = response.status;
        if (response.connectionFailed || response.timedOut) {
            discovery.reportOutcome(pick->endpoint.id, false);
            result.error =
                (response.timedOut ? "timed out: " : "connection failed: ") + response.error;
            span.setAttribute("error.type", response.timedOut ? "timeout" : "connection_failed");
            span.setStatus(client::SpanStatus::Error, result.error);
            if (response.connectionFailed) {
                excluded = pick->endpoint.id;
                continue;
            }
            return result;
        }
        discovery.reportOutcome(pick->endpoint.id, response.status < 500);
        span.setAttribute("http.response.status_code", response.status);
        if (!result.ok()) {
            result.error = service + " answered " + std::to_string(response.status);
            span.setAttribute("error.type", std::to_string(response.status));
            span.setStatus(client::SpanStatus::Error, result.error);
        }
        return result;
    }
    return result;
}

} // namespace aegis::sample
