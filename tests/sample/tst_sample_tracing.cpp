// The demo's call chain, traced: three aegis-sample processes (checkout calling inventory and
// payments, found through a real aegisd) propagate W3C traceparent, so one request to checkout is
// ONE connected trace with spans of all three services in aegisd's span store (exported to its
// OTLP receiver, read back with TraceService.GetTrace); checkout's JSON request log carries the
// trace id; latency and errors injected through the config center show up in the spans.

#include "aegis/v1/auth.grpc.pb.h"
#include "aegis/v1/config.grpc.pb.h"
#include "aegis/v1/registry.grpc.pb.h"
#include "aegis/v1/tracing.grpc.pb.h"
#include "child_process.h"
#include "client/connection.h"
#include "client/trace_context.h"
#include "client/tracer.h"
#include "daemon_process.h"
#include "poll_until.h"
#include "sample/keep_alive_http_client.h"
#include "tracing/trace_ids.h"

#include <grpcpp/grpcpp.h>

#include <QtTest>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <map>

using namespace aegis;
using namespace std::chrono_literals;
namespace otlp = opentelemetry::proto;

namespace {

// One received span with the service of its resource.
struct ReceivedSpan {
    std::string service;
    std::string colour; // the resource's aegis.colour
    otlp::trace::v1::Span span;
};

// How the JSON request log names them (raw strings confuse moc inside QVERIFY).
const std::string kTraceIdField = "\"trace_id\":\"";
const std::string kSpanIdField = "\"span_id\":\"";

std::string bytesOf(const auto &id) {
    return std::string(id.begin(), id.end());
}

const otlp::common::v1::AnyValue *attribute(const otlp::trace::v1::Span &span,
                                            const std::string &key) {
    for (const auto &kv : span.attributes()) {
        if (kv.key() == key) {
            return &kv.value();
        }
    }
    return nullptr;
}

// The spans of one trace by service and kind.
struct Chain {
    const ReceivedSpan *checkoutServer = nullptr;
    std::vector<const ReceivedSpan *> checkoutClients;
    const ReceivedSpan *inventoryServer = nullptr;
    const ReceivedSpan *paymentsServer = nullptr;
};

Chain chainOf(const std::vector<ReceivedSpan> &spans) {
    Chain chain;
    for (const auto &received : spans) {
        const bool server = received.span.kind() == otlp::trace::v1::Span::SPAN_KIND_SERVER;
        if (received.service == "checkout") {
            if (server) {
                chain.checkoutServer = &received;
            } else {
                chain.checkoutClients.push_back(&received);
            }
        } else if (received.service == "inventory" && server) {
            chain.inventoryServer = &received;
        } else if (received.service == "payments" && server) {
            chain.paymentsServer = &received;
        }
    }
    return chain;
}

const ReceivedSpan *clientCalling(const Chain &chain, const std::string &service) {
    for (const auto *client : chain.checkoutClients) {
        const auto *peer = attribute(client->span, "peer.service");
        if (peer && peer->string_value() == service) {
            return client;
        }
    }
    return nullptr;
}

} // namespace

class SampleTracingTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void oneRequestIsOneConnectedTraceAcrossThreeServices();
    void aRequestWithoutTraceparentStartsATrace();
    void injectedErrorsShowUpInTheSpans();

private:
    std::shared_ptr<grpc::Channel> adminChannel() const;
    void startSample(const std::string &service, const std::vector<std::string> &extraArgs);
    std::string address(const std::string &service) const;
    // Sends "/" to checkout with a traceparent of a new sampled trace; returns its context.
    client::SpanContext callCheckout(int *status = nullptr);
    // The spans aegisd stored for the trace, with their resources' services.
    std::vector<ReceivedSpan> storedTrace(const tracing::TraceId &id) const;
    // Waits until the trace has the five spans of the chain.
    std::vector<ReceivedSpan> waitForChain(const tracing::TraceId &id);
    void publishBehaviour(const std::string &service, const std::string &content);

    testing::TempDir m_dir;
    std::unique_ptr<testing::DaemonProcess> m_daemon;
    std::filesystem::path m_tokenFile;
    std::map<std::string, std::unique_ptr<testing::ChildProcess>> m_samples;
};

std::shared_ptr<grpc::Channel> SampleTracingTest::adminChannel() const {
    return *client::makeChannel(m_daemon->adminConnection());
}

