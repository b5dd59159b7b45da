#include "views/span_detail_pane.h"

#include "models/display_format.h"
#include "models/waterfall_model.h"
#include "views/theme.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QStackedLayout>
#include <QTextBrowser>
#include <QUrl>
#include <QVBoxLayout>

namespace aegis::console {
namespace {

QString spanKindName(SpanKind kind) {
    switch (kind) {
    case SpanKind::Internal:
        return SpanDetailPane::tr("internal");
    case SpanKind::Server:
        return SpanDetailPane::tr("server");
    case SpanKind::Client:
        return SpanDetailPane::tr("client");
    case SpanKind::Producer:
        return SpanDetailPane::tr("producer");
    case SpanKind::Consumer:
        return SpanDetailPane::tr("consumer");
    case SpanKind::Unspecified:
        break;
    }
    return SpanDetailPane::tr("unspecified");
}

QString hex16(std::uint64_t id) {
    return QStringLiteral("%1").arg(id, 16, 16, QLatin1Char('0'));
}

// Builds the pane's HTML: headed sections of key/value rows.
class HtmlSections {
public:
    explicit HtmlSections(const ThemeColors &colors)
        : m_colors(colors) {}

    void section(const QString &title) {
        closeTable();
        m_html += QStringLiteral("<p style='margin-top:12px; margin-bottom:4px; font-weight:600'>"
                                 "%1</p>")
                      .arg(title.toHtmlEscaped());
    }
    // Rows of one section share a table, so their values line up; keys never wrap.
    void row(const QString &key, const QString &value, const QColor &tone = {}) {
        if (!m_inTable) {
            m_html += QStringLiteral("<table cellspacing='0' cellpadding='1'>");
            m_inTable = true;
        }
        const QString style =
            tone.isValid() ? QStringLiteral(" style='color:%1'").arg(tone.name()) : QString();
        m_html +=
            QStringLiteral("<tr><td style='color:%1; white-space:pre; padding-right:12px'>"
                           "%2</td><td%3>%4</td></tr>")
                .arg(m_colors.muted.name(), key.toHtmlEscaped(), style, value.toHtmlEscaped());
    }
    // A row whose value is a link to span `spanId` of trace `traceId`.
    void spanRow(const QString &key, const QString &text, const QString &traceId,
                 const QString &spanId) {
        if (!m_inTable) {
            m_html += QStringLiteral("<table cellspacing='0' cellpadding='1'>");
            m_inTable = true;
        }
        m_html +=
            QStringLiteral("<tr><td style='color:%1; white-space:pre; padding-right:12px'>"
                           "%2</td><td><a href='span:%3/%4'>%5</a></td></tr>")
                .arg(m_colors.muted.name(), key.toHtmlEscaped(),
                     QString::fromLatin1(QUrl::toPercentEncoding(traceId)),
                     QString::fromLatin1(QUrl::toPercentEncoding(spanId)), text.toHtmlEscaped());
    }
    void note(const QString &text, const QColor &tone) {
        closeTable();
        m_html +=
            QStringLiteral("<p style='color:%1'>%2</p>").arg(tone.name(), text.toHtmlEscaped());
    }
    void attributes(const QList<SpanAttribute> &attributes) {
        for (const SpanAttribute &attribute : attributes) {
            row(attribute.key, attribute.value);
        }
    }
    const QString &html() {
        closeTable();
        return m_html;
    }

private:
    void closeTable() {
        if (m_inTable) {
            m_html += QStringLiteral("</table>");
            m_inTable = false;
        }
    }

    const ThemeColors &m_colors;
    QString m_html;
    bool m_inTable = false;
};

} // namespace

SpanDetailPane::SpanDetailPane(QWidget *parent)
    : QFrame(parent)
    , m_stack(new QStackedLayout)
    , m_title(new QLabel)
    , m_status(new QLabel)
    , m_body(new QTextBrowser) {
    setObjectName(QStringLiteral("DetailPane"));
    auto *hint = new QLabel(tr("Select a span to see its attributes, events, links and "
                               "resource."));
    hint->setObjectName(QStringLiteral("PageSubtitle"));
    hint->setAlignment(Qt::AlignCenter);
    hint->setWordWrap(true);
    hint->setMargin(16);

    auto *details = new QWidget;
    auto *layout = new QVBoxLayout(details);
    layout->setContentsMargins(14, 12, 6, 6);
    layout->setSpacing(6);
    m_title->setObjectName(QStringLiteral("SectionTitle"));
    m_title->setWordWrap(true);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_title);
    layout->addWidget(m_status);
    m_body->setFrameShape(QFrame::NoFrame);
    m_body->setOpenLinks(false);
    connect(m_body, &QTextBrowser::anchorClicked, this, [this](const QUrl &url) {
        const QStringList parts = url.path().split(QLatin1Char('/'));
        if (url.scheme() == QLatin1String("span") && parts.size() == 2) {
            emit spanLinkActivated(parts[0], parts[1]);
        }
    });
    m_body->viewport()->setAutoFillBackground(false);
    layout->addWidget(m_body, 1);

    m_stack->addWidget(hint);
    m_stack->addWidget(details);
    setLayout(m_stack);
}

