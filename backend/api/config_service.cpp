#include "api/config_service.h"

#include "alerting/alert_engine.h"
#include "api/convert.h"
#include "api/watch_stream.h"
#include "common/input_text.h"
#include "config/item_watcher.h"
#include "config/line_diff.h"

namespace aegis::api {
namespace {

using config::Format;
using config::ItemRef;
using config::ItemWatcher;
namespace v1 = aegis::v1;

constexpr std::string_view kWatchMethod = "/aegis.v1.ConfigService/WatchConfig";

ItemRef refFrom(const v1::ConfigItemRef &ref) {
    return {ref.namespace_(), ref.group(), ref.key()};
}

void toProto(const ItemRef &ref, v1::ConfigItemRef *out) {
    out->set_namespace_(ref.ns);
    out->set_group(ref.group);
    out->set_key(ref.key);
}

// Alerting's items are validated by AlertService before they are published (every rule's
// expression against the metrics backend, Alertmanager's configuration by its own rules), so
// content reaches them only through it; reading, history, diffs, rollbacks and approvals of
// what it published stay here.
Status refuseAlertingContent(const std::string &ns, std::string_view field) {
    if (ns != alerting::kAlertingNamespace) {
        return Status::ok();
    }
    return failedPrecondition(
        std::string(field) + ": namespace " + std::string(alerting::kAlertingNamespace) +
        " holds alerting's rule files and Alertmanager configuration, which AlertService "
        "validates before publishing: use PutRuleFile (aegisctl alerts rules put) or "
        "PutAlertmanagerConfig; history, diff, rollback and approvals remain here");
}

std::string resourceOf(const v1::ConfigItemRef &ref) {
    return "config/" + ref.namespace_().substr(0, 63) + "/" + ref.group().substr(0, 128) + "/" +
           ref.key().substr(0, 256);
}

// Operators, admins and the services applying them see secrets in clear; anyone else (viewers,
// and a caller not identified) masked.
bool masks(const Caller &caller) {
    return caller.role != auth::Role::Operator && caller.role != auth::Role::Admin &&
           caller.role != auth::Role::Service;
}

config::Author authorOf(const Caller &caller) {
    return {caller.name, caller.role == auth::Role::Admin};
}

void toProto(const config::Item &item, bool masked, bool withContent, v1::ConfigItem *out) {
    const bool hide = masked && item.secret;
    toProto(item.ref, out->mutable_ref());
    out->set_format(static_cast<v1::ConfigFormat>(item.format));
    if (withContent) {
        out->set_content(hide ? std::string(config::kMask) : item.content);
    }
    out->set_masked(hide);
    out->mutable_labels()->insert(item.labels.begin(), item.labels.end());
    out->set_description(item.description);
    out->set_secret(item.secret);
    out->set_schema(item.schema);
    out->set_version(item.version);
    // An unsalted hash of a short secret would let a viewer guess it offline.
    out->set_content_sha256(hide ? std::string() : item.sha256);
    out->set_author(item.author);
    out->set_comment(item.comment);
    api::toProto(item.updateTime, out->mutable_update_time());
    out->set_create_revision(item.createRevision);
    out->set_mod_revision(item.modRevision);
    if (item.gray) {
        auto *gray = out->mutable_gray();
        gray->set_version(item.gray->version);
        gray->set_selector(item.gray->selector);
        for (const auto &id : item.gray->instanceIds) {
            gray->add_instance_ids(id);
        }
        gray->set_percent(item.gray->percent);
        gray->set_author(item.gray->author);
        api::toProto(item.gray->startTime, gray->mutable_start_time());
        gray->set_content_sha256(item.gray->sha256);
    }
}

void toProto(const config::Version &version, bool masked, bool withContent,
             v1::ConfigVersion *out) {
    const bool hide = masked && version.secret;
    out->set_version(version.number);
    out->set_kind(static_cast<v1::ConfigVersionKind>(version.kind));
    out->set_format(static_cast<v1::ConfigFormat>(version.format));
    if (withContent) {
        out->set_content(hide ? std::string(config::kMask) : version.content);
    }
    out->set_masked(hide);
    out->set_content_sha256(hide ? std::string() : version.sha256);
    out->set_author(version.author);
    out->set_comment(version.comment);
    api::toProto(version.time, out->mutable_time());
    out->set_revision(version.revision);
    out->set_restores(version.restores);
}

StatusOr<config::Change> changeFrom(const v1::ConfigChange &in, std::string_view field) {
    if (in.format() < v1::CONFIG_FORMAT_UNSPECIFIED || in.format() > v1::CONFIG_FORMAT_PROPERTIES) {
        return invalidArgument(std::string(field) +
                               ".format must be text, json, yaml or properties");
    }
    if (in.base_version() < 0) {
        return invalidArgument(std::string(field) + ".base_version must not be negative");
    }
    config::Change change;
    change.ref = refFrom(in.ref());
    change.format = static_cast<Format>(in.format());
    change.content = in.content();
    change.baseVersion = in.base_version();
    change.updateAttributes = in.update_attributes();
    change.labels = Labels(in.labels().begin(), in.labels().end());
    change.description = in.description();
    change.secret = in.secret();
    change.schema = in.schema();
    return change;
}

void toProto(const config::Change &change, bool masked, v1::ConfigChange *out) {
    toProto(change.ref, out->mutable_ref());
    out->set_format(static_cast<v1::ConfigFormat>(change.format));
    out->set_content(masked && change.secret ? std::string(config::kMask) : change.content);
    out->set_base_version(change.baseVersion);
    out->set_update_attributes(change.updateAttributes);
    out->mutable_labels()->insert(change.labels.begin(), change.labels.end());
    out->set_description(change.description);
    out->set_secret(change.secret);
    out->set_schema(change.schema);
}

void toProto(const config::Proposal &proposal, bool masked, v1::Proposal *out) {
    out->set_id(proposal.id);
    out->set_namespace_(proposal.ns);
    for (const auto &change : proposal.changes) {
        toProto(change, masked, out->add_changes());
    }
    out->set_comment(proposal.comment);
    out->set_proposer(proposal.proposer);
    out->set_state(static_cast<v1::ProposalState>(proposal.state));
    out->set_decided_by(proposal.decidedBy);
    api::toProto(proposal.createTime, out->mutable_create_time());
    if (proposal.state != config::ProposalState::Pending) {
        api::toProto(proposal.decideTime, out->mutable_decide_time());
    }
}

// What one watcher hears of a change, masked for viewers.
void toProto(const config::ConfigEvent &event, bool masked, v1::ConfigEvent *out) {
    toProto(event.ref, out->mutable_ref());
    out->set_revision(event.revision);
    if (event.type == config::ConfigEvent::Type::Delete) {
        out->set_type(v1::CONFIG_EVENT_TYPE_DELETE);
        return;
    }
    const bool hide = masked && event.item->secret;
    out->set_type(v1::CONFIG_EVENT_TYPE_PUT);
    out->set_format(static_cast<v1::ConfigFormat>(event.item->format));
    out->set_content(hide ? std::string(config::kMask) : event.content());
    out->set_version(event.version());
    out->set_content_sha256(hide ? std::string() : event.sha256());
    out->set_gray(event.gray);
}

} // namespace

// Each distinct watch event serialised once, as the `events` field of a WatchConfigResponse,
// for every stream that sends it: most watchers of an item hear of a change with the same bytes
// (gray resolution picks between two contents, masking between two more). Keeps the most recent
// events, bounded in number and bytes. Thread-safe.
class ConfigEventBytes {
public:
    // Appends the event's bytes to `message`.
    void appendTo(const config::ConfigEvent &event, bool masked, SerializedMessage &message) {
        // The watchers of a change that one thread serves in turn want the same bytes: its last
        // answer is kept, so they do not all take the lock that the other threads' watchers take
        // too.
        struct LastAnswer {
            std::uint64_t cache = 0;
            Key key;
            SerializedMessage bytes;
        };
        thread_local LastAnswer last;
        const auto wanted = keyOf(event, masked);
        if (last.cache != m_instance || last.key != wanted) {
            last.bytes = get(event, masked);
            last.cache = m_instance;
            last.key = Key(wanted);
        }
        message.append(last.bytes);
    }

private:
    static constexpr std::size_t kCapacity = 1024;
    static constexpr std::size_t kCapacityBytes = 64 * 1024 * 1024;
    // An item's revision and name say what it holds; the rest says how it is shown. The revision
    // comes first: most comparisons end there.
    using Key = std::tuple<store::Revision, config::ConfigEvent::Type, bool, bool, std::string,
                           std::string, std::string>;

