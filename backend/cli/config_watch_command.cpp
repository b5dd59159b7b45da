// The live watch.

#include "config_support.h"

#include "common/status.h"
#include "interruption.h"
#include "resuming_watch.h"

#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace aegis::cli {
namespace {

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
        , m_withContent(withContent) {}

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

    grpc::Status stream(grpc::ClientContext &call) override {
        v1::WatchCreateRequest create;
        *create.mutable_config() = m_request;
        return streamShared(call, create, [this](const v1::WatchResponse &message) {
            return print(message.config());
        });
    }

    // Prints one message; true once --count is reached.
    bool print(const v1::WatchConfigResponse &response) {
        printHeaderOnce([] { return alignedLine(kWatchHeaders, kWatchWidths); });
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
        return endOfMessage(m_request, response.header().revision());
    }

    v1::WatchConfigRequest m_request;
    bool m_withContent;
};

} // namespace

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
    ConfigWatch watch(context, std::move(request), values["content"].as<bool>(), countFlag(values),
                      forDeadline(values));
    return watch.run();
}

} // namespace aegis::cli
