#include "views/trace_view.h"

#include "models/display_format.h"
#include "models/waterfall_model.h"
#include "net/traces_api.h"
#include "views/span_detail_pane.h"
#include "views/theme.h"
#include "views/trace_minimap.h"
#include "views/waterfall_view.h"

#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QShortcut>
#include <QSplitter>
#include <QStackedWidget>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>

#include <utility>

namespace aegis::console {
namespace {

// Traces up to this size are also fetched in full once shown, so search within the trace
// covers every span's attributes; larger ones have their spans' attributes searched as they
// are fetched (selected).
constexpr int kFullFetchLimit = 2000;

QString hex16(std::uint64_t id) {
    return QStringLiteral("%1").arg(id, 16, 16, QLatin1Char('0'));
}

// What search within the trace looks at besides the names: attributes as "key=value" lines,
// the status message, event names and the resource.
QString searchableText(const SpanDetail &span) {
    QStringList lines;
    for (const SpanAttribute &attribute : span.attributes) {
        lines << attribute.key + QLatin1Char('=') + attribute.value;
    }
    if (!span.statusMessage.isEmpty()) {
        lines << span.statusMessage;
    }
    for (const SpanEvent &event : span.events) {
        lines << event.name;
    }
    for (const SpanAttribute &attribute : span.resource) {
        lines << attribute.key + QLatin1Char('=') + attribute.value;
    }
    return lines.join(QLatin1Char('\n'));
}

} // namespace

// The search box: Shift+Enter goes to the previous match, Escape ends the search.
class TraceSearchField final : public QLineEdit {
public:
    using QLineEdit::QLineEdit;
    std::function<void(bool forward)> step;
    std::function<void()> escape;

protected:
    void keyPressEvent(QKeyEvent *event) override {
        if (event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter) {
            step(!(event->modifiers() & Qt::ShiftModifier));
            return;
        }
        if (event->key() == Qt::Key_Escape) {
            escape();
            return;
        }
        QLineEdit::keyPressEvent(event);
    }
};

TraceView::TraceView(Session *session, QWidget *parent)
    : QWidget(parent)
    , m_model(std::make_unique<WaterfallModel>()) {
    if (session) {
        m_fetcher = [api = TracesApi(session)](const QString &traceId, bool full,
                                               const QStringList &spanIds, QObject *context,
                                               ResultHandler<TraceDetail> done) mutable {
            api.getTrace(traceId, full, spanIds, context, std::move(done));
        };
    }
    buildHeader();
}

TraceView::~TraceView() = default;

void TraceView::buildHeader() {
    m_title = new QLabel;
    m_title->setObjectName(QStringLiteral("PageTitle"));
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_traceIdLabel = new QLabel;
    m_traceIdLabel->setObjectName(QStringLiteral("PageSubtitle"));
    m_traceIdLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_facts = new QLabel;
    m_facts->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_searchService = new QPushButton(tr("Find traces of this service"));
    m_searchService->setToolTip(
        tr("Search for traces of the selected span's service and operation (the root's when "
           "nothing is selected)."));
    m_compare = new QPushButton(tr("Compare with…"));
    m_compare->setToolTip(tr("Compare this trace with another one, span path by span path."));

    auto *search = new TraceSearchField;
    m_search = search;
    m_search->setPlaceholderText(tr("Find in trace: service, operation, attribute, span ID"));
    m_search->setClearButtonEnabled(true);
    m_search->setMinimumWidth(320);
    search->step = [this](bool forward) { goToMatch(forward); };
    search->escape = [this] {
        m_search->clear();
        m_waterfall->setFocus();
    };
    m_previousMatch = new QToolButton;
    m_previousMatch->setArrowType(Qt::UpArrow);
    m_previousMatch->setToolTip(tr("Previous match (Shift+Enter)"));
    m_nextMatch = new QToolButton;
    m_nextMatch->setArrowType(Qt::DownArrow);
    m_nextMatch->setToolTip(tr("Next match (Enter)"));
    m_matchCount = new QLabel;
    m_matchCount->setMinimumWidth(90);
    m_legend = new QLabel;
    m_legend->setToolTip(
        tr("The critical path: what the trace's end-to-end latency waited on. Within each span, "
           "the child that finished last, then the one that finished before that started, and "
           "so on; the span's own time in between."));
    m_collapseAll = new QToolButton;
    m_collapseAll->setText(tr("Collapse all"));
    m_expandAll = new QToolButton;
    m_expandAll->setText(tr("Expand all"));
    m_resetZoom = new QToolButton;
    m_resetZoom->setText(tr("Reset zoom"));
    m_resetZoom->setToolTip(tr("Show the whole trace again (or double-click the ruler). Drag "
                               "across the ruler to zoom into a time range."));
    m_resetZoom->setEnabled(false);

    m_waterfall = new WaterfallView;
    m_waterfall->setModel(m_model.get());
    m_minimap = new TraceMinimap(m_waterfall);
    m_details = new SpanDetailPane;
    m_details->setMinimumWidth(300);

    m_splitter = new QSplitter(Qt::Horizontal);
    m_splitter->addWidget(m_waterfall);
    m_splitter->addWidget(m_details);
    m_splitter->setStretchFactor(0, 3);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setChildrenCollapsible(false);
    m_splitter->setSizes({900, 380});

    m_message = new QLabel;
    m_message->setObjectName(QStringLiteral("PageSubtitle"));
    m_message->setAlignment(Qt::AlignCenter);
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *titleRow = new QHBoxLayout;
    titleRow->setSpacing(10);
    titleRow->addWidget(m_title);
    titleRow->addWidget(m_traceIdLabel);
    titleRow->addStretch(1);
    titleRow->addWidget(m_searchService);
    titleRow->addWidget(m_compare);

    auto *toolRow = new QHBoxLayout;
    toolRow->setSpacing(6);
    toolRow->addWidget(m_search);
    toolRow->addWidget(m_previousMatch);
    toolRow->addWidget(m_nextMatch);
    toolRow->addWidget(m_matchCount);
    toolRow->addStretch(1);
    toolRow->addWidget(m_legend);
    toolRow->addSpacing(12);
    toolRow->addWidget(m_collapseAll);
    toolRow->addWidget(m_expandAll);
    toolRow->addWidget(m_resetZoom);

    auto *content = new QWidget;
    auto *contentLayout = new QVBoxLayout(content);
    contentLayout->setContentsMargins(0, 0, 0, 0);
    contentLayout->setSpacing(6);
    contentLayout->addLayout(toolRow);
    contentLayout->addWidget(m_minimap);
    contentLayout->addWidget(m_splitter, 1);

    auto *stack = new QStackedWidget;
    stack->setObjectName(QStringLiteral("TraceViewStack"));
    stack->addWidget(m_message);
    stack->addWidget(content);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(6);
    layout->addLayout(titleRow);
    layout->addWidget(m_facts);
    layout->addWidget(stack, 1);

    connect(m_search, &QLineEdit::textChanged, this, [this](const QString &text) {
        m_model->search(text);
        m_waterfall->rowsChanged();
        if (!m_model->matches().empty()) {
            m_waterfall->setSelectedSpan(m_model->nextMatch(-1));
        }
        updateSearchStatus();
    });
    connect(m_previousMatch, &QToolButton::clicked, this, [this] { goToMatch(false); });
    connect(m_nextMatch, &QToolButton::clicked, this, [this] { goToMatch(true); });
    auto *find = new QShortcut(QKeySequence::Find, this);
    find->setContext(Qt::WidgetWithChildrenShortcut);
    connect(find, &QShortcut::activated, this, [this] {
        m_search->setFocus(Qt::ShortcutFocusReason);
        m_search->selectAll();
    });
    auto *findNext = new QShortcut(QKeySequence::FindNext, this);
    findNext->setContext(Qt::WidgetWithChildrenShortcut);
    connect(findNext, &QShortcut::activated, this, [this] { goToMatch(true); });
    auto *findPrevious = new QShortcut(QKeySequence::FindPrevious, this);
    findPrevious->setContext(Qt::WidgetWithChildrenShortcut);
    connect(findPrevious, &QShortcut::activated, this, [this] { goToMatch(false); });

    connect(m_collapseAll, &QToolButton::clicked, this, [this] {
        const int selected = m_waterfall->selectedSpan();
        m_model->collapseAll();
        m_waterfall->rowsChanged();
        if (selected >= 0) {
            int root = selected;
            while (m_model->parent(root) >= 0) {
                root = m_model->parent(root);
            }
            m_waterfall->setSelectedSpan(root);
        }
    });
    connect(m_expandAll, &QToolButton::clicked, this, [this] {
        m_model->expandAll();
        m_waterfall->rowsChanged();
        m_waterfall->scrollToRow(m_model->rowOf(std::max(0, m_waterfall->selectedSpan())));
    });
    connect(m_resetZoom, &QToolButton::clicked, m_waterfall, &WaterfallView::resetZoom);
    connect(m_waterfall, &WaterfallView::timeWindowChanged, this,
            [this] { m_resetZoom->setEnabled(m_waterfall->isZoomed()); });
    connect(m_waterfall, &WaterfallView::selectedSpanChanged, this, &TraceView::onSelectionChanged);
    connect(m_searchService, &QPushButton::clicked, this, [this] {
        int span = m_waterfall->selectedSpan();
        if (span < 0 && !m_model->roots().empty()) {
            span = m_model->roots().front();
        }
        if (span >= 0) {
            emit searchServiceRequested(m_model->service(span), m_model->operation(span));
        }
    });
    connect(m_compare, &QPushButton::clicked, this, [this] { emit compareRequested(m_traceId); });
    // The parent, or a linked span: selected here, or its trace opened with it selected.
    connect(m_details, &SpanDetailPane::spanLinkActivated, this,
            [this](const QString &traceId, const QString &spanId) {
                if (traceId.isEmpty() || traceId.compare(m_traceId, Qt::CaseInsensitive) == 0) {
                    selectSpan(spanId);
                    return;
                }
                openTrace(traceId.toLower());
                m_pendingSpan = spanId.toLower();
            });

    updateLegend();
    showMessage(tr("Choose a trace to see its spans."));
}

void TraceView::setFetcher(TraceFetcher fetcher) {
    m_fetcher = std::move(fetcher);
}

void TraceView::showMessage(const QString &message) {
    m_message->setText(message);
    static_cast<QStackedWidget *>(m_message->parentWidget())->setCurrentIndex(0);
    const bool shown = !m_traceId.isEmpty() && m_model->spanCount() > 0;
    m_searchService->setEnabled(shown);
    m_compare->setEnabled(shown);
}

void TraceView::clear(const QString &message) {
    m_traceScope.drop();
    m_detailScope.drop();
    m_traceId.clear();
    m_summary = {};
    m_spanDetails.clear();
    m_model->clear();
    m_waterfall->modelReset();
    m_search->blockSignals(true);
    m_search->clear();
    m_search->blockSignals(false);
    m_title->clear();
    m_traceIdLabel->clear();
    m_facts->clear();
    m_matchCount->clear();
    m_details->showHint();
    showMessage(message.isEmpty() ? tr("Choose a trace to see its spans.") : message);
}

void TraceView::openTrace(const QString &traceId) {
    m_pendingSpan.clear();
    clear(tr("Loading trace %1…").arg(traceId));
    m_traceId = traceId;
    m_traceIdLabel->setText(traceId);
    if (!m_fetcher) {
        showMessage(tr("Not connected to a daemon."));
        return;
    }
    QObject *context = m_traceScope.renew();
    m_fetcher(traceId, false, {}, context, [this, traceId](const CallResult<TraceDetail> &result) {
        if (!result.ok()) {
            showMessage(tr("Could not load trace %1: %2").arg(traceId, result.error().describe()));
            return;
        }
        applyTrace(result.value());
        if (m_model->spanCount() > 0 && m_model->spanCount() <= kFullFetchLimit) {
            m_fetcher(traceId, true, {}, m_traceScope.current(),
                      [this](const CallResult<TraceDetail> &full) {
                          if (full.ok()) {
                              rememberSpans(full.value().spans);
                          }
                      });
        }
    });
}

void TraceView::showTrace(const TraceDetail &trace) {
    m_traceScope.drop();
    m_pendingSpan.clear();
    applyTrace(trace);
}

void TraceView::applyTrace(const TraceDetail &trace) {
    m_detailScope.drop();
    m_summary = trace.summary;
    m_traceId = !trace.summary.traceId.isEmpty() ? trace.summary.traceId : trace.timeline.traceId;
    m_spanDetails.clear();
    m_model->setTimeline(trace.timeline);
    m_waterfall->modelReset();
    m_search->blockSignals(true);
    m_search->clear();
    m_search->blockSignals(false);
    m_details->showHint();
    updateFacts();
    updateSearchStatus();
    if (m_model->spanCount() == 0) {
        showMessage(tr("Trace %1 has no spans (yet, or any more).").arg(m_traceId));
        return;
    }
    static_cast<QStackedWidget *>(m_message->parentWidget())->setCurrentIndex(1);
    m_searchService->setEnabled(true);
    m_compare->setEnabled(true);
    rememberSpans(trace.spans);
    emit traceShown(m_traceId);
    if (const QString pending = std::exchange(m_pendingSpan, {}); !pending.isEmpty()) {
        selectSpan(pending);
    }
}

void TraceView::updateLegend() {
    const ThemeColors colors = themeColors(palette());
    m_legend->setText(QStringLiteral("<span style='color:%1'>&#9644;</span> %2&nbsp;&nbsp;&nbsp;"
                                     "<span style='color:%3'>&#9679;</span> %4")
                          .arg(palette().color(QPalette::Text).name(), tr("Critical path"),
                               colors.danger.name(), tr("Error")));
}

void TraceView::changeEvent(QEvent *event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        updateLegend();
        updateFacts();
        // The details are HTML in the theme's colours: shown again, from what is known.
        const int selected = m_waterfall->selectedSpan();
        if (selected >= 0 && m_spanDetails.contains(hex16(m_model->spanId(selected)))) {
            loadDetails(selected);
        }
    }
}

