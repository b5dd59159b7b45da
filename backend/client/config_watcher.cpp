#include "client/config_watcher.h"

#include "aegis/v1/config.grpc.pb.h"
#include "aegis/v1/watch.pb.h"
#include "client/connection.h"
#include "client/grpc_status.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <set>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace aegis::client {
namespace {

using namespace std::chrono_literals;
namespace v1 = aegis::v1;

// Identifies the snapshot file's layout, so a later layout can be told apart.
constexpr std::string_view kSnapshotKind = "aegis-config-snapshot/v1";

bool isNamespaceChar(char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c)) || c == '-';
}

bool isGroupChar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
}

bool isKeyChar(char c) {
    return isGroupChar(c) || c == ':';
}

// The same rules as aegisd's, checked here so that a typo fails start() rather than every watch.
Status validateName(const std::string &value, std::string_view field, std::size_t maxLength,
                    bool (*allowed)(char), std::string_view charset) {
    if (value.empty() || value.size() > maxLength) {
        return invalidArgument("ConfigWatcherOptions." + std::string(field) + " must be 1 to " +
                               std::to_string(maxLength) + " characters (got " +
                               std::to_string(value.size()) + ")");
    }
    if (!std::all_of(value.begin(), value.end(), allowed)) {
        return invalidArgument("ConfigWatcherOptions." + std::string(field) + " may contain only " +
                               std::string(charset) + " (got '" + value + "')");
    }
    return Status::ok();
}

bool isTransient(StatusCode code) {
    return code == StatusCode::Unavailable || code == StatusCode::DeadlineExceeded ||
           code == StatusCode::Cancelled || code == StatusCode::ResourceExhausted ||
           code == StatusCode::Internal || code == StatusCode::Unknown;
}

// Writes `content` to `path` so that a reader sees the old file or the new one, never a part:
// a temporary file in the same directory, flushed to disk, renamed over the old one.
Status writeFileAtomically(const std::filesystem::path &path, const std::string &content) {
    std::error_code error;
    if (path.has_parent_path()) {
        std::filesystem::create_directories(path.parent_path(), error);
        if (error) {
            return unavailable("cannot create " + path.parent_path().string() + ": " +
                               error.message());
        }
    }
    const std::filesystem::path temporary =
        path.string() + ".tmp." + std::to_string(static_cast<long>(::getpid()));
    // 0600: the file may hold secret items in clear.
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        return unavailable("cannot write " + temporary.string() + ": " + std::strerror(errno));
    }
    std::size_t written = 0;
    while (written < content.size()) {
        const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            const std::string why = std::strerror(errno);
            ::close(fd);
            ::unlink(temporary.c_str());
            return unavailable("cannot write " + temporary.string() + ": " + why);
        }
        written += static_cast<std::size_t>(n);
    }
    const bool synced = ::fsync(fd) == 0;
    const std::string syncError = synced ? std::string() : std::strerror(errno);
    ::close(fd);
    if (!synced) {
        ::unlink(temporary.c_str());
        return unavailable("cannot flush " + temporary.string() + ": " + syncError);
    }
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
        const std::string why = std::strerror(errno);
        ::unlink(temporary.c_str());
        return unavailable("cannot rename " + temporary.string() + " to " + path.string() + ": " +
                           why);
    }
    // The rename itself is durable once the directory is flushed too.
    const std::filesystem::path directory = path.has_parent_path() ? path.parent_path() : ".";
    if (const int dirFd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        dirFd >= 0) {
        ::fsync(dirFd);
        ::close(dirFd);
    }
    return Status::ok();
}

ConfigValue valueOf(const v1::ConfigEvent &event) {
    ConfigValue value;
    value.ref = {event.ref().namespace_(), event.ref().group(), event.ref().key()};
    value.format = static_cast<ConfigFormat>(event.format());
    value.content = event.content();
    value.version = event.version();
    value.sha256 = event.content_sha256();
    value.gray = event.gray();
    return value;
}

} // namespace

