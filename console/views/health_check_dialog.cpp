#include "views/health_check_dialog.h"

#include "models/display_names.h"
#include "models/rollout_spec_validation.h"
#include "net/session.h"
#include "views/view_helpers.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStyle>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace aegis::console {
namespace {

constexpr int kDefaultPanicPercent = 50;
// The daemon's flap detection when the check does not say (validation::toFields).
constexpr int kDefaultFlapTransitions = 5;
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

// Every form's labels share one width, so the fields line up across sections.
void alignLabels(const QList<QFormLayout *> &forms) {
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
}

// A kind that does not probe (its instances report themselves) has no port or timeout to use.
bool probes(const ExtensionDescription &kind) {
    return kind.name != "ttl";
}

} // namespace

HealthCheckDialog::HealthCheckDialog(Session *session, const QString &service, QWidget *parent)
    : QDialog(parent)
    , m_session(session)
    , m_health(session)
    , m_service(service)
    , m_origin(note(QString()))
    , m_kind(new QComboBox)
    , m_port(new QSpinBox)
    , m_interval(new QLineEdit)
    , m_timeout(new QLineEdit)
    , m_rise(new QSpinBox)
    , m_fall(new QSpinBox)
    , m_deregisterAfter(new QLineEdit)
    , m_panicThreshold(new QSpinBox)
    , m_jitter(new QLineEdit)
    , m_flapTransitions(new QSpinBox)
    , m_flapWindow(new QLineEdit)
    , m_initialStatus(new QComboBox)
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
    setMinimumWidth(860);
    resize(860, sizeHint().height());

    m_loaded = HealthCheckSpec{};
    setStage(Stage::Loading);

    // The kinds: known for this connection already, or asked for once.
    m_session->withExtensions(
        this, [this](const ExtensionCatalog &catalog) { setExtensions(catalog); },
        [this](const CallError &error) {
            // A failed load of the check already says why nothing can be edited.
            if (m_probers.isEmpty() && m_stage != Stage::LoadFailed) {
                showMessage(tr("Could not load the kinds of health check this daemon "
                               "offers: %1 (%2).")
                                .arg(error.describe(), error.codeName()),
                            false);
            }
        });
}

void HealthCheckDialog::setExtensions(const ExtensionCatalog &catalog) {
    if (!m_probers.isEmpty()) {
        return;
    }
    m_probers = catalog.ofKind(ExtensionKind::HealthProber);
    const QSignalBlocker blocker(m_kind);
    for (const ExtensionDescription &kind : std::as_const(m_probers)) {
        const QString name = QString::fromStdString(kind.name);
        const QString display = QString::fromStdString(kind.displayName);
        m_kind->addItem(display.isEmpty() ? name : tr("%1 — %2").arg(name, display), name);
        m_kind->setItemData(m_kind->count() - 1, QString::fromStdString(kind.description),
                            Qt::ToolTipRole);

        KindPage page;
        page.page = new QWidget;
        auto *form = formLayout();
        page.page->setLayout(form);
        for (const ExtensionParameter &parameter : kind.parameters) {
            const QString option = QString::fromStdString(parameter.name);
            // A family (header.NAME): one Name=Value a line.
            if (parameter.prefix) {
                auto *lines = new QPlainTextEdit;
                lines->setObjectName(option);
                lines->setTabChangesFocus(true);
                lines->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
                lines->setFixedHeight(QFontMetrics(lines->font()).lineSpacing() * 3 + 14);
                lines->setPlaceholderText(tr("Name=Value, one a line (%1)")
                                              .arg(QString::fromStdString(parameter.description)));
                lines->setToolTip(QString::fromStdString(parameter.description));
                QString label = option;
                if (label.endsWith(QLatin1Char('.'))) {
                    label.chop(1);
                }
                form->addRow(tr("%1s").arg(label), lines);
                page.families.insert(option, lines);
                continue;
            }
            auto *editor = new QLineEdit;
            editor->setObjectName(option);
            editor->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
            editor->setPlaceholderText(QString::fromStdString(
                !parameter.defaultValue.empty() ? parameter.defaultValue : parameter.placeholder));
            editor->setToolTip(QString::fromStdString(parameter.description));
            form->addRow(parameter.required ? tr("%1 (required)").arg(option) : option, editor);
            page.editors.insert(option, editor);
        }
        if (!kind.description.empty()) {
            form->addRow(QString(), note(QString::fromStdString(kind.description)));
        }
        m_alignedForms.append(form);
        m_kindPagesLayout->addWidget(page.page);
        m_kindPages.append(page);
    }
    alignLabels(m_alignedForms);
    if (m_checkLoaded) {
        fillForm();
    } else {
        showKindOptions();
    }
}

QWidget *HealthCheckDialog::editorOf(const QString &field) const {
    const int current = m_kind->currentIndex();
    if (current >= 0 && current < m_kindPages.size()) {
        if (QLineEdit *editor = m_kindPages.at(current).editors.value(field)) {
            return editor;
        }
        if (QPlainTextEdit *editor = m_kindPages.at(current).families.value(field)) {
            return editor;
        }
    }
    return m_fields.value(field);
}