void TraceView::updateFacts() {
    const ThemeColors colors = themeColors(palette());
    const WaterfallModel &model = *m_model;
    m_traceIdLabel->setText(m_traceId);
    if (model.spanCount() == 0) {
        m_title->setText(tr("Trace"));
        m_facts->clear();
        return;
    }
    // The root: the span without a parent id, else the earliest orphan.
    int root = model.roots().front();
    for (const int candidate : model.roots()) {
        if (!model.isOrphan(candidate)) {
            root = candidate;
            break;
        }
    }
    m_title->setText(QStringLiteral("%1 · %2").arg(model.service(root), model.operation(root)));
    const QDateTime start =
        m_summary.startTime.isValid()
            ? m_summary.startTime
            : QDateTime::fromMSecsSinceEpoch(model.timeline().startUnixNano / 1000000);
    const auto fact = [&colors](const QString &name, const QString &value) {
        return QStringLiteral("<span style='color:%1'>%2</span> <b>%3</b>")
            .arg(colors.muted.name(), name.toHtmlEscaped(), value.toHtmlEscaped());
    };
    QStringList facts;
    facts << fact(tr("Started"), absoluteTime(start));
    facts << fact(tr("Duration"), spanDuration(qint64(model.durationNanos())));
    facts << fact(tr("Spans"), formatCount(model.spanCount()));
    facts << fact(tr("Services"), formatCount(model.serviceCount()));
    facts << fact(tr("Depth"), formatCount(model.maxDepth() + 1));
    QString errors = fact(tr("Errors"), formatCount(model.errorCount()));
    if (model.errorCount() > 0) {
        errors = QStringLiteral("<span style='color:%1'>%2 <b>%3</b></span>")
                     .arg(colors.danger.name(), tr("Errors"), formatCount(model.errorCount()));
    }
    facts << errors;
    int orphans = 0;
    for (const int candidate : model.roots()) {
        orphans += model.isOrphan(candidate) ? 1 : 0;
    }
    if (orphans > 0) {
        facts << QStringLiteral("<span style='color:%1'>%2</span>")
                     .arg(colors.warning.name(),
                          tr("%n span(s) without their parent", nullptr, orphans));
    }
    m_facts->setText(facts.join(QStringLiteral("&nbsp;&nbsp;&nbsp;")));
}

