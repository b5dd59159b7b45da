// The OTLP receivers of a real aegisd over loopback: OTLP/gRPC Export and OTLP/HTTP POST
// /v1/traces answer malformed, oversize, partial and unauthenticated exports as the OTLP
// specification says; gzip is accepted on both; the sampling policy item is validated by the
// configuration center and applied without a restart; tracing.enabled false serves neither.

#include "aegis/v1/config.grpc.pb.h"
#include "aegis/v1/tracing.grpc.pb.h"
#include "api_test_helpers.h"
#include "daemon_process.h"
#include "http_get.h"
#include "otlp_test_client.h"
#include "otlp_test_spans.h"
#include "poll_until.h"

#include <QtTest>

#include <fstream>

using namespace aegis;
using namespace aegis::testing;
namespace v1 = aegis::v1;
namespace otlp = opentelemetry::proto;

namespace {

constexpr const char *kToken = "otlp-s3cret";

std::string bad(std::string name) {
    auto span = makeSpan(42, 7, std::move(name));
    span.set_end_time_unix_nano(span.start_time_unix_nano() - 5);
    return span.SerializeAsString();
}

otlp::trace::v1::Span badSpan() {
    otlp::trace::v1::Span span;
    span.ParseFromString(bad("broken"));
    return span;
}

std::string header(const HttpAnswer &answer, const std::string &name) {
    std::istringstream lines(answer.headers);
    for (std::string line; std::getline(lines, line);) {
        if (line.size() > name.size() + 1 &&
            QString::fromStdString(line.substr(0, name.size() + 1))
                    .compare(QString::fromStdString(name + ":"), Qt::CaseInsensitive) == 0) {
            std::string value = line.substr(name.size() + 1);
            while (!value.empty() && (value.front() == ' ')) {
                value.erase(0, 1);
            }
            while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) {
                value.pop_back();
            }
            return value;
        }
    }
    return {};
}

// The google.rpc.Status message of an error body.
std::string statusMessage(const std::string &body) {
    // Field 2 (message) of google.rpc.Status, read with the generated Span's twin layout: a
    // KeyValue's key is field 1, so parse it by hand.
    google::protobuf::io::CodedInputStream in(reinterpret_cast<const std::uint8_t *>(body.data()),
                                              static_cast<int>(body.size()));
    for (std::uint32_t tag; (tag = in.ReadTag()) != 0;) {
        if (tag == ((2 << 3) | 2)) {
            std::string message;
            std::uint32_t length = 0;
            in.ReadVarint32(&length);
            in.ReadString(&message, static_cast<int>(length));
            return message;
        }
        if (!google::protobuf::internal::WireFormatLite::SkipField(&in, tag)) {
            break;
        }
    }
    return {};
}

} // namespace

