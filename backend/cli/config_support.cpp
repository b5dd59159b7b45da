#include "config_support.h"

#include "common/status.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <unistd.h>

namespace aegis::cli {

std::function<int(CommandContext &, const po::variables_map &)> guarded(RunFunction run) {
    return [run](CommandContext &context, const po::variables_map &values) {
        try {
            return run(context, values);
        } catch (const FileError &error) {
            context.err() << "error: " << error.what() << "\n";
            return 1;
        }
    };
}

std::string pathOf(const v1::ConfigItemRef &ref) {
    std::string path = ref.namespace_();
    for (const auto *part : {&ref.group(), &ref.key()}) {
        if (!part->empty()) {
            path += "/" + *part;
        }
    }
    return path;
}

v1::ConfigItemRef parseRef(const std::string &text, bool partial) {
    const auto parts = splitOn(text, '/');
    const bool shaped = partial ? parts.size() <= 3 : parts.size() == 3;
    if (!shaped || std::any_of(parts.begin(), parts.end(),
                               [](const std::string &part) { return part.empty(); })) {
        throw UsageError(partial ? "the scope must be NAMESPACE, NAMESPACE/GROUP or "
                                   "NAMESPACE/GROUP/KEY, e.g. prod/checkout, not \"" +
                                       text + "\""
                                 : "the item must be NAMESPACE/GROUP/KEY, e.g. "
                                   "prod/checkout/app.yaml, not \"" +
                                       text + "\"");
    }
    v1::ConfigItemRef ref;
    ref.set_namespace_(parts[0]);
    if (parts.size() > 1) {
        ref.set_group(parts[1]);
    }
    if (parts.size() > 2) {
        ref.set_key(parts[2]);
    }
    return ref;
}

v1::ConfigItemRef itemArg(const po::variables_map &values) {
    return parseRef(values["item"].as<std::string>());
}

std::string namespaceArg(const po::variables_map &values) {
    const auto &ns = values["namespace"].as<std::string>();
    if (ns.empty() || ns.find('/') != std::string::npos) {
        throw UsageError("NAMESPACE must be a namespace name such as prod, not \"" + ns + "\"");
    }
    return ns;
}

std::int64_t parseVersion(const std::string &text, const std::string &what) {
    const std::string digits = text.starts_with('v') ? text.substr(1) : text;
    const bool numeric = !digits.empty() && digits.size() <= 18 &&
                         digits.find_first_not_of("0123456789") == std::string::npos;
    const std::int64_t number = numeric ? std::stoll(digits) : 0;
    if (number < 1) {
        throw UsageError(what + " must be a version number (1 or more), not \"" + text + "\"");
    }
    return number;
}

std::optional<std::int64_t> versionFlag(const po::variables_map &values, const char *name) {
    if (!values.count(name)) {
        return std::nullopt;
    }
    return parseVersion(values[name].as<std::string>(), std::string("--") + name);
}

std::optional<std::int64_t> baseVersionFlag(const po::variables_map &values) {
    if (!values.count("base-version")) {
        return std::nullopt;
    }
    const auto &text = values["base-version"].as<std::string>();
    if (text == "0") {
        return 0;
    }
    const std::string digits = text.starts_with('v') ? text.substr(1) : text;
    if (digits.empty() || digits.size() > 18 ||
        digits.find_first_not_of("0123456789") != std::string::npos) {
        throw UsageError("--base-version must be the version you edited (0: create the item), "
                         "not \"" +
                         text + "\"");
    }
    return std::stoll(digits);
}

std::optional<v1::ConfigFormat> formatFlag(const po::variables_map &values) {
    if (!values.count("format")) {
        return std::nullopt;
    }
    const auto &text = values["format"].as<std::string>();
    const auto format = parseConfigFormat(text);
    if (!format) {
        throw UsageError("--format must be json, yaml, properties or text, not \"" + text + "\"");
    }
    return format;
}

v1::ConfigFormat formatOfKey(const std::string &key) {
    const auto dot = key.rfind('.');
    const std::string extension = dot == std::string::npos ? std::string() : key.substr(dot + 1);
    if (extension == "json") {
        return v1::CONFIG_FORMAT_JSON;
    }
    if (extension == "yaml" || extension == "yml") {
        return v1::CONFIG_FORMAT_YAML;
    }
    if (extension == "properties") {
        return v1::CONFIG_FORMAT_PROPERTIES;
    }
    return v1::CONFIG_FORMAT_TEXT;
}

std::optional<std::string> stringFlag(const po::variables_map &values, const char *name) {
    if (!values.count(name)) {
        return std::nullopt;
    }
    return values[name].as<std::string>();
}

std::string readStream(std::istream &in) {
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string readFile(const std::string &path) {
    if (path == "-") {
        if (::isatty(STDIN_FILENO)) {
            std::cerr << "Reading from standard input; end with Ctrl-D." << std::endl;
        }
        return readStream(std::cin);
    }
    std::error_code error;
    if (std::filesystem::is_directory(path, error)) {
        throw FileError("cannot read " + path + ": it is a directory");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw FileError("cannot read " + path + ": " + std::strerror(errno));
    }
    std::string content = readStream(in);
    if (in.bad()) {
        throw FileError("cannot read " + path + ": " + std::strerror(errno));
    }
    return content;
}

void writeFile(const std::string &path, const std::string &content, bool ownerOnly) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) {
        throw FileError("cannot write " + path + ": " + std::strerror(errno));
    }
    if (ownerOnly) {
        std::error_code ignored;
        std::filesystem::permissions(
            path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
            std::filesystem::perm_options::replace, ignored);
    }
    out << content;
    out.close();
    if (!out) {
        throw FileError("cannot write " + path + ": " + std::strerror(errno));
    }
}

