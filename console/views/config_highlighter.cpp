#include "views/config_highlighter.h"

#include <QGuiApplication>

namespace aegis::console {
namespace {

const QRegularExpression &jsonString() {
    static const QRegularExpression re(QStringLiteral(R"("(?:[^"\\]|\\.)*"?)"));
    return re;
}

const QRegularExpression &jsonKey() {
    static const QRegularExpression re(QStringLiteral(R"(("(?:[^"\\]|\\.)*")\s*:)"));
    return re;
}

const QRegularExpression &number() {
    static const QRegularExpression re(
        QStringLiteral(R"((?<![\w.])-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w.]))"));
    return re;
}

const QRegularExpression &jsonLiteral() {
    static const QRegularExpression re(QStringLiteral(R"(\b(?:true|false|null)\b)"));
    return re;
}

const QRegularExpression &yamlKey() {
    static const QRegularExpression re(
        QStringLiteral(R"(^\s*(?:-\s+)?((?:"[^"]*"|'[^']*'|[^\s#'"][^:#]*?))\s*:(?=\s|$))"));
    return re;
}

const QRegularExpression &yamlLiteral() {
    static const QRegularExpression re(QStringLiteral(
        R"((?<=[:\-\[,]\s)\s*(true|false|null|yes|no|on|off|~)\s*$|^(---|\.\.\.)\s*$|[&*][\w-]+)"));
    return re;
}

const QRegularExpression &quoted() {
    static const QRegularExpression re(QStringLiteral(R"("(?:[^"\\]|\\.)*"?|'(?:[^']|'')*'?)"));
    return re;
}

} // namespace

ConfigHighlighter::ConfigHighlighter(QTextDocument *document)
    : QSyntaxHighlighter(document)
    , m_colors(themeColors(QGuiApplication::palette())) {}

void ConfigHighlighter::setContentFormat(ConfigFormat format) {
    if (format == m_format) {
        return;
    }
    m_format = format;
    rehighlight();
}

void ConfigHighlighter::setColors(const ThemeColors &colors) {
    m_colors = colors;
    rehighlight();
}

QTextCharFormat ConfigHighlighter::formatFor(Token token) const {
    QTextCharFormat format;
    switch (token) {
    case Token::Key:
        format.setForeground(m_colors.syntaxKey);
        break;
    case Token::String:
        format.setForeground(m_colors.syntaxString);
        break;
    case Token::Number:
        format.setForeground(m_colors.syntaxNumber);
        break;
    case Token::Keyword:
        format.setForeground(m_colors.syntaxKeyword);
        break;
    case Token::Comment:
        format.setForeground(m_colors.syntaxComment);
        format.setFontItalic(true);
        break;
    }
    return format;
}

void ConfigHighlighter::apply(const QRegularExpression &pattern, const QString &text, Token token,
                              int group) {
    const QTextCharFormat format = formatFor(token);
    auto matches = pattern.globalMatch(text);
    while (matches.hasNext()) {
        const QRegularExpressionMatch match = matches.next();
        int g = group;
        // The first alternative that matched, for patterns with several groups.
        while (g > 0 && g <= pattern.captureCount() && match.capturedStart(g) < 0) {
            ++g;
        }
        if (g > pattern.captureCount() || match.capturedStart(g) < 0) {
            g = 0;
        }
        setFormat(static_cast<int>(match.capturedStart(g)),
                  static_cast<int>(match.capturedLength(g)), format);
    }
}

void ConfigHighlighter::highlightBlock(const QString &text) {
    switch (m_format) {
    case ConfigFormat::Json:
        highlightJson(text);
        break;
    case ConfigFormat::Yaml:
        highlightYaml(text);
        break;
    case ConfigFormat::Properties:
        highlightProperties(text);
        break;
    case ConfigFormat::Text:
    case ConfigFormat::Unspecified:
        break;
    }
}

void ConfigHighlighter::highlightJson(const QString &text) {
    apply(number(), text, Token::Number);
    apply(jsonLiteral(), text, Token::Keyword);
    // Strings last, so digits and words inside them are not coloured as numbers or literals.
    apply(jsonString(), text, Token::String);
    apply(jsonKey(), text, Token::Key, 1);
}

void ConfigHighlighter::highlightYaml(const QString &text) {
    // A comment starts at '#' at the line's start or after whitespace, outside quotes.
    int comment = -1;
    QChar quote;
    for (int i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (!quote.isNull()) {
            if (c == quote) {
                quote = QChar();
            }
        } else if (c == QLatin1Char('"') || c == QLatin1Char('\'')) {
            quote = c;
        } else if (c == QLatin1Char('#') && (i == 0 || text.at(i - 1).isSpace())) {
            comment = i;
            break;
        }
    }
    const QString code = comment >= 0 ? text.left(comment) : text;
    apply(number(), code, Token::Number);
    apply(yamlLiteral(), code, Token::Keyword, 1);
    apply(quoted(), code, Token::String);
    apply(yamlKey(), code, Token::Key, 1);
    if (comment >= 0) {
        setFormat(comment, static_cast<int>(text.size()) - comment, formatFor(Token::Comment));
    }
}

void ConfigHighlighter::highlightProperties(const QString &text) {
    int start = 0;
    while (start < text.size() && text.at(start).isSpace()) {
        ++start;
    }
    if (start >= text.size()) {
        return;
    }
    // A continuation of the previous line's value is all value.
    if (previousBlockState() == 1) {
        setFormat(0, static_cast<int>(text.size()), formatFor(Token::String));
    } else if (text.at(start) == QLatin1Char('#') || text.at(start) == QLatin1Char('!')) {
        setFormat(start, static_cast<int>(text.size()) - start, formatFor(Token::Comment));
        setCurrentBlockState(0);
        return;
    } else {
        int end = start;
        while (end < text.size()) {
            const QChar c = text.at(end);
            if (c == QLatin1Char('\\')) {
                end += 2;
                continue;
            }
            if (c == QLatin1Char('=') || c == QLatin1Char(':') || c.isSpace()) {
                break;
            }
            ++end;
        }
        end = std::min(end, static_cast<int>(text.size()));
        setFormat(start, end - start, formatFor(Token::Key));
        setFormat(end, static_cast<int>(text.size()) - end, formatFor(Token::String));
    }
    int backslashes = 0;
    for (int i = static_cast<int>(text.size()) - 1; i >= 0 && text.at(i) == QLatin1Char('\\');
         --i) {
        ++backslashes;
    }
    setCurrentBlockState(backslashes % 2 == 1 ? 1 : 0);
}

} // namespace aegis::console