class TestOtlpReceiver : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        std::ofstream(m_dir.path() / "otlp.token") << kToken << "\n";
        std::ofstream(m_dir.path() / "aegisd.yaml")
            << "tracing:\n"
            << "  bearer_token_file: " << (m_dir.path() / "otlp.token").string() << "\n"
            << "  limits:\n"
            << "    max_request_bytes: 65536\n"
            << "    max_spans_per_request: 50\n"
            << "    max_attributes: 8\n";
        DaemonOptions options;
        options.extraArgs = {"--config", (m_dir.path() / "aegisd.yaml").string()};
        auto daemon = DaemonProcess::start(options);
        QVERIFY2(daemon, daemon.status().toString().c_str());
        m_daemon = std::move(*daemon);
        QVERIFY(!m_daemon->otlpAddress().empty());
        const auto log = [&] {
            std::ifstream in(m_daemon->logFile());
            return std::string(std::istreambuf_iterator<char>(in), {});
        }();
        QVERIFY2(log.find("\"otlp\":\"" + m_daemon->otlpAddress() + "\"") != std::string::npos,
                 log.c_str());
    }

    void grpcAcceptsAValidExport() {
        const auto call =
            otlpExport(m_daemon->otlpAddress(),
                       makeExport("checkout", {makeSpan(1, 1), makeSpan(1, 2)}), kToken);
        QVERIFY2(call.status.ok(), call.status.error_message().c_str());
        QVERIFY(!call.response.has_partial_success());
    }

    void grpcAnswersPartialSuccess() {
        const auto call = otlpExport(m_daemon->otlpAddress(),
                                     makeExport("checkout", {makeSpan(2, 1), badSpan()}), kToken);
        QVERIFY2(call.status.ok(), call.status.error_message().c_str());
        QCOMPARE(call.response.partial_success().rejected_spans(), std::int64_t{1});
        const auto &message = call.response.partial_success().error_message();
        QVERIFY2(message.find("('broken' of checkout): end_time_unix_nano") != std::string::npos,
                 message.c_str());
    }

    void grpcRefusesWithoutTheToken() {
        const auto request = makeExport("checkout", {makeSpan(3, 1)});
        QCOMPARE(otlpExport(m_daemon->otlpAddress(), request).status.error_code(),
                 grpc::StatusCode::UNAUTHENTICATED);
        QCOMPARE(otlpExport(m_daemon->otlpAddress(), request, "wrong").status.error_code(),
                 grpc::StatusCode::UNAUTHENTICATED);
    }

    void grpcRefusesMalformedAndOversize() {
        // Unauthenticated is checked first; a token-less malformed call says so.
        QCOMPARE(otlpExportRaw(m_daemon->otlpAddress(), "\x0a\xff\xff").error_code(),
                 grpc::StatusCode::UNAUTHENTICATED);
        const auto malformed = otlpExportRaw(m_daemon->otlpAddress(), "\x0a\xff\xff", kToken);
        QCOMPARE(malformed.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
        QVERIFY(malformed.error_message().find("not a protobuf ExportTraceServiceRequest") !=
                std::string::npos);

        auto big = makeSpan(4, 1);
        big.mutable_attributes(0)->mutable_value()->set_string_value(std::string(70000, 'x'));
        const auto oversize =
            otlpExport(m_daemon->otlpAddress(), makeExport("checkout", {big}), kToken);
        // Not retryable: RESOURCE_EXHAUSTED without RetryInfo.
        QCOMPARE(oversize.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);

        auto many = makeExport("checkout", {});
        for (int i = 1; i <= 51; ++i) {
            *many.mutable_resource_spans(0)->mutable_scope_spans(0)->add_spans() =
                makeSpan(5, static_cast<std::uint64_t>(i));
        }
        const auto tooMany = otlpExport(m_daemon->otlpAddress(), many, kToken);
        QCOMPARE(tooMany.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
        QVERIFY(tooMany.status.error_message().find("51; the limit is 50") != std::string::npos);
    }

    void grpcAcceptsGzip() {
        const auto call = otlpExport(m_daemon->otlpAddress(),
                                     makeExport("checkout", {makeSpan(6, 1)}), kToken, true);
        QVERIFY2(call.status.ok(), call.status.error_message().c_str());
        QVERIFY(metric("aegis_tracing_exports_total{code=\"OK\",protocol=\"grpc\"}") >= 2);
    }

    void httpAnswersAsTheSpecSays() {
        const std::string http = m_daemon->httpAddress();
        const std::string auth = std::string("Authorization: Bearer ") + kToken;
        const std::string type = "Content-Type: application/x-protobuf";
        const auto valid = makeExport("checkout", {makeSpan(7, 1), badSpan()}).SerializeAsString();

        auto answer = httpPost(http, "/v1/traces", valid, {auth, type});
        QCOMPARE(answer.status, 200);
        QCOMPARE(header(answer, "Content-Type"), std::string("application/x-protobuf"));
        otlp::collector::trace::v1::ExportTraceServiceResponse response;
        QVERIFY(response.ParseFromString(answer.body));
        QCOMPARE(response.partial_success().rejected_spans(), std::int64_t{1});

        const auto whole = makeExport("checkout", {makeSpan(7, 2)}).SerializeAsString();
        answer = httpPost(http, "/v1/traces", whole, {auth, type});
        QCOMPARE(answer.status, 200);
        QVERIFY(response.ParseFromString(answer.body));
        QVERIFY(!response.has_partial_success());

        answer =
            httpPost(http, "/v1/traces", gzipped(whole), {auth, type, "Content-Encoding: gzip"});
        QCOMPARE(answer.status, 200);

        answer = httpPost(http, "/v1/traces", whole, {type});
        QCOMPARE(answer.status, 401);
        QVERIFY(statusMessage(answer.body).find("Bearer") != std::string::npos);

        answer = httpPost(http, "/v1/traces", "{}", {auth, "Content-Type: application/json"});
        QCOMPARE(answer.status, 415);
        QCOMPARE(header(answer, "Content-Type"), std::string("application/x-protobuf"));
        QVERIFY(statusMessage(answer.body).find("application/x-protobuf") != std::string::npos);

        answer = httpPost(http, "/v1/traces", whole, {auth, type, "Content-Encoding: br"});
        QCOMPARE(answer.status, 415);

        answer = httpPost(http, "/v1/traces", "\x0a\xff\xff", {auth, type});
        QCOMPARE(answer.status, 400);
        QVERIFY(statusMessage(answer.body).find("ExportTraceServiceRequest") != std::string::npos);

        answer = httpPost(http, "/v1/traces", "garbage", {auth, type, "Content-Encoding: gzip"});
        QCOMPARE(answer.status, 400);

        // Over the limit as sent, and only once decompressed.
        answer = httpPost(http, "/v1/traces", std::string(70000, 'x'), {auth, type});
        QCOMPARE(answer.status, 413);
        QVERIFY(statusMessage(answer.body).find("max_request_bytes") != std::string::npos);
        auto big = makeSpan(8, 1);
        big.mutable_attributes(0)->mutable_value()->set_string_value(std::string(200000, 'x'));
        const auto bomb = gzipped(makeExport("checkout", {big}).SerializeAsString());
        QVERIFY(bomb.size() < 65536);
        answer = httpPost(http, "/v1/traces", bomb, {auth, type, "Content-Encoding: gzip"});
        QCOMPARE(answer.status, 413);

        auto many = makeExport("checkout", {});
        for (int i = 1; i <= 51; ++i) {
            *many.mutable_resource_spans(0)->mutable_scope_spans(0)->add_spans() =
                makeSpan(9, static_cast<std::uint64_t>(i));
        }
        answer = httpPost(http, "/v1/traces", many.SerializeAsString(), {auth, type});
        QCOMPARE(answer.status, 400);

        QCOMPARE(httpGet(http, "/v1/traces").status, 405);
        // The GET routes are as they were.
        QCOMPARE(httpGet(http, "/healthz").status, 200);
        QCOMPARE(httpPost(http, "/healthz", "x").status, 405);
        QCOMPARE(httpPost(http, "/nowhere", "x").status, 404);
    }

    // The bearer token is checked once the headers are read: an unauthenticated POST is refused
    // at once, its body never read (here never sent), whatever length it declares.
    void httpRefusesWithoutTheTokenBeforeTheBody() {
        const std::string type = "Content-Type: application/x-protobuf";
        for (const std::string length : {"60000", "8388608"}) {
            const auto answer =
                httpPost(m_daemon->httpAddress(), "/v1/traces", {},
                         {type, "Content-Length: " + length}, std::chrono::seconds(3));
            QCOMPARE(answer.status, 401);
            QCOMPARE(header(answer, "WWW-Authenticate"), std::string("Bearer realm=\"aegisd\""));
        }
    }

    // Refused when invalid (naming the field), applied at once when valid.
    void samplingPolicyIsValidatedAndAppliedHot() {
        auto config =
            v1::ConfigService::NewStub(channelFor(m_daemon->grpcAddress(), m_daemon->adminToken()));
        auto publish = [&](const std::string &content, std::int64_t base,
                           v1::PublishConfigResponse *response) {
            v1::PublishConfigRequest request;
            auto *change = request.mutable_change();
            change->mutable_ref()->set_namespace_("aegis-tracing");
            change->mutable_ref()->set_group("sampling");
            change->mutable_ref()->set_key("policy");
            change->set_format(v1::CONFIG_FORMAT_YAML);
            change->set_content(content);
            change->set_base_version(base);
            request.set_comment("sampling");
            grpc::ClientContext context;
            context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
            return config->PublishConfig(&context, request, response);
        };
        v1::PublishConfigResponse response;
        auto refused = publish("head:\n  ratio: 2\n", 0, &response);
        QCOMPARE(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
        QVERIFY2(refused.error_message().find("head.ratio: '2' is not a ratio") !=
                     std::string::npos,
                 refused.error_message().c_str());

        const double before = metric("aegis_tracing_spans_sampled_out_total");
        QVERIFY(publish("head:\n  ratio: 1\n  services:\n    noisy: 0\n", 0, &response).ok());
        m_policyVersion = response.item().version();
        QVERIFY(otlpExport(m_daemon->otlpAddress(),
                           makeExport("noisy", {makeSpan(10, 1), makeSpan(10, 2)}), kToken)
                    .status.ok());
        QCOMPARE(metric("aegis_tracing_spans_sampled_out_total"), before + 2);
        QVERIFY(
            otlpExport(m_daemon->otlpAddress(), makeExport("checkout", {makeSpan(11, 1)}), kToken)
                .status.ok());
        QCOMPARE(metric("aegis_tracing_spans_sampled_out_total"), before + 2);

        // A gray release of an invalid version is refused too.
        grpc::ClientContext context;
        v1::StartGrayReleaseRequest gray;
        gray.mutable_ref()->set_namespace_("aegis-tracing");
        gray.mutable_ref()->set_group("sampling");
        gray.mutable_ref()->set_key("policy");
        gray.set_content("tail:\n  keep_slowest_percent: 300\n");
        gray.set_base_version(response.item().version());
        gray.set_percent(10);
        gray.set_comment("gray");
        v1::StartGrayReleaseResponse grayResponse;
        const auto grayStatus = config->StartGrayRelease(&context, gray, &grayResponse);
        QCOMPARE(grayStatus.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
        QVERIFY(grayStatus.error_message().find("tail.keep_slowest_percent") != std::string::npos);
    }

    // Durable first: with tail rules every span is stored; after the decision wait the traces no
    // rule keeps (here: head ratio 0, so all but the one with an error) are deleted.
    void tailSamplingDeletesWhatNoRuleKeeps() {
        auto config =
            v1::ConfigService::NewStub(channelFor(m_daemon->grpcAddress(), m_daemon->adminToken()));
        v1::PublishConfigRequest request;
        auto *change = request.mutable_change();
        change->mutable_ref()->set_namespace_("aegis-tracing");
        change->mutable_ref()->set_group("sampling");
        change->mutable_ref()->set_key("policy");
        change->set_content("head:\n  ratio: 0\ntail:\n  keep_errors: true\n"
                            "  decision_wait: 1s\n");
        change->set_base_version(m_policyVersion);
        request.set_comment("tail sampling");
        v1::PublishConfigResponse response;
        {
            grpc::ClientContext context;
            const auto published = config->PublishConfig(&context, request, &response);
            QVERIFY2(published.ok(), published.error_message().c_str());
        }
        auto failed = makeSpan(20, 1);
        failed.mutable_status()->set_code(otlp::trace::v1::Status::STATUS_CODE_ERROR);
        const auto call = otlpExport(m_daemon->otlpAddress(),
                                     makeExport("checkout", {failed, makeSpan(21, 1)}), kToken);
        QVERIFY2(call.status.ok(), call.status.error_message().c_str());

        auto traces =
            v1::TraceService::NewStub(channelFor(m_daemon->grpcAddress(), m_daemon->adminToken()));
        auto get = [&](const std::string &traceBytes) {
            v1::GetTraceRequest get;
            static constexpr char kDigits[] = "0123456789abcdef";
            std::string hex;
            for (const char c : traceBytes) {
                hex += kDigits[static_cast<unsigned char>(c) >> 4];
                hex += kDigits[static_cast<unsigned char>(c) & 0xf];
            }
            get.set_trace_id(hex);
            v1::GetTraceResponse answer;
            grpc::ClientContext context;
            return traces->GetTrace(&context, get, &answer).error_code();
        };
        // Both are stored (and answered) before the decision.
        QCOMPARE(get(failed.trace_id()), grpc::StatusCode::OK);
        QCOMPARE(get(makeSpan(21, 1).trace_id()), grpc::StatusCode::OK);
        QVERIFY(pollUntil(
            [&] { return get(makeSpan(21, 1).trace_id()) == grpc::StatusCode::NOT_FOUND; }));
        QCOMPARE(get(failed.trace_id()), grpc::StatusCode::OK);
        QVERIFY(metric("aegis_tracing_tail_traces_total{decision=\"deleted\"}") >= 1);
    }

    // Beyond tracing.limits.max_in_flight_bytes both receivers answer the retryable "busy"; an
    // export within it is taken.
    void busyBeyondTheBytesInFlight() {
        TempDir dir;
        std::ofstream(dir.path() / "aegisd.yaml")
            << "tracing:\n  limits:\n    max_in_flight_bytes: 1024\n";
        DaemonOptions options;
        options.extraArgs = {"--config", (dir.path() / "aegisd.yaml").string()};
        auto daemon = DaemonProcess::start(options);
        QVERIFY2(daemon, daemon.status().toString().c_str());
        auto big = makeSpan(9, 1);
        big.mutable_attributes(0)->mutable_value()->set_string_value(std::string(2000, 'x'));
        const auto large = makeExport("checkout", {big});
        const auto call = otlpExport((*daemon)->otlpAddress(), large);
        QCOMPARE(call.status.error_code(), grpc::StatusCode::UNAVAILABLE);
        QVERIFY2(call.status.error_message().find("max_in_flight_bytes") != std::string::npos,
                 call.status.error_message().c_str());
        const auto answer =
            httpPost((*daemon)->httpAddress(), "/v1/traces", large.SerializeAsString(),
                     {"Content-Type: application/x-protobuf"});
        QCOMPARE(answer.status, 503);
        QCOMPARE(header(answer, "Retry-After"), std::string("1"));
        QVERIFY(otlpExport((*daemon)->otlpAddress(), makeExport("checkout", {makeSpan(9, 2)}))
                    .status.ok());
    }

    void tracingOffServesNeither() {
        TempDir dir;
        std::ofstream(dir.path() / "aegisd.yaml") << "tracing:\n  enabled: false\n";
        DaemonOptions options;
        options.extraArgs = {"--config", (dir.path() / "aegisd.yaml").string()};
        auto daemon = DaemonProcess::start(options);
        QVERIFY2(daemon, daemon.status().toString().c_str());
        QVERIFY((*daemon)->otlpAddress().empty());
        const auto answer = httpPost((*daemon)->httpAddress(), "/v1/traces",
                                     makeExport("checkout", {makeSpan(1, 1)}).SerializeAsString(),
                                     {"Content-Type: application/x-protobuf"});
        QCOMPARE(answer.status, 404);
    }

private:
    double metric(const std::string &series) const {
        return metricValue(httpGet(m_daemon->httpAddress(), "/metrics").body, series);
    }

    TempDir m_dir;
    std::unique_ptr<DaemonProcess> m_daemon;
    std::int64_t m_policyVersion = 0;
};

QTEST_GUILESS_MAIN(TestOtlpReceiver)
#include "tst_otlp_receiver.moc"