ContentSource contentSourceArg(const po::variables_map &values) {
    const bool fromStdin = values.count("stdin") > 0;
    if (fromStdin && values["stdin"].as<std::string>() != "-") {
        throw UsageError("unexpected argument \"" + values["stdin"].as<std::string>() +
                         "\"; the content comes from --file PATH, --content TEXT or - (stdin)");
    }
    const int sources =
        static_cast<int>(values.count("file") + values.count("content")) + (fromStdin ? 1 : 0);
    if (sources != 1) {
        throw UsageError(std::string(sources == 0 ? "missing the content: "
                                                  : "more than one source of content: ") +
                         "give exactly one of --file PATH, --content TEXT and - (stdin)");
    }
    if (values.count("file")) {
        const auto &path = values["file"].as<std::string>();
        if (path.empty()) {
            throw UsageError("--file must name a file (or - for stdin)");
        }
        return {path == "-" ? ContentSource::Kind::Stdin : ContentSource::Kind::File, path};
    }
    if (values.count("content")) {
        return {ContentSource::Kind::Text, values["content"].as<std::string>()};
    }
    return {ContentSource::Kind::Stdin, "-"};
}

std::string readContent(const ContentSource &source) {
    return source.kind == ContentSource::Kind::Text ? source.value : readFile(source.value);
}

std::string shaPrefix(const std::string &sha) {
    return orDash(sha.substr(0, kShaPrefixLength));
}

std::string clipped(const std::string &text, std::size_t width) {
    const std::string line = text.substr(0, text.find('\n'));
    if (line.size() <= width && line.size() == text.size()) {
        return orDash(line);
    }
    std::size_t cut = std::min(line.size(), width - 1);
    // Not in the middle of a UTF-8 sequence.
    while (cut > 0 && cut < line.size() && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) {
        --cut;
    }
    return line.substr(0, cut) + "…";
}

