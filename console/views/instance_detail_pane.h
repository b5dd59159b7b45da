#pragma once

#include "net/api_types.h"
#include "views/detail_pane.h"

#include <optional>

namespace aegis::console {

// The selected instance in full: address, state, colour, weight, lease, revisions, labels and
// metadata; a hint when nothing is selected.
class InstanceDetailPane final : public DetailPane {
    Q_OBJECT
public:
    explicit InstanceDetailPane(QWidget *parent = nullptr);

    // `now` ages the registration time.
    void showInstance(const std::optional<ServiceInstance> &instance, const QDateTime &now);
    const std::optional<ServiceInstance> &instance() const { return m_instance; }

private:
    std::optional<ServiceInstance> m_instance;
};

} // namespace aegis::console
