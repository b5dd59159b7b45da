#include "views/alert_detail_pane.h"

#include "models/alert_history_model.h"
#include "models/alert_matchers.h"
#include "models/chart_series.h"
#include "models/display_format.h"
#include "models/rule_file_check.h"
#include "net/session.h"
#include "views/alert_state_delegate.h"
#include "views/theme.h"
#include "views/time_series_chart.h"
#include "views/view_helpers.h"

#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QTableView>
#include <QVBoxLayout>

namespace aegis::console {
namespace {

// The chart shows at least this long before the alert became active, and as long again as the
// alert has been active, so the rise that started it is in view.
constexpr qint64 kLeadMs = 15 * 60 * 1000;

QString stateWord(AlertState state) {
    switch (state) {
    case AlertState::Firing:
        return AlertDetailPane::tr("Firing");
    case AlertState::Pending:
        return AlertDetailPane::tr("Pending");
    case AlertState::Resolved:
        return AlertDetailPane::tr("Resolved");
    default:
        return AlertDetailPane::tr("Inactive");
    }
}

// Whether every label of `series` (but its name) has the alert's value: the series the alert is
// about, among those the expression returns.
bool seriesOfAlert(const MetricSeries &series, const AlertInfo &alert) {
    for (auto label = series.labels.cbegin(); label != series.labels.cend(); ++label) {
        if (label.key() != QLatin1String("__name__") &&
            labelValue(alert.labels, label.key()) != label.value()) {
            return false;
        }
    }
    return true;
}

QString linkified(const QString &text) {
    const QString escaped = text.toHtmlEscaped();
    if (text.startsWith(QLatin1String("http://")) || text.startsWith(QLatin1String("https://"))) {
        return QStringLiteral("<a href=\"%1\">%1</a>").arg(escaped);
    }
    return QString(escaped).replace(QLatin1Char('\n'), QStringLiteral("<br>"));
}

} // namespace

AlertDetailPane::AlertDetailPane(Session *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_alerts(session)
    , m_metrics(session)
    , m_title(new QLabel)
    , m_state(new QLabel)
    , m_labels(new QLabel)
    , m_annotations(new QLabel)
    , m_silences(new QLabel)
    , m_silence(new QPushButton(tr("Silence…")))
    , m_chart(new TimeSeriesChart(tr("Expression"), MetricUnit::Number))
    , m_history(new AlertHistoryModel(this))
    , m_historyView(new QTableView) {
    m_title->setObjectName(QStringLiteral("SectionTitle"));
    QFont titleFont = m_title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.25);
    titleFont.setBold(true);
    m_title->setFont(titleFont);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_state->setWordWrap(true);
    for (QLabel *label : {m_labels, m_annotations, m_silences}) {
        label->setWordWrap(true);
        label->setTextFormat(Qt::RichText);
        label->setTextInteractionFlags(Qt::TextBrowserInteraction);
        label->setOpenExternalLinks(true);
        label->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    }
    m_silence->setToolTip(tr("Silence this alert (its labels prefill the matchers)"));
    m_chart->setMinimumHeight(220);
    m_historyView->setModel(m_history);
    styleTable(m_historyView, 26);
    m_historyView->setItemDelegateForColumn(
        AlertHistoryModel::TransitionColumn,
        new AlertStateDelegate(AlertHistoryModel::ToStateRole, 0, m_historyView));
    m_historyView->horizontalHeader()->setStretchLastSection(true);
    m_historyView->horizontalHeader()->setSectionResizeMode(AlertHistoryModel::TimeColumn,
                                                            QHeaderView::ResizeToContents);
    m_historyView->setColumnWidth(AlertHistoryModel::TransitionColumn, 170);
    m_historyView->setMinimumHeight(140);

    auto *content = new QWidget;
    auto *outerContent = new QVBoxLayout(content);
    outerContent->setContentsMargins(12, 8, 12, 8);
    auto *top = new QHBoxLayout;
    top->addWidget(m_title, 1);
    top->addWidget(m_silence);
    outerContent->addLayout(top);
    outerContent->addWidget(m_state);
    m_body = new QWidget;
    outerContent->addWidget(m_body, 1);
    auto *layout = new QVBoxLayout(m_body);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_chart, 2);
    // What the alert says and is on the left, what it went through on the right.
    auto *facts = new QVBoxLayout;
    facts->addWidget(sectionTitle(tr("Annotations")));
    facts->addWidget(m_annotations);
    facts->addWidget(sectionTitle(tr("Labels")));
    facts->addWidget(m_labels);
    facts->addWidget(sectionTitle(tr("Silences")));
    facts->addWidget(m_silences);
    facts->addStretch(1);
    auto *history = new QVBoxLayout;
    history->addWidget(sectionTitle(tr("History")));
    history->addWidget(m_historyView, 1);
    auto *below = new QHBoxLayout;
    below->setSpacing(16);
    below->addLayout(facts, 3);
    below->addLayout(history, 2);
    layout->addLayout(below, 1);
    auto *scroll = new QScrollArea;
    scroll->setWidget(content);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(scroll);