void TraceView::updateSearchStatus() {
    const bool searching = !m_model->searchText().isEmpty();
    const int count = int(m_model->matches().size());
    m_previousMatch->setEnabled(count > 0);
    m_nextMatch->setEnabled(count > 0);
    m_search->setProperty("invalid", searching && count == 0);
    m_search->style()->unpolish(m_search);
    m_search->style()->polish(m_search);
    if (!searching) {
        m_matchCount->clear();
        return;
    }
    if (count == 0) {
        m_matchCount->setText(tr("No match"));
        return;
    }
    const int at = m_model->matchIndex(m_waterfall->selectedSpan());
    m_matchCount->setText(at >= 0 ? tr("%1 of %2").arg(formatCount(at + 1), formatCount(count))
                                  : tr("%n match(es)", nullptr, count));
}

void TraceView::goToMatch(bool forward) {
    const int selected = m_waterfall->selectedSpan();
    const int next = forward ? m_model->nextMatch(selected) : m_model->previousMatch(selected);
    if (next >= 0) {
        m_waterfall->setSelectedSpan(next);
    }
    updateSearchStatus();
}

void TraceView::setSearchText(const QString &text) {
    m_search->setText(text);
}

bool TraceView::selectSpan(const QString &spanId) {
    bool ok = false;
    const std::uint64_t id = spanId.toULongLong(&ok, 16);
    const int span = ok ? m_model->indexOf(id) : -1;
    if (span < 0) {
        return false;
    }
    m_waterfall->setSelectedSpan(span);
    return true;
}

