#include "tracing/otlp_forwarder.h"

#include "client/grpc_status.h"
#include "common/logging.h"

#include <algorithm>

#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

namespace aegis::tracing {
namespace {

using opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse;
using opentelemetry::proto::collector::trace::v1::TraceService;

} // namespace

class OtlpForwarder::Sender {
public:
    explicit Sender(const OtlpForwarderOptions &options) {
        std::shared_ptr<grpc::ChannelCredentials> credentials;
        if (options.caPem.empty()) {
            credentials = grpc::InsecureChannelCredentials();
        } else {
            grpc::SslCredentialsOptions ssl;
            ssl.pem_root_certs = options.caPem;
            credentials = grpc::SslCredentials(ssl);
        }
        grpc::ChannelArguments arguments;
        // Reconnect soon after the collector comes back rather than after gRPC's long backoff.
        arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS,
                         static_cast<int>(options.backoff.max.count()));
        m_stub = TraceService::NewStub(
            grpc::CreateCustomChannel(options.endpoint, credentials, arguments));
        m_authorization =
            options.bearerToken.empty() ? std::string() : "Bearer " + options.bearerToken;
        m_timeout = options.callTimeout;
    }

    grpc::Status send(const SpanBatch &batch, ExportTraceServiceResponse &response) {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + m_timeout);
        if (!m_authorization.empty()) {
            context.AddMetadata("authorization", m_authorization);
        }
        return m_stub->Export(&context, batch.request, &response);
    }

private:
    std::unique_ptr<TraceService::Stub> m_stub;
    std::string m_authorization;
    std::chrono::milliseconds m_timeout{};
};

OtlpForwarder::OtlpForwarder(OtlpForwarderOptions options)
    : m_options(std::move(options))
    , m_counters(m_options.metrics ? m_options.metrics->forwarder(m_options.endpoint)
                                   : TracingMetrics::Forwarder{})
    , m_sender(std::make_unique<Sender>(m_options)) {
    m_status.endpoint = m_options.endpoint;
    m_thread = std::thread([this] { run(); });
}

OtlpForwarder::~OtlpForwarder() {
    stop(std::chrono::steady_clock::now());
}

void OtlpForwarder::accept(SpanBatchPtr batch, std::function<void(Status)> done) {
    {
        std::lock_guard lock(m_mutex);
        if (!m_stopping) {
            m_queuedSpans += static_cast<std::int64_t>(batch->spanCount);
            m_queuedBytes += static_cast<std::int64_t>(batch->request.ByteSizeLong());
            m_queue.push_back(std::move(batch));
            // The oldest go first; the batch just queued stays unless it alone is too big.
            while ((m_queuedSpans > m_options.queueSpans || m_queuedBytes > m_options.queueBytes) &&
                   !m_queue.empty()) {
                const std::size_t spans = m_queue.front()->spanCount;
                m_queuedBytes -= static_cast<std::int64_t>(m_queue.front()->request.ByteSizeLong());
                m_queue.pop_front();
                m_queuedSpans -= static_cast<std::int64_t>(spans);
                drop(spans);
            }
            if (m_counters.queued) {
                m_counters.queued->Set(static_cast<double>(m_queuedSpans));
            }
        }
    }
    m_wake.notify_one();
    done(Status::ok());
}

void OtlpForwarder::drop(std::size_t spans) {
    m_status.spansDropped += spans;
    if (m_counters.dropped) {
        m_counters.dropped->Increment(static_cast<double>(spans));
    }
}

void OtlpForwarder::run() {
    ExponentialBackoff backoff(m_options.backoff);
    std::unique_lock lock(m_mutex);
    for (;;) {
        m_wake.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
        if (m_queue.empty() || std::chrono::steady_clock::now() >= m_stopDeadline) {
            if (m_stopping) {
                break;
            }
            continue;
        }
        // The front stays queued while it is sent, so a full queue drops it (not a newer batch)
        // and a retry sends it again.
        const SpanBatchPtr batch = m_queue.front();
        lock.unlock();
        ExportTraceServiceResponse response;
        const grpc::Status sent = m_sender->send(*batch, response);
        lock.lock();
        const bool stillFront = !m_queue.empty() && m_queue.front() == batch;
        if (sent.ok() || !client::isRetryableOtlpCode(sent.error_code())) {
            if (stillFront) {
                m_queue.pop_front();
                m_queuedSpans -= static_cast<std::int64_t>(batch->spanCount);
                m_queuedBytes -= static_cast<std::int64_t>(batch->request.ByteSizeLong());
            }
            std::size_t rejected = 0;
            if (sent.ok()) {
                m_status.connected = true;
                rejected = static_cast<std::size_t>(
                    std::clamp<std::int64_t>(response.partial_success().rejected_spans(), 0,
                                             static_cast<std::int64_t>(batch->spanCount)));
                m_status.spansSent += batch->spanCount - rejected;
                if (m_counters.sent) {
                    m_counters.sent->Increment(static_cast<double>(batch->spanCount - rejected));
                }
                m_status.lastError.clear();
                if (rejected > 0) {
                    m_status.lastError = "the collector rejected " + std::to_string(rejected) +
                                         " spans: " + response.partial_success().error_message();
                }
            } else {
                rejected = batch->spanCount;
                m_status.lastError =
                    "the collector refused a batch (not retryable): " + sent.error_message();
                log::warn("tracing: forwarding refused; batch dropped",
                          {{"endpoint", m_options.endpoint},
                           {"code", static_cast<int>(sent.error_code())},
                           {"error", sent.error_message()}});
            }
            if (rejected > 0 && stillFront) {
                drop(rejected);
            }
            backoff.reset();
        } else {
            if (m_status.connected || m_status.lastError.empty()) {
                log::warn("tracing: forwarding failed; retrying",
                          {{"endpoint", m_options.endpoint}, {"error", sent.error_message()}});
            }
            m_status.connected = false;
            m_status.lastError = sent.error_message();
            if (m_stopping) {
                // Shutting down with the collector unreachable: what is queued is dropped now
                // rather than holding the shutdown for the whole grace period.
                break;
            }
            m_wake.wait_for(lock, backoff.next(), [this] { return m_stopping; });
        }
        if (m_counters.queued) {
            m_counters.queued->Set(static_cast<double>(m_queuedSpans));
        }
    }
    for (const SpanBatchPtr &batch : m_queue) {
        drop(batch->spanCount);
    }
    m_queue.clear();
    m_queuedSpans = 0;
    m_queuedBytes = 0;
}

void OtlpForwarder::stop(std::chrono::steady_clock::time_point deadline) {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
        m_stopDeadline = std::min(m_stopDeadline, deadline);
    }
    m_wake.notify_all();
    if (m_thread.joinable()) {
        m_thread.join();
    }
}

ForwardingStatus OtlpForwarder::status() const {
    std::lock_guard lock(m_mutex);
    return m_status;
}

} // namespace aegis::tracing
