#include "tracing/tag_query.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace aegis::tracing {
namespace {

// Deeper nesting (parentheses and NOTs together) is refused: real queries stay under ten levels,
// and the bound keeps the recursive parser, evaluator and printer far from the stack's end.
constexpr int kMaxDepth = 100;

struct Position {
    int line = 1;
    int column = 1;
};

std::string positionText(Position at) {
    return std::to_string(at.line) + ":" + std::to_string(at.column);
}

enum class TokenKind { Word, String, Open, Close, Operator, And, Or, Not, End };

struct Token {
    TokenKind kind = TokenKind::End;
    // Word: the text with escapes removed; String: the same; Operator: the operator as written.
    std::string text;
    // Word and String: the text as a wildcard pattern ('*' a wildcard, "\*" and "\\" literal).
    std::string pattern;
    bool wildcard = false;
    TagOperator op = TagOperator::Exists;
    Position at;
};

bool isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

bool endsWord(char c) {
    return isSpace(c) || c == '(' || c == ')' || c == '"' || c == '=' || c == '!' || c == '<' ||
           c == '>';
}

bool isKeyStart(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

bool isKeyChar(char c) {
    return isKeyStart(c) || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '/';
}

bool equalsIgnoringCase(std::string_view text, std::string_view upper) {
    if (text.size() != upper.size()) {
        return false;
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i] >= 'a' && text[i] <= 'z' ? char(text[i] - 'a' + 'A') : text[i];
        if (c != upper[i]) {
            return false;
        }
    }
    return true;
}

bool isKeyword(std::string_view word) {
    return equalsIgnoringCase(word, "AND") || equalsIgnoringCase(word, "OR") ||
           equalsIgnoringCase(word, "NOT");
}

// Whether `key` can be written without quotes.
bool isBareKey(std::string_view key) {
    if (key.empty() || !isKeyStart(key.front()) || isKeyword(key)) {
        return false;
    }
    for (const char c : key) {
        if (!isKeyChar(c)) {
            return false;
        }
    }
    return true;
}

std::string_view operatorText(TagOperator op) {
    switch (op) {
    case TagOperator::Exists:
        return "";
    case TagOperator::Equal:
        return "=";
    case TagOperator::NotEqual:
        return "!=";
    case TagOperator::Greater:
        return ">";
    case TagOperator::GreaterOrEqual:
        return ">=";
    case TagOperator::Less:
        return "<";
    case TagOperator::LessOrEqual:
        return "<=";
    }
    return "";
}

bool isOrdering(TagOperator op) {
    return op == TagOperator::Greater || op == TagOperator::GreaterOrEqual ||
           op == TagOperator::Less || op == TagOperator::LessOrEqual;
}

std::optional<std::int64_t> parseInteger(std::string_view text) {
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

// A decimal number ("1.5", "-2", "1e3"); not "inf", "nan" or hex.
std::optional<double> parseNumber(std::string_view text) {
    if (text.empty()) {
        return std::nullopt;
    }
    bool digit = false;
    for (const char c : text) {
        if (c >= '0' && c <= '9') {
            digit = true;
        } else if (c != '-' && c != '+' && c != '.' && c != 'e' && c != 'E') {
            return std::nullopt;
        }
    }
    if (!digit) {
        return std::nullopt;
    }
    double value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
        return std::nullopt;
    }
    return value;
}

std::optional<bool> parseBoolean(std::string_view text) {
    if (equalsIgnoringCase(text, "TRUE")) {
        return true;
    }
    if (equalsIgnoringCase(text, "FALSE")) {
        return false;
    }
    return std::nullopt;
}

std::string doubleText(double value) {
    char buffer[32];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    return ec == std::errc() ? std::string(buffer, end) : std::string();
}

// The text a wildcard compares a typed value by.
std::string valueText(const TagValue &value) {
    if (const auto *text = std::get_if<std::string>(&value)) {
        return *text;
    }
    if (const auto *integer = std::get_if<std::int64_t>(&value)) {
        return std::to_string(*integer);
    }
    if (const auto *number = std::get_if<double>(&value)) {
        return doubleText(*number);
    }
    return std::get<bool>(value) ? "true" : "false";
}

class Lexer {
public:
    explicit Lexer(std::string_view text)
        : m_text(text) {}

