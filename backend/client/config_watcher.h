#pragma once

#include "client/backoff.h"
#include "client/resumable_stream.h"
#include "client/stop_signal.h"
#include "client/watch_mux.h"
#include "common/status.h"

#include <grpcpp/channel.h>

#include <chrono>
#include <compare>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace aegis::v1 {
class ConfigEvent;
class WatchConfigResponse;
} // namespace aegis::v1

namespace aegis::client {

// Numeric values match aegis.v1.ConfigFormat.
enum class ConfigFormat { Unspecified = 0, Text = 1, Json = 2, Yaml = 3, Properties = 4 };

// "text", "json", "yaml", "properties" ("unspecified" otherwise).
std::string_view toString(ConfigFormat format);
std::optional<ConfigFormat> parseConfigFormat(std::string_view name);

// A configuration item's name: namespace/group/key.
struct ConfigRef {
    std::string ns;
    std::string group;
    std::string key;

    std::string path() const { return ns + "/" + group + "/" + key; }
    auto operator<=>(const ConfigRef &) const = default;
};

// One item's content as this instance should use it.
struct ConfigValue {
    ConfigRef ref;
    ConfigFormat format = ConfigFormat::Text;
    std::string content;
    // The item's version; a gray version has a number of its own, so a version names one content.
    std::int64_t version = 0;
    // Hex SHA-256 of the content.
    std::string sha256;
    // The content is a gray version chosen for this instance.
    bool gray = false;
    // Read from the local snapshot file because aegisd could not be reached at start: the last
    // configuration this instance knew, not yet confirmed by aegisd.
    bool fromSnapshotFile = false;
    // The item was deleted (content empty, version 0); get() no longer returns it.
    bool deleted = false;

    friend bool operator==(const ConfigValue &, const ConfigValue &) = default;
};

// What the application made of a value; the watcher sends it to aegisd as the acknowledgement
// (AckConfig), so GetAppliedStatus and the console show which instances run which version.
class ApplyResult {
public:
    // The application uses this version now.
    static ApplyResult applied() { return ApplyResult(Kind::Applied, {}); }
    // The application could not use it (and keeps what it had): `error` says why, for operators.
    static ApplyResult failed(std::string error);
    // The application does not use this item (a group watcher sees every key of the group):
    // nothing is acknowledged and get() does not return it.
    static ApplyResult ignored() { return ApplyResult(Kind::Ignored, {}); }

    bool isApplied() const { return m_kind == Kind::Applied; }
    bool isFailed() const { return m_kind == Kind::Failed; }
    bool isIgnored() const { return m_kind == Kind::Ignored; }
    // Empty unless failed.
    const std::string &error() const { return m_error; }

private:
    enum class Kind { Applied, Failed, Ignored };
    ApplyResult(Kind kind, std::string error)
        : m_kind(kind)
        , m_error(std::move(error)) {}
    Kind m_kind;
    std::string m_error;
};

struct ConfigWatcherOptions {
    // Required: the namespace (1-63 of [a-z0-9-], starting with a letter) and the group (1-128 of
    // [A-Za-z0-9._-]) to watch.
    std::string ns;
    std::string group;
    // One key (1-256 of [A-Za-z0-9._:-]); empty watches every key of the group.
    std::string key;
    // Who this instance is, given together or not at all. With them, gray releases are resolved for
    // this instance and what it applied is acknowledged; without, it sees the published content
    // only and acknowledges nothing.
    std::string service;
    std::string instanceId;
    // Where every applied state is kept (JSON, written atomically, mode 0600: it may hold secrets
    // in clear). Read at start only when aegisd cannot be reached. Empty: no snapshot file.
    std::filesystem::path snapshotFile;
    // Deadline of every unary call (AckConfig), and how long start-up waits for a connection before
    // it serves the snapshot file.
    std::chrono::milliseconds callTimeout{5000};
    // The watch stream is closed and resumed after this long, so that it too has a deadline.
    std::chrono::milliseconds streamLifetime{std::chrono::minutes(5)};
    // Delay between attempts while aegisd cannot be reached.
    BackoffOptions backoff;
    // The connection's shared watch stream: when set, the watch is one of its watches instead of
    // a WatchConfig stream of its own (see DiscoveryOptions::mux).
    std::shared_ptr<WatchMux> mux;
};

// Follows the configuration items of one group (or one key) for one instance: watches them from
// revision 0 (a snapshot of every item, then changes), hands each new content to a listener, and
// acknowledges what the listener made of it. A broken stream is resumed from the last revision
// + 1 with backoff; a compacted revision (OUT_OF_RANGE) is answered by watching from 0 again,
// and only the items that differ from what the listener has seen are handed to it (an item gone
// from the new snapshot as a deletion). The listener is never called twice for the same version
// of an item.
//
// With a snapshot file, every applied state is written to it; when aegisd cannot be reached at
// start, the file's values are handed to the listener (flagged fromSnapshotFile) so the service
// runs on its last known configuration, and the watcher catches up once aegisd answers: values
// that did not change are acknowledged then, without calling the listener again.
//
// Runs on its own thread with blocking calls, each with a deadline. All methods are thread-safe.
// The destructor cancels the call in progress and joins.
class ConfigWatcher {
public:
    // Called on the watcher's thread for every new value, one at a time in revision order. Must
    // not destroy the watcher. get() still returns the previous value while it runs. An exception
    // it throws counts as failed(what()).
    using Listener = std::function<ApplyResult(const ConfigValue &)>;