QString TraceView::selectedSpanId() const {
    const int span = m_waterfall->selectedSpan();
    return span >= 0 ? hex16(m_model->spanId(span)) : QString();
}

void TraceView::rememberSpans(const QList<SpanDetail> &spans) {
    if (spans.isEmpty()) {
        return;
    }
    for (const SpanDetail &span : spans) {
        const QString id = span.spanId.toLower();
        m_spanDetails.insert(id, span);
        bool ok = false;
        const int index = m_model->indexOf(id.toULongLong(&ok, 16));
        if (ok && index >= 0) {
            m_model->setSearchableText(index, searchableText(span));
        }
    }
    // What was searched for may now match more spans.
    if (!m_model->searchText().isEmpty()) {
        m_model->search(m_model->searchText());
        m_waterfall->rowsChanged();
        if (!m_model->matches().empty() && !m_model->isMatch(m_waterfall->selectedSpan())) {
            m_waterfall->setSelectedSpan(m_model->nextMatch(-1));
        }
        updateSearchStatus();
    }
    const int selected = m_waterfall->selectedSpan();
    if (selected >= 0 && m_spanDetails.contains(hex16(m_model->spanId(selected)))) {
        loadDetails(selected);
    }
}

void TraceView::onSelectionChanged(int span) {
    updateSearchStatus();
    if (span < 0) {
        m_detailScope.drop();
        m_details->showHint();
        emit spanSelected({});
        return;
    }
    loadDetails(span);
    emit spanSelected(hex16(m_model->spanId(span)));
}