    // A Key viewing an event's names: every watcher of a change asks, without copying them.
    using KeyView = std::tuple<store::Revision, config::ConfigEvent::Type, bool, bool,
                               std::string_view, std::string_view, std::string_view>;
    static KeyView keyOf(const config::ConfigEvent &event, bool masked) {
        return {event.revision, event.type,      event.gray,   masked,
                event.ref.ns,   event.ref.group, event.ref.key};
    }

    SerializedMessage get(const config::ConfigEvent &event, bool masked) {
        const auto wanted = keyOf(event, masked);
        {
            std::lock_guard lock(m_mutex);
            if (const auto it = m_entries.find(wanted); it != m_entries.end()) {
                return it->second;
            }
        }
        Key key(wanted);
        v1::WatchConfigResponse fields;
        toProto(event, masked, fields.add_events());
        SerializedMessage bytes = SerializedMessage::of(fields);
        std::lock_guard lock(m_mutex);
        const auto [it, inserted] = m_entries.try_emplace(key, bytes);
        if (inserted) {
            m_bytes += bytes.size();
            m_order.push_back(std::move(key));
            while (m_order.size() > kCapacity || m_bytes > kCapacityBytes) {
                const auto oldest = m_entries.find(m_order.front());
                m_bytes -= oldest->second.size();
                m_entries.erase(oldest);
                m_order.pop_front();
            }
        }
        return bytes;
    }

