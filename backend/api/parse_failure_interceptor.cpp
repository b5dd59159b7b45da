#include "api/parse_failure_interceptor.h"

#include "api/convert.h"
#include "common/logging.h"

namespace aegis::api {
namespace {

using grpc::experimental::InterceptionHookPoints;

class ParseFailureInterceptor final : public grpc::experimental::Interceptor {
public:
    ParseFailureInterceptor(const ApiContext &api, grpc::experimental::ServerRpcInfo &info)
        : m_api(api)
        , m_info(info) {}

    void Intercept(grpc::experimental::InterceptorBatchMethods *methods) override {
        if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE) &&
            methods->GetRecvMessage() == nullptr) {
            m_unparsable = true;
        }
        if (m_unparsable &&
            methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
            methods->ModifySendStatus(toGrpc(answer()));
        }
        methods->Proceed();
    }

private:
    Status answer() const {
        const std::string method = m_info.method();
        log::debug("request not parsable",
                   {{"method", method}, {"peer", m_info.server_context()->peer()}});
        if (const MethodPolicy *policy = findPolicy(method); policy != nullptr) {
            // Every method in the permission table belongs to one of our callback services.
            const auto &context =
                static_cast<const grpc::CallbackServerContext &>(*m_info.server_context());
            Caller caller;
            if (Status refused = authorize(m_api, context, *policy, caller); !refused.isOk()) {
                return refused;
            }
        }
        return invalidArgument(std::string(kCannotParseRequest));
    }

    const ApiContext &m_api;
    grpc::experimental::ServerRpcInfo &m_info;
    bool m_unparsable = false;
};

} // namespace

grpc::experimental::Interceptor *
ParseFailureInterceptorFactory::CreateServerInterceptor(grpc::experimental::ServerRpcInfo *info) {
    // Only these carry their one request message in the call's first batch; a failed read on a
    // stream looks the same as the client closing its side.
    using Type = grpc::experimental::ServerRpcInfo::Type;
    if (info->type() != Type::UNARY && info->type() != Type::SERVER_STREAMING) {
        return nullptr;
    }
    return new ParseFailureInterceptor(m_api, *info);
}

} // namespace aegis::api
