#include "views/config_publish_dialog.h"

#include "models/display_format.h"
#include "models/json_layout.h"
#include "views/diff_view.h"
#include "views/view_helpers.h"

#include <QCoreApplication>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QStyle>
#include <QVBoxLayout>

namespace aegis::console {
namespace {

constexpr int kAborted = 10;
constexpr int kMaxComment = 1024;

QString versionOrigin(const ConfigItem &item) {
    QString text = QCoreApplication::translate("ConfigPublishDialog", "v%1").arg(item.version);
    if (!item.author.isEmpty()) {
        text += QCoreApplication::translate("ConfigPublishDialog", " by %1").arg(item.author);
    }
    if (item.updateTime.isValid()) {
        text += QCoreApplication::translate("ConfigPublishDialog", " at %1")
                    .arg(absoluteTime(item.updateTime));
    }
    if (!item.comment.isEmpty()) {
        text += QStringLiteral(": “%1”").arg(item.comment);
    }
    return text;
}

} // namespace

ConfigPublishDialog::ConfigPublishDialog(Session *session, const ConfigItem &published,
                                         const QString &edited, QWidget *parent)
    : QDialog(parent)
    , m_config(session)
    , m_base(published)
    , m_edited(edited)
    , m_heading(new QLabel)
    , m_origin(new QLabel)
    , m_conflictFrame(new QFrame)
    , m_conflictText(new QLabel)
    , m_diff(new DiffView)
    , m_comment(new QLineEdit)
    , m_messageFrame(new QFrame)
    , m_message(new QLabel)
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Cancel))
    , m_publish(nullptr)
    , m_publishOver(nullptr)
    , m_discard(nullptr) {
    setObjectName(QStringLiteral("ConfigPublishDialog"));
    setWindowTitle(tr("Review and publish — %1").arg(published.ref.path()));
    m_heading->setObjectName(QStringLiteral("PageTitle"));
    m_heading->setText(tr("Review and publish %1").arg(published.ref.path()));
    m_origin->setObjectName(QStringLiteral("PageSubtitle"));
    m_origin->setWordWrap(true);
    m_origin->setText(published.version > 0
                          ? tr("Your edit against the published %1. Publishing creates v%2, "
                               "unless someone publishes first.")
                                .arg(versionOrigin(published))
                                .arg(published.version + 1)
                          : tr("Publishing creates the item at v1."));

    // The conflict, when there is one: a warning banner above the re-done diff.
    m_conflictFrame->setObjectName(QStringLiteral("Banner"));
    m_conflictText->setWordWrap(true);
    m_conflictText->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_conflictText->setObjectName(QStringLiteral("ConflictText"));
    auto *conflictLayout = new QVBoxLayout(m_conflictFrame);
    conflictLayout->setContentsMargins(12, 8, 12, 8);
    conflictLayout->addWidget(m_conflictText);
    m_conflictFrame->hide();

    m_diff->setContentFormat(published.format);
    m_diff->setCaptions(published.version > 0 ? tr("Published v%1").arg(published.version)
                                              : tr("Nothing published"),
                        tr("Your edit"));
    m_diff->showTexts(published.content, edited);

    m_comment->setObjectName(QStringLiteral("comment"));
    m_comment->setPlaceholderText(tr("Why: what changes and for whom (required)"));
    m_comment->setMaxLength(kMaxComment);
    connect(m_comment, &QLineEdit::textChanged, this, [this] {
        if (m_comment->property("invalid").toBool() && !m_comment->text().trimmed().isEmpty()) {
            m_comment->setProperty("invalid", false);
            m_comment->style()->unpolish(m_comment);
            m_comment->style()->polish(m_comment);
            showMessage({}, false);
        }
    });
    auto *form = new QFormLayout;
    form->setContentsMargins(0, 0, 0, 0);
    form->addRow(tr("Comment"), m_comment);

    m_messageFrame->setObjectName(QStringLiteral("ErrorBanner"));
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *messageLayout = new QHBoxLayout(m_messageFrame);
    messageLayout->setContentsMargins(12, 8, 12, 8);
    messageLayout->addWidget(m_message, 1);
    m_messageFrame->hide();

    m_publish = m_buttons->addButton(tr("Publish"), QDialogButtonBox::AcceptRole);
    m_publish->setDefault(true);
    m_publishOver = m_buttons->addButton(tr("Publish over theirs"), QDialogButtonBox::AcceptRole);
    m_publishOver->setToolTip(tr("Publish your edit as it is, replacing their version"));
    m_discard = m_buttons->addButton(tr("Discard my edit"), QDialogButtonBox::DestructiveRole);
    m_discard->setToolTip(tr("Give up your edit and load their version into the editor"));
    m_publishOver->hide();
    m_discard->hide();
    connect(m_publish, &QPushButton::clicked, this, &ConfigPublishDialog::publish);
    connect(m_publishOver, &QPushButton::clicked, this, &ConfigPublishDialog::publishOverTheirs);
    connect(m_discard, &QPushButton::clicked, this, &ConfigPublishDialog::discardEdit);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(24, 20, 24, 16);
    layout->setSpacing(10);
    layout->addWidget(m_heading);
    layout->addWidget(m_origin);
    layout->addWidget(m_conflictFrame);
    layout->addWidget(m_diff, 1);
    layout->addLayout(form);
    layout->addWidget(m_messageFrame);
    layout->addWidget(m_buttons);
    // Wide enough for long lines side by side wherever there is room for them.
    fitToWindow(this, 0.85, QSize(760, 480));

    setStage(Stage::Reviewing);
    m_comment->setFocus();
}