    // Splits the whole text; on a lexical error fills `error` and returns nothing.
    std::vector<Token> run(std::optional<TagQueryError> &error) {
        std::vector<Token> tokens;
        while (true) {
            skipSpace();
            Token token;
            token.at = m_at;
            if (m_offset == m_text.size()) {
                tokens.push_back(std::move(token));
                return tokens;
            }
            const char c = m_text[m_offset];
            if (c == '(' || c == ')') {
                token.kind = c == '(' ? TokenKind::Open : TokenKind::Close;
                token.text = std::string(1, c);
                advance();
            } else if (c == '=' || c == '!' || c == '<' || c == '>') {
                if (!lexOperator(token, error)) {
                    return {};
                }
            } else if (c == '"') {
                if (!lexString(token, error)) {
                    return {};
                }
            } else if (!lexWord(token, error)) {
                return {};
            }
            tokens.push_back(std::move(token));
        }
    }

private:
    void advance() {
        const char c = m_text[m_offset++];
        if (c == '\n') {
            ++m_at.line;
            m_at.column = 1;
        } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
            // Columns count characters: a UTF-8 continuation byte belongs to the one counted.
            ++m_at.column;
        }
    }

    void skipSpace() {
        while (m_offset < m_text.size() && isSpace(m_text[m_offset])) {
            advance();
        }
    }

    char peek(std::size_t ahead = 0) const {
        return m_offset + ahead < m_text.size() ? m_text[m_offset + ahead] : '\0';
    }

    bool lexOperator(Token &token, std::optional<TagQueryError> &error) {
        token.kind = TokenKind::Operator;
        const char c = peek();
        const bool withEquals = peek(1) == '=';
        if (c == '!' && !withEquals) {
            error = TagQueryError{m_at.line, m_at.column,
                                  "unexpected '!': the operator is '!=' (use NOT to negate)"};
            return false;
        }
        if (c == '=') {
            token.op = TagOperator::Equal;
        } else if (c == '!') {
            token.op = TagOperator::NotEqual;
        } else if (c == '<') {
            token.op = withEquals ? TagOperator::LessOrEqual : TagOperator::Less;
        } else {
            token.op = withEquals ? TagOperator::GreaterOrEqual : TagOperator::Greater;
        }
        const bool twoCharacters = c == '!' || ((c == '<' || c == '>') && withEquals);
        advance();
        if (twoCharacters) {
            advance();
        }
        if (c == '=' && peek() == '=') {
            error = TagQueryError{m_at.line, m_at.column, "unexpected '==': the operator is '='"};
            return false;
        }
        token.text = std::string(operatorText(token.op));
        return true;
    }

    // Consumes a backslash escape inside a string or a bare word.
    bool lexEscape(Token &token, bool inString, std::optional<TagQueryError> &error) {
        const Position at = m_at;
        advance();
        const char next = peek();
        if (next == '\\' || next == '*') {
            token.text += next;
            token.pattern += '\\';
            token.pattern += next;
        } else if (next == '"' && inString) {
            token.text += next;
            token.pattern += next;
        } else if (m_offset == m_text.size()) {
            error = TagQueryError{m_at.line, m_at.column,
                                  "expected a character after '\\' (\\\\ is a backslash)"};
            return false;
        } else {
            error = TagQueryError{at.line, at.column,
                                  std::string("unknown escape '\\") + next + "': " +
                                      (inString ? "a string knows \\\", \\\\ and \\*"
                                                : "a bare value knows \\\\ and \\*")};
            return false;
        }
        advance();
        return true;
    }

    // Consumes one character of a string or a bare word, or an escape; '*' makes a wildcard.
    bool lexCharacter(Token &token, bool inString, std::optional<TagQueryError> &error) {
        const char c = peek();
        if (c == '\\') {
            return lexEscape(token, inString, error);
        }
        if (c == '*') {
            token.wildcard = true;
        }
        token.text += c;
        token.pattern += c;
        advance();
        return true;
    }

    bool lexString(Token &token, std::optional<TagQueryError> &error) {
        token.kind = TokenKind::String;
        const Position opened = m_at;
        advance();
        while (true) {
            if (m_offset == m_text.size()) {
                error = TagQueryError{m_at.line, m_at.column,
                                      "unterminated string opened at " + positionText(opened)};
                return false;
            }
            if (peek() == '"') {
                advance();
                return true;
            }
            if (!lexCharacter(token, true, error)) {
                return false;
            }
        }
    }

