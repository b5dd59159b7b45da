#include "metrics/prometheus_client.h"

#include "metrics/http_client.h"
#include "metrics/query_answer.h"

#include "common/duration.h"
#include "common/rfc3339.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/core/detail/base64.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>

namespace aegis::metrics {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using json = nlohmann::json;
using namespace std::chrono;

constexpr auto kProbeTimeout = milliseconds(5000);

// Form parameters in order, encoded as application/x-www-form-urlencoded (also a URL's query).
class Form {
public:
    Form &add(std::string_view name, std::string_view value) {
        if (!m_text.empty()) {
            m_text += '&';
        }
        m_text += percentEncode(name);
        m_text += '=';
        m_text += percentEncode(value);
        return *this;
    }
    Form &addTime(std::string_view name, system_clock::time_point time) {
        if (time == system_clock::time_point{}) {
            return *this;
        }
        return add(name, seconds(duration_cast<milliseconds>(time.time_since_epoch())));
    }
    Form &addMatchers(const std::vector<std::string> &matchers) {
        for (const auto &matcher : matchers) {
            add("match[]", matcher);
        }
        return *this;
    }
    const std::string &text() const { return m_text; }

    // Prometheus reads times and steps as (fractional) seconds.
    static std::string seconds(milliseconds value) {
        const auto ms = value.count();
        char text[32];
        std::snprintf(text, sizeof text, "%s%lld.%03lld", ms < 0 ? "-" : "",
                      static_cast<long long>(std::llabs(ms) / 1000),
                      static_cast<long long>(std::llabs(ms) % 1000));
        return text;
    }

private:
    std::string m_text;
};

Labels labelsOf(const json &object) {
    Labels labels;
    labels.reserve(object.size());
    // nlohmann's object keeps its keys sorted, which Labels requires.
    for (const auto &[name, value] : object.items()) {
        labels.emplace_back(name, value.get<std::string>());
    }
    return labels;
}

std::vector<std::string> stringsOf(const json &data) {
    return data.get<std::vector<std::string>>();
}

std::vector<Labels> labelSetsOf(const json &data) {
    std::vector<Labels> sets;
    sets.reserve(data.size());
    for (const json &item : data) {
        sets.push_back(labelsOf(item));
    }
    return sets;
}

std::vector<Target> targetsOf(const json &data) {
    std::vector<Target> targets;
    const json &active = data.at("activeTargets");
    targets.reserve(active.size());
    for (const json &item : active) {
        Target target;
        target.labels = labelsOf(item.at("labels"));
        target.scrapeUrl = item.value("scrapeUrl", "");
        target.scrapePool = item.value("scrapePool", "");
        const std::string health = item.value("health", "unknown");
        target.health = health == "up"     ? TargetHealth::Up
                        : health == "down" ? TargetHealth::Down
                                           : TargetHealth::Unknown;
        target.lastError = item.value("lastError", "");
        target.lastScrape = parseRfc3339(item.value("lastScrape", ""));
        target.lastScrapeDuration =
            microseconds(std::llround(item.value("lastScrapeDuration", 0.0) * 1e6));
        targets.push_back(std::move(target));
    }
    return targets;
}

// The rejected parameter's name as the API's callers know it.
std::string parameterName(const std::string &parameter) {
    return parameter == "match[]" ? "matchers" : parameter;
}

// Prometheus says `invalid parameter "query": 1:5: parse error: ...`; the contract wants
// `query: 1:5: parse error: ...`. Other messages are kept whole.
std::string rejectionMessage(const std::string &error, bool isQuery) {
    constexpr std::string_view kPrefix = "invalid parameter \"";
    if (error.starts_with(kPrefix)) {
        const auto close = error.find("\": ", kPrefix.size());
        if (close != std::string::npos) {
            return parameterName(error.substr(kPrefix.size(), close - kPrefix.size())) + ": " +
                   error.substr(close + 3);
        }
    }
    return isQuery ? "query: " + error : error;
}

} // namespace

struct PrometheusClient::Impl : std::enable_shared_from_this<PrometheusClient::Impl> {
    Impl(asio::any_io_executor executor_, HttpClientPtr http_, PrometheusClientOptions options_)
        : executor(std::move(executor_))
        , http(std::move(http_))
        , endpoint(http->endpoint())
        , options(std::move(options_))
        , probeTimer(http->strand()) {}

    using Finish = HttpClient::Finish;

    // Sends one request (a POST's form as its body, a GET's as the URL's query) and reads its
    // answer within `deadline`; `finish` runs on the HTTP client's strand.
    void send(http::verb verb, std::string target, std::string form, milliseconds deadline,
              Finish finish);