void SpanDetailPane::changeEvent(QEvent *event) {
    QFrame::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        m_body->viewport()->update();
    }
}

void SpanDetailPane::showHint() {
    m_stack->setCurrentIndex(0);
}

QString SpanDetailPane::text() const {
    if (m_stack->currentIndex() == 0) {
        return static_cast<QLabel *>(m_stack->widget(0))->text();
    }
    return m_title->text() + QLatin1Char('\n') + m_status->text() + QLatin1Char('\n') +
           m_body->toPlainText();
}

void SpanDetailPane::showSpan(const WaterfallModel &model, int span, const SpanDetail *detail,
                              const QString &note, bool failed) {
    const ThemeColors colors = themeColors(palette());
    m_title->setText(QStringLiteral("%1 · %2").arg(model.service(span), model.operation(span)));
    QString status;
    QColor tone = colors.muted;
    if (model.isError(span) || (detail && detail->statusCode == QLatin1String("error"))) {
        status = tr("Error");
        tone = colors.danger;
    } else if (detail ? detail->statusCode == QLatin1String("ok")
                      : (model.timeline().flags[std::size_t(span)] & timeline_flag::Ok) != 0) {
        status = tr("OK");
        tone = colors.success;
    } else {
        status = tr("Status unset");
    }
    m_status->setText(QStringLiteral("<span style='color:%1; font-weight:600'>● %2</span>"
                                     "<span style='color:%3'>&nbsp;&nbsp;%4 · %5</span>")
                          .arg(tone.name(), status.toHtmlEscaped(), colors.muted.name(),
                               spanKindName(model.kind(span)),
                               spanDuration(qint64(model.durationNanos(span)))));

    HtmlSections html(colors);
    if (detail && !detail->statusMessage.isEmpty()) {
        html.note(detail->statusMessage, tone);
    }
    html.section(tr("Span"));
    html.row(tr("Starts at"), spanDuration(qint64(model.startNanos(span))));
    html.row(tr("Duration"), spanDuration(qint64(model.durationNanos(span))));
    html.row(tr("Self time"), spanDuration(qint64(model.selfNanos(span))));
    if (model.isOnCriticalPath(span)) {
        html.row(tr("Critical path"), spanDuration(qint64(model.criticalNanos(span))));
    }
    html.row(tr("Span ID"), hex16(model.spanId(span)));
    const std::uint64_t parentId = model.timeline().parentSpanIds[std::size_t(span)];
    if (parentId != 0 && model.isOrphan(span)) {
        html.row(tr("Parent ID"), tr("%1 (not in the trace)").arg(hex16(parentId)));
    } else if (parentId != 0) {
        html.spanRow(tr("Parent ID"), hex16(parentId), model.timeline().traceId, hex16(parentId));
    }
    if (!model.version(span).isEmpty()) {
        html.row(tr("Version"), model.version(span));
    }
    if (!model.colour(span).isEmpty()) {
        html.row(tr("Colour"), model.colour(span));
    }
    if (model.childCount(span) > 0) {
        html.row(tr("Children"), tr("%1 (%2 below in all)")
                                     .arg(formatCount(model.childCount(span)),
                                          formatCount(model.descendantCount(span))));
    }

    if (!detail) {
        html.note(note, failed ? colors.danger : colors.muted);
    } else {
        html.section(tr("Attributes"));
        if (detail->attributes.isEmpty()) {
            html.note(tr("None"), colors.muted);
        }
        html.attributes(detail->attributes);
        if (!detail->events.isEmpty()) {
            html.section(tr("Events (%1)").arg(detail->events.size()));
            for (const SpanEvent &event : detail->events) {
                const qint64 at = event.timeUnixNano - detail->startUnixNano;
                html.row(QStringLiteral("+%1").arg(spanDuration(at)), event.name,
                         event.name == QLatin1String("exception") ? colors.danger : QColor());
                for (const SpanAttribute &attribute : event.attributes) {
                    html.row(QStringLiteral("    ") + attribute.key, attribute.value);
                }
            }
        }
        if (!detail->links.isEmpty()) {
            html.section(tr("Links (%1)").arg(detail->links.size()));
            for (const SpanLink &link : detail->links) {
                html.row(tr("Trace"), link.traceId);
                html.spanRow(tr("Span"), link.spanId, link.traceId, link.spanId);
                html.attributes(link.attributes);
            }
        }
        html.section(tr("Resource"));
        html.attributes(detail->resource);
        if (!detail->scopeName.isEmpty()) {
            html.section(tr("Instrumentation scope"));
            html.row(tr("Name"), detail->scopeName);
            if (!detail->scopeVersion.isEmpty()) {
                html.row(tr("Version"), detail->scopeVersion);
            }
        }
        if (detail->droppedAttributes + detail->droppedEvents + detail->droppedLinks > 0) {
            html.note(tr("Dropped by the sender: %1 attributes, %2 events, %3 links")
                          .arg(detail->droppedAttributes)
                          .arg(detail->droppedEvents)
                          .arg(detail->droppedLinks),
                      colors.warning);
        }
    }
    m_body->setHtml(html.html());
    m_stack->setCurrentIndex(1);
}

} // namespace aegis::console