    std::mutex m_mutex;
    std::map<Key, SerializedMessage, std::less<>> m_entries;
    std::deque<Key> m_order;
    std::size_t m_bytes = 0;
    // Tells this cache's answers apart in a thread's last answer (appendTo()).
    const std::uint64_t m_instance = s_instances++;
    static inline std::atomic<std::uint64_t> s_instances{1};
};

namespace {

// Streams an ItemWatcher's events; on the raw path the message is the header, serialised per
// stream, followed by each event's bytes, shared with every other stream that sends it.
class ConfigFeed final : public WatchFeed<v1::WatchConfigResponse> {
public:
    ConfigFeed(config::ItemWatcherPtr watcher, bool masked,
               std::shared_ptr<ConfigEventBytes> eventBytes)
        : m_watcher(std::move(watcher))
        , m_masked(masked)
        , m_eventBytes(std::move(eventBytes)) {}

    store::Revision startsAfter() const override { return m_watcher->nextRevision() - 1; }

    StatusOr<bool> next(v1::WatchConfigResponse &response) override {
        return takeNext([&](const config::ItemWatcher::Batch &batch) {
            response.mutable_header()->set_revision(batch.revision);
            for (const auto &event : batch.events) {
                toProto(event, m_masked, response.add_events());
            }
        });
    }

    StatusOr<bool> nextSerialized(SerializedMessage &message) override {
        return takeNext([&](const config::ItemWatcher::Batch &batch) {
            // An event's bytes are one slice.
            message =
                SerializedMessage::ofBytes(headerBytes(batch.revision), 1 + batch.events.size());
            for (const auto &event : batch.events) {
                m_eventBytes->appendTo(event, m_masked, message);
            }
        });
    }

    FeedProgress progress() const override { return m_progress; }

    void cancel() override { m_watcher->cancel(); }

    // A watch from now starts with a snapshot of the items it covers.
    void first(v1::WatchConfigResponse &response) override {
        if (const auto snapshot = m_watcher->snapshot()) {
            response.set_snapshot(true);
            for (const auto &event : *snapshot) {
                toProto(event, m_masked, response.add_events());
            }
        }
    }

private:
    // The header of a message at `revision`. The watchers of a change, which one thread serves in
    // turn, all start with the same one: each thread keeps its last.
    static grpc::Slice headerBytes(store::Revision revision) {
        struct LastHeader {
            std::optional<store::Revision> revision;
            grpc::Slice bytes;
        };
        thread_local LastHeader last;
        if (last.revision != revision) {
            v1::WatchConfigResponse header;
            header.mutable_header()->set_revision(revision);
            last.bytes = SerializedMessage::of(header).slices().front();
            last.revision = revision;
        }
        return last.bytes;
    }

    // Hands the next batch to `use` and returns true; false when nothing is pending, or the
    // status the watch ended with.
    template <typename Use>
    StatusOr<bool> takeNext(const Use &use) {
        const auto batch = m_watcher->take(kWatchBatchEvents);
        m_progress = {batch.revision, batch.drained};
        if (!batch.ended.isOk()) {
            return batch.ended;
        }
        if (batch.events.empty()) {
            return false;
        }
        use(batch);
        return true;
    }