    bool lexWord(Token &token, std::optional<TagQueryError> &error) {
        token.kind = TokenKind::Word;
        bool escaped = false;
        while (m_offset < m_text.size() && !endsWord(peek())) {
            escaped = escaped || peek() == '\\';
            if (!lexCharacter(token, false, error)) {
                return false;
            }
        }
        if (!escaped) {
            if (equalsIgnoringCase(token.text, "AND")) {
                token.kind = TokenKind::And;
            } else if (equalsIgnoringCase(token.text, "OR")) {
                token.kind = TokenKind::Or;
            } else if (equalsIgnoringCase(token.text, "NOT")) {
                token.kind = TokenKind::Not;
            }
        }
        return true;
    }

    std::string_view m_text;
    std::size_t m_offset = 0;
    Position m_at;
};

using ExpressionPtr = std::unique_ptr<TagExpression>;

class Parser {
public:
    explicit Parser(std::vector<Token> tokens)
        : m_tokens(std::move(tokens)) {}

    ExpressionPtr run(std::optional<TagQueryError> &error) {
        m_error = &error;
        if (current().kind == TokenKind::End) {
            return nullptr;
        }
        auto root = parseOr(0);
        if (!root) {
            return nullptr;
        }
        if (current().kind == TokenKind::Close) {
            fail(current().at, "unmatched ')'");
            return nullptr;
        }
        if (current().kind != TokenKind::End) {
            // parseAnd consumes every term and keyword; what is left cannot start one.
            fail(current().at, "unexpected " + describe(current()));
            return nullptr;
        }
        return root;
    }

private:
    const Token &current() const { return m_tokens[m_index]; }

    void fail(Position at, std::string message) {
        if (!*m_error) {
            *m_error = TagQueryError{at.line, at.column, std::move(message)};
        }
    }

    static std::string describe(const Token &token) {
        switch (token.kind) {
        case TokenKind::End:
            return "the end of the query";
        case TokenKind::And:
        case TokenKind::Or:
        case TokenKind::Not:
            return "the keyword " + token.text;
        case TokenKind::String:
            return "the string \"" + token.text + "\"";
        case TokenKind::Word:
        case TokenKind::Open:
        case TokenKind::Close:
        case TokenKind::Operator:
            break;
        }
        return "'" + token.text + "'";
    }

    static bool startsUnary(const Token &token) {
        return token.kind == TokenKind::Word || token.kind == TokenKind::String ||
               token.kind == TokenKind::Open || token.kind == TokenKind::Not;
    }

    // Appends `operand` to the And/Or `into`, flattening an operand of the same kind.
    static void append(TagExpression &into, ExpressionPtr operand) {
        if (operand->kind == into.kind) {
            for (auto &inner : operand->operands) {
                into.operands.push_back(std::move(inner));
            }
        } else {
            into.operands.push_back(std::move(operand));
        }
    }

    ExpressionPtr combine(TagExpression::Kind kind, std::vector<ExpressionPtr> operands) {
        if (operands.size() == 1) {
            return std::move(operands.front());
        }
        auto node = std::make_unique<TagExpression>();
        node->kind = kind;
        for (auto &operand : operands) {
            append(*node, std::move(operand));
        }
        return node;
    }

    ExpressionPtr parseOr(int depth) {
        std::vector<ExpressionPtr> operands;
        while (true) {
            auto operand = parseAnd(depth);
            if (!operand) {
                return nullptr;
            }
            operands.push_back(std::move(operand));
            if (current().kind != TokenKind::Or) {
                return combine(TagExpression::Kind::Or, std::move(operands));
            }
            const Token &keyword = current();
            ++m_index;
            if (!startsUnary(current())) {
                fail(current().at,
                     "expected a term after " + keyword.text + ", found " + describe(current()));
                return nullptr;
            }
        }
    }

    ExpressionPtr parseAnd(int depth) {
        std::vector<ExpressionPtr> operands;
        while (true) {
            auto operand = parseUnary(depth);
            if (!operand) {
                return nullptr;
            }
            operands.push_back(std::move(operand));
            if (current().kind == TokenKind::And) {
                const Token &keyword = current();
                ++m_index;
                if (!startsUnary(current())) {
                    fail(current().at, "expected a term after " + keyword.text + ", found " +
                                           describe(current()));
                    return nullptr;
                }
            } else if (!startsUnary(current())) {
                // Juxtaposition is AND: any token that can start a term continues the AND.
                return combine(TagExpression::Kind::And, std::move(operands));
            }
        }
    }

