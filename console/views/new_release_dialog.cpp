#include "views/new_release_dialog.h"

#include "models/health_check_validation.h"
#include "models/rollout_format.h"
#include "net/session.h"
#include "views/canary_steps_editor.h"
#include "views/view_helpers.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QEvent>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStyle>
#include <QTextBlock>
#include <QTextDocument>
#include <QTextLayout>
#include <QVBoxLayout>

#include <algorithm>

namespace aegis::console {
namespace {

constexpr int kInvalidArgument = 3;
constexpr int kPermissionDenied = 7;
constexpr int kFailedPrecondition = 9;

QLabel *note(const QString &text = {}) {
    auto *label = new QLabel(text);
    label->setObjectName(QStringLiteral("PageSubtitle"));
    label->setWordWrap(true);
    return label;
}

QFormLayout *formLayout() {
    auto *form = new QFormLayout;
    form->setContentsMargins(0, 0, 0, 0);
    form->setHorizontalSpacing(14);
    form->setVerticalSpacing(8);
    form->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
    form->setLabelAlignment(Qt::AlignLeft | Qt::AlignTop);
    return form;
}

QPlainTextEdit *parameterEditor() {
    auto *editor = new QPlainTextEdit;
    editor->setTabChangesFocus(true);
    editor->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    editor->setWordWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
    return editor;
}

// Key=value lines as tall as what they hold wrapped at the editor's width (a whole driver
// command), between 4 and 12 lines.
void fitParameterEditor(QPlainTextEdit *editor) {
    const qreal width = editor->viewport()->width() - 2 * editor->document()->documentMargin() - 2;
    QTextOption option;
    option.setWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
    int lines = 0;
    for (QTextBlock block = editor->document()->begin(); block.isValid(); block = block.next()) {
        QTextLayout layout(block.text(), editor->font());
        layout.setTextOption(option);
        layout.beginLayout();
        for (QTextLine line = layout.createLine(); line.isValid(); line = layout.createLine()) {
            line.setLineWidth(std::max<qreal>(width, 40));
            ++lines;
        }
        layout.endLayout();
    }
    const int shown = std::clamp(lines, 4, 12);
    editor->setFixedHeight(QFontMetrics(editor->font()).lineSpacing() * shown +
                           2 * int(editor->document()->documentMargin()) +
                           2 * editor->frameWidth());
}

// A duration field: empty leaves the daemon's default, shown as the placeholder.
std::optional<qint64> durationField(const QLineEdit *edit, bool *ok) {
    const QString text = edit->text().trimmed();
    *ok = true;
    if (text.isEmpty()) {
        return std::nullopt;
    }
    const auto ms = parseDurationText(text);
    if (!ms) {
        *ok = false;
        return std::nullopt;
    }
    return ms;
}

// The placeholder of a parameter editor: one example line per parameter the extension takes
// ("command=/usr/bin/server --port {port}"; a family as "env.LOG_LEVEL=info").
QString parameterHint(const ExtensionDescription &extension) {
    QStringList lines;
    for (const ExtensionParameter &parameter : extension.parameters) {
        const std::string example =
            !parameter.placeholder.empty() ? parameter.placeholder : parameter.defaultValue;
        lines.append(
            QString::fromStdString(parameter.name + (parameter.prefix ? "" : "=") + example) +
            (parameter.required ? QString() : NewReleaseDialog::tr(" (optional)")));
    }
    return lines.isEmpty() ? NewReleaseDialog::tr("(no parameters)")
                           : lines.join(QLatin1Char('\n'));
}

// The parameter editor's tooltip: what each parameter means.
QString parameterHelp(const ExtensionDescription &extension) {
    QStringList lines = {
        NewReleaseDialog::tr("One key=value per line; checked by the %1 %2.")
            .arg(QString::fromStdString(extension.name),
                 QString::fromUtf8(extensionKindName(extension.kind).data(),
                                   qsizetype(extensionKindName(extension.kind).size())))};
    for (const ExtensionParameter &parameter : extension.parameters) {
        lines.append(QString::fromStdString(parameter.name + (parameter.prefix ? "NAME" : "")) +
                     (parameter.required ? NewReleaseDialog::tr(" (required)") : QString()) +
                     QStringLiteral(": ") + QString::fromStdString(parameter.description));
    }
    return lines.join(QLatin1Char('\n'));
}

void fillPicker(QComboBox *picker, const QList<ExtensionDescription> &extensions) {
    for (const ExtensionDescription &extension : extensions) {
        const QString name = QString::fromStdString(extension.name);
        picker->addItem(name, name);
        picker->setItemData(
            picker->count() - 1,
            QString::fromStdString(extension.displayName + ": " + extension.description),
            Qt::ToolTipRole);
    }
}

} // namespace

NewReleaseDialog::NewReleaseDialog(Session *session, const QList<Release> &releases,
                                   const QString &service, QWidget *parent)
    : QDialog(parent)
    , m_session(session)
    , m_rollouts(session)
    , m_registry(session)
    , m_releases(releases)
    , m_service(new QComboBox)
    , m_serviceNote(note())
    , m_inFlightFrame(nullptr)
    , m_inFlight(new QLabel)
    , m_version(new QLineEdit)
    , m_replicas(new QSpinBox)
    , m_description(new QLineEdit)
    , m_strategy(new QComboBox)
    , m_steps(new CanaryStepsEditor)
    , m_stepsBox(nullptr)
    , m_driver(new QComboBox)
    , m_driverParams(parameterEditor())
    , m_router(new QComboBox)
    , m_routerParams(parameterEditor())
    , m_healthyFor(new QLineEdit)
    , m_requireApproval(new QCheckBox(tr("Wait for someone to promote it before moving traffic")))
    , m_bakeTime(new QLineEdit)
    , m_scaleDownDelay(new QLineEdit)
    , m_messageFrame(new QFrame)
    , m_message(new QLabel)
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Cancel)) {
    setObjectName(QStringLiteral("NewReleaseDialog"));
    for (QPlainTextEdit *editor : {m_driverParams, m_routerParams}) {
        fitParameterEditor(editor);
        editor->viewport()->installEventFilter(this);
        connect(editor, &QPlainTextEdit::textChanged, this, [this, editor] {
            fitParameterEditor(editor);
            fitToContents();
        });
    }
    setWindowTitle(tr("New release"));

    auto *heading = new QLabel(tr("New release"));
    heading->setObjectName(QStringLiteral("PageTitle"));
    auto *intro = note(tr("Starts a rollout: the new version runs on the idle colour, is verified, "
                          "then takes the traffic. Anything that goes wrong before the end puts "
                          "the traffic back."));

    // As wide as its column, so it wraps there rather than at a label's preferred width.
    m_serviceNote->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    auto *columns = new QHBoxLayout;
    columns->setSpacing(28);
    // One form per column, so the fields of its sections line up.
    auto *left = formLayout();
    buildReleaseSection(left);
    buildStrategySection(left);
    m_strategyForm = left;
    auto *right = formLayout();
    buildDeploySection(right);
    buildGatesSection(right);
    auto *leftColumn = new QVBoxLayout;
    leftColumn->addLayout(left);
    leftColumn->addStretch(1);
    auto *rightColumn = new QVBoxLayout;
    rightColumn->addLayout(right);
    rightColumn->addStretch(1);
    columns->addLayout(leftColumn, 1);
    columns->addLayout(rightColumn, 1);

    m_messageFrame->setObjectName(QStringLiteral("ErrorBanner"));
    m_message->setObjectName(QStringLiteral("NewReleaseMessage"));
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *messageLayout = new QHBoxLayout(m_messageFrame);
    messageLayout->setContentsMargins(12, 8, 12, 8);
    messageLayout->addWidget(m_message, 1);
    m_messageFrame->hide();

    m_start = m_buttons->addButton(tr("Start rollout"), QDialogButtonBox::AcceptRole);
    m_start->setDefault(true);
    connect(m_start, &QPushButton::clicked, this, &NewReleaseDialog::start);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(24, 20, 24, 16);
    layout->setSpacing(10);
    layout->addWidget(heading);
    layout->addWidget(intro);
    // Across the dialog, above the form: the service has a rollout in flight.
    m_inFlight->setObjectName(QStringLiteral("inFlight"));
    m_inFlightFrame = banner(QStringLiteral("Banner"), m_inFlight);
    layout->addWidget(m_inFlightFrame);
    layout->addSpacing(4);
    layout->addLayout(columns);
    layout->addWidget(m_messageFrame);
    layout->addWidget(m_buttons);
    setMinimumWidth(980);

    QStringList released;
    for (const Release &release : m_releases) {
        released.append(release.service);
    }
    addServices(released);
    setService(service);
    onServiceChanged();
    onStrategyChanged();
    m_registry.listServices({}, 500, this, [this](const CallResult<ServicePage> &result) {
        if (!result.ok()) {
            return; // The released services are enough to pick from.
        }
        QStringList names;
        for (const ServiceInfo &info : result.value().services) {
            names.append(info.name);
        }
        addServices(names);
    });

    // The drivers and routers: known for this connection already, or asked for once.
    m_session->withExtensions(
        this, [this](const ExtensionCatalog &catalog) { setExtensions(catalog); },
        [this](const CallError &error) {
            if (!m_extensions) {
                showMessage(tr("Could not load the drivers and routers this daemon "
                               "offers: %1 (%2).")
                                .arg(error.describe(), error.codeName()));
            }
        });
    setStage(m_stage);
}