    // Sends a request of the API and decodes its "data" with `decode` (off the strand).
    template <typename T, typename Decode>
    void call(http::verb verb, std::string path, const Form &form, milliseconds timeout,
              bool isQuery, Decode decode, Done<T> done);

    // The result of an answer: `decode` reads a success's "data" (QueryResult: the whole body).
    template <typename T, typename Decode>
    StatusOr<T> decodeAnswer(const HttpAnswer &answer, bool isQuery, const Decode &decode) const;

    // The Status of an answer that is not a success, or OK.
    Status answerStatus(const HttpAnswer &answer, const json *body, bool isQuery) const;

    void setState(BackendState state, std::string detail);
    // What a call's outcome says about the backend.
    void noteOutcome(const Status &status);
    void probe();

    const asio::any_io_executor executor;
    // Every connection, timer and resolver of the client runs on its strand; decoding does not.
    const HttpClientPtr http;
    const HttpEndpoint &endpoint;
    const PrometheusClientOptions options;
    ClockPtr clock;

    // The HTTP client's strand only.
    asio::steady_timer probeTimer;
    bool stopped = false;

    mutable std::mutex statusMutex;
    BackendStatus status;
};

void PrometheusClient::Impl::send(http::verb verb, std::string target, std::string form,
                                  milliseconds deadline, Finish finish) {
    std::string contentType;
    if (verb == http::verb::post) {
        contentType = "application/x-www-form-urlencoded";
    } else if (!form.empty()) {
        target += "?" + std::exchange(form, {});
    }
    http->send(verb, std::move(target), std::move(contentType), std::move(form), deadline,
               std::move(finish));
}

Status PrometheusClient::Impl::answerStatus(const HttpAnswer &answer, const json *body,
                                            bool isQuery) const {
    const std::string where = "metrics backend " + endpoint.url;
    if (body != nullptr && body->is_object() && body->value("status", "") == "error") {
        const std::string type = body->value("errorType", "");
        const std::string error = body->value("error", "");
        if (type == "bad_data" || type == "execution") {
            return invalidArgument(rejectionMessage(error, isQuery));
        }
        if (type == "timeout") {
            return Status(StatusCode::DeadlineExceeded, where + ": " + error);
        }
        if (type == "not_found") {
            return notFound(where + ": " + error);
        }
        return unavailable(where + ": " + (type.empty() ? "" : type + ": ") + error);
    }
    if (answer.status >= 200 && answer.status < 300) {
        if (body == nullptr || !body->is_object() || body->value("status", "") != "success") {
            return unavailable(where + " answered with something other than the Prometheus API: " +
                               shortBody(answer.body));
        }
        return Status::ok();
    }
    const std::string http = "HTTP " + std::to_string(answer.status) + " " + answer.reason + ": " +
                             shortBody(answer.body);
    if (answer.status == 404) {
        return Status(StatusCode::Unimplemented, where + " does not serve this API (" + http + ")");
    }
    if (answer.status == 401 || answer.status == 403) {
        return unavailable(where + " refused aegisd's credentials (" + http +
                           "); check metrics.external.bearer_token_file or basic_auth_*");
    }
    if (answer.status == 400 || answer.status == 422) {
        return invalidArgument(rejectionMessage(shortBody(answer.body), isQuery));
    }
    return unavailable(where + ": " + http);
}

template <typename T, typename Decode>
void PrometheusClient::Impl::call(http::verb verb, std::string path, const Form &form,
                                  milliseconds timeout, bool isQuery, Decode decode, Done<T> done) {
    send(verb, std::move(path), form.text(), timeout + options.deadlineMargin,
         [self = shared_from_this(), isQuery, decode = std::move(decode),
          done = std::move(done)](StatusOr<HttpAnswer> answer) mutable {
             // Decoding a large answer takes time: off the strand, which only moves bytes.
             asio::post(self->executor,
                        [self, isQuery, decode = std::move(decode), done = std::move(done),
                         answer = std::move(answer)]() mutable {
                            StatusOr<T> result = answer.status();
                            if (answer) {
                                result = self->decodeAnswer<T>(*answer, isQuery, decode);
                            }
                            self->noteOutcome(result.status());
                            done(std::move(result));
                        });
         });
}

