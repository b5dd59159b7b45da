#pragma once

// Test-side helpers for the OTLP receivers of a real aegisd: exports over gRPC (optionally
// gzip-compressed, with a bearer token), gzip bodies for OTLP/HTTP, and /metrics values.

#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <zlib.h>

#include <chrono>
#include <future>
#include <sstream>
#include <string>

namespace aegis::testing {

struct OtlpCall {
    grpc::Status status;
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse response;
};

inline OtlpCall
otlpExport(const std::string &address,
           const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest &request,
           const std::string &token = {}, bool gzip = false) {
    grpc::ChannelArguments arguments;
    arguments.SetMaxSendMessageSize(64 * 1024 * 1024);
    auto channel =
        grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), arguments);
    auto stub = opentelemetry::proto::collector::trace::v1::TraceService::NewStub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!token.empty()) {
        context.AddMetadata("authorization", "Bearer " + token);
    }
    if (gzip) {
        context.set_compression_algorithm(GRPC_COMPRESS_GZIP);
    }
    OtlpCall call;
    call.status = stub->Export(&context, request, &call.response);
    return call;
}

// The Export method called with `bytes` as the request message, as a broken exporter would.
inline grpc::Status otlpExportRaw(const std::string &address, const std::string &bytes,
                                  const std::string &token = {}) {
    auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
    grpc::GenericStub stub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!token.empty()) {
        context.AddMetadata("authorization", "Bearer " + token);
    }
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer response;
    std::promise<grpc::Status> done;
    stub.UnaryCall(&context, "/opentelemetry.proto.collector.trace.v1.TraceService/Export", {},
                   &request, &response, [&](grpc::Status status) { done.set_value(status); });
    return done.get_future().get();
}

inline std::string gzipped(const std::string &data) {
    z_stream stream{};
    deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    std::string out(deflateBound(&stream, static_cast<uLong>(data.size())) + 32, '\0');
    stream.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(data.data()));
    stream.avail_in = static_cast<uInt>(data.size());
    stream.next_out = reinterpret_cast<Bytef *>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    deflate(&stream, Z_FINISH);
    out.resize(stream.total_out);
    deflateEnd(&stream);
    return out;
}

// The value of the sample `series` (name with its labels exactly as exposed) in a /metrics body;
// -1 when absent.
inline double metricValue(const std::string &body, const std::string &series) {
    std::istringstream lines(body);
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind(series + " ", 0) == 0) {
            return std::stod(line.substr(series.size() + 1));
        }
    }
    return -1;
}

} // namespace aegis::testing
