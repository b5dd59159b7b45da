#include "views/alerts_page.h"

#include "models/alert_matchers.h"
#include "models/silence_model.h"
#include "net/session.h"
#include "views/alert_detail_pane.h"
#include "views/alert_state_delegate.h"
#include "views/page_skeleton.h"
#include "views/rule_editor_panel.h"
#include "views/silence_dialog.h"
#include "views/theme.h"
#include "views/view_helpers.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTreeView>
#include <QVBoxLayout>

#include <grpcpp/support/status_code_enum.h>

namespace aegis::console {
namespace {

QString ruleKey(const AlertRuleInfo &rule) {
    return QStringLiteral("%1/%2/%3").arg(rule.file, rule.group, rule.name);
}

// The labels an alert's silence starts from: all of them but those a rule adds to every alert
// alike would be too narrow to be useful, so every label is offered and the operator removes rows.
QList<AlertMatcher> matchersFor(const AlertInfo &alert) {
    QList<AlertMatcher> matchers;
    for (const auto &[name, value] : alert.labels) {
        matchers.append({name, value, false, true});
    }
    return matchers;
}

} // namespace

AlertsPage::AlertsPage(Session *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_alerts(session)
    , m_skeleton(new PageSkeleton(session, tr("Alerts"),
                                  tr("What is firing and pending, the rules that decide it, and "
                                     "silences")))
    , m_model(new AlertTreeModel(this))
    , m_silences(new SilenceModel(this))
    , m_tabs(new QTabWidget)
    , m_filter(new QLineEdit)
    , m_tree(new QTreeView)
    , m_detail(new AlertDetailPane(session))
    , m_rules(new RuleEditorPanel(session))
    , m_silenceView(new QTableView)
    , m_showExpired(new QCheckBox(tr("Show expired")))
    , m_expire(new QPushButton(tr("Expire")))
    , m_silenceNote(new QLabel) {
    m_skeleton->addLiveBadge(tr("Alerts update as the daemon evaluates its rules"),
                             tr("The list shows what was loaded; it resumes when the daemon "
                                "answers again"));
    m_newSilence = new QPushButton(tr("New silence…"));
    m_newSilence->setToolTip(tr("Silence alerts by their labels"));
    m_skeleton->addHeaderWidget(m_newSilence);
    m_tabs->addTab(buildAlertsTab(), tr("Alerts"));
    m_tabs->addTab(m_rules, tr("Rules"));
    m_tabs->addTab(buildSilencesTab(), tr("Silences"));
    m_tabs->setDocumentMode(true);
    m_skeleton->setBody(m_tabs);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_skeleton);

    connect(m_newSilence, &QPushButton::clicked, this, [this] {
        openSilenceDialog(m_detail->alert() ? matchersFor(*m_detail->alert())
                                            : QList<AlertMatcher>{});
    });
    connect(m_detail, &AlertDetailPane::silenceRequested, this,
            [this](const AlertInfo &alert) { openSilenceDialog(matchersFor(alert)); });
    connect(m_detail, &AlertDetailPane::errorOccurred, m_skeleton, &PageSkeleton::showError);
    connect(m_rules, &RuleEditorPanel::errorOccurred, m_skeleton, &PageSkeleton::showError);
    connect(m_rules, &RuleEditorPanel::saved, this, [this](const QString &note) {
        m_skeleton->showError({});
        showNote(note);
        loadRules();
    });
    connect(m_session, &Session::identityChanged, this, &AlertsPage::updatePermissions);
    connect(m_tabs, &QTabWidget::currentChanged, this, [this](int tab) {
        if (tab == RulesTab) {
            m_rules->reload();
        } else if (tab == SilencesTab) {
            loadSilences();
        }
    });
    connect(m_model, &AlertTreeModel::countsChanged, this, &AlertsPage::updateStatus);
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] {
        m_tree->expandAll();
        if (!m_selectedId.isEmpty()) {
            const QModelIndex index = m_model->indexOf(m_selectedId);
            if (index.isValid()) {
                const QSignalBlocker blocker(m_tree->selectionModel());
                m_tree->setCurrentIndex(index);
            }
        }
        showSelected();
    });
    connect(m_model, &QAbstractItemModel::dataChanged, this, [this] {
        if (!m_selectedId.isEmpty()) {
            if (const auto alert = m_model->alert(m_selectedId)) {
                m_detail->updateAlert(*alert, m_silences->silences());
            }
        }
    });
    connect(m_session, &Session::connectionChanged, this, [this] {
        m_watch.reset();
        m_rulesAskedFor.clear();
        m_loaded = false;
        m_unavailable.clear();
        setHasAlerts(false);
        reload();
    });
    connect(m_session, &Session::stateChanged, this, [this](ConnectionState state) {
        if (state == ConnectionState::Connected && !m_watch) {
            reload();
        }
    });
    m_clock.setInterval(5000);
    connect(&m_clock, &QTimer::timeout, this, [this] {
        const QDateTime now = QDateTime::currentDateTimeUtc();
        m_model->setReferenceTime(now);
        m_silences->setReferenceTime(now);
    });
    m_clock.start();
    m_silenceRefresh.setInterval(30000);
    connect(&m_silenceRefresh, &QTimer::timeout, this, [this] {
        // Also while hidden: the badge and the notifications count only unsilenced alerts.
        if (m_watch) {
            loadSilences();
        }
    });
    m_silenceRefresh.start();
    m_skeleton->showStatus(
        {.loading = false, .failure = {}, .loaded = false, .summary = {}, .note = {}});
}

