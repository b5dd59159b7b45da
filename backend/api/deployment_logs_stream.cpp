#include "api/deployment_logs_stream.h"

#include "api/convert.h"
#include "api/permission_table.h"
#include "api/rpc_metrics.h"
#include "api/stream_end.h"
#include "rollout/deployment_log.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace aegis::api {
namespace {

namespace v1 = aegis::v1;
using rollout::DeploymentLogReader;

constexpr std::string_view kMethod = "/aegis.v1.RolloutService/DeploymentLogs";
// How much of the file one message carries at most (its lines are at most 16 KiB each).
constexpr std::size_t kChunkBytes = 256 * 1024;
constexpr std::size_t kMaxInstanceIdBytes = 128;

Status validate(const v1::DeploymentLogsRequest &request) {
    if (request.instance_id().empty() || request.instance_id().size() > kMaxInstanceIdBytes) {
        return invalidArgument("instance_id must be 1 to 128 bytes (got " +
                               std::to_string(request.instance_id().size()) + ")");
    }
    if (request.tail_lines() < 0 || request.tail_lines() > rollout::kMaxLogTailLines) {
        return invalidArgument("tail_lines must be 0 (the default, " +
                               std::to_string(rollout::kDefaultLogTailLines) + ") to " +
                               std::to_string(rollout::kMaxLogTailLines) + " (got " +
                               std::to_string(request.tail_lines()) + ")");
    }
    if (request.filter().size() > rollout::kMaxLogFilterBytes) {
        return invalidArgument("filter must be at most " +
                               std::to_string(rollout::kMaxLogFilterBytes) + " bytes (got " +
                               std::to_string(request.filter().size()) + ")");
    }
    return Status::ok();
}

class DeploymentLogsStream final : public grpc::ServerWriteReactor<v1::DeploymentLogsResponse> {
public:
    DeploymentLogsStream(ApiContext &api, const DeploymentLogSource &source,
                         grpc::CallbackServerContext *context,
                         const v1::DeploymentLogsRequest &request)
        : m_api(api)
        , m_rpc(api.metrics.openStream(std::string(kMethod)))
        , m_state(std::make_shared<State>(source.executor))
        , m_pollInterval(source.pollInterval)
        , m_follow(request.follow())
        , m_seekTail(request.tail_lines() == 0 ? rollout::kDefaultLogTailLines
                                               : request.tail_lines()) {
        m_rpc->received(); // the request
        m_state->stream = this;
        Caller caller;
        Status status = authorizeMethod(api, *context, kMethod, caller);
        if (status.isOk()) {
            status = validate(request);
        }
        std::optional<DeploymentLogReader> reader;
        if (status.isOk()) {
            auto path =
                rollout::deploymentLogPath(source.logDir, request.service(), request.instance_id());
            auto opened = path ? DeploymentLogReader::open(*path, request.filter())
                               : StatusOr<DeploymentLogReader>(path.status());
            status = opened.status();
            if (opened) {
                reader.emplace(std::move(*opened));
            }
        }
        if (status.isOk()) {
            m_closerId = addStateStream(api, m_state, caller);
        }
        std::lock_guard lock(m_state->mutex);
        if (!status.isOk()) {
            finishLocked(status);
            return;
        }
        m_state->reader = std::move(reader);
        readSoonLocked();
    }

    void OnWriteDone(bool ok) override {
        std::lock_guard lock(m_state->mutex);
        const std::optional<Status> pendingFinish = m_end.writeDone();
        if (ok) {
            m_rpc->sent();
        }
        if (pendingFinish) {
            finishLocked(*pendingFinish);
        } else if (!ok) {
            finishLocked(Status(StatusCode::Cancelled, "the client went away"));
        } else {
            readSoonLocked();
        }
    }

    void OnCancel() override {
        std::lock_guard lock(m_state->mutex);
        finishLocked(Status(StatusCode::Cancelled, "the call was cancelled"));
    }

