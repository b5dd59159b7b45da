#include "views/rule_editor_panel.h"

#include "models/alert_list_model.h"
#include "models/display_format.h"
#include "models/rule_file_check.h"
#include "net/session.h"
#include "views/alert_state_delegate.h"
#include "views/code_editor.h"
#include "views/theme.h"
#include "views/view_helpers.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QRegularExpression>
#include <QSplitter>
#include <QTableView>
#include <QTextBlock>
#include <QVBoxLayout>

#include <grpcpp/support/status_code_enum.h>

namespace aegis::console {
namespace {

constexpr int kFileNameRole = Qt::UserRole + 1;
constexpr int kLineRole = Qt::UserRole + 2;

const char *const kNewFileTemplate = R"(groups:
  - name: example
    interval: 30s
    rules:
      - alert: HighErrorRatio
        expr: sum by (service) (rate(http_requests_total{code=~"5.."}[1m])) / sum by (service) (rate(http_requests_total[1m])) > 0.05
        for: 2m
        labels:
          severity: critical
        annotations:
          summary: "{{ $labels.service }} fails {{ humanizePercentage $value }} of requests"
)";

} // namespace

RuleEditorPanel::RuleEditorPanel(Session *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_alerts(session)
    , m_fileList(new QListWidget)
    , m_newFile(new QPushButton(tr("New file…")))
    , m_fileLabel(new QLabel)
    , m_editor(new CodeEditor)
    , m_problems(new QListWidget)
    , m_comment(new QLineEdit)
    , m_save(new QPushButton(tr("Save")))
    , m_previewLabel(new QLabel)
    , m_preview(new AlertListModel(this))
    , m_previewView(new QTableView) {
    m_fileList->setObjectName(QStringLiteral("RuleFiles"));
    m_fileList->setMinimumWidth(180);
    m_editor->setObjectName(QStringLiteral("RuleEditor"));
    m_editor->setContentFormat(ConfigFormat::Yaml);
    m_editor->setContentCheck(&checkRuleFile);
    m_editor->setPlaceholderText(tr("Choose a rule file, or make a new one"));
    m_problems->setObjectName(QStringLiteral("RuleProblems"));
    m_problems->setMaximumHeight(110);
    m_problems->setWordWrap(true);
    m_problems->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_comment->setPlaceholderText(tr("What changed and why (required to save)"));
    m_save->setEnabled(false);
    m_fileLabel->setWordWrap(true);
    m_previewLabel->setWordWrap(true);
    m_previewView->setModel(m_preview);
    styleTable(m_previewView, 26);
    m_previewView->setItemDelegateForColumn(
        AlertListModel::StateColumn,
        new AlertStateDelegate(AlertListModel::StateRole, 0, m_previewView));
    m_previewView->horizontalHeader()->setStretchLastSection(true);

    auto *left = new QWidget;
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(sectionTitle(tr("Rule files")));
    leftLayout->addWidget(m_fileList, 1);
    leftLayout->addWidget(m_newFile);

    auto *middle = new QWidget;
    auto *middleLayout = new QVBoxLayout(middle);
    middleLayout->setContentsMargins(0, 0, 0, 0);
    middleLayout->addWidget(m_fileLabel);
    middleLayout->addWidget(m_editor, 1);
    middleLayout->addWidget(m_problems);
    auto *saveRow = new QHBoxLayout;
    saveRow->addWidget(m_comment, 1);
    saveRow->addWidget(m_save);
    middleLayout->addLayout(saveRow);

    auto *right = new QWidget;
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->addWidget(sectionTitle(tr("Would be active now")));
    rightLayout->addWidget(m_previewLabel);
    rightLayout->addWidget(m_previewView, 1);

    auto *splitter = new QSplitter;
    splitter->addWidget(left);
    splitter->addWidget(middle);
    splitter->addWidget(right);
    splitter->setStretchFactor(0, 0);
    splitter->setStretchFactor(1, 3);
    splitter->setStretchFactor(2, 2);
    splitter->setChildrenCollapsible(false);
    splitter->setSizes({200, 700, 420});
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(splitter);

    m_remoteTimer.setSingleShot(true);
    m_remoteTimer.setInterval(1200);
    m_testTimer.setSingleShot(true);
    m_testTimer.setInterval(800);
    connect(&m_remoteTimer, &QTimer::timeout, this, &RuleEditorPanel::validateRemotely);
    connect(&m_testTimer, &QTimer::timeout, this, &RuleEditorPanel::testRuleUnderCursor);
    connect(m_editor, &CodeEditor::problemChanged, this, &RuleEditorPanel::showProblems);
    connect(m_editor, &QPlainTextEdit::textChanged, this, [this] {
        if (m_loading) {
            return;
        }
        setDirty(true);
        m_testedRule.clear();
        m_remoteTimer.start();
        m_testTimer.start();
    });
    connect(m_editor, &QPlainTextEdit::cursorPositionChanged, this, [this] {
        if (!m_loading) {
            m_testTimer.start();
        }
    });
    connect(m_problems, &QListWidget::itemActivated, this, [this](QListWidgetItem *item) {
        const int line = item->data(kLineRole).toInt();
        const QTextBlock block = m_editor->document()->findBlockByNumber(line - 1);
        if (block.isValid()) {
            m_editor->setTextCursor(QTextCursor(block));
            m_editor->setFocus();
        }
    });
    const auto chosen = [this](QListWidgetItem *item) {
        const QString name = item->data(kFileNameRole).toString();
        if (name == m_file) {
            return;
        }
        if (m_dirty && !confirmAction(this, QMessageBox::Warning, tr("Discard edits"),
                                      tr("%1 has edits that are not saved. Discard them and open "
                                         "%2?")
                                          .arg(m_file, name),
                                      tr("Discard"))) {
            return;
        }
        setDirty(false);
        openFile(name);
    };
    connect(m_fileList, &QListWidget::itemActivated, this, chosen);
    connect(m_fileList, &QListWidget::itemClicked, this, chosen);
    connect(m_newFile, &QPushButton::clicked, this, [this] {
        bool ok = false;
        const QString name = QInputDialog::getText(
            this, tr("New rule file"), tr("File name (letters, digits, '.', '_' and '-'):"),
            QLineEdit::Normal, QStringLiteral("rules.yaml"), &ok);
        if (ok && !name.trimmed().isEmpty()) {
            newFile(name.trimmed(), QString::fromUtf8(kNewFileTemplate));
        }
    });
    connect(m_comment, &QLineEdit::textChanged, this, [this] { setDirty(m_dirty); });
    connect(m_save, &QPushButton::clicked, this, [this] { save(m_comment->text().trimmed()); });
    showProblems();
    clearPreview();
}

void RuleEditorPanel::reload() {
    if (!m_session->isConnected()) {
        return;
    }
    m_alerts.listRules({}, m_listScope.renew(), [this](const CallResult<RuleList> &result) {
        if (!result.ok()) {
            emit errorOccurred(tr("Could not list the rules: %1").arg(result.error().describe()));
            return;
        }
        m_files = result.value().files;
        const QString current = m_file;
        m_fileList->clear();
        for (const RuleFileSummary &file : m_files) {
            auto *item = new QListWidgetItem(tr("%1\nv%2 · %n rule(s)", nullptr, file.ruleCount)
                                                 .arg(file.name)
                                                 .arg(file.version));
            item->setData(kFileNameRole, file.name);
            item->setToolTip(tr("Version %1 by %2, %3")
                                 .arg(file.version)
                                 .arg(file.author, absoluteTime(file.updateTime)));
            m_fileList->addItem(item);
            if (file.name == current) {
                m_fileList->setCurrentItem(item);
            }
        }
        if (m_file.isEmpty() && !m_files.isEmpty()) {
            openFile(m_files.first().name);
        }
        emit filesLoaded();
    });
}

void RuleEditorPanel::openFile(const QString &name) {
    if (name.isEmpty() || (name == m_file && m_dirty) || !m_session->isConnected()) {
        return;
    }
    m_alerts.getRuleFile(
        name, m_fileScope.renew(), [this](const CallResult<RuleFileContent> &result) {
            if (!result.ok()) {
                emit errorOccurred(
                    tr("Could not open the rule file: %1").arg(result.error().describe()));
                return;
            }
            m_file = result.value().file.name;
            m_baseVersion = result.value().file.version;
            m_loading = true;
            m_editor->setPlainText(result.value().content);
            m_loading = false;
            m_editor->validateNow();
            clearPreview();
            setDirty(false);
            for (int row = 0; row < m_fileList->count(); ++row) {
                if (m_fileList->item(row)->data(kFileNameRole).toString() == m_file) {
                    m_fileList->setCurrentRow(row);
                }
            }
            validateRemotely();
        });
}

void RuleEditorPanel::newFile(const QString &name, const QString &content) {
    m_fileScope.drop();
    m_file = name;
    m_baseVersion = 0;
    m_loading = true;
    m_editor->setPlainText(content);
    m_loading = false;
    m_editor->validateNow();
    clearPreview();
    setDirty(true);
    m_fileList->clearSelection();
    validateRemotely();
}

void RuleEditorPanel::clearPreview() {
    m_testScope.drop();
    m_testedRule.clear();
    m_preview->reset({});
    m_previewLabel->setText(
        tr("Put the cursor in an alerting rule to see what it would make active now."));
}

void RuleEditorPanel::setDirty(bool dirty) {
    m_dirty = dirty;
    if (m_file.isEmpty()) {
        m_fileLabel->setText(tr("No file open"));
    } else {
        m_fileLabel->setText(m_baseVersion == 0
                                 ? tr("<b>%1</b> · new, not saved yet").arg(m_file.toHtmlEscaped())
                                 : tr("<b>%1</b> · version %2%3")
                                       .arg(m_file.toHtmlEscaped())
                                       .arg(m_baseVersion)
                                       .arg(dirty ? tr(" · edited") : QString()));
    }
    m_save->setEnabled(dirty && !m_file.isEmpty() && !m_comment->text().trimmed().isEmpty() &&
                       m_writeBlocked.isEmpty());
    m_save->setToolTip(!m_writeBlocked.isEmpty() ? m_writeBlocked
                       : m_comment->text().trimmed().isEmpty()
                           ? tr("Say what changed in the comment to save")
                           : tr("Publish the file (the daemon validates it first)"));
}

void RuleEditorPanel::showProblems() {
    m_problems->clear();
    const QList<ContentProblem> problems = m_editor->problems();
    for (const ContentProblem &problem : problems) {
        auto *item = new QListWidgetItem(problem.line > 0 ? tr("Line %1, column %2: %3")
                                                                .arg(problem.line)
                                                                .arg(problem.column)
                                                                .arg(problem.message)
                                                          : problem.message);
        item->setData(kLineRole, problem.line);
        item->setForeground(themeColors(palette()).danger);
        m_problems->addItem(item);
    }
    if (problems.isEmpty()) {
        m_problems->addItem(m_file.isEmpty() ? QString() : tr("No problems found."));
    }
}

void RuleEditorPanel::validateRemotely() {
    m_remoteTimer.stop();
    const QString content = m_editor->toPlainText();
    if (content.trimmed().isEmpty() || !m_session->isConnected()) {
        return;
    }
    m_alerts.validateRuleFile(
        content, true, m_validateScope.renew(),
        [this, content](const CallResult<RuleValidation> &result) {
            if (!result.ok()) {
                emit errorOccurred(tr("The daemon could not validate the file: %1")
                                       .arg(result.error().describe()));
                return;
            }
            if (m_editor->toPlainText() != content) {
                return;
            }
            // The local parser already marks what it finds; the daemon adds what only it
            // knows (expressions the metrics backend refuses).
            QList<ContentProblem> extra;
            const QList<ContentProblem> local = m_editor->problems();
            for (const ContentProblem &problem : toProblems(result.value().diagnostics)) {
                const bool known = std::any_of(local.cbegin(), local.cend(), [&](const auto &p) {
                    return p.line == problem.line && p.column == problem.column;
                });
                if (!known) {
                    extra.append(problem);
                }
            }
            m_editor->setExternalProblems(extra);
            showProblems();
        });
}

void RuleEditorPanel::testRuleUnderCursor() {
    m_testTimer.stop();
    const int line = m_editor->textCursor().blockNumber() + 1;
    const auto rule = ruleAtLine(m_editor->toPlainText(), line);
    if (!rule || !m_session->isConnected()) {
        return;
    }
    if (rule->yaml == m_testedRule) {
        return;
    }
    m_testedRule = rule->yaml;
    m_previewLabel->setText(tr("Evaluating %1…").arg(rule->name));
    const QString name = rule->name;
    m_alerts.testRule(
        rule->yaml, rule->intervalMs, m_testScope.renew(),
        [this, name](const CallResult<RuleTestResult> &result) {
            if (!result.ok()) {
                m_preview->reset({});
                m_previewLabel->setText(
                    tr("%1 cannot be evaluated: %2").arg(name, result.error().describe()));
                m_testedRule.clear();
                return;
            }
            const RuleTestResult &test = result.value();
            m_preview->reset(test.alerts);
            int firing = 0;
            for (const AlertInfo &alert : test.alerts) {
                firing += alert.state == AlertState::Firing ? 1 : 0;
            }
            QString text = tr("<b>%1</b>: %2 firing, %3 pending now (the expression returned "
                              "%n series).",
                              nullptr, test.seriesCount)
                               .arg(name.toHtmlEscaped())
                               .arg(firing)
                               .arg(int(test.alerts.size()) - firing);
            for (const QString &warning : test.warnings) {
                text += QStringLiteral("<br>") + warning.toHtmlEscaped();
            }
            m_previewLabel->setText(text);
        });
}

void RuleEditorPanel::setWriteBlockedReason(const QString &reason) {
    m_writeBlocked = reason;
    m_newFile->setEnabled(reason.isEmpty());
    m_newFile->setToolTip(reason);
    setDirty(m_dirty);
}

QString RuleEditorPanel::previewSummary() const {
    return m_previewLabel->text();
}

void RuleEditorPanel::save(const QString &comment) {
    if (m_file.isEmpty() || comment.isEmpty()) {
        return;
    }
    m_save->setEnabled(false);
    const QString content = m_editor->toPlainText();
    m_alerts.putRuleFile(
        m_file, content, m_baseVersion, comment, m_fileScope.renew(),
        [this, content](const CallResult<RuleFilePut> &result) {
            if (!result.ok()) {
                const CallError &error = result.error();
                emit errorOccurred(
                    error.code == grpc::StatusCode::ABORTED
                        ? tr("%1 changed since you opened it: %2. Copy your edits, reopen the "
                             "file and apply them again.")
                              .arg(m_file, error.describe())
                        : tr("Could not save %1: %2").arg(m_file, error.describe()));
                setDirty(true);
                return;
            }
            const RuleFilePut &put = result.value();
            if (!put.proposalId.isEmpty()) {
                emit saved(tr("Proposal %1 made for %2; it is published once approved.")
                               .arg(put.proposalId, m_file));
                setDirty(true);
                return;
            }
            m_baseVersion = put.file.version;
            m_comment->clear();
            setDirty(m_editor->toPlainText() != content);
            emit saved(tr("Saved %1 as version %2.").arg(m_file).arg(m_baseVersion));
            reload();
        });
}

} // namespace aegis::console
