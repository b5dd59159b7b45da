#pragma once

#include "net/api_types.h"
#include "net/call_scope.h"
#include "net/config_api.h"

#include <QWidget>

#include <functional>

class QComboBox;
class QFrame;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QStackedWidget;

namespace aegis::console {

class Session;

// Gray (beta) release of one item: with none in progress, a form that releases the editor's
// content to a label selector, a list of instance ids or a percentage of instances (by a stable
// hash of the id), with a required comment; with one in progress, what it is (version, target,
// who started it and when) with Promote (publish it to every instance) and Cancel (its instances
// go back to the published version). Each action is answered with the item as it is now.
class ConfigGrayPanel final : public QWidget {
    Q_OBJECT
public:
    enum class Target { Selector, InstanceIds, Percent };

    explicit ConfigGrayPanel(Session *session, QWidget *parent = nullptr);

    // `content` supplies what a new gray release publishes (the editor's text); `writeBlocked`
    // says why the caller may not release (empty: they may).
    void setItem(const ConfigItem &item, const QString &writeBlocked);
    void setContentSource(std::function<QString()> content) { m_content = std::move(content); }

    void setTarget(Target target, const QString &value);
    void setComment(const QString &comment);
    // Checks the form and starts the gray release; false (with the reason shown) if it is not
    // sent.
    bool start();
    bool promote();
    bool cancel();
    QString messageText() const;
    bool isInProgress() const { return m_item.gray.has_value(); }

signals:
    void itemChanged(const aegis::console::ConfigItem &item);

private:
    void updateView();
    void onDone(const CallResult<ConfigPublishResult> &result);
    void showMessage(const QString &text);

    ConfigApi m_config;
    ConfigItem m_item;
    QString m_writeBlocked;
    std::function<QString()> m_content;
    // A start, promote or cancel is in flight.
    bool m_busy = false;
    QString m_pendingVerb;

    QStackedWidget *m_stack;
    QComboBox *m_targetKind;
    QLineEdit *m_selector;
    QLineEdit *m_instanceIds;
    QSpinBox *m_percent;
    QStackedWidget *m_targetValue;
    QLineEdit *m_comment;
    QPushButton *m_start;
    QLabel *m_progress;
    QPushButton *m_promote;
    QPushButton *m_cancel;
    QLabel *m_message;
};

} // namespace aegis::console