    void OnDone() override {
        m_api.streams.remove(m_closerId);
        {
            std::lock_guard lock(m_state->mutex);
            m_state->stream = nullptr;
            m_state->timer.cancel();
        }
        delete this;
    }

private:
    // Registers the stream with the StreamCloser (calls finishLocked()).
    template <typename State>
    friend std::uint64_t api::addStateStream(ApiContext &, const std::shared_ptr<State> &,
                                             const Caller &);
    // Shared with the reads and the timer on the executor, which may run after the stream is
    // gone. Recursive because gRPC may run a reaction inline from StartWrite or Finish.
    struct State {
        explicit State(const boost::asio::any_io_executor &executor)
            : executor(executor)
            , timer(executor) {}
        std::recursive_mutex mutex;
        DeploymentLogsStream *stream = nullptr;
        boost::asio::any_io_executor executor;
        boost::asio::steady_timer timer;
        // Taken out by the read in progress, so the file is read without the lock.
        std::optional<DeploymentLogReader> reader;
    };

    // Reads the next chunk on the executor (the file I/O never runs on gRPC's threads).
    void readSoonLocked() {
        if (m_end.ending()) {
            return;
        }
        boost::asio::post(m_state->executor, [state = m_state] { readChunk(state); });
    }

    static void readChunk(const std::shared_ptr<State> &state) {
        std::optional<DeploymentLogReader> reader;
        int seekTail = -1;
        bool follow = false;
        {
            std::lock_guard lock(state->mutex);
            if (state->stream == nullptr || !state->reader) {
                return;
            }
            reader = std::exchange(state->reader, std::nullopt);
            // The tail is positioned once, by the first read.
            seekTail = std::exchange(state->stream->m_seekTail, -1);
            follow = state->stream->m_follow;
        }
        if (seekTail >= 0) {
            reader->seekTail(seekTail);
        }
        // Without follow the tail ends with the file's last line, newline or not.
        DeploymentLogReader::Chunk chunk = reader->read(kChunkBytes, !follow);
        std::lock_guard lock(state->mutex);
        state->reader = std::move(reader);
        if (state->stream != nullptr) {
            state->stream->readLocked(std::move(chunk));
        }
    }

    void readLocked(DeploymentLogReader::Chunk chunk) {
        if (m_end.ending()) {
            return;
        }
        v1::DeploymentLogsResponse message;
        for (auto &line : chunk.lines) {
            message.add_lines(std::move(line));
        }
        message.set_reset(chunk.reset);
        if (!m_tailDone && chunk.atEnd) {
            m_tailDone = true;
            message.set_end_of_tail(true);
        }
        if (message.lines_size() > 0 || message.end_of_tail() || message.reset()) {
            m_out = std::move(message);
            m_end.startWrite();
            StartWrite(&m_out);
            return; // OnWriteDone reads on
        }
        if (!chunk.atEnd) {
            return readSoonLocked(); // only lines the filter left out: read on
        }
        if (!m_follow) {
            return finishLocked(Status::ok());
        }
        m_state->timer.expires_after(m_pollInterval);
        m_state->timer.async_wait([state = m_state](const boost::system::error_code &error) {
            if (error) {
                return;
            }
            std::lock_guard lock(state->mutex);
            if (state->stream != nullptr) {
                state->stream->readSoonLocked();
            }
        });
    }

    void finishLocked(const Status &status) {
        if (!m_end.finishNow(status)) {
            return;
        }
        m_state->timer.cancel();
        m_rpc->finished(status.code());
        Finish(toGrpc(status));
    }

    ApiContext &m_api;
    const std::unique_ptr<RpcStreamMetrics> m_rpc;
    std::shared_ptr<State> m_state;
    std::uint64_t m_closerId = 0;
    const std::chrono::milliseconds m_pollInterval;
    const bool m_follow;

    // Under m_state->mutex.
    // How many lines the first read goes back; -1 once it did.
    int m_seekTail;
    bool m_tailDone = false;
    v1::DeploymentLogsResponse m_out;
    StreamEnd m_end;
};

} // namespace

grpc::ServerWriteReactor<aegis::v1::DeploymentLogsResponse> *
openDeploymentLogs(ApiContext &api, const DeploymentLogSource &source,
                   grpc::CallbackServerContext *context,
                   const aegis::v1::DeploymentLogsRequest &request) {
    return new DeploymentLogsStream(api, source, context, request);
}

} // namespace aegis::api
