#include "alerting/alertmanager_client.h"

#include "metrics/http_client.h"

#include "common/rfc3339.h"

#include <boost/asio/post.hpp>
#include <boost/beast/http/verb.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <mutex>
#include <sstream>

namespace aegis::alerting {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using json = nlohmann::json;
using metrics::HttpAnswer;
using metrics::HttpClient;
using metrics::HttpClientPtr;
using std::chrono::milliseconds;

namespace {

json labelSetJson(const LabelSet &labels) {
    json object = json::object();
    for (const auto &[name, value] : labels) {
        object[name] = value;
    }
    return object;
}

// Alertmanager answers errors as a JSON string ("\"silence invalid: ...\"") or plain text.
std::string errorText(const std::string &body) {
    const json parsed = json::parse(body, nullptr, false);
    if (parsed.is_string()) {
        return parsed.get<std::string>();
    }
    if (parsed.is_object() && parsed.contains("message") && parsed["message"].is_string()) {
        return parsed["message"].get<std::string>();
    }
    return metrics::shortBody(body);
}

SilenceState silenceStateOf(const std::string &state) {
    if (state == "pending") {
        return SilenceState::Pending;
    }
    if (state == "expired") {
        return SilenceState::Expired;
    }
    return SilenceState::Active;
}

} // namespace

json postableAlertsJson(const std::vector<OutgoingAlert> &alerts) {
    json array = json::array();
    for (const OutgoingAlert &alert : alerts) {
        json item{{"labels", labelSetJson(alert.labels)},
                  {"annotations", labelSetJson(alert.annotations)}};
        if (alert.startsAt != TimePoint{}) {
            item["startsAt"] = formatRfc3339(alert.startsAt);
        }
        if (alert.endsAt != TimePoint{}) {
            item["endsAt"] = formatRfc3339(alert.endsAt);
        }
        if (!alert.generatorUrl.empty()) {
            item["generatorURL"] = alert.generatorUrl;
        }
        array.push_back(std::move(item));
    }
    return array;
}

json postableSilenceJson(const Silence &silence) {
    json matchers = json::array();
    for (const Matcher &matcher : silence.matchers) {
        matchers.push_back({{"name", matcher.name},
                            {"value", matcher.value},
                            {"isRegex", matcher.isRegex},
                            {"isEqual", matcher.isEqual}});
    }
    json object{{"matchers", std::move(matchers)},
                {"startsAt", formatRfc3339(silence.startsAt)},
                {"endsAt", formatRfc3339(silence.endsAt)},
                {"createdBy", silence.createdBy},
                {"comment", silence.comment}};
    if (!silence.id.empty()) {
        object["id"] = silence.id;
    }
    return object;
}

StatusOr<Silence> silenceFromJson(const json &object) {
    if (!object.is_object()) {
        return invalidArgument("silence: not a JSON object");
    }
    for (const char *field : {"id", "matchers", "startsAt", "endsAt"}) {
        if (!object.contains(field)) {
            return invalidArgument(std::string("silence: no ") + field);
        }
    }
    try {
        Silence silence;
        silence.id = object.at("id").get<std::string>();
        for (const json &item : object.at("matchers")) {
            Matcher matcher;
            matcher.name = item.at("name").get<std::string>();
            matcher.value = item.at("value").get<std::string>();
            matcher.isRegex = item.value("isRegex", false);
            matcher.isEqual = item.value("isEqual", true);
            silence.matchers.push_back(std::move(matcher));
        }
        silence.startsAt = parseRfc3339(object.at("startsAt").get<std::string>());
        silence.endsAt = parseRfc3339(object.at("endsAt").get<std::string>());
        silence.createdBy = object.value("createdBy", "");
        silence.comment = object.value("comment", "");
        if (object.contains("status") && object["status"].is_object()) {
            silence.state = silenceStateOf(object["status"].value("state", "active"));
        }
        return silence;
    } catch (const std::exception &error) {
        return invalidArgument(std::string("silence: ") + error.what());
    }
}

StatusOr<AlertmanagerClientOptions>
AlertmanagerClientOptions::fromSettings(const AlertingSettings &settings) {
    AlertmanagerClientOptions options;
    if (!settings.bearerTokenFile.empty()) {
        std::ifstream in(settings.bearerTokenFile, std::ios::binary);
        if (!in) {
            return invalidArgument("alerting.external.bearer_token_file: cannot read '" +
                                   settings.bearerTokenFile.string() + "'");
        }
        std::ostringstream text;
        text << in.rdbuf();
        std::string token = text.str();
        while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) {
            token.pop_back();
        }
        options.bearerToken = std::move(token);
    }
    options.caFile = settings.caFile;
    return options;
}

