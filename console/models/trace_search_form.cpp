#include "models/trace_search_form.h"

#include "tracing/tag_query.h"

#include <QCoreApplication>
#include <QRegularExpression>

#include <algorithm>

#include <cmath>

namespace aegis::console {
namespace {

// Three significant digits: 1.45, 12.5, 125.
QString significant(double value) {
    const int decimals = value < 10 ? 2 : value < 100 ? 1 : 0;
    QString text = QString::number(value, 'f', decimals);
    if (text.contains(QLatin1Char('.'))) {
        while (text.endsWith(QLatin1Char('0'))) {
            text.chop(1);
        }
        if (text.endsWith(QLatin1Char('.'))) {
            text.chop(1);
        }
    }
    return text;
}

bool isKeyChar(QChar c) {
    return c.isLetterOrNumber() || c == QLatin1Char('_') || c == QLatin1Char('.') ||
           c == QLatin1Char('-') || c == QLatin1Char('/');
}

bool isOperatorChar(QChar c) {
    return c == QLatin1Char('=') || c == QLatin1Char('!') || c == QLatin1Char('<') ||
           c == QLatin1Char('>');
}

bool isKeyword(const QString &word) {
    return word.compare(QLatin1String("AND"), Qt::CaseInsensitive) == 0 ||
           word.compare(QLatin1String("OR"), Qt::CaseInsensitive) == 0 ||
           word.compare(QLatin1String("NOT"), Qt::CaseInsensitive) == 0;
}

} // namespace

std::optional<qint64> parseDurationNanos(const QString &text) {
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty()) {
        return -1;
    }
    static const QRegularExpression pattern(
        QStringLiteral("^(\\d+(?:\\.\\d*)?|\\.\\d+)\\s*(ns|us|µs|ms|s|m|min|h)?$"),
        QRegularExpression::CaseInsensitiveOption);
    const QRegularExpressionMatch match = pattern.match(trimmed);
    if (!match.hasMatch()) {
        return std::nullopt;
    }
    const double number = match.captured(1).toDouble();
    const QString unit = match.captured(2).toLower();
    double scale = 1e6; // A bare number is milliseconds.
    if (unit == QLatin1String("ns")) {
        scale = 1;
    } else if (unit == QLatin1String("us") || unit == QStringLiteral("µs")) {
        scale = 1e3;
    } else if (unit == QLatin1String("s")) {
        scale = 1e9;
    } else if (unit == QLatin1String("m") || unit == QLatin1String("min")) {
        scale = 60e9;
    } else if (unit == QLatin1String("h")) {
        scale = 3600e9;
    }
    const double nanos = number * scale;
    if (!std::isfinite(nanos) || nanos > 9.2e18) {
        return std::nullopt;
    }
    return static_cast<qint64>(std::llround(nanos));
}

QString formatDurationNanos(qint64 nanos) {
    if (nanos < 0) {
        return QStringLiteral("–");
    }
    if (nanos < 1000) {
        return QStringLiteral("%1 ns").arg(nanos);
    }
    if (nanos < 1000000) {
        return QStringLiteral("%1 µs").arg(significant(double(nanos) / 1e3));
    }
    if (nanos < 1000000000) {
        return QStringLiteral("%1 ms").arg(significant(double(nanos) / 1e6));
    }
    if (nanos < 60000000000) {
        return QStringLiteral("%1 s").arg(significant(double(nanos) / 1e9));
    }
    const qint64 seconds = nanos / 1000000000;
    if (seconds < 3600) {
        return seconds % 60 == 0
                   ? QStringLiteral("%1 min").arg(seconds / 60)
                   : QStringLiteral("%1 min %2 s").arg(seconds / 60).arg(seconds % 60);
    }
    return QStringLiteral("%1 h %2 min").arg(seconds / 3600).arg(seconds % 3600 / 60);
}

QString tagQueryValue(const QString &value) {
    static const QRegularExpression bare(QStringLiteral("^[A-Za-z_][A-Za-z0-9_\\-]*$"));
    const bool reserved = isKeyword(value) ||
                          value.compare(QLatin1String("true"), Qt::CaseInsensitive) == 0 ||
                          value.compare(QLatin1String("false"), Qt::CaseInsensitive) == 0;
    if (bare.match(value).hasMatch() && !reserved) {
        return value;
    }
    QString quoted = value;
    quoted.replace(QLatin1Char('\\'), QLatin1String("\\\\"));
    quoted.replace(QLatin1Char('"'), QLatin1String("\\\""));
    quoted.replace(QLatin1Char('*'), QLatin1String("\\*"));
    return QLatin1Char('"') + quoted + QLatin1Char('"');
}

QString tagQueryConjunction(const QList<QPair<QString, QString>> &terms) {
    QStringList parts;
    for (const auto &[key, value] : terms) {
        if (!value.isEmpty()) {
            parts.append(key + QLatin1String(" = ") + tagQueryValue(value));
        }
    }
    return parts.join(QLatin1String(" AND "));
}