QString ConfigPublishDialog::messageText() const {
    QStringList parts;
    if (m_conflictFrame->isVisibleTo(this)) {
        parts.append(m_conflictText->text());
    }
    if (m_messageFrame->isVisibleTo(this)) {
        parts.append(m_message->text());
    }
    return parts.join(QLatin1Char('\n'));
}

void ConfigPublishDialog::setComment(const QString &comment) {
    m_comment->setText(comment);
}

bool ConfigPublishDialog::publish() {
    if (m_stage != Stage::Reviewing) {
        return false;
    }
    send(m_base.version);
    return m_stage == Stage::Publishing;
}

bool ConfigPublishDialog::publishOverTheirs() {
    if (m_stage != Stage::Conflict || !m_theirs) {
        return false;
    }
    send(m_theirs->version);
    return m_stage == Stage::Publishing;
}

void ConfigPublishDialog::discardEdit() {
    if (m_stage != Stage::Conflict || !m_theirs) {
        return;
    }
    emit discarded(*m_theirs);
    reject();
}

void ConfigPublishDialog::send(qint64 baseVersion) {
    const QString comment = m_comment->text().trimmed();
    if (comment.isEmpty()) {
        m_comment->setProperty("invalid", true);
        m_comment->style()->unpolish(m_comment);
        m_comment->style()->polish(m_comment);
        m_comment->setFocus();
        showMessage(tr("A comment is required: say what changes and why. It is kept with the "
                       "version and in the audit log."),
                    true);
        return;
    }
    showMessage({}, false);
    m_config.publish(m_base.ref, m_base.format, m_edited, baseVersion, comment, this,
                     [this](const CallResult<ConfigPublishResult> &result) {
                         result.ok() ? onPublished(result.value()) : onFailed(result.error());
                     });
    setStage(Stage::Publishing);
}

void ConfigPublishDialog::onPublished(const ConfigPublishResult &result) {
    setStage(Stage::Published);
    if (result.proposal) {
        emit proposed(*result.proposal);
    } else if (!result.items.isEmpty()) {
        emit published(result.items.first());
    }
    accept();
}

void ConfigPublishDialog::onItem(const ConfigItem &item) {
    if (m_stage != Stage::LoadingTheirs) {
        return;
    }
    m_theirs = item;
    m_conflictText->setText(
        tr("<b>Someone else published first.</b> %1 published %2 while you were editing v%3. "
           "Below, their version beside your edit: publish over theirs to replace it, or "
           "discard your edit to continue from theirs.")
            .arg((item.author.isEmpty() ? tr("Someone") : item.author).toHtmlEscaped(),
                 versionOrigin(item).toHtmlEscaped())
            .arg(m_base.version));
    m_conflictFrame->show();
    m_diff->setCaptions(tr("Theirs: v%1 by %2").arg(item.version).arg(item.author),
                        tr("Your edit"));
    m_diff->showTexts(m_jsonPretty ? prettyJson(item.content).value_or(item.content) : item.content,
                      m_edited);
    setStage(Stage::Conflict);
}

void ConfigPublishDialog::onFailed(const CallError &error) {
    if (m_stage == Stage::Publishing && error.code == kAborted) {
        // Their version decides what to show next; the message says which one it is.
        m_config.getItem(m_base.ref, this, [this](const CallResult<ConfigItem> &result) {
            result.ok() ? onItem(result.value()) : onFailed(result.error());
        });
        setStage(Stage::LoadingTheirs);
        showMessage({}, false);
        return;
    }
    if (m_stage == Stage::LoadingTheirs) {
        setStage(Stage::Reviewing);
        showMessage(tr("Someone published meanwhile, but their version could not be loaded: "
                       "%1 (%2)")
                        .arg(error.describe(), error.codeName()),
                    true);
        return;
    }
    setStage(m_theirs ? Stage::Conflict : Stage::Reviewing);
    showMessage(tr("The daemon refused to publish: %1 (%2)").arg(error.message, error.codeName()),
                true);
}

void ConfigPublishDialog::setStage(Stage stage) {
    m_stage = stage;
    const bool conflict = m_theirs.has_value();
    if (conflict) {
        setWindowTitle(tr("Publish conflict — %1").arg(m_base.ref.path()));
        m_heading->setText(tr("Someone published %1 first").arg(m_base.ref.path()));
    }
    m_publish->setVisible(!conflict);
    m_publishOver->setVisible(conflict);
    m_discard->setVisible(conflict);
    m_publish->setEnabled(stage == Stage::Reviewing);
    m_publishOver->setEnabled(stage == Stage::Conflict);
    m_discard->setEnabled(stage == Stage::Conflict);
    m_comment->setEnabled(stage == Stage::Reviewing || stage == Stage::Conflict);
    m_publish->setText(stage == Stage::Publishing && !conflict ? tr("Publishing…") : tr("Publish"));
    m_publishOver->setText(stage == Stage::Publishing && conflict ? tr("Publishing…")
                                                                  : tr("Publish over theirs"));
    if (stage == Stage::LoadingTheirs) {
        m_origin->setText(tr("Someone published meanwhile; loading their version…"));
    } else if (conflict) {
        m_origin->setText(
            tr("Publishing over theirs creates v%1 from your edit.").arg(m_theirs->version + 1));
    }
}

void ConfigPublishDialog::showMessage(const QString &text, bool error) {
    Q_UNUSED(error);
    m_message->setText(text);
    m_messageFrame->setVisible(!text.isEmpty());
}

} // namespace aegis::console
