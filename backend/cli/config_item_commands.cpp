// Items: get, list, put (publish) and applied.

#include "config_support.h"

#include "common/status.h"

#include <optional>
#include <string>

namespace aegis::cli {

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

int runPut(CommandContext &context, const po::variables_map &values) {
    const auto ref = itemArg(values);
    const auto source = contentSourceArg(values);
    const auto format = formatFlag(values);
    const auto givenBase = baseVersionFlag(values);
    const bool forceLatest = values["force-latest"].as<bool>();
    if (givenBase && forceLatest) {
        throw UsageError("--base-version and --force-latest exclude each other");
    }
    const auto labels =
        values.count("label") ? std::optional(keyValueFlag(values, "label")) : std::nullopt;
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

} // namespace aegis::cli
