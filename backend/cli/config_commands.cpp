// The configuration center: items and their versions, gray releases, approval proposals, what
// instances applied, namespace settings and bundles, and the live watch. This file declares the
// commands and their flags; the commands run in config_*_command(s).cpp (see config_support.h).

#include "config_support.h"

#include <string>
#include <vector>

namespace aegis::cli {
namespace {

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
        {"config approve", "NAMESPACE ID [--reason TEXT] [flags]",
         "Approves and publishes a proposal (not one's own).",
         [](CommandFlags &flags) {
             declareNamespaceAndId(flags);
             flags.visible.add_options()("reason", po::value<std::string>()->value_name("TEXT"),
                                         "why (recorded in the audit log)");
         },
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