AlertsPage::~AlertsPage() = default;

QWidget *AlertsPage::buildAlertsTab() {
    m_filter->setObjectName(QStringLiteral("AlertFilter"));
    m_filter->setPlaceholderText(
        tr("Filter by labels: service=\"checkout\", severity=~\"crit.*\""));
    m_filter->setClearButtonEnabled(true);
    m_tree->setModel(m_model);
    m_tree->setObjectName(QStringLiteral("AlertTree"));
    m_tree->setUniformRowHeights(true);
    m_tree->setAlternatingRowColors(false);
    m_tree->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_tree->setSelectionMode(QAbstractItemView::SingleSelection);
    m_tree->setItemDelegateForColumn(
        AlertTreeModel::StateColumn,
        new AlertStateDelegate(AlertTreeModel::StateRole, AlertTreeModel::SilencedRole, m_tree));
    m_tree->header()->setStretchLastSection(true);
    m_tree->setColumnWidth(AlertTreeModel::NameColumn, 360);
    m_tree->setColumnWidth(AlertTreeModel::StateColumn, 160);
    m_tree->setColumnWidth(AlertTreeModel::AgeColumn, 140);

    auto *list = new QWidget;
    auto *listLayout = new QVBoxLayout(list);
    listLayout->setContentsMargins(0, 0, 0, 0);
    listLayout->addWidget(m_filter);
    listLayout->addWidget(m_tree, 1);
    auto *splitter = new QSplitter(Qt::Vertical);
    splitter->addWidget(list);
    splitter->addWidget(m_detail);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    splitter->setSizes({260, 390});
    splitter->setChildrenCollapsible(false);
    auto *tab = new QWidget;
    auto *layout = new QVBoxLayout(tab);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(splitter);

    connect(m_filter, &QLineEdit::textChanged, this, &AlertsPage::setFilterText);
    connect(m_tree->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex &current) {
                m_selectedId =
                    current.siblingAtColumn(0).data(AlertTreeModel::AlertIdRole).toString();
                showSelected();
            });
    return tab;
}

QWidget *AlertsPage::buildSilencesTab() {
    m_silenceView->setModel(m_silences);
    m_silenceView->setObjectName(QStringLiteral("SilenceTable"));
    styleTable(m_silenceView);
    m_silenceView->horizontalHeader()->setStretchLastSection(true);
    m_silenceView->setColumnWidth(SilenceModel::MatchersColumn, 360);
    m_expire->setEnabled(false);
    m_expire->setToolTip(tr("End the selected silence now"));
    m_addSilence = new QPushButton(tr("New silence…"));
    auto *row = new QHBoxLayout;
    row->addWidget(m_addSilence);
    row->addWidget(m_expire);
    row->addStretch();
    row->addWidget(m_showExpired);
    auto *tab = new QWidget;
    auto *layout = new QVBoxLayout(tab);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(row);
    m_silenceNote->setWordWrap(true);
    m_silenceNote->setVisible(false);
    layout->addWidget(m_silenceNote);
    layout->addWidget(m_silenceView, 1);

    connect(m_addSilence, &QPushButton::clicked, this, [this] { openSilenceDialog({}); });
    connect(m_showExpired, &QCheckBox::toggled, this, &AlertsPage::loadSilences);
    connect(m_silenceView->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex &current) {
                m_expire->setEnabled(current.isValid() &&
                                     SilenceState(current.data(SilenceModel::StateRole).toInt()) !=
                                         SilenceState::Expired &&
                                     m_session->mayChange());
            });
    connect(m_expire, &QPushButton::clicked, this, [this] {
        const QModelIndex current = m_silenceView->currentIndex();
        if (!current.isValid()) {
            return;
        }
        const QString id = current.data(SilenceModel::SilenceIdRole).toString();
        if (!confirmAction(this, QMessageBox::Question, tr("Expire silence"),
                           tr("End silence %1 now? The alerts it silences notify again.").arg(id),
                           tr("Expire"))) {
            return;
        }
        m_expire->setEnabled(false);
        m_alerts.expireSilence(id, this, [this, id](const CallResult<Acknowledged> &result) {
            if (!result.ok()) {
                m_skeleton->showError(
                    tr("Could not expire silence %1: %2").arg(id, result.error().describe()));
            }
            loadSilences();
        });
    });
    return tab;
}