void NewReleaseDialog::setExtensions(const ExtensionCatalog &catalog) {
    if (m_extensions) {
        return;
    }
    m_extensions = catalog;
    {
        const QSignalBlocker driverBlocker(m_driver);
        const QSignalBlocker routerBlocker(m_router);
        fillPicker(m_driver, catalog.ofKind(ExtensionKind::DeployDriver));
        fillPicker(m_router, catalog.ofKind(ExtensionKind::TrafficRouter));
    }
    // Prefill again, now that there is something to pick.
    m_prefilled = false;
    onServiceChanged();
    setStage(m_stage);
}

QWidget *NewReleaseDialog::withProblem(const QString &field, QWidget *editor) {
    auto *box = new QWidget;
    auto *layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(editor);
    auto *problem = new QLabel;
    problem->setObjectName(QStringLiteral("InlineError"));
    problem->setWordWrap(true);
    problem->hide();
    layout->addWidget(problem);
    if (editor->objectName().isEmpty()) {
        editor->setObjectName(field);
    }
    editor->setSizePolicy(QSizePolicy::Expanding, editor->sizePolicy().verticalPolicy());
    const auto edited = [this, field] { onEdited(field); };
    if (auto *line = qobject_cast<QLineEdit *>(editor)) {
        connect(line, &QLineEdit::textChanged, this, edited);
    } else if (auto *combo = qobject_cast<QComboBox *>(editor)) {
        connect(combo, &QComboBox::currentTextChanged, this, edited);
    } else if (auto *spin = qobject_cast<QSpinBox *>(editor)) {
        connect(spin, &QSpinBox::valueChanged, this, edited);
    } else if (auto *text = qobject_cast<QPlainTextEdit *>(editor)) {
        connect(text, &QPlainTextEdit::textChanged, this, edited);
    } else if (auto *check = qobject_cast<QCheckBox *>(editor)) {
        connect(check, &QCheckBox::toggled, this, edited);
    } else if (auto *steps = qobject_cast<CanaryStepsEditor *>(editor)) {
        connect(steps, &CanaryStepsEditor::changed, this, edited);
    }
    m_fields.insert(field, editor);
    m_problems.insert(field, problem);
    return box;
}

