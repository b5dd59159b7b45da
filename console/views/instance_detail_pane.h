#pragma once

#include "net/api_types.h"
#include "views/detail_pane.h"

#include <optional>

namespace aegis::console {

class HealthTimelineModel;
class HealthTimelineView;

// The selected instance in full: address, state, colour, weight, lease, revisions, labels and
// metadata; its health (status, reason, output), the live detail of its check, and a strip of
// its health over the last hour. A hint when nothing is selected.
class InstanceDetailPane final : public DetailPane {
    Q_OBJECT
public:
    explicit InstanceDetailPane(QWidget *parent = nullptr);

    // `now` ages the registration time.
    void showInstance(const std::optional<ServiceInstance> &instance, const QDateTime &now);
    const std::optional<ServiceInstance> &instance() const { return m_instance; }
    // The live check detail of the instance shown (nullopt: not loaded, or the daemon cannot
    // say; `problem` then says why, if known).
    void showHealthReport(const std::optional<InstanceHealthReport> &report,
                          const QString &problem);
    // Not owned.
    void setTimelineModel(HealthTimelineModel *model);
    HealthTimelineView *timeline() const { return m_timeline; }
    // For tests: the text of a field ("health", "output", "check", "probes"), or "status": the
    // status beside the title.
    QString fieldText(const QString &name) const;

private:
    void showHealth();

    std::optional<ServiceInstance> m_instance;
    std::optional<InstanceHealthReport> m_report;
    QString m_problem;
    HealthTimelineView *m_timeline;
};

} // namespace aegis::console