std::string_view toString(ConfigFormat format) {
    switch (format) {
    case ConfigFormat::Text:
        return "text";
    case ConfigFormat::Json:
        return "json";
    case ConfigFormat::Yaml:
        return "yaml";
    case ConfigFormat::Properties:
        return "properties";
    case ConfigFormat::Unspecified:
        break;
    }
    return "unspecified";
}

std::optional<ConfigFormat> parseConfigFormat(std::string_view name) {
    for (ConfigFormat format : {ConfigFormat::Text, ConfigFormat::Json, ConfigFormat::Yaml,
                                ConfigFormat::Properties, ConfigFormat::Unspecified}) {
        if (toString(format) == name) {
            return format;
        }
    }
    return std::nullopt;
}

ApplyResult ApplyResult::failed(std::string error) {
    // An empty error would read as "applied" in the applied status.
    return ApplyResult(Kind::Failed, error.empty() ? std::string("failed to apply") : error);
}

StatusOr<std::unique_ptr<ConfigWatcher>>
ConfigWatcher::start(std::shared_ptr<grpc::Channel> channel, ConfigWatcherOptions options,
                     Listener listener) {
    if (!channel) {
        return invalidArgument("ConfigWatcher needs a channel (see makeChannel())");
    }
    if (Status s = validateName(options.ns, "ns", 63, isNamespaceChar, "a-z 0-9 -"); !s.isOk()) {
        return s;
    }
    if (!std::islower(static_cast<unsigned char>(options.ns.front()))) {
        return invalidArgument("ConfigWatcherOptions.ns must start with a letter (got '" +
                               options.ns + "')");
    }
    if (Status s = validateName(options.group, "group", 128, isGroupChar, "A-Z a-z 0-9 . _ -");
        !s.isOk()) {
        return s;
    }
    if (!options.key.empty()) {
        if (Status s = validateName(options.key, "key", 256, isKeyChar, "A-Z a-z 0-9 . _ : -");
            !s.isOk()) {
            return s;
        }
    }
    if (options.service.empty() != options.instanceId.empty()) {
        return invalidArgument(
            "ConfigWatcherOptions.service and instanceId are given together (or neither)");
    }
    if (options.callTimeout <= 0ms) {
        return invalidArgument("ConfigWatcherOptions.callTimeout must be positive");
    }
    if (options.streamLifetime <= 0ms) {
        return invalidArgument("ConfigWatcherOptions.streamLifetime must be positive");
    }
    if (!options.snapshotFile.empty() && std::filesystem::is_directory(options.snapshotFile)) {
        return invalidArgument("ConfigWatcherOptions.snapshotFile names a directory: " +
                               options.snapshotFile.string());
    }
    return std::unique_ptr<ConfigWatcher>(
        new ConfigWatcher(std::move(channel), std::move(options), std::move(listener)));
}

ConfigWatcher::ConfigWatcher(std::shared_ptr<grpc::Channel> channel, ConfigWatcherOptions options,
                             Listener listener)
    : m_options(std::move(options))
    , m_channel(std::move(channel))
    , m_listener(std::move(listener))
    , m_thread([this] { run(); }) {}

ConfigWatcher::~ConfigWatcher() {
    m_stop.stop();
    m_ackStop.stop();
    if (m_thread.joinable()) {
        m_thread.join();
    }
}