void SampleTracingTest::initTestCase() {
    auto daemon = testing::DaemonProcess::start();
    QVERIFY2(daemon, daemon.status().toString().c_str());
    m_daemon = std::move(*daemon);
    QVERIFY(!m_daemon->otlpAddress().empty());

    auto auth = aegis::v1::AuthService::NewStub(adminChannel());
    grpc::ClientContext context;
    client::setTimeout(context, 10s);
    aegis::v1::CreateTokenRequest request;
    request.set_name("chain-fleet");
    request.set_role(aegis::v1::ROLE_SERVICE);
    for (const char *service : {"checkout", "inventory", "payments"}) {
        request.add_services(service);
    }
    request.add_namespaces("demo");
    aegis::v1::CreateTokenResponse response;
    const grpc::Status status = auth->CreateToken(&context, request, &response);
    QVERIFY2(status.ok(), status.error_message().c_str());
    m_tokenFile = m_dir.path() / "service.token";
    std::ofstream(m_tokenFile) << response.secret() << "\n";

    // Spans leave each sample within 100 ms instead of the default 5 s.
    ::setenv("OTEL_BSP_SCHEDULE_DELAY", "100", 1);
    startSample("inventory", {"--latency", "2ms"});
    startSample("payments",
                {"--latency", "40ms", "--config", "demo/payments", "--request-log", "errors"});
    startSample("checkout", {"--latency", "1ms", "--calls", "inventory,payments"});
    ::unsetenv("OTEL_BSP_SCHEDULE_DELAY");

    // Checkout answers once it discovered both services it calls.
    sample::KeepAliveHttpClient http(5s);
    QVERIFY(testing::pollUntil(
        [&] {
            const auto checkout = address("checkout");
            return !checkout.empty() && http.get(checkout, "/").status == 200;
        },
        20s));
}

void SampleTracingTest::cleanupTestCase() {
    for (auto &[service, sample] : m_samples) {
        sample->signal(SIGTERM);
        QCOMPARE(sample->wait(15s), std::optional<int>(0));
    }
    if (m_daemon) {
        QCOMPARE(m_daemon->terminate(), 0);
    }
}

void SampleTracingTest::startSample(const std::string &service,
                                    const std::vector<std::string> &extraArgs) {
    std::vector<std::string> args = {AEGIS_SAMPLE_PATH,
                                     "--service",
                                     service,
                                     "--id",
                                     service + "-1",
                                     "--version",
                                     "2.0.0",
                                     "--color",
                                     "green",
                                     "--aegis",
                                     m_daemon->grpcAddress(),
                                     "--token-file",
                                     m_tokenFile.string(),
                                     "--otlp-endpoint",
                                     "http://" + m_daemon->otlpAddress(),
                                     "--ttl",
                                     "10s"};
    args.insert(args.end(), extraArgs.begin(), extraArgs.end());
    const auto log = m_dir.path() / (service + ".log");
    m_samples[service] = testing::ChildProcess::start(args, log, log);
    QVERIFY(m_samples[service]);
}

std::string SampleTracingTest::address(const std::string &service) const {
    auto stub = aegis::v1::RegistryService::NewStub(adminChannel());
    grpc::ClientContext context;
    client::setTimeout(context, 5s);
    aegis::v1::ListInstancesRequest request;
    request.set_service(service);
    aegis::v1::ListInstancesResponse response;
    if (!stub->ListInstances(&context, request, &response).ok() || response.instances().empty()) {
        return {};
    }
    return response.instances(0).address();
}

client::SpanContext SampleTracingTest::callCheckout(int *status) {
    client::SpanContext caller;
    caller.traceId = client::newTraceId();
    caller.spanId = client::newSpanId();
    caller.traceFlags = client::kTraceFlagSampled | client::kTraceFlagRandom;
    sample::KeepAliveHttpClient http(5s);
    const auto response =
        http.get(address("checkout"), "/",
                 {{"traceparent", client::formatTraceparent(caller)}, {"tracestate", "tester=1"}});
    if (status) {
        *status = response.status;
    }
    return caller;
}