template <typename T, typename Decode>
StatusOr<T> PrometheusClient::Impl::decodeAnswer(const HttpAnswer &answer, bool isQuery,
                                                 const Decode &decode) const {
    const auto unreadable = [&](std::string_view reason) {
        return unavailable("metrics backend " + endpoint.url +
                           " answered with data aegisd cannot read: " + std::string(reason));
    };
    // Query answers can be tens of megabytes: a success is read in one pass from the body, and
    // only anything else is parsed into a document to map the error.
    std::optional<Status> fastFailure;
    if constexpr (std::is_same_v<T, QueryResult>) {
        if (answer.status >= 200 && answer.status < 300) {
            StatusOr<QueryResult> result = decode(answer.body);
            if (result) {
                return result;
            }
            fastFailure = result.status();
        }
    }
    json body = json::parse(answer.body, nullptr, false);
    const Status status = answerStatus(answer, body.is_discarded() ? nullptr : &body, isQuery);
    if (!status.isOk()) {
        return status;
    }
    if constexpr (std::is_same_v<T, QueryResult>) {
        return unreadable(fastFailure ? fastFailure->message() : "no answer was read");
    } else {
        try {
            return decode(body);
        } catch (const std::exception &error) {
            return unreadable(error.what());
        }
    }
}

void PrometheusClient::Impl::setState(BackendState state, std::string detail) {
    std::lock_guard lock(statusMutex);
    if (status.state != state) {
        status.state = state;
        status.since = clock->now();
    }
    status.detail = std::move(detail);
}

void PrometheusClient::Impl::noteOutcome(const Status &outcome) {
    if (outcome.isOk()) {
        setState(BackendState::Ready, "");
    } else if (outcome.code() == StatusCode::Unavailable) {
        setState(BackendState::Down, outcome.message());
    }
}

void PrometheusClient::Impl::probe() {
    const milliseconds timeout = std::min(options.requestTimeout, kProbeTimeout);
    call<QueryResult>(
        http::verb::get, "/api/v1/query",
        Form().add("query", "1").add("timeout", std::to_string(timeout.count()) + "ms"), timeout,
        true, parseQueryAnswer,
        Done<QueryResult>([weak = weak_from_this()](StatusOr<QueryResult> result) {
            const auto self = weak.lock();
            if (!self) {
                return;
            }
            if (!result && result.status().code() != StatusCode::Unavailable) {
                self->setState(BackendState::Down, result.status().message());
            }
            asio::post(self->http->strand(), [self] {
                if (self->stopped) {
                    return;
                }
                self->probeTimer.expires_after(self->options.probeInterval);
                self->probeTimer.async_wait(
                    [weak = self->weak_from_this()](const beast::error_code &error) {
                        const auto again = weak.lock();
                        if (!error && again && !again->stopped) {
                            again->probe();
                        }
                    });
            });
        }));
}

StatusOr<PrometheusClientOptions>
PrometheusClientOptions::fromSettings(const MetricsSettings &settings) {
    const auto readFile = [](const std::filesystem::path &path,
                             std::string_view option) -> StatusOr<std::string> {
        std::ifstream in(path, std::ios::binary);
        if (!in) {
            return invalidArgument(std::string(option) + ": cannot read '" + path.string() + "'");
        }
        std::ostringstream text;
        text << in.rdbuf();
        std::string value = text.str();
        while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) {
            value.pop_back();
        }
        return value;
    };
    PrometheusClientOptions options;
    if (!settings.bearerTokenFile.empty()) {
        auto token = readFile(settings.bearerTokenFile, "metrics.external.bearer_token_file");
        if (!token) {
            return token.status();
        }
        options.bearerToken = std::move(*token);
    }
    if (!settings.basicAuthUser.empty()) {
        auto password =
            readFile(settings.basicAuthPasswordFile, "metrics.external.basic_auth_password_file");
        if (!password) {
            return password.status();
        }
        options.basicAuthUser = settings.basicAuthUser;
        options.basicAuthPassword = std::move(*password);
    }
    options.caFile = settings.caFile;
    options.requestTimeout = std::min(options.requestTimeout, settings.queryTimeout);
    return options;
}

