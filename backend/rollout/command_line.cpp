#include "rollout/command_line.h"

#include <cctype>
#include <sys/stat.h>
#include <unistd.h>

namespace aegis::rollout {

namespace {

bool isBlank(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool isNameChar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

std::string knownNames(const Placeholders &values) {
    std::string names;
    for (const auto &[name, value] : values) {
        names += (names.empty() ? "{" : ", {") + name + "}";
    }
    return names;
}

} // namespace

StatusOr<std::vector<std::string>> splitCommandLine(std::string_view line, std::string_view param) {
    std::vector<std::string> argv;
    std::string word;
    bool inWord = false;
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"') {
                quoted = false;
            } else if (c == '\\' && i + 1 < line.size() &&
                       (line[i + 1] == '"' || line[i + 1] == '\\')) {
                word += line[++i];
            } else {
                word += c;
            }
        } else if (c == '"') {
            quoted = inWord = true;
        } else if (isBlank(c)) {
            if (inWord) {
                argv.push_back(std::move(word));
                word.clear();
                inWord = false;
            }
        } else {
            word += c;
            inWord = true;
        }
    }
    if (quoted) {
        return invalidArgument(std::string(param) + ": a double quote is not closed");
    }
    if (inWord) {
        argv.push_back(std::move(word));
    }
    if (argv.empty()) {
        return invalidArgument(std::string(param) + ": the command line is empty");
    }
    return argv;
}

StatusOr<std::string> substitutePlaceholders(std::string_view text, const Placeholders &values,
                                             std::string_view param) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if ((c == '{' || c == '}') && i + 1 < text.size() && text[i + 1] == c) {
            out += c;
            ++i;
            continue;
        }
        if (c != '{') {
            out += c;
            continue;
        }
        std::size_t end = i + 1;
        while (end < text.size() && isNameChar(text[end])) {
            ++end;
        }
        if (end == i + 1 || end >= text.size() || text[end] != '}') {
            out += c;
            continue;
        }
        const std::string_view name = text.substr(i + 1, end - i - 1);
        const auto value = values.find(name);
        if (value == values.end()) {
            return invalidArgument(std::string(param) + ": unknown placeholder {" +
                                   std::string(name) + "} (known: " + knownNames(values) +
                                   "; write {{ and }} for literal braces)");
        }
        out += value->second;
        i = end;
    }
    return out;
}

std::string joinCommandLine(const std::vector<std::string> &argv) {
    std::string line;
    for (const auto &arg : argv) {
        if (!line.empty()) {
            line += ' ';
        }
        const bool needsQuotes = arg.empty() || arg.find_first_of(" \t\n\r\"") != std::string::npos;
        if (!needsQuotes) {
            line += arg;
            continue;
        }
        line += '"';
        for (const char c : arg) {
            if (c == '"' || c == '\\') {
                line += '\\';
            }
            line += c;
        }
        line += '"';
    }
    return line;
}

} // namespace aegis::rollout