std::string grayTarget(const v1::GrayRelease &gray) {
    if (!gray.selector().empty()) {
        return "selector " + gray.selector();
    }
    if (gray.percent() != 0) {
        return std::to_string(gray.percent()) + "% of instances";
    }
    if (gray.instance_ids_size() > 3) {
        return std::to_string(gray.instance_ids_size()) + " instances";
    }
    std::string ids;
    for (const auto &id : gray.instance_ids()) {
        ids += (ids.empty() ? "" : ",") + id;
    }
    return "instances " + ids;
}

std::string grayCell(const v1::ConfigItem &item) {
    return item.has_gray()
               ? "v" + std::to_string(item.gray().version()) + " to " + grayTarget(item.gray())
               : "-";
}

std::string versionKindText(const v1::ConfigVersion &version) {
    switch (version.kind()) {
    case v1::CONFIG_VERSION_KIND_PUBLISH:
        return "publish";
    case v1::CONFIG_VERSION_KIND_ROLLBACK:
        return "rollback to v" + std::to_string(version.restores());
    case v1::CONFIG_VERSION_KIND_GRAY:
        return "gray";
    case v1::CONFIG_VERSION_KIND_PROMOTION:
        return "promotion of v" + std::to_string(version.restores());
    case v1::CONFIG_VERSION_KIND_IMPORT:
        return "import";
    default:
        return "-";
    }
}

std::string proposalStateName(v1::ProposalState state) {
    switch (state) {
    case v1::PROPOSAL_STATE_PENDING:
        return "pending";
    case v1::PROPOSAL_STATE_APPROVED:
        return "approved";
    case v1::PROPOSAL_STATE_REJECTED:
        return "rejected";
    default:
        return "-";
    }
}

void printContent(std::ostream &out, const std::string &content) {
    out << content;
    if (!content.empty() && content.back() != '\n') {
        out << "\n";
    }
}

void printProposalCreated(CommandContext &context, const v1::Proposal &proposal) {
    auto &out = context.out();
    out << "Namespace " << proposal.namespace_()
        << " requires approval: nothing is published yet; the change is proposal " << proposal.id()
        << " (pending).\n";
    for (const auto &change : proposal.changes()) {
        out << "  " << pathOf(change.ref())
            << (change.base_version() == 0
                    ? " (new)"
                    : " over version " + std::to_string(change.base_version()))
            << "\n";
    }
    out << "Another operator approves it with 'aegisctl config approve " << proposal.namespace_()
        << " " << proposal.id() << "', or rejects it with 'aegisctl config reject "
        << proposal.namespace_() << " " << proposal.id() << " --reason TEXT'.\n";
}

bool isNotFound(const grpc::Status &status) {
    return status.error_code() == grpc::StatusCode::NOT_FOUND;
}

grpc::Status fetchItem(CommandContext &context, Stub &stub, const v1::ConfigItemRef &ref,
                       std::optional<v1::ConfigItem> &item) {
    v1::GetConfigItemRequest request;
    *request.mutable_ref() = ref;
    v1::GetConfigItemResponse response;
    const auto call = context.newCall();
    const auto status = stub.GetConfigItem(call.get(), request, &response);
    if (status.ok()) {
        item = std::move(*response.mutable_item());
    } else if (isNotFound(status)) {
        item.reset();
        return grpc::Status::OK;
    }
    return status;
}

int failPublish(CommandContext &context, const grpc::Status &status, Stub &stub,
                const v1::ConfigItemRef &ref, std::int64_t baseVersion) {
    context.failRpc(status);
    if (status.error_code() != grpc::StatusCode::ABORTED) {
        return 1;
    }
    std::optional<v1::ConfigItem> current;
    const std::string path = pathOf(ref);
    if (baseVersion > 0 && fetchItem(context, stub, ref, current).ok() && current &&
        current->version() != baseVersion) {
        context.err() << "hint: see what changed with 'aegisctl config diff " << path << " "
                      << baseVersion << " " << current->version()
                      << "', then publish again with --base-version " << current->version()
                      << ".\n";
    } else {
        context.err() << "hint: review what changed with 'aegisctl config history " << path
                      << "', then publish again.\n";
    }
    return 1;
}

} // namespace aegis::cli
