#include "views/health_check_dialog.h"

#include "views/view_helpers.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStyle>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace aegis::console {
namespace {

// Pages of the kind-specific options, in healthCheckKinds() order.
enum KindPage { HttpPage, TcpPage, GrpcPage, TtlPage };

constexpr int kDefaultPanicPercent = 50;
constexpr int kAborted = 10;
constexpr int kNotFound = 5;

QLabel *note(const QString &text) {
    auto *label = new QLabel(text);
    label->setObjectName(QStringLiteral("PageSubtitle"));
    label->setWordWrap(true);
    return label;
}

QFormLayout *formLayout() {
    auto *form = new QFormLayout;
    form->setContentsMargins(0, 0, 0, 0);
    form->setHorizontalSpacing(16);
    form->setVerticalSpacing(8);
    form->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
    form->setLabelAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    return form;
}

} // namespace

HealthCheckDialog::HealthCheckDialog(Session *session, const QString &service, QWidget *parent)
    : QDialog(parent)
    , m_health(session)
    , m_service(service)
    , m_origin(note(QString()))
    , m_kind(new QComboBox)
    , m_port(new QSpinBox)
    , m_path(new QLineEdit)
    , m_status(new QLineEdit)
    , m_bodyContains(new QLineEdit)
    , m_grpcService(new QLineEdit)
    , m_ttl(new QLineEdit)
    , m_interval(new QLineEdit)
    , m_timeout(new QLineEdit)
    , m_rise(new QSpinBox)
    , m_fall(new QSpinBox)
    , m_deregisterAfter(new QLineEdit)
    , m_panicThreshold(new QSpinBox)
    , m_form(nullptr)
    , m_messageFrame(new QFrame)
    , m_message(new QLabel)
    , m_reload(new QPushButton(tr("Reload")))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Cancel)) {
    setWindowTitle(tr("Health check — %1").arg(service));
    setObjectName(QStringLiteral("HealthCheckDialog"));
    m_form = buildForm();

    m_messageFrame->setObjectName(QStringLiteral("ErrorBanner"));
    m_message->setObjectName(QStringLiteral("HealthCheckMessage"));
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_reload->setToolTip(tr("Load the check as it is now, discarding your edits"));
    auto *messageLayout = new QHBoxLayout(m_messageFrame);
    messageLayout->setContentsMargins(12, 8, 8, 8);
    messageLayout->addWidget(m_message, 1);
    messageLayout->addWidget(m_reload, 0, Qt::AlignTop);
    m_messageFrame->hide();

    m_save = m_buttons->addButton(tr("Save"), QDialogButtonBox::AcceptRole);
    m_save->setDefault(true);
    connect(m_save, &QPushButton::clicked, this, &HealthCheckDialog::save);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_reload, &QPushButton::clicked, this, &HealthCheckDialog::reload);

    auto *heading = new QLabel(tr("Health check of %1").arg(service));
    heading->setObjectName(QStringLiteral("PageTitle"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(24, 20, 24, 16);
    layout->setSpacing(10);
    layout->addWidget(heading);
    layout->addWidget(m_origin);
    layout->addWidget(m_form);
    layout->addWidget(m_messageFrame);
    layout->addStretch(1);
    layout->addWidget(m_buttons);
    setMinimumWidth(560);
    resize(560, sizeHint().height());

    setCheck({service, HealthCheckSpec{}, 0}, false);
    setStage(Stage::Loading);
}

QWidget *HealthCheckDialog::buildForm() {
    const QStringList kinds = healthCheckKinds();
    const QStringList kindLabels = {
        tr("HTTP — a GET answered with an expected status"), tr("TCP — a connection that opens"),
        tr("gRPC — grpc.health.v1 says SERVING"), tr("TTL — the instance reports in itself")};
    for (int i = 0; i < kinds.size(); ++i) {
        m_kind->addItem(kindLabels.at(i), kinds.at(i));
    }
    m_port->setRange(0, 65535);
    m_port->setSpecialValueText(tr("the instance's port"));
    m_port->setToolTip(tr("The port probed; an instance may override it with the metadata entry "
                          "health.port"));
    m_path->setPlaceholderText(QStringLiteral("/"));
    m_status->setPlaceholderText(QStringLiteral("200-299"));
    m_status->setToolTip(tr("A code (200) or a range (200-399) that counts as passing; HTTP 429 "
                            "counts as a warning"));
    m_bodyContains->setPlaceholderText(tr("optional: text the body must contain"));
    m_grpcService->setPlaceholderText(tr("empty: the server as a whole"));
    m_ttl->setPlaceholderText(QStringLiteral("30s"));
    m_ttl->setToolTip(tr("How long an instance may stay silent (no ReportHealth) before it counts "
                         "as critical"));
    m_interval->setToolTip(tr("Time between probes: 100ms to 1h"));
    m_timeout->setToolTip(tr("How long one probe may take: 10ms up to the interval"));
    m_rise->setRange(1, 100);
    m_rise->setSuffix(tr(" passing in a row"));
    m_rise->setToolTip(tr("Consecutive passing results before the instance counts as passing"));
    m_fall->setRange(1, 100);
    m_fall->setSuffix(tr(" failing in a row"));
    m_fall->setToolTip(tr("Consecutive failing results before the instance counts as critical"));
    m_deregisterAfter->setPlaceholderText(tr("never"));
    m_deregisterAfter->setToolTip(tr("An instance critical for this long is removed from "
                                     "discovery; empty or 0 keeps it"));
    m_panicThreshold->setRange(0, 100);
    m_panicThreshold->setSuffix(QStringLiteral(" %"));
    m_panicThreshold->setToolTip(
        tr("When more than this share of the service is unhealthy, discovery hands out every "
           "instance rather than overload the few left; 100 % turns panic off"));

    m_fields = {{QStringLiteral("kind"), m_kind},
                {QStringLiteral("port"), m_port},
                {QStringLiteral("path"), m_path},
                {QStringLiteral("status"), m_status},
                {QStringLiteral("body_contains"), m_bodyContains},
                {QStringLiteral("service"), m_grpcService},
                {QStringLiteral("ttl"), m_ttl},
                {QStringLiteral("interval"), m_interval},
                {QStringLiteral("timeout"), m_timeout},
                {QStringLiteral("rise"), m_rise},
                {QStringLiteral("fall"), m_fall},
                {QStringLiteral("deregister_after"), m_deregisterAfter},
                {QStringLiteral("panic_threshold"), m_panicThreshold}};
    for (auto it = m_fields.cbegin(); it != m_fields.cend(); ++it) {
        it.value()->setObjectName(it.key());
        // Every field as wide as the form, so the column reads as one.
        it.value()->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    }

    auto *httpPage = new QWidget;
    auto *httpForm = formLayout();
    httpPage->setLayout(httpForm);
    httpForm->addRow(tr("Path"), m_path);
    httpForm->addRow(tr("Passing status"), m_status);
    httpForm->addRow(tr("Body contains"), m_bodyContains);
    auto *tcpPage = new QWidget;
    auto *tcpLayout = new QVBoxLayout(tcpPage);
    tcpLayout->setContentsMargins(0, 0, 0, 0);
    tcpLayout->addWidget(note(tr("Passes when a TCP connection to the port opens in time.")));
    tcpLayout->addStretch(1);
    auto *grpcPage = new QWidget;
    auto *grpcForm = formLayout();
    grpcPage->setLayout(grpcForm);
    grpcForm->addRow(tr("gRPC service"), m_grpcService);
    auto *ttlPage = new QWidget;
    auto *ttlForm = formLayout();
    ttlPage->setLayout(ttlForm);
    ttlForm->addRow(tr("TTL"), m_ttl);
    ttlForm->addRow(QString(), note(tr("Instances report with ReportHealth; one silent for longer "
                                       "than the TTL counts as critical.")));
    m_kindPages = {httpPage, tcpPage, grpcPage, ttlPage};
    connect(m_kind, &QComboBox::currentIndexChanged, this, &HealthCheckDialog::showKindOptions);

    auto *probe = formLayout();
    probe->addRow(tr("Kind"), m_kind);
    probe->addRow(tr("Port"), m_port);
    auto *timing = formLayout();
    timing->addRow(tr("Interval"), m_interval);
    timing->addRow(tr("Timeout"), m_timeout);
    timing->addRow(tr("Rise"), m_rise);
    timing->addRow(tr("Fall"), m_fall);
    auto *failover = formLayout();
    failover->addRow(tr("Deregister after"), m_deregisterAfter);
    failover->addRow(tr("Panic threshold"), m_panicThreshold);

    // Every form's labels share one width, so the fields line up across sections.
    const QList<QFormLayout *> forms = {probe, httpForm, grpcForm, ttlForm, timing, failover};
    int labelWidth = 0;
    for (QFormLayout *form : forms) {
        for (int row = 0; row < form->rowCount(); ++row) {
            if (auto *item = form->itemAt(row, QFormLayout::LabelRole); item && item->widget()) {
                labelWidth = std::max(labelWidth, item->widget()->sizeHint().width());
            }
        }
    }
    for (QFormLayout *form : forms) {
        for (int row = 0; row < form->rowCount(); ++row) {
            if (auto *item = form->itemAt(row, QFormLayout::LabelRole); item && item->widget()) {
                item->widget()->setMinimumWidth(labelWidth);
            }
        }
    }

    auto *form = new QWidget;
    auto *layout = new QVBoxLayout(form);
    layout->setContentsMargins(0, 4, 0, 0);
    layout->setSpacing(8);
    layout->addWidget(sectionTitle(tr("Probe")));
    layout->addLayout(probe);
    for (QWidget *page : std::as_const(m_kindPages)) {
        layout->addWidget(page);
    }
    layout->addSpacing(6);
    layout->addWidget(sectionTitle(tr("Timing")));
    layout->addLayout(timing);
    layout->addSpacing(6);
    layout->addWidget(sectionTitle(tr("Failover")));
    layout->addLayout(failover);
    return form;
}

void HealthCheckDialog::showKindOptions() {
    const int page = std::max(0, m_kind->currentIndex());
    for (int i = 0; i < m_kindPages.size(); ++i) {
        m_kindPages.at(i)->setVisible(i == page);
    }
    const bool probes = page != TtlPage;
    m_port->setEnabled(probes);
    m_timeout->setEnabled(probes);
    fitToContents();
}

void HealthCheckDialog::fitToContents() {
    if (!layout()) {
        return;
    }
    layout()->activate();
    const int needed = hasHeightForWidth() ? heightForWidth(width()) : sizeHint().height();
    if (needed > height()) {
        resize(width(), needed);
    }
}

void HealthCheckDialog::setCheck(const HealthCheckRevision &check, bool exists) {
    const HealthCheckSpec &spec = check.check;
    m_loaded = spec;
    m_baseRevision = exists ? check.modRevision : -1;
    m_origin->setText(exists ? tr("Last changed at revision %1. Saving replaces it, unless someone "
                                  "changes it first.")
                                   .arg(check.modRevision)
                             : tr("%1 has no health check yet: its instances are not probed and "
                                  "count as unknown. Saving creates one.")
                                   .arg(m_service));
    const int kind = m_kind->findData(spec.kind);
    m_kind->setCurrentIndex(kind >= 0 ? kind : 0);
    m_port->setValue(spec.port);
    const QMap<QString, QString> &options = spec.options;
    m_path->setText(options.value(QStringLiteral("path")));
    m_status->setText(options.value(QStringLiteral("status")));
    m_bodyContains->setText(options.value(QStringLiteral("body_contains")));
    m_grpcService->setText(options.value(QStringLiteral("service")));
    m_ttl->setText(options.value(QStringLiteral("ttl")));
    m_interval->setText(durationText(spec.intervalMs));
    m_timeout->setText(durationText(spec.timeoutMs));
    m_rise->setValue(spec.rise);
    m_fall->setValue(spec.fall);
    m_deregisterAfter->setText(spec.deregisterAfterMs > 0 ? durationText(spec.deregisterAfterMs)
                                                          : QString());
    m_panicThreshold->setValue(spec.panicThreshold ? int(std::lround(*spec.panicThreshold * 100.0))
                                                   : kDefaultPanicPercent);
    showKindOptions();
    markInvalid({});
    setStage(Stage::Editing);
}

std::optional<HealthCheckSpec>
HealthCheckDialog::editedCheck(QList<HealthCheckProblem> *problems) const {
    QList<HealthCheckProblem> found;
    HealthCheckSpec spec = m_loaded;
    spec.kind = m_kind->currentData().toString();
    spec.port = m_port->value();
    const auto duration = [&found](QLineEdit *edit, const char *field, const QString &name,
                                   qint64 emptyValue, qint64 *out) {
        const QString text = edit->text().trimmed();
        if (text.isEmpty() && emptyValue >= 0) {
            *out = emptyValue;
            return;
        }
        if (const auto parsed = parseDurationText(text)) {
            *out = *parsed;
            return;
        }
        found.append({QString::fromLatin1(field),
                      text.isEmpty()
                          ? tr("%1 is required (e.g. 10s).").arg(name)
                          : tr("%1: \"%2\" is not a duration; use e.g. 500ms, 10s or 1m30s.")
                                .arg(name, text)});
    };
    duration(m_interval, "interval", tr("Interval"), -1, &spec.intervalMs);
    if (spec.kind != QLatin1String("ttl")) {
        duration(m_timeout, "timeout", tr("Timeout"), -1, &spec.timeoutMs);
    }
    duration(m_deregisterAfter, "deregister_after", tr("Deregister after"), 0,
             &spec.deregisterAfterMs);
    spec.rise = m_rise->value();
    spec.fall = m_fall->value();
    const int panic = m_panicThreshold->value();
    // An unset threshold stays unset (the daemon's default) unless the operator moved it.
    if (spec.panicThreshold || panic != kDefaultPanicPercent) {
        spec.panicThreshold = panic / 100.0;
    }

    // The options of the chosen kind only: the daemon refuses options another kind would take.
    QMap<QString, QString> options;
    const auto setOption = [&options](const char *name, const QLineEdit *edit) {
        const QString text = edit->text().trimmed();
        if (!text.isEmpty()) {
            options.insert(QString::fromLatin1(name), text);
        }
    };
    if (spec.kind == QLatin1String("http")) {
        setOption("path", m_path);
        setOption("status", m_status);
        // Free text: kept exactly as typed, spaces and all.
        if (!m_bodyContains->text().isEmpty()) {
            options.insert(QStringLiteral("body_contains"), m_bodyContains->text());
        }
        for (auto it = m_loaded.options.cbegin(); it != m_loaded.options.cend(); ++it) {
            if (it.key().startsWith(QLatin1String("header."))) {
                options.insert(it.key(), it.value());
            }
        }
    } else if (spec.kind == QLatin1String("grpc")) {
        setOption("service", m_grpcService);
    } else if (spec.kind == QLatin1String("ttl")) {
        if (m_ttl->text().trimmed().isEmpty()) {
            found.append({QStringLiteral("ttl"), tr("TTL is required for a ttl check (e.g. 30s): "
                                                    "how long an instance may stay silent.")});
        }
        setOption("ttl", m_ttl);
    }
    spec.options = options;

    // Limits are only worth checking on values that parsed; a field already reported is not
    // reported twice.
    for (const HealthCheckProblem &problem : validateHealthCheck(spec)) {
        const bool reported = std::any_of(found.cbegin(), found.cend(), [&](const auto &known) {
            return known.field == problem.field;
        });
        if (!reported) {
            found.append(problem);
        }
    }
    if (problems) {
        *problems = found;
    }
    if (!found.isEmpty()) {
        return std::nullopt;
    }
    return spec;
}

bool HealthCheckDialog::save() {
    // After a conflict, only a reload (which shows what changed) makes saving possible again.
    if (m_stage != Stage::Editing || m_conflict) {
        return false;
    }
    QList<HealthCheckProblem> problems;
    const auto spec = editedCheck(&problems);
    if (!spec) {
        showProblems(problems);
        return false;
    }
    showProblems({});
    m_health.updateHealthCheck(m_service, *spec, m_baseRevision, m_call.renew(),
                               [this](const CallResult<HealthCheckRevision> &result) {
                                   result.ok() ? onSaved(result.value()) : onFailed(result.error());
                               });
    setStage(Stage::Saving);
    return true;
}

void HealthCheckDialog::reload() {
    showMessage({}, false);
    m_health.getHealthCheck(m_service, m_call.renew(),
                            [this](const CallResult<HealthCheckRevision> &result) {
                                result.ok() ? onLoaded(result.value()) : onFailed(result.error());
                            });
    setStage(Stage::Loading);
}

void HealthCheckDialog::onLoaded(const HealthCheckRevision &check) {
    setCheck(check, true);
}

void HealthCheckDialog::onSaved(const HealthCheckRevision &check) {
    setStage(Stage::Saved);
    emit saved(check);
    accept();
}

void HealthCheckDialog::onFailed(const CallError &error) {
    if (m_stage == Stage::Loading) {
        if (error.code == kNotFound) {
            setCheck({m_service, HealthCheckSpec{}, 0}, false);
            return;
        }
        setStage(Stage::LoadFailed);
        showMessage(tr("Could not load the health check of %1: %2 (%3). Nothing can be saved "
                       "until it loads.")
                        .arg(m_service, error.describe(), error.codeName()),
                    false);
        m_reload->setText(tr("Retry"));
        m_reload->show();
        fitToContents();
        return;
    }
    setStage(Stage::Editing);
    if (error.code == kAborted) {
        showMessage(m_baseRevision < 0
                        ? tr("Someone created a health check for %1 while you were editing. "
                             "Reload to see it; your edits are lost when you do.")
                              .arg(m_service)
                        : tr("Someone changed this health check after you loaded it (at revision "
                             "%1). Reload to see their version; your edits are lost when you "
                             "do.\nThe daemon said: %2")
                              .arg(m_baseRevision)
                              .arg(error.message),
                    true);
        return;
    }
    showMessage(
        tr("The daemon refused the change: %1 (%2)").arg(error.describe(), error.codeName()),
        false);
}

void HealthCheckDialog::setWriteBlocked(const QString &reason) {
    m_writeBlocked = reason;
    m_save->setToolTip(reason);
    setStage(m_stage);
}

void HealthCheckDialog::setStage(Stage stage) {
    m_stage = stage;
    m_form->setEnabled(stage == Stage::Editing);
    m_save->setEnabled(stage == Stage::Editing && !m_conflict && m_writeBlocked.isEmpty());
    m_save->setText(stage == Stage::Saving ? tr("Saving…") : tr("Save"));
    if (stage == Stage::Loading) {
        m_origin->setText(tr("Loading the current check…"));
    }
}

void HealthCheckDialog::showProblems(const QList<HealthCheckProblem> &problems) {
    QStringList fields;
    QStringList lines;
    for (const HealthCheckProblem &problem : problems) {
        fields.append(problem.field);
        lines.append(QStringLiteral("• ") + problem.message);
    }
    markInvalid(fields);
    showMessage(lines.isEmpty() ? QString()
                                : tr("Not saved — fix these first:") + QLatin1Char('\n') +
                                      lines.join(QLatin1Char('\n')),
                false);
    if (!problems.isEmpty()) {
        if (QWidget *first = m_fields.value(problems.first().field)) {
            first->setFocus();
        }
    }
}

void HealthCheckDialog::showMessage(const QString &text, bool conflict) {
    m_conflict = conflict;
    m_message->setText(text);
    m_messageFrame->setVisible(!text.isEmpty());
    m_reload->setText(tr("Reload"));
    m_reload->setVisible(conflict);
    m_save->setEnabled(m_stage == Stage::Editing && !conflict && m_writeBlocked.isEmpty());
    fitToContents();
}

QString HealthCheckDialog::messageText() const {
    return m_messageFrame->isVisibleTo(this) ? m_message->text() : QString();
}

void HealthCheckDialog::markInvalid(const QStringList &fields) {
    for (auto it = m_fields.cbegin(); it != m_fields.cend(); ++it) {
        QWidget *editor = it.value();
        const bool invalid = fields.contains(it.key());
        if (editor->property("invalid").toBool() != invalid) {
            editor->setProperty("invalid", invalid);
            editor->style()->unpolish(editor);
            editor->style()->polish(editor);
        }
    }
}

} // namespace aegis::console