void AlertsPage::showTab(Tab tab) {
    m_tabs->setCurrentIndex(tab);
}

void AlertsPage::reload() {
    if (!m_session->isConnected()) {
        return;
    }
    startWatch();
    loadRules();
    loadSilences();
    if (m_tabs->currentIndex() == RulesTab) {
        m_rules->reload();
    }
}

void AlertsPage::startWatch() {
    m_skeleton->showStatus(
        {.loading = true, .failure = {}, .loaded = m_loaded, .summary = {}, .note = {}});
    AlertWatchCallbacks callbacks;
    callbacks.onEvents = [this](const AlertBatch &batch) {
        m_unavailable.clear();
        m_model->apply(batch);
        setHasAlerts(true);
        const bool first = !m_loaded;
        m_loaded = true;
        updateStatus();
        if (first) {
            emit dataLoaded();
        }
    };
    callbacks.onLive = [this](bool live, const QString &reason) {
        m_skeleton->setWatchState(live, reason);
        if (!live && !reason.isEmpty() && !m_loaded) {
            onWatchEnded(reason);
        }
    };
    callbacks.onResync = [this](qint64) { startWatch(); };
    m_watch = m_alerts.watchAlerts({}, 0, this, std::move(callbacks));
}

void AlertsPage::setHasAlerts(bool available) {
    if (available != m_hasAlerts) {
        m_hasAlerts = available;
        emit alertsAvailabilityChanged(available);
    }
}

void AlertsPage::onWatchEnded(const QString &reason) {
    m_unavailable = reason;
    m_skeleton->showStatus(
        {.loading = false, .failure = reason, .loaded = m_loaded, .summary = {}, .note = {}});
    if (!m_loaded) {
        m_loaded = true;
        emit dataLoaded();
    }
}

void AlertsPage::loadRules() {
    if (!m_session->isConnected()) {
        return;
    }
    m_alerts.listRules({}, m_rulesScope.renew(), [this](const CallResult<RuleList> &result) {
        if (!result.ok()) {
            if (result.error().code != grpc::StatusCode::UNIMPLEMENTED) {
                m_skeleton->showError(
                    tr("Could not list the alert rules: %1").arg(result.error().describe()));
            }
            return;
        }
        QHash<QString, QString> expressions;
        for (const AlertRuleInfo &rule : result.value().rules) {
            if (!rule.recording) {
                expressions.insert(ruleKey(rule), rule.expr);
            }
        }
        setRuleExpressions(expressions);
    });
}

void AlertsPage::setRuleExpressions(const QHash<QString, QString> &expressions) {
    m_expressions = expressions;
    showSelected();
}

void AlertsPage::loadSilences() {
    if (!m_session->isConnected()) {
        return;
    }
    m_alerts.listSilences(
        m_showExpired->isChecked(), m_silencesScope.renew(),
        [this](const CallResult<QList<SilenceInfo>> &result) {
            // Silences need an Alertmanager; without one the tab says so instead of the banner.
            const bool unavailable =
                !result.ok() && result.error().code == grpc::StatusCode::FAILED_PRECONDITION;
            m_silenceNote->setText(unavailable ? result.error().message : QString());
            m_silenceNote->setVisible(unavailable);
            if (!result.ok()) {
                if (result.error().code != grpc::StatusCode::UNIMPLEMENTED && !unavailable) {
                    m_skeleton->showError(
                        tr("Could not list the silences: %1").arg(result.error().describe()));
                }
                return;
            }
            setSilenceList(result.value());
            refreshSilencing();
        });
}