    const config::ItemWatcherPtr m_watcher;
    const bool m_masked;
    // Of the last take(): the revision its message's header gives, and whether it left nothing.
    FeedProgress m_progress;
    const std::shared_ptr<ConfigEventBytes> m_eventBytes;
};

// Finishes a publish-like call: the items (or the proposal) into the response.
template <typename Response>
std::function<void(StatusOr<config::PublishResult>)>
publishedInto(const std::shared_ptr<UnaryCall> &call, Response *response) {
    return [call, response](StatusOr<config::PublishResult> result) {
        if (!result) {
            return call->finish(result.status());
        }
        response->mutable_header()->set_revision(result->revision);
        const bool masked = masks(call->caller());
        if constexpr (requires { response->mutable_items(); }) {
            for (const auto &item : result->items) {
                toProto(item, masked, true, response->add_items());
            }
        } else {
            if (!result->items.empty()) {
                toProto(result->items.front(), masked, true, response->mutable_item());
            }
        }
        if constexpr (requires { response->mutable_proposal(); }) {
            if (result->proposal) {
                toProto(*result->proposal, masked, response->mutable_proposal());
            }
        }
        call->finish(Status::ok(), result->revision, true);
    };
}

std::function<void(StatusOr<store::Revision>)> revisionInto(const std::shared_ptr<UnaryCall> &call,
                                                            v1::ResponseHeader *header) {
    return [call, header](StatusOr<store::Revision> revision) {
        if (!revision) {
            return call->finish(revision.status());
        }
        header->set_revision(*revision);
        call->finish(Status::ok(), *revision, true);
    };
}

} // namespace

ConfigServiceImpl::ConfigServiceImpl(ApiContext &api, config::ConfigCenter &config,
                                     registry::Registry &registry)
    : m_api(api)
    , m_config(config)
    , m_registry(registry)
    , m_eventBytes(std::make_shared<ConfigEventBytes>()) {
    MarkMethodRawCallback(
        methodIndex(kWatchMethod),
        rawWatchHandler<v1::WatchConfigRequest, v1::WatchConfigResponse>(
            m_api, kWatchMethod, [this](Context *context, const v1::WatchConfigRequest &request) {
                return watchConfig(context, request);
            }));
}

grpc::ServerUnaryReactor *ConfigServiceImpl::ListNamespaces(Context *context,
                                                            const v1::ListNamespacesRequest *,
                                                            v1::ListNamespacesResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.ConfigService/ListNamespaces");
    if (!call->authorized()) {
        return call->reactor();
    }
    store::Revision revision = 0;
    const auto namespaces = m_config.namespaces(&revision);
    response->mutable_header()->set_revision(revision);
    for (const auto &settings : namespaces) {
        auto *out = response->add_namespaces();
        out->set_name(settings.name);
        out->set_require_approval(settings.requireApproval);
        out->set_description(settings.description);
        out->set_item_count(settings.itemCount);
    }
    call->finish(Status::ok());
    return call->reactor();
}

grpc::ServerUnaryReactor *
ConfigServiceImpl::UpdateNamespace(Context *context, const v1::UpdateNamespaceRequest *request,
                                   v1::UpdateNamespaceResponse *response) {
    const auto &in = request->namespace_();
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.ConfigService/UpdateNamespace",
                                 "config/" + in.name().substr(0, 63));
    if (!call->authorized()) {
        return call->reactor();
    }
    call->setSummary(std::string("approval ") + (in.require_approval() ? "required" : "off"));
    m_config.setNamespace({in.name(), in.require_approval(), in.description(), 0},
                          [call, response](StatusOr<config::NamespaceSettings> settings) {
                              if (!settings) {
                                  return call->finish(settings.status());
                              }
                              auto *out = response->mutable_namespace_();
                              out->set_name(settings->name);
                              out->set_require_approval(settings->requireApproval);
                              out->set_description(settings->description);
                              call->finish(Status::ok(), 0, true);
                          },
                          {call->auditOperation()});
    return call->reactor();
}

grpc::ServerUnaryReactor *
ConfigServiceImpl::ListConfigItems(Context *context, const v1::ListConfigItemsRequest *request,
                                   v1::ListConfigItemsResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.ConfigService/ListConfigItems");
    if (!call->authorized()) {
        return call->reactor();
    }
    auto pageSize = pageSizeOrDefault(request->page_size());
    if (!pageSize) {
        call->finish(pageSize.status());
        return call->reactor();
    }
    auto page = m_config.listItems(request->namespace_(), request->group(), *pageSize,
                                   request->page_token());
    if (!page) {
        call->finish(page.status());
        return call->reactor();
    }
    response->mutable_header()->set_revision(page->revision);
    for (const auto &item : page->items) {
        toProto(item, masks(call->caller()), request->include_content(), response->add_items());
    }
    response->set_next_page_token(page->nextPageToken);
    call->finish(Status::ok());
    return call->reactor();
}

grpc::ServerUnaryReactor *ConfigServiceImpl::GetConfigItem(Context *context,
                                                           const v1::GetConfigItemRequest *request,
                                                           v1::GetConfigItemResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.ConfigService/GetConfigItem", {},
                                 request->ref().namespace_());
    if (!call->authorized()) {
        return call->reactor();
    }
    const ItemRef ref = refFrom(request->ref());
    if (Status valid = config::ConfigCenter::validateRef(ref); !valid.isOk()) {
        call->finish(valid);
        return call->reactor();
    }
    store::Revision revision = 0;
    const auto item = m_config.item(ref, &revision);
    if (!item) {
        call->finish(notFound("there is no config " + ref.path()));
        return call->reactor();
    }
    response->mutable_header()->set_revision(revision);
    toProto(*item, masks(call->caller()), true, response->mutable_item());
    call->finish(Status::ok());
    return call->reactor();
}

