#include "views/overview_page.h"

#include "models/attention_model.h"
#include "models/audit_record_model.h"
#include "models/display_format.h"
#include "models/display_names.h"
#include "models/resource_count_model.h"
#include "models/service_summary_model.h"
#include "net/session.h"
#include "views/instance_delegate.h"
#include "views/page_skeleton.h"
#include "views/pill_painter.h"
#include "views/service_summary_delegate.h"
#include "views/stat_card.h"
#include "views/theme.h"
#include "views/view_helpers.h"

#include <QApplication>
#include <QDate>
#include <QEvent>
#include <QFormLayout>
#include <QGridLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPainter>
#include <QScrollArea>
#include <QStackedLayout>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

#include <optional>

namespace aegis::console {
namespace {

QLabel *factLabel() {
    auto *label = new QLabel(QStringLiteral("—"));
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setWordWrap(true);
    return label;
}

// The attention lists: the status as a pill in its tone, the action in the link colour.
class AttentionDelegate final : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override {
        if (index.column() != AttentionModel::StatusColumn &&
            index.column() != AttentionModel::ActionColumn) {
            QStyledItemDelegate::paint(painter, option, index);
            return;
        }
        QStyleOptionViewItem background = option;
        initStyleOption(&background, index);
        const QString text = background.text;
        background.text.clear();
        QStyle *style = option.widget ? option.widget->style() : QApplication::style();
        style->drawControl(QStyle::CE_ItemViewItem, &background, painter, option.widget);
        const ThemeColors colors = themeColors(option.palette);
        const bool selected = option.state & QStyle::State_Selected;
        if (index.column() == AttentionModel::ActionColumn) {
            painter->save();
            painter->setPen(selected ? option.palette.color(QPalette::HighlightedText)
                                     : option.palette.color(QPalette::Link));
            const QRect area = option.rect.adjusted(8, 0, -8, 0);
            painter->drawText(area, Qt::AlignLeft | Qt::AlignVCenter,
                              option.fontMetrics.elidedText(text, Qt::ElideRight, area.width()));
            painter->restore();
            return;
        }
        QColor tone = colors.accent;
        switch (static_cast<AttentionItem::Tone>(index.data(AttentionModel::ToneRole).toInt())) {
        case AttentionItem::Tone::Danger:
            tone = colors.danger;
            break;
        case AttentionItem::Tone::Ejected:
            tone = colors.ejected;
            break;
        case AttentionItem::Tone::Warning:
            tone = colors.warning;
            break;
        case AttentionItem::Tone::Attention:
            tone = colors.attention;
            break;
        case AttentionItem::Tone::Accent:
            break;
        }
        drawPill(painter, option, text, selected ? selectedTone(tone, colors.dark) : tone,
                 option.rect.left() + 8, option.rect.width() - 12);
    }
};

QTableView *attentionTable(QAbstractItemModel *model) {
    auto *table = new QTableView;
    table->setModel(model);
    styleTable(table);
    table->setItemDelegate(new AttentionDelegate(table));
    table->setSelectionMode(QAbstractItemView::NoSelection);
    table->setCursor(Qt::PointingHandCursor);
    table->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    QHeaderView *columns = table->horizontalHeader();
    columns->setSectionResizeMode(AttentionModel::StatusColumn, QHeaderView::Fixed);
    columns->resizeSection(AttentionModel::StatusColumn, 150);
    columns->setSectionResizeMode(AttentionModel::SubjectColumn, QHeaderView::ResizeToContents);
    columns->setSectionResizeMode(AttentionModel::DetailColumn, QHeaderView::Stretch);
    columns->setSectionResizeMode(AttentionModel::ActionColumn, QHeaderView::ResizeToContents);
    table->setMinimumHeight(120);
    return table;
}

// A titled card holding `body`, with `empty` shown in its place while `body` has no rows.
QFrame *listCard(QLabel *title, QWidget *body, QLabel *empty) {
    auto *card = new QFrame;
    card->setObjectName(QStringLiteral("Card"));
    auto *layout = new QVBoxLayout(card);
    layout->setContentsMargins(16, 12, 16, 12);
    layout->setSpacing(8);
    layout->addWidget(title);
    empty->setObjectName(QStringLiteral("PageSubtitle"));
    empty->setWordWrap(true);
    empty->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    auto *stack = new QStackedLayout;
    stack->addWidget(body);
    stack->addWidget(empty);
    layout->addLayout(stack, 1);
    return card;
}

void showWhenEmpty(QWidget *body, QLabel *empty, bool isEmpty) {
    auto *stack =
        qobject_cast<QStackedLayout *>(body->parentWidget()->layout()->itemAt(1)->layout());
    if (stack) {
        stack->setCurrentWidget(isEmpty ? static_cast<QWidget *>(empty) : body);
    }
}

} // namespace

