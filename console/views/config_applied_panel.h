#pragma once

#include "net/api_types.h"
#include "net/call_scope.h"
#include "net/config_api.h"

#include <QTimer>
#include <QWidget>

class QLabel;
class QTableView;

namespace aegis::console {

class Session;
class AppliedStatusModel;

// Which instances run which version of one item (GetAppliedStatus): the daemon's summary ("9 of
// 10 on v7; checkout-3 still on v6") above a table of every instance that acknowledged a version,
// coloured by whether it is current, gray, behind or failed. Refreshed every `interval` while the
// panel is visible, never with two requests in flight.
class ConfigAppliedPanel final : public QWidget {
    Q_OBJECT
public:
    explicit ConfigAppliedPanel(Session *session, QWidget *parent = nullptr);

    void setItem(const ConfigItemRef &ref);
    void setInterval(int milliseconds) { m_refresh.setInterval(milliseconds); }
    void refresh();

    AppliedStatusModel *model() const { return m_model; }
    QString summaryText() const;

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    Session *m_session; // Not owned.
    ConfigApi m_config;
    ConfigItemRef m_ref;
    AppliedStatusModel *m_model;
    QLabel *m_summary;
    QLabel *m_note;
    QTableView *m_table;
    QTimer m_refresh;
    // The status of the shown item in flight; showing another item drops its answer.
    CallScope m_call;
    bool m_loading = false;
};

} // namespace aegis::console