    ExpressionPtr parseUnary(int depth) {
        const Token &token = current();
        if ((token.kind == TokenKind::Not || token.kind == TokenKind::Open) && depth >= kMaxDepth) {
            fail(token.at, "query nested deeper than " + std::to_string(kMaxDepth) +
                               " levels of parentheses and NOT");
            return nullptr;
        }
        if (token.kind == TokenKind::Not) {
            ++m_index;
            if (!startsUnary(current())) {
                fail(current().at,
                     "expected a term after " + token.text + ", found " + describe(current()));
                return nullptr;
            }
            auto operand = parseUnary(depth + 1);
            if (!operand) {
                return nullptr;
            }
            auto node = std::make_unique<TagExpression>();
            node->kind = TagExpression::Kind::Not;
            node->operands.push_back(std::move(operand));
            return node;
        }
        if (token.kind == TokenKind::Open) {
            ++m_index;
            if (current().kind == TokenKind::Close) {
                fail(current().at, "expected a term after '(', found ')'");
                return nullptr;
            }
            if (!startsUnary(current())) {
                fail(current().at, "expected a term after '(', found " + describe(current()));
                return nullptr;
            }
            auto inner = parseOr(depth + 1);
            if (!inner) {
                return nullptr;
            }
            if (current().kind != TokenKind::Close) {
                if (current().kind == TokenKind::End) {
                    fail(current().at, "unclosed parenthesis opened at " + positionText(token.at));
                } else {
                    fail(current().at, "expected ')' to close the parenthesis opened at " +
                                           positionText(token.at) + ", found " +
                                           describe(current()));
                }
                return nullptr;
            }
            ++m_index;
            return inner;
        }
        if (token.kind == TokenKind::Word || token.kind == TokenKind::String) {
            return parseTerm();
        }
        if (token.kind == TokenKind::Close) {
            fail(token.at, "unmatched ')'");
        } else if (token.kind == TokenKind::And || token.kind == TokenKind::Or) {
            fail(token.at, "expected a term before " + token.text);
        } else if (token.kind == TokenKind::Operator) {
            fail(token.at, "expected a key before '" + token.text + "'");
        } else {
            fail(token.at, "expected a term, found " + describe(token));
        }
        return nullptr;
    }

    ExpressionPtr parseTerm() {
        const Token &keyToken = current();
        TagTerm term;
        term.column = keyToken.at.column;
        term.key = keyToken.text;
        if (keyToken.kind == TokenKind::Word) {
            if (!validBareKey(keyToken)) {
                return nullptr;
            }
        } else if (term.key.empty()) {
            fail(keyToken.at, "expected a key, found an empty string");
            return nullptr;
        }
        ++m_index;
        if (current().kind != TokenKind::Operator) {
            if (keyToken.kind == TokenKind::Word && term.key == "error") {
                // The pseudo-key "error" is true or false on every span, so its bare form asks
                // for the failed ones.
                term.op = TagOperator::Equal;
                term.value = "true";
            }
            return makeTerm(std::move(term));
        }
        const Token &opToken = current();
        term.op = opToken.op;
        ++m_index;
        const Token &value = current();
        if (value.kind != TokenKind::Word && value.kind != TokenKind::String) {
            std::string message = "expected a value after '" + opToken.text + "'";
            if (value.kind == TokenKind::And || value.kind == TokenKind::Or ||
                value.kind == TokenKind::Not) {
                message += ", found the keyword " + value.text +
                           " (quote it to compare with it: \"" + value.text + "\")";
            } else if (value.kind != TokenKind::End) {
                message += ", found " + describe(value);
            }
            fail(value.at, std::move(message));
            return nullptr;
        }
        term.quoted = value.kind == TokenKind::String;
        term.wildcard = value.wildcard;
        term.value = value.wildcard ? value.pattern : value.text;
        if (isOrdering(term.op)) {
            if (term.quoted || !parseNumber(term.value)) {
                fail(value.at, "expected a number after '" + opToken.text + "', found " +
                                   describe(value) + " (ordering operators compare numbers)");
                return nullptr;
            }
            term.wildcard = false;
        }
        ++m_index;
        return makeTerm(std::move(term));
    }

    bool validBareKey(const Token &token) {
        const std::string &key = token.text;
        if (!isKeyStart(key.front())) {
            fail(token.at, "expected a key, found '" + key +
                               "' (a key starts with a letter or '_'; quote other keys)");
            return false;
        }
        int column = token.at.column;
        for (const char c : key) {
            if (!isKeyChar(c)) {
                fail({token.at.line, column},
                     std::string("unexpected '") + c + "' in the key '" + key +
                         "' (a bare key has letters, digits, '_', '.', '-' and '/'; quote "
                         "other keys)");
                return false;
            }
            if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
                ++column;
            }
        }
        return true;
    }

    static ExpressionPtr makeTerm(TagTerm term) {
        auto node = std::make_unique<TagExpression>();
        node->kind = TagExpression::Kind::Term;
        node->term = std::move(term);
        return node;
    }

    std::vector<Token> m_tokens;
    std::size_t m_index = 0;
    std::optional<TagQueryError> *m_error = nullptr;
};