QWidget *HealthCheckDialog::buildForm() {
    m_port->setRange(0, 65535);
    m_port->setSpecialValueText(tr("the instance's port"));
    m_port->setToolTip(tr("The port probed; an instance may override it with the metadata entry "
                          "health.port"));
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

    m_jitter->setPlaceholderText(tr("a tenth of the interval"));
    m_jitter->setToolTip(tr("Each interval varies by up to this much, so probes of many "
                            "instances spread out; 0s to half the interval"));
    m_flapTransitions->setRange(0, 1000);
    m_flapTransitions->setSpecialValueText(tr("off"));
    m_flapTransitions->setSuffix(tr(" transitions"));
    m_flapTransitions->setToolTip(tr("This many status changes within the window mark an "
                                     "instance flapping; 0 turns flap detection off"));
    m_flapWindow->setPlaceholderText(tr("5m"));
    m_flapWindow->setToolTip(tr("The window flap detection counts transitions in"));
    for (HealthStatus status : {HealthStatus::Unknown, HealthStatus::Passing, HealthStatus::Warning,
                                HealthStatus::Critical}) {
        m_initialStatus->addItem(healthStatusName(status), int(status));
    }
    m_initialStatus->setToolTip(tr("The status of a new instance until its first results count"));

    m_fields = {{QStringLiteral("kind"), m_kind},
                {QStringLiteral("jitter"), m_jitter},
                {QStringLiteral("flap_max_transitions"), m_flapTransitions},
                {QStringLiteral("flap_window"), m_flapWindow},
                {QStringLiteral("initial_status"), m_initialStatus},
                {QStringLiteral("port"), m_port},
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

    m_kindPagesLayout = new QVBoxLayout;
    m_kindPagesLayout->setContentsMargins(0, 0, 0, 0);
    connect(m_kind, &QComboBox::currentIndexChanged, this, &HealthCheckDialog::showKindOptions);

    auto *probe = formLayout();
    probe->addRow(tr("Kind"), m_kind);
    probe->addRow(tr("Port"), m_port);
    auto *timing = formLayout();
    timing->addRow(tr("Interval"), m_interval);
    timing->addRow(tr("Timeout"), m_timeout);
    timing->addRow(tr("Jitter"), m_jitter);
    timing->addRow(tr("Rise"), m_rise);
    timing->addRow(tr("Fall"), m_fall);
    timing->addRow(tr("Initial status"), m_initialStatus);
    auto *flapping = formLayout();
    flapping->addRow(tr("Flapping at"), m_flapTransitions);
    flapping->addRow(tr("Within"), m_flapWindow);
    auto *failover = formLayout();
    failover->addRow(tr("Deregister after"), m_deregisterAfter);
    failover->addRow(tr("Panic threshold"), m_panicThreshold);

    // The kinds' option pages join the left column's alignment when they arrive.
    m_alignedForms = {probe};
    alignLabels({timing, flapping, failover});

    // Two columns: what is probed on the left, when and what follows on the right, so the whole
    // check fits a 1280x800 screen.
    auto *left = new QVBoxLayout;
    left->setSpacing(8);
    left->addWidget(sectionTitle(tr("Probe")));
    left->addLayout(probe);
    left->addLayout(m_kindPagesLayout);
    left->addStretch(1);
    auto *right = new QVBoxLayout;
    right->setSpacing(8);
    right->addWidget(sectionTitle(tr("Timing")));
    right->addLayout(timing);
    right->addSpacing(6);
    right->addWidget(sectionTitle(tr("Flap detection")));
    right->addLayout(flapping);
    right->addSpacing(6);
    right->addWidget(sectionTitle(tr("Failover")));
    right->addLayout(failover);
    right->addStretch(1);
    auto *form = new QWidget;
    auto *layout = new QHBoxLayout(form);
    layout->setContentsMargins(0, 4, 0, 0);
    layout->setSpacing(28);
    layout->addLayout(left, 1);
    layout->addLayout(right, 1);
    return form;
}

void HealthCheckDialog::showKindOptions() {
    const int current = m_kind->currentIndex();
    for (int i = 0; i < m_kindPages.size(); ++i) {
        m_kindPages.at(i).page->setVisible(i == current);
    }
    const bool probing = current < 0 || probes(m_probers.at(current));
    m_port->setEnabled(probing);
    m_timeout->setEnabled(probing);
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
    m_loaded = check.check;
    m_baseRevision = exists ? check.modRevision : -1;
    m_checkLoaded = true;
    if (m_probers.isEmpty()) {
        setStage(Stage::Loading);
        m_origin->setText(tr("Loading the kinds of health check this daemon offers…"));
        return;
    }
    fillForm();
}

void HealthCheckDialog::fillForm() {
    const HealthCheckSpec &spec = m_loaded;
    m_origin->setText(m_baseRevision >= 0
                          ? tr("Last changed at revision %1. Saving replaces it, unless someone "
                               "changes it first.")
                                .arg(m_baseRevision)
                          : tr("%1 has no health check yet: its instances are not probed and "
                               "count as unknown. Saving creates one.")
                                .arg(m_service));
    const int kind = m_kind->findData(spec.kind);
    m_kind->setCurrentIndex(kind >= 0 ? kind : 0);
    m_port->setValue(spec.port);
    for (const KindPage &page : std::as_const(m_kindPages)) {
        for (auto it = page.editors.cbegin(); it != page.editors.cend(); ++it) {
            it.value()->setText(spec.options.value(it.key()));
        }
        for (auto it = page.families.cbegin(); it != page.families.cend(); ++it) {
            QMap<QString, QString> members;
            for (auto option = spec.options.cbegin(); option != spec.options.cend(); ++option) {
                if (option.key().startsWith(it.key()) && option.key().size() > it.key().size()) {
                    members.insert(option.key().mid(it.key().size()), option.value());
                }
            }
            it.value()->setPlainText(parameterLines(members));
        }
    }
    m_jitter->setText(spec.jitterMs ? durationText(*spec.jitterMs) : QString());
    m_flapTransitions->setValue(spec.flapMaxTransitions.value_or(kDefaultFlapTransitions));
    m_flapWindow->setText(spec.flapWindowMs > 0 ? durationText(spec.flapWindowMs) : QString());
    m_initialStatus->setCurrentIndex(
        std::max(0, m_initialStatus->findData(int(spec.initialStatus))));
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
    if (m_timeout->isEnabledTo(m_form)) {
        duration(m_timeout, "timeout", tr("Timeout"), -1, &spec.timeoutMs);
    }
    duration(m_deregisterAfter, "deregister_after", tr("Deregister after"), 0,
             &spec.deregisterAfterMs);
    duration(m_flapWindow, "flap_window", tr("Flap window"), 0, &spec.flapWindowMs);
    if (m_jitter->text().trimmed().isEmpty()) {
        spec.jitterMs.reset();
    } else {
        qint64 jitter = 0;
        duration(m_jitter, "jitter", tr("Jitter"), -1, &jitter);
        spec.jitterMs = jitter;
    }
    // Unset stays unset (the daemon's default) unless the operator moved it.
    if (spec.flapMaxTransitions || m_flapTransitions->value() != kDefaultFlapTransitions) {
        spec.flapMaxTransitions = m_flapTransitions->value();
    }
    spec.initialStatus = HealthStatus(m_initialStatus->currentData().toInt());
    spec.rise = m_rise->value();
    spec.fall = m_fall->value();
    const int panic = m_panicThreshold->value();
    // An unset threshold stays unset (the daemon's default) unless the operator moved it.
    if (spec.panicThreshold || panic != kDefaultPanicPercent) {
        spec.panicThreshold = panic / 100.0;
    }

    // The options of the chosen kind only: the daemon refuses options another kind would take.
    QMap<QString, QString> options;
    const int current = m_kind->currentIndex();
    if (current >= 0 && current < m_kindPages.size()) {
        const ExtensionDescription &kind = m_probers.at(current);
        for (const ExtensionParameter &parameter : kind.parameters) {
            const QString name = QString::fromStdString(parameter.name);
            if (parameter.prefix) {
                QString error;
                const auto members = parseParameterLines(
                    m_kindPages.at(current).families.value(name)->toPlainText(), &error);
                if (!members) {
                    found.append({name, tr("%1 (%2NAME=value)").arg(error, name)});
                    continue;
                }
                for (auto it = members->cbegin(); it != members->cend(); ++it) {
                    options.insert(name + it.key(), it.value());
                }
                continue;
            }
            const QLineEdit *editor = m_kindPages.at(current).editors.value(name);
            const QString text = editor->text();
            if (text.trimmed().isEmpty()) {
                continue;
            }
            // Free text is kept exactly as typed, spaces and all; values of a type are trimmed.
            options.insert(name, parameter.type == ParameterType::String ? text : text.trimmed());
        }
    }
    spec.options = options;

    // Limits are only worth checking on values that parsed; a field already reported is not
    // reported twice.
    for (const HealthCheckProblem &problem : validateHealthCheck(spec, m_probers)) {
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
    m_checkLoaded = false;
    showMessage({}, false);
    if (m_probers.isEmpty()) {
        m_session->fetchExtensions(); // a Retry asks for the kinds again too
    }
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
    m_kind->setEnabled(!m_probers.isEmpty());
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
        if (QWidget *first = editorOf(problems.first().field)) {
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
    QList<QWidget *> editors = m_fields.values();
    for (const KindPage &page : std::as_const(m_kindPages)) {
        for (QLineEdit *editor : page.editors) {
            editors.append(editor);
        }
        for (QPlainTextEdit *editor : page.families) {
            editors.append(editor);
        }
    }
    for (QWidget *editor : std::as_const(editors)) {
        const bool invalid =
            editorOf(editor->objectName()) == editor && fields.contains(editor->objectName());
        if (editor->property("invalid").toBool() != invalid) {
            editor->setProperty("invalid", invalid);
            editor->style()->unpolish(editor);
            editor->style()->polish(editor);
        }
    }
}

} // namespace aegis::console