QList<TraceTimeWindow> traceTimeWindows() {
    return {{QCoreApplication::translate("TraceTimeWindow", "Last 5 minutes"), 5 * 60 * 1000},
            {QCoreApplication::translate("TraceTimeWindow", "Last 15 minutes"), 15 * 60 * 1000},
            {QCoreApplication::translate("TraceTimeWindow", "Last hour"), 3600 * 1000},
            {QCoreApplication::translate("TraceTimeWindow", "Last 6 hours"), 6 * 3600 * 1000},
            {QCoreApplication::translate("TraceTimeWindow", "Last 24 hours"), 24 * 3600 * 1000},
            {QCoreApplication::translate("TraceTimeWindow", "Last 2 days"), 2 * 24 * 3600 * 1000},
            {QCoreApplication::translate("TraceTimeWindow", "Last 7 days"), 7 * 24 * 3600 * 1000}};
}

TraceSearch traceJumpSearch(const QString &service, const QString &colour, const QString &version,
                            const QDateTime &start, const QDateTime &end) {
    TraceSearch search;
    search.service = service;
    search.tagQuery = tagQueryConjunction(
        {{QStringLiteral("colour"), colour}, {QStringLiteral("version"), version}});
    search.end = end;
    search.start = start;
    if (!search.start.isValid()) {
        const QDateTime until = end.isValid() ? end : QDateTime::currentDateTimeUtc();
        search.start = until.addMSecs(-kDefaultTraceWindowMs);
    }
    return search;
}

TagQueryCheck checkTagQuery(const QString &text) {
    const QByteArray utf8 = text.toUtf8();
    auto parsed = tracing::TagQuery::parse(std::string_view(utf8.constData(), utf8.size()));
    const auto *error = std::get_if<tracing::TagQueryError>(&parsed);
    if (!error) {
        return {};
    }
    TagQueryCheck check;
    check.ok = false;
    check.message = QString::fromStdString(error->text());
    // The parser counts lines and characters (code points); a QString counts UTF-16 units.
    int offset = 0;
    for (int line = 1; line < error->line; ++line) {
        const qsizetype newline = text.indexOf(QLatin1Char('\n'), offset);
        if (newline < 0) {
            break;
        }
        offset = int(newline) + 1;
    }
    for (int column = 1; column < error->column && offset < text.size(); ++column) {
        offset += text[offset].isHighSurrogate() ? 2 : 1;
    }
    check.offset = std::min(offset, int(text.size()));
    return check;
}

TagQueryCompletionContext tagQueryCompletionAt(const QString &text, int cursor) {
    cursor = std::clamp(cursor, 0, int(text.size()));
    // Walk the tokens before the cursor: the last two complete ones decide what is typed.
    QString previous;       // The token before the word at the cursor.
    QString beforePrevious; // And the one before that.
    auto push = [&](const QString &token) {
        beforePrevious = previous;
        previous = token;
    };
    int i = 0;
    int stringStart = -1;
    int wordStart = -1;
    while (i < cursor) {
        const QChar c = text[i];
        if (c == QLatin1Char('"')) {
            const int open = i++;
            while (i < cursor && text[i] != QLatin1Char('"')) {
                i += text[i] == QLatin1Char('\\') ? 2 : 1;
            }
            if (i >= cursor) {
                stringStart = open;
                break;
            }
            push(text.mid(open + 1, i - open - 1));
            ++i;
        } else if (c.isSpace()) {
            ++i;
        } else if (c == QLatin1Char('(') || c == QLatin1Char(')')) {
            push(QString(c));
            ++i;
        } else if (isOperatorChar(c)) {
            const int start = i;
            while (i < cursor && isOperatorChar(text[i])) {
                ++i;
            }
            push(text.mid(start, i - start));
        } else {
            const int start = i;
            while (i < text.size() && !text[i].isSpace() && text[i] != QLatin1Char('(') &&
                   text[i] != QLatin1Char(')') && text[i] != QLatin1Char('"') &&
                   !isOperatorChar(text[i])) {
                ++i;
            }
            if (i >= cursor) {
                wordStart = start;
                break;
            }
            push(text.mid(start, i - start));
        }
    }
    TagQueryCompletionContext context;
    const bool afterOperator = !previous.isEmpty() && isOperatorChar(previous[0]);
    if (stringStart >= 0) {
        context.quoted = true;
        context.start = stringStart + 1;
    } else {
        context.start = wordStart >= 0 ? wordStart : cursor;
    }
    context.prefix = text.mid(context.start, cursor - context.start);
    if (afterOperator) {
        context.kind = TagQueryCompletionContext::Kind::Value;
        context.key = beforePrevious;
        return context;
    }
    if (!context.quoted && !context.prefix.isEmpty() &&
        (context.prefix[0].isDigit() ||
         !std::all_of(context.prefix.cbegin(), context.prefix.cend(), isKeyChar))) {
        return {};
    }
    context.kind = TagQueryCompletionContext::Kind::Key;
    return context;
}

QStringList tagQueryFieldKeys() {
    return {QStringLiteral("error"),   QStringLiteral("service"), QStringLiteral("operation"),
            QStringLiteral("version"), QStringLiteral("colour"),  QStringLiteral("kind")};
}

} // namespace aegis::console
