// The trace view against a real aegisd: spans of a three-service trace exported over OTLP/gRPC,
// then opened with TraceView::openTrace through the session (TracesApi): the tree and critical
// path from the daemon's timeline, a span's details fetched when selected, search over the
// attributes of the spans fetched in full.

#include "daemon_process.h"
#include "models/waterfall_model.h"
#include "net/session.h"
#include "poll_until.h"
#include "views/span_detail_pane.h"
#include "views/trace_view.h"
#include "views/waterfall_view.h"

#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"

#include <grpcpp/create_channel.h>

#include <QSignalSpy>
#include <QtTest>

using namespace aegis;
using namespace aegis::console;
using namespace std::chrono_literals;

namespace {

namespace otlp = opentelemetry::proto;

constexpr std::uint64_t kTraceHigh = 0x5b8efff798038103ULL;
constexpr std::uint64_t kTraceLow = 0xd269b633813fc60cULL;
const QString kTraceId = QStringLiteral("5b8efff798038103d269b633813fc60c");
constexpr std::uint64_t kStartNanos = 1764929763000000000ULL;
constexpr std::uint64_t kMs = 1000000;

std::string bigEndian(std::uint64_t value) {
    std::string bytes(8, '\0');
    for (int i = 0; i < 8; ++i) {
        bytes[std::size_t(7 - i)] = char((value >> (8 * i)) & 0xff);
    }
    return bytes;
}

QString hex16(std::uint64_t id) {
    return QStringLiteral("%1").arg(id, 16, 16, QLatin1Char('0'));
}

void addAttribute(google::protobuf::RepeatedPtrField<otlp::common::v1::KeyValue> *attributes,
                  const std::string &key, const std::string &value) {
    auto *attribute = attributes->Add();
    attribute->set_key(key);
    attribute->mutable_value()->set_string_value(value);
}

otlp::trace::v1::ScopeSpans *service(otlp::collector::trace::v1::ExportTraceServiceRequest &request,
                                     const std::string &name) {
    auto *resource = request.add_resource_spans();
    addAttribute(resource->mutable_resource()->mutable_attributes(), "service.name", name);
    addAttribute(resource->mutable_resource()->mutable_attributes(), "host.name", name + "-1");
    auto *scope = resource->add_scope_spans();
    scope->mutable_scope()->set_name("aegis-client");
    return scope;
}

otlp::trace::v1::Span *span(otlp::trace::v1::ScopeSpans *scope, std::uint64_t id,
                            std::uint64_t parent, const std::string &name, std::uint64_t startMs,
                            std::uint64_t durationMs) {
    auto *out = scope->add_spans();
    out->set_trace_id(bigEndian(kTraceHigh) + bigEndian(kTraceLow));
    out->set_span_id(bigEndian(id));
    if (parent != 0) {
        out->set_parent_span_id(bigEndian(parent));
    }
    out->set_name(name);
    out->set_kind(otlp::trace::v1::Span::SPAN_KIND_SERVER);
    out->set_start_time_unix_nano(kStartNanos + startMs * kMs);
    out->set_end_time_unix_nano(kStartNanos + (startMs + durationMs) * kMs);
    return out;
}

} // namespace

class TraceViewDaemonTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        auto daemon = testing::DaemonProcess::start();
        QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());
        m_daemon = std::move(*daemon);
        QVERIFY(!m_daemon->otlpAddress().empty());

        // checkout → inventory, then checkout → payments, which fails.
        otlp::collector::trace::v1::ExportTraceServiceRequest request;
        auto *checkout = service(request, "checkout");
        span(checkout, 0x11, 0, "POST /api/checkout", 0, 120);
        span(checkout, 0x12, 0x11, "GET inventory /reserve", 5, 40);
        span(checkout, 0x13, 0x11, "POST payments /charge", 50, 65);
        auto *inventory = service(request, "inventory");
        span(inventory, 0x21, 0x12, "GET /reserve", 6, 38);
        auto *payments = service(request, "payments");
        auto *charge = span(payments, 0x31, 0x13, "POST /charge", 51, 62);
        addAttribute(charge->mutable_attributes(), "error.type", "card_gateway_timeout");
        charge->mutable_status()->set_code(otlp::trace::v1::Status::STATUS_CODE_ERROR);
        charge->mutable_status()->set_message("card gateway timed out");
        auto *event = charge->add_events();
        event->set_name("exception");
        event->set_time_unix_nano(kStartNanos + 100 * kMs);
        span(payments, 0x32, 0x31, "POST card-gateway /authorize", 53, 58);

        auto channel =
            grpc::CreateChannel(m_daemon->otlpAddress(), grpc::InsecureChannelCredentials());
        auto stub = otlp::collector::trace::v1::TraceService::NewStub(channel);
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + 10s);
        otlp::collector::trace::v1::ExportTraceServiceResponse response;
        const grpc::Status status = stub->Export(&context, request, &response);
        QVERIFY2(status.ok(), status.error_message().c_str());
        QVERIFY(!response.has_partial_success() ||
                response.partial_success().rejected_spans() == 0);
    }

    void opensATraceFromTheDaemon() {
        SessionOptions options;
        options.callTimeout = 5s;
        Session session(options);
        ConnectionSettings settings;
        settings.address = QString::fromStdString(m_daemon->grpcAddress());
        settings.token = QString::fromStdString(m_daemon->adminToken());
        session.connectTo(settings);

        TraceView view(&session);
        view.resize(1280, 800);
        view.show();
        QSignalSpy shown(&view, &TraceView::traceShown);
        // The store commits in batches: open the trace until all six spans are there.
        QVERIFY(testing::pollUntil(
            [&] {
                if (shown.isEmpty() || view.model()->spanCount() < 6) {
                    shown.clear();
                    view.openTrace(kTraceId);
                    (void)QTest::qWaitFor([&] { return !shown.isEmpty(); }, 2000);
                }
                return view.model()->spanCount() == 6;
            },
            20s));
        WaterfallModel *model = view.model();
        QCOMPARE(view.traceId(), kTraceId);
        QCOMPARE(model->roots().size(), std::size_t(1));
        QCOMPARE(model->service(model->roots().front()), QStringLiteral("checkout"));
        QCOMPARE(model->maxDepth(), 3);
        QCOMPARE(model->serviceCount(), 3);
        const int charge = model->indexOf(0x31);
        QVERIFY(charge >= 0);
        QVERIFY(model->isError(charge));
        QCOMPARE(model->parent(charge), model->indexOf(0x13));
        // The payments call ended last: it and its callee are on the critical path.
        QVERIFY(model->isOnCriticalPath(model->indexOf(0x32)));
        QCOMPARE(model->criticalPath().back().endNanos, std::uint64_t(120 * kMs));

        // Selecting a span fetches it in full (or takes it from the full fetch of this small
        // trace): attributes, status, events and resource as the daemon stored them.
        QVERIFY(view.selectSpan(hex16(0x31)));
        QTRY_VERIFY_WITH_TIMEOUT(
            view.detailPane()->text().contains(QStringLiteral("card_gateway_timeout")), 10000);
        const QString text = view.detailPane()->text();
        for (const QString &part :
             {QStringLiteral("card gateway timed out"), QStringLiteral("exception"),
              QStringLiteral("payments-1"), QStringLiteral("aegis-client")}) {
            QVERIFY2(text.contains(part), qPrintable(text));
        }

        // The trace was fetched in full too, so attribute values are searched.
        view.setSearchText(QStringLiteral("card_gateway"));
        QTRY_COMPARE(model->matches().size(), std::size_t(1));
        QCOMPARE(view.selectedSpanId(), hex16(0x31));

        // An unknown trace says so in place of the waterfall.
        view.openTrace(QStringLiteral("0123456789abcdef0123456789abcdef"));
        QTRY_COMPARE(model->spanCount(), 0);
        session.shutdown();
    }

    void cleanupTestCase() { m_daemon.reset(); }

private:
    std::unique_ptr<testing::DaemonProcess> m_daemon;
};

QTEST_MAIN(TraceViewDaemonTest)
#include "tst_trace_view_daemon.moc"
