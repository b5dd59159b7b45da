#include "client/otlp_exporter.h"

#include "client/backoff.h"
#include "client/grpc_status.h"

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/tls_certificate_verifier.h>
#include <grpcpp/security/tls_credentials_options.h>

#include <fstream>
#include <sstream>

namespace aegis::client {
namespace {

namespace collector = opentelemetry::proto::collector::trace::v1;

struct Target {
    std::string address;
    bool tls = true;
};

// "http://host:port[/path]", "https://host:port[/path]" or "host:port"; the path is ignored
// (OTLP/gRPC has none).
StatusOr<Target> parseEndpoint(const std::string &endpoint, bool insecure) {
    Target target;
    std::string_view rest = endpoint;
    if (rest.starts_with("http://")) {
        target.tls = false;
        rest.remove_prefix(7);
    } else if (rest.starts_with("https://")) {
        rest.remove_prefix(8);
    } else if (rest.find("://") != std::string_view::npos) {
        return invalidArgument("endpoint: expected http://HOST:PORT, https://HOST:PORT or "
                               "HOST:PORT, got '" +
                               endpoint + "'");
    } else {
        target.tls = !insecure;
    }
    rest = rest.substr(0, rest.find('/'));
    if (rest.empty()) {
        return invalidArgument("endpoint: no host in '" + endpoint + "'");
    }
    target.address = std::string(rest);
    return target;
}

} // namespace

Status validateExporterOptions(const OtlpExporterOptions &options) {
    if (auto target = parseEndpoint(options.endpoint, options.insecure); !target) {
        return target.status();
    }
    if (options.maxQueueSize < 1) {
        return invalidArgument("max_queue_size must be positive");
    }
    if (options.maxExportBatchSize < 1 || options.maxExportBatchSize > options.maxQueueSize) {
        return invalidArgument("max_export_batch_size must be between 1 and max_queue_size (" +
                               std::to_string(options.maxQueueSize) + ")");
    }
    if (options.scheduleDelay.count() < 1) {
        return invalidArgument("schedule_delay must be at least 1ms");
    }
    if (options.exportTimeout.count() < 1 || options.callTimeout.count() < 1) {
        return invalidArgument("export_timeout and the call timeout must be at least 1ms");
    }
    return Status::ok();
}

StatusOr<BatchSpanExporterPtr> BatchSpanExporter::create(OtlpExporterOptions options) {
    if (Status valid = validateExporterOptions(options); !valid.isOk()) {
        return valid;
    }
    const auto target = parseEndpoint(options.endpoint, options.insecure);
    std::shared_ptr<grpc::ChannelCredentials> credentials;
    if (target->tls && options.skipServerVerification) {
        grpc::experimental::TlsChannelCredentialsOptions tls;
        tls.set_verify_server_certs(false);
        tls.set_check_call_host(false);
        tls.set_certificate_verifier(
            std::make_shared<grpc::experimental::NoOpCertificateVerifier>());
        credentials = grpc::experimental::TlsCredentials(tls);
    } else if (target->tls) {
        grpc::SslCredentialsOptions ssl;
        if (!options.certificateFile.empty()) {
            std::ifstream in(options.certificateFile, std::ios::binary);
            if (!in) {
                return invalidArgument("certificate: cannot read " + options.certificateFile);
            }
            std::ostringstream pem;
            pem << in.rdbuf();
            ssl.pem_root_certs = pem.str();
        }
        credentials = grpc::SslCredentials(ssl);
    } else {
        credentials = grpc::InsecureChannelCredentials();
    }
    grpc::ChannelArguments arguments;
    // A receiver that went away is retried soon after it comes back, not after minutes.
    arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
    auto channel = grpc::CreateCustomChannel(target->address, credentials, arguments);
    return BatchSpanExporterPtr(
        new BatchSpanExporter(std::move(channel), std::move(options), target->address));
}

StatusOr<BatchSpanExporterPtr> BatchSpanExporter::create(std::shared_ptr<grpc::Channel> channel,
                                                         OtlpExporterOptions options) {
    if (Status valid = validateExporterOptions(options); !valid.isOk()) {
        return valid;
    }
    std::string target = parseEndpoint(options.endpoint, options.insecure)->address;
    return BatchSpanExporterPtr(
        new BatchSpanExporter(std::move(channel), std::move(options), std::move(target)));
}

BatchSpanExporter::BatchSpanExporter(std::shared_ptr<grpc::Channel> channel,
                                     OtlpExporterOptions options, std::string target)
    : m_options(std::move(options))
    , m_target(std::move(target))
    , m_channel(std::move(channel))
    , m_stub(collector::TraceService::NewStub(m_channel))
    , m_thread([this] { run(); }) {}

BatchSpanExporter::~BatchSpanExporter() {
    shutdown(m_options.exportTimeout);
}

void BatchSpanExporter::onEnd(opentelemetry::proto::trace::v1::Span span) {
    std::lock_guard lock(m_mutex);
    if (m_stopping || static_cast<int>(m_queue.size()) >= m_options.maxQueueSize) {
        ++m_stats.dropped;
        return;
    }
    m_queue.push_back(std::move(span));
    ++m_accepted;
    if (static_cast<int>(m_queue.size()) >= m_options.maxExportBatchSize) {
        m_wake.notify_all();
    }
}

bool BatchSpanExporter::forceFlush(std::chrono::milliseconds timeout) {
    std::unique_lock lock(m_mutex);
    const std::int64_t target = m_accepted;
    m_flushTarget = std::max(m_flushTarget, target);
    m_wake.notify_all();
    return m_progress.wait_for(lock, timeout, [&] { return m_settled >= target; });
}

void BatchSpanExporter::shutdown(std::chrono::milliseconds timeout) {
    {
        std::unique_lock lock(m_mutex);
        if (!m_stopping) {
            m_stopping = true;
            m_shutdownDeadline = std::chrono::steady_clock::now() + timeout;
            m_wake.notify_all();
        }
        // What is still queued goes out until the deadline; then the call in flight is
        // cancelled, so shutdown never outlasts `timeout` by more than a cancellation.
        if (!m_progress.wait_until(lock, m_shutdownDeadline,
                                   [&] { return m_settled >= m_accepted; }) &&
            m_inFlight) {
            m_inFlight->TryCancel();
        }
    }
    if (m_thread.joinable()) {
        m_thread.join();
    }
}

BatchSpanExporter::Stats BatchSpanExporter::stats() const {
    std::lock_guard lock(m_mutex);
    Stats stats = m_stats;
    stats.queued = static_cast<std::int64_t>(m_queue.size());
    return stats;
}

void BatchSpanExporter::run() {
    std::unique_lock lock(m_mutex);
    auto nextExport = std::chrono::steady_clock::now() + m_options.scheduleDelay;
    while (true) {
        m_wake.wait_until(lock, nextExport, [&] {
            return m_stopping || static_cast<int>(m_queue.size()) >= m_options.maxExportBatchSize ||
                   m_flushTarget > m_settled;
        });
        if (m_queue.empty()) {
            if (m_stopping) {
                break;
            }
            nextExport = std::chrono::steady_clock::now() + m_options.scheduleDelay;
            continue;
        }
        const auto now = std::chrono::steady_clock::now();
        const bool due = m_stopping || m_flushTarget > m_settled || now >= nextExport ||
                         static_cast<int>(m_queue.size()) >= m_options.maxExportBatchSize;
        if (!due) {
            continue;
        }
        std::deque<opentelemetry::proto::trace::v1::Span> batch;
        while (!m_queue.empty() && static_cast<int>(batch.size()) < m_options.maxExportBatchSize) {
            batch.push_back(std::move(m_queue.front()));
            m_queue.pop_front();
        }
        auto deadline = now + m_options.exportTimeout;
        if (m_stopping) {
            deadline = std::min(deadline, m_shutdownDeadline);
        }
        const auto count = static_cast<std::int64_t>(batch.size());
        lock.unlock();
        exportBatch(std::move(batch), deadline);
        lock.lock();
        m_settled += count;
        m_progress.notify_all();
        if (m_queue.size() < static_cast<std::size_t>(m_options.maxExportBatchSize)) {
            nextExport = std::chrono::steady_clock::now() + m_options.scheduleDelay;
        }
    }
    // Whatever arrives after the last batch is dropped with the rest.
    m_stats.dropped += static_cast<std::int64_t>(m_queue.size());
    m_settled += static_cast<std::int64_t>(m_queue.size());
    m_queue.clear();
    m_progress.notify_all();
}

void BatchSpanExporter::exportBatch(std::deque<opentelemetry::proto::trace::v1::Span> batch,
                                    std::chrono::steady_clock::time_point deadline) {
    collector::ExportTraceServiceRequest request;
    auto *resourceSpans = request.add_resource_spans();
    *resourceSpans->mutable_resource() = m_options.resource;
    auto *scopeSpans = resourceSpans->add_scope_spans();
    scopeSpans->mutable_scope()->set_name(m_options.scopeName);
    scopeSpans->mutable_scope()->set_version(m_options.scopeVersion);
    const auto count = static_cast<std::int64_t>(batch.size());
    for (auto &span : batch) {
        *scopeSpans->add_spans() = std::move(span);
    }
    batch.clear();

    ExponentialBackoff backoff(
        {.initial = std::chrono::milliseconds(100), .max = std::chrono::milliseconds(5000)});
    while (true) {
        auto context = std::make_unique<grpc::ClientContext>();
        const auto left = deadline - std::chrono::steady_clock::now();
        context->set_deadline(
            std::chrono::system_clock::now() +
            std::min<std::chrono::steady_clock::duration>(left, m_options.callTimeout));
        for (const auto &[key, value] : m_options.headers) {
            context->AddMetadata(key, value);
        }
        grpc::ClientContext *call = context.get();
        {
            std::lock_guard lock(m_mutex);
            if (m_stopping && std::chrono::steady_clock::now() >= m_shutdownDeadline) {
                m_stats.failed += count;
                return;
            }
            m_inFlight = std::move(context);
        }
        collector::ExportTraceServiceResponse response;
        const grpc::Status status = m_stub->Export(call, request, &response);
        std::unique_lock lock(m_mutex);
        m_inFlight.reset();
        if (status.ok()) {
            const std::int64_t rejected =
                std::clamp<std::int64_t>(response.partial_success().rejected_spans(), 0, count);
            m_stats.rejected += rejected;
            m_stats.exported += count - rejected;
            return;
        }
        const auto delay = backoff.next();
        if (!isRetryableOtlpCode(status.error_code()) ||
            std::chrono::steady_clock::now() + delay >= deadline) {
            m_stats.failed += count;
            return;
        }
        // Waits for the retry unless shutdown's deadline comes first.
        m_wake.wait_for(lock, delay, [&] {
            return m_stopping && std::chrono::steady_clock::now() >= m_shutdownDeadline;
        });
    }
}

} // namespace aegis::client