std::vector<ReceivedSpan> SampleTracingTest::storedTrace(const tracing::TraceId &id) const {
    auto stub = aegis::v1::TraceService::NewStub(adminChannel());
    grpc::ClientContext context;
    client::setTimeout(context, 5s);
    aegis::v1::GetTraceRequest request;
    request.set_trace_id(tracing::toHex(id));
    request.set_view(aegis::v1::TRACE_VIEW_FULL);
    aegis::v1::GetTraceResponse response;
    std::vector<ReceivedSpan> spans;
    if (!stub->GetTrace(&context, request, &response).ok()) {
        return spans; // NOT_FOUND until its first span is stored
    }
    for (const auto &resource : response.spans().resource_spans()) {
        std::string service;
        std::string colour;
        for (const auto &kv : resource.resource().attributes()) {
            if (kv.key() == "service.name") {
                service = kv.value().string_value();
            } else if (kv.key() == "aegis.colour") {
                colour = kv.value().string_value();
            }
        }
        for (const auto &scope : resource.scope_spans()) {
            for (const auto &span : scope.spans()) {
                spans.push_back({service, colour, span});
            }
        }
    }
    return spans;
}

std::vector<ReceivedSpan> SampleTracingTest::waitForChain(const tracing::TraceId &id) {
    std::vector<ReceivedSpan> spans;
    testing::pollUntil(
        [&] {
            spans = storedTrace(id);
            return spans.size() >= 5;
        },
        10s);
    return spans;
}

void SampleTracingTest::publishBehaviour(const std::string &service, const std::string &content) {
    auto stub = aegis::v1::ConfigService::NewStub(adminChannel());
    aegis::v1::ConfigItemRef ref;
    ref.set_namespace_("demo");
    ref.set_group(service);
    ref.set_key("behaviour.json");
    std::int64_t current = 0;
    {
        aegis::v1::GetConfigItemRequest request;
        *request.mutable_ref() = ref;
        aegis::v1::GetConfigItemResponse response;
        grpc::ClientContext context;
        client::setTimeout(context, 5s);
        if (stub->GetConfigItem(&context, request, &response).ok()) {
            current = response.item().version();
        }
    }
    aegis::v1::PublishConfigRequest request;
    *request.mutable_change()->mutable_ref() = ref;
    request.mutable_change()->set_format(aegis::v1::CONFIG_FORMAT_JSON);
    request.mutable_change()->set_content(content);
    request.mutable_change()->set_base_version(current);
    request.set_comment("tst_sample_tracing");
    aegis::v1::PublishConfigResponse response;
    grpc::ClientContext context;
    client::setTimeout(context, 5s);
    const grpc::Status status = stub->PublishConfig(&context, request, &response);
    QVERIFY2(status.ok(), status.error_message().c_str());
}