void NewReleaseDialog::buildReleaseSection(QFormLayout *form) {
    m_service->setEditable(true);
    m_service->setInsertPolicy(QComboBox::NoInsert);
    m_service->lineEdit()->setPlaceholderText(tr("checkout"));
    m_service->setToolTip(tr("A released or registered service, or a new name: its first rollout "
                             "deploys it"));
    connect(m_service, &QComboBox::currentTextChanged, this, &NewReleaseDialog::onServiceChanged);
    m_version->setToolTip(tr("The version label the new instances register with"));
    m_replicas->setRange(0, 100);
    m_replicas->setSpecialValueText(tr("as many as the live colour"));
    m_replicas->setToolTip(tr("How many new instances to run and wait for"));
    m_description->setPlaceholderText(tr("optional: what this release changes"));

    form->addRow(sectionTitle(tr("Release")));
    form->addRow(tr("Service"), withProblem(QStringLiteral("service"), m_service));
    form->addRow(QString(), m_serviceNote);
    form->addRow(tr("Version"), withProblem(QStringLiteral("version"), m_version));
    form->addRow(tr("Replicas"), withProblem(QStringLiteral("replicas"), m_replicas));
    form->addRow(tr("Description"), withProblem(QStringLiteral("description"), m_description));
}

void NewReleaseDialog::buildStrategySection(QFormLayout *form) {
    m_strategy->addItem(tr("Blue-green — all traffic at once after verification"),
                        static_cast<int>(RolloutStrategy::BlueGreen));
    m_strategy->addItem(tr("Canary — traffic moves through weighted steps"),
                        static_cast<int>(RolloutStrategy::Canary));
    connect(m_strategy, &QComboBox::currentIndexChanged, this,
            &NewReleaseDialog::onStrategyChanged);

    form->addItem(new QSpacerItem(0, 6));
    form->addRow(sectionTitle(tr("Strategy")));
    form->addRow(tr("Strategy"), withProblem(QStringLiteral("strategy"), m_strategy));
    m_stepsBox = withProblem(QStringLiteral("steps"), m_steps);
    form->addRow(tr("Steps"), m_stepsBox);
}