void AlertsPage::refreshSilencing() {
    m_alerts.listAlerts({}, m_silencingScope.renew(), [this](const CallResult<AlertList> &result) {
        if (result.ok()) {
            m_model->updateSilencing(result.value().alerts);
        }
    });
}

void AlertsPage::setSilenceList(const QList<SilenceInfo> &silences) {
    m_silences->reset(silences);
    m_expire->setEnabled(false);
    if (!m_selectedId.isEmpty()) {
        if (const auto alert = m_model->alert(m_selectedId)) {
            m_detail->updateAlert(*alert, m_silences->silences());
        }
    }
}

bool AlertsPage::setFilterText(const QString &text) {
    if (m_filter->text() != text) {
        const QSignalBlocker blocker(m_filter);
        m_filter->setText(text);
    }
    QString error;
    const auto filter = AlertMatchers::parse(text, &error);
    const ThemeColors colors = themeColors(palette());
    if (!filter) {
        m_filter->setStyleSheet(
            QStringLiteral("QLineEdit { border: 1px solid %1; }").arg(colors.danger.name()));
        m_filter->setToolTip(error);
        return false;
    }
    m_filter->setStyleSheet({});
    m_filter->setToolTip(tr("Alertmanager matchers; every one must match"));
    m_model->setFilter(*filter);
    return true;
}

bool AlertsPage::selectAlert(const QString &id) {
    const QModelIndex index = m_model->indexOf(id);
    if (!index.isValid()) {
        return false;
    }
    m_tree->setCurrentIndex(index);
    m_tree->scrollTo(index);
    return true;
}

void AlertsPage::showSelected() {
    const auto alert = m_selectedId.isEmpty() ? std::nullopt : m_model->alert(m_selectedId);
    if (!alert) {
        if (m_detail->alert()) {
            m_detail->clear();
        }
        return;
    }
    // A rule file put since the rules were listed: list them again, once per rule.
    if (!m_expressions.contains(alert->rule) && !m_rulesAskedFor.contains(alert->rule)) {
        m_rulesAskedFor.insert(alert->rule);
        loadRules();
    }
    m_detail->showAlert(*alert, m_expressions.value(alert->rule), m_silences->silences());
}

SilenceDialog *AlertsPage::openSilenceDialog(const QList<AlertMatcher> &matchers) {
    auto *dialog = new SilenceDialog(m_session, matchers, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        showNote(tr("Silence %1 created.").arg(dialog->created().id));
        loadSilences();
    });
    dialog->open();
    return dialog;
}

void AlertsPage::updateStatus() {
    if (!m_unavailable.isEmpty()) {
        return;
    }
    const AlertCounts counts = m_model->counts();
    m_skeleton->showStatus({.loading = false,
                            .failure = {},
                            .loaded = m_loaded,
                            .summary = tr("%1 firing · %2 pending · %3 silenced")
                                           .arg(counts.firing)
                                           .arg(counts.pending)
                                           .arg(counts.silenced),
                            .note = m_note});
}

void AlertsPage::showNote(const QString &note) {
    m_note = note;
    updateStatus();
}

void AlertsPage::updatePermissions() {
    const QString blocked =
        m_session->mayChange()
            ? QString()
            : tr("Your token (%1) has the viewer role: viewers read alerts, rules and silences but "
                 "cannot change them.")
                  .arg(m_session->identity() ? m_session->identity()->name : QString());
    for (QPushButton *button : {m_newSilence, m_addSilence}) {
        button->setEnabled(blocked.isEmpty());
        button->setToolTip(blocked.isEmpty() ? tr("Silence alerts by their labels") : blocked);
    }
    m_expire->setToolTip(blocked.isEmpty() ? tr("End the selected silence now") : blocked);
    if (!blocked.isEmpty()) {
        m_expire->setEnabled(false);
    }
    m_detail->setSilenceBlockedReason(blocked);
    m_rules->setWriteBlockedReason(blocked);
}

void AlertsPage::showEvent(QShowEvent *event) {
    QWidget::showEvent(event);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    m_model->setReferenceTime(now);
    m_silences->setReferenceTime(now);
}

} // namespace aegis::console
