#include "net/alerts_api.h"

#include "net/facade_support.h"

#include <aegis/v1/alerting.grpc.pb.h>

namespace aegis::console {

QString labelValue(const AlertLabels &labels, const QString &name) {
    for (const auto &[key, value] : labels) {
        if (key == name) {
            return value;
        }
    }
    return {};
}

namespace {

AlertLabels fromProto(const google::protobuf::RepeatedPtrField<v1::Label> &labels) {
    AlertLabels result;
    result.reserve(labels.size());
    for (const auto &label : labels) {
        result.append({fromStd(label.name()), fromStd(label.value())});
    }
    return result;
}

AlertInfo fromProto(const v1::Alert &alert) {
    AlertInfo result;
    result.id = fromStd(alert.id());
    result.rule = fromStd(alert.rule());
    result.labels = fromProto(alert.labels());
    result.annotations = fromProto(alert.annotations());
    result.state = static_cast<AlertState>(alert.state());
    result.value = alert.value();
    result.activeAt = fromTimestamp(alert.active_at());
    result.firedAt = fromTimestamp(alert.fired_at());
    result.resolvedAt = fromTimestamp(alert.resolved_at());
    result.lastSentAt = fromTimestamp(alert.last_sent_at());
    result.keepFiringSince = fromTimestamp(alert.keep_firing_since());
    for (const auto &id : alert.silenced_by()) {
        result.silencedBy.append(fromStd(id));
    }
    result.lastEvaluation = fromTimestamp(alert.last_evaluation());
    return result;
}

QList<AlertInfo> fromProto(const google::protobuf::RepeatedPtrField<v1::Alert> &alerts) {
    QList<AlertInfo> result;
    result.reserve(alerts.size());
    for (const auto &alert : alerts) {
        result.append(fromProto(alert));
    }
    return result;
}

void toProto(const AlertMatcher &matcher, v1::Matcher *out) {
    out->set_name(matcher.name.toStdString());
    out->set_value(matcher.value.toStdString());
    out->set_is_regex(matcher.isRegex);
    out->set_is_equal(matcher.isEqual);
}

void toProto(const QList<AlertMatcher> &matchers,
             google::protobuf::RepeatedPtrField<v1::Matcher> *out) {
    for (const AlertMatcher &matcher : matchers) {
        toProto(matcher, out->Add());
    }
}

AlertMatcher fromProto(const v1::Matcher &matcher) {
    return {fromStd(matcher.name()), fromStd(matcher.value()), matcher.is_regex(),
            matcher.is_equal()};
}

RuleFileSummary fromProto(const v1::RuleFileSummary &file) {
    RuleFileSummary result;
    result.name = fromStd(file.name());
    result.version = file.version();
    result.author = fromStd(file.author());
    result.updateTime = fromTimestamp(file.update_time());
    result.groupCount = file.group_count();
    result.ruleCount = file.rule_count();
    return result;
}

AlertRuleInfo fromProto(const v1::Rule &rule) {
    AlertRuleInfo result;
    result.file = fromStd(rule.file());
    result.group = fromStd(rule.group());
    result.name = fromStd(rule.name());
    result.recording = rule.recording();
    result.expr = fromStd(rule.expr());
    result.forMs = rule.for_ms();
    result.keepFiringForMs = rule.keep_firing_for_ms();
    result.labels = fromProto(rule.labels());
    result.annotations = fromProto(rule.annotations());
    result.intervalMs = rule.interval_ms();
    result.health = static_cast<RuleHealth>(rule.health());
    result.lastError = fromStd(rule.last_error());
    result.lastEvaluation = fromTimestamp(rule.last_evaluation());
    result.evaluationDurationUs = rule.evaluation_duration_us();
    result.pending = rule.pending();
    result.firing = rule.firing();
    return result;
}

SilenceInfo fromProto(const v1::Silence &silence) {
    SilenceInfo result;
    result.id = fromStd(silence.id());
    for (const auto &matcher : silence.matchers()) {
        result.matchers.append(fromProto(matcher));
    }
    result.startsAt = fromTimestamp(silence.starts_at());
    result.endsAt = fromTimestamp(silence.ends_at());
    result.createdBy = fromStd(silence.created_by());
    result.comment = fromStd(silence.comment());
    result.state = static_cast<SilenceState>(silence.state());
    return result;
}

AlertTransitionInfo fromProto(const v1::AlertTransition &transition) {
    AlertTransitionInfo result;
    result.alertId = fromStd(transition.alert_id());
    result.rule = fromStd(transition.rule());
    result.labels = fromProto(transition.labels());
    result.from = static_cast<AlertState>(transition.from());
    result.to = static_cast<AlertState>(transition.to());
    result.value = transition.value();
    result.time = fromTimestamp(transition.time());
    return result;
}

} // namespace

void AlertsApi::listAlerts(const AlertQuery &query, QObject *context,
                           ResultHandler<AlertList> done) {
    v1::ListAlertsRequest request;
    toProto(query.matchers, request.mutable_matchers());
    request.set_include_resolved(query.includeResolved);
    request.set_exclude_silenced(query.excludeSilenced);
    callUnary(
        *m_session, std::move(request), &v1::AlertService::Stub::ListAlerts,
        [](const v1::ListAlertsResponse &response) {
            return AlertList{fromProto(response.alerts()), response.header().revision()};
        },
        context, std::move(done));
}

void AlertsApi::alertHistory(const QString &alertId, const QString &rule, int limit,
                             QObject *context, ResultHandler<QList<AlertTransitionInfo>> done) {
    v1::GetAlertHistoryRequest request;
    request.set_alert_id(alertId.toStdString());
    request.set_rule(rule.toStdString());
    request.set_limit(limit);
    callUnary(
        *m_session, std::move(request), &v1::AlertService::Stub::GetAlertHistory,
        [](const v1::GetAlertHistoryResponse &response) {
            QList<AlertTransitionInfo> result;
            result.reserve(response.transitions_size());
            for (const auto &transition : response.transitions()) {
                result.append(fromProto(transition));
            }
            return result;
        },
        context, std::move(done));
}

void AlertsApi::listRules(const QString &file, QObject *context, ResultHandler<RuleList> done) {
    v1::ListRulesRequest request;
    request.set_file(file.toStdString());
    callUnary(
        *m_session, std::move(request), &v1::AlertService::Stub::ListRules,
        [](const v1::ListRulesResponse &response) {
            RuleList result;
            for (const auto &file : response.files()) {
                result.files.append(fromProto(file));
            }
            for (const auto &rule : response.rules()) {
                result.rules.append(fromProto(rule));
            }
            return result;
        },
        context, std::move(done));
}

void AlertsApi::getRuleFile(const QString &name, QObject *context,
                            ResultHandler<RuleFileContent> done) {
    v1::GetRuleFileRequest request;
    request.set_name(name.toStdString());
    callUnary(
        *m_session, std::move(request), &v1::AlertService::Stub::GetRuleFile,
        [](const v1::GetRuleFileResponse &response) {
            return RuleFileContent{fromProto(response.file()), fromStd(response.content())};
        },
        context, std::move(done));
}

void AlertsApi::putRuleFile(const QString &name, const QString &content, qint64 baseVersion,
                            const QString &comment, QObject *context,
                            ResultHandler<RuleFilePut> done) {
    v1::PutRuleFileRequest request;
    request.set_name(name.toStdString());
    request.set_content(content.toStdString());
    request.set_base_version(baseVersion);
    request.set_comment(comment.toStdString());
    callUnary(
        *m_session, std::move(request), &v1::AlertService::Stub::PutRuleFile,
        [](const v1::PutRuleFileResponse &response) {
            return RuleFilePut{fromProto(response.file()), fromStd(response.proposal_id())};
        },
        context, std::move(done));
}

void AlertsApi::deleteRuleFile(const QString &name, qint64 expectedVersion, QObject *context,
                               ResultHandler<Acknowledged> done) {
    v1::DeleteRuleFileRequest request;
    request.set_name(name.toStdString());
    request.set_expected_version(expectedVersion);
    callUnary(*m_session, std::move(request), &v1::AlertService::Stub::DeleteRuleFile, acknowledged,
              context, std::move(done));
}

void AlertsApi::validateRuleFile(const QString &content, bool checkExpressions, QObject *context,
                                 ResultHandler<RuleValidation> done) {
    v1::ValidateRuleFileRequest request;
    request.set_content(content.toStdString());
    request.set_check_expressions(checkExpressions);
    callUnary(
        *m_session, std::move(request), &v1::AlertService::Stub::ValidateRuleFile,
        [](const v1::ValidateRuleFileResponse &response) {
            RuleValidation result;
            for (const auto &diagnostic : response.diagnostics()) {
                result.diagnostics.append({diagnostic.line(), diagnostic.column(),
                                           fromStd(diagnostic.group()), fromStd(diagnostic.rule()),
                                           fromStd(diagnostic.message())});
            }
            result.groupCount = response.group_count();
            result.ruleCount = response.rule_count();
            return result;
        },
        context, std::move(done));
}

void AlertsApi::testRule(const QString &rule, qint64 intervalMs, QObject *context,
                         ResultHandler<RuleTestResult> done) {
    v1::TestRuleRequest request;
    request.set_rule(rule.toStdString());
    request.set_interval_ms(intervalMs);
    callUnary(
        *m_session, std::move(request), &v1::AlertService::Stub::TestRule,
        [](const v1::TestRuleResponse &response) {
            RuleTestResult result;
            result.alerts = fromProto(response.alerts());
            result.seriesCount = response.series_count();
            for (const auto &warning : response.warnings()) {
                result.warnings.append(fromStd(warning));
            }
            return result;
        },
        context, std::move(done));
}

void AlertsApi::listSilences(bool includeExpired, QObject *context,
                             ResultHandler<QList<SilenceInfo>> done) {
    v1::ListSilencesRequest request;
    request.set_include_expired(includeExpired);
    callUnary(
        *m_session, std::move(request), &v1::AlertService::Stub::ListSilences,
        [](const v1::ListSilencesResponse &response) {
            QList<SilenceInfo> result;
            result.reserve(response.silences_size());
            for (const auto &silence : response.silences()) {
                result.append(fromProto(silence));
            }
            return result;
        },
        context, std::move(done));
}

void AlertsApi::createSilence(const SilenceDraft &draft, QObject *context,
                              ResultHandler<SilenceInfo> done) {
    v1::CreateSilenceRequest request;
    toProto(draft.matchers, request.mutable_matchers());
    if (draft.startsAt.isValid()) {
        toTimestamp(draft.startsAt, request.mutable_starts_at());
    }
    request.set_duration_ms(draft.durationMs);
    request.set_comment(draft.comment.toStdString());
    callUnary(
        *m_session, std::move(request), &v1::AlertService::Stub::CreateSilence,
        [](const v1::CreateSilenceResponse &response) { return fromProto(response.silence()); },
        context, std::move(done));
}

void AlertsApi::expireSilence(const QString &id, QObject *context,
                              ResultHandler<Acknowledged> done) {
    v1::ExpireSilenceRequest request;
    request.set_id(id.toStdString());
    callUnary(*m_session, std::move(request), &v1::AlertService::Stub::ExpireSilence, acknowledged,
              context, std::move(done));
}

void AlertsApi::alertmanagerConfig(QObject *context, ResultHandler<AlertmanagerConfig> done) {
    callUnary(
        *m_session, v1::GetAlertmanagerConfigRequest(),
        &v1::AlertService::Stub::GetAlertmanagerConfig,
        [](const v1::GetAlertmanagerConfigResponse &response) {
            return AlertmanagerConfig{fromStd(response.content()), response.version()};
        },
        context, std::move(done));
}

void AlertsApi::putAlertmanagerConfig(const QString &content, qint64 baseVersion,
                                      const QString &comment, QObject *context,
                                      ResultHandler<qint64> done) {
    v1::PutAlertmanagerConfigRequest request;
    request.set_content(content.toStdString());
    request.set_base_version(baseVersion);
    request.set_comment(comment.toStdString());
    callUnary(
        *m_session, std::move(request), &v1::AlertService::Stub::PutAlertmanagerConfig,
        [](const v1::PutAlertmanagerConfigResponse &response) {
            return static_cast<qint64>(response.version());
        },
        context, std::move(done));
}

void AlertsApi::alertingStatus(QObject *context, ResultHandler<AlertingStatus> done) {
    callUnary(
        *m_session, v1::GetAlertingStatusRequest(), &v1::AlertService::Stub::GetAlertingStatus,
        [](const v1::GetAlertingStatusResponse &response) {
            AlertingStatus result;
            result.mode = fromStd(response.mode());
            for (const auto &manager : response.alertmanagers()) {
                result.alertmanagers.append({fromStd(manager.url()), manager.up(),
                                             fromStd(manager.last_error()),
                                             fromTimestamp(manager.last_success()),
                                             fromStd(manager.version()), manager.restarts()});
            }
            result.ruleCount = response.rule_count();
            result.erroringRules = response.erroring_rules();
            result.pending = response.pending();
            result.firing = response.firing();
            result.lastRoundDurationUs = response.last_round_duration_us();
            result.notificationsDropped = response.notifications_dropped();
            return result;
        },
        context, std::move(done));
}

WatchPtr AlertsApi::watchAlerts(const QList<AlertMatcher> &matchers, qint64 startRevision,
                                QObject *context, AlertWatchCallbacks callbacks) {
    v1::WatchAlertsRequest base;
    toProto(matchers, base.mutable_matchers());
    return startWatch(
        *m_session, context, startRevision, callbacks,
        [base, onEvents = callbacks.onEvents](const Watch::Post &post) -> ResumableWatch::Session {
            return [post, base, onEvents](WatchCall &call, qint64 start,
                                          const ResumableWatch::Received &received) {
                v1::WatchAlertsRequest request = base;
                request.set_start_revision(start);
                auto stub = v1::AlertService::NewStub(call.channel);
                auto reader = stub->WatchAlerts(&call.context, request);
                v1::WatchAlertsResponse response;
                while (reader->Read(&response)) {
                    AlertBatch batch;
                    batch.snapshot = response.snapshot();
                    batch.revision = response.header().revision();
                    batch.changes.reserve(response.events_size());
                    for (const auto &event : response.events()) {
                        batch.changes.append({event.type() == v1::ALERT_EVENT_TYPE_REMOVED,
                                              fromProto(event.alert())});
                    }
                    received(batch.revision);
                    if (onEvents) {
                        post([onEvents, batch = std::move(batch)] { onEvents(batch); });
                    }
                }
                return reader->Finish();
            };
        },
        // A refused caller or a daemon without alerting do not change by retrying.
        [](int code) {
            return code != grpc::StatusCode::INVALID_ARGUMENT &&
                   code != grpc::StatusCode::PERMISSION_DENIED &&
                   code != grpc::StatusCode::UNAUTHENTICATED &&
                   code != grpc::StatusCode::UNIMPLEMENTED;
        });
}

} // namespace aegis::console