void NewReleaseDialog::buildDeploySection(QFormLayout *form) {
    connect(m_driver, &QComboBox::currentIndexChanged, this, &NewReleaseDialog::onDriverChanged);
    connect(m_router, &QComboBox::currentIndexChanged, this, &NewReleaseDialog::onRouterChanged);
    m_driver->setPlaceholderText(tr("Loading the drivers…"));
    m_router->setPlaceholderText(tr("Loading the routers…"));

    form->addRow(sectionTitle(tr("Deployment")));
    form->addRow(tr("Driver"), withProblem(QStringLiteral("driver"), m_driver));
    form->addRow(tr("Parameters"), withProblem(QStringLiteral("driver_params"), m_driverParams));
    form->addRow(tr("Router"), withProblem(QStringLiteral("router"), m_router));
    form->addRow(tr("Parameters"), withProblem(QStringLiteral("router_params"), m_routerParams));
}

void NewReleaseDialog::buildGatesSection(QFormLayout *form) {
    m_healthyFor->setPlaceholderText(tr("10s (default)"));
    m_healthyFor->setToolTip(tr("Every new instance must pass its health check this long before "
                                "traffic moves; at most 1h"));
    m_bakeTime->setPlaceholderText(tr("0s (default)"));
    m_bakeTime->setToolTip(tr("After all traffic moved, how long any new instance going critical "
                              "still rolls back; at most 24h"));
    m_scaleDownDelay->setPlaceholderText(tr("30s (default)"));
    m_scaleDownDelay->setToolTip(tr("How long the replaced colour keeps running after success, so "
                                    "Undo can return to it at once; at most 24h"));

    form->addItem(new QSpacerItem(0, 6));
    form->addRow(sectionTitle(tr("Gates")));
    form->addRow(tr("Healthy for"), withProblem(QStringLiteral("healthy_for_ms"), m_healthyFor));
    form->addRow(tr("Approval"),
                 withProblem(QStringLiteral("require_approval"), m_requireApproval));
    form->addRow(tr("Bake time"), withProblem(QStringLiteral("bake_time_ms"), m_bakeTime));
    form->addRow(tr("Scale-down delay"),
                 withProblem(QStringLiteral("scale_down_delay_ms"), m_scaleDownDelay));
}

void NewReleaseDialog::addServices(const QStringList &services) {
    const QString typed = m_service->currentText();
    const QSignalBlocker blocker(m_service);
    QStringList all = serviceChoices();
    for (const QString &service : services) {
        if (!service.isEmpty() && !all.contains(service)) {
            all.append(service);
        }
    }
    all.sort();
    m_service->clear();
    m_service->addItems(all);
    m_service->setCurrentIndex(-1);
    m_service->setEditText(typed);
}

QStringList NewReleaseDialog::serviceChoices() const {
    QStringList names;
    for (int i = 0; i < m_service->count(); ++i) {
        names.append(m_service->itemText(i));
    }
    return names;
}

