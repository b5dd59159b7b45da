#include "command_context.h"

#include "common/duration.h"
#include "common/status.h"

#include <google/protobuf/util/json_util.h>

namespace aegis::cli {

CommandContext::CommandContext(GlobalOptions options, std::ostream &out, std::ostream &err,
                               std::chrono::system_clock::time_point now)
    : m_options(std::move(options))
    , m_out(out)
    , m_err(err)
    , m_now(now) {}

const std::shared_ptr<grpc::Channel> &CommandContext::channel() {
    if (!m_channel) {
        auto channel = client::makeChannel(m_options.connection);
        if (!channel) {
            throw ConnectionError(channel.status().toString());
        }
        m_channel = std::move(*channel);
    }
    return m_channel;
}

std::unique_ptr<grpc::ClientContext> CommandContext::newCall() const {
    auto context = std::make_unique<grpc::ClientContext>();
    client::setTimeout(*context, m_options.timeout);
    return context;
}

int CommandContext::failRpc(const grpc::Status &status) {
    m_err << "error: " << statusCodeName(static_cast<StatusCode>(status.error_code())) << ": "
          << status.error_message() << "\n";
    // A server that answered (the channel is connected) said what went wrong itself, e.g. a full
    // disk; only a connection that failed gets a hint about where aegisd is.
    const bool connected = m_channel && m_channel->GetState(false) == GRPC_CHANNEL_READY;
    const std::string &message = status.error_message();
    const bool tlsFailed = message.find("andshake") != std::string::npos ||
                           message.find("SSL") != std::string::npos ||
                           message.find("ertificate") != std::string::npos;
    switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
        if (connected) {
            break;
        }
        if (tlsFailed) {
            m_err << "hint: the TLS handshake with aegisd at " << m_options.connection.address
                  << " failed; check --ca (the CA of the server's certificate), --tls-server-name"
                     " and, for mutual TLS, --cert and --key.\n";
            break;
        }
        m_err << "hint: no answer from aegisd at " << m_options.connection.address << " within "
              << aegis::formatDuration(m_options.timeout)
              << "; is it running? Set the address with --server or AEGIS_SERVER.\n";
        break;
    case grpc::StatusCode::UNAUTHENTICATED:
        if (!m_options.missingTokenFile.empty()) {
            m_err << "hint: no token was sent (" << m_options.missingTokenFile.string()
                  << " does not exist); set AEGIS_TOKEN or pass --token-file.\n";
        }
        break;
    default:
        break;
    }
    return 1;
}

namespace {

google::protobuf::util::JsonPrintOptions jsonOptions() {
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = true;
    options.always_print_primitive_fields = true;
    return options;
}

} // namespace

void CommandContext::printJson(const google::protobuf::Message &message) {
    std::string json;
    const auto status = google::protobuf::util::MessageToJsonString(message, &json, jsonOptions());
    if (!status.ok()) {
        // Only possible for messages with unresolvable Any fields, which the API does not use.
        m_err << "error: INTERNAL: cannot print the response as JSON: " << status.ToString()
              << "\n";
        return;
    }
    m_out << json;
    if (json.empty() || json.back() != '\n') {
        m_out << "\n";
    }
}

void CommandContext::printJson(const nlohmann::json &document) {
    m_out << document.dump(2) << "\n";
}

void CommandContext::printJsonLine(const google::protobuf::Message &message) {
    google::protobuf::util::JsonPrintOptions options;
    options.always_print_primitive_fields = true;
    std::string line;
    (void)google::protobuf::util::MessageToJsonString(message, &line, options);
    m_out << line << "\n";
}

std::string trailingMetadata(const grpc::ClientContext &call, const std::string &key) {
    const auto &metadata = call.GetServerTrailingMetadata();
    const auto found = metadata.find(key);
    return found == metadata.end() ? std::string()
                                   : std::string(found->second.data(), found->second.size());
}

nlohmann::json messageToJson(const google::protobuf::Message &message) {
    std::string json;
    if (!google::protobuf::util::MessageToJsonString(message, &json, jsonOptions()).ok()) {
        return nullptr;
    }
    return nlohmann::json::parse(json);
}

} // namespace aegis::cli
