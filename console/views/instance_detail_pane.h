#pragma once

#include "net/api_types.h"

#include <QFrame>

#include <optional>

class QLabel;
class QStackedLayout;

namespace aegis::console {

// The selected instance in full: address, state, colour, weight, lease, revisions, labels and
// metadata; a hint when nothing is selected.
class InstanceDetailPane final : public QFrame {
    Q_OBJECT
public:
    explicit InstanceDetailPane(QWidget *parent = nullptr);

    // `now` ages the registration time.
    void showInstance(const std::optional<ServiceInstance> &instance, const QDateTime &now);
    const std::optional<ServiceInstance> &instance() const { return m_instance; }

private:
    QStackedLayout *m_stack;
    QLabel *m_title;
    QLabel *m_state;
    QList<QLabel *> m_values;
    std::optional<ServiceInstance> m_instance;
};

} // namespace aegis::console