void NewReleaseDialog::setService(const QString &service) {
    const int index = m_service->findText(service);
    if (index >= 0) {
        m_service->setCurrentIndex(index);
    } else {
        m_service->setEditText(service);
    }
    onServiceChanged();
}

std::optional<Release> NewReleaseDialog::releaseOf(const QString &service) const {
    for (const Release &release : m_releases) {
        if (release.service == service) {
            return release;
        }
    }
    return std::nullopt;
}

void NewReleaseDialog::onServiceChanged() {
    const QString service = m_service->currentText().trimmed();
    const auto release = releaseOf(service);
    if (!release) {
        m_serviceNote->setText(service.isEmpty()
                                   ? QString()
                                   : tr("Not released through Aegis yet: this rollout deploys "
                                        "its first version."));
    } else if (release->liveColor.isEmpty()) {
        m_serviceNote->setText(tr("No rollout of %1 has succeeded yet (last: %2).")
                                   .arg(service, release->lastRolloutId.isEmpty()
                                                     ? QStringLiteral("—")
                                                     : release->lastRolloutId));
    } else {
        m_serviceNote->setText(tr("Live: %1. Driver and router as its last release (%2).")
                                   .arg(colourVersionText(release->liveColor, release->liveVersion),
                                        release->lastRolloutId));
    }
    // A rollout in flight: the daemon refuses another until it has ended.
    const bool inFlight = release && !release->activeRolloutId.isEmpty();
    m_inFlight->setText(
        inFlight ? tr("%1 is still in progress: the daemon refuses a new rollout of %2 until it "
                      "has ended. Promote it to the end or abort it on the Releases page first.")
                       .arg(release->activeRolloutId, service)
                 : QString());
    if (m_inFlightFrame) {
        m_inFlightFrame->setVisible(inFlight);
    }
    // The next version of what runs now, proposed until the operator types another.
    const QString proposal =
        release && !release->liveVersion.isEmpty() ? nextVersion(release->liveVersion) : QString();
    if (m_version->text().isEmpty() || m_version->text() == m_proposedVersion) {
        m_version->setText(proposal);
    }
    m_proposedVersion = proposal;
    m_version->setPlaceholderText(proposal.isEmpty() ? tr("1.0.0") : proposal);
    fitToContents();
    // Typing a name re-derives the defaults only when it names another release than before, so
    // parameters typed meanwhile stay.
    const QString prefillFrom = release ? release->service : QString();
    if (prefillFrom == m_prefilledFrom && m_prefilled) {
        return;
    }
    m_prefilledFrom = prefillFrom;
    m_prefilled = true;
    {
        const QSignalBlocker driverBlocker(m_driver);
        const QSignalBlocker routerBlocker(m_router);
        // The daemon's defaults when the release names none.
        const QString defaultDriver = m_extensions ? m_extensions->defaultDriver : QString();
        const QString defaultRouter = m_extensions ? m_extensions->defaultRouter : QString();
        const int driver = m_driver->findData(
            release && !release->driver.isEmpty() ? release->driver : defaultDriver);
        m_driver->setCurrentIndex(m_driver->count() > 0 ? std::max(0, driver) : -1);
        const int router = m_router->findData(
            release && !release->router.isEmpty() ? release->router : defaultRouter);
        m_router->setCurrentIndex(m_router->count() > 0 ? std::max(0, router) : -1);
    }
    onDriverChanged();
    onRouterChanged();
}

void NewReleaseDialog::onDriverChanged() {
    const QString driver = m_driver->currentData().toString();
    const auto release = releaseOf(m_service->currentText().trimmed());
    m_driverParams->setPlainText(
        release && release->driver == driver ? parameterLines(release->driverParams) : QString());
    const ExtensionDescription *described =
        m_extensions ? m_extensions->find(ExtensionKind::DeployDriver, driver) : nullptr;
    m_driverParams->setPlaceholderText(described ? parameterHint(*described) : QString());
    m_driverParams->setToolTip(described ? parameterHelp(*described) : QString());
}

