#include "api/alert_service.h"

#include "alerting/alertmanager_silences.h"
#include "api/convert.h"
#include "api/watch_stream.h"
#include "common/input_text.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <tuple>

namespace aegis::api {
namespace {

namespace v1 = aegis::v1;

constexpr std::size_t kMaxContentBytes = 1024 * 1024;
constexpr std::size_t kMaxCommentBytes = 1024;
constexpr std::size_t kMaxNameBytes = 128;
constexpr std::string_view kWatchMethod = "/aegis.v1.AlertService/WatchAlerts";

std::string method(std::string_view name) {
    return "/aegis.v1.AlertService/" + std::string(name);
}

config::ItemRef ruleFileRef(const std::string &name) {
    return {std::string(alerting::kAlertingNamespace), std::string(alerting::kRulesGroup), name};
}

config::ItemRef alertmanagerRef() {
    return {std::string(alerting::kAlertingNamespace), std::string(alerting::kAlertmanagerGroup),
            std::string(alerting::kAlertmanagerConfigKey)};
}

config::Author authorOf(const Caller &caller) {
    return {caller.name, caller.role == auth::Role::Admin};
}

// name: 1 to 128 characters of A-Z a-z 0-9 . _ -
Status validateFileName(const std::string &name, std::string_view field) {
    if (name.empty()) {
        return invalidArgument(std::string(field) + " is required (the rule file's name)");
    }
    if (name.size() > kMaxNameBytes) {
        return invalidArgument(std::string(field) + " is " + std::to_string(name.size()) +
                               " characters; at most " + std::to_string(kMaxNameBytes));
    }
    const auto bad = std::find_if(name.begin(), name.end(), [](char c) {
        return !(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-');
    });
    if (bad != name.end() || name == "." || name == "..") {
        return invalidArgument(std::string(field) + ": " + quoteInput(name) +
                               " may hold only A-Z, a-z, 0-9, '.', '_' and '-'");
    }
    return Status::ok();
}

Status validateContent(const std::string &content, std::string_view field, std::string_view what) {
    if (content.empty()) {
        return invalidArgument(std::string(field) + " is required (" + std::string(what) + ")");
    }
    if (content.size() > kMaxContentBytes) {
        return invalidArgument(std::string(field) + " is " + std::to_string(content.size()) +
                               " bytes; at most 1 MiB (" + std::to_string(kMaxContentBytes) +
                               " bytes)");
    }
    return Status::ok();
}

Status validateComment(const std::string &comment) {
    if (comment.empty()) {
        return invalidArgument("comment is required: say why, in 1 to 1024 bytes");
    }
    return validateFreeText(comment, "comment", kMaxCommentBytes);
}

Status validateBaseVersion(std::int64_t version, std::string_view field) {
    if (version < 0) {
        return invalidArgument(std::string(field) + " must not be negative (0 creates)");
    }
    return Status::ok();
}

// Answers the call with `status` when it is an error; the handler then returns reactor().
bool refused(UnaryCall &call, const Status &status) {
    if (status.isOk()) {
        return false;
    }
    call.finish(status);
    return true;
}

// The first error among checks that all run, or ok.
Status firstError(std::initializer_list<Status> checks) {
    for (const Status &check : checks) {
        if (!check.isOk()) {
            return check;
        }
    }
    return Status::ok();
}

std::vector<alerting::Matcher>
matchersOf(const google::protobuf::RepeatedPtrField<v1::Matcher> &in) {
    std::vector<alerting::Matcher> matchers;
    for (const v1::Matcher &m : in) {
        matchers.push_back({m.name(), m.value(), m.is_regex(), m.is_equal()});
    }
    return matchers;
}

// Sets group_count and rule_count of a message that summarises a rule file.
template <typename Message>
void countsInto(const alerting::RuleFile &file, Message *out) {
    int rules = 0;
    for (const alerting::RuleGroup &group : file.groups) {
        rules += static_cast<int>(group.rules.size());
    }
    out->set_group_count(static_cast<int>(file.groups.size()));
    out->set_rule_count(rules);
}

// Publishes `content` as the YAML item `ref` from `baseVersion`, the call's audit record in the
// same transaction, and answers the call: the response carries the revision and the proposal's
// id, or what `published` takes from the stored item.
template <typename Response, typename Published>
void publishYaml(config::ConfigCenter &config, const std::shared_ptr<UnaryCall> &call,
                 config::ItemRef ref, std::string content, std::int64_t baseVersion,
                 std::string comment, Response *response, Published published) {
    config::Change change;
    change.ref = std::move(ref);
    change.format = config::Format::Yaml;
    change.content = std::move(content);
    change.baseVersion = baseVersion;
    config.publish({std::move(change)}, std::move(comment), authorOf(call->caller()),
                   [call, response, published](StatusOr<config::PublishResult> result) {
                       if (!result) {
                           return call->finish(result.status());
                       }
                       response->mutable_header()->set_revision(result->revision);
                       if (result->proposal) {
                           response->set_proposal_id(result->proposal->id);
                       } else if (!result->items.empty()) {
                           published(result->items.front(), response);
                       }
                       call->finish(Status::ok(), result->revision, true);
                   },
                   {call->auditOperation()});
}

template <typename Labels>
void labelsInto(const Labels &labels, google::protobuf::RepeatedPtrField<v1::Label> *out) {
    for (const auto &[name, value] : labels) {
        auto *label = out->Add();
        label->set_name(name);
        label->set_value(value);
    }
}

void timeInto(alerting::TimePoint time, google::protobuf::Timestamp *out) {
    toProto(time, out);
}

void setTime(alerting::TimePoint time, google::protobuf::Timestamp *(v1::Alert::*field)(),
             v1::Alert *out) {
    if (time.time_since_epoch().count() != 0) {
        timeInto(time, (out->*field)());
    }
}

// The active silences, compiled once per answer.
struct CompiledSilences {
    std::vector<std::pair<std::string, alerting::MatcherSet>> silences;

    explicit CompiledSilences(const alerting::SilenceApi *api) {
        if (api == nullptr) {
            return;
        }
        for (alerting::Silence &silence : api->activeSilences()) {
            if (silence.state != alerting::SilenceState::Active) {
                continue;
            }
            auto compiled = alerting::MatcherSet::compile(std::move(silence.matchers));
            if (compiled) {
                silences.emplace_back(silence.id, std::move(*compiled));
            }
        }
    }
    std::vector<std::string> matching(const alerting::LabelSet &labels) const {
        std::vector<std::string> ids;
        for (const auto &[id, matchers] : silences) {
            if (matchers.matches(labels)) {
                ids.push_back(id);
            }
        }
        return ids;
    }
};

void toProto(const alerting::Alert &alert, const CompiledSilences *silences, v1::Alert *out) {
    out->set_id(alert.id);
    out->set_rule(alert.rule);
    labelsInto(alert.labels, out->mutable_labels());
    labelsInto(alert.annotations, out->mutable_annotations());
    out->set_state(static_cast<v1::AlertState>(alert.state));
    out->set_value(alert.value);
    setTime(alert.activeAt, &v1::Alert::mutable_active_at, out);
    setTime(alert.firedAt, &v1::Alert::mutable_fired_at, out);
    setTime(alert.resolvedAt, &v1::Alert::mutable_resolved_at, out);
    setTime(alert.lastSentAt, &v1::Alert::mutable_last_sent_at, out);
    setTime(alert.keepFiringSince, &v1::Alert::mutable_keep_firing_since, out);
    setTime(alert.lastEvaluation, &v1::Alert::mutable_last_evaluation, out);
    if (silences != nullptr) {
        for (std::string &id : silences->matching(alert.labels)) {
            out->add_silenced_by(std::move(id));
        }
    }
}

StatusOr<alerting::MatcherSet>
matchersFrom(const google::protobuf::RepeatedPtrField<v1::Matcher> &in, std::string_view field) {
    return alerting::MatcherSet::compile(matchersOf(in), field);
}

void toProto(const alerting::Matcher &matcher, v1::Matcher *out) {
    out->set_name(matcher.name);
    out->set_value(matcher.value);
    out->set_is_regex(matcher.isRegex);
    out->set_is_equal(matcher.isEqual);
}

void toProto(const alerting::Silence &silence, v1::Silence *out) {
    out->set_id(silence.id);
    for (const alerting::Matcher &matcher : silence.matchers) {
        toProto(matcher, out->add_matchers());
    }
    timeInto(silence.startsAt, out->mutable_starts_at());
    timeInto(silence.endsAt, out->mutable_ends_at());
    out->set_created_by(silence.createdBy);
    out->set_comment(silence.comment);
    out->set_state(static_cast<v1::SilenceState>(silence.state));
}

void toProto(const alerting::RuleStatus &status, v1::Rule *out) {
    out->set_file(status.file);
    out->set_group(status.group);
    out->set_name(status.rule.name());
    out->set_recording(!status.rule.isAlerting());
    out->set_expr(status.rule.expr);
    out->set_for_ms(status.rule.forDuration.count());
    out->set_keep_firing_for_ms(status.rule.keepFiringFor.count());
    labelsInto(status.rule.labels, out->mutable_labels());
    labelsInto(status.rule.annotations, out->mutable_annotations());
    out->set_interval_ms(status.interval.count());
    out->set_health(static_cast<v1::RuleHealth>(status.health));
    out->set_last_error(status.lastError);
    if (status.lastEvaluation.time_since_epoch().count() != 0) {
        timeInto(status.lastEvaluation, out->mutable_last_evaluation());
    }
    out->set_evaluation_duration_us(status.evaluationDuration.count());
    out->set_pending(status.pending);
    out->set_firing(status.firing);
}

void toProto(const alerting::RuleDiagnostic &diagnostic, v1::Diagnostic *out) {
    out->set_line(diagnostic.position.line);
    out->set_column(diagnostic.position.column);
    out->set_group(diagnostic.group);
    out->set_rule(diagnostic.rule);
    out->set_message(diagnostic.message);
}

// A file's summary; the counts come from parsing what is stored.
void toProto(const config::Item &item, v1::RuleFileSummary *out) {
    out->set_name(item.ref.key);
    out->set_version(item.version);
    out->set_author(item.author);
    timeInto(item.updateTime, out->mutable_update_time());
    countsInto(alerting::parseRuleFile(item.content).file, out);
}

// Streams an alerting::AlertWatch; a watch from 0 first sends the alerts it starts from.
class AlertFeed final : public WatchFeed<v1::WatchAlertsResponse> {
public:
    AlertFeed(alerting::AlertWatchPtr watch, store::Revision startsAfter,
              const alerting::SilenceApi *silences)
        : m_watch(std::move(watch))
        , m_startsAfter(startsAfter)
        , m_silences(silences) {}

    store::Revision startsAfter() const override { return m_startsAfter; }

    StatusOr<bool> next(v1::WatchAlertsResponse &response) override {
        for (;;) {
            auto batch = m_watch->take(kWatchBatchEvents);
            if (!batch.ended.isOk()) {
                return batch.ended;
            }
            if (batch.events.empty()) {
                return false;
            }
            response.Clear();
            response.mutable_header()->set_revision(batch.revision);
            const CompiledSilences silences(m_silences);
            for (const alerting::AlertEvent &event : batch.events) {
                auto *out = response.add_events();
                out->set_type(static_cast<v1::AlertEventType>(event.type));
                toProto(event.alert, &silences, out->mutable_alert());
            }
            return true;
        }
    }

    void cancel() override { m_watch->cancel(); }

private:
    const alerting::AlertWatchPtr m_watch;
    const store::Revision m_startsAfter;
    const alerting::SilenceApi *m_silences; // Not owned; may be null.
};

} // namespace

AlertServiceImpl::AlertServiceImpl(ApiContext &api, alerting::AlertEngine &engine,
                                   config::ConfigCenter &config, AlertServiceOptions options)
    : m_api(api)
    , m_engine(engine)
    , m_config(config)
    , m_options(std::move(options)) {}

Status AlertServiceImpl::silencesAvailable() const {
    if (m_options.silences == nullptr) {
        return failedPrecondition("silences live in Alertmanager, and alerting.alertmanager is "
                                  "none: set it to managed or external (flag --alertmanager)");
    }
    return Status::ok();
}

grpc::ServerUnaryReactor *AlertServiceImpl::ListAlerts(grpc::CallbackServerContext *context,
                                                       const v1::ListAlertsRequest *request,
                                                       v1::ListAlertsResponse *response) {
    auto call = UnaryCall::start(m_api, context, method("ListAlerts"));
    if (!call->authorized()) {
        return call->reactor();
    }
    auto matchers = matchersFrom(request->matchers(), "matchers");
    if (!matchers) {
        call->finish(matchers.status());
        return call->reactor();
    }
    store::Revision revision = 0;
    const auto alerts = m_engine.alerts(*matchers, request->include_resolved(), &revision);
    const CompiledSilences silences(m_options.silences);
    response->mutable_header()->set_revision(revision);
    for (const alerting::Alert &alert : alerts) {
        v1::Alert converted;
        toProto(alert, &silences, &converted);
        if (request->exclude_silenced() && converted.silenced_by_size() > 0) {
            continue;
        }
        *response->add_alerts() = std::move(converted);
    }
    call->finish(Status::ok());
    return call->reactor();
}

grpc::ServerWriteReactor<v1::WatchAlertsResponse> *
AlertServiceImpl::WatchAlerts(grpc::CallbackServerContext *context,
                              const v1::WatchAlertsRequest *request) {
    // The alerts a watch from 0 starts from, read by `open` and sent by the first message.
    auto snapshot = std::make_shared<std::vector<alerting::Alert>>();
    auto open =
        [this, request, snapshot](
            std::function<void()> notify) -> StatusOr<WatchFeedPtr<v1::WatchAlertsResponse>> {
        if (request->start_revision() < 0) {
            return invalidArgument("start_revision must not be negative (0: a snapshot first)");
        }
        auto matchers = matchersFrom(request->matchers(), "matchers");
        if (!matchers) {
            return matchers.status();
        }
        store::Revision from = request->start_revision();
        if (from == 0) {
            store::Revision at = 0;
            *snapshot = m_engine.alerts(*matchers, true, &at);
            from = at + 1;
        }
        auto watch = m_engine.watch(m_api.hub, std::move(*matchers), from, std::move(notify));
        if (!watch) {
            return watch.status();
        }
        return WatchFeedPtr<v1::WatchAlertsResponse>(
            std::make_unique<AlertFeed>(std::move(*watch), from - 1, m_options.silences));
    };
    const bool fromNow = request->start_revision() == 0;
    auto first = [this, snapshot, fromNow](store::Revision, v1::WatchAlertsResponse &response) {
        if (!fromNow) {
            return;
        }
        response.set_snapshot(true);
        const CompiledSilences silences(m_options.silences);
        for (const alerting::Alert &alert : *snapshot) {
            auto *event = response.add_events();
            event->set_type(v1::ALERT_EVENT_TYPE_CHANGED);
            toProto(alert, &silences, event->mutable_alert());
        }
        snapshot->clear();
    };
    return new WatchStream<v1::WatchAlertsResponse>(m_api, context, kWatchMethod, open, first);
}

grpc::ServerUnaryReactor *
AlertServiceImpl::GetAlertHistory(grpc::CallbackServerContext *context,
                                  const v1::GetAlertHistoryRequest *request,
                                  v1::GetAlertHistoryResponse *response) {
    auto call = UnaryCall::start(m_api, context, method("GetAlertHistory"));
    if (!call->authorized()) {
        return call->reactor();
    }
    if (request->alert_id().empty() == request->rule().empty()) {
        call->finish(invalidArgument(
            "give one of alert_id and rule (\"<file>/<group>/<alertname>\"), not both"));
        return call->reactor();
    }
    if (request->limit() < 0 || request->limit() > 1000) {
        call->finish(invalidArgument("limit must be between 1 and 1000 (0: 100)"));
        return call->reactor();
    }
    const std::size_t limit = request->limit() == 0 ? 100 : request->limit();
    response->mutable_header()->set_revision(m_api.store.currentRevision());
    for (const alerting::Transition &transition :
         m_engine.history(request->alert_id(), request->rule(), limit)) {
        auto *out = response->add_transitions();
        out->set_alert_id(transition.alertId);
        out->set_rule(transition.rule);
        labelsInto(transition.labels, out->mutable_labels());
        out->set_from(static_cast<v1::AlertState>(transition.from));
        out->set_to(static_cast<v1::AlertState>(transition.to));
        out->set_value(transition.value);
        timeInto(transition.time, out->mutable_time());
    }
    call->finish(Status::ok());
    return call->reactor();
}

grpc::ServerUnaryReactor *AlertServiceImpl::ListRules(grpc::CallbackServerContext *context,
                                                      const v1::ListRulesRequest *request,
                                                      v1::ListRulesResponse *response) {
    auto call = UnaryCall::start(m_api, context, method("ListRules"));
    if (!call->authorized()) {
        return call->reactor();
    }
    if (!request->file().empty()) {
        if (refused(*call, validateFileName(request->file(), "file"))) {
            return call->reactor();
        }
    }
    std::string token;
    store::Revision revision = 0;
    do {
        auto page = m_config.listItems(std::string(alerting::kAlertingNamespace),
                                       std::string(alerting::kRulesGroup), 500, token);
        if (!page) {
            call->finish(page.status());
            return call->reactor();
        }
        revision = revision == 0 ? page->revision : revision;
        for (const config::Item &item : page->items) {
            if (request->file().empty() || item.ref.key == request->file()) {
                toProto(item, response->add_files());
            }
        }
        token = page->nextPageToken;
    } while (!token.empty());
    response->mutable_header()->set_revision(revision);
    for (const alerting::RuleStatus &rule : m_engine.rules(request->file())) {
        toProto(rule, response->add_rules());
    }
    call->finish(Status::ok());
    return call->reactor();
}

grpc::ServerUnaryReactor *AlertServiceImpl::GetRuleFile(grpc::CallbackServerContext *context,
                                                        const v1::GetRuleFileRequest *request,
                                                        v1::GetRuleFileResponse *response) {
    auto call = UnaryCall::start(m_api, context, method("GetRuleFile"));
    if (!call->authorized()) {
        return call->reactor();
    }
    if (refused(*call, validateFileName(request->name(), "name"))) {
        return call->reactor();
    }
    store::Revision revision = 0;
    const auto item = m_config.item(ruleFileRef(request->name()), &revision);
    if (!item) {
        call->finish(notFound("there is no rule file " + quoteInput(request->name()) +
                              " (ListRules lists them)"));
        return call->reactor();
    }
    response->mutable_header()->set_revision(revision);
    toProto(*item, response->mutable_file());
    response->set_content(item->content);
    call->finish(Status::ok());
    return call->reactor();
}

grpc::ServerUnaryReactor *AlertServiceImpl::PutRuleFile(grpc::CallbackServerContext *context,
                                                        const v1::PutRuleFileRequest *request,
                                                        v1::PutRuleFileResponse *response) {
    auto call = UnaryCall::start(m_api, context, method("PutRuleFile"),
                                 "alerting/rules/" + request->name().substr(0, kMaxNameBytes));
    if (!call->authorized()) {
        return call->reactor();
    }
    if (refused(*call,
                firstError({validateFileName(request->name(), "name"),
                            validateContent(request->content(), "content",
                                            "a Prometheus rule file: groups: ..."),
                            validateComment(request->comment()),
                            validateBaseVersion(request->base_version(), "base_version")}))) {
        return call->reactor();
    }
    auto file = alerting::loadRuleFile(request->content());
    if (!file) {
        call->finish(invalidArgument("content: " + file.status().message()));
        return call->reactor();
    }
    call->setSummary("put rule file from v" + std::to_string(request->base_version()) + ": " +
                     request->comment().substr(0, 200));
    auto publish = [this, call, response, name = request->name(), content = request->content(),
                    baseVersion = request->base_version(), comment = request->comment()] {
        publishYaml(m_config, call, ruleFileRef(name), content, baseVersion, comment, response,
                    [](const config::Item &item, v1::PutRuleFileResponse *out) {
                        toProto(item, out->mutable_file());
                    });
    };
    if (!m_options.metricsOn) {
        publish();
        return call->reactor();
    }
    m_engine.checkExpressions(
        std::move(*file), [call, publish = std::move(publish)](
                              std::vector<alerting::RuleDiagnostic> diagnostics) mutable {
            if (!diagnostics.empty()) {
                std::string message = "content: " + diagnostics.front().text();
                if (diagnostics.size() > 1) {
                    message += " (and " + std::to_string(diagnostics.size() - 1) + " more)";
                }
                return call->finish(invalidArgument(message));
            }
            publish();
        });
    return call->reactor();
}

grpc::ServerUnaryReactor *AlertServiceImpl::DeleteRuleFile(grpc::CallbackServerContext *context,
                                                           const v1::DeleteRuleFileRequest *request,
                                                           v1::DeleteRuleFileResponse *response) {
    auto call = UnaryCall::start(m_api, context, method("DeleteRuleFile"),
                                 "alerting/rules/" + request->name().substr(0, kMaxNameBytes));
    if (!call->authorized()) {
        return call->reactor();
    }
    if (refused(*call, validateFileName(request->name(), "name"))) {
        return call->reactor();
    }
    if (request->expected_version() <= 0) {
        call->finish(invalidArgument(
            "expected_version is required: the version being deleted (GetRuleFile shows it)"));
        return call->reactor();
    }
    call->setSummary("delete rule file v" + std::to_string(request->expected_version()));
    m_config.remove(ruleFileRef(request->name()), request->expected_version(),
                    authorOf(call->caller()),
                    [call, response](StatusOr<store::Revision> revision) {
                        if (!revision) {
                            return call->finish(revision.status());
                        }
                        response->mutable_header()->set_revision(*revision);
                        call->finish(Status::ok(), *revision, true);
                    },
                    {call->auditOperation()});
    return call->reactor();
}

grpc::ServerUnaryReactor *
AlertServiceImpl::ValidateRuleFile(grpc::CallbackServerContext *context,
                                   const v1::ValidateRuleFileRequest *request,
                                   v1::ValidateRuleFileResponse *response) {
    auto call = UnaryCall::start(m_api, context, method("ValidateRuleFile"));
    if (!call->authorized()) {
        return call->reactor();
    }
    if (request->content().size() > kMaxContentBytes) {
        call->finish(validateContent(request->content(), "content", "a rule file"));
        return call->reactor();
    }
    alerting::ParsedRuleFile parsed = alerting::parseRuleFile(request->content());
    countsInto(parsed.file, response);
    for (const alerting::RuleDiagnostic &diagnostic : parsed.diagnostics) {
        toProto(diagnostic, response->add_diagnostics());
    }
    if (!request->check_expressions() || !m_options.metricsOn || !parsed.diagnostics.empty()) {
        call->finish(Status::ok());
        return call->reactor();
    }
    m_engine.checkExpressions(std::move(parsed.file),
                              [call, response](std::vector<alerting::RuleDiagnostic> diagnostics) {
                                  for (const alerting::RuleDiagnostic &diagnostic : diagnostics) {
                                      toProto(diagnostic, response->add_diagnostics());
                                  }
                                  call->finish(Status::ok());
                              });
    return call->reactor();
}

grpc::ServerUnaryReactor *AlertServiceImpl::TestRule(grpc::CallbackServerContext *context,
                                                     const v1::TestRuleRequest *request,
                                                     v1::TestRuleResponse *response) {
    auto call = UnaryCall::start(m_api, context, method("TestRule"));
    if (!call->authorized()) {
        return call->reactor();
    }
    if (refused(*call, validateContent(request->rule(), "rule", "one alerting rule as YAML"))) {
        return call->reactor();
    }
    if (request->interval_ms() < 0 || request->interval_ms() > 24LL * 3600 * 1000) {
        call->finish(invalidArgument("interval_ms must be between 0 (alerting.evaluation_"
                                     "interval) and 86400000 (a day)"));
        return call->reactor();
    }
    auto rule = alerting::parseRule(request->rule());
    if (!rule) {
        call->finish(invalidArgument("rule: " + rule.status().message()));
        return call->reactor();
    }
    if (!rule->isAlerting()) {
        call->finish(invalidArgument("rule: TestRule evaluates alerting rules (alert:), not "
                                     "recording rules"));
        return call->reactor();
    }
    const std::chrono::milliseconds interval =
        request->interval_ms() == 0 ? m_options.evaluationInterval
                                    : std::chrono::milliseconds(request->interval_ms());
    m_engine.testRule(std::move(*rule), interval,
                      [call, response](StatusOr<alerting::TestRuleResult> result) {
                          if (!result) {
                              return call->finish(result.status());
                          }
                          for (const alerting::Alert &alert : result->alerts) {
                              toProto(alert, nullptr, response->add_alerts());
                          }
                          response->set_series_count(result->seriesCount);
                          for (const std::string &warning : result->warnings) {
                              response->add_warnings(warning);
                          }
                          call->finish(Status::ok());
                      });
    return call->reactor();
}

grpc::ServerUnaryReactor *AlertServiceImpl::ListSilences(grpc::CallbackServerContext *context,
                                                         const v1::ListSilencesRequest *request,
                                                         v1::ListSilencesResponse *response) {
    auto call = UnaryCall::start(m_api, context, method("ListSilences"));
    if (!call->authorized()) {
        return call->reactor();
    }
    if (refused(*call, silencesAvailable())) {
        return call->reactor();
    }
    response->mutable_header()->set_revision(m_api.store.currentRevision());
    m_options.silences->listSilences([call, response, includeExpired = request->include_expired()](
                                         StatusOr<std::vector<alerting::Silence>> silences) {
        if (!silences) {
            return call->finish(silences.status());
        }
        for (const alerting::Silence &silence : *silences) {
            if (includeExpired || silence.state != alerting::SilenceState::Expired) {
                toProto(silence, response->add_silences());
            }
        }
        call->finish(Status::ok());
    });
    return call->reactor();
}

grpc::ServerUnaryReactor *AlertServiceImpl::CreateSilence(grpc::CallbackServerContext *context,
                                                          const v1::CreateSilenceRequest *request,
                                                          v1::CreateSilenceResponse *response) {
    auto call = UnaryCall::start(m_api, context, method("CreateSilence"), "alerting/silences");
    if (!call->authorized()) {
        return call->reactor();
    }
    // What only the request's form has; the silence itself is checked by the alerting module's
    // one validation (validateSilence: matchers, times, duration, comment).
    if (refused(*call, validateFreeText(request->comment(), "comment", kMaxCommentBytes))) {
        return call->reactor();
    }
    const bool hasEnd = request->has_ends_at();
    if (hasEnd == (request->duration_ms() != 0)) {
        call->finish(invalidArgument("give one of ends_at and duration_ms (1 minute to 90 days)"));
        return call->reactor();
    }
    for (const auto &[set, time, field] :
         {std::tuple{request->has_starts_at(), &request->starts_at(), "starts_at"},
          std::tuple{hasEnd, &request->ends_at(), "ends_at"}}) {
        if (refused(*call, set ? validateTimestamp(*time, field) : Status::ok())) {
            return call->reactor();
        }
    }
    if (request->duration_ms() < 0 ||
        request->duration_ms() > std::chrono::milliseconds(alerting::kMaxSilenceDuration).count()) {
        call->finish(invalidArgument("duration_ms: a silence lasts 1 minute to 90 days"));
        return call->reactor();
    }
    const auto now = m_api.clock->now();
    alerting::Silence silence;
    silence.matchers = matchersOf(request->matchers());
    silence.startsAt = request->has_starts_at() ? fromProto(request->starts_at()) : now;
    silence.endsAt = hasEnd ? fromProto(request->ends_at())
                            : silence.startsAt + std::chrono::milliseconds(request->duration_ms());
    silence.createdBy = call->caller().name;
    silence.comment = request->comment();
    if (refused(*call, alerting::validateSilence(silence, now))) {
        return call->reactor();
    }
    if (refused(*call, silencesAvailable())) {
        return call->reactor();
    }
    silence.state =
        silence.startsAt > now ? alerting::SilenceState::Pending : alerting::SilenceState::Active;
    std::string what;
    for (const alerting::Matcher &matcher : silence.matchers) {
        what += (what.empty() ? "" : ", ") + alerting::formatMatcher(matcher);
    }
    call->setSummary("silence {" + what.substr(0, 300) + "}: " + request->comment().substr(0, 200));
    m_options.silences->createSilence(silence, [call, response, silence](StatusOr<std::string> id) {
        if (!id) {
            return call->finish(id.status());
        }
        alerting::Silence created = silence;
        created.id = *id;
        toProto(created, response->mutable_silence());
        call->finish(Status::ok());
    });
    return call->reactor();
}

grpc::ServerUnaryReactor *AlertServiceImpl::ExpireSilence(grpc::CallbackServerContext *context,
                                                          const v1::ExpireSilenceRequest *request,
                                                          v1::ExpireSilenceResponse *response) {
    auto call = UnaryCall::start(m_api, context, method("ExpireSilence"),
                                 "alerting/silences/" + request->id().substr(0, 64));
    if (!call->authorized()) {
        return call->reactor();
    }
    if (request->id().empty() || request->id().size() > 64) {
        call->finish(invalidArgument("id is required: the silence's id, up to 64 characters "
                                     "(ListSilences lists them)"));
        return call->reactor();
    }
    if (refused(*call, silencesAvailable())) {
        return call->reactor();
    }
    call->setSummary("expire silence");
    response->mutable_header()->set_revision(m_api.store.currentRevision());
    m_options.silences->expireSilence(
        request->id(), [call](StatusOr<bool> expired) { call->finish(expired.status()); });
    return call->reactor();
}

grpc::ServerUnaryReactor *
AlertServiceImpl::GetAlertmanagerConfig(grpc::CallbackServerContext *context,
                                        const v1::GetAlertmanagerConfigRequest *,
                                        v1::GetAlertmanagerConfigResponse *response) {
    auto call = UnaryCall::start(m_api, context, method("GetAlertmanagerConfig"));
    if (!call->authorized()) {
        return call->reactor();
    }
    store::Revision revision = 0;
    // None yet: empty content at version 0, which a Put with base_version 0 creates.
    if (const auto item = m_config.item(alertmanagerRef(), &revision)) {
        response->set_content(item->content);
        response->set_version(item->version);
    }
    response->mutable_header()->set_revision(revision);
    call->finish(Status::ok());
    return call->reactor();
}

grpc::ServerUnaryReactor *
AlertServiceImpl::PutAlertmanagerConfig(grpc::CallbackServerContext *context,
                                        const v1::PutAlertmanagerConfigRequest *request,
                                        v1::PutAlertmanagerConfigResponse *response) {
    auto call = UnaryCall::start(m_api, context, method("PutAlertmanagerConfig"),
                                 "alerting/alertmanager/config");
    if (!call->authorized()) {
        return call->reactor();
    }
    if (refused(*call,
                firstError({validateContent(request->content(), "content",
                                            "an Alertmanager configuration"),
                            validateComment(request->comment()),
                            validateBaseVersion(request->base_version(), "base_version")}))) {
        return call->reactor();
    }
    if (m_options.validateAlertmanagerConfig) {
        if (Status valid = m_options.validateAlertmanagerConfig(request->content());
            !valid.isOk()) {
            call->finish(invalidArgument("content: " + valid.message()));
            return call->reactor();
        }
    }
    call->setSummary("put Alertmanager configuration from v" +
                     std::to_string(request->base_version()) + ": " +
                     request->comment().substr(0, 200));
    publishYaml(m_config, call, alertmanagerRef(), request->content(), request->base_version(),
                request->comment(), response,
                [](const config::Item &item, v1::PutAlertmanagerConfigResponse *out) {
                    out->set_version(item.version);
                });
    return call->reactor();
}

grpc::ServerUnaryReactor *
AlertServiceImpl::GetAlertingStatus(grpc::CallbackServerContext *context,
                                    const v1::GetAlertingStatusRequest *,
                                    v1::GetAlertingStatusResponse *response) {
    auto call = UnaryCall::start(m_api, context, method("GetAlertingStatus"));
    if (!call->authorized()) {
        return call->reactor();
    }
    response->mutable_header()->set_revision(m_api.store.currentRevision());
    response->set_mode(alerting::alertmanagerModeName(m_options.mode));
    if (m_options.silences != nullptr) {
        for (const alerting::AlertmanagerState &state : m_options.silences->states()) {
            auto *out = response->add_alertmanagers();
            out->set_url(state.url);
            out->set_up(state.up);
            out->set_last_error(state.lastError);
            if (state.lastSuccess.time_since_epoch().count() != 0) {
                timeInto(state.lastSuccess, out->mutable_last_success());
            }
            out->set_version(state.version);
            out->set_restarts(state.restarts);
        }
    }
    int rules = 0;
    int erroring = 0;
    int pending = 0;
    int firing = 0;
    // A group's rules share its evaluation; count each group's duration once.
    std::map<std::pair<std::string, std::string>, std::int64_t> groups;
    for (const alerting::RuleStatus &rule : m_engine.rules()) {
        ++rules;
        erroring += rule.health == alerting::RuleHealth::Err ? 1 : 0;
        pending += rule.pending;
        firing += rule.firing;
        auto &duration = groups[{rule.file, rule.group}];
        duration = std::max<std::int64_t>(duration, rule.evaluationDuration.count());
    }
    std::int64_t round = 0;
    for (const auto &[group, duration] : groups) {
        round += duration;
    }
    response->set_rule_count(rules);
    response->set_erroring_rules(erroring);
    response->set_pending(pending);
    response->set_firing(firing);
    response->set_last_round_duration_us(round);
    response->set_notifications_dropped(
        m_options.notificationsDropped ? m_options.notificationsDropped() : 0);
    call->finish(Status::ok());
    return call->reactor();
}

} // namespace aegis::api
