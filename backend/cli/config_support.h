#pragma once

// What the `aegisctl config ...` commands share: argument parsing, files, text and calls, and
// the commands themselves, one file per area (config_item_commands.cpp: get, list, put, applied;
// config_version_commands.cpp: history, diff, rollback; config_gray_commands.cpp;
// config_proposal_commands.cpp: proposals and delete; config_bundle_commands.cpp: namespaces,
// export, import; config_watch_command.cpp). config_commands.cpp declares their flags. Only
// those files include this header.

#include "argument_values.h"
#include "command.h"
#include "command_context.h"
#include "text_output.h"

#include "aegis/v1/config.grpc.pb.h"

#include <boost/program_options.hpp>

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <stdexcept>
#include <string>

namespace aegis::cli {

namespace po = boost::program_options;

using Stub = v1::ConfigService::Stub;

inline constexpr int kMaxPageSize = 1000;
inline constexpr std::size_t kShaPrefixLength = 12;
inline constexpr std::size_t kCommentWidth = 60;
// --force-latest publishes again over a newer version this many times before giving up.
inline constexpr int kForceLatestAttempts = 3;

// A file named by a flag that cannot be read or written. Not a usage error (the command line is
// fine), so it exits with code 1, like a server's error.
class FileError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

using RunFunction = int (*)(CommandContext &, const po::variables_map &);

// Where new content comes from: --file PATH, --content TEXT or "-" (standard input).
struct ContentSource {
    enum class Kind { File, Text, Stdin } kind = Kind::Text;
    std::string value;
};

// The version to publish over: --base-version, else the current one (0 when there is none).
struct Base {
    std::int64_t version = 0;
    // Read from the server rather than given: the output says so.
    bool read = false;
};

std::function<int(CommandContext &, const po::variables_map &)> guarded(RunFunction run);

std::string pathOf(const v1::ConfigItemRef &ref);

// NAMESPACE/GROUP/KEY, split; the server checks the characters of each part. With `partial`, the
// group and key may be left out (NAMESPACE, NAMESPACE/GROUP).
v1::ConfigItemRef parseRef(const std::string &text, bool partial = false);

v1::ConfigItemRef itemArg(const po::variables_map &values);

std::string namespaceArg(const po::variables_map &values);

// A version number given as an argument or flag: "3" or "v3" (as diffs and history print it).
std::int64_t parseVersion(const std::string &text, const std::string &what);

std::optional<std::int64_t> versionFlag(const po::variables_map &values, const char *name);

// --base-version: 0 creates the item. Absent: the current version, read first.
std::optional<std::int64_t> baseVersionFlag(const po::variables_map &values);

std::optional<v1::ConfigFormat> formatFlag(const po::variables_map &values);

// The format a new item gets from its key's extension.
v1::ConfigFormat formatOfKey(const std::string &key);

std::optional<std::string> stringFlag(const po::variables_map &values, const char *name);

std::string readStream(std::istream &in);

// The whole of `path`; "-" reads standard input.
std::string readFile(const std::string &path);

// Writes `content` to `path`, readable by its owner only with `ownerOnly`.
void writeFile(const std::string &path, const std::string &content, bool ownerOnly);

ContentSource contentSourceArg(const po::variables_map &values);

std::string readContent(const ContentSource &source);

std::string shaPrefix(const std::string &sha);

// One line, at most `width` columns: for comments in tables.
std::string clipped(const std::string &text, std::size_t width = kCommentWidth);

std::string grayTarget(const v1::GrayRelease &gray);

// "v5 to selector zone=b"; "-" without a gray release.
std::string grayCell(const v1::ConfigItem &item);

std::string versionKindText(const v1::ConfigVersion &version);

std::string proposalStateName(v1::ProposalState state);

// Content printed after a table: as it is, ending in a newline.
void printContent(std::ostream &out, const std::string &content);

void printProposalCreated(CommandContext &context, const v1::Proposal &proposal);

bool isNotFound(const grpc::Status &status);

// The item into `item`; nullopt when it does not exist.
grpc::Status fetchItem(CommandContext &context, Stub &stub, const v1::ConfigItemRef &ref,
                       std::optional<v1::ConfigItem> &item);

// failRpc() plus what to do about a compare-and-set conflict: see what was published since
// `baseVersion` (when known) before publishing again.
int failPublish(CommandContext &context, const grpc::Status &status, Stub &stub,
                const v1::ConfigItemRef &ref, std::int64_t baseVersion = 0);

// config_item_commands.cpp
int runGet(CommandContext &context, const po::variables_map &values);
int runList(CommandContext &context, const po::variables_map &values);
int runPut(CommandContext &context, const po::variables_map &values);
int runApplied(CommandContext &context, const po::variables_map &values);

// config_version_commands.cpp
int runHistory(CommandContext &context, const po::variables_map &values);
int runDiff(CommandContext &context, const po::variables_map &values);
int runRollback(CommandContext &context, const po::variables_map &values);

// config_gray_commands.cpp
int runGrayStart(CommandContext &context, const po::variables_map &values);
int runGrayPromote(CommandContext &context, const po::variables_map &values);
int runGrayCancel(CommandContext &context, const po::variables_map &values);

// config_proposal_commands.cpp
int runDelete(CommandContext &context, const po::variables_map &values);
int runProposals(CommandContext &context, const po::variables_map &values);
int runApprove(CommandContext &context, const po::variables_map &values);
int runReject(CommandContext &context, const po::variables_map &values);

// config_bundle_commands.cpp
int runNamespaces(CommandContext &context, const po::variables_map &values);
int runNamespace(CommandContext &context, const po::variables_map &values);
int runExport(CommandContext &context, const po::variables_map &values);
int runImport(CommandContext &context, const po::variables_map &values);

// config_watch_command.cpp
int runWatch(CommandContext &context, const po::variables_map &values);

} // namespace aegis::cli