void SampleTracingTest::oneRequestIsOneConnectedTraceAcrossThreeServices() {
    int status = 0;
    const auto caller = callCheckout(&status);
    QCOMPARE(status, 200);
    const auto spans = waitForChain(caller.traceId);
    QCOMPARE(spans.size(), std::size_t(5));
    const Chain chain = chainOf(spans);
    QVERIFY(chain.checkoutServer);
    QVERIFY(chain.inventoryServer);
    QVERIFY(chain.paymentsServer);
    QCOMPARE(chain.checkoutClients.size(), std::size_t(2));
    for (const auto &span : spans) {
        QCOMPARE(span.colour, std::string("green")); // every span can be split by release
    }
    const auto *toInventory = clientCalling(chain, "inventory");
    const auto *toPayments = clientCalling(chain, "payments");
    QVERIFY(toInventory && toPayments);

    // Parent and child across the three processes: caller -> checkout (server) -> two client
    // spans -> inventory and payments (server).
    const auto &checkout = chain.checkoutServer->span;
    QCOMPARE(checkout.parent_span_id(), bytesOf(caller.spanId));
    QCOMPARE(checkout.name(), std::string("GET /"));
    QCOMPARE(checkout.trace_state(), std::string("tester=1"));
    QCOMPARE(toInventory->span.parent_span_id(), checkout.span_id());
    QCOMPARE(toPayments->span.parent_span_id(), checkout.span_id());
    QCOMPARE(chain.inventoryServer->span.parent_span_id(), toInventory->span.span_id());
    QCOMPARE(chain.paymentsServer->span.parent_span_id(), toPayments->span.span_id());
    QCOMPARE(toInventory->span.kind(), otlp::trace::v1::Span::SPAN_KIND_CLIENT);
    QCOMPARE(attribute(toPayments->span, "http.response.status_code")->int_value(),
             std::int64_t(200));
    // Calls happen in order, within checkout's span.
    QVERIFY(toInventory->span.end_time_unix_nano() <= toPayments->span.start_time_unix_nano());
    QVERIFY(checkout.start_time_unix_nano() <= toInventory->span.start_time_unix_nano());
    QVERIFY(toPayments->span.end_time_unix_nano() <= checkout.end_time_unix_nano());

    // Payments' 40 ms latency lies inside its span, and inside checkout's call to it.
    const auto &payments = chain.paymentsServer->span;
    QVERIFY(payments.end_time_unix_nano() - payments.start_time_unix_nano() >= 40000000);
    QVERIFY(toPayments->span.end_time_unix_nano() - toPayments->span.start_time_unix_nano() >=
            40000000);
    QVERIFY(payments.events_size() >= 1);
    QCOMPARE(payments.events(0).name(), std::string("injected latency"));

    // Payments logs only its failed requests.
    QVERIFY(testing::readFile(m_dir.path() / "payments.log").find("\"msg\":\"request\"") ==
            std::string::npos);

    // Log and trace find each other: checkout's request log line names the trace and its span.
    const std::string traceHex = tracing::toHex(caller.traceId);
    const std::string spanHex = tracing::toHex(*tracing::spanIdFromBytes(checkout.span_id()));
    QVERIFY(testing::pollUntil([&] {
        const std::string log = testing::readFile(m_dir.path() / "checkout.log");
        return log.find(kTraceIdField + traceHex + "\"") != std::string::npos &&
               log.find(kSpanIdField + spanHex + "\"") != std::string::npos;
    }));
}

void SampleTracingTest::aRequestWithoutTraceparentStartsATrace() {
    sample::KeepAliveHttpClient http(5s);
    const auto response = http.get(address("checkout"), "/");
    QCOMPARE(response.status, 200);
    // The log line says which trace the request started.
    std::optional<tracing::TraceId> id;
    QVERIFY(testing::pollUntil([&] {
        const std::string log = testing::readFile(m_dir.path() / "checkout.log");
        const auto at = log.rfind(kTraceIdField);
        if (at == std::string::npos) {
            return false;
        }
        id = tracing::parseTraceId(log.substr(at + 12, 32));
        if (!id) {
            return false;
        }
        const auto spans = storedTrace(*id);
        const Chain chain = chainOf(spans);
        return chain.checkoutServer && chain.checkoutServer->span.parent_span_id().empty();
    }));
    QCOMPARE(waitForChain(*id).size(), std::size_t(5));
}

void SampleTracingTest::injectedErrorsShowUpInTheSpans() {
    publishBehaviour("payments", R"({"latency": "1ms", "error_rate": 1})");
    int status = 0;
    client::SpanContext caller;
    QVERIFY(testing::pollUntil([&] {
        caller = callCheckout(&status);
        return status == 502;
    }));
    const auto spans = waitForChain(caller.traceId);
    const Chain chain = chainOf(spans);
    QVERIFY(chain.paymentsServer && chain.checkoutServer);
    const auto *toPayments = clientCalling(chain, "payments");
    QVERIFY(toPayments);
    for (const auto *span : {chain.paymentsServer, toPayments, chain.checkoutServer}) {
        QCOMPARE(span->span.status().code(), otlp::trace::v1::Status::STATUS_CODE_ERROR);
    }
    QCOMPARE(chain.paymentsServer->span.status().message(), std::string("simulated failure"));
    QCOMPARE(attribute(chain.paymentsServer->span, "http.response.status_code")->int_value(),
             std::int64_t(500));
    QCOMPARE(attribute(chain.checkoutServer->span, "http.response.status_code")->int_value(),
             std::int64_t(502));
    // The failure's log line leads to its trace.
    QVERIFY(testing::pollUntil([&] {
        return testing::readFile(m_dir.path() / "payments.log")
                   .find(kTraceIdField + tracing::toHex(caller.traceId)) != std::string::npos;
    }));
    publishBehaviour("payments", R"({"latency": "40ms", "error_rate": 0})");
}

QTEST_MAIN(SampleTracingTest)
#include "tst_sample_tracing.moc"