struct AlertmanagerClient::Impl : std::enable_shared_from_this<AlertmanagerClient::Impl> {
    Impl(asio::any_io_executor executor_, HttpClientPtr http_, AlertmanagerClientOptions options_)
        : executor(std::move(executor_))
        , http(std::move(http_))
        , options(std::move(options_)) {
        state.url = http->endpoint().url;
    }

    std::string where() const { return "Alertmanager " + http->endpoint().url; }

    // Sends a request; `decode` turns a 2xx answer into the result, on the executor.
    template <typename T, typename Decode>
    void call(http::verb verb, std::string target, std::string body, Decode decode,
              std::function<void(StatusOr<T>)> done) {
        std::string contentType = body.empty() ? "" : "application/json";
        http->send(verb, std::move(target), std::move(contentType), std::move(body),
                   options.requestTimeout,
                   [self = shared_from_this(), decode = std::move(decode),
                    done = std::move(done)](StatusOr<HttpAnswer> answer) mutable {
                       asio::post(self->executor, [self, decode = std::move(decode),
                                                   done = std::move(done),
                                                   answer = std::move(answer)]() mutable {
                           StatusOr<T> result = answer.status();
                           if (answer) {
                               const Status status = self->answerStatus(*answer);
                               if (!status.isOk()) {
                                   result = status;
                               } else {
                                   try {
                                       result = decode(answer->body);
                                   } catch (const std::exception &error) {
                                       result =
                                           unavailable(self->where() +
                                                       " answered with data aegisd cannot read: " +
                                                       error.what());
                                   }
                               }
                           }
                           self->noteOutcome(result.status());
                           done(std::move(result));
                       });
                   });
    }

    Status answerStatus(const HttpAnswer &answer) const {
        if (answer.status >= 200 && answer.status < 300) {
            return Status::ok();
        }
        const std::string message = errorText(answer.body);
        if (answer.status == 400 || answer.status == 422) {
            return invalidArgument(message);
        }
        // 0.25 answers an unknown silence id with 500 and this message.
        if (answer.status == 404 || message == "silence not found") {
            return notFound(where() + ": " + message);
        }
        // Alertmanager answers a configuration it cannot load with 500 and the reason.
        if (message.starts_with("failed to reload config")) {
            return failedPrecondition(where() + ": " + message);
        }
        const std::string httpText =
            "HTTP " + std::to_string(answer.status) + " " + answer.reason + ": " + message;
        if (answer.status == 401 || answer.status == 403) {
            return unavailable(where() + " refused aegisd's credentials (" + httpText +
                               "); check alerting.external.bearer_token_file");
        }
        return unavailable(where() + ": " + httpText);
    }

    void noteOutcome(const Status &outcome) {
        std::lock_guard lock(mutex);
        if (outcome.code() == StatusCode::Unavailable ||
            outcome.code() == StatusCode::DeadlineExceeded) {
            state.up = false;
            state.lastError = outcome.message();
            return;
        }
        state.up = true;
        state.lastSuccess = clock->now();
    }

    const asio::any_io_executor executor;
    const HttpClientPtr http;
    const AlertmanagerClientOptions options;
    ClockPtr clock;

    mutable std::mutex mutex;
    AlertmanagerState state;
};