void NewReleaseDialog::onRouterChanged() {
    const QString router = m_router->currentData().toString();
    const auto release = releaseOf(m_service->currentText().trimmed());
    m_routerParams->setPlainText(
        release && release->router == router ? parameterLines(release->routerParams) : QString());
    const ExtensionDescription *described =
        m_extensions ? m_extensions->find(ExtensionKind::TrafficRouter, router) : nullptr;
    m_routerParams->setPlaceholderText(described ? parameterHint(*described) : QString());
    m_routerParams->setToolTip(described ? parameterHelp(*described) : QString());
}

void NewReleaseDialog::onStrategyChanged() {
    const bool canary =
        m_strategy->currentData().toInt() == static_cast<int>(RolloutStrategy::Canary);
    if (canary && m_steps->stepCount() == 0) {
        m_steps->setSteps(CanaryStepsEditor::defaultSteps());
    }
    m_strategyForm->setRowVisible(m_stepsBox, canary);
}

std::optional<RolloutSpec> NewReleaseDialog::editedSpec(QList<RolloutSpecProblem> *problems) const {
    QList<RolloutSpecProblem> found;
    RolloutSpec spec;
    spec.service = m_service->currentText().trimmed();
    spec.version = m_version->text().trimmed();
    spec.replicas = m_replicas->value();
    spec.description = m_description->text().trimmed();
    spec.strategy = static_cast<RolloutStrategy>(m_strategy->currentData().toInt());
    if (spec.strategy == RolloutStrategy::Canary) {
        QString error;
        const auto steps = m_steps->steps(&error);
        if (steps) {
            spec.steps = *steps;
        } else {
            found.append({QStringLiteral("steps"), error});
        }
    }
    spec.driver = m_driver->currentData().toString();
    spec.router = m_router->currentData().toString();
    for (const auto &[field, editor, target] :
         {std::tuple{"driver_params", m_driverParams, &spec.driverParams},
          std::tuple{"router_params", m_routerParams, &spec.routerParams}}) {
        QString error;
        const auto params = parseParameterLines(editor->toPlainText(), &error);
        if (params) {
            *target = *params;
        } else {
            found.append({QString::fromLatin1(field), error});
        }
    }
    bool ok = true;
    spec.healthyForMs = durationField(m_healthyFor, &ok);
    if (!ok) {
        found.append({QStringLiteral("healthy_for_ms"),
                      tr("Healthy for must be a duration like 10s or 1m")});
    }
    spec.requireApproval = m_requireApproval->isChecked();
    const auto bake = durationField(m_bakeTime, &ok);
    if (!ok) {
        found.append(
            {QStringLiteral("bake_time_ms"), tr("Bake time must be a duration like 0s or 5m")});
    }
    spec.bakeTimeMs = bake.value_or(0);
    spec.scaleDownDelayMs = durationField(m_scaleDownDelay, &ok);
    if (!ok) {
        found.append({QStringLiteral("scale_down_delay_ms"),
                      tr("Scale-down delay must be a duration like 30s or 10m")});
    }
    for (const RolloutSpecProblem &problem : validateRolloutSpec(spec)) {
        const bool already =
            std::any_of(found.cbegin(), found.cend(), [&problem](const RolloutSpecProblem &p) {
                return p.field == problem.field;
            });
        if (!already) {
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

bool NewReleaseDialog::start() {
    if (m_stage != Stage::Editing || !m_extensions) {
        return false;
    }
    m_checked = true;
    m_daemonProblem.reset();
    QList<RolloutSpecProblem> problems;
    const auto spec = editedSpec(&problems);
    showProblems(problems, true);
    if (!spec) {
        showMessage(problems.size() == 1
                        ? tr("Fix the problem marked above first.")
                        : tr("Fix the %1 problems marked above first.").arg(problems.size()));
        m_formMessage = true;
        return false;
    }
    showMessage({});
    m_rollouts.startRollout(*spec, this, [this](const CallResult<Rollout> &result) {
        result.ok() ? onStarted(result.value()) : onFailed(result.error());
    });
    setStage(Stage::Starting);
    return true;
}

void NewReleaseDialog::onStarted(const Rollout &rollout) {
    setStage(Stage::Started);
    emit started(rollout);
    accept();
}

void NewReleaseDialog::onFailed(const CallError &error) {
    setStage(Stage::Editing);
    const QString service = m_service->currentText().trimmed();
    QString text;
    switch (error.code) {
    case kInvalidArgument: {
        const QString field = rolloutSpecFieldOf(error.message);
        if (m_problems.contains(field)) {
            m_daemonProblem = RolloutSpecProblem{field, error.message};
            showProblems({*m_daemonProblem}, true);
        }
        text = tr("The daemon refused the spec: %1").arg(error.message);
        break;
    }
    case kFailedPrecondition:
        text = tr("%1 cannot be released now: %2").arg(service, error.message);
        break;
    case kPermissionDenied:
        text = tr("Your token may not start rollouts: %1").arg(error.message);
        break;
    default:
        text = tr("Could not start the rollout: %1 (%2)").arg(error.describe(), error.codeName());
        break;
    }
    showMessage(text);
}

void NewReleaseDialog::onEdited(const QString &field) {
    if (m_stage != Stage::Editing) {
        return;
    }
    if (m_daemonProblem && m_daemonProblem->field == field) {
        m_daemonProblem.reset();
        showMessage({});
    }
    if (!m_checked) {
        return;
    }
    QList<RolloutSpecProblem> problems;
    editedSpec(&problems);
    if (m_daemonProblem) {
        problems.append(*m_daemonProblem);
    }
    showProblems(problems, false);
    if (m_formMessage) {
        showMessage(problems.isEmpty() ? QString()
                    : problems.size() == 1
                        ? tr("Fix the problem marked above first.")
                        : tr("Fix the %1 problems marked above first.").arg(problems.size()));
        m_formMessage = !problems.isEmpty();
    }
}

void NewReleaseDialog::fitToContents() {
    if (!layout()) {
        return;
    }
    layout()->activate();
    const int needed = sizeHint().height();
    if (needed > height()) {
        resize(width(), needed);
    }
}

void NewReleaseDialog::showProblems(const QList<RolloutSpecProblem> &problems, bool focus) {
    for (auto it = m_problems.cbegin(); it != m_problems.cend(); ++it) {
        QString text;
        for (const RolloutSpecProblem &problem : problems) {
            if (problem.field == it.key()) {
                text = problem.message;
                break;
            }
        }
        it.value()->setText(text);
        it.value()->setVisible(!text.isEmpty());
        QWidget *editor = m_fields.value(it.key());
        editor->setProperty("invalid", !text.isEmpty());
        editor->style()->unpolish(editor);
        editor->style()->polish(editor);
    }
    if (focus && !problems.isEmpty()) {
        if (QWidget *editor = m_fields.value(problems.first().field)) {
            editor->setFocus();
        }
    }
    fitToContents();
}

void NewReleaseDialog::showMessage(const QString &text) {
    m_formMessage = false;
    m_message->setText(text);
    m_messageFrame->setVisible(!text.isEmpty());
    fitToContents();
}

bool NewReleaseDialog::eventFilter(QObject *watched, QEvent *event) {
    if (event->type() == QEvent::Resize) {
        for (QPlainTextEdit *editor : {m_driverParams, m_routerParams}) {
            if (watched == editor->viewport()) {
                fitParameterEditor(editor);
            }
        }
    }
    return QDialog::eventFilter(watched, event);
}

QString NewReleaseDialog::inFlightWarning() const {
    return m_inFlightFrame->isVisibleTo(this) ? m_inFlight->text() : QString();
}

QString NewReleaseDialog::messageText() const {
    return m_messageFrame->isVisibleTo(this) ? m_message->text() : QString();
}

QString NewReleaseDialog::fieldProblem(const QString &field) const {
    const QLabel *label = m_problems.value(field);
    return label && label->isVisibleTo(this) ? label->text() : QString();
}

void NewReleaseDialog::setStage(Stage stage) {
    m_stage = stage;
    const bool editing = stage == Stage::Editing;
    for (QWidget *editor : std::as_const(m_fields)) {
        editor->setEnabled(editing);
    }
    m_start->setEnabled(editing && m_extensions);
    m_driver->setEnabled(editing && m_extensions);
    m_router->setEnabled(editing && m_extensions);
    m_start->setText(stage == Stage::Starting ? tr("Starting…") : tr("Start rollout"));
}

} // namespace aegis::console