grpc::ServerUnaryReactor *ConfigServiceImpl::PublishConfig(Context *context,
                                                           const v1::PublishConfigRequest *request,
                                                           v1::PublishConfigResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.ConfigService/PublishConfig",
                                 resourceOf(request->change().ref()));
    if (!call->authorized()) {
        return call->reactor();
    }
    auto change = changeFrom(request->change(), "change");
    if (!change) {
        call->finish(change.status());
        return call->reactor();
    }
    if (Status refused = refuseAlertingContent(change->ref.ns, "change.ref.namespace");
        !refused.isOk()) {
        call->finish(refused);
        return call->reactor();
    }
    call->setSummary("publish from v" + std::to_string(change->baseVersion) + ": " +
                     request->comment().substr(0, 200));
    m_config.publish({std::move(*change)}, request->comment(), authorOf(call->caller()),
                     publishedInto(call, response), {call->auditOperation()});
    return call->reactor();
}

grpc::ServerUnaryReactor *
ConfigServiceImpl::PublishChangeSet(Context *context, const v1::PublishChangeSetRequest *request,
                                    v1::PublishChangeSetResponse *response) {
    const std::string resource =
        request->changes_size() > 0
            ? resourceOf(request->changes(0).ref()) +
                  (request->changes_size() > 1
                       ? " (+" + std::to_string(request->changes_size() - 1) + " more)"
                       : "")
            : "config";
    auto call =
        UnaryCall::start(m_api, context, "/aegis.v1.ConfigService/PublishChangeSet", resource);
    if (!call->authorized()) {
        return call->reactor();
    }
    std::vector<config::Change> changes;
    for (int i = 0; i < request->changes_size(); ++i) {
        const std::string field = "changes[" + std::to_string(i) + "]";
        auto change = changeFrom(request->changes(i), field);
        if (!change) {
            call->finish(change.status());
            return call->reactor();
        }
        if (Status refused = refuseAlertingContent(change->ref.ns, field + ".ref.namespace");
            !refused.isOk()) {
            call->finish(refused);
            return call->reactor();
        }
        changes.push_back(std::move(*change));
    }
    call->setSummary("change set of " + std::to_string(changes.size()) + ": " +
                     request->comment().substr(0, 200));
    m_config.publish(std::move(changes), request->comment(), authorOf(call->caller()),
                     publishedInto(call, response), {call->auditOperation()});
    return call->reactor();
}

grpc::ServerUnaryReactor *
ConfigServiceImpl::DeleteConfigItem(Context *context, const v1::DeleteConfigItemRequest *request,
                                    v1::DeleteConfigItemResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.ConfigService/DeleteConfigItem",
                                 resourceOf(request->ref()));
    if (!call->authorized()) {
        return call->reactor();
    }
    call->setSummary("delete at v" + std::to_string(request->expected_version()));
    m_config.remove(refFrom(request->ref()), request->expected_version(), authorOf(call->caller()),
                    revisionInto(call, response->mutable_header()), {call->auditOperation()});
    return call->reactor();
}

grpc::ServerUnaryReactor *
ConfigServiceImpl::ListConfigVersions(Context *context,
                                      const v1::ListConfigVersionsRequest *request,
                                      v1::ListConfigVersionsResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.ConfigService/ListConfigVersions");
    if (!call->authorized()) {
        return call->reactor();
    }
    auto pageSize = pageSizeOrDefault(request->page_size());
    if (!pageSize) {
        call->finish(pageSize.status());
        return call->reactor();
    }
    auto page = m_config.versions(refFrom(request->ref()), *pageSize, request->page_token());
    if (!page) {
        call->finish(page.status());
        return call->reactor();
    }
    response->mutable_header()->set_revision(page->revision);
    for (const auto &version : page->items) {
        toProto(version, masks(call->caller()), request->include_content(),
                response->add_versions());
    }
    response->set_next_page_token(page->nextPageToken);
    call->finish(Status::ok());
    return call->reactor();
}

grpc::ServerUnaryReactor *
ConfigServiceImpl::GetConfigVersion(Context *context, const v1::GetConfigVersionRequest *request,
                                    v1::GetConfigVersionResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.ConfigService/GetConfigVersion");
    if (!call->authorized()) {
        return call->reactor();
    }
    store::Revision revision = 0;
    auto version = m_config.version(refFrom(request->ref()), request->version(), &revision);
    if (!version) {
        call->finish(version.status());
        return call->reactor();
    }
    response->mutable_header()->set_revision(revision);
    toProto(*version, masks(call->caller()), true, response->mutable_version());
    call->finish(Status::ok());
    return call->reactor();
}

