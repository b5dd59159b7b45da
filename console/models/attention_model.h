#pragma once

#include "net/api_types.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QPointer>
#include <QTimer>

namespace aegis::console {

class AuditRecordModel;
class InstanceModel;
class ReleaseModel;
class ServiceSummaryModel;

// One thing the Overview lists: a problem or a rollout in flight, and where to act on it.
struct AttentionItem {
    // How it is drawn, worst first.
    enum class Tone { Danger, Ejected, Warning, Attention, Accent };
    // The page that acts on it.
    enum class Target { Services, Releases, Config, Audit };

    Tone tone = Tone::Warning;
    // Orders the list, higher first: instanceSeverity() for instances.
    int severity = 0;
    // "critical", "panic", "failed", "awaiting approval".
    QString status;
    // "checkout/checkout-3", "checkout", "checkout-4".
    QString subject;
    QString detail;
    // "Open in Services", "Approve in Releases".
    QString action;
    Target target = Target::Services;
    // What to select on the target page: an instance key, a service, a rollout id, an item.
    QString key;
    // The service, where the target page selects by service first.
    QString service;

    friend bool operator==(const AttentionItem &, const AttentionItem &) = default;
};

// The Overview's lists, derived from the models the other pages keep live (the Services page's
// instances and summary, the Releases page's releases, the Audit page's records), so the
// Overview asks the daemon for nothing of its own. Problems: critical, ejected and flapping
// instances, services in panic, failed (and recently rolled back) rollouts and failed
// configuration changes. In flight: every active rollout with its phase and the action it waits
// for. Recomputed at most every `kCoalesceMs` after a source changes; a small list, so it is
// reset rather than patched.
class AttentionModel final : public QAbstractTableModel {
    Q_OBJECT
public:
    enum class Scope { Problems, InFlight };
    enum Column { StatusColumn, SubjectColumn, DetailColumn, ActionColumn, ColumnCount };
    enum Role {
        // AttentionItem.
        ItemRole = Qt::UserRole + 1,
        // AttentionItem::Tone as int.
        ToneRole,
    };
    static constexpr int kCoalesceMs = 200;

    explicit AttentionModel(Scope scope, QObject *parent = nullptr);

    // Each not owned; any may be null.
    void setSources(InstanceModel *instances, ServiceSummaryModel *services, ReleaseModel *releases,
                    AuditRecordModel *audit);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    const AttentionItem &itemAt(int row) const { return m_items.at(row); }
    // Recomputes now (tests; the coalescing timer calls it too). `now` ages rolled back
    // rollouts and audit records out of the list.
    void recompute(const QDateTime &now = QDateTime::currentDateTimeUtc());

private:
    void scheduleRecompute();
    void watch(QAbstractItemModel *source);
    QList<AttentionItem> problems(const QDateTime &now) const;
    QList<AttentionItem> inFlight() const;

    Scope m_scope;
    QPointer<InstanceModel> m_instances;
    QPointer<ServiceSummaryModel> m_services;
    QPointer<ReleaseModel> m_releases;
    QPointer<AuditRecordModel> m_audit;
    QList<AttentionItem> m_items;
    QTimer m_coalesce;
};

} // namespace aegis::console

Q_DECLARE_METATYPE(aegis::console::AttentionItem)