void ConfigWatcher::run() {
    const bool hasSnapshotFile = !m_options.snapshotFile.empty();
    ResumableStreamOptions options;
    options.streamLifetime = m_options.streamLifetime;
    options.backoff = m_options.backoff;
    ResumableStream::Callbacks callbacks;
    callbacks.onRetrying = [this, hasSnapshotFile](const Status &reason, std::int64_t,
                                                   std::chrono::milliseconds) {
        // Reachable but refusing (a revoked token, say): the last known configuration still
        // beats none.
        if (hasSnapshotFile && !m_snapshotFileTried) {
            loadSnapshotFile();
        }
        setError(reason);
    };
    ResumableStream stream(
        options, m_stop,
        [this](grpc::ClientContext &context, std::int64_t startRevision,
               const ResumableStream::Received &received) {
            return watch(context, startRevision, received);
        },
        std::move(callbacks));
    while (!m_stop.isStopped()) {
        std::int64_t start = 0;
        if (!m_needSnapshot) {
            std::lock_guard lock(m_mutex);
            start = m_stats.revision + 1;
        }
        const Status ended = stream.run(start);
        if (m_stop.isStopped()) {
            return;
        }
        if (hasSnapshotFile && !m_snapshotFileTried) {
            loadSnapshotFile();
        }
        // Compacted: the events in between are gone, so watch from 0 for a new snapshot.
        m_needSnapshot = m_needSnapshot || ended.code() == StatusCode::OutOfRange;
    }
}

bool ConfigWatcher::connects() {
    const auto deadline = std::chrono::steady_clock::now() + m_options.callTimeout;
    for (;;) {
        const grpc_connectivity_state state = m_channel->GetState(true);
        if (state == GRPC_CHANNEL_READY) {
            return true;
        }
        if (state == GRPC_CHANNEL_TRANSIENT_FAILURE || state == GRPC_CHANNEL_SHUTDOWN) {
            return false;
        }
        const auto now = std::chrono::steady_clock::now();
        if (m_stop.isStopped() || now >= deadline) {
            return false;
        }
        // In short slices, so that stop() is not kept waiting.
        const auto slice = std::min<std::chrono::steady_clock::duration>(deadline - now, 100ms);
        m_channel->WaitForStateChange(state, std::chrono::system_clock::now() + slice);
    }
}

grpc::Status ConfigWatcher::watch(grpc::ClientContext &context, std::int64_t startRevision,
                                  const ResumableStream::Received &received) {
    if (!m_options.snapshotFile.empty() && !m_snapshotFileTried && !connects() &&
        !m_stop.isStopped()) {
        loadSnapshotFile();
    }
    auto stub = v1::ConfigService::NewStub(m_channel);
    const bool fromNow = startRevision == 0;
    m_needSnapshot = fromNow;
    v1::WatchConfigRequest request;
    request.set_namespace_(m_options.ns);
    request.set_group(m_options.group);
    request.set_key(m_options.key);
    request.set_service(m_options.service);
    request.set_instance_id(m_options.instanceId);
    request.set_start_revision(startRevision);
    bool first = true;
    grpc::Status protocolError;
    // False after a protocol error: the stream is to be ended.
    const auto handle = [&](const v1::WatchConfigResponse &response) {
        if (first) {
            first = false;
            if (fromNow && !response.snapshot()) {
                // Without the snapshot the watcher cannot tell deleted items from kept ones.
                protocolError = grpc::Status(grpc::StatusCode::INTERNAL,
                                             "the first message of a watch from revision 0 "
                                             "holds no snapshot");
                return false;
            }
            std::lock_guard lock(m_mutex);
            m_stats.connected = true;
            ++(fromNow ? m_stats.fullSyncs : m_stats.resumes);
        }
        if (apply(response)) {
            writeSnapshotFile();
        }
        sendAcks();
        std::int64_t revision = 0;
        {
            std::lock_guard lock(m_mutex);
            revision = m_stats.revision;
        }
        received(revision);
        return true;
    };
    grpc::Status ended;
    if (m_options.mux) {
        v1::WatchCreateRequest create;
        *create.mutable_config() = request;
        ended = m_options.mux->run(
            create, context, m_stop,
            [&](const v1::WatchResponse &response) { return handle(response.config()); },
            nullptr); // OUT_OF_RANGE: watched from 0 again, whatever was compacted
    } else {
        auto reader = stub->WatchConfig(&context, request);
        v1::WatchConfigResponse response;
        while (reader->Read(&response)) {
            if (!handle(response)) {
                context.TryCancel();
                break;
            }
        }
        ended = reader->Finish();
    }
    {
        std::lock_guard lock(m_mutex);
        m_stats.connected = false;
    }
    return protocolError.ok() ? ended : protocolError;
}

