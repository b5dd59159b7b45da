#include "alerting/managed_alertmanager.h"

#include "alerting/alert_engine.h"
#include "alerting/alertmanager_client.h"

#include "common/logging.h"
#include "common/process_spawn.h"
#include "config/config_center.h"
#include "store/store.h"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>

namespace aegis::alerting {

namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

constexpr milliseconds kAmtoolTimeout{10000};

config::ItemRef configRef() {
    return {std::string(kAlertingNamespace), std::string(kAlertmanagerGroup),
            std::string(kAlertmanagerConfigKey)};
}

// Writes `content` to `path` through a temporary file and a rename, so a reader never sees half.
Status writeFileAtomically(const std::filesystem::path &path, std::string_view content) {
    const auto temporary = path.string() + ".tmp";
    {
        std::ofstream out(temporary, std::ios::trunc | std::ios::binary);
        out << content;
        if (!out) {
            return failedPrecondition("alerting: cannot write " + temporary);
        }
    }
    std::error_code error;
    std::filesystem::rename(temporary, path, error);
    if (error) {
        return failedPrecondition("alerting: cannot write " + path.string() + ": " +
                                  error.message());
    }
    return Status::ok();
}

std::string readFile(const std::filesystem::path &path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// amtool's reason from its output: "Checking 'f'  FAILED: <reason>".
std::string amtoolReason(const std::string &output) {
    constexpr std::string_view kFailed = "FAILED: ";
    const auto at = output.find(kFailed);
    if (at == std::string::npos) {
        std::string text = output;
        while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
            text.pop_back();
        }
        return text;
    }
    const auto start = at + kFailed.size();
    return output.substr(start, output.find('\n', start) - start);
}

// The PATH programs are looked up on.
std::string executablePath() {
    const char *path = std::getenv("PATH");
    return path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
}

} // namespace

std::string defaultAlertmanagerConfig(const std::string &webhookUrl) {
    std::string yaml =
        "# aegisd's default Alertmanager configuration, used while the config item\n"
        "# aegis-alerting/alertmanager/config does not exist. Publish that item to change it.\n"
        "route:\n"
        "  receiver: aegis-default\n"
        "  group_by: [alertname, service]\n"
        "  group_wait: 10s\n"
        "  group_interval: 1m\n"
        "  repeat_interval: 4h\n"
        "receivers:\n"
        "  - name: aegis-default\n";
    if (!webhookUrl.empty()) {
        // A JSON string is a valid YAML double-quoted scalar.
        yaml += "    webhook_configs:\n"
                "      - url: " +
                nlohmann::json(webhookUrl).dump() +
                "\n"
                "        send_resolved: true\n";
    }
    return yaml;
}

