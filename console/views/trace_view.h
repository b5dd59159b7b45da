#pragma once

#include "net/call_result.h"
#include "net/call_scope.h"
#include "net/trace_types.h"

#include <QHash>
#include <QString>
#include <QStringList>
#include <QWidget>

#include <functional>
#include <memory>

class QLabel;
class QLineEdit;
class QPushButton;
class QSplitter;
class QToolButton;

namespace aegis::console {

class Session;
class SpanDetailPane;
class TraceMinimap;
class WaterfallModel;
class WaterfallView;

// Fetches one trace (GetTrace): its timeline, and in full every span (`full`) or the spans named
// in `spanIds` (16 hex digits each). Delivers its one result to `done` on `context`'s thread, as
// the facades do; TracesApi::getTrace by default, a fake in tests.
using TraceFetcher =
    std::function<void(const QString &traceId, bool full, const QStringList &spanIds,
                       QObject *context, ResultHandler<TraceDetail> done)>;

// One trace, for the Traces page: a header (root service and operation, start, duration, spans,
// services, errors), a minimap of the whole trace with the visible window, the waterfall (the
// collapsible span tree beside each span's bar on the time axis, the critical path highlighted;
// only the rows in view are painted, so a 100,000-span trace scrolls as smoothly as a small
// one), search within the trace, and the selected span's details (attributes, events, links,
// status, resource, scope), fetched when it is selected; a click on its parent's id or on a
// linked span goes there (opening the linked trace when it is another). Never blocks the GUI
// thread.
//
// Keys: Up/Down move the selection, Left collapses (or goes to the parent), Right expands (or
// goes to the first child), Ctrl+F searches, Enter/F3 and Shift+Enter/Shift+F3 go to the next
// and previous match, Escape ends the search. Dragging on the time ruler zooms into that range;
// a double-click on it (or "Reset zoom") shows the whole trace again.
class TraceView final : public QWidget {
    Q_OBJECT
public:
    // `session` is not owned and may be null when a fetcher is set (tests).
    explicit TraceView(Session *session, QWidget *parent = nullptr);
    ~TraceView() override;

    // Replaces how traces and spans are fetched (tests).
    void setFetcher(TraceFetcher fetcher);

    // Fetches trace `traceId` (32 hex digits) and shows it; "Loading…" until it arrives, the
    // error in place of the waterfall when it fails.
    void openTrace(const QString &traceId);
    // Shows a trace already in hand (a GetTrace answer). Spans it carries in full are used for
    // the details and the search; the others are fetched when selected.
    void showTrace(const TraceDetail &trace);
    // Shows nothing, with `message` in place of the waterfall (empty: the default hint).
    void clear(const QString &message = {});

    // The trace shown; empty when none.
    QString traceId() const { return m_traceId; }
    const TraceSummary &summary() const { return m_summary; }

    // Selects span `spanId` (16 hex digits), expanding its ancestors and scrolling to it, and
    // shows its details. False when the trace has no such span.
    bool selectSpan(const QString &spanId);
    // The selected span's id (16 hex digits); empty when none.
    QString selectedSpanId() const;

    // Searches within the trace (service, operation, version, colour, a span id, and the
    // attributes of the spans known in full), as typing into the search box does; the first
    // match is selected.
    void setSearchText(const QString &text);

    // The parts, for the page's layout and for tests.
    WaterfallModel *model() const { return m_model.get(); }
    WaterfallView *waterfall() const { return m_waterfall; }
    TraceMinimap *minimap() const { return m_minimap; }
    SpanDetailPane *detailPane() const { return m_details; }

signals:
    // "Find traces of this service": the selected span's service and operation (the root's
    // when nothing is selected).
    void searchServiceRequested(const QString &service, const QString &operation);
    // "Compare with…": the page asks which trace to compare this one with.
    void compareRequested(const QString &traceId);
    // The selection changed; empty when none.
    void spanSelected(const QString &spanId);
    // A trace is shown (after openTrace or showTrace).
    void traceShown(const QString &traceId);

protected:
    void changeEvent(QEvent *event) override;

private:
    void buildHeader();
    void updateLegend();
    void applyTrace(const TraceDetail &trace);
    void showMessage(const QString &message);
    void updateFacts();
    void updateSearchStatus();
    void onSelectionChanged(int span);
    void loadDetails(int span);
    void rememberSpans(const QList<SpanDetail> &spans);
    void goToMatch(bool forward);

    TraceFetcher m_fetcher;
    std::unique_ptr<WaterfallModel> m_model;
    CallScope m_traceScope;
    CallScope m_detailScope;
    QString m_traceId;
    // Selected once the trace being opened is shown (a link from another trace).
    QString m_pendingSpan;
    TraceSummary m_summary;
    // Spans known in full, by span id (16 hex digits).
    QHash<QString, SpanDetail> m_spanDetails;

    QLabel *m_title;
    QLabel *m_traceIdLabel;
    QLabel *m_facts;
    QPushButton *m_searchService;
    QPushButton *m_compare;
    QLineEdit *m_search;
    QToolButton *m_previousMatch;
    QToolButton *m_nextMatch;
    QLabel *m_matchCount;
    QLabel *m_legend;
    QToolButton *m_resetZoom;
    QToolButton *m_collapseAll;
    QToolButton *m_expandAll;
    QLabel *m_message;
    TraceMinimap *m_minimap;
    WaterfallView *m_waterfall;
    SpanDetailPane *m_details;
    QSplitter *m_splitter;
};

} // namespace aegis::console
