#pragma once

#include "net/api_types.h"
#include "net/call_scope.h"
#include "net/config_api.h"

#include <QDialog>

class QDialogButtonBox;
class QFrame;
class QLabel;
class QLineEdit;
class QPushButton;

namespace aegis::console {

class Session;
class DiffView;

// "Review and publish": the published version beside the edit (a DiffView), a required comment,
// and Publish, which sends the edit with base_version = the version the edit started from. When
// the daemon answers ABORTED someone else published first: the dialog fetches the item as it is
// now, says who published which version and why, diffs their version against the edit, and
// offers "Publish over theirs" (the same edit, now based on their version) or "Discard my edit".
// Any other refusal (invalid content, a viewer's token) is shown with the daemon's message. All
// calls go through ConfigApi, so the dialog never waits on the network.
class ConfigPublishDialog final : public QDialog {
    Q_OBJECT
public:
    enum class Stage { Reviewing, Publishing, LoadingTheirs, Conflict, Published };

    // `published` is the item as the edit started from it (its content and version); `session` is
    // not owned and must outlive the dialog.
    ConfigPublishDialog(Session *session, const ConfigItem &published, const QString &edited,
                        QWidget *parent = nullptr);

    Stage stage() const { return m_stage; }
    qint64 baseVersion() const { return m_base.version; }
    // The item someone else published, once the conflict is known.
    const std::optional<ConfigItem> &theirs() const { return m_theirs; }
    DiffView *diffView() const { return m_diff; }
    QString messageText() const;

    void setComment(const QString &comment);
    // Whether the edit lays JSON out one member per line (prettyJson): their version is then
    // laid out the same way before it is compared with the edit.
    void setJsonPretty(bool pretty) { m_jsonPretty = pretty; }
    // Sends the edit (after checking there is a comment); false if it could not be sent.
    bool publish();
    // After a conflict: the same edit, based on their version.
    bool publishOverTheirs();
    // After a conflict: gives up the edit (discarded() tells the page to load theirs).
    void discardEdit();

signals:
    void published(const aegis::console::ConfigItem &item);
    // The namespace requires approval: the edit became a proposal.
    void proposed(const aegis::console::ConfigProposal &proposal);
    // The operator gave up the edit for `current`, the item as it is now.
    void discarded(const aegis::console::ConfigItem &current);

private:
    void send(qint64 baseVersion);
    void onPublished(const ConfigPublishResult &result);
    void onItem(const ConfigItem &item);
    void onFailed(const CallError &error);
    void setStage(Stage stage);
    void showMessage(const QString &text, bool error);

    ConfigApi m_config;
    ConfigItem m_base;
    QString m_edited;
    std::optional<ConfigItem> m_theirs;
    bool m_jsonPretty = false;
    Stage m_stage = Stage::Reviewing;

    QLabel *m_heading;
    QLabel *m_origin;
    QFrame *m_conflictFrame;
    QLabel *m_conflictText;
    DiffView *m_diff;
    QLineEdit *m_comment;
    QFrame *m_messageFrame;
    QLabel *m_message;
    QDialogButtonBox *m_buttons;
    QPushButton *m_publish;
    QPushButton *m_publishOver;
    QPushButton *m_discard;
};

} // namespace aegis::console