    connect(m_silence, &QPushButton::clicked, this, [this] {
        if (m_alert) {
            emit silenceRequested(*m_alert);
        }
    });
    clear();
}

void AlertDetailPane::clear() {
    m_alert.reset();
    m_expr.clear();
    m_scope.drop();
    m_title->setText(tr("No alert selected"));
    m_state->setText(tr("Choose an alert to see its expression, labels and history."));
    m_labels->clear();
    m_annotations->clear();
    m_silences->clear();
    m_silence->setEnabled(false);
    m_body->setVisible(false);
    m_chart->clear();
    m_chart->setThreshold(std::nullopt);
    m_chart->setSpans({});
    m_chart->setMessage({});
    m_history->reset({});
}

void AlertDetailPane::showAlert(const AlertInfo &alert, const QString &expr,
                                const QList<SilenceInfo> &silences) {
    const bool same = m_alert && m_alert->id == alert.id && m_expr == expr;
    m_alert = alert;
    m_expr = expr;
    showFacts(silences);
    if (!same) {
        m_scope.renew();
        m_history->reset({});
        m_chart->clear();
        loadChart();
        loadHistory();
    }
}

void AlertDetailPane::updateAlert(const AlertInfo &alert, const QList<SilenceInfo> &silences) {
    if (!m_alert || m_alert->id != alert.id) {
        return;
    }
    const bool stateChanged = m_alert->state != alert.state;
    m_alert = alert;
    showFacts(silences);
    if (stateChanged) {
        loadHistory();
    }
    applySpans();
}

void AlertDetailPane::showFacts(const QList<SilenceInfo> &silences) {
    const AlertInfo &alert = *m_alert;
    const ThemeColors colors = themeColors(palette());
    m_title->setText(alert.name());
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QStringList facts;
    const QColor tone = alert.isSilenced()                   ? colors.muted
                        : alert.state == AlertState::Firing  ? colors.danger
                        : alert.state == AlertState::Pending ? colors.warning
                                                             : colors.muted;
    facts.append(QStringLiteral("<b style=\"color:%1\">%2</b>")
                     .arg(tone.name(), stateWord(alert.state).toHtmlEscaped()));
    if (alert.state == AlertState::Firing && alert.firedAt.isValid()) {
        facts.append(
            tr("for %1").arg(humanDuration(std::max<qint64>(0, alert.firedAt.msecsTo(now)))));
    } else if (alert.state == AlertState::Pending && alert.activeAt.isValid()) {
        facts.append(
            tr("for %1").arg(humanDuration(std::max<qint64>(0, alert.activeAt.msecsTo(now)))));
    }
    facts.append(tr("value %1").arg(QString::number(alert.value, 'g', 6)));
    if (alert.activeAt.isValid()) {
        facts.append(tr("active since %1").arg(absoluteTime(alert.activeAt)));
    }
    if (alert.isSilenced()) {
        facts.append(tr("silenced"));
    }
    facts.append(tr("rule %1").arg(alert.rule.toHtmlEscaped()));
    m_state->setTextFormat(Qt::RichText);
    m_state->setText(facts.join(QStringLiteral(" · ")));

    QStringList labels;
    for (const auto &[name, value] : alert.labels) {
        labels.append(QStringLiteral("<code>%1=\"%2\"</code>")
                          .arg(name.toHtmlEscaped(), value.toHtmlEscaped()));
    }
    m_labels->setText(labels.join(QStringLiteral(" &nbsp; ")));

    QStringList annotations;
    // Summary first, then description, then the rest as the rule lists them.
    AlertLabels ordered;
    for (const QString &first : {QStringLiteral("summary"), QStringLiteral("description")}) {
        const QString value = labelValue(alert.annotations, first);
        if (!value.isEmpty()) {
            ordered.append({first, value});
        }
    }
    for (const auto &annotation : alert.annotations) {
        if (annotation.first != QLatin1String("summary") &&
            annotation.first != QLatin1String("description")) {
            ordered.append(annotation);
        }
    }
    for (const auto &[name, value] : ordered) {
        if (name == QLatin1String("summary")) {
            annotations.append(QStringLiteral("<b>%1</b>").arg(linkified(value)));
        } else if (name == QLatin1String("description")) {
            annotations.append(linkified(value));
        } else {
            annotations.append(
                QStringLiteral("<span style=\"color:%1\">%2:</span> %3")
                    .arg(colors.muted.name(), name.toHtmlEscaped(), linkified(value)));
        }
    }
    m_annotations->setText(annotations.isEmpty() ? tr("<i>None</i>")
                                                 : annotations.join(QStringLiteral("<br>")));

    QStringList matching;
    for (const SilenceInfo &silence : silences) {
        if (silence.state == SilenceState::Expired) {
            continue;
        }
        const auto matchers = AlertMatchers::compile(silence.matchers);
        if (!alert.silencedBy.contains(silence.id) &&
            !(matchers && matchers->matches(alert.labels))) {
            continue;
        }
        matching.append(tr("<code>%1</code> — until %2, by %3: %4")
                            .arg(AlertMatchers::format(silence.matchers).toHtmlEscaped(),
                                 absoluteTime(silence.endsAt), silence.createdBy.toHtmlEscaped(),
                                 silence.comment.toHtmlEscaped()));
    }
    m_silences->setText(matching.isEmpty() ? tr("<i>No silence matches this alert.</i>")
                                           : matching.join(QStringLiteral("<br>")));
    m_silence->setEnabled(m_silenceBlocked.isEmpty());
    m_body->setVisible(true);
}