Position positionOfOffset(std::string_view text, std::size_t offset) {
    Position at;
    for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++at.line;
            at.column = 1;
        } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
            ++at.column;
        }
    }
    return at;
}

// --- Matching ---

int compareNumbers(const TagValue &value, std::string_view literal, bool &comparable) {
    comparable = true;
    if (const auto *integer = std::get_if<std::int64_t>(&value)) {
        if (const auto other = parseInteger(literal)) {
            return *integer < *other ? -1 : (*integer > *other ? 1 : 0);
        }
        const double other = *parseNumber(literal);
        const double mine = static_cast<double>(*integer);
        return mine < other ? -1 : (mine > other ? 1 : 0);
    }
    if (const auto *number = std::get_if<double>(&value)) {
        const double other = *parseNumber(literal);
        if (std::isnan(*number)) {
            comparable = false;
            return 0;
        }
        return *number < other ? -1 : (*number > other ? 1 : 0);
    }
    comparable = false;
    return 0;
}

bool equalsTerm(const TagValue &value, const TagTerm &term) {
    if (term.wildcard) {
        if (term.quoted && !std::holds_alternative<std::string>(value)) {
            return false;
        }
        return wildcardMatch(term.value, valueText(value));
    }
    if (const auto *text = std::get_if<std::string>(&value)) {
        return *text == term.value;
    }
    if (term.quoted) {
        return false;
    }
    if (const auto *flag = std::get_if<bool>(&value)) {
        const auto literal = parseBoolean(term.value);
        return literal && *literal == *flag;
    }
    if (!parseNumber(term.value)) {
        return false;
    }
    bool comparable = false;
    return compareNumbers(value, term.value, comparable) == 0 && comparable;
}

bool matchesTerm(const TagTerm &term, const TagLookup &lookup) {
    const std::vector<TagValue> values = lookup(term.key);
    switch (term.op) {
    case TagOperator::Exists:
        return !values.empty();
    case TagOperator::Equal:
        for (const auto &value : values) {
            if (equalsTerm(value, term)) {
                return true;
            }
        }
        return false;
    case TagOperator::NotEqual:
        for (const auto &value : values) {
            if (equalsTerm(value, term)) {
                return false;
            }
        }
        return !values.empty();
    case TagOperator::Greater:
    case TagOperator::GreaterOrEqual:
    case TagOperator::Less:
    case TagOperator::LessOrEqual:
        for (const auto &value : values) {
            bool comparable = false;
            const int order = compareNumbers(value, term.value, comparable);
            if (!comparable) {
                continue;
            }
            if ((term.op == TagOperator::Greater && order > 0) ||
                (term.op == TagOperator::GreaterOrEqual && order >= 0) ||
                (term.op == TagOperator::Less && order < 0) ||
                (term.op == TagOperator::LessOrEqual && order <= 0)) {
                return true;
            }
        }
        return false;
    }
    return false;
}

bool evaluate(const TagExpression &expression, const TagLookup &lookup) {
    switch (expression.kind) {
    case TagExpression::Kind::Term:
        return matchesTerm(expression.term, lookup);
    case TagExpression::Kind::Not:
        return !evaluate(*expression.operands.front(), lookup);
    case TagExpression::Kind::And:
        for (const auto &operand : expression.operands) {
            if (!evaluate(*operand, lookup)) {
                return false;
            }
        }
        return true;
    case TagExpression::Kind::Or:
        for (const auto &operand : expression.operands) {
            if (evaluate(*operand, lookup)) {
                return true;
            }
        }
        return false;
    }
    return false;
}

// --- Printing ---

std::string quote(std::string_view text, bool escapeStars) {
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\' || (escapeStars && c == '*')) {
            out += '\\';
        }
        out += c;
    }
    out += '"';
    return out;
}

std::string valueSource(const TagTerm &term) {
    if (term.wildcard) {
        // The value is already a pattern in the language's own escapes; only quotes need one.
        if (!term.quoted) {
            return term.value;
        }
        std::string out = "\"";
        for (const char c : term.value) {
            if (c == '"') {
                out += '\\';
            }
            out += c;
        }
        return out + '"';
    }
    if (term.quoted) {
        return quote(term.value, true);
    }
    std::string out;
    for (const char c : term.value) {
        if (c == '\\' || c == '*') {
            out += '\\';
        }
        out += c;
    }
    return out;
}

