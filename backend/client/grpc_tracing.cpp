#include "client/grpc_tracing.h"

#include <algorithm>
#include <cctype>

namespace aegis::client {
namespace {

using grpc::experimental::InterceptionHookPoints;

bool equalsIgnoringCase(grpc::string_ref a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

void setRpcAttributes(Span &span, std::string_view path) {
    const std::string name = rpcSpanName(path);
    const auto slash = name.rfind('/');
    span.setAttribute("rpc.system", "grpc");
    if (slash != std::string::npos) {
        span.setAttribute("rpc.service", std::string_view(name).substr(0, slash));
        span.setAttribute("rpc.method", std::string_view(name).substr(slash + 1));
    }
}

bool isServerError(grpc::StatusCode code) {
    switch (code) {
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::UNIMPLEMENTED:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DATA_LOSS:
        return true;
    default:
        return false;
    }
}

class ServerInterceptor final : public grpc::experimental::Interceptor {
public:
    ServerInterceptor(const Tracer &tracer, std::string method)
        : m_tracer(tracer)
        , m_method(std::move(method)) {}

    void Intercept(grpc::experimental::InterceptorBatchMethods *methods) override {
        if (methods->QueryInterceptionHookPoint(
                InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
            SpanOptions options;
            options.kind = SpanKind::Server;
            options.root = true;
            if (auto *metadata = methods->GetRecvInitialMetadata()) {
                options.parent = extractContext(*metadata);
                options.root = !options.parent;
            }
            m_span = m_tracer.startSpan(rpcSpanName(m_method), options);
            setRpcAttributes(m_span, m_method);
        }
        if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
            const grpc::Status status = methods->GetSendStatus();
            m_span.setAttribute("rpc.grpc.status_code", static_cast<int>(status.error_code()));
            if (isServerError(status.error_code())) {
                m_span.setStatus(SpanStatus::Error, status.error_message());
            }
            m_span.end();
        }
        methods->Proceed();
    }

private:
    const Tracer &m_tracer;
    const std::string m_method;
    Span m_span;
};

class ClientInterceptor final : public grpc::experimental::Interceptor {
public:
    ClientInterceptor(const Tracer &tracer, std::string method)
        : m_tracer(tracer)
        , m_method(std::move(method))
        , m_parent(currentSpanContext()) {}

    void Intercept(grpc::experimental::InterceptorBatchMethods *methods) override {
        if (methods->QueryInterceptionHookPoint(
                InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
            SpanOptions options;
            options.kind = SpanKind::Client;
            options.parent = m_parent;
            m_span = m_tracer.startSpan(rpcSpanName(m_method), options);
            setRpcAttributes(m_span, m_method);
            auto *metadata = methods->GetSendInitialMetadata();
            injectContext(m_span.context(), [&](std::string_view name, std::string_view value) {
                metadata->emplace(std::string(name), std::string(value));
            });
        }
        if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_STATUS)) {
            if (const grpc::Status *status = methods->GetRecvStatus()) {
                m_span.setAttribute("rpc.grpc.status_code", static_cast<int>(status->error_code()));
                if (!status->ok()) {
                    m_span.setStatus(SpanStatus::Error, status->error_message());
                }
            }
            m_span.end();
        }
        methods->Proceed();
    }

private:
    const Tracer &m_tracer;
    const std::string m_method;
    const std::optional<SpanContext> m_parent;
    Span m_span;
};

} // namespace

void injectContext(grpc::ClientContext &call, const SpanContext &context) {
    injectContext(context, [&](std::string_view name, std::string_view value) {
        call.AddMetadata(std::string(name), std::string(value));
    });
}

std::optional<SpanContext>
extractContext(const std::multimap<grpc::string_ref, grpc::string_ref> &metadata) {
    return extractContext([&](std::string_view name) {
        std::vector<std::string> values;
        for (const auto &[key, value] : metadata) {
            if (equalsIgnoringCase(key, name)) {
                values.emplace_back(value.data(), value.size());
            }
        }
        return values;
    });
}

std::optional<SpanContext> extractContext(const grpc::ServerContextBase &call) {
    return extractContext(call.client_metadata());
}

std::string rpcSpanName(std::string_view path) {
    if (!path.empty() && path.front() == '/') {
        path.remove_prefix(1);
    }
    return std::string(path);
}

grpc::experimental::Interceptor *
TracingServerInterceptorFactory::CreateServerInterceptor(grpc::experimental::ServerRpcInfo *info) {
    return new ServerInterceptor(*m_tracer, info->method() ? info->method() : "");
}

grpc::experimental::Interceptor *
TracingClientInterceptorFactory::CreateClientInterceptor(grpc::experimental::ClientRpcInfo *info) {
    return new ClientInterceptor(*m_tracer, info->method() ? info->method() : "");
}

} // namespace aegis::client
