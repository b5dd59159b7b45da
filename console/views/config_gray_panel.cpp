#include "views/config_gray_panel.h"

#include "models/display_format.h"

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QStackedWidget>
#include <QVBoxLayout>

namespace aegis::console {

ConfigGrayPanel::ConfigGrayPanel(Session *session, QWidget *parent)
    : QWidget(parent)
    , m_config(session)
    , m_stack(new QStackedWidget)
    , m_targetKind(new QComboBox)
    , m_selector(new QLineEdit)
    , m_instanceIds(new QLineEdit)
    , m_percent(new QSpinBox)
    , m_targetValue(new QStackedWidget)
    , m_comment(new QLineEdit)
    , m_start(new QPushButton(tr("Start gray release")))
    , m_progress(new QLabel)
    , m_promote(new QPushButton(tr("Promote to everyone")))
    , m_cancel(new QPushButton(tr("Cancel gray release"))) {
    m_targetKind->addItem(tr("Instances matching a label selector"));
    m_targetKind->addItem(tr("These instance ids"));
    m_targetKind->addItem(tr("A percentage of instances"));
    m_selector->setObjectName(QStringLiteral("graySelector"));
    m_selector->setPlaceholderText(QStringLiteral("zone=a,color=green"));
    m_instanceIds->setObjectName(QStringLiteral("grayInstanceIds"));
    m_instanceIds->setPlaceholderText(tr("checkout-1, checkout-2"));
    m_percent->setObjectName(QStringLiteral("grayPercent"));
    m_percent->setRange(1, 99);
    m_percent->setValue(10);
    m_percent->setSuffix(QStringLiteral(" %"));
    m_percent->setToolTip(tr("Chosen by a stable hash of the instance id, so the same instances "
                             "stay in the gray release"));
    m_targetValue->addWidget(m_selector);
    m_targetValue->addWidget(m_instanceIds);
    m_targetValue->addWidget(m_percent);
    m_targetValue->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    m_targetValue->setFixedHeight(m_selector->sizeHint().height());
    connect(m_targetKind, &QComboBox::currentIndexChanged, m_targetValue,
            &QStackedWidget::setCurrentIndex);
    m_comment->setObjectName(QStringLiteral("grayComment"));
    m_comment->setPlaceholderText(tr("Why (required)"));

    auto *form = new QWidget;
    auto *formLayout = new QFormLayout(form);
    formLayout->setContentsMargins(0, 0, 0, 0);
    formLayout->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
    auto *intro = new QLabel(tr("Release the content in the editor to some instances first; the "
                                "rest keep the published version until you promote it."));
    intro->setWordWrap(true);
    intro->setObjectName(QStringLiteral("PageSubtitle"));
    formLayout->addRow(intro);
    formLayout->addRow(tr("Release to"), m_targetKind);
    formLayout->addRow(QString(), m_targetValue);
    formLayout->addRow(tr("Comment"), m_comment);
    auto *startRow = new QHBoxLayout;
    startRow->addStretch(1);
    startRow->addWidget(m_start);
    formLayout->addRow(startRow);

    auto *running = new QWidget;
    auto *runningLayout = new QVBoxLayout(running);
    runningLayout->setContentsMargins(0, 0, 0, 0);
    auto *card = new QFrame;
    card->setObjectName(QStringLiteral("Banner"));
    auto *cardLayout = new QVBoxLayout(card);
    cardLayout->setContentsMargins(12, 10, 12, 10);
    m_progress->setWordWrap(true);
    m_progress->setObjectName(QStringLiteral("grayProgress"));
    cardLayout->addWidget(m_progress);
    auto *buttons = new QHBoxLayout;
    buttons->addStretch(1);
    buttons->addWidget(m_cancel);
    buttons->addWidget(m_promote);
    runningLayout->addWidget(card);
    runningLayout->addLayout(buttons);
    runningLayout->addStretch(1);

    m_stack->addWidget(form);
    m_stack->addWidget(running);
    m_message = new QLabel;
    m_message->setObjectName(QStringLiteral("PageSubtitle"));
    m_message->setWordWrap(true);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 12, 0, 0);
    layout->addWidget(m_stack);
    layout->addWidget(m_message);
    layout->addStretch(1);

    connect(m_start, &QPushButton::clicked, this, &ConfigGrayPanel::start);
    connect(m_promote, &QPushButton::clicked, this, &ConfigGrayPanel::promote);
    connect(m_cancel, &QPushButton::clicked, this, &ConfigGrayPanel::cancel);
    updateView();
}

void ConfigGrayPanel::setItem(const ConfigItem &item, const QString &writeBlocked) {
    if (!(item.ref == m_item.ref)) {
        showMessage({});
    }
    m_item = item;
    m_writeBlocked = writeBlocked;
    updateView();
}

void ConfigGrayPanel::setTarget(Target target, const QString &value) {
    m_targetKind->setCurrentIndex(static_cast<int>(target));
    switch (target) {
    case Target::Selector:
        m_selector->setText(value);
        break;
    case Target::InstanceIds:
        m_instanceIds->setText(value);
        break;
    case Target::Percent:
        m_percent->setValue(value.toInt());
        break;
    }
}