void AlertDetailPane::setSilenceBlockedReason(const QString &blockedReason) {
    m_silenceBlocked = blockedReason;
    m_silence->setEnabled(m_alert && blockedReason.isEmpty());
    m_silence->setToolTip(blockedReason.isEmpty()
                              ? tr("Silence this alert (its labels prefill the matchers)")
                              : blockedReason);
}

QString AlertDetailPane::silencesText() const {
    return m_silences->text();
}

QString AlertDetailPane::annotationsText() const {
    return m_annotations->text();
}

void AlertDetailPane::loadChart() {
    m_chart->setThreshold(std::nullopt);
    applySpans();
    if (m_expr.isEmpty() || !m_alert) {
        m_chart->setMessage(tr("The rule's expression is not known"));
        return;
    }
    if (!m_session->isConnected()) {
        m_chart->setMessage(tr("Not connected"));
        return;
    }
    const auto threshold = expressionThreshold(m_expr);
    const QString query = threshold ? threshold->lhs : m_expr;
    if (threshold) {
        m_chart->setThreshold(
            threshold->value,
            QStringLiteral("%1 %2").arg(threshold->op, QString::number(threshold->value)));
    }
    const QDateTime end = QDateTime::currentDateTimeUtc();
    const QDateTime active = m_alert->activeAt.isValid() ? m_alert->activeAt : end;
    const qint64 lead = std::max(kLeadMs, active.msecsTo(end));
    const QDateTime start = active.addMSecs(-lead);
    m_chart->setTimeRange(double(start.toMSecsSinceEpoch()) / 1000.0,
                          double(end.toMSecsSinceEpoch()) / 1000.0);
    const int maxPoints = maxPointsForWidth(std::max(400, m_chart->width()));
    RangeQuery range{query, start, end, stepForRange(start.msecsTo(end), maxPoints, 0), maxPoints};
    m_chart->setMessage(tr("Loading…"));
    m_metrics.queryRange(
        range, m_scope.current(), [this](const CallResult<RangeQueryResult> &result) {
            if (!result.ok()) {
                m_chart->setMessage(result.error().describe());
                emit errorOccurred(
                    tr("Could not chart the rule's expression: %1").arg(result.error().describe()));
                return;
            }
            QList<MetricSeries> series;
            for (const MetricSeries &one : result.value().series) {
                if (m_alert && seriesOfAlert(one, *m_alert)) {
                    series.append(one);
                }
            }
            // Aggregated away or relabelled: show everything rather than nothing.
            if (series.isEmpty()) {
                series = result.value().series;
            }
            m_chart->setRoleSeries(0, series, result.value().stepMs);
            m_chart->setMessage(series.isEmpty() ? tr("No data in this range") : QString());
        });
}

void AlertDetailPane::loadHistory() {
    if (!m_alert || !m_session->isConnected()) {
        return;
    }
    m_alerts.alertHistory(
        m_alert->id, {}, 100, m_scope.current(),
        [this](const CallResult<QList<AlertTransitionInfo>> &result) {
            if (!result.ok()) {
                emit errorOccurred(
                    tr("Could not load the alert's history: %1").arg(result.error().describe()));
                return;
            }
            m_history->reset(result.value());
            applySpans();
        });
}

void AlertDetailPane::applySpans() {
    if (!m_alert) {
        m_chart->setSpans({});
        return;
    }
    m_chart->setSpans(
        alertSpans(m_history->transitions(), *m_alert, QDateTime::currentDateTimeUtc()));
}

} // namespace aegis::console
