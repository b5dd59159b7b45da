#include "tracing/otlp_grpc_receiver.h"

#include "tracing/otlp_ingest.h"

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/support/proto_buffer_reader.h>
#include <grpcpp/support/proto_buffer_writer.h>

#include <algorithm>
#include <limits>

namespace aegis::tracing {
namespace {

using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse;

grpc::Status toGrpc(const Status &status) {
    return {static_cast<grpc::StatusCode>(status.code()), status.message()};
}

// One Export call: read the request, ingest it, answer once the sinks took the spans.
class ExportReactor final : public grpc::ServerGenericBidiReactor {
public:
    ExportReactor(OtlpIngest &ingest, grpc::GenericCallbackServerContext *context)
        : m_ingest(ingest) {
        if (context->method() != OtlpGrpcReceiver::kExportMethod) {
            Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                                "this OTLP receiver serves only " +
                                    std::string(OtlpGrpcReceiver::kExportMethod)));
            return;
        }
        const auto &metadata = context->client_metadata();
        const auto header = metadata.find("authorization");
        const std::string_view authorization =
            header == metadata.end()
                ? std::string_view()
                : std::string_view(header->second.data(), header->second.size());
        if (Status allowed = m_ingest.authorize(authorization); !allowed.isOk()) {
            Finish(toGrpc(allowed));
            return;
        }
        StartRead(&m_request);
    }

    void OnReadDone(bool ok) override {
        if (!ok) {
            Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                "the call ended without an ExportTraceServiceRequest"));
            return;
        }
        const std::size_t bytes = m_request.Length();
        ExportTraceServiceRequest request;
        grpc::ProtoBufferReader reader(&m_request);
        if (!request.ParseFromZeroCopyStream(&reader)) {
            m_ingest.refuseUndecodable(OtlpProtocol::Grpc,
                                       [this](ExportResult result) { answer(result); });
            return;
        }
        m_request.Clear();
        m_ingest.exportRequest(std::move(request), bytes, OtlpProtocol::Grpc,
                               [this](ExportResult result) { answer(result); });
    }

    void OnDone() override { delete this; }

private:
    void answer(const ExportResult &result) {
        if (!result.status.isOk()) {
            Finish(toGrpc(result.status));
            return;
        }
        bool ownBuffer = false;
        const grpc::Status serialized =
            grpc::SerializationTraits<ExportTraceServiceResponse>::Serialize(
                result.response, &m_response, &ownBuffer);
        if (!serialized.ok()) {
            Finish(serialized);
            return;
        }
        StartWriteAndFinish(&m_response, grpc::WriteOptions(), grpc::Status::OK);
    }

    OtlpIngest &m_ingest;
    grpc::ByteBuffer m_request;
    grpc::ByteBuffer m_response;
};

} // namespace

class OtlpGrpcReceiver::Service final : public grpc::CallbackGenericService {
public:
    explicit Service(OtlpIngest &ingest)
        : m_ingest(ingest) {}

    grpc::ServerGenericBidiReactor *
    CreateReactor(grpc::GenericCallbackServerContext *context) override {
        return new ExportReactor(m_ingest, context);
    }

private:
    OtlpIngest &m_ingest;
};

OtlpGrpcReceiver::OtlpGrpcReceiver(OtlpIngest &ingest)
    : m_ingest(ingest)
    , m_service(std::make_unique<Service>(ingest)) {}

OtlpGrpcReceiver::~OtlpGrpcReceiver() {
    shutdown(std::chrono::system_clock::now());
}

Status OtlpGrpcReceiver::start(const std::string &hostPort,
                               std::shared_ptr<grpc::ServerCredentials> credentials) {
    grpc::ServerBuilder builder;
    int selectedPort = 0;
    builder.AddListeningPort(hostPort, std::move(credentials), &selectedPort);
    // gRPC refuses a larger message (after decompression) with RESOURCE_EXHAUSTED.
    builder.SetMaxReceiveMessageSize(static_cast<int>(std::min<std::int64_t>(
        m_ingest.limits().maxRequestBytes, std::numeric_limits<int>::max())));
    builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
    // gRPC's own buffers stay bounded too: the exports the ingest may hold and one being read.
    grpc::ResourceQuota quota("otlp");
    quota.Resize(static_cast<std::size_t>(m_ingest.limits().maxInFlightBytes +
                                          m_ingest.limits().maxRequestBytes));
    builder.SetResourceQuota(quota);
    builder.RegisterCallbackGenericService(m_service.get());
    m_server = builder.BuildAndStart();
    if (!m_server || selectedPort == 0) {
        m_server.reset();
        return unavailable("tracing.otlp_listen: cannot serve OTLP/gRPC on " + hostPort +
                           " (is the port in use? see gRPC's log line before this one)");
    }
    m_address = hostPort.substr(0, hostPort.rfind(':')) + ":" + std::to_string(selectedPort);
    return Status::ok();
}

void OtlpGrpcReceiver::shutdown(std::chrono::system_clock::time_point deadline) {
    if (m_server) {
        m_server->Shutdown(deadline);
        m_server->Wait();
        m_server.reset();
    }
}

} // namespace aegis::tracing
