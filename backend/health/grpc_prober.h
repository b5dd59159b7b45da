#pragma once

#include "health/prober.h"

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/generic/generic_stub.h>

#include <memory>
#include <mutex>
#include <string>

namespace aegis::health {

// "grpc": calls grpc.health.v1.Health/Check for `service` (empty: the server as a whole) through
// the generic stub, encoding the two one-field messages by hand. SERVING is passing; NOT_SERVING,
// SERVICE_UNKNOWN, UNKNOWN and every error status are critical. One channel per target, reused.
class GrpcProber final : public Prober, public std::enable_shared_from_this<GrpcProber> {
public:
    GrpcProber(boost::asio::any_io_executor executor, const std::string &target,
               std::string service);

    void probe(std::chrono::milliseconds timeout, ProbeCallback done) override;
    void cancel() override;

private:
    struct Call;

    boost::asio::any_io_executor m_executor;
    std::shared_ptr<grpc::Channel> m_channel;
    grpc::GenericStub m_stub;
    grpc::ByteBuffer m_request;
    // Guards m_inFlight, which gRPC's completion thread clears.
    std::mutex m_mutex;
    std::weak_ptr<Call> m_inFlight;
};

// Encodes a HealthCheckRequest {string service = 1;}.
std::string encodeHealthCheckRequest(const std::string &service);
// Decodes HealthCheckResponse {ServingStatus status = 1;}; -1 when malformed.
int decodeHealthCheckStatus(const std::string &bytes);

ProberFactoryPtr makeGrpcProberFactory();

} // namespace aegis::health
