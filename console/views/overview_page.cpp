#include "views/overview_page.h"

#include "models/display_format.h"
#include "models/display_names.h"
#include "models/resource_count_model.h"
#include "models/service_summary_model.h"
#include "net/session.h"
#include "views/page_skeleton.h"
#include "views/stat_card.h"
#include "views/theme.h"
#include "views/view_helpers.h"

#include <QDate>
#include <QEvent>
#include <QFormLayout>
#include <QGridLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QScrollArea>
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
    , m_counts(new ResourceCountModel(this))
    , m_countsView(new QTableView)
    , m_profile(factLabel())
    , m_address(factLabel())
    , m_transport(factLabel())
    , m_token(factLabel())
    , m_state(factLabel())
    , m_roundTrip(factLabel())
    , m_updated(factLabel()) {
    auto *cards = new QGridLayout;
    cards->setSpacing(12);
    // The fleet and its alerts first, then the daemon.
    const QList<StatCard *> all = {m_services, m_instances,       m_healthy, m_unhealthy,
                                   m_firing,   m_pending,         m_version, m_uptime,
                                   m_revision, m_compactRevision, m_store,   m_logLevel};
    constexpr int columns = 6;
    for (int i = 0; i < all.size(); ++i) {
        cards->addWidget(all[i], i / columns, i % columns);
    }
    for (int column = 0; column < columns; ++column) {
        cards->setColumnStretch(column, 1);
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

    auto *lower = new QHBoxLayout;
    lower->setSpacing(12);
    lower->addWidget(resources, 1);
    lower->addWidget(connection, 1);

    auto *content = new QWidget;
    auto *layout = new QVBoxLayout(content);
    layout->setContentsMargins(0, 0, 0, 4);
    layout->setSpacing(16);
    layout->addLayout(cards);
    layout->addLayout(lower);
    layout->addStretch(1);

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
    if (summary) {
        connect(summary, &ServiceSummaryModel::healthCountsChanged, this,
                &OverviewPage::showHealthCounts);
    }
    showHealthCounts();
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
                              : QLocale().toString(started, QStringLiteral("MMM d, HH:mm"));
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
    m_skeleton->setSubtitle(settings.address.isEmpty()
                                ? tr("Not connected")
                                : tr("The daemon at %1 and this connection").arg(settings.address));
}

} // namespace aegis::console
