#include "views/silence_dialog.h"

#include "models/alert_list_model.h"
#include "models/alert_matchers.h"
#include "models/display_format.h"
#include "net/session.h"
#include "views/alert_state_delegate.h"
#include "views/theme.h"
#include "views/view_helpers.h"

#include <QComboBox>
#include <QDateTimeEdit>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

namespace aegis::console {
namespace {

constexpr qint64 kHourMs = 3600 * 1000;
constexpr qint64 kCustom = -1;

} // namespace

QList<qint64> SilenceDialog::durationChoices() {
    return {kHourMs, 4 * kHourMs, 24 * kHourMs, 7 * 24 * kHourMs};
}

SilenceDialog::SilenceDialog(Session *session, const QList<AlertMatcher> &matchers, QWidget *parent)
    : QDialog(parent)
    , m_session(session)
    , m_alerts(session)
    , m_rowsLayout(new QVBoxLayout)
    , m_duration(new QComboBox)
    , m_until(new QDateTimeEdit)
    , m_comment(new QLineEdit)
    , m_problemLabel(new QLabel)
    , m_previewLabel(new QLabel)
    , m_preview(new AlertListModel(this))
    , m_previewView(new QTableView)
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel)) {
    setWindowTitle(tr("New silence"));
    resize(760, 560);
    m_rowsLayout->setContentsMargins(0, 0, 0, 0);
    m_rowsLayout->setSpacing(4);
    auto *add = new QPushButton(tr("Add matcher"));
    for (const qint64 ms : durationChoices()) {
        m_duration->addItem(humanDuration(ms), ms);
    }
    m_duration->addItem(tr("Until…"), kCustom);
    m_duration->setCurrentIndex(0);
    m_until->setCalendarPopup(true);
    m_until->setDateTime(QDateTime::currentDateTime().addSecs(2 * 3600));
    m_until->setVisible(false);
    m_comment->setPlaceholderText(tr("Why (required), e.g. the ticket of the maintenance"));
    m_problemLabel->setWordWrap(true);
    m_problemLabel->setObjectName(QStringLiteral("SilenceProblem"));
    m_previewView->setModel(m_preview);
    styleTable(m_previewView, 26);
    m_previewView->setItemDelegateForColumn(
        AlertListModel::StateColumn,
        new AlertStateDelegate(AlertListModel::StateRole, 0, m_previewView));
    m_previewView->horizontalHeader()->setStretchLastSection(true);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Create silence"));

    auto *form = new QFormLayout;
    auto *rows = new QWidget;
    rows->setLayout(m_rowsLayout);
    auto *matcherBox = new QVBoxLayout;
    matcherBox->addWidget(rows);
    matcherBox->addWidget(add, 0, Qt::AlignLeft);
    form->addRow(tr("Matchers"), matcherBox);
    auto *durationRow = new QHBoxLayout;
    durationRow->addWidget(m_duration);
    durationRow->addWidget(m_until);
    durationRow->addStretch();
    form->addRow(tr("Duration"), durationRow);
    form->addRow(tr("Comment"), m_comment);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_problemLabel);
    layout->addWidget(sectionTitle(tr("Would silence now")));
    layout->addWidget(m_previewLabel);
    layout->addWidget(m_previewView, 1);
    layout->addWidget(m_buttons);

    m_previewTimer.setSingleShot(true);
    m_previewTimer.setInterval(400);
    connect(&m_previewTimer, &QTimer::timeout, this, &SilenceDialog::refreshPreview);
    connect(add, &QPushButton::clicked, this, [this] {
        addMatcherRow();
        m_rows.last().name->setFocus();
    });
    connect(m_duration, &QComboBox::currentIndexChanged, this, [this] {
        m_until->setVisible(m_duration->currentData().toLongLong() == kCustom);
        check();
    });
    connect(m_until, &QDateTimeEdit::dateTimeChanged, this, &SilenceDialog::check);
    connect(m_comment, &QLineEdit::textChanged, this, &SilenceDialog::check);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &SilenceDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    setMatchers(matchers);
}

void SilenceDialog::setMatchers(const QList<AlertMatcher> &matchers) {
    for (const Row &row : std::as_const(m_rows)) {
        delete row.widget;
    }
    m_rows.clear();
    for (const AlertMatcher &matcher : matchers) {
        addMatcherRow(matcher);
    }
    if (m_rows.isEmpty()) {
        addMatcherRow();
    }
    changed();
}