OverviewPage::OverviewPage(Session *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_skeleton(
          new PageSkeleton(session, tr("Overview"), tr("The daemon's status and this connection")))
    , m_version(new StatCard(tr("Version")))
    , m_uptime(new StatCard(tr("Uptime")))
    , m_revision(new StatCard(tr("Revision")))
    , m_compactRevision(new StatCard(tr("Compact revision")))
    , m_store(new StatCard(tr("Store")))
    , m_logLevel(new StatCard(tr("Log level")))
    , m_services(new StatCard(tr("Services")))
    , m_instances(new StatCard(tr("Instances")))
    , m_healthy(new StatCard(tr("Healthy")))
    , m_unhealthy(new StatCard(tr("Unhealthy")))
    , m_firing(new StatCard(tr("Alerts firing")))
    , m_pending(new StatCard(tr("Alerts pending")))
    , m_problems(new AttentionModel(AttentionModel::Scope::Problems, this))
    , m_inFlight(new AttentionModel(AttentionModel::Scope::InFlight, this))
    , m_problemView(attentionTable(m_problems))
    , m_inFlightView(attentionTable(m_inFlight))
    , m_changesView(new QTableView)
    , m_trafficView(new QTableView)
    , m_problemsTitle(sectionTitle(tr("Needs attention")))
    , m_inFlightTitle(sectionTitle(tr("In flight")))
    , m_problemsEmpty(new QLabel)
    , m_inFlightEmpty(new QLabel(tr("No rollout is running.")))
    , m_trafficEmpty(new QLabel)
    , m_counts(new ResourceCountModel(this))
    , m_countsView(new QTableView)
    , m_profile(factLabel())
    , m_address(factLabel())
    , m_transport(factLabel())
    , m_token(factLabel())
    , m_state(factLabel())
    , m_roundTrip(factLabel())
    , m_updated(factLabel())
    , m_controlPlane(factLabel()) {
    // The fleet and its alerts first; the daemon's own facts below what needs attention.
    auto *cards = new QGridLayout;
    cards->setSpacing(12);
    auto *daemonCards = new QGridLayout;
    daemonCards->setSpacing(12);
    const QList<StatCard *> fleet = {m_services,  m_instances, m_healthy,
                                     m_unhealthy, m_firing,    m_pending};
    const QList<StatCard *> daemon = {m_version,         m_uptime, m_revision,
                                      m_compactRevision, m_store,  m_logLevel};
    constexpr int columns = 6;
    for (int i = 0; i < columns; ++i) {
        cards->addWidget(fleet[i], 0, i);
        daemonCards->addWidget(daemon[i], 0, i);
        cards->setColumnStretch(i, 1);
        daemonCards->setColumnStretch(i, 1);
    }
    m_healthy->setToolTip(tr("Instances whose health check passes"));
    m_firing->setToolTip(tr("Alerts whose condition held for their rule's `for` (the Alerts page "
                            "lists them); silenced ones are counted too"));
    m_pending->setToolTip(tr("Alerts whose condition holds, for less than their rule's `for`"));
    setAlertCounts(std::nullopt);
    m_unhealthy->setToolTip(tr("Instances that are critical or ejected: discovery leaves them out "
                               "unless their service is in panic"));

    m_countsView->setModel(m_counts);
    m_countsView->setAlternatingRowColors(true);
    m_countsView->setSelectionMode(QAbstractItemView::NoSelection);
    m_countsView->setFocusPolicy(Qt::NoFocus);
    m_countsView->verticalHeader()->hide();
    m_countsView->setShowGrid(false);
    m_countsView->horizontalHeader()->setSectionResizeMode(ResourceCountModel::KindColumn,
                                                           QHeaderView::Stretch);
    m_countsView->horizontalHeader()->setSectionResizeMode(ResourceCountModel::CountColumn,
                                                           QHeaderView::ResizeToContents);
    m_countsView->verticalHeader()->setDefaultSectionSize(28);

    auto *resources = new QFrame;
    resources->setObjectName(QStringLiteral("Card"));
    auto *resourcesLayout = new QVBoxLayout(resources);
    resourcesLayout->setContentsMargins(16, 12, 16, 16);
    resourcesLayout->addWidget(sectionTitle(tr("Resources")));
    resourcesLayout->addWidget(m_countsView);
    resourcesLayout->addStretch(1);

    auto *connection = new QFrame;
    connection->setObjectName(QStringLiteral("Card"));
    auto *connectionLayout = new QVBoxLayout(connection);
    connectionLayout->setContentsMargins(16, 12, 16, 16);
    connectionLayout->addWidget(sectionTitle(tr("Connection")));
    auto *facts = new QFormLayout;
    facts->setHorizontalSpacing(24);
    facts->setVerticalSpacing(8);
    facts->setLabelAlignment(Qt::AlignLeft);
    const QList<QPair<QString, QLabel *>> rows = {
        {tr("Profile"), m_profile},    {tr("Address"), m_address}, {tr("Transport"), m_transport},
        {tr("Token"), m_token},        {tr("State"), m_state},     {tr("Round trip"), m_roundTrip},
        {tr("Last update"), m_updated}};
    for (const auto &[name, label] : rows) {
        auto *key = new QLabel(name);
        key->setObjectName(QStringLiteral("DetailKey"));
        facts->addRow(key, label);
    }
    connectionLayout->addLayout(facts);
    connectionLayout->addStretch(1);

    auto *controlPlane = new QFrame;
    controlPlane->setObjectName(QStringLiteral("Card"));
    auto *controlPlaneLayout = new QVBoxLayout(controlPlane);
    controlPlaneLayout->setContentsMargins(16, 12, 16, 16);
    controlPlaneLayout->addWidget(sectionTitle(tr("Control plane")));
    m_controlPlane->setObjectName(QStringLiteral("controlPlane"));
    m_controlPlane->setTextFormat(Qt::RichText);
    m_controlPlane->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    controlPlaneLayout->addWidget(m_controlPlane);
    controlPlaneLayout->addStretch(1);

    auto *lower = new QHBoxLayout;
    lower->setSpacing(12);
    lower->addWidget(resources, 1);
    lower->addWidget(connection, 1);
    lower->addWidget(controlPlane, 1);

    auto *content = new QWidget;
    auto *layout = new QVBoxLayout(content);
    layout->setContentsMargins(0, 0, 0, 4);
    layout->setSpacing(16);
    layout->addLayout(cards);
    layout->addWidget(buildAttention(), 1);
    layout->addLayout(daemonCards);
    layout->addLayout(lower);

    auto *scroll = new QScrollArea;
    scroll->setWidget(content);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    m_skeleton->setBody(scroll);
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(m_skeleton);

    connect(m_session, &Session::statusReceived, this, &OverviewPage::showStatus);
    connect(m_session, &Session::stateChanged, this, [this](ConnectionState state) {
        setStale(state != ConnectionState::Connected && m_hasData);
        updateConnectionFacts();
    });
    connect(m_session, &Session::connectionChanged, this, [this] {
        m_hasData = false;
        updateConnectionFacts();
    });
    // Relative times age even when nothing new arrives.
    auto *tick = new QTimer(this);
    connect(tick, &QTimer::timeout, this, &OverviewPage::updateConnectionFacts);
    tick->start(1000);
    updateConnectionFacts();
    showHealthCounts();
    updateAttentionTitles();
}

QWidget *OverviewPage::buildAttention() {
    m_problemView->setObjectName(QStringLiteral("problems"));
    m_inFlightView->setObjectName(QStringLiteral("inFlight"));
    connect(m_problemView, &QTableView::clicked, this,
            [this](const QModelIndex &index) { openProblem(index.row()); });
    connect(m_inFlightView, &QTableView::clicked, this,
            [this](const QModelIndex &index) { openInFlight(index.row()); });
    for (AttentionModel *model : {m_problems, m_inFlight}) {
        connect(model, &QAbstractItemModel::modelReset, this, &OverviewPage::updateAttentionTitles);
    }

    // Recent changes: the Audit page's records, newest first.
    styleTable(m_changesView);
    m_changesView->setObjectName(QStringLiteral("recentChanges"));
    m_changesView->setSelectionMode(QAbstractItemView::NoSelection);
    m_changesView->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_changesView->setCursor(Qt::PointingHandCursor);
    m_changesView->setMinimumHeight(120);
    connect(m_changesView, &QTableView::clicked, this, &OverviewPage::auditRequested);

    // Each service's request rate and errors (the Services page's sparklines).
    styleTable(m_trafficView);
    m_trafficView->setObjectName(QStringLiteral("serviceTraffic"));
    m_trafficView->setSelectionMode(QAbstractItemView::NoSelection);
    m_trafficView->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_trafficView->setItemDelegate(new ServiceSummaryDelegate(m_trafficView));
    m_trafficView->setMinimumHeight(96);

    auto *changesCard = new QFrame;
    changesCard->setObjectName(QStringLiteral("Card"));
    auto *changesLayout = new QVBoxLayout(changesCard);
    changesLayout->setContentsMargins(16, 12, 16, 12);
    changesLayout->setSpacing(8);
    changesLayout->addWidget(sectionTitle(tr("Recent changes")));
    changesLayout->addWidget(m_changesView, 1);

    auto *left = new QVBoxLayout;
    left->setSpacing(12);
    left->addWidget(listCard(m_problemsTitle, m_problemView, m_problemsEmpty), 3);
    left->addWidget(listCard(m_inFlightTitle, m_inFlightView, m_inFlightEmpty), 2);
    auto *right = new QVBoxLayout;
    right->setSpacing(12);
    right->addWidget(
        listCard(sectionTitle(tr("Traffic, last 15 minutes")), m_trafficView, m_trafficEmpty), 2);
    right->addWidget(changesCard, 3);

    auto *area = new QWidget;
    auto *layout = new QHBoxLayout(area);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(12);
    layout->addLayout(left, 3);
    layout->addLayout(right, 2);
    area->setMinimumHeight(380);
    return area;
}

void OverviewPage::setFleetSources(InstanceModel *instances, ReleaseModel *releases,
                                   AuditRecordModel *audit) {
    m_problems->setSources(instances, m_summary, releases, audit);
    m_inFlight->setSources(nullptr, nullptr, releases, nullptr);
    m_changesView->setModel(audit);
    if (audit) {
        QHeaderView *columns = m_changesView->horizontalHeader();
        for (int column = 0; column < AuditRecordModel::ColumnCount; ++column) {
            m_changesView->setColumnHidden(column, column != AuditRecordModel::TimeColumn &&
                                                       column != AuditRecordModel::ActorColumn &&
                                                       column != AuditRecordModel::SummaryColumn &&
                                                       column != AuditRecordModel::OutcomeColumn);
        }
        columns->setSectionResizeMode(QHeaderView::ResizeToContents);
        columns->setSectionResizeMode(AuditRecordModel::SummaryColumn, QHeaderView::Stretch);
    }
    updateAttentionTitles();
}

void OverviewPage::openProblem(int row) {
    if (row >= 0 && row < m_problems->rowCount()) {
        emit openRequested(m_problems->itemAt(row));
    }
}

void OverviewPage::openInFlight(int row) {
    if (row >= 0 && row < m_inFlight->rowCount()) {
        emit openRequested(m_inFlight->itemAt(row));
    }
}

void OverviewPage::updateAttentionTitles() {
    const int problems = m_problems->rowCount();
    const int inFlight = m_inFlight->rowCount();
    m_problemsTitle->setText(problems > 0 ? tr("Needs attention (%1)").arg(formatCount(problems))
                                          : tr("Needs attention"));
    m_inFlightTitle->setText(inFlight > 0 ? tr("In flight (%1)").arg(formatCount(inFlight))
                                          : tr("In flight"));
    const ThemeColors colors = themeColors(palette());
    m_problemsEmpty->setText(
        m_summary && m_summary->healthCounts(0).instances > 0
            ? QStringLiteral("<span style=\"color:%1\">●</span> %2")
                  .arg(colors.success.name(),
                       tr("Nothing needs attention: no instance is critical, ejected or "
                          "flapping, no service is in panic, no rollout or configuration "
                          "change failed.")
                           .toHtmlEscaped())
            : tr("Nothing known yet."));
    showWhenEmpty(m_problemView, m_problemsEmpty, problems == 0);
    showWhenEmpty(m_inFlightView, m_inFlightEmpty, inFlight == 0);
}

void OverviewPage::showTrafficState() {
    const bool any = m_summary && m_summary->hasTraffic();
    m_trafficEmpty->setText(
        m_session->isConnected()
            ? tr("No request rates: the daemon's metrics backend is off or has no data yet "
                 "(the Metrics page says which).")
            : tr("Not connected."));
    showWhenEmpty(m_trafficView, m_trafficEmpty, !any);
}

void OverviewPage::showEvent(QShowEvent *event) {
    QWidget::showEvent(event);
    emit trafficWantedChanged(true);
}

void OverviewPage::hideEvent(QHideEvent *event) {
    QWidget::hideEvent(event);
    emit trafficWantedChanged(false);
}

void OverviewPage::setProfileName(const QString &name) {
    m_profileName = name;
    updateConnectionFacts();
}

QString OverviewPage::cardValue(const QString &name) const {
    if (name == QLatin1String("version")) {
        return m_version->value();
    }
    if (name == QLatin1String("uptime")) {
        return m_uptime->value();
    }
    if (name == QLatin1String("revision")) {
        return m_revision->value();
    }
    if (name == QLatin1String("store")) {
        return m_store->value();
    }
    if (name == QLatin1String("services")) {
        return m_services->value();
    }
    if (name == QLatin1String("instances")) {
        return m_instances->value();
    }
    if (name == QLatin1String("healthy")) {
        return m_healthy->value();
    }
    if (name == QLatin1String("unhealthy")) {
        return m_unhealthy->value();
    }
    if (name == QLatin1String("firing")) {
        return m_firing->value();
    }
    if (name == QLatin1String("pending")) {
        return m_pending->value();
    }
    return {};
}

void OverviewPage::setAlertCounts(const std::optional<AlertCounts> &known) {
    const ThemeColors colors = themeColors(palette());
    if (!known) {
        m_firing->setValue(QStringLiteral("—"), tr("not known"));
        m_firing->setValueTone({});
        m_pending->setValue(QStringLiteral("—"));
        m_pending->setValueTone({});
        return;
    }
    const AlertCounts &counts = *known;
    m_firing->setValue(formatCount(counts.firing),
                       tr("%1 critical · %2 silenced")
                           .arg(formatCount(counts.criticalFiring), formatCount(counts.silenced)));
    m_firing->setValueTone(counts.criticalFiring > 0 ? colors.danger : QColor());
    m_pending->setValue(formatCount(counts.pending));
    m_pending->setValueTone(counts.pending > 0 ? colors.warning : QColor());
}

void OverviewPage::setServiceSummary(ServiceSummaryModel *summary) {
    if (m_summary) {
        disconnect(m_summary, nullptr, this, nullptr);
    }
    m_summary = summary;
    m_trafficView->setModel(summary);
    if (summary) {
        connect(summary, &ServiceSummaryModel::healthCountsChanged, this,
                &OverviewPage::showHealthCounts);
        connect(summary, &QAbstractItemModel::dataChanged, this, &OverviewPage::showTrafficState);
        connect(summary, &QAbstractItemModel::rowsInserted, this, [this] {
            m_trafficView->setRowHidden(0, true); // The "all services" row.
        });
        for (int column = 0; column < ServiceSummaryModel::ColumnCount; ++column) {
            m_trafficView->setColumnHidden(column,
                                           column != ServiceSummaryModel::NameColumn &&
                                               column != ServiceSummaryModel::TrafficColumn);
        }
        m_trafficView->horizontalHeader()->setSectionResizeMode(ServiceSummaryModel::NameColumn,
                                                                QHeaderView::ResizeToContents);
        m_trafficView->horizontalHeader()->setSectionResizeMode(ServiceSummaryModel::TrafficColumn,
                                                                QHeaderView::Stretch);
        if (summary->rowCount() > 0) {
            m_trafficView->setRowHidden(0, true);
        }
    }
    showHealthCounts();
    showTrafficState();
}

void OverviewPage::showHealthCounts() {
    if (!m_summary) {
        m_healthy->setValue(QStringLiteral("—"));
        m_unhealthy->setValue(QStringLiteral("—"));
        return;
    }
    const ThemeColors colors = themeColors(palette());
    const HealthCounts counts = m_summary->healthCounts(0);
    if (counts.instances == 0) {
        m_healthy->setValue(QStringLiteral("—"), tr("no instances"));
        m_unhealthy->setValue(QStringLiteral("—"));
        m_unhealthy->setValueTone({});
        return;
    }
    m_healthy->setValue(formatCount(counts.passing),
                        counts.passing == counts.instances
                            ? tr("every instance passes")
                            : tr("passing, of %1").arg(formatCount(counts.instances)));
    QStringList detail;
    if (counts.panic > 0) {
        detail.append(tr("%n service(s) in panic", nullptr, counts.panic));
    }
    if (counts.warning > 0) {
        detail.append(tr("%n warning", nullptr, counts.warning));
    }
    if (counts.flapping > 0) {
        detail.append(tr("%n flapping", nullptr, counts.flapping));
    }
    if (counts.unknown > 0) {
        detail.append(tr("%n unknown", nullptr, counts.unknown));
    }
    if (detail.isEmpty()) {
        detail.append(counts.unhealthy > 0 ? tr("critical or ejected") : tr("none failing"));
    }
    m_unhealthy->setValue(formatCount(counts.unhealthy), detail.join(QStringLiteral(" · ")));
    m_unhealthy->setValueTone(counts.unhealthy > 0 ? colors.danger : QColor());
}

void OverviewPage::changeEvent(QEvent *event) {
    if (event->type() == QEvent::PaletteChange) {
        showHealthCounts();
        showControlPlane();
    }
    QWidget::changeEvent(event);
}

void OverviewPage::showStatus(const DaemonStatus &status) {
    m_version->setValue(status.version.isEmpty() ? QStringLiteral("—") : status.version,
                        tr("aegisd"));
    // The card is narrow: the time of day when aegisd started today, else the date and time.
    const QDateTime started = status.startTime.toLocalTime();
    const QString since = !started.isValid() ? QString()
                          : started.date() == QDate::currentDate()
                              ? started.toString(QStringLiteral("HH:mm:ss"))
                              : monthDayTime(started);
    m_uptime->setValue(humanDuration(status.uptimeMs),
                       since.isEmpty() ? QString() : tr("since %1").arg(since));
    m_revision->setValue(formatCount(status.revision), tr("every mutation adds one"));
    m_compactRevision->setValue(formatCount(status.compactRevision), tr("watches resume after it"));
    m_store->setValue(status.storeKind.isEmpty() ? QStringLiteral("—") : status.storeKind,
                      status.storeKind == QLatin1String("sqlite") ? tr("embedded")
                      : status.storeKind == QLatin1String("etcd") ? tr("distributed")
                                                                  : QString());
    m_logLevel->setValue(status.logLevel.isEmpty() ? QStringLiteral("—") : status.logLevel,
                         tr("runtime adjustable"));
    const auto count = [&status](const QString &kind) -> std::optional<qint64> {
        for (const auto &[name, value] : status.resourceCounts) {
            if (name == kind) {
                return value;
            }
        }
        return std::nullopt;
    };
    const auto services = count(QStringLiteral("services"));
    const auto instances = count(QStringLiteral("instances"));
    const auto leases = count(QStringLiteral("leases"));
    m_services->setValue(services ? formatCount(*services) : QStringLiteral("—"),
                         tr("registered in discovery"));
    m_instances->setValue(instances ? formatCount(*instances) : QStringLiteral("—"),
                          leases ? tr("under %n lease(s)", nullptr, static_cast<int>(*leases))
                                 : QString());
    m_counts->setCounts(status.resourceCounts);
    const int rows = std::max(1, m_counts->rowCount());
    m_countsView->setFixedHeight(m_countsView->horizontalHeader()->sizeHint().height() + rows * 28 +
                                 4);
    setStale(false);
    updateConnectionFacts();
    if (!m_hasData) {
        m_hasData = true;
        emit dataLoaded();
    }
}

void OverviewPage::setStale(bool stale) {
    for (StatCard *card :
         {m_services, m_instances, m_healthy, m_unhealthy, m_firing, m_pending, m_version, m_uptime,
          m_revision, m_compactRevision, m_store, m_logLevel}) {
        card->setStale(stale);
    }
    m_countsView->setEnabled(!stale);
}

void OverviewPage::updateConnectionFacts() {
    const ConnectionSettings &settings = m_session->settings();
    const ThemeColors colors = themeColors(palette());
    m_profile->setText(m_profileName.isEmpty() ? QStringLiteral("—") : m_profileName);
    m_address->setText(settings.address.isEmpty() ? QStringLiteral("—") : settings.address);
    m_transport->setText(!settings.usesTls()           ? tr("Plaintext (no TLS)")
                         : settings.certFile.isEmpty() ? tr("TLS")
                                                       : tr("Mutual TLS"));
    m_token->setText(!settings.token.isEmpty()       ? tr("From the keyring / session")
                     : !settings.tokenFile.isEmpty() ? tr("File %1").arg(settings.tokenFile)
                                                     : tr("None"));
    QColor tone = colors.muted;
    QString state = connectionStateName(m_session->state());
    switch (m_session->state()) {
    case ConnectionState::Connected:
        tone = colors.success;
        break;
    case ConnectionState::Unreachable:
        tone = colors.danger;
        state += QStringLiteral(" — ") + m_session->stateReason();
        break;
    case ConnectionState::Connecting:
        tone = colors.warning;
        break;
    case ConnectionState::Disconnected:
        break;
    }
    m_state->setText(QStringLiteral("<span style=\"color:%1\">●</span> %2")
                         .arg(tone.name(), state.toHtmlEscaped()));
    const auto &status = m_session->lastStatus();
    m_roundTrip->setText(status ? tr("%1 ms").arg(status->roundTripMs) : QStringLiteral("—"));
    if (status) {
        const bool stale = m_session->state() != ConnectionState::Connected;
        const QString when = relativeTime(status->receivedAt, QDateTime::currentDateTimeUtc());
        m_updated->setText(stale ? tr("%1 (stale)").arg(when) : when);
    } else {
        m_updated->setText(QStringLiteral("—"));
    }
    showControlPlane();
    m_skeleton->setSubtitle(settings.address.isEmpty()
                                ? tr("Not connected")
                                : tr("The daemon at %1 and this connection").arg(settings.address));
}

void OverviewPage::showControlPlane() {
    const auto &status = m_session->lastStatus();
    if (!status || status->controlPlane.mode.isEmpty()) {
        m_controlPlane->setText(QStringLiteral("—"));
        return;
    }
    const ControlPlane &plane = status->controlPlane;
    const ThemeColors colors = themeColors(palette());
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const auto dot = [](const QColor &tone) {
        return QStringLiteral("<span style=\"color:%1\">●</span> ").arg(tone.name());
    };
    const auto muted = [&colors](const QString &text) {
        return QStringLiteral("<span style=\"color:%1\">%2</span>")
            .arg(colors.muted.name(), text.toHtmlEscaped());
    };
    QString html;
    html += plane.mode == QLatin1String("single")
                ? tr("One aegisd on its SQLite store").toHtmlEscaped()
                : tr("%n replica(s) on etcd", nullptr, static_cast<int>(plane.replicas.size()))
                      .toHtmlEscaped();
    html += QStringLiteral("<br>");
    html += plane.leaderId.isEmpty()
                ? dot(colors.warning) + tr("No leader: an election is in progress").toHtmlEscaped()
                : tr("Leader: %1").arg(plane.leaderId).toHtmlEscaped();
    if (!plane.writable) {
        html += QStringLiteral("<br>") + dot(colors.danger) +
                tr("This replica refuses writes: %1").arg(plane.writeProblem).toHtmlEscaped();
    }
    // One replica or member per entry: its name, then what is known of it on a line below, so a
    // narrow card wraps nothing mid-entry.
    const auto entry = [](const QColor &tone, const QString &name, const QString &detail) {
        return QStringLiteral("<tr><td style=\"padding-top:6px\"><span style=\"color:%1\">●</span> "
                              "%2</td></tr><tr><td style=\"padding-left:14px\">%3</td></tr>")
            .arg(tone.name(), name.toHtmlEscaped(), detail);
    };
    html += QStringLiteral("<table cellspacing=\"0\" cellpadding=\"0\">");
    for (const ControlPlane::Replica &replica : plane.replicas) {
        QString role = replica.leader ? tr("leader") : tr("follower");
        if (replica.id == plane.replicaId) {
            role = tr("%1, this connection").arg(role);
        }
        const QString uptime = humanDuration(std::max<qint64>(0, replica.since.msecsTo(now)));
        html += entry(replica.healthy ? colors.success : colors.danger, replica.id,
                      muted(tr("%1 · %2 · for %3").arg(role, replica.version, uptime)));
    }
    for (const ControlPlane::StoreMember &member : plane.storeMembers) {
        const QString detail = member.healthy
                                   ? tr("etcd%1 · %2")
                                         .arg(member.leader ? tr(", raft leader") : QString(),
                                              QLocale().formattedDataSize(member.dbSizeBytes))
                                   : tr("etcd, unreachable: %1").arg(member.problem);
        html += entry(member.healthy ? colors.success : colors.danger, member.name, muted(detail));
    }
    html += QStringLiteral("</table>");
    m_controlPlane->setText(html);
}

} // namespace aegis::console