grpc::ServerUnaryReactor *
ConfigServiceImpl::DiffConfigVersions(Context *context,
                                      const v1::DiffConfigVersionsRequest *request,
                                      v1::DiffConfigVersionsResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.ConfigService/DiffConfigVersions");
    if (!call->authorized()) {
        return call->reactor();
    }
    if (request->context_lines() < 0 || request->context_lines() > 100) {
        call->finish(invalidArgument("context_lines must be between 0 and 100"));
        return call->reactor();
    }
    const ItemRef ref = refFrom(request->ref());
    // Versions never change: the earlier of the two reads is a revision both reflect.
    store::Revision revision = 0;
    auto from = m_config.version(ref, request->from_version(), &revision);
    auto to = m_config.version(ref, request->to_version());
    if (!from || !to) {
        call->finish(from ? to.status() : from.status());
        return call->reactor();
    }
    if (masks(call->caller()) && (from->secret || to->secret)) {
        call->finish(Status(StatusCode::PermissionDenied,
                            "the versions of a secret are compared by operators only"));
        return call->reactor();
    }
    const auto diff =
        config::unifiedDiff(from->content, to->content, "v" + std::to_string(from->number),
                            "v" + std::to_string(to->number),
                            request->context_lines() == 0 ? 3 : request->context_lines());
    response->mutable_header()->set_revision(revision);
    response->set_unified_diff(diff.text);
    response->set_added_lines(diff.added);
    response->set_removed_lines(diff.removed);
    call->finish(Status::ok());
    return call->reactor();
}

grpc::ServerUnaryReactor *
ConfigServiceImpl::RollbackConfig(Context *context, const v1::RollbackConfigRequest *request,
                                  v1::RollbackConfigResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.ConfigService/RollbackConfig",
                                 resourceOf(request->ref()));
    if (!call->authorized()) {
        return call->reactor();
    }
    call->setSummary("rollback to v" + std::to_string(request->to_version()));
    m_config.rollback(refFrom(request->ref()), request->to_version(), request->base_version(),
                      request->comment(), authorOf(call->caller()), publishedInto(call, response),
                      {call->auditOperation()});
    return call->reactor();
}

grpc::ServerUnaryReactor *
ConfigServiceImpl::StartGrayRelease(Context *context, const v1::StartGrayReleaseRequest *request,
                                    v1::StartGrayReleaseResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.ConfigService/StartGrayRelease",
                                 resourceOf(request->ref()));
    if (!call->authorized()) {
        return call->reactor();
    }
    if (Status refused = refuseAlertingContent(request->ref().namespace_(), "ref.namespace");
        !refused.isOk()) {
        call->finish(refused);
        return call->reactor();
    }
    config::GrayRelease targeting;
    targeting.selector = request->selector();
    targeting.instanceIds = {request->instance_ids().begin(), request->instance_ids().end()};
    targeting.percent = request->percent();
    call->setSummary("gray to " +
                     (!targeting.selector.empty() ? "selector " + targeting.selector
                      : targeting.percent != 0
                          ? std::to_string(targeting.percent) + "% of instances"
                          : std::to_string(targeting.instanceIds.size()) + " instance(s)"));
    m_config.startGray(refFrom(request->ref()), request->content(), request->base_version(),
                       std::move(targeting), request->comment(), authorOf(call->caller()),
                       publishedInto(call, response), {call->auditOperation()});
    return call->reactor();
}

grpc::ServerUnaryReactor *
ConfigServiceImpl::PromoteGrayRelease(Context *context,
                                      const v1::PromoteGrayReleaseRequest *request,
                                      v1::PromoteGrayReleaseResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.ConfigService/PromoteGrayRelease",
                                 resourceOf(request->ref()));
    if (!call->authorized()) {
        return call->reactor();
    }
    call->setSummary("promote gray release");
    m_config.promoteGray(refFrom(request->ref()), request->comment(), authorOf(call->caller()),
                         publishedInto(call, response), {call->auditOperation()});
    return call->reactor();
}

grpc::ServerUnaryReactor *
ConfigServiceImpl::CancelGrayRelease(Context *context, const v1::CancelGrayReleaseRequest *request,
                                     v1::CancelGrayReleaseResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.ConfigService/CancelGrayRelease",
                                 resourceOf(request->ref()));
    if (!call->authorized()) {
        return call->reactor();
    }
    call->setSummary("cancel gray release");
    m_config.cancelGray(refFrom(request->ref()), publishedInto(call, response),
                        {call->auditOperation()});
    return call->reactor();
}

grpc::ServerUnaryReactor *ConfigServiceImpl::ListProposals(Context *context,
                                                           const v1::ListProposalsRequest *request,
                                                           v1::ListProposalsResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.ConfigService/ListProposals");
    if (!call->authorized()) {
        return call->reactor();
    }
    if (Status valid = config::ConfigCenter::validateNamespace(request->namespace_(), "namespace");
        !valid.isOk()) {
        call->finish(valid);
        return call->reactor();
    }
    store::Revision revision = 0;
    const auto proposals =
        m_config.proposals(request->namespace_(), request->include_decided(), &revision);
    response->mutable_header()->set_revision(revision);
    for (const auto &proposal : proposals) {
        toProto(proposal, masks(call->caller()), response->add_proposals());
    }
    call->finish(Status::ok());
    return call->reactor();
}

