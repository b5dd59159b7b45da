#include "models/promql_completion.h"

#include <algorithm>

namespace aegis::console {
namespace {

bool isWordChar(QChar c) {
    return c.isLetterOrNumber() || c == QLatin1Char('_') || c == QLatin1Char(':');
}

} // namespace

PromqlCompletionContext promqlCompletionAt(const QString &text, int cursor) {
    cursor = std::clamp(cursor, 0, int(text.size()));
    // Walk from the start, tracking braces, brackets and strings up to the cursor.
    int braceDepth = 0;
    bool inBracket = false;
    QChar quote;
    int stringStart = -1;
    for (int i = 0; i < cursor; ++i) {
        const QChar c = text[i];
        if (!quote.isNull()) {
            if (c == QLatin1Char('\\')) {
                ++i;
            } else if (c == quote) {
                quote = QChar();
            }
            continue;
        }
        if (c == QLatin1Char('"') || c == QLatin1Char('\'') || c == QLatin1Char('`')) {
            quote = c;
            stringStart = i;
        } else if (c == QLatin1Char('{')) {
            ++braceDepth;
        } else if (c == QLatin1Char('}')) {
            braceDepth = std::max(0, braceDepth - 1);
        } else if (c == QLatin1Char('[')) {
            inBracket = true;
        } else if (c == QLatin1Char(']')) {
            inBracket = false;
        }
    }
    PromqlCompletionContext context;
    if (!quote.isNull()) {
        if (braceDepth == 0) {
            return context;
        }
        // A value: the label is the word before the operator before the quote.
        int i = stringStart - 1;
        while (i >= 0 && (text[i] == QLatin1Char('=') || text[i] == QLatin1Char('~') ||
                          text[i] == QLatin1Char('!') || text[i].isSpace())) {
            --i;
        }
        const int end = i + 1;
        while (i >= 0 && isWordChar(text[i])) {
            --i;
        }
        context.kind = PromqlCompletionContext::Kind::LabelValue;
        context.labelName = text.mid(i + 1, end - i - 1);
        context.start = stringStart + 1;
        context.prefix = text.mid(context.start, cursor - context.start);
        return context;
    }
    if (inBracket) {
        return context;
    }
    int start = cursor;
    while (start > 0 && isWordChar(text[start - 1])) {
        --start;
    }
    context.start = start;
    context.prefix = text.mid(start, cursor - start);
    if (!context.prefix.isEmpty() && context.prefix[0].isDigit()) {
        return {};
    }
    context.kind = braceDepth > 0 ? PromqlCompletionContext::Kind::LabelName
                                  : PromqlCompletionContext::Kind::MetricName;
    return context;
}

QStringList completionCandidates(const QStringList &all, const QString &prefix, int limit) {
    QStringList result;
    for (const QString &candidate : all) {
        if (candidate.startsWith(prefix) && candidate != prefix) {
            result.append(candidate);
        }
    }
    std::sort(result.begin(), result.end());
    if (result.size() > limit) {
        result.resize(limit);
    }
    return result;
}

std::optional<int> positionOffset(const QString &text, const QString &position) {
    const QStringList parts = position.split(QLatin1Char(':'));
    bool lineOk = false;
    bool columnOk = false;
    if (parts.size() != 2) {
        return std::nullopt;
    }
    const int line = parts[0].toInt(&lineOk);
    const int column = parts[1].toInt(&columnOk);
    if (!lineOk || !columnOk || line < 1 || column < 1) {
        return std::nullopt;
    }
    int offset = 0;
    for (int l = 1; l < line; ++l) {
        const int newline = int(text.indexOf(QLatin1Char('\n'), offset));
        if (newline < 0) {
            return std::nullopt;
        }
        offset = newline + 1;
    }
    const int lineEnd = text.indexOf(QLatin1Char('\n'), offset) < 0
                            ? int(text.size())
                            : int(text.indexOf(QLatin1Char('\n'), offset));
    // The column may name the end of the line (an unexpected end of input).
    if (offset + column - 1 > lineEnd) {
        return std::nullopt;
    }
    return offset + column - 1;
}

} // namespace aegis::console
