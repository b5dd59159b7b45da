#include "models/json_layout.h"

#include <QJsonDocument>
#include <QJsonParseError>

namespace aegis::console {
namespace {

bool isJsonSpace(QChar c) {
    return c == QLatin1Char(' ') || c == QLatin1Char('\t') || c == QLatin1Char('\n') ||
           c == QLatin1Char('\r');
}

// The index of the first character at or after `from` that is not whitespace.
qsizetype skipSpace(const QString &text, qsizetype from) {
    while (from < text.size() && isJsonSpace(text.at(from))) {
        ++from;
    }
    return from;
}

} // namespace

std::optional<QString> prettyJson(const QString &text, int indent) {
    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson(text.toUtf8(), &error);
    if (error.error != QJsonParseError::NoError || document.isNull()) {
        return std::nullopt;
    }
    QString out;
    out.reserve(text.size() + text.size() / 2);
    int depth = 0;
    const auto newline = [&out, &depth, indent] {
        out += QLatin1Char('\n');
        out += QString(depth * indent, QLatin1Char(' '));
    };
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (isJsonSpace(c)) {
            continue;
        }
        if (c == QLatin1Char('"')) {
            // A string, copied as it is, escapes and all.
            const qsizetype start = i;
            for (++i; i < text.size() && text.at(i) != QLatin1Char('"'); ++i) {
                if (text.at(i) == QLatin1Char('\\')) {
                    ++i;
                }
            }
            out += QStringView(text).mid(start, i - start + 1);
            continue;
        }
        if (c == QLatin1Char('{') || c == QLatin1Char('[')) {
            const qsizetype next = skipSpace(text, i + 1);
            const QChar close = c == QLatin1Char('{') ? QLatin1Char('}') : QLatin1Char(']');
            if (next < text.size() && text.at(next) == close) {
                out += c;
                out += close;
                i = next;
                continue;
            }
            out += c;
            ++depth;
            newline();
        } else if (c == QLatin1Char('}') || c == QLatin1Char(']')) {
            --depth;
            newline();
            out += c;
        } else if (c == QLatin1Char(',')) {
            out += c;
            newline();
        } else if (c == QLatin1Char(':')) {
            out += QLatin1String(": ");
        } else {
            out += c;
        }
    }
    if (text.endsWith(QLatin1Char('\n'))) {
        out += QLatin1Char('\n');
    }
    return out;
}

} // namespace aegis::console
