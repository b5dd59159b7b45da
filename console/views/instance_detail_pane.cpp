#include "views/instance_detail_pane.h"

#include "models/display_format.h"
#include "models/display_names.h"
#include "models/health_timeline_model.h"
#include "models/instance_model.h"
#include "views/health_timeline_view.h"
#include "views/instance_delegate.h"
#include "views/theme.h"

#include <QLabel>
#include <QVBoxLayout>

namespace aegis::console {
namespace {

// The fields in the order the constructor names them.
enum Field {
    Address,
    Colour,
    Version,
    Weight,
    Health,
    Output,
    Registered,
    Lease,
    Revisions,
    Labels,
    Metadata,
    Check,
    Probes
};

QString mapText(const QMap<QString, QString> &map) {
    QStringList parts;
    for (auto it = map.cbegin(); it != map.cend(); ++it) {
        parts.append(QStringLiteral("%1=%2").arg(it.key(), it.value()));
    }
    return parts.isEmpty() ? QStringLiteral("—") : parts.join(QStringLiteral(", "));
}

} // namespace

InstanceDetailPane::InstanceDetailPane(QWidget *parent)
    // Where and what, and how it is, on the left; its lease, labels and check on the right.
    : DetailPane(tr("Select an instance to see its details."),
                 {{tr("Address"), Column::Left},
                  {tr("Colour"), Column::Left},
                  {tr("Version"), Column::Left},
                  {tr("Weight"), Column::Left},
                  {tr("Health"), Column::Left},
                  {tr("Output"), Column::Left},
                  {tr("Registered"), Column::Right},
                  {tr("Lease"), Column::Right},
                  {tr("Revisions"), Column::Right},
                  {tr("Labels"), Column::Right},
                  {tr("Metadata"), Column::Right},
                  {tr("Check"), Column::Right},
                  {tr("Probes"), Column::Right}},
                 parent)
    , m_timeline(new HealthTimelineView) {
    auto *section = new QWidget;
    auto *layout = new QVBoxLayout(section);
    layout->setContentsMargins(0, 6, 0, 0);
    layout->setSpacing(6);
    auto *title = new QLabel(tr("Health, last hour"));
    title->setObjectName(QStringLiteral("DetailKey"));
    layout->addWidget(title);
    layout->addWidget(m_timeline);
    addSection(section);
}

void InstanceDetailPane::setTimelineModel(HealthTimelineModel *model) {
    m_timeline->setModel(model);
}

void InstanceDetailPane::showInstance(const std::optional<ServiceInstance> &instance,
                                      const QDateTime &now) {
    if (!instance || !m_instance || instance->key() != m_instance->key()) {
        m_report.reset();
        m_problem.clear();
    }
    m_instance = instance;
    if (!instance) {
        showHint();
        return;
    }
    const ThemeColors colors = themeColors(palette());
    const QString dash = QStringLiteral("—");
    const QString colour = instance->labels.value(QStringLiteral("color"));
    value(Address)->setText(instance->address.isEmpty() ? dash : instance->address);
    value(Colour)->setText(
        colour.isEmpty()
            ? dash
            : QStringLiteral("<span style=\"color:%1\">■</span> %2")
                  .arg(deployColourTone(colour.toLower(), colors).name(), colour.toHtmlEscaped()));
    value(Version)->setText(instance->labels.value(QStringLiteral("version"), dash));
    value(Weight)->setText(instance->weight == 0 ? tr("0 (receives no traffic)")
                                                 : formatCount(instance->weight));
    value(Registered)
        ->setText(instance->registerTime.isValid()
                      ? tr("%1 (%2 ago)")
                            .arg(absoluteTime(instance->registerTime), leaseAge(*instance, now))
                      : dash);
    value(Lease)->setText(tr("%1 · TTL %2")
                              .arg(instance->leaseId)
                              .arg(humanDuration(instance->leaseTtlSeconds * 1000)));
    value(Revisions)->setText(
        tr("created %1 · modified %2")
            .arg(formatCount(instance->createRevision), formatCount(instance->modRevision)));
    value(Labels)->setText(mapText(instance->labels));
    value(Metadata)->setText(mapText(instance->metadata));
    showHealth();
    // The title's status is the worst thing about the instance: a failing health badge outranks
    // its registration state, so a critical instance never reads "serving" in green.
    const HealthBadge badge = healthBadge(instance->health);
    QString status = instanceStateName(instance->state);
    QColor statusTone = instanceStateTone(static_cast<int>(instance->state), colors);
    if (badgeSeverity(badge) >= badgeSeverity(HealthBadge::Warning)) {
        QStringList parts{healthBadgeName(badge)};
        if (instance->state != InstanceState::Serving) {
            parts.append(status);
        }
        if (!instance->routable) {
            parts.append(tr("not routed"));
        }
        status = parts.join(QStringLiteral(" · "));
        statusTone = healthBadgeTone(badge, colors);
    }
    showDetails(QStringLiteral("%1 / %2").arg(instance->service, instance->id), status, statusTone);
}

void InstanceDetailPane::showHealthReport(const std::optional<InstanceHealthReport> &report,
                                          const QString &problem) {
    const bool forShown = !report || (m_instance && report->service == m_instance->service &&
                                      report->instanceId == m_instance->id);
    if (!forShown) {
        return;
    }
    m_report = report;
    m_problem = problem;
    if (m_instance) {
        showHealth();
    }
}

void InstanceDetailPane::showHealth() {
    const ThemeColors colors = themeColors(palette());
    const QString dash = QStringLiteral("—");
    const InstanceHealth &health = m_instance->health;
    const HealthBadge badge = healthBadge(health);
    QString text =
        QStringLiteral("<span style=\"color:%1; font-weight:600\">● %2</span>")
            .arg(healthBadgeTone(badge, colors).name(), healthBadgeName(badge).toHtmlEscaped());
    if (!health.reason.isEmpty()) {
        text += QStringLiteral(" — ") + health.reason.toHtmlEscaped();
    }
    if (health.changedAt.isValid()) {
        text += QStringLiteral(" <span style=\"color:%1\">(%2)</span>")
                    .arg(colors.muted.name(),
                         relativeTime(health.changedAt, QDateTime::currentDateTimeUtc())
                             .toHtmlEscaped());
    }
    if (!m_instance->routable) {
        text += QStringLiteral("<br>") + tr("Not routed: discovery leaves it out").toHtmlEscaped();
    } else if (isUnroutableHealth(health)) {
        text +=
            QStringLiteral("<br>") + tr("Routed anyway: its service is in panic").toHtmlEscaped();
    }
    if (!health.checked && badge == HealthBadge::Unknown) {
        text = QStringLiteral("<span style=\"color:%1\">● %2</span>")
                   .arg(colors.muted.name(), tr("not checked").toHtmlEscaped());
    }
    value(Health)->setText(text);

    const std::optional<CheckDetail> check = m_report ? m_report->check : std::nullopt;
    const QString output =
        check && !check->lastOutput.isEmpty() ? check->lastOutput : health.output;
    value(Output)->setTextFormat(Qt::PlainText);
    value(Output)->setText(output.isEmpty() ? dash : output);
    if (check) {
        value(Check)->setText(tr("%1 → %2 · check says %3")
                                  .arg(check->kind, check->target.isEmpty() ? dash : check->target,
                                       healthStatusName(check->status)));
        QStringList probes;
        probes.append(check->probeCount == 1 ? tr("1 probe")
                                             : tr("%1 probes").arg(formatCount(check->probeCount)));
        if (check->consecutiveFailing > 0) {
            probes.append(tr("%n failing in a row", nullptr, check->consecutiveFailing));
        } else {
            probes.append(tr("%n passing in a row", nullptr, check->consecutivePassing));
        }
        if (check->consecutiveCallFailures > 0) {
            probes.append(
                tr("%n failed call(s) reported", nullptr, check->consecutiveCallFailures));
        }
        probes.append(check->ejectionCount == 0 ? tr("never ejected")
                      : check->ejectionCount == 1
                          ? tr("ejected once")
                          : tr("ejected %1 times").arg(formatCount(check->ejectionCount)));
        value(Probes)->setText(probes.join(QStringLiteral(" · ")));
    } else {
        const QString why = !m_problem.isEmpty() ? m_problem
                            : m_report           ? tr("No check covers this instance")
                                                 : tr("Loading…");
        value(Check)->setText(why);
        value(Probes)->setText(dash);
    }
    m_timeline->setPlaceholder(!m_problem.isEmpty() ? m_problem : tr("Loading…"));
}

QString InstanceDetailPane::fieldText(const QString &name) const {
    if (name == QLatin1String("status")) {
        return statusText();
    }
    static const QHash<QString, int> fields = {{QStringLiteral("health"), Health},
                                               {QStringLiteral("output"), Output},
                                               {QStringLiteral("check"), Check},
                                               {QStringLiteral("probes"), Probes}};
    const auto it = fields.constFind(name);
    return it == fields.cend() ? QString() : value(*it)->text();
}

} // namespace aegis::console
