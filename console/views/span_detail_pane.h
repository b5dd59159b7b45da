#pragma once

#include "net/trace_types.h"

#include <QFrame>
#include <QString>

class QLabel;
class QStackedLayout;
class QTextBrowser;

namespace aegis::console {

class WaterfallModel;

// The selected span in full, beside the waterfall: its service and operation with its status,
// then what the timeline knows (kind, start, duration, self time, time on the critical path,
// ids, version and colour) and, once fetched, its status message, attributes, events (with
// their time into the span), links, resource and instrumentation scope, and what was dropped.
// A hint while nothing is selected; "Loading…" or the failure while the details are fetched.
// The parent's id and each link are clickable.
class SpanDetailPane final : public QFrame {
    Q_OBJECT
public:
    explicit SpanDetailPane(QWidget *parent = nullptr);

    void showHint();
    // Span `span` of `model`, with `detail` when known in full; else `note` says why not (the
    // details are loading, or `failed` and why).
    void showSpan(const WaterfallModel &model, int span, const SpanDetail *detail,
                  const QString &note = {}, bool failed = false);
    // The details as plain text (tests).
    QString text() const;

signals:
    // The parent or a linked span was clicked: span `spanId` of trace `traceId` (hex).
    void spanLinkActivated(const QString &traceId, const QString &spanId);

protected:
    void changeEvent(QEvent *event) override;

private:
    QStackedLayout *m_stack;
    QLabel *m_title;
    QLabel *m_status;
    QTextBrowser *m_body;
};

} // namespace aegis::console