void TraceView::loadDetails(int span) {
    const QString id = hex16(m_model->spanId(span));
    const auto known = m_spanDetails.constFind(id);
    if (known != m_spanDetails.constEnd()) {
        m_detailScope.drop();
        m_details->showSpan(*m_model, span, &*known);
        return;
    }
    if (!m_fetcher || m_traceId.isEmpty()) {
        m_details->showSpan(*m_model, span, nullptr, tr("Details are not available offline."),
                            true);
        return;
    }
    m_details->showSpan(*m_model, span, nullptr, tr("Loading the span's details…"));
    m_fetcher(
        m_traceId, false, {id}, m_detailScope.renew(),
        [this, id, span](const CallResult<TraceDetail> &result) {
            if (!result.ok()) {
                if (m_waterfall->selectedSpan() == span) {
                    m_details->showSpan(
                        *m_model, span, nullptr,
                        tr("Could not load the span's details: %1").arg(result.error().describe()),
                        true);
                }
                return;
            }
            bool found = false;
            for (const SpanDetail &detail : result.value().spans) {
                found = found || detail.spanId.toLower() == id;
            }
            if (!found && m_waterfall->selectedSpan() == span) {
                m_details->showSpan(*m_model, span, nullptr,
                                    tr("The daemon no longer has this span (retention)."), true);
                return;
            }
            rememberSpans(result.value().spans);
        });
}

} // namespace aegis::console