void SilenceDialog::addMatcherRow(const AlertMatcher &matcher) {
    Row row;
    row.widget = new QWidget;
    auto *layout = new QHBoxLayout(row.widget);
    layout->setContentsMargins(0, 0, 0, 0);
    row.name = new QLineEdit(matcher.name);
    row.name->setPlaceholderText(tr("label"));
    row.op = new QComboBox;
    row.op->addItems(matcherOperators());
    row.op->setCurrentText(matcherOperator(matcher));
    row.op->setToolTip(tr("= equals, != differs, =~ matches the regex, !~ does not match it"));
    row.value = new QLineEdit(matcher.value);
    row.value->setPlaceholderText(tr("value"));
    auto *remove = new QToolButton;
    remove->setText(QStringLiteral("✕"));
    remove->setToolTip(tr("Remove this matcher"));
    layout->addWidget(row.name, 2);
    layout->addWidget(row.op);
    layout->addWidget(row.value, 3);
    layout->addWidget(remove);
    m_rowsLayout->addWidget(row.widget);
    QWidget *widget = row.widget;
    connect(row.name, &QLineEdit::textChanged, this, &SilenceDialog::changed);
    connect(row.value, &QLineEdit::textChanged, this, &SilenceDialog::changed);
    connect(row.op, &QComboBox::currentIndexChanged, this, &SilenceDialog::changed);
    connect(remove, &QToolButton::clicked, this, [this, widget] {
        for (qsizetype i = 0; i < m_rows.size(); ++i) {
            if (m_rows[i].widget == widget) {
                m_rows.removeAt(i);
                break;
            }
        }
        widget->deleteLater();
        changed();
    });
    m_rows.append(row);
}

QList<AlertMatcher> SilenceDialog::matchers() const {
    QList<AlertMatcher> result;
    for (const Row &row : m_rows) {
        AlertMatcher matcher;
        matcher.name = row.name->text().trimmed();
        matcher.value = row.value->text();
        setMatcherOperator(matcher, row.op->currentText());
        if (!matcher.name.isEmpty() || !matcher.value.isEmpty()) {
            result.append(matcher);
        }
    }
    return result;
}

qint64 SilenceDialog::durationMs() const {
    const qint64 chosen = m_duration->currentData().toLongLong();
    if (chosen != kCustom) {
        return chosen;
    }
    return QDateTime::currentDateTime().msecsTo(m_until->dateTime());
}

void SilenceDialog::setDurationMs(qint64 ms) {
    const int index = m_duration->findData(ms);
    if (index >= 0) {
        m_duration->setCurrentIndex(index);
        return;
    }
    m_until->setDateTime(QDateTime::currentDateTime().addMSecs(ms));
    m_duration->setCurrentIndex(m_duration->findData(kCustom));
}

void SilenceDialog::setComment(const QString &comment) {
    m_comment->setText(comment);
}

QString SilenceDialog::previewSummary() const {
    return m_previewLabel->text();
}

void SilenceDialog::changed() {
    check();
    m_previewTimer.start();
}

void SilenceDialog::check() {
    const QList<AlertMatcher> current = matchers();
    QString problem;
    QString error;
    const auto compiled = AlertMatchers::compile(current, &error);
    if (current.isEmpty()) {
        problem = tr("Add at least one matcher.");
    } else if (!compiled) {
        problem = error;
    } else if (!compiled->selectsSomething()) {
        problem = tr("At least one matcher must not match an empty label (it would silence "
                     "every alert).");
    } else if (durationMs() < 60 * 1000) {
        problem = tr("The silence must last at least a minute.");
    } else if (m_comment->text().trimmed().isEmpty()) {
        problem = tr("Say why in the comment.");
    }
    m_problem = problem;
    m_problemLabel->setText(problem);
    m_problemLabel->setStyleSheet(
        QStringLiteral("color: %1").arg(themeColors(palette()).muted.name()));
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(problem.isEmpty() && !m_creating);
}

void SilenceDialog::refreshPreview() {
    m_previewTimer.stop();
    const QList<AlertMatcher> current = matchers();
    const auto compiled = AlertMatchers::compile(current);
    if (current.isEmpty() || !compiled || !compiled->selectsSomething()) {
        m_previewScope.drop();
        m_preview->reset({});
        m_previewLabel->setText(tr("The matchers select nothing yet."));
        return;
    }
    if (!m_session->isConnected()) {
        m_previewLabel->setText(tr("Not connected: no preview."));
        return;
    }
    m_previewLabel->setText(tr("Looking…"));
    m_alerts.listAlerts(
        {current, false, false}, m_previewScope.renew(),
        [this](const CallResult<AlertList> &result) {
            if (!result.ok()) {
                m_preview->reset({});
                m_previewLabel->setText(
                    tr("Could not list the alerts: %1").arg(result.error().describe()));
                return;
            }
            m_preview->reset(result.value().alerts);
            const int count = int(result.value().alerts.size());
            m_previewLabel->setText(count == 0
                                        ? tr("No alert is active that these matchers select.")
                                        : tr("%n alert(s) would be silenced.", nullptr, count));
        });
}

void SilenceDialog::accept() {
    check();
    if (!m_problem.isEmpty() || m_creating) {
        return;
    }
    m_creating = true;
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(false);
    SilenceDraft draft;
    draft.matchers = matchers();
    draft.durationMs = durationMs();
    draft.comment = m_comment->text().trimmed();
    m_alerts.createSilence(draft, this, [this](const CallResult<SilenceInfo> &result) {
        m_creating = false;
        if (!result.ok()) {
            m_problemLabel->setText(
                tr("The daemon refused the silence: %1").arg(result.error().describe()));
            m_problemLabel->setStyleSheet(
                QStringLiteral("color: %1").arg(themeColors(palette()).errorText.name()));
            m_buttons->button(QDialogButtonBox::Ok)->setEnabled(true);
            return;
        }
        m_created = result.value();
        QDialog::accept();
    });
}

} // namespace aegis::console
