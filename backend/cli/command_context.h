#pragma once

#include "client/connection.h"

#include <google/protobuf/message.h>
#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>

namespace aegis::cli {

enum class OutputFormat { Table, Json };

// The global flags after defaults and environment have been applied.
struct GlobalOptions {
    client::ConnectionOptions connection;
    OutputFormat format = OutputFormat::Table;
    std::chrono::milliseconds timeout{10000};
    // Set when no token was given and the default token file (this path) does not exist, so
    // calls go out without one; an UNAUTHENTICATED answer then gets a hint.
    std::filesystem::path missingTokenFile;
};

// Thrown by CommandContext::channel() when the connection options cannot be used (an unreadable
// token or certificate file); the dispatcher prints it and exits with code 1.
class ConnectionError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// What a command runs with: the channel to aegisd, the output format and streams, and the time
// the command started (so every relative time in one output agrees). Single-threaded.
class CommandContext {
public:
    CommandContext(GlobalOptions options, std::ostream &out, std::ostream &err,
                   std::chrono::system_clock::time_point now);

    // The channel to aegisd, made on first use so that a command checks its arguments before
    // any file named by a flag is read. Throws ConnectionError.
    const std::shared_ptr<grpc::Channel> &channel();
    OutputFormat format() const { return m_options.format; }
    const GlobalOptions &options() const { return m_options; }
    std::ostream &out() { return m_out; }
    std::ostream &err() { return m_err; }
    std::chrono::system_clock::time_point now() const { return m_now; }

    // Prepares a client context for one unary call: its deadline is now plus --timeout.
    std::unique_ptr<grpc::ClientContext> newCall() const;

    // Prints "error: CODE: message" (plus a hint for unreachable servers and missing tokens)
    // and returns exit code 1.
    int failRpc(const grpc::Status &status);

    // Prints `message` as one JSON document (the proto3 JSON mapping, every field present).
    void printJson(const google::protobuf::Message &message);
    // Prints a document put together from several responses (see messageToJson()).
    void printJson(const nlohmann::json &document);
    // Prints `message` on one line (every field present), as a watch prints each event it reads.
    void printJsonLine(const google::protobuf::Message &message);

private:
    GlobalOptions m_options;
    std::shared_ptr<grpc::Channel> m_channel;
    std::ostream &m_out;
    std::ostream &m_err;
    std::chrono::system_clock::time_point m_now;
};

// The value of a finished call's trailing metadata entry `key` ("aegis-compact-revision"); empty
// when the server sent none.
std::string trailingMetadata(const grpc::ClientContext &call, const std::string &key);

// `message` in the mapping printJson() uses, as a value to combine with others in one document.
nlohmann::json messageToJson(const google::protobuf::Message &message);

} // namespace aegis::cli