bool ConfigWatcher::apply(const v1::WatchConfigResponse &response) {
    bool changed = false;
    std::int64_t revision = response.header().revision();
    std::set<std::string> present;
    for (const auto &event : response.events()) {
        revision = std::max(revision, event.revision());
        // The daemon filters by scope already; this keeps a misrouted event from being applied.
        if (event.ref().namespace_() != m_options.ns || event.ref().group() != m_options.group ||
            (!m_options.key.empty() && event.ref().key() != m_options.key)) {
            continue;
        }
        if (event.type() == v1::CONFIG_EVENT_TYPE_DELETE) {
            present.erase(event.ref().key());
            changed = applyDelete(event.ref().key()) || changed;
        } else if (event.type() == v1::CONFIG_EVENT_TYPE_PUT) {
            present.insert(event.ref().key());
            changed = applyPut(valueOf(event)) || changed;
        }
    }
    if (response.snapshot()) {
        // Whatever the listener has and the snapshot lacks was deleted meanwhile (or, after a
        // start from the snapshot file, before this process started).
        std::vector<std::string> gone;
        for (const auto &[key, delivery] : m_delivered) {
            if (!present.count(key)) {
                gone.push_back(key);
            }
        }
        for (const auto &key : gone) {
            changed = applyDelete(key) || changed;
        }
        m_needSnapshot = false;
        m_snapshotFileTried = true; // aegisd answered: the file is not needed any more
    }
    {
        std::lock_guard lock(m_mutex);
        m_stats.revision = std::max(m_stats.revision, revision);
        if (response.snapshot()) {
            m_stats.ready = true;
            m_stats.servingSnapshotFile = false;
        }
        m_stats.pendingAcks = m_pendingAcks.size();
    }
    m_changed.notify_all();
    return changed;
}

bool ConfigWatcher::applyPut(ConfigValue value) {
    const std::string key = value.ref.key;
    if (const auto it = m_delivered.find(key); it != m_delivered.end() &&
                                               it->second.value.version == value.version &&
                                               it->second.value.sha256 == value.sha256) {
        // Seen already (a snapshot repeats what was delivered, a gray release for others touches
        // the item). Served from the snapshot file so far: now confirmed, so acknowledged.
        if (it->second.value.fromSnapshotFile) {
            it->second.value.fromSnapshotFile = false;
            queueAck(value.ref, value.version, it->second.result);
            std::lock_guard lock(m_mutex);
            if (const auto applied = m_applied.find(key);
                applied != m_applied.end() && applied->second.version == value.version) {
                applied->second.fromSnapshotFile = false;
            }
        }
        return false;
    }
    const ApplyResult result = deliver(value);
    queueAck(value.ref, value.version, result);
    bool changed = false;
    {
        std::lock_guard lock(m_mutex);
        if (result.isApplied()) {
            m_applied[key] = value;
            changed = true;
        } else if (result.isIgnored()) {
            changed = m_applied.erase(key) > 0;
        }
        // Failed: the application keeps what it had, and so does get().
    }
    m_delivered.insert_or_assign(key, Delivery{std::move(value), result});
    return changed;
}

bool ConfigWatcher::applyDelete(const std::string &key) {
    const auto it = m_delivered.find(key);
    if (it == m_delivered.end()) {
        return false;
    }
    ConfigValue deleted;
    deleted.ref = it->second.value.ref;
    deleted.format = it->second.value.format;
    deleted.deleted = true;
    m_delivered.erase(it);
    m_pendingAcks.erase(key);
    (void)deliver(deleted); // nothing to acknowledge: AckConfig names a version
    std::lock_guard lock(m_mutex);
    return m_applied.erase(key) > 0;
}

