#include "models/attention_model.h"

#include "models/audit_record_model.h"
#include "models/display_format.h"
#include "models/display_names.h"
#include "models/instance_model.h"
#include "models/release_model.h"
#include "models/rollout_format.h"
#include "models/service_summary_model.h"

#include <algorithm>

namespace aegis::console {
namespace {

// A rolled back rollout or a failed configuration change stays listed this long.
constexpr qint64 kRecentSeconds = 24 * 3600;

} // namespace

AttentionModel::AttentionModel(Scope scope, QObject *parent)
    : QAbstractTableModel(parent)
    , m_scope(scope) {
    m_coalesce.setSingleShot(true);
    m_coalesce.setInterval(kCoalesceMs);
    connect(&m_coalesce, &QTimer::timeout, this, [this] { recompute(); });
}

void AttentionModel::watch(QAbstractItemModel *source) {
    if (!source) {
        return;
    }
    connect(source, &QAbstractItemModel::dataChanged, this, &AttentionModel::scheduleRecompute);
    connect(source, &QAbstractItemModel::rowsInserted, this, &AttentionModel::scheduleRecompute);
    connect(source, &QAbstractItemModel::rowsRemoved, this, &AttentionModel::scheduleRecompute);
    connect(source, &QAbstractItemModel::modelReset, this, &AttentionModel::scheduleRecompute);
}

void AttentionModel::setSources(InstanceModel *instances, ServiceSummaryModel *services,
                                ReleaseModel *releases, AuditRecordModel *audit) {
    for (QAbstractItemModel *old : std::initializer_list<QAbstractItemModel *>{
             m_instances, m_services, m_releases, m_audit}) {
        if (old) {
            disconnect(old, nullptr, this, nullptr);
        }
    }
    m_instances = instances;
    m_services = services;
    m_releases = releases;
    m_audit = audit;
    if (m_scope == Scope::Problems) {
        watch(instances);
        watch(services);
        watch(audit);
    }
    watch(releases);
    recompute();
}

void AttentionModel::scheduleRecompute() {
    if (!m_coalesce.isActive()) {
        m_coalesce.start();
    }
}

void AttentionModel::recompute(const QDateTime &now) {
    m_coalesce.stop();
    QList<AttentionItem> items = m_scope == Scope::Problems ? problems(now) : inFlight();
    std::stable_sort(
        items.begin(), items.end(),
        [](const AttentionItem &a, const AttentionItem &b) { return a.severity > b.severity; });
    if (items == m_items) {
        return;
    }
    beginResetModel();
    m_items = std::move(items);
    endResetModel();
}

QList<AttentionItem> AttentionModel::problems(const QDateTime &now) const {
    QList<AttentionItem> items;
    if (m_instances) {
        for (int row = 0; row < m_instances->rowCount(); ++row) {
            const ServiceInstance &instance = m_instances->instanceAt(row);
            const HealthBadge badge = healthBadge(instance.health);
            if (badgeSeverity(badge) < badgeSeverity(HealthBadge::Flapping)) {
                continue;
            }
            AttentionItem item;
            item.tone = badge == HealthBadge::Ejected    ? AttentionItem::Tone::Ejected
                        : badge == HealthBadge::Critical ? AttentionItem::Tone::Danger
                                                         : AttentionItem::Tone::Attention;
            item.severity = badgeSeverity(badge) * 10;
            item.status = healthBadgeName(badge);
            item.subject = instance.key();
            QStringList detail;
            if (!instance.health.reason.isEmpty()) {
                detail.append(instance.health.reason);
            }
            detail.append(instance.routable ? tr("still routed") : tr("not routed"));
            if (instance.health.changedAt.isValid()) {
                detail.append(tr("since %1").arg(relativeTime(instance.health.changedAt, now)));
            }
            item.detail = detail.join(QStringLiteral(" · "));
            item.action = tr("Open in Services");
            item.target = AttentionItem::Target::Services;
            item.key = instance.key();
            item.service = instance.service;
            items.append(item);
        }
    }
    if (m_services) {
        for (int row = 1; row < m_services->rowCount(); ++row) {
            const QModelIndex index = m_services->index(row, 0);
            if (!index.data(ServiceSummaryModel::PanicRole).toBool()) {
                continue;
            }
            const HealthCounts counts = m_services->healthCounts(row);
            AttentionItem item;
            item.tone = AttentionItem::Tone::Danger;
            item.severity = 45; // Between a critical and an ejected instance.
            item.status = tr("panic");
            item.subject = index.data(ServiceSummaryModel::ServiceNameRole).toString();
            item.detail = tr("%1 of %2 instances unhealthy: discovery hands out every instance, "
                             "unhealthy ones too")
                              .arg(formatCount(counts.unhealthy), formatCount(counts.instances));
            item.action = tr("Open in Services");
            item.target = AttentionItem::Target::Services;
            item.key = item.subject;
            item.service = item.subject;
            items.append(item);
        }
    }
    if (m_releases) {
        for (const QString &service : m_releases->serviceNames()) {
            const auto rollout = m_releases->latestRollout(service);
            if (!rollout) {
                continue;
            }
            const bool failed = rollout->phase == RolloutPhase::Failed;
            const bool rolledBack = rollout->phase == RolloutPhase::RolledBack &&
                                    rollout->finishTime.isValid() &&
                                    rollout->finishTime.secsTo(now) < kRecentSeconds;
            if (!failed && !rolledBack) {
                continue;
            }
            AttentionItem item;
            item.tone = failed ? AttentionItem::Tone::Danger : AttentionItem::Tone::Warning;
            item.severity = failed ? 40 : 20;
            item.status = rolloutPhaseName(rollout->phase);
            item.subject = rollout->id;
            item.detail = tr("%1 %2").arg(service, rollout->spec.version);
            if (!rollout->message.isEmpty()) {
                item.detail += QStringLiteral(" · ") + rollout->message;
            }
            item.action = failed ? tr("Retry or undo in Releases") : tr("Open in Releases");
            item.target = AttentionItem::Target::Releases;
            item.key = rollout->id;
            item.service = service;
            items.append(item);
        }
    }
    if (m_audit) {
        // Configuration changes the daemon refused (a conflict, a rule it rejected) lately.
        for (int row = 0; row < m_audit->rowCount(); ++row) {
            const AuditEntry &entry = m_audit->entryAt(row);
            if (entry.time.isValid() && entry.time.secsTo(now) >= kRecentSeconds) {
                break; // Newest first: the rest are older still.
            }
            if (entry.succeeded() || !entry.method.contains(QLatin1String("ConfigService"))) {
                continue;
            }
            AttentionItem item;
            item.tone = AttentionItem::Tone::Warning;
            item.severity = 15;
            item.status = tr("config failed");
            item.subject = entry.resource;
            item.detail = tr("%1 by %2, %3: %4")
                              .arg(entry.method.section(QLatin1Char('/'), -1), entry.actor,
                                   relativeTime(entry.time, now),
                                   entry.error.isEmpty() ? entry.summary : entry.error);
            item.action = tr("Open in Audit");
            item.target = AttentionItem::Target::Audit;
            item.key = entry.id;
            items.append(item);
        }
    }
    return items;
}

QList<AttentionItem> AttentionModel::inFlight() const {
    QList<AttentionItem> items;
    if (!m_releases) {
        return items;
    }
    for (const QString &service : m_releases->serviceNames()) {
        const auto rollout = m_releases->latestRollout(service);
        if (!rollout || !rollout->isActive()) {
            continue;
        }
        const QList<CanaryStep> steps = rollout->spec.effectiveSteps();
        const bool waitsForPromote = rollout->phase == RolloutPhase::Switching &&
                                     rollout->stepApplied && rollout->currentStep < steps.size() &&
                                     steps.at(rollout->currentStep).untilPromoted;
        AttentionItem item;
        item.tone =
            rollout->phase == RolloutPhase::AwaitingApproval || waitsForPromote || rollout->paused
                ? AttentionItem::Tone::Warning
                : AttentionItem::Tone::Accent;
        item.severity = item.tone == AttentionItem::Tone::Warning ? 1 : 0;
        item.status = rolloutStatusText(rollout->phase, rollout->paused);
        item.subject = rollout->id;
        QStringList detail{tr("%1 → %2").arg(service, rollout->spec.version)};
        if (rollout->spec.strategy == RolloutStrategy::Canary && !steps.isEmpty()) {
            detail.append(tr("step %1 of %2").arg(rollout->currentStep + 1).arg(steps.size()));
        }
        if (rollout->traffic.blue + rollout->traffic.green > 0) {
            detail.append(trafficText(rollout->traffic));
        }
        item.detail = detail.join(QStringLiteral(" · "));
        item.action = rollout->phase == RolloutPhase::AwaitingApproval ? tr("Approve in Releases")
                      : waitsForPromote                                ? tr("Promote in Releases")
                      : rollout->paused                                ? tr("Resume in Releases")
                                                                       : tr("Watch in Releases");
        item.target = AttentionItem::Target::Releases;
        item.key = rollout->id;
        item.service = service;
        items.append(item);
    }
    return items;
}

int AttentionModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_items.size());
}

int AttentionModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant AttentionModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    const AttentionItem &item = m_items.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case StatusColumn:
            return item.status;
        case SubjectColumn:
            return item.subject;
        case DetailColumn:
            return item.detail;
        case ActionColumn:
            return item.action + QStringLiteral(" →");
        }
        break;
    case Qt::ToolTipRole:
        return index.column() == DetailColumn ? item.detail : item.action;
    case ItemRole:
        return QVariant::fromValue(item);
    case ToneRole:
        return static_cast<int>(item.tone);
    }
    return {};
}

QVariant AttentionModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return QAbstractTableModel::headerData(section, orientation, role);
    }
    switch (section) {
    case StatusColumn:
        return tr("Status");
    case SubjectColumn:
        return m_scope == Scope::Problems ? tr("What") : tr("Rollout");
    case DetailColumn:
        return tr("Details");
    case ActionColumn:
        return tr("Where to act");
    }
    return {};
}

} // namespace aegis::console
