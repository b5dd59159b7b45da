// The configuration center: items and their versions, gray releases, approval proposals, what
// instances applied, namespace settings and bundles, and the live watch.

#include "argument_values.h"
#include "command.h"
#include "command_context.h"
#include "common/duration.h"
#include "common/status.h"
#include "interruption.h"
#include "resuming_watch.h"
#include "text_output.h"

#include "aegis/v1/config.grpc.pb.h"

#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace po = boost::program_options;

namespace aegis::cli {
namespace {

using Stub = v1::ConfigService::Stub;

constexpr int kMaxPageSize = 1000;
constexpr std::size_t kShaPrefixLength = 12;
constexpr std::size_t kCommentWidth = 60;
// --force-latest publishes again over a newer version this many times before giving up.
constexpr int kForceLatestAttempts = 3;

// A file named by a flag that cannot be read or written. Not a usage error (the command line is
// fine), so it exits with code 1, like a server's error.
class FileError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

using RunFunction = int (*)(CommandContext &, const po::variables_map &);

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

// ---- arguments ----------------------------------------------------------------------------------

std::string pathOf(const v1::ConfigItemRef &ref) {
    std::string path = ref.namespace_();
    for (const auto *part : {&ref.group(), &ref.key()}) {
        if (!part->empty()) {
            path += "/" + *part;
        }
    }
    return path;
}

// NAMESPACE/GROUP/KEY, split; the server checks the characters of each part. With `partial`, the
// group and key may be left out (NAMESPACE, NAMESPACE/GROUP).
v1::ConfigItemRef parseRef(const std::string &text, bool partial = false) {
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

// A version number given as an argument or flag: "3" or "v3" (as diffs and history print it).
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

// --base-version: 0 creates the item. Absent: the current version, read first.
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

// The format a new item gets from its key's extension.
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

std::optional<std::map<std::string, std::string>> labelsFlag(const po::variables_map &values) {
    if (!values.count("label")) {
        return std::nullopt;
    }
    std::map<std::string, std::string> labels;
    for (const auto &text : values["label"].as<std::vector<std::string>>()) {
        const auto pair = parseKeyValue(text);
        if (!pair) {
            throw UsageError("--label must be KEY=VALUE, not \"" + text + "\"");
        }
        if (!labels.insert(*pair).second) {
            throw UsageError("--label " + pair->first + " is given more than once");
        }
    }
    return labels;
}

std::optional<std::string> stringFlag(const po::variables_map &values, const char *name) {
    if (!values.count(name)) {
        return std::nullopt;
    }
    return values[name].as<std::string>();
}

// ---- files --------------------------------------------------------------------------------------

std::string readStream(std::istream &in) {
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The whole of `path`; "-" reads standard input.
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

// Writes `content` to `path`, readable by its owner only with `ownerOnly`.
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

// Where new content comes from: --file PATH, --content TEXT or "-" (standard input).
struct ContentSource {
    enum class Kind { File, Text, Stdin } kind = Kind::Text;
    std::string value;
};

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

// ---- text ---------------------------------------------------------------------------------------

std::string shaPrefix(const std::string &sha) {
    return orDash(sha.substr(0, kShaPrefixLength));
}

// One line, at most `width` columns: for comments in tables.
std::string clipped(const std::string &text, std::size_t width = kCommentWidth) {
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

std::string whenText(const google::protobuf::Timestamp &time,
                     std::chrono::system_clock::time_point now) {
    return formatTimestamp(time) + " (" + formatRelative(time, now) + ")";
}

std::string labelsText(const google::protobuf::Map<std::string, std::string> &labels) {
    const std::map<std::string, std::string> sorted(labels.begin(), labels.end());
    std::string text;
    for (const auto &[key, value] : sorted) {
        text += (text.empty() ? "" : ",") + key + "=" + value;
    }
    return orDash(text);
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

// "v5 to selector zone=b"; "-" without a gray release.
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

// Content printed after a table: as it is, ending in a newline.
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

// ---- calls --------------------------------------------------------------------------------------

bool isNotFound(const grpc::Status &status) {
    return status.error_code() == grpc::StatusCode::NOT_FOUND;
}

// The item into `item`; nullopt when it does not exist.
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

// failRpc() plus what to do about a compare-and-set conflict: see what was published since
// `baseVersion` (when known) before publishing again.
int failPublish(CommandContext &context, const grpc::Status &status, Stub &stub,
                const v1::ConfigItemRef &ref, std::int64_t baseVersion = 0) {
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

// The version to publish over: --base-version, else the current one (0 when there is none).
struct Base {
    std::int64_t version = 0;
    // Read from the server rather than given: the output says so.
    bool read = false;
};

// ---- get / list ---------------------------------------------------------------------------------

int runGet(CommandContext &context, const po::variables_map &values) {
    const auto ref = itemArg(values);
    const auto number = versionFlag(values, "version");
    const bool raw = values["raw"].as<bool>();
    auto stub = v1::ConfigService::NewStub(context.channel());
    auto maskedError = [&] {
        return context.failRpc(grpc::Status(
            grpc::StatusCode::PERMISSION_DENIED,
            "the content of secret " + pathOf(ref) +
                " is masked for this token (a viewer); use an operator's token to read it"));
    };

    if (number) {
        v1::GetConfigVersionRequest request;
        *request.mutable_ref() = ref;
        request.set_version(*number);
        v1::GetConfigVersionResponse response;
        const auto call = context.newCall();
        if (const auto status = stub->GetConfigVersion(call.get(), request, &response);
            !status.ok()) {
            return context.failRpc(status);
        }
        const auto &version = response.version();
        if (raw) {
            if (version.masked()) {
                return maskedError();
            }
            writeData(context.out(), version.content());
            return 0;
        }
        if (context.format() == OutputFormat::Json) {
            context.printJson(response);
            return 0;
        }
        TextTable table({"FIELD", "VALUE"});
        table.addRow({"item", pathOf(ref)});
        table.addRow({"version", std::to_string(version.version())});
        table.addRow({"kind", versionKindText(version)});
        table.addRow({"format", configFormatName(version.format())});
        table.addRow({"author", orDash(version.author())});
        table.addRow({"comment", orDash(version.comment())});
        table.addRow({"time", whenText(version.time(), context.now())});
        table.addRow({"sha256", orDash(version.content_sha256())});
        table.addRow({"revision", std::to_string(version.revision())});
        if (version.masked()) {
            table.addRow({"secret", "yes (content masked for this token)"});
        }
        table.print(context.out());
        context.out() << "\n";
        printContent(context.out(), version.content());
        return 0;
    }

    v1::GetConfigItemRequest request;
    *request.mutable_ref() = ref;
    v1::GetConfigItemResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->GetConfigItem(call.get(), request, &response); !status.ok()) {
        return context.failRpc(status);
    }
    const auto &item = response.item();
    if (raw) {
        if (item.masked()) {
            return maskedError();
        }
        writeData(context.out(), item.content());
        return 0;
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    TextTable table({"FIELD", "VALUE"});
    table.addRow({"item", pathOf(item.ref())});
    table.addRow({"version", std::to_string(item.version())});
    table.addRow({"format", configFormatName(item.format())});
    table.addRow({"author", orDash(item.author())});
    table.addRow({"comment", orDash(item.comment())});
    table.addRow({"updated", whenText(item.update_time(), context.now())});
    table.addRow({"labels", labelsText(item.labels())});
    table.addRow({"description", orDash(item.description())});
    table.addRow({"secret", !item.secret()  ? "no"
                            : item.masked() ? "yes (content masked for this token)"
                                            : "yes"});
    table.addRow({"schema", item.schema().empty()
                                ? "none"
                                : std::to_string(item.schema().size()) + " bytes of JSON Schema"});
    if (item.has_gray()) {
        const auto &gray = item.gray();
        table.addRow({"gray", "in progress: version " + std::to_string(gray.version()) + " to " +
                                  grayTarget(gray) + ", by " + orDash(gray.author()) + " " +
                                  formatRelative(gray.start_time(), context.now()) + " (sha256 " +
                                  shaPrefix(gray.content_sha256()) + ")"});
    } else {
        table.addRow({"gray", "no"});
    }
    table.addRow({"sha256", orDash(item.content_sha256())});
    table.addRow({"revisions", "created at " + std::to_string(item.create_revision()) +
                                   ", modified at " + std::to_string(item.mod_revision())});
    table.print(context.out());
    context.out() << "\n";
    printContent(context.out(), item.content());
    return 0;
}

int runList(CommandContext &context, const po::variables_map &values) {
    // NAMESPACE [GROUP], or NAMESPACE/GROUP.
    const auto scope = parseRef(values["namespace"].as<std::string>(), true);
    if (!scope.key().empty() || (!scope.group().empty() && values.count("group"))) {
        throw UsageError("list takes NAMESPACE [GROUP], not \"" +
                         values["namespace"].as<std::string>() + "\"");
    }
    v1::ListConfigItemsRequest request;
    request.set_namespace_(scope.namespace_());
    request.set_group(values.count("group") ? values["group"].as<std::string>() : scope.group());
    request.set_page_size(kMaxPageSize);
    auto stub = v1::ConfigService::NewStub(context.channel());
    v1::ListConfigItemsResponse all;
    do {
        v1::ListConfigItemsResponse page;
        const auto call = context.newCall();
        if (const auto status = stub->ListConfigItems(call.get(), request, &page); !status.ok()) {
            return context.failRpc(status);
        }
        *all.mutable_header() = page.header();
        for (auto &item : *page.mutable_items()) {
            *all.add_items() = std::move(item);
        }
        request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty());

    if (context.format() == OutputFormat::Json) {
        context.printJson(all);
        return 0;
    }
    TextTable table({"GROUP", "KEY", "FORMAT", "VERSION", "AUTHOR", "UPDATED", "SECRET", "GRAY"});
    for (const auto &item : all.items()) {
        table.addRow({item.ref().group(), item.ref().key(), configFormatName(item.format()),
                      std::to_string(item.version()), orDash(item.author()),
                      formatRelative(item.update_time(), context.now()),
                      item.secret() ? "yes" : "no", grayCell(item)});
    }
    table.print(context.out());
    if (all.items_size() == 0) {
        context.err() << "(no items in " << pathOf(scope)
                      << (request.group().empty() || !scope.group().empty() ? ""
                                                                            : "/" + request.group())
                      << ")\n";
    }
    return 0;
}

// ---- put ----------------------------------------------------------------------------------------

int runPut(CommandContext &context, const po::variables_map &values) {
    const auto ref = itemArg(values);
    const auto source = contentSourceArg(values);
    const auto format = formatFlag(values);
    const auto givenBase = baseVersionFlag(values);
    const bool forceLatest = values["force-latest"].as<bool>();
    if (givenBase && forceLatest) {
        throw UsageError("--base-version and --force-latest exclude each other");
    }
    const auto labels = labelsFlag(values);
    const bool secret = values["secret"].as<bool>();
    const auto description = stringFlag(values, "description");
    const auto schemaFile = stringFlag(values, "schema-file");
    const bool attributes = labels || secret || description || schemaFile;

    v1::PublishConfigRequest request;
    request.set_comment(values["comment"].as<std::string>());
    const std::string content = readContent(source);
    const std::optional<std::string> schema =
        schemaFile ? std::optional<std::string>(readFile(*schemaFile)) : std::nullopt;

    auto stub = v1::ConfigService::NewStub(context.channel());
    std::optional<v1::ConfigItem> current;
    if (!givenBase || attributes) {
        if (const auto status = fetchItem(context, *stub, ref, current); !status.ok()) {
            return context.failRpc(status);
        }
    }

    Base base;
    bool guessedFormat = false;
    // The change against `current`: attributes not given are kept, so that, say, adding a label
    // does not drop the item's schema or make a secret public.
    auto prepare = [&] {
        base = givenBase ? Base{*givenBase, false}
                         : Base{current ? current->version() : 0, current.has_value()};
        const bool creating = base.version == 0;
        const bool keep = current && !creating;
        v1::ConfigChange &change = *request.mutable_change();
        change.Clear();
        *change.mutable_ref() = ref;
        change.set_content(content);
        change.set_base_version(base.version);
        guessedFormat = !format && creating;
        change.set_format(format          ? *format
                          : guessedFormat ? formatOfKey(ref.key())
                                          : v1::CONFIG_FORMAT_UNSPECIFIED);
        if (creating || attributes) {
            change.set_update_attributes(true);
            if (labels) {
                change.mutable_labels()->insert(labels->begin(), labels->end());
            } else if (keep) {
                *change.mutable_labels() = current->labels();
            }
            change.set_description(description ? *description
                                   : keep      ? current->description()
                                               : std::string());
            change.set_secret(secret || (keep && current->secret()));
            change.set_schema(schema ? *schema : keep ? current->schema() : std::string());
        }
    };

    v1::PublishConfigResponse response;
    for (int attempt = 1;; ++attempt) {
        prepare();
        const auto call = context.newCall();
        const auto status = stub->PublishConfig(call.get(), request, &response);
        if (status.ok()) {
            break;
        }
        if (status.error_code() != grpc::StatusCode::ABORTED || !forceLatest ||
            attempt == kForceLatestAttempts) {
            return failPublish(context, status, *stub, ref, base.version);
        }
        // --force-latest: someone published since the read; publish over theirs.
        context.err() << "warning: " << status.error_message()
                      << "\nwarning: publishing over the newer version (--force-latest)"
                      << std::endl;
        if (const auto again = fetchItem(context, *stub, ref, current); !again.ok()) {
            return context.failRpc(again);
        }
    }

    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    auto &out = context.out();
    if (response.has_proposal()) {
        printProposalCreated(context, response.proposal());
        return 0;
    }
    const auto &item = response.item();
    out << (base.version == 0 ? "Created " : "Published ") << pathOf(ref) << " version "
        << item.version() << " (" << configFormatName(item.format()) << ", sha256 "
        << shaPrefix(item.content_sha256()) << ", revision " << response.header().revision()
        << ").\n";
    if (guessedFormat) {
        out << "Format " << configFormatName(item.format())
            << " from the key's extension; --format sets it.\n";
    }
    if (base.read) {
        out << "Published over version " << base.version
            << ", the current one when read; --base-version N publishes only over the version "
               "you reviewed.\n";
    }
    return 0;
}

// ---- history / diff / rollback ------------------------------------------------------------------

int runHistory(CommandContext &context, const po::variables_map &values) {
    const auto ref = itemArg(values);
    const int limit = values["limit"].as<int>();
    if (limit <= 0) {
        throw UsageError("--limit must be at least 1");
    }
    v1::ListConfigVersionsRequest request;
    *request.mutable_ref() = ref;
    auto stub = v1::ConfigService::NewStub(context.channel());
    // Pages gathered into one response; next_page_token is kept when --limit cut it short.
    v1::ListConfigVersionsResponse all;
    do {
        request.set_page_size(std::min(limit - all.versions_size(), kMaxPageSize));
        v1::ListConfigVersionsResponse page;
        const auto call = context.newCall();
        if (const auto status = stub->ListConfigVersions(call.get(), request, &page);
            !status.ok()) {
            return context.failRpc(status);
        }
        *all.mutable_header() = page.header();
        for (auto &version : *page.mutable_versions()) {
            if (all.versions_size() < limit) {
                *all.add_versions() = std::move(version);
            }
        }
        all.set_next_page_token(page.next_page_token());
        request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty() && all.versions_size() < limit);

    if (context.format() == OutputFormat::Json) {
        context.printJson(all);
        return 0;
    }
    TextTable table({"VERSION", "KIND", "AUTHOR", "TIME", "COMMENT", "SHA256"});
    for (const auto &version : all.versions()) {
        table.addRow({std::to_string(version.version()), versionKindText(version),
                      orDash(version.author()), formatTimestamp(version.time()),
                      clipped(version.comment()), shaPrefix(version.content_sha256())});
    }
    table.print(context.out());
    if (all.versions_size() == 0) {
        context.err() << "(" << pathOf(ref) << " has no versions)\n";
    } else if (!all.next_page_token().empty()) {
        context.err() << "(showing the newest " << limit << "; raise --limit for more)\n";
    }
    return 0;
}

// Whether the diff is coloured: --color, else only on a terminal and unless NO_COLOR is set.
bool useColour(CommandContext &context, const std::string &mode) {
    if (mode == "always") {
        return true;
    }
    if (mode == "never") {
        return false;
    }
    const char *noColor = std::getenv("NO_COLOR");
    const char *term = std::getenv("TERM");
    return writesTo(context.out(), std::cout.rdbuf()) && ::isatty(STDOUT_FILENO) &&
           (noColor == nullptr || *noColor == '\0') &&
           (term == nullptr || std::string_view(term) != "dumb");
}

void printDiff(std::ostream &out, const std::string &diff, bool colour) {
    std::istringstream in(diff);
    for (std::string line; std::getline(in, line);) {
        const char *escape = nullptr;
        if (colour) {
            if (line.starts_with("+++") || line.starts_with("---")) {
                escape = "\033[1m";
            } else if (line.starts_with("@@")) {
                escape = "\033[36m";
            } else if (line.starts_with('+')) {
                escape = "\033[32m";
            } else if (line.starts_with('-')) {
                escape = "\033[31m";
            }
        }
        if (escape != nullptr) {
            writeStyle(out, escape);
            out << line;
            writeStyle(out, "\033[0m");
            out << "\n";
        } else {
            out << line << "\n";
        }
    }
}

int runDiff(CommandContext &context, const po::variables_map &values) {
    const auto ref = itemArg(values);
    v1::DiffConfigVersionsRequest request;
    *request.mutable_ref() = ref;
    request.set_from_version(parseVersion(values["from"].as<std::string>(), "FROM"));
    request.set_to_version(parseVersion(values["to"].as<std::string>(), "TO"));
    const int contextLines = values["context"].as<int>();
    if (contextLines < 1 || contextLines > 100) {
        throw UsageError("--context must be between 1 and 100 lines");
    }
    request.set_context_lines(contextLines);
    const auto &colourMode = values["color"].as<std::string>();
    if (colourMode != "auto" && colourMode != "always" && colourMode != "never") {
        throw UsageError("--color must be auto, always or never, not \"" + colourMode + "\"");
    }

    auto stub = v1::ConfigService::NewStub(context.channel());
    v1::DiffConfigVersionsResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->DiffConfigVersions(call.get(), request, &response);
        !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    if (response.unified_diff().empty()) {
        context.err() << "(versions " << request.from_version() << " and " << request.to_version()
                      << " of " << pathOf(ref) << " have the same content)\n";
        return 0;
    }
    printDiff(context.out(), response.unified_diff(), useColour(context, colourMode));
    return 0;
}

int runRollback(CommandContext &context, const po::variables_map &values) {
    const auto ref = itemArg(values);
    v1::RollbackConfigRequest request;
    *request.mutable_ref() = ref;
    request.set_to_version(parseVersion(values["to"].as<std::string>(), "--to"));
    request.set_comment(values["comment"].as<std::string>());
    const auto givenBase = baseVersionFlag(values);
    auto stub = v1::ConfigService::NewStub(context.channel());
    Base base;
    if (givenBase) {
        base = {*givenBase, false};
    } else {
        std::optional<v1::ConfigItem> current;
        if (const auto status = fetchItem(context, *stub, ref, current); !status.ok()) {
            return context.failRpc(status);
        }
        if (!current) {
            return context.failRpc(
                grpc::Status(grpc::StatusCode::NOT_FOUND, "there is no config " + pathOf(ref)));
        }
        base = {current->version(), true};
    }
    request.set_base_version(base.version);
    v1::RollbackConfigResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->RollbackConfig(call.get(), request, &response); !status.ok()) {
        return failPublish(context, status, *stub, ref, base.version);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    context.out() << "Rolled " << pathOf(ref) << " back to the content of version "
                  << request.to_version() << ": published as version " << response.item().version()
                  << " (sha256 " << shaPrefix(response.item().content_sha256()) << ", revision "
                  << response.header().revision() << ").\n";
    if (base.read) {
        context.out() << "Published over version " << base.version
                      << ", the current one when read.\n";
    }
    return 0;
}

// ---- gray releases ------------------------------------------------------------------------------

int runGrayStart(CommandContext &context, const po::variables_map &values) {
    const auto ref = itemArg(values);
    const auto source = contentSourceArg(values);
    v1::StartGrayReleaseRequest request;
    *request.mutable_ref() = ref;
    request.set_comment(values["comment"].as<std::string>());
    const int targetings = static_cast<int>(values.count("selector") + values.count("instances") +
                                            values.count("percent"));
    if (targetings != 1) {
        throw UsageError(std::string(targetings == 0 ? "missing the instances to target: "
                                                     : "more than one targeting: ") +
                         "give exactly one of --selector S, --instances A,B and --percent N");
    }
    if (values.count("selector")) {
        const auto &selector = values["selector"].as<std::string>();
        if (selector.empty()) {
            throw UsageError("--selector must not be empty");
        }
        request.set_selector(selector);
    } else if (values.count("instances")) {
        const auto &text = values["instances"].as<std::string>();
        for (const auto &id : splitOn(text, ',')) {
            if (id.empty()) {
                throw UsageError("--instances must be instance ids separated by commas, e.g. "
                                 "web-1,web-2, not \"" +
                                 text + "\"");
            }
            request.add_instance_ids(id);
        }
    } else {
        const int percent = values["percent"].as<int>();
        if (percent < 1 || percent > 99) {
            throw UsageError("--percent must be between 1 and 99");
        }
        request.set_percent(percent);
    }
    const auto givenBase = baseVersionFlag(values);
    request.set_content(readContent(source));

    auto stub = v1::ConfigService::NewStub(context.channel());
    if (givenBase) {
        request.set_base_version(*givenBase);
    } else {
        std::optional<v1::ConfigItem> current;
        if (const auto status = fetchItem(context, *stub, ref, current); !status.ok()) {
            return context.failRpc(status);
        }
        if (!current) {
            return context.failRpc(grpc::Status(grpc::StatusCode::NOT_FOUND,
                                                "there is no config " + pathOf(ref) +
                                                    "; publish it first ('aegisctl config put')"));
        }
        request.set_base_version(current->version());
    }
    v1::StartGrayReleaseResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->StartGrayRelease(call.get(), request, &response); !status.ok()) {
        return failPublish(context, status, *stub, ref, request.base_version());
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    const auto &item = response.item();
    const std::string path = pathOf(ref);
    context.out() << "Started gray version " << item.gray().version() << " of " << path << " for "
                  << grayTarget(item.gray()) << " (sha256 "
                  << shaPrefix(item.gray().content_sha256()) << ", revision "
                  << response.header().revision() << "); every other instance stays on version "
                  << item.version() << ".\n"
                  << "Promote it with 'aegisctl config gray promote " << path
                  << "' or cancel it with 'aegisctl config gray cancel " << path
                  << "'; 'aegisctl config applied " << path << "' shows who runs what.\n";
    return 0;
}

int runGrayPromote(CommandContext &context, const po::variables_map &values) {
    const auto ref = itemArg(values);
    v1::PromoteGrayReleaseRequest request;
    *request.mutable_ref() = ref;
    if (values.count("comment")) {
        request.set_comment(values["comment"].as<std::string>());
    }
    auto stub = v1::ConfigService::NewStub(context.channel());
    v1::PromoteGrayReleaseResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->PromoteGrayRelease(call.get(), request, &response);
        !status.ok()) {
        return failPublish(context, status, *stub, ref);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    context.out() << "Promoted the gray release of " << pathOf(ref)
                  << ": every instance now gets version " << response.item().version()
                  << " (sha256 " << shaPrefix(response.item().content_sha256()) << ", revision "
                  << response.header().revision() << ").\n";
    return 0;
}

int runGrayCancel(CommandContext &context, const po::variables_map &values) {
    const auto ref = itemArg(values);
    v1::CancelGrayReleaseRequest request;
    *request.mutable_ref() = ref;
    auto stub = v1::ConfigService::NewStub(context.channel());
    v1::CancelGrayReleaseResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->CancelGrayRelease(call.get(), request, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    context.out() << "Cancelled the gray release of " << pathOf(ref)
                  << "; its instances go back to version " << response.item().version()
                  << " (revision " << response.header().revision() << ").\n";
    return 0;
}

// ---- proposals ----------------------------------------------------------------------------------

std::string changesText(const v1::Proposal &proposal) {
    std::string text;
    for (const auto &change : proposal.changes()) {
        text += (text.empty() ? "" : ", ") + change.ref().group() + "/" + change.ref().key() +
                (change.base_version() == 0 ? " (new)"
                                            : " over v" + std::to_string(change.base_version()));
    }
    return orDash(text);
}

int runDelete(CommandContext &context, const po::variables_map &values) {
    const auto ref = itemArg(values);
    auto stub = v1::ConfigService::NewStub(context.channel());
    v1::DeleteConfigItemRequest request;
    *request.mutable_ref() = ref;
    if (const auto given = baseVersionFlag(values)) {
        request.set_expected_version(*given);
    } else {
        // Deleting what was just read: a publish in between still makes it ABORTED.
        std::optional<v1::ConfigItem> current;
        if (const auto status = fetchItem(context, *stub, ref, current); !status.ok()) {
            return context.failRpc(status);
        }
        if (!current) {
            return context.failRpc(
                grpc::Status(grpc::StatusCode::NOT_FOUND, "there is no config " + pathOf(ref)));
        }
        request.set_expected_version(current->version());
    }
    v1::DeleteConfigItemResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->DeleteConfigItem(call.get(), request, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    context.out() << "Deleted " << pathOf(ref) << " at version " << request.expected_version()
                  << ", with its history (revision " << response.header().revision() << ").\n";
    return 0;
}

int runProposals(CommandContext &context, const po::variables_map &values) {
    v1::ListProposalsRequest request;
    request.set_namespace_(namespaceArg(values));
    request.set_include_decided(values["all"].as<bool>());
    auto stub = v1::ConfigService::NewStub(context.channel());
    v1::ListProposalsResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->ListProposals(call.get(), request, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    TextTable table({"ID", "STATE", "PROPOSER", "CREATED", "CHANGES", "COMMENT", "DECIDED BY"});
    for (const auto &proposal : response.proposals()) {
        table.addRow({proposal.id(), proposalStateName(proposal.state()), proposal.proposer(),
                      formatRelative(proposal.create_time(), context.now()), changesText(proposal),
                      clipped(proposal.comment()),
                      proposal.decided_by().empty()
                          ? "-"
                          : proposal.decided_by() + " " +
                                formatRelative(proposal.decide_time(), context.now())});
    }
    table.print(context.out());
    if (response.proposals_size() == 0) {
        context.err() << "(no " << (request.include_decided() ? "" : "pending ") << "proposals in "
                      << request.namespace_() << ")\n";
    }
    return 0;
}

int runApprove(CommandContext &context, const po::variables_map &values) {
    v1::ApproveProposalRequest request;
    request.set_namespace_(namespaceArg(values));
    request.set_id(values["id"].as<std::string>());
    auto stub = v1::ConfigService::NewStub(context.channel());
    v1::ApproveProposalResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->ApproveProposal(call.get(), request, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    context.out() << "Approved proposal " << request.id() << " of " << request.namespace_()
                  << " (revision " << response.header().revision() << "); published:\n";
    for (const auto &item : response.items()) {
        context.out() << "  " << pathOf(item.ref()) << " version " << item.version() << "\n";
    }
    return 0;
}

int runReject(CommandContext &context, const po::variables_map &values) {
    v1::RejectProposalRequest request;
    request.set_namespace_(namespaceArg(values));
    request.set_id(values["id"].as<std::string>());
    request.set_reason(values["reason"].as<std::string>());
    if (request.reason().empty()) {
        throw UsageError("--reason must say why");
    }
    auto stub = v1::ConfigService::NewStub(context.channel());
    v1::RejectProposalResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->RejectProposal(call.get(), request, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    context.out() << "Rejected proposal " << request.id() << " of " << request.namespace_()
                  << " (revision " << response.header().revision() << "); nothing was published.\n";
    return 0;
}

// ---- applied ------------------------------------------------------------------------------------

int runApplied(CommandContext &context, const po::variables_map &values) {
    const auto ref = itemArg(values);
    v1::GetAppliedStatusRequest request;
    *request.mutable_ref() = ref;
    auto stub = v1::ConfigService::NewStub(context.channel());
    v1::GetAppliedStatusResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->GetAppliedStatus(call.get(), request, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    context.out() << pathOf(ref) << ": " << response.summary() << "\n";
    if (response.instances_size() == 0) {
        context.err() << "(no instance has acknowledged a version of " << pathOf(ref) << " yet)\n";
        return 0;
    }
    context.out() << "\n";
    TextTable table({"SERVICE", "INSTANCE", "VERSION", "STATE", "ACKNOWLEDGED"});
    for (const auto &instance : response.instances()) {
        std::string state = "behind";
        if (!instance.error().empty()) {
            state = "failed: " + instance.error();
        } else if (response.gray_version() != 0 && instance.version() == response.gray_version()) {
            state = "gray";
        } else if (instance.version() == response.published_version()) {
            state = "current";
        }
        table.addRow({instance.service(), instance.instance_id(),
                      std::to_string(instance.version()), state,
                      formatRelative(instance.time(), context.now())});
    }
    table.print(context.out());
    return 0;
}

// ---- namespaces, export, import -----------------------------------------------------------------

grpc::Status fetchNamespaces(CommandContext &context, Stub &stub,
                             v1::ListNamespacesResponse &response) {
    const auto call = context.newCall();
    return stub.ListNamespaces(call.get(), {}, &response);
}

void printNamespace(CommandContext &context, const v1::NamespaceSettings &settings) {
    TextTable table({"FIELD", "VALUE"});
    table.addRow({"namespace", settings.name()});
    table.addRow({"require approval", settings.require_approval()
                                          ? "yes: publishes become proposals another operator "
                                            "approves"
                                          : "no"});
    table.addRow({"description", orDash(settings.description())});
    table.addRow({"items", std::to_string(settings.item_count())});
    table.print(context.out());
}

int runNamespaces(CommandContext &context, const po::variables_map &) {
    auto stub = v1::ConfigService::NewStub(context.channel());
    v1::ListNamespacesResponse response;
    if (const auto status = fetchNamespaces(context, *stub, response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    TextTable table({"NAMESPACE", "ITEMS", "APPROVAL", "DESCRIPTION"});
    for (const auto &settings : response.namespaces()) {
        table.addRow({settings.name(), std::to_string(settings.item_count()),
                      settings.require_approval() ? "required" : "-",
                      orDash(settings.description())});
    }
    table.print(context.out());
    return 0;
}

std::optional<bool> boolFlag(const po::variables_map &values, const char *name) {
    if (!values.count(name)) {
        return std::nullopt;
    }
    const auto &text = values[name].as<std::string>();
    if (text == "true" || text == "yes" || text == "on") {
        return true;
    }
    if (text == "false" || text == "no" || text == "off") {
        return false;
    }
    throw UsageError(std::string("--") + name + " must be true or false, not \"" + text + "\"");
}

int runNamespace(CommandContext &context, const po::variables_map &values) {
    const auto ns = namespaceArg(values);
    const auto requireApproval = boolFlag(values, "require-approval");
    const auto description = stringFlag(values, "description");
    auto stub = v1::ConfigService::NewStub(context.channel());
    v1::ListNamespacesResponse listed;
    if (const auto status = fetchNamespaces(context, *stub, listed); !status.ok()) {
        return context.failRpc(status);
    }
    v1::NamespaceSettings settings;
    settings.set_name(ns);
    for (const auto &existing : listed.namespaces()) {
        if (existing.name() == ns) {
            settings = existing;
        }
    }
    if (!requireApproval && !description) {
        if (context.format() == OutputFormat::Json) {
            context.printJson(settings);
        } else {
            printNamespace(context, settings);
        }
        return 0;
    }
    // The settings are replaced as a whole: what is not given stays as it was.
    v1::UpdateNamespaceRequest request;
    *request.mutable_namespace_() = settings;
    if (requireApproval) {
        request.mutable_namespace_()->set_require_approval(*requireApproval);
    }
    if (description) {
        request.mutable_namespace_()->set_description(*description);
    }
    v1::UpdateNamespaceResponse response;
    const auto call = context.newCall();
    if (const auto status = stub->UpdateNamespace(call.get(), request, &response); !status.ok()) {
        return context.failRpc(status);
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    auto updated = response.namespace_();
    updated.set_item_count(settings.item_count());
    context.out() << "Updated namespace " << ns << ".\n";
    printNamespace(context, updated);
    return 0;
}

int runExport(CommandContext &context, const po::variables_map &values) {
    v1::ExportNamespaceRequest request;
    request.set_namespace_(namespaceArg(values));
    request.set_include_secrets(values["include-secrets"].as<bool>());
    const auto outputFile = stringFlag(values, "output-file");
    if (outputFile && outputFile->empty()) {
        throw UsageError("--output-file must name a file");
    }
    auto stub = v1::ConfigService::NewStub(context.channel());
    v1::ExportNamespaceResponse response;
    {
        const auto call = context.newCall();
        if (const auto status = stub->ExportNamespace(call.get(), request, &response);
            !status.ok()) {
            return context.failRpc(status);
        }
    }
    if (!request.include_secrets()) {
        // Say what the bundle lacks, so that an import elsewhere is not silently incomplete.
        v1::ListConfigItemsRequest list;
        list.set_namespace_(request.namespace_());
        list.set_page_size(kMaxPageSize);
        int secrets = 0;
        do {
            v1::ListConfigItemsResponse page;
            const auto call = context.newCall();
            if (!stub->ListConfigItems(call.get(), list, &page).ok()) {
                break;
            }
            secrets += static_cast<int>(
                std::count_if(page.items().begin(), page.items().end(),
                              [](const v1::ConfigItem &item) { return item.secret(); }));
            list.set_page_token(page.next_page_token());
        } while (!list.page_token().empty());
        if (secrets > 0) {
            context.err() << "note: " << secrets << " secret item(s) left out; an admin exports "
                          << "them in clear with --include-secrets\n";
        }
    }
    if (outputFile) {
        writeFile(*outputFile, response.yaml(), request.include_secrets());
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    if (outputFile) {
        context.out() << "Exported namespace " << request.namespace_() << " to " << *outputFile
                      << " (" << response.yaml().size() << " bytes, revision "
                      << response.header().revision() << ").\n";
    } else {
        printContent(context.out(), response.yaml());
    }
    return 0;
}

int runImport(CommandContext &context, const po::variables_map &values) {
    v1::ImportNamespaceRequest request;
    request.set_namespace_(namespaceArg(values));
    request.set_comment(values["comment"].as<std::string>());
    const auto &file = values["file"].as<std::string>();
    if (file.empty()) {
        throw UsageError("--file must name a bundle (or - for stdin)");
    }
    request.set_yaml(readFile(file));
    auto stub = v1::ConfigService::NewStub(context.channel());
    // In a namespace that requires approval the import becomes a proposal, which the response
    // does not carry: it is the one pending afterwards that was not before.
    auto pending = [&] {
        v1::ListProposalsRequest list;
        list.set_namespace_(request.namespace_());
        v1::ListProposalsResponse proposals;
        const auto call = context.newCall();
        (void)stub->ListProposals(call.get(), list, &proposals);
        return proposals;
    };
    std::set<std::string> pendingBefore;
    const auto listedBefore = pending();
    for (const auto &proposal : listedBefore.proposals()) {
        pendingBefore.insert(proposal.id());
    }
    v1::ImportNamespaceResponse response;
    {
        const auto call = context.newCall();
        if (const auto status = stub->ImportNamespace(call.get(), request, &response);
            !status.ok()) {
            return context.failRpc(status);
        }
    }
    if (context.format() == OutputFormat::Json) {
        context.printJson(response);
        return 0;
    }
    auto &out = context.out();
    if (response.items_size() > 0) {
        out << "Imported " << response.items_size() << " item(s) into " << request.namespace_()
            << " (revision " << response.header().revision() << "); " << response.unchanged()
            << " unchanged.\n";
        TextTable table({"GROUP", "KEY", "FORMAT", "VERSION"});
        for (const auto &item : response.items()) {
            table.addRow({item.ref().group(), item.ref().key(), configFormatName(item.format()),
                          std::to_string(item.version())});
        }
        table.print(out);
        return 0;
    }
    // Nothing published: either nothing changed, or the import became a proposal.
    const auto pendingAfter = pending();
    for (const auto &proposal : pendingAfter.proposals()) {
        if (!pendingBefore.contains(proposal.id()) && proposal.comment() == request.comment()) {
            printProposalCreated(context, proposal);
            return 0;
        }
    }
    out << "Nothing to import into " << request.namespace_() << ": " << response.unchanged()
        << " item(s) already as in the bundle.\n";
    return 0;
}

// ---- watch --------------------------------------------------------------------------------------

const std::vector<std::string> kWatchHeaders = {"TIME",    "REVISION", "TYPE",  "ITEM",
                                                "VERSION", "GRAY",     "SHA256"};
const std::vector<std::size_t> kWatchWidths = {19, 8, 7, 40, 7, 4, 0};

std::string eventTypeText(const v1::ConfigEvent &event, bool snapshot) {
    if (event.type() == v1::CONFIG_EVENT_TYPE_DELETE) {
        return "DELETE";
    }
    return snapshot ? "CURRENT" : "PUT";
}

// Streams config events until interrupted, --for or --count; when the stream breaks for a reason
// that may pass, it opens a new one from the revision after the last it saw, so nothing is missed
// or repeated (and no second snapshot is printed).
class ConfigWatch final : public ResumingWatch {
public:
    ConfigWatch(CommandContext &context, v1::WatchConfigRequest request, bool withContent,
                int count, std::optional<std::chrono::steady_clock::time_point> deadline)
        : ResumingWatch(context, count, deadline)
        , m_request(std::move(request))
        , m_withContent(withContent)
        , m_stub(v1::ConfigService::NewStub(context.channel())) {}

    std::int64_t nextRevision() const override { return m_request.start_revision(); }
    std::string itemsName() const override { return "events"; }
    std::string compactedHint(std::int64_t compact) const override {
        return "watch from now (without --from) to get the current content first, or with --from " +
               std::to_string(compact + 1) + " or later.";
    }

private:
    void print(const v1::ConfigEvent &event, bool snapshot) {
        auto &out = m_context.out();
        if (m_context.format() == OutputFormat::Json) {
            auto line = messageToJson(event);
            if (!m_withContent) {
                line.erase("content");
            }
            line["snapshot"] = snapshot;
            out << line.dump() << "\n";
            return;
        }
        const bool deleted = event.type() == v1::CONFIG_EVENT_TYPE_DELETE;
        out << alignedLine({formatTimestamp(google::protobuf::util::TimeUtil::GetCurrentTime()),
                            std::to_string(event.revision()), eventTypeText(event, snapshot),
                            pathOf(event.ref()), deleted ? "-" : std::to_string(event.version()),
                            event.gray() ? "gray" : "-",
                            deleted ? "-" : shaPrefix(event.content_sha256())},
                           kWatchWidths)
            << "\n";
        if (m_withContent && !deleted) {
            std::istringstream in(event.content());
            for (std::string line; std::getline(in, line);) {
                out << "    " << line << "\n";
            }
        }
    }

    // One stream: prints what it reads; returns how it ended.
    grpc::Status stream(grpc::ClientContext &call) override {
        auto reader = m_stub->WatchConfig(&call, m_request);
        v1::WatchConfigResponse response;
        while (reader->Read(&response)) {
            received();
            if (m_context.format() != OutputFormat::Json && !m_headerPrinted) {
                // After the first message, so that a refused watch prints only its error.
                m_context.out() << alignedLine(kWatchHeaders, kWatchWidths) << "\n";
                m_headerPrinted = true;
            }
            for (const auto &event : response.events()) {
                print(event, response.snapshot());
                if (!response.snapshot()) {
                    m_request.set_start_revision(
                        std::max(m_request.start_revision(), event.revision() + 1));
                }
                if (counted()) {
                    break;
                }
            }
            if (endOfMessage(call, *reader, m_request, response.header().revision())) {
                return grpc::Status::OK;
            }
        }
        return reader->Finish();
    }

    v1::WatchConfigRequest m_request;
    bool m_withContent;
    std::unique_ptr<Stub> m_stub;
};

int runWatch(CommandContext &context, const po::variables_map &values) {
    const auto scope = parseRef(values["scope"].as<std::string>(), true);
    v1::WatchConfigRequest request;
    request.set_namespace_(scope.namespace_());
    request.set_group(scope.group());
    request.set_key(scope.key());
    if (values.count("service") != values.count("instance")) {
        throw UsageError("--service and --instance go together: they name the instance whose "
                         "gray releases to resolve");
    }
    if (values.count("service")) {
        request.set_service(values["service"].as<std::string>());
        request.set_instance_id(values["instance"].as<std::string>());
    }
    const auto from = values["from"].as<std::int64_t>();
    if (from < 0) {
        throw UsageError("--from must be a revision (0: the current content, then changes)");
    }
    request.set_start_revision(from);
    const int count = values["count"].as<int>();
    if (count < 0) {
        throw UsageError("--count must not be negative");
    }
    std::optional<std::chrono::steady_clock::time_point> deadline;
    if (values.count("for")) {
        deadline = std::chrono::steady_clock::now() + durationFlag(values, "for");
    }
    ConfigWatch watch(context, std::move(request), values["content"].as<bool>(), count, deadline);
    return watch.run();
}

// ---- declarations -------------------------------------------------------------------------------

void declareItem(CommandFlags &flags) {
    flags.hidden.add_options()("item", po::value<std::string>()->required(), "NAMESPACE/GROUP/KEY");
    flags.positional.add("item", 1);
}

void declareNamespace(CommandFlags &flags) {
    flags.hidden.add_options()("namespace", po::value<std::string>()->required(), "NAMESPACE");
    flags.positional.add("namespace", 1);
}

void declareNamespaceAndId(CommandFlags &flags) {
    // clang-format off
    flags.hidden.add_options()
        ("namespace", po::value<std::string>()->required(), "NAMESPACE")
        ("id", po::value<std::string>()->required(), "ID");
    // clang-format on
    flags.positional.add("namespace", 1).add("id", 1);
}

// NAMESPACE/GROUP/KEY, then an optional "-" for standard input, and the content flags.
void declareItemWithContent(CommandFlags &flags) {
    // clang-format off
    flags.hidden.add_options()
        ("item", po::value<std::string>()->required(), "NAMESPACE/GROUP/KEY")
        ("stdin", po::value<std::string>(), "-");
    flags.visible.add_options()
        ("file", po::value<std::string>()->value_name("PATH"), "the content, from a file")
        ("content", po::value<std::string>()->value_name("TEXT"), "the content, as given");
    // clang-format on
    flags.positional.add("item", 1).add("stdin", 1);
}

void declareBaseVersion(CommandFlags &flags) {
    flags.visible.add_options()("base-version", po::value<std::string>()->value_name("N"),
                                "the version you edited: ABORTED if someone published since "
                                "(0: create). Default: the current version, read first");
}

void declareComment(CommandFlags &flags, bool required) {
    auto *value = po::value<std::string>()->value_name("TEXT");
    if (required) {
        value->required();
    }
    flags.visible.add_options()("comment", value,
                                required ? "why (required; recorded in the history)"
                                         : "why (recorded in the history)");
}

void declarePut(CommandFlags &flags) {
    declareItemWithContent(flags);
    declareComment(flags, true);
    // clang-format off
    flags.visible.add_options()
        ("format", po::value<std::string>()->value_name("FORMAT"),
            "json, yaml, properties or text; validated on publish. Creating without it guesses "
            "from the key's extension (.json, .yaml/.yml, .properties; else text)");
    // clang-format on
    declareBaseVersion(flags);
    // clang-format off
    flags.visible.add_options()
        ("force-latest", po::bool_switch(),
            "publish over whatever version is current, even one published while this command "
            "runs (instead of ABORTED)")
        ("secret", po::bool_switch(), "make the item a secret: encrypted at rest, masked for viewers")
        ("label", po::value<std::vector<std::string>>()->composing()->value_name("K=V"),
            "a label; repeatable; replaces the item's labels")
        ("description", po::value<std::string>()->value_name("TEXT"), "what the item is for")
        ("schema-file", po::value<std::string>()->value_name("PATH"),
            "a JSON Schema the content must satisfy (json and yaml)");
    // clang-format on
}

void declareWatch(CommandFlags &flags) {
    flags.hidden.add_options()("scope", po::value<std::string>()->required(),
                               "NAMESPACE[/GROUP[/KEY]]");
    flags.positional.add("scope", 1);
    // clang-format off
    flags.visible.add_options()
        ("service", po::value<std::string>()->value_name("S"),
            "with --instance: see what that instance gets, gray releases included")
        ("instance", po::value<std::string>()->value_name("I"), "the instance id (with --service)")
        ("from", po::value<std::int64_t>()->value_name("REV")->default_value(0),
            "replay the changes since this revision (0: print the current content, then changes)")
        ("content", po::bool_switch(), "print each event's content too")
        ("for", po::value<std::string>()->value_name("DURATION"),
            "stop after this long (default: until interrupted)")
        ("count", po::value<int>()->value_name("N")->default_value(0),
            "stop after N events (0: no limit)");
    // clang-format on
}

void declareGrayStart(CommandFlags &flags) {
    declareItemWithContent(flags);
    // clang-format off
    flags.visible.add_options()
        ("selector", po::value<std::string>()->value_name("S"),
            "instances whose labels match, e.g. 'zone=b'")
        ("instances", po::value<std::string>()->value_name("A,B"), "these instance ids")
        ("percent", po::value<int>()->value_name("N"),
            "N% of instances (1-99), by a stable hash of the instance id");
    // clang-format on
    declareComment(flags, true);
    declareBaseVersion(flags);
}

} // namespace

std::vector<Command> configCommands() {
    return {
        {"config namespaces", "[flags]", "Lists config namespaces with their settings.", nullptr,
         runNamespaces},
        {"config namespace",
         "NAMESPACE [--require-approval true|false] [--description TEXT] [flags]",
         "Shows a namespace's settings, or changes them (admins).",
         [](CommandFlags &flags) {
             declareNamespace(flags);
             // clang-format off
             flags.visible.add_options()
                 ("require-approval", po::value<std::string>()->value_name("true|false"),
                     "whether publishes become proposals that another operator approves")
                 ("description", po::value<std::string>()->value_name("TEXT"),
                     "what the namespace holds");
             // clang-format on
         },
         guarded(runNamespace)},
        {"config list", "NAMESPACE [GROUP] [flags]",
         "Lists a namespace's items (of one group) with format, version, author and gray "
         "releases.",
         [](CommandFlags &flags) {
             // clang-format off
             flags.hidden.add_options()
                 ("namespace", po::value<std::string>()->required(), "NAMESPACE")
                 ("group", po::value<std::string>(), "GROUP");
             // clang-format on
             flags.positional.add("namespace", 1).add("group", 1);
         },
         guarded(runList)},
        {"config get", "NAMESPACE/GROUP/KEY [--version N] [--raw] [flags]",
         "Shows an item's content and metadata (--raw: the content only, for scripts; escaped "
         "on a terminal).",
         [](CommandFlags &flags) {
             declareItem(flags);
             // clang-format off
             flags.visible.add_options()
                 ("version", po::value<std::string>()->value_name("N"),
                     "an earlier version (default: the published one)")
                 ("raw", po::bool_switch(), "print only the content, byte for byte (escaped on a terminal)");
             // clang-format on
         },
         guarded(runGet)},
        {"config put",
         "NAMESPACE/GROUP/KEY (--file PATH | --content TEXT | -) --comment TEXT [--format F] "
         "[--base-version N | --force-latest] [--secret] [--label K=V]... [--description T] "
         "[--schema-file PATH] [flags]",
         "Publishes new content for an item, creating it if needed (a proposal where the "
         "namespace requires approval).",
         declarePut, guarded(runPut)},
        {"config history", "NAMESPACE/GROUP/KEY [--limit N] [flags]",
         "Lists an item's versions, newest first.",
         [](CommandFlags &flags) {
             declareItem(flags);
             flags.visible.add_options()("limit",
                                         po::value<int>()->value_name("N")->default_value(50),
                                         "show at most N versions");
         },
         guarded(runHistory)},
        {"config diff", "NAMESPACE/GROUP/KEY FROM TO [--context N] [--color WHEN] [flags]",
         "Prints the unified diff between two versions of an item.",
         [](CommandFlags &flags) {
             // clang-format off
             flags.hidden.add_options()
                 ("item", po::value<std::string>()->required(), "NAMESPACE/GROUP/KEY")
                 ("from", po::value<std::string>()->required(), "FROM")
                 ("to", po::value<std::string>()->required(), "TO");
             flags.visible.add_options()
                 ("context", po::value<int>()->value_name("N")->default_value(3),
                     "lines of context around each change (1-100)")
                 ("color", po::value<std::string>()->value_name("WHEN")->default_value("auto"),
                     "auto (on a terminal, unless NO_COLOR is set), always or never");
             // clang-format on
             flags.positional.add("item", 1).add("from", 1).add("to", 1);
         },
         guarded(runDiff)},
        {"config rollback", "NAMESPACE/GROUP/KEY --to N --comment TEXT [--base-version N] [flags]",
         "Publishes the content of an earlier version as a new version.",
         [](CommandFlags &flags) {
             declareItem(flags);
             flags.visible.add_options()("to",
                                         po::value<std::string>()->required()->value_name("N"),
                                         "the version whose content to restore");
             declareComment(flags, true);
             declareBaseVersion(flags);
         },
         guarded(runRollback)},
        {"config watch",
         "NAMESPACE[/GROUP[/KEY]] [--service S --instance I] [--from REV] [--content] [flags]",
         "Prints the current content, then every change, until interrupted (JSON output: one "
         "event per line).",
         declareWatch, guarded(runWatch)},
        {"config gray start",
         "NAMESPACE/GROUP/KEY (--file PATH | --content TEXT | -) (--selector S | --instances A,B "
         "| --percent N) --comment TEXT [flags]",
         "Releases new content to some instances first.", declareGrayStart, guarded(runGrayStart)},
        {"config gray promote", "NAMESPACE/GROUP/KEY [--comment TEXT] [flags]",
         "Publishes the gray content to every instance.",
         [](CommandFlags &flags) {
             declareItem(flags);
             declareComment(flags, false);
         },
         guarded(runGrayPromote)},
        // The short form the gray release's last step is known by.
        {"config promote", "NAMESPACE/GROUP/KEY [--comment TEXT] [flags]",
         "Same as 'config gray promote'.",
         [](CommandFlags &flags) {
             declareItem(flags);
             declareComment(flags, false);
         },
         guarded(runGrayPromote)},
        {"config delete", "NAMESPACE/GROUP/KEY [--base-version N] [flags]",
         "Deletes an item and its history (at the version read, or the one given).",
         [](CommandFlags &flags) {
             declareItem(flags);
             declareBaseVersion(flags);
         },
         guarded(runDelete)},
        {"config gray cancel", "NAMESPACE/GROUP/KEY [flags]",
         "Ends a gray release; its instances go back to the published version.", declareItem,
         guarded(runGrayCancel)},
        {"config proposals", "NAMESPACE [--all] [flags]",
         "Lists a namespace's pending proposals (--all: decided ones too).",
         [](CommandFlags &flags) {
             declareNamespace(flags);
             flags.visible.add_options()("all", po::bool_switch(),
                                         "include approved and rejected proposals");
         },
         guarded(runProposals)},
        {"config approve", "NAMESPACE ID [flags]",
         "Approves and publishes a proposal (not one's own).", declareNamespaceAndId,
         guarded(runApprove)},
        {"config reject", "NAMESPACE ID --reason TEXT [flags]",
         "Rejects a proposal; nothing is published.",
         [](CommandFlags &flags) {
             declareNamespaceAndId(flags);
             flags.visible.add_options()("reason",
                                         po::value<std::string>()->required()->value_name("TEXT"),
                                         "why (required)");
         },
         guarded(runReject)},
        {"config applied", "NAMESPACE/GROUP/KEY [flags]",
         "Shows which instances applied which version of an item.", declareItem,
         guarded(runApplied)},
        {"config export", "NAMESPACE [--include-secrets] [--output-file PATH] [flags]",
         "Prints a namespace's items as a YAML bundle (for 'config import').",
         [](CommandFlags &flags) {
             declareNamespace(flags);
             // clang-format off
             flags.visible.add_options()
                 ("include-secrets", po::bool_switch(),
                     "include secret items in clear (admins; the file is made owner-only)")
                 ("output-file", po::value<std::string>()->value_name("PATH"),
                     "write the bundle here instead of to stdout");
             // clang-format on
         },
         guarded(runExport)},
        {"config import", "NAMESPACE --file PATH --comment TEXT [flags]",
         "Publishes a YAML bundle into a namespace as one change set (unchanged items skipped).",
         [](CommandFlags &flags) {
             declareNamespace(flags);
             flags.visible.add_options()("file",
                                         po::value<std::string>()->required()->value_name("PATH"),
                                         "the bundle, as 'config export' writes it (- for stdin)");
             declareComment(flags, true);
         },
         guarded(runImport)},
    };
}

} // namespace aegis::cli