void ConfigGrayPanel::setComment(const QString &comment) {
    m_comment->setText(comment);
}

bool ConfigGrayPanel::start() {
    if (!m_writeBlocked.isEmpty() || m_busy || isInProgress() || !m_item.ref.isValid()) {
        return false;
    }
    ConfigGrayRelease target;
    QString problem;
    switch (static_cast<Target>(m_targetKind->currentIndex())) {
    case Target::Selector:
        target.selector = m_selector->text().trimmed();
        if (target.selector.isEmpty()) {
            problem = tr("Name the instances with a label selector, e.g. zone=a.");
        }
        break;
    case Target::InstanceIds:
        for (const QString &id : m_instanceIds->text().split(
                 QRegularExpression(QStringLiteral("[,\\s]+")), Qt::SkipEmptyParts)) {
            target.instanceIds.append(id);
        }
        if (target.instanceIds.isEmpty()) {
            problem = tr("List at least one instance id.");
        }
        break;
    case Target::Percent:
        target.percent = m_percent->value();
        break;
    }
    const QString comment = m_comment->text().trimmed();
    if (problem.isEmpty() && comment.isEmpty()) {
        problem = tr("A comment is required: say what the gray release tries out.");
    }
    if (!problem.isEmpty()) {
        showMessage(problem);
        return false;
    }
    const QString content = m_content ? m_content() : m_item.content;
    m_pendingVerb = tr("Started a gray release to %1").arg(target.targetDescription());
    m_busy = true;
    m_config.startGrayRelease(
        m_item.ref, content, m_item.version, target, comment, this,
        [this](const CallResult<ConfigPublishResult> &result) { onDone(result); });
    showMessage(tr("Starting the gray release…"));
    updateView();
    return true;
}

bool ConfigGrayPanel::promote() {
    if (!m_writeBlocked.isEmpty() || m_busy || !isInProgress()) {
        return false;
    }
    m_pendingVerb = tr("Promoted gray v%1 to every instance").arg(m_item.gray->version);
    m_busy = true;
    m_config.promoteGrayRelease(
        m_item.ref, tr("promote gray v%1").arg(m_item.gray->version), this,
        [this](const CallResult<ConfigPublishResult> &result) { onDone(result); });
    updateView();
    return true;
}

bool ConfigGrayPanel::cancel() {
    if (!m_writeBlocked.isEmpty() || m_busy || !isInProgress()) {
        return false;
    }
    m_pendingVerb = tr("Cancelled gray v%1; its instances are back on v%2")
                        .arg(m_item.gray->version)
                        .arg(m_item.version);
    m_busy = true;
    m_config.cancelGrayRelease(
        m_item.ref, this,
        [this](const CallResult<ConfigPublishResult> &result) { onDone(result); });
    updateView();
    return true;
}

void ConfigGrayPanel::onDone(const CallResult<ConfigPublishResult> &result) {
    m_busy = false;
    if (!result.ok()) {
        showMessage(tr("Refused: %1 (%2)").arg(result.error().message, result.error().codeName()));
        updateView();
        return;
    }
    showMessage(tr("%1 (recorded in the audit log)").arg(m_pendingVerb));
    if (!result.value().items.isEmpty()) {
        m_item = result.value().items.first();
        m_comment->clear();
        emit itemChanged(result.value().items.first());
    }
    updateView();
}

QString ConfigGrayPanel::messageText() const {
    return m_message->text();
}

void ConfigGrayPanel::updateView() {
    const bool running = isInProgress();
    m_stack->setCurrentIndex(running ? 1 : 0);
    const bool usable = m_writeBlocked.isEmpty() && !m_busy && m_item.ref.isValid();
    for (QWidget *widget : {static_cast<QWidget *>(m_start), static_cast<QWidget *>(m_promote),
                            static_cast<QWidget *>(m_cancel)}) {
        widget->setEnabled(usable);
        widget->setToolTip(m_writeBlocked);
    }
    m_targetKind->setEnabled(usable);
    m_targetValue->setEnabled(usable);
    m_comment->setEnabled(usable);
    if (running) {
        const ConfigGrayRelease &gray = *m_item.gray;
        m_progress->setText(
            tr("<b>Gray release v%1 in progress</b> to %2, started by %3 at %4.<br>Every other "
               "instance stays on the published v%5. Promote publishes v%1 to everyone; cancel "
               "returns its instances to v%5.")
                .arg(gray.version)
                .arg(gray.targetDescription().toHtmlEscaped(),
                     (gray.author.isEmpty() ? tr("someone") : gray.author).toHtmlEscaped(),
                     absoluteTime(gray.startTime))
                .arg(m_item.version));
    }
}

void ConfigGrayPanel::showMessage(const QString &text) {
    m_message->setText(text);
}

} // namespace aegis::console
