// Gray releases: start, promote and cancel.

#include "config_support.h"

#include "common/status.h"

#include <optional>
#include <string>

namespace aegis::cli {

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

} // namespace aegis::cli
