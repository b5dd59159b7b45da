#pragma once

#include "api/api_context.h"

#include <grpcpp/support/server_interceptor.h>

namespace aegis::api {

// What a caller is told when its request message cannot be parsed.
inline constexpr std::string_view kCannotParseRequest =
    "cannot parse request: the message is not valid protobuf for this method (malformed bytes, "
    "or invalid UTF-8 in a string field)";

// gRPC's callback handlers answer a unary or server-streaming request that does not deserialize
// with UNIMPLEMENTED and no message, before any of our code runs. This interceptor replaces that
// answer: UNAUTHENTICATED or PERMISSION_DENIED when the caller would have been refused anyway (the
// body is parsed before authentication, so this keeps the refusal order of a parsable call),
// else INVALID_ARGUMENT kCannotParseRequest. Streams that read several messages (KeepAlive) parse
// them themselves.
class ParseFailureInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
public:
    explicit ParseFailureInterceptorFactory(const ApiContext &api)
        : m_api(api) {}
    grpc::experimental::Interceptor *
    CreateServerInterceptor(grpc::experimental::ServerRpcInfo *info) override;

private:
    const ApiContext &m_api;
};

} // namespace aegis::api