std::string termSource(const TagTerm &term) {
    std::string out = isBareKey(term.key) ? term.key : quote(term.key, false);
    if (term.op != TagOperator::Exists) {
        out += ' ';
        out += operatorText(term.op);
        out += ' ';
        out += valueSource(term);
    }
    return out;
}

void print(const TagExpression &expression, std::string &out) {
    const auto printOperand = [&out](const TagExpression &operand, bool parenthesise) {
        if (parenthesise) {
            out += '(';
        }
        print(operand, out);
        if (parenthesise) {
            out += ')';
        }
    };
    switch (expression.kind) {
    case TagExpression::Kind::Term:
        out += termSource(expression.term);
        return;
    case TagExpression::Kind::Not: {
        const auto &operand = *expression.operands.front();
        out += "NOT ";
        printOperand(operand, operand.kind == TagExpression::Kind::And ||
                                  operand.kind == TagExpression::Kind::Or);
        return;
    }
    case TagExpression::Kind::And:
    case TagExpression::Kind::Or: {
        const bool isAnd = expression.kind == TagExpression::Kind::And;
        bool first = true;
        for (const auto &operand : expression.operands) {
            if (!first) {
                out += isAnd ? " AND " : " OR ";
            }
            first = false;
            printOperand(*operand, isAnd && operand->kind == TagExpression::Kind::Or);
        }
        return;
    }
    }
}

} // namespace

std::string TagQueryError::text() const {
    return std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

std::variant<TagQuery, TagQueryError> TagQuery::parse(std::string_view text) {
    if (text.size() > kMaxQueryBytes) {
        const Position at = positionOfOffset(text, kMaxQueryBytes);
        return TagQueryError{at.line, at.column,
                             "query longer than " + std::to_string(kMaxQueryBytes) +
                                 " bytes (it has " + std::to_string(text.size()) + ")"};
    }
    std::optional<TagQueryError> error;
    std::vector<Token> tokens = Lexer(text).run(error);
    if (error) {
        return *error;
    }
    Parser parser(std::move(tokens));
    ExpressionPtr root = parser.run(error);
    if (error) {
        return *error;
    }
    TagQuery query;
    query.m_root = std::move(root);
    return query;
}

bool TagQuery::matches(const TagLookup &lookup) const {
    return !m_root || evaluate(*m_root, lookup);
}

std::vector<const TagTerm *> TagQuery::requiredTerms() const {
    std::vector<const TagTerm *> terms;
    if (!m_root) {
        return terms;
    }
    if (m_root->kind == TagExpression::Kind::Term) {
        terms.push_back(&m_root->term);
    } else if (m_root->kind == TagExpression::Kind::And) {
        for (const auto &operand : m_root->operands) {
            if (operand->kind == TagExpression::Kind::Term) {
                terms.push_back(&operand->term);
            }
        }
    }
    return terms;
}

std::string TagQuery::toString() const {
    std::string out;
    if (m_root) {
        print(*m_root, out);
    }
    return out;
}

bool wildcardMatch(std::string_view pattern, std::string_view text) {
    // The pattern as items: a literal character, or a star (the character '*' with `star` set).
    struct Item {
        char c;
        bool star;
    };
    std::vector<Item> items;
    items.reserve(pattern.size());
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        const char c = pattern[i];
        if (c == '\\' && i + 1 < pattern.size() &&
            (pattern[i + 1] == '*' || pattern[i + 1] == '\\')) {
            items.push_back({pattern[++i], false});
        } else {
            items.push_back({c, c == '*'});
        }
    }
    // Greedy matching with one backtrack point (the last star): linear in practice, O(n*m) worst.
    std::size_t p = 0;
    std::size_t t = 0;
    std::size_t starItem = std::string_view::npos;
    std::size_t starText = 0;
    while (t < text.size()) {
        if (p < items.size() && items[p].star) {
            starItem = p++;
            starText = t;
        } else if (p < items.size() && items[p].c == text[t]) {
            ++p;
            ++t;
        } else if (starItem != std::string_view::npos) {
            p = starItem + 1;
            t = ++starText;
        } else {
            return false;
        }
    }
    while (p < items.size() && items[p].star) {
        ++p;
    }
    return p == items.size();
}

} // namespace aegis::tracing