StatusOr<std::unique_ptr<PrometheusClient>>
PrometheusClient::create(boost::asio::any_io_executor executor, std::string baseUrl,
                         PrometheusClientOptions options) {
    auto endpoint = parseHttpUrl(std::move(baseUrl), "metrics backend", "metrics.external.*");
    if (!endpoint) {
        return endpoint.status();
    }
    HttpClientOptions httpOptions;
    httpOptions.peer = "metrics backend";
    if (!options.bearerToken.empty()) {
        httpOptions.authorization = "Bearer " + options.bearerToken;
    } else if (!options.basicAuthUser.empty()) {
        const std::string credentials = options.basicAuthUser + ":" + options.basicAuthPassword;
        std::string encoded(beast::detail::base64::encoded_size(credentials.size()), '\0');
        encoded.resize(
            beast::detail::base64::encode(encoded.data(), credentials.data(), credentials.size()));
        httpOptions.authorization = "Basic " + encoded;
    }
    httpOptions.caFile = options.caFile;
    httpOptions.caFileOption = "metrics.external.ca_file";
    // Large enough for 2,000 series of 1,000 points as JSON, small enough to bound a wrong query.
    httpOptions.bodyLimit = std::uint64_t{1} << 30;
    httpOptions.bodyLimitText = "1 GiB";
    httpOptions.bodyLimitHint = "select fewer series or points";
    auto http = HttpClient::create(executor, std::move(*endpoint), std::move(httpOptions));
    if (!http) {
        return http.status();
    }
    auto impl = std::make_shared<Impl>(std::move(executor), std::move(*http), options);
    impl->clock = options.clock ? options.clock : std::make_shared<SystemClock>();
    impl->status.mode = options.mode;
    impl->status.state = BackendState::Starting;
    impl->status.url = impl->endpoint.url;
    impl->status.detail = "waiting for the first answer";
    impl->status.since = impl->clock->now();
    if (options.probeInterval > milliseconds::zero()) {
        impl->probe();
    }
    return std::unique_ptr<PrometheusClient>(new PrometheusClient(std::move(impl)));
}

PrometheusClient::PrometheusClient(std::shared_ptr<Impl> impl)
    : m_impl(std::move(impl)) {}

PrometheusClient::~PrometheusClient() {
    asio::post(m_impl->http->strand(), [impl = m_impl] {
        impl->stopped = true;
        impl->probeTimer.cancel();
    });
    m_impl->http->stop();
}

void PrometheusClient::query(InstantQuery request, Done<QueryResult> done) {
    Form form;
    form.add("query", request.query)
        .addTime("time", request.time)
        .add("timeout", std::to_string(request.timeout.count()) + "ms");
    m_impl->call<QueryResult>(http::verb::post, "/api/v1/query", form, request.timeout, true,
                              parseQueryAnswer, std::move(done));
}

void PrometheusClient::queryRange(RangeQuery request, Done<QueryResult> done) {
    Form form;
    form.add("query", request.query)
        .addTime("start", request.start)
        .addTime("end", request.end)
        .add("step", Form::seconds(request.step))
        .add("timeout", std::to_string(request.timeout.count()) + "ms");
    m_impl->call<QueryResult>(http::verb::post, "/api/v1/query_range", form, request.timeout, true,
                              parseQueryAnswer, std::move(done));
}

void PrometheusClient::series(SeriesSelection selection, Done<std::vector<Labels>> done) {
    Form form;
    form.addMatchers(selection.matchers)
        .addTime("start", selection.start)
        .addTime("end", selection.end);
    m_impl->call<std::vector<Labels>>(
        http::verb::post, "/api/v1/series", form, m_impl->options.requestTimeout, false,
        [](const json &body) { return labelSetsOf(body.at("data")); }, std::move(done));
}

void PrometheusClient::labelNames(SeriesSelection selection, Done<std::vector<std::string>> done) {
    Form form;
    form.addMatchers(selection.matchers)
        .addTime("start", selection.start)
        .addTime("end", selection.end);
    m_impl->call<std::vector<std::string>>(
        http::verb::post, "/api/v1/labels", form, m_impl->options.requestTimeout, false,
        [](const json &body) { return stringsOf(body.at("data")); }, std::move(done));
}

void PrometheusClient::labelValues(std::string name, SeriesSelection selection,
                                   Done<std::vector<std::string>> done) {
    Form form;
    form.addMatchers(selection.matchers)
        .addTime("start", selection.start)
        .addTime("end", selection.end);
    // The only one of these endpoints Prometheus serves by GET alone.
    m_impl->call<std::vector<std::string>>(
        http::verb::get, "/api/v1/label/" + percentEncode(name) + "/values", form,
        m_impl->options.requestTimeout, false,
        [](const json &body) { return stringsOf(body.at("data")); }, std::move(done));
}

void PrometheusClient::targets(Done<std::vector<Target>> done) {
    m_impl->call<std::vector<Target>>(
        http::verb::get, "/api/v1/targets", Form().add("state", "active"),
        m_impl->options.requestTimeout, false,
        [](const json &body) { return targetsOf(body.at("data")); }, std::move(done));
}

BackendStatus PrometheusClient::status() const {
    std::lock_guard lock(m_impl->statusMutex);
    return m_impl->status;
}

const std::string &PrometheusClient::url() const {
    return m_impl->endpoint.url;
}

} // namespace aegis::metrics
