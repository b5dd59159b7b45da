#include "models/config_content_check.h"

#include <config/content_validator.h>

#include <QRegularExpression>

namespace aegis::console {

std::optional<ContentProblem> checkConfigContent(ConfigFormat format, const QString &content,
                                                 const QString &schema) {
    if (format == ConfigFormat::Unspecified || format == ConfigFormat::Text) {
        return std::nullopt;
    }
    const QByteArray utf8 = content.toUtf8();
    const QByteArray schemaUtf8 = schema.toUtf8();
    const Status status = config::validateContent(
        static_cast<config::Format>(format), std::string_view(utf8.constData(), utf8.size()),
        std::string_view(schemaUtf8.constData(), schemaUtf8.size()));
    if (status.isOk()) {
        return std::nullopt;
    }
    const QString message = QString::fromStdString(status.message());
    // "content: line 3, column 14: what went wrong".
    static const QRegularExpression positioned(
        QStringLiteral("^content: line (\\d+), column (\\d+): (.*)$"),
        QRegularExpression::DotMatchesEverythingOption);
    const QRegularExpressionMatch match = positioned.match(message);
    if (!match.hasMatch()) {
        QString text = message;
        if (text.startsWith(QLatin1String("content: "))) {
            text.remove(0, 9);
        }
        return ContentProblem{0, 0, text};
    }
    ContentProblem problem;
    problem.line = match.captured(1).toInt();
    problem.message = match.captured(3).trimmed();
    // The byte column, in characters of that line.
    const QList<QByteArray> lines = utf8.split('\n');
    const int byteColumn = match.captured(2).toInt();
    if (problem.line >= 1 && problem.line <= lines.size()) {
        const QByteArray &line = lines.at(problem.line - 1);
        problem.column =
            static_cast<int>(QString::fromUtf8(line.left(std::max(0, byteColumn - 1))).size()) + 1;
    } else {
        problem.column = byteColumn;
    }
    return problem;
}

} // namespace aegis::console