grpc::ServerUnaryReactor *
ConfigServiceImpl::ApproveProposal(Context *context, const v1::ApproveProposalRequest *request,
                                   v1::ApproveProposalResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.ConfigService/ApproveProposal",
                                 "config/" + request->namespace_().substr(0, 63) + "/proposals/" +
                                     request->id().substr(0, 64));
    if (!call->authorized()) {
        return call->reactor();
    }
    if (Status valid = validateFreeText(request->reason(), "reason", 1024); !valid.isOk()) {
        call->finish(valid);
        return call->reactor();
    }
    call->setSummary("approve" +
                     (request->reason().empty() ? std::string() : ": " + request->reason()));
    m_config.approve(request->namespace_(), request->id(), authorOf(call->caller()),
                     publishedInto(call, response), {call->auditOperation()});
    return call->reactor();
}

grpc::ServerUnaryReactor *
ConfigServiceImpl::RejectProposal(Context *context, const v1::RejectProposalRequest *request,
                                  v1::RejectProposalResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.ConfigService/RejectProposal",
                                 "config/" + request->namespace_().substr(0, 63) + "/proposals/" +
                                     request->id().substr(0, 64));
    if (!call->authorized()) {
        return call->reactor();
    }
    call->setSummary("reject: " + request->reason().substr(0, 200));
    m_config.reject(request->namespace_(), request->id(), authorOf(call->caller()),
                    request->reason(), revisionInto(call, response->mutable_header()),
                    {call->auditOperation()});
    return call->reactor();
}

grpc::ServerWriteReactor<grpc::ByteBuffer> *
ConfigServiceImpl::watchConfig(Context *context, const v1::WatchConfigRequest &request) {
    auto open = [this, &request, caller = identify(m_api, *context)](std::function<void()> notify) {
        return openWatch(request, caller, std::move(notify));
    };
    return new SerializedWatchStream<v1::WatchConfigResponse>(m_api, context, kWatchMethod, open,
                                                              {}, request.namespace_());
}

StatusOr<WatchFeedPtr<v1::WatchConfigResponse>>
ConfigServiceImpl::openWatch(const v1::WatchConfigRequest &request, const Caller &caller,
                             std::function<void()> notify) {
    config::ConfigWatchRequest watch;
    watch.scope = {request.namespace_(), request.group(), request.key()};
    watch.service = request.service();
    watch.instanceId = request.instance_id();
    watch.startRevision = request.start_revision();
    // Read again only once an instance changed: a gray release's change asks every watcher at
    // once, and a fleet's labels rarely change meanwhile. Called by the watch's one consumer at a
    // time, so the cache needs no lock.
    struct LabelsRead {
        std::optional<std::uint64_t> at; // Registry::instanceChanges() when read
        std::shared_ptr<const Labels> labels;
    };
    watch.labels = [this, service = watch.service, instanceId = watch.instanceId,
                    read = std::make_shared<LabelsRead>()]() -> std::shared_ptr<const Labels> {
        if (instanceId.empty()) {
            return nullptr;
        }
        const std::uint64_t changes = m_registry.instanceChanges(); // before the read
        if (read->at != changes) {
            read->labels = std::make_shared<const Labels>(
                m_registry.labels(service, instanceId).value_or(Labels{}));
            read->at = changes;
        }
        return read->labels;
    };
    watch.labelsGeneration = [this] { return m_registry.instanceChanges(); };
    auto watcher = m_config.watch(m_api.hub, watch, std::move(notify));
    if (!watcher) {
        return watcher.status();
    }
    return WatchFeedPtr<v1::WatchConfigResponse>(
        std::make_unique<ConfigFeed>(std::move(*watcher), masks(caller), m_eventBytes));
}

grpc::ServerUnaryReactor *ConfigServiceImpl::AckConfig(Context *context,
                                                       const v1::AckConfigRequest *request,
                                                       v1::AckConfigResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.ConfigService/AckConfig",
                                 resourceOf(request->ref()), request->service());
    if (!call->authorized()) {
        return call->reactor();
    }
    Status valid = registry::Registry::validateServiceName(request->service(), "service");
    if (valid.isOk()) {
        valid = registry::Registry::validateInstanceId(request->instance_id(), "instance_id");
    }
    if (valid.isOk() && request->version() <= 0) {
        valid = invalidArgument("version must be positive");
    }
    // Only a registered instance's acknowledgement counts; anything else would show ghosts in
    // the applied summary.
    const auto registered = valid.isOk()
                                ? m_registry.instance(request->service(), request->instance_id())
                                : std::nullopt;
    if (valid.isOk() && !registered) {
        valid = notFound("service '" + request->service() + "' has no registered instance '" +
                         request->instance_id() + "'");
    }
    if (!valid.isOk()) {
        call->finish(valid);
        return call->reactor();
    }
    m_config.ack(
        refFrom(request->ref()), request->service(), request->instance_id(), request->version(),
        request->error(),
        [call, response](StatusOr<store::Revision> revision) {
            if (!revision) {
                return call->finish(revision.status());
            }
            response->mutable_header()->set_revision(*revision);
            call->finish(Status::ok());
        },
        registered->createRevision);
    return call->reactor();
}