Status validateAlertmanagerConfig(std::string_view yaml, const std::string &amtool) {
    auto binary = findExecutable(amtool, executablePath(), "amtool");
    if (!binary) {
        return failedPrecondition(
            amtool + " not found on PATH; install Debian's prometheus-alertmanager, which "
                     "checks Alertmanager configurations");
    }
    std::string directory =
        (std::filesystem::temp_directory_path() / "aegis-amtool-XXXXXX").string();
    if (::mkdtemp(directory.data()) == nullptr) {
        return failedPrecondition(std::string("alertmanager config: cannot make a temporary "
                                              "directory: ") +
                                  std::strerror(errno));
    }
    struct Cleanup {
        std::string path;
        ~Cleanup() {
            std::error_code ignored;
            std::filesystem::remove_all(path, ignored);
        }
    } cleanup{directory};
    const auto file = std::filesystem::path(directory) / "alertmanager.yml";
    const auto outputFile = std::filesystem::path(directory) / "amtool.out";
    if (Status written = writeFileAtomically(file, yaml); !written.isOk()) {
        return written;
    }
    OwnedFd output(::open(outputFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!output.valid()) {
        return failedPrecondition("alertmanager config: cannot write " + outputFile.string());
    }
    SpawnRequest request;
    request.argv = {*binary, "check-config", file.string()};
    request.environment = environmentWith({});
    request.workingDir = directory;
    request.outputFd = output.get();
    auto spawned = spawnProcess(request);
    if (!spawned) {
        return failedPrecondition("alertmanager config: cannot run amtool: " +
                                  spawned.status().message());
    }
    pollfd entry{spawned->pidfd.get(), POLLIN, 0};
    int ready = 0;
    do {
        ready = ::poll(&entry, 1, static_cast<int>(kAmtoolTimeout.count()));
    } while (ready < 0 && errno == EINTR);
    if (ready <= 0) {
        signalProcessGroup(spawned->pid, spawned->pidfd.get(), SIGKILL);
        ::poll(&entry, 1, 1000);
        reapProcess(spawned->pidfd.get());
        return failedPrecondition("alertmanager config: amtool check-config did not finish "
                                  "within 10s");
    }
    const ProcessExit exit = reapProcess(spawned->pidfd.get());
    if (exit.known && exit.code == 0 && exit.signal == 0) {
        return Status::ok();
    }
    return invalidArgument("alertmanager config: " + amtoolReason(readFile(outputFile)));
}

class ManagedAlertmanager::Impl : public std::enable_shared_from_this<ManagedAlertmanager::Impl> {
public:
    Impl(asio::any_io_executor executor, ManagedAlertmanagerOptions options)
        : m_executor(std::move(executor))
        , m_strand(asio::make_strand(m_executor))
        , m_options(std::move(options)) {
        if (!m_options.clock) {
            m_options.clock = std::make_shared<SystemClock>();
        }
        m_since = m_options.clock->now();
    }

    Status prepare() {
        std::lock_guard lock(m_mutex);
        return prepareLocked();
    }

    Status start() {
        std::lock_guard lock(m_mutex);
        if (m_running) {
            return Status::ok();
        }
        if (Status prepared = prepareLocked(); !prepared.isOk()) {
            return prepared;
        }

        // Subscribe first, then read the item: no version is missed or applied twice.
        std::string content = defaultAlertmanagerConfig(m_options.settings.defaultWebhookUrl);
        if (m_options.store != nullptr && m_options.config != nullptr) {
            const std::string key = config::ConfigCenter::itemKey(configRef());
            m_subscription = m_options.store->subscribe(
                key, [weak = weak_from_this(), key](const std::vector<store::Event> &events) {
                    if (const auto self = weak.lock()) {
                        self->onEvents(key, events);
                    }
                });
            store::Revision at = 0;
            if (const auto item = m_options.config->item(configRef(), &at)) {
                content = item->content;
                m_configVersion = item->version;
            }
            m_readRevision = at;
        }
        if (Status written = writeFileAtomically(configFile(), content); !written.isOk()) {
            return written;
        }

        metrics::SupervisedChildOptions child;
        child.name = "alertmanager";
        child.binary = m_options.settings.alertmanagerBinary;
        child.searchPath = m_options.searchPath.empty() ? executablePath() : m_options.searchPath;
        child.binaryOption = "alerting.managed.binary";
        child.missingHint = "install Debian's prometheus-alertmanager or set alerting.alertmanager";
        child.arguments = {"--config.file=" + configFile().string(),
                           "--storage.path=" + (m_options.directory / "data").string(),
                           "--web.listen-address=" + m_listen->hostPort,
                           // No gossip: a managed Alertmanager is a single instance.
                           "--cluster.listen-address="};
        child.directory = m_options.directory;
        child.listen = *m_listen;
        child.restartBackoff = m_options.restartBackoff;
        child.stableAfter = m_options.stableAfter;
        child.readyPoll = m_options.readyPoll;
        child.stopGrace = m_options.stopGrace;
        child.clock = m_options.clock;
        // A configuration written while the child was starting may have come after it read the
        // file: reloading once it is ready makes sure it runs the latest.
        child.onReady = [weak = weak_from_this()] {
            if (const auto self = weak.lock()) {
                asio::post(self->m_strand, [self] { self->reload(); });
            }
        };
        // A child of an earlier start() (an earlier term of leadership) is stopped: a new one,
        // with a fresh backoff and restart count, takes over its port and state.
        m_child = std::make_shared<metrics::SupervisedChild>(m_executor, std::move(child));
        m_child->start();
        m_running = true;
        return Status::ok();
    }

    void stop() {
        std::shared_ptr<metrics::SupervisedChild> child;
        store::EventSubscription subscription;
        {
            std::lock_guard lock(m_mutex);
            subscription = std::move(m_subscription);
            child = m_child;
            m_running = false;
        }
        // Unsubscribed outside the lock: a listener running now may be waiting for it.
        subscription = {};
        // Blocks until the child is gone; status() answers meanwhile.
        if (child) {
            child->stop();
        }
    }

    ManagedAlertmanagerStatus status() const {
        std::lock_guard lock(m_mutex);
        ManagedAlertmanagerStatus status;
        status.url = m_url;
        status.configVersion = m_configVersion;
        status.configError = m_configError;
        if (m_child) {
            status.child = m_child->status();
        } else {
            status.child.detail = "starting";
            status.child.since = m_since;
        }
        return status;
    }

    std::string url() const {
        std::lock_guard lock(m_mutex);
        return m_url;
    }

    int pid() const {
        std::lock_guard lock(m_mutex);
        return m_child ? m_child->pid() : 0;
    }

private:
    std::filesystem::path configFile() const { return m_options.directory / "alertmanager.yml"; }

    // The state directory, the port and the client, once: the URL stays the same for every
    // start().
    Status prepareLocked() {
        if (m_listen) {
            return Status::ok();
        }
        auto listen = metrics::prepareManagedChild(m_options.directory, "alerting",
                                                   m_options.settings.managedListen,
                                                   "alerting.managed.listen");
        if (!listen) {
            return listen.status();
        }
        auto client = AlertmanagerClient::create(m_executor, listen->url);
        if (!client) {
            return client.status();
        }
        m_client = std::move(*client);
        m_url = listen->url;
        m_listen = std::move(*listen);
        return Status::ok();
    }

    // On the store's writer thread: decodes what changed and hands it to the strand.
    void onEvents(const std::string &key, const std::vector<store::Event> &events) {
        for (const store::Event &event : events) {
            if (event.kv.key != key) {
                continue;
            }
            {
                std::lock_guard lock(m_mutex);
                if (event.revision <= m_readRevision) {
                    continue;
                }
            }
            if (event.type == store::EventType::Delete) {
                asio::post(m_strand, [self = shared_from_this()] {
                    self->apply(
                        0, defaultAlertmanagerConfig(self->m_options.settings.defaultWebhookUrl));
                });
                continue;
            }
            auto item = m_options.config->decodeItem(event.kv);
            if (!item) {
                log::warn("alertmanager config item unreadable; the child keeps its configuration",
                          {{"revision", event.revision}});
                continue;
            }
            asio::post(m_strand,
                       [self = shared_from_this(), version = item->version,
                        content = std::move(item->content)] { self->apply(version, content); });
        }
    }

    // Strand only. A configuration amtool refuses is not written: the child keeps running (and
    // restarts with) the last good one.
    void apply(std::int64_t version, const std::string &content) {
        Status status = validateAlertmanagerConfig(content);
        if (status.isOk()) {
            status = writeFileAtomically(configFile(), content);
        }
        {
            std::lock_guard lock(m_mutex);
            if (!status.isOk()) {
                m_configError = "version " + std::to_string(version) + ": " + status.message();
                log::warn("alertmanager config not applied",
                          {{"version", version}, {"error", status.message()}});
                return;
            }
            m_configVersion = version;
            m_configError.clear();
        }
        log::info("alertmanager config written; reloading", {{"version", version}});
        reload();
    }

    // Strand only.
    void reload() {
        m_client->reload([weak = weak_from_this()](Status status) {
            const auto self = weak.lock();
            if (!self) {
                return;
            }
            std::lock_guard lock(self->m_mutex);
            if (status.isOk()) {
                self->m_configError.clear();
            } else if (status.code() == StatusCode::FailedPrecondition) {
                self->m_configError = status.message();
                log::warn("alertmanager refused its configuration", {{"error", status.message()}});
            }
            // Unreachable: the child is (re)starting and reads the file, then reloads when ready.
        });
    }

    const asio::any_io_executor m_executor;
    // Configurations are checked, written and reloaded one at a time, in event order.
    const asio::strand<asio::any_io_executor> m_strand;
    ManagedAlertmanagerOptions m_options;

    mutable std::mutex m_mutex;
    std::string m_url;
    AlertmanagerClientPtr m_client;
    std::optional<metrics::ListenAddress> m_listen;
    std::shared_ptr<metrics::SupervisedChild> m_child;
    bool m_running = false;
    store::EventSubscription m_subscription;
    store::Revision m_readRevision = 0;
    std::int64_t m_configVersion = 0;
    std::string m_configError;
    std::chrono::system_clock::time_point m_since;
};

ManagedAlertmanager::ManagedAlertmanager(asio::any_io_executor executor,
                                         ManagedAlertmanagerOptions options)
    : m_impl(std::make_shared<Impl>(std::move(executor), std::move(options))) {}

ManagedAlertmanager::~ManagedAlertmanager() {
    stop();
}

Status ManagedAlertmanager::prepare() {
    return m_impl->prepare();
}

Status ManagedAlertmanager::start() {
    return m_impl->start();
}

void ManagedAlertmanager::stop() {
    m_impl->stop();
}

ManagedAlertmanagerStatus ManagedAlertmanager::status() const {
    return m_impl->status();
}

std::string ManagedAlertmanager::url() const {
    return m_impl->url();
}

int ManagedAlertmanager::pid() const {
    return m_impl->pid();
}

} // namespace aegis::alerting
