#pragma once

#include "net/api_types.h"
#include "views/theme.h"

#include <QRegularExpression>
#include <QSyntaxHighlighter>
#include <QTextCharFormat>

namespace aegis::console {

// Syntax highlighting for config content: JSON (keys, strings, numbers, literals), YAML (keys,
// comments, scalars, anchors, document markers) and Java properties (keys, values, comments), in
// the theme's code colours. Text is left plain.
class ConfigHighlighter final : public QSyntaxHighlighter {
    Q_OBJECT
public:
    explicit ConfigHighlighter(QTextDocument *document);

    void setContentFormat(ConfigFormat format);
    ConfigFormat contentFormat() const { return m_format; }
    // Re-highlights in `colors` (after a theme change).
    void setColors(const ThemeColors &colors);

    enum class Token { Key, String, Number, Keyword, Comment };
    QTextCharFormat formatFor(Token token) const;

protected:
    void highlightBlock(const QString &text) override;

private:
    void highlightJson(const QString &text);
    void highlightYaml(const QString &text);
    void highlightProperties(const QString &text);
    void apply(const QRegularExpression &pattern, const QString &text, Token token, int group = 0);

    ConfigFormat m_format = ConfigFormat::Text;
    ThemeColors m_colors;
};

} // namespace aegis::console