grpc::ServerUnaryReactor *
ConfigServiceImpl::GetAppliedStatus(Context *context, const v1::GetAppliedStatusRequest *request,
                                    v1::GetAppliedStatusResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.ConfigService/GetAppliedStatus");
    if (!call->authorized()) {
        return call->reactor();
    }
    const ItemRef ref = refFrom(request->ref());
    if (Status valid = config::ConfigCenter::validateRef(ref); !valid.isOk()) {
        call->finish(valid);
        return call->reactor();
    }
    if (!m_config.item(ref)) {
        call->finish(notFound("there is no config " + ref.path()));
        return call->reactor();
    }
    // Only what the instances registered now acknowledged: a torn-down colour's, or an earlier
    // run's processes', records stay in the store but are not the state of the service.
    const auto status = m_config.applied(
        ref,
        [this](const std::string &service,
               const std::string &instanceId) -> std::optional<store::Revision> {
            const auto instance = m_registry.instance(service, instanceId);
            return instance ? std::optional(instance->createRevision) : std::nullopt;
        });
    response->mutable_header()->set_revision(status.revision);
    response->set_published_version(status.publishedVersion);
    response->set_gray_version(status.grayVersion);
    for (const auto &instance : status.instances) {
        auto *out = response->add_instances();
        out->set_service(instance.service);
        out->set_instance_id(instance.instanceId);
        out->set_version(instance.version);
        out->set_error(instance.error);
        api::toProto(instance.time, out->mutable_time());
    }
    response->set_summary(status.summary);
    call->finish(Status::ok());
    return call->reactor();
}

grpc::ServerUnaryReactor *
ConfigServiceImpl::ExportNamespace(Context *context, const v1::ExportNamespaceRequest *request,
                                   v1::ExportNamespaceResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.ConfigService/ExportNamespace");
    if (!call->authorized()) {
        return call->reactor();
    }
    if (request->include_secrets() && call->caller().role != auth::Role::Admin) {
        call->finish(Status(StatusCode::PermissionDenied,
                            "include_secrets: only admins export secrets in clear"));
        return call->reactor();
    }
    store::Revision revision = 0;
    auto yaml =
        m_config.exportNamespace(request->namespace_(), request->include_secrets(), &revision);
    if (!yaml) {
        call->finish(yaml.status());
        return call->reactor();
    }
    response->mutable_header()->set_revision(revision);
    response->set_yaml(std::move(*yaml));
    call->finish(Status::ok());
    return call->reactor();
}

grpc::ServerUnaryReactor *
ConfigServiceImpl::ImportNamespace(Context *context, const v1::ImportNamespaceRequest *request,
                                   v1::ImportNamespaceResponse *response) {
    auto call = UnaryCall::start(m_api, context, "/aegis.v1.ConfigService/ImportNamespace",
                                 "config/" + request->namespace_().substr(0, 63));
    if (!call->authorized()) {
        return call->reactor();
    }
    if (!request->comment().empty()) {
        if (Status valid = validateFreeText(request->comment(), "comment", 1024); !valid.isOk()) {
            call->finish(valid);
            return call->reactor();
        }
    }
    if (Status refused = refuseAlertingContent(request->namespace_(), "namespace");
        !refused.isOk()) {
        call->finish(refused);
        return call->reactor();
    }
    int unchanged = 0;
    auto changes = m_config.importChanges(request->namespace_(), request->yaml(), unchanged);
    if (!changes) {
        call->finish(changes.status());
        return call->reactor();
    }
    response->set_unchanged(unchanged);
    if (changes->empty()) {
        response->mutable_header()->set_revision(m_api.store.currentRevision());
        call->setSummary("import: nothing changed");
        call->finish(Status::ok());
        return call->reactor();
    }
    call->setSummary("import of " + std::to_string(changes->size()) + " item(s)");
    m_config.publish(std::move(*changes),
                     request->comment().empty() ? std::string("import") : request->comment(),
                     authorOf(call->caller()), publishedInto(call, response),
                     {call->auditOperation()}, config::VersionKind::Import);
    return call->reactor();
}

} // namespace aegis::api