ApplyResult ConfigWatcher::deliver(const ConfigValue &value) {
    if (!m_listener) {
        return ApplyResult::applied();
    }
    try {
        return m_listener(value);
    } catch (const std::exception &error) {
        return ApplyResult::failed(error.what());
    } catch (...) {
        return ApplyResult::failed("the listener threw an exception");
    }
}

void ConfigWatcher::queueAck(const ConfigRef &ref, std::int64_t version,
                             const ApplyResult &result) {
    if (m_options.instanceId.empty() || result.isIgnored() || version <= 0) {
        return;
    }
    // Only the latest version of an item is worth reporting.
    m_pendingAcks.insert_or_assign(ref.key, PendingAck{ref, version, result.error()});
}

void ConfigWatcher::sendAcks() {
    if (m_pendingAcks.empty()) {
        return;
    }
    auto stub = v1::ConfigService::NewStub(m_channel);
    for (auto it = m_pendingAcks.begin(); it != m_pendingAcks.end();) {
        v1::AckConfigRequest request;
        request.mutable_ref()->set_namespace_(it->second.ref.ns);
        request.mutable_ref()->set_group(it->second.ref.group);
        request.mutable_ref()->set_key(it->second.ref.key);
        request.set_service(m_options.service);
        request.set_instance_id(m_options.instanceId);
        request.set_version(it->second.version);
        request.set_error(it->second.error);
        v1::AckConfigResponse response;
        grpc::ClientContext context;
        setTimeout(context, m_options.callTimeout);
        grpc::Status status;
        {
            AttachedCall call(m_ackStop, context);
            if (!call.attached()) {
                return;
            }
            status = stub->AckConfig(&context, request, &response);
        }
        const Status result = fromGrpc(status);
        if (result.isOk()) {
            it = m_pendingAcks.erase(it);
            std::lock_guard lock(m_mutex);
            ++m_stats.acknowledged;
            continue;
        }
        setError(Status(result.code(), "AckConfig " + it->second.ref.path() + " v" +
                                           std::to_string(it->second.version) + ": " +
                                           result.message()));
        if (isTransient(result.code())) {
            break; // kept, and sent again after the next message or reconnection
        }
        it = m_pendingAcks.erase(it); // refused for good (bad identity, no permission)
    }
    std::lock_guard lock(m_mutex);
    m_stats.pendingAcks = m_pendingAcks.size();
}

void ConfigWatcher::loadSnapshotFile() {
    // A damaged or hand-edited file (a field of the wrong type) must not take the service down.
    try {
        readSnapshotFile();
    } catch (const std::exception &error) {
        setError(Status(StatusCode::DataLoss,
                        "snapshot file " + m_options.snapshotFile.string() + ": " + error.what()));
    }
}