StatusOr<std::shared_ptr<AlertmanagerClient>>
AlertmanagerClient::create(asio::any_io_executor executor, std::string baseUrl,
                           AlertmanagerClientOptions options) {
    auto endpoint =
        metrics::parseHttpUrl(std::move(baseUrl), "Alertmanager", "alerting.external.*");
    if (!endpoint) {
        return endpoint.status();
    }
    metrics::HttpClientOptions httpOptions;
    httpOptions.peer = "Alertmanager";
    if (!options.bearerToken.empty()) {
        httpOptions.authorization = "Bearer " + options.bearerToken;
    }
    httpOptions.caFile = options.caFile;
    httpOptions.caFileOption = "alerting.external.ca_file";
    // Silences and status are small; a config of many receivers stays well below this.
    httpOptions.bodyLimit = std::uint64_t{64} << 20;
    httpOptions.bodyLimitText = "64 MiB";
    auto http = HttpClient::create(executor, std::move(*endpoint), std::move(httpOptions));
    if (!http) {
        return http.status();
    }
    auto impl = std::make_shared<Impl>(std::move(executor), std::move(*http), options);
    impl->clock = options.clock ? options.clock : std::make_shared<SystemClock>();
    return std::shared_ptr<AlertmanagerClient>(new AlertmanagerClient(std::move(impl)));
}

AlertmanagerClient::AlertmanagerClient(std::shared_ptr<Impl> impl)
    : m_impl(std::move(impl)) {}

AlertmanagerClient::~AlertmanagerClient() {
    m_impl->http->stop();
}

void AlertmanagerClient::postAlerts(const std::vector<OutgoingAlert> &alerts, Finished done) {
    m_impl->call<bool>(
        http::verb::post, "/api/v2/alerts", postableAlertsJson(alerts).dump(),
        [](const std::string &) { return true; },
        Done<bool>([done = std::move(done)](StatusOr<bool> result) { done(result.status()); }));
}

void AlertmanagerClient::listSilences(Done<std::vector<Silence>> done) {
    m_impl->call<std::vector<Silence>>(
        http::verb::get, "/api/v2/silences", "",
        [](const std::string &body) -> StatusOr<std::vector<Silence>> {
            const json answer = json::parse(body);
            std::vector<Silence> silences;
            for (const json &item : answer) {
                auto silence = silenceFromJson(item);
                if (!silence) {
                    return silence.status();
                }
                silences.push_back(std::move(*silence));
            }
            return silences;
        },
        std::move(done));
}

void AlertmanagerClient::createSilence(const Silence &silence, Done<std::string> done) {
    Silence fresh = silence;
    fresh.id.clear();
    m_impl->call<std::string>(
        http::verb::post, "/api/v2/silences", postableSilenceJson(fresh).dump(),
        [](const std::string &body) -> StatusOr<std::string> {
            return json::parse(body).at("silenceID").get<std::string>();
        },
        std::move(done));
}

void AlertmanagerClient::expireSilence(const std::string &id, Finished done) {
    m_impl->call<bool>(
        http::verb::delete_, "/api/v2/silence/" + metrics::percentEncode(id), "",
        [](const std::string &) { return true; },
        Done<bool>([done = std::move(done), id](StatusOr<bool> result) {
            // Alertmanager refuses an id that is not a UUID as malformed: no silence has it.
            if (result.status().code() == StatusCode::InvalidArgument) {
                return done(notFound("silence '" + id + "': no such silence"));
            }
            done(result.status());
        }));
}

void AlertmanagerClient::status(Done<AlertmanagerStatus> done) {
    m_impl->call<AlertmanagerStatus>(
        http::verb::get, "/api/v2/status", "",
        [impl = m_impl](const std::string &body) -> StatusOr<AlertmanagerStatus> {
            const json answer = json::parse(body);
            AlertmanagerStatus status;
            status.version = answer.at("versionInfo").at("version").get<std::string>();
            status.clusterStatus = answer.at("cluster").value("status", "");
            status.config = answer.at("config").value("original", "");
            status.uptime = parseRfc3339(answer.value("uptime", ""));
            std::lock_guard lock(impl->mutex);
            impl->state.version = status.version;
            return status;
        },
        std::move(done));
}

void AlertmanagerClient::reload(Finished done) {
    m_impl->call<bool>(
        http::verb::post, "/-/reload", "", [](const std::string &) { return true; },
        Done<bool>([done = std::move(done)](StatusOr<bool> result) { done(result.status()); }));
}

AlertmanagerState AlertmanagerClient::state() const {
    std::lock_guard lock(m_impl->mutex);
    return m_impl->state;
}

const std::string &AlertmanagerClient::url() const {
    return m_impl->http->endpoint().url;
}

} // namespace aegis::alerting
