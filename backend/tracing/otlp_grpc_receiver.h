#pragma once

#include "common/status.h"

#include <chrono>
#include <memory>
#include <string>

namespace grpc {
class Server;
class ServerCredentials;
} // namespace grpc

namespace aegis::tracing {

class OtlpIngest;

// The OTLP/gRPC receiver: opentelemetry.proto.collector.trace.v1.TraceService/Export on a
// gRPC server of its own (with the credentials it is given: aegisd's TLS, or plaintext). Each call
// is a callback reactor that holds no thread while its spans become durable; gzip-compressed
// messages are accepted; a message over tracing.limits.max_request_bytes is refused by gRPC with
// RESOURCE_EXHAUSTED. Other methods answer UNIMPLEMENTED.
class OtlpGrpcReceiver {
public:
    static constexpr const char *kExportMethod =
        "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

    // `ingest` outlives the receiver.
    explicit OtlpGrpcReceiver(OtlpIngest &ingest);
    ~OtlpGrpcReceiver();

    // Binds host:port (port 0 picks one) and serves. UNAVAILABLE naming the address on failure.
    Status start(const std::string &hostPort, std::shared_ptr<grpc::ServerCredentials> credentials);
    // The bound address, "host:port" ("" before start()).
    std::string address() const { return m_address; }
    // Refuses new calls and waits until `deadline` for those in flight (their spans durable),
    // then cancels the rest.
    void shutdown(std::chrono::system_clock::time_point deadline);

private:
    class Service;
    OtlpIngest &m_ingest;
    std::unique_ptr<Service> m_service;
    std::unique_ptr<grpc::Server> m_server;
    std::string m_address;
};

} // namespace aegis::tracing