void ConfigWatcher::readSnapshotFile() {
    m_snapshotFileTried = true;
    const auto &path = m_options.snapshotFile;
    std::error_code error;
    if (!std::filesystem::exists(path, error)) {
        return; // the first start: nothing known yet
    }
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    const auto document = nlohmann::json::parse(text.str(), nullptr, false);
    const auto fail = [&](const std::string &why) {
        setError(Status(StatusCode::DataLoss, "snapshot file " + path.string() + ": " + why));
    };
    if (!in || document.is_discarded() || !document.is_object()) {
        fail("not readable as JSON");
        return;
    }
    if (document.value("kind", "") != kSnapshotKind) {
        fail("not an " + std::string(kSnapshotKind) + " file");
        return;
    }
    // A file written for other items (the options changed) must not configure this instance.
    if (document.value("namespace", "") != m_options.ns ||
        document.value("group", "") != m_options.group ||
        document.value("key", "") != m_options.key) {
        fail("written for " + document.value("namespace", "") + "/" + document.value("group", "") +
             "/" + document.value("key", "") + ", not " + m_options.ns + "/" + m_options.group +
             "/" + m_options.key);
        return;
    }
    const auto items = document.find("items");
    if (items == document.end() || !items->is_array()) {
        fail("no items array");
        return;
    }
    std::vector<ConfigValue> values;
    for (const auto &item : *items) {
        if (!item.is_object() || !item.contains("key") || !item["key"].is_string() ||
            !item.contains("content") || !item["content"].is_string()) {
            fail("an item without key or content");
            return;
        }
        ConfigValue value;
        value.ref = {m_options.ns, m_options.group, item["key"].get<std::string>()};
        if (!m_options.key.empty() && value.ref.key != m_options.key) {
            continue;
        }
        value.format =
            parseConfigFormat(item.value("format", "text")).value_or(ConfigFormat::Unspecified);
        value.content = item["content"].get<std::string>();
        value.version = item.value("version", std::int64_t(0));
        value.sha256 = item.value("content_sha256", "");
        value.gray = item.value("gray", false);
        value.fromSnapshotFile = true;
        values.push_back(std::move(value));
    }
    for (auto &value : values) {
        const ApplyResult result = deliver(value);
        if (result.isApplied()) {
            std::lock_guard lock(m_mutex);
            m_applied[value.ref.key] = value;
        }
        const std::string key = value.ref.key;
        m_delivered.insert_or_assign(key, Delivery{std::move(value), result});
    }
    {
        std::lock_guard lock(m_mutex);
        m_stats.servingSnapshotFile = true;
    }
    m_changed.notify_all();
}

void ConfigWatcher::writeSnapshotFile() {
    if (m_options.snapshotFile.empty()) {
        return;
    }
    nlohmann::json document = {{"kind", kSnapshotKind},
                               {"namespace", m_options.ns},
                               {"group", m_options.group},
                               {"key", m_options.key}};
    nlohmann::json items = nlohmann::json::array();
    {
        std::lock_guard lock(m_mutex);
        document["revision"] = m_stats.revision;
        for (const auto &[key, value] : m_applied) {
            items.push_back({{"key", key},
                             {"format", toString(value.format)},
                             {"version", value.version},
                             {"content_sha256", value.sha256},
                             {"gray", value.gray},
                             {"content", value.content}});
        }
    }
    document["items"] = std::move(items);
    // Content that is not UTF-8 is kept readable (its SHA-256 then no longer matches, so the
    // catch-up after a start from the file hands the item over again).
    const std::string text =
        document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    if (Status written = writeFileAtomically(m_options.snapshotFile, text); !written.isOk()) {
        setError(written);
    }
}

void ConfigWatcher::setError(Status error) {
    std::lock_guard lock(m_mutex);
    m_stats.lastError = std::move(error);
}

std::optional<ConfigValue> ConfigWatcher::get(const std::string &key) const {
    std::lock_guard lock(m_mutex);
    const auto it = m_applied.find(key);
    if (it == m_applied.end()) {
        return std::nullopt;
    }
    return it->second;
}

std::vector<ConfigValue> ConfigWatcher::values() const {
    std::lock_guard lock(m_mutex);
    std::vector<ConfigValue> result;
    for (const auto &[key, value] : m_applied) {
        result.push_back(value);
    }
    return result;
}

bool ConfigWatcher::isReady() const {
    std::lock_guard lock(m_mutex);
    return m_stats.ready;
}

bool ConfigWatcher::waitUntilReady(std::chrono::milliseconds timeout) {
    std::unique_lock lock(m_mutex);
    return m_changed.wait_for(lock, timeout, [this] { return m_stats.ready; });
}

ConfigWatcher::Stats ConfigWatcher::stats() const {
    std::lock_guard lock(m_mutex);
    return m_stats;
}

} // namespace aegis::client