    struct Stats {
        // Content from aegisd has been received (the first snapshot applied).
        bool ready = false;
        // A watch stream is open now.
        bool connected = false;
        // The values came from the snapshot file and aegisd has not answered since.
        bool servingSnapshotFile = false;
        // The config revision the values reflect.
        std::int64_t revision = 0;
        // Watches from revision 0 that delivered a snapshot: 1 after start, +1 after each
        // OUT_OF_RANGE.
        int fullSyncs = 0;
        // Watches resumed from a revision (after a broken or expired stream).
        int resumes = 0;
        // Acknowledgements aegisd accepted, and those still waiting to be sent.
        std::int64_t acknowledged = 0;
        std::size_t pendingAcks = 0;
        // Why the last attempt (watch, acknowledgement, snapshot file) failed, if one did.
        Status lastError;
    };

    // INVALID_ARGUMENT naming the field when an option is missing or malformed. Starts at once; the
    // watch happens in the background (see waitUntilReady()). `listener` may be empty: every value
    // is then acknowledged as applied.
    static StatusOr<std::unique_ptr<ConfigWatcher>> start(std::shared_ptr<grpc::Channel> channel,
                                                          ConfigWatcherOptions options,
                                                          Listener listener = {});
    ~ConfigWatcher();
    ConfigWatcher(const ConfigWatcher &) = delete;
    ConfigWatcher &operator=(const ConfigWatcher &) = delete;

    // The value of `key` the listener last applied; nullopt when there is none (unknown, deleted,
    // failed from the start, or ignored).
    std::optional<ConfigValue> get(const std::string &key) const;
    // Every applied value, by key.
    std::vector<ConfigValue> values() const;

    bool isReady() const;
    // Waits until content from aegisd has been received; false on timeout.
    bool waitUntilReady(std::chrono::milliseconds timeout);
    Stats stats() const;
    const ConfigWatcherOptions &options() const { return m_options; }

private:
    // What the listener made of the last value of an item it was given.
    struct Delivery {
        ConfigValue value;
        ApplyResult result;
    };
    struct PendingAck {
        ConfigRef ref;
        std::int64_t version = 0;
        std::string error;
    };

    ConfigWatcher(std::shared_ptr<grpc::Channel> channel, ConfigWatcherOptions options,
                  Listener listener);
    void run();
    // Whether the channel connects within callTimeout.
    bool connects();
    // One WatchConfig stream from `startRevision` (0: a snapshot first; see
    // ResumableStream::Open).
    grpc::Status watch(grpc::ClientContext &context, std::int64_t startRevision,
                       const ResumableStream::Received &received);
    // Applies one message of the stream; true when an applied value changed.
    bool apply(const aegis::v1::WatchConfigResponse &response);
    bool applyPut(ConfigValue value);
    bool applyDelete(const std::string &key);
    ApplyResult deliver(const ConfigValue &value);
    void queueAck(const ConfigRef &ref, std::int64_t version, const ApplyResult &result);
    void sendAcks();
    void loadSnapshotFile();
    void readSnapshotFile();
    void writeSnapshotFile();
    void setError(Status error);

    const ConfigWatcherOptions m_options;
    const std::shared_ptr<grpc::Channel> m_channel;
    const Listener m_listener;
    // Two signals, because each cancels one call at a time: the watch stream, and the
    // acknowledgements sent while it is open.
    StopSignal m_stop;
    StopSignal m_ackStop;

    // Only the watcher's thread touches these.
    std::map<std::string, Delivery> m_delivered;     // by key
    std::map<std::string, PendingAck> m_pendingAcks; // by key
    bool m_needSnapshot = true;
    bool m_snapshotFileTried = false;

    mutable std::mutex m_mutex;
    std::condition_variable m_changed;
    std::map<std::string, ConfigValue> m_applied; // by key
    Stats m_stats;

    std::thread m_thread; // last: started once everything above exists
};

using ConfigWatcherPtr = std::unique_ptr<ConfigWatcher>;

} // namespace aegis::client
