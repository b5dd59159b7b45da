#include "net/system_api.h"

#include "net/facade_support.h"

#include "client/connection.h"

#include <aegis/v1/auth.grpc.pb.h>
#include <aegis/v1/system.grpc.pb.h>

#include <chrono>

namespace aegis::console {

void SystemApi::getStatus(QObject *context, ResultHandler<DaemonStatus> done) {
    m_session->submit(
        context,
        [hub = m_session->hub(), done = std::move(done)](
            const std::shared_ptr<grpc::Channel> &channel, grpc::ClientContext *call,
            const CallError &noChannel) -> Session::Delivery {
            if (!channel) {
                return [done, noChannel] { done(CallResult<DaemonStatus>(noChannel)); };
            }
            auto stub = v1::SystemService::NewStub(channel);
            v1::GetStatusResponse response;
            const auto started = std::chrono::steady_clock::now();
            const grpc::Status status = stub->GetStatus(call, {}, &response);
            const auto elapsed = std::chrono::steady_clock::now() - started;
            if (!status.ok()) {
                CallError error = fromStatus(status);
                if (error.isUnreachable()) {
                    hub->invalidate(channel);
                }
                return [done, error] { done(CallResult<DaemonStatus>(error)); };
            }
            DaemonStatus result = fromProto(response);
            result.roundTripMs = static_cast<int>(
                std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count());
            result.receivedAt = QDateTime::currentDateTimeUtc();
            result.answeredBy = QString::fromStdString(client::peerAddress(call->peer()));
            return [done, result] { done(CallResult<DaemonStatus>(result)); };
        });
}

void SystemApi::whoAmI(QObject *context, ResultHandler<CallerIdentity> done) {
    callUnary(*m_session, v1::WhoAmIRequest{}, &v1::AuthService::Stub::WhoAmI, responseFromProto,
              context, std::move(done));
}

void SystemApi::listExtensions(QObject *context, ResultHandler<ExtensionCatalog> done) {
    callUnary(*m_session, v1::ListExtensionsRequest{}, &v1::SystemService::Stub::ListExtensions,
              responseFromProto, context, std::move(done));
}

} // namespace aegis::console
