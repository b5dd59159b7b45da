#include "health/grpc_prober.h"

#include "validation/health_check_rules.h"

#include "common/input_text.h"

#include <boost/asio/post.hpp>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

namespace aegis::health {

namespace {

constexpr const char *kCheckMethod = "/grpc.health.v1.Health/Check";

void appendVarint(std::string &out, std::uint64_t value) {
    while (value >= 0x80) {
        out.push_back(static_cast<char>((value & 0x7f) | 0x80));
        value >>= 7;
    }
    out.push_back(static_cast<char>(value));
}

bool readVarint(const std::string &bytes, std::size_t &pos, std::uint64_t &value) {
    value = 0;
    for (int shift = 0; shift < 64 && pos < bytes.size(); shift += 7) {
        const auto byte = static_cast<unsigned char>(bytes[pos++]);
        value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0) {
            return true;
        }
    }
    return false;
}

const char *servingStatusName(int status) {
    switch (status) {
    case 0:
        return "UNKNOWN";
    case 1:
        return "SERVING";
    case 2:
        return "NOT_SERVING";
    case 3:
        return "SERVICE_UNKNOWN";
    default:
        return "unrecognised status";
    }
}

} // namespace

std::string encodeHealthCheckRequest(const std::string &service) {
    std::string out;
    if (!service.empty()) {
        out.push_back(0x0a); // field 1, length-delimited
        appendVarint(out, service.size());
        out += service;
    }
    return out;
}

int decodeHealthCheckStatus(const std::string &bytes) {
    int status = 0; // proto3 default when the field is absent
    std::size_t pos = 0;
    while (pos < bytes.size()) {
        std::uint64_t key = 0;
        if (!readVarint(bytes, pos, key)) {
            return -1;
        }
        const auto wireType = key & 7;
        std::uint64_t value = 0;
        if (wireType == 0) {
            if (!readVarint(bytes, pos, value)) {
                return -1;
            }
            if ((key >> 3) == 1) {
                status = static_cast<int>(value);
            }
        } else if (wireType == 2) {
            if (!readVarint(bytes, pos, value) || value > bytes.size() - pos) {
                return -1;
            }
            pos += value;
        } else if (wireType == 5) {
            pos += 4;
        } else if (wireType == 1) {
            pos += 8;
        } else {
            return -1;
        }
    }
    return pos == bytes.size() ? status : -1;
}

struct GrpcProber::Call {
    grpc::ClientContext context;
    grpc::ByteBuffer response;
};

GrpcProber::GrpcProber(boost::asio::any_io_executor executor, const std::string &target,
                       std::string service)
    : m_executor(std::move(executor))
    , m_channel(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()))
    , m_stub(m_channel) {
    const std::string encoded = encodeHealthCheckRequest(service);
    grpc::Slice slice(encoded);
    m_request = grpc::ByteBuffer(&slice, 1);
}

void GrpcProber::probe(std::chrono::milliseconds timeout, ProbeCallback done) {
    auto call = std::make_shared<Call>();
    call->context.set_deadline(std::chrono::system_clock::now() + timeout);
    {
        std::lock_guard lock(m_mutex);
        m_inFlight = call;
    }
    m_stub.UnaryCall(
        &call->context, kCheckMethod, grpc::StubOptions(), &m_request, &call->response,
        [self = shared_from_this(), call, done = std::move(done)](grpc::Status status) mutable {
            ProbeResult result{HealthState::Critical, {}};
            if (!status.ok()) {
                result.output = std::string("grpc: ") +
                                (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED
                                     ? "timed out"
                                     : status.error_message()) +
                                " (code " + std::to_string(status.error_code()) + ")";
            } else {
                grpc::Slice slice;
                std::string bytes;
                if (call->response.DumpToSingleSlice(&slice).ok()) {
                    bytes.assign(reinterpret_cast<const char *>(slice.begin()), slice.size());
                }
                const int serving = decodeHealthCheckStatus(bytes);
                result.output = serving < 0 ? "malformed HealthCheckResponse"
                                            : std::string(servingStatusName(serving));
                if (serving == 1) {
                    result.status = HealthState::Passing;
                }
            }
            // gRPC completes on its own threads; results belong on the check's strand. The prober
            // and the call are released there too: the last reference to a channel must not drop
            // on a gRPC callback thread, where destroying it can tear down the completion queue
            // that very thread is still serving.
            auto executor = self->m_executor;
            boost::asio::post(
                executor, [self = std::move(self), call = std::move(call), done = std::move(done),
                           result = std::move(result)]() mutable { done(std::move(result)); });
        });
}

void GrpcProber::cancel() {
    std::lock_guard lock(m_mutex);
    if (auto call = m_inFlight.lock()) {
        call->context.TryCancel();
    }
}

namespace {

class GrpcProberFactory final : public ProberFactory {
public:
    const ExtensionDescription &describe() const override {
        static const ExtensionDescription description{
            ExtensionKind::HealthProber,
            "grpc",
            "gRPC health",
            "Calls grpc.health.v1.Health/Check; passes when the instance answers SERVING.",
            {
                {.name = "service",
                 .type = ParameterType::String,
                 .description = "the service name to ask about (empty: the whole server)",
                 .placeholder = "payments.v1.Payments"},
            }};
        return description;
    }
    StatusOr<ProberPtr> create(const ProbeSpec &spec, const ProberContext &context) const override {
        if (spec.host.empty() || spec.port == 0) {
            return invalidArgument("grpc check: host and a non-zero port are required");
        }
        if (const auto problems = validation::validateProbeOptions(describe(), spec.options);
            !problems.empty()) {
            return invalidArgument(problems.front().message);
        }
        const auto named = spec.options.find("service");
        std::string service = named == spec.options.end() ? std::string() : named->second;
        const bool ipv6 = spec.host.find(':') != std::string::npos;
        const std::string target =
            (ipv6 ? "[" + spec.host + "]" : spec.host) + ":" + std::to_string(spec.port);
        return ProberPtr(
            std::make_shared<GrpcProber>(context.executor, target, std::move(service)));
    }
};

} // namespace

ProberFactoryPtr makeGrpcProberFactory() {
    return std::make_unique<GrpcProberFactory>();
}

} // namespace aegis::health
