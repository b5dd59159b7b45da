#include "alerting/alertmanager_silences.h"

#include "alerting/matcher.h"

#include "common/duration.h"
#include "common/logging.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <mutex>
#include <optional>

namespace aegis::alerting {

namespace asio = boost::asio;
using std::chrono::milliseconds;

Status validateSilence(const Silence &silence, TimePoint now) {
    if (silence.matchers.empty()) {
        return invalidArgument("matchers: a silence needs at least 1 matcher");
    }
    if (silence.matchers.size() > kMaxSilenceMatchers) {
        return invalidArgument("matchers: at most " + std::to_string(kMaxSilenceMatchers) +
                               " matchers, got " + std::to_string(silence.matchers.size()));
    }
    auto compiled = MatcherSet::compile(silence.matchers, "matchers");
    if (!compiled) {
        return compiled.status();
    }
    if (!compiled->selectsSomething()) {
        return invalidArgument("matchers: at least one matcher must not match the empty string "
                               "(a silence would otherwise silence every alert)");
    }
    if (silence.endsAt <= silence.startsAt) {
        return invalidArgument("ends_at: must be after starts_at");
    }
    if (silence.endsAt <= now) {
        return invalidArgument("ends_at: must be in the future");
    }
    const auto duration = silence.endsAt - silence.startsAt;
    if (duration < kMinSilenceDuration || duration > kMaxSilenceDuration) {
        return invalidArgument("duration: a silence lasts from 1m to 90 days, got " +
                               formatDuration(std::chrono::duration_cast<milliseconds>(duration)));
    }
    if (silence.comment.empty() || silence.comment.size() > kMaxSilenceComment) {
        return invalidArgument("comment: say why, in 1 to " + std::to_string(kMaxSilenceComment) +
                               " bytes (got " + std::to_string(silence.comment.size()) + ")");
    }
    if (silence.createdBy.empty()) {
        return invalidArgument("created_by: must not be empty");
    }
    return Status::ok();
}

struct AlertmanagerSilences::Impl : std::enable_shared_from_this<AlertmanagerSilences::Impl> {
    Impl(asio::any_io_executor executor_, std::vector<AlertmanagerClientPtr> clients_,
         AlertmanagerSilencesOptions options_)
        : executor(std::move(executor_))
        , strand(asio::make_strand(executor))
        , clients(std::move(clients_))
        , options(std::move(options_))
        , timer(strand) {
        if (!options.clock) {
            options.clock = std::make_shared<SystemClock>();
        }
    }

    static bool unreachable(const Status &status) {
        return status.code() == StatusCode::Unavailable ||
               status.code() == StatusCode::DeadlineExceeded;
    }

    // Runs `call` on each client in order until one answers (anything but unreachable); UNAVAILABLE
    // naming every URL when none does.
    template <typename T>
    void firstAnswering(std::function<void(AlertmanagerClient &, Done<T>)> call, Done<T> done,
                        std::size_t index = 0, std::string errors = {}) {
        if (clients.empty()) {
            return asio::post(executor, [done = std::move(done)] {
                done(failedPrecondition("alerting.alertmanager is none: aegisd talks to no "
                                        "Alertmanager, so there are no silences"));
            });
        }
        if (index == clients.size()) {
            return asio::post(executor, [done = std::move(done), errors = std::move(errors)] {
                done(unavailable("no Alertmanager answered: " + errors));
            });
        }
        auto &client = *clients[index];
        call(client, [self = shared_from_this(), call, done = std::move(done), index,
                      errors = std::move(errors)](StatusOr<T> result) mutable {
            if (!result && unreachable(result.status())) {
                errors += (errors.empty() ? "" : "; ") + result.status().message();
                return self->firstAnswering<T>(std::move(call), std::move(done), index + 1,
                                               std::move(errors));
            }
            done(std::move(result));
        });
    }

    // Lists the silences of every Alertmanager, keeps the active ones of the first that answered,
    // and (on the strand) sets the next refresh.
    void refresh() {
        struct Round {
            std::mutex mutex;
            std::size_t pending = 0;
            std::vector<std::optional<std::vector<Silence>>> answers;
        };
        if (clients.empty()) {
            return;
        }
        auto round = std::make_shared<Round>();
        round->pending = clients.size();
        round->answers.resize(clients.size());
        for (std::size_t i = 0; i < clients.size(); ++i) {
            if (clients[i]->state().version.empty()) {
                clients[i]->status([](StatusOr<AlertmanagerStatus>) {});
            }
            clients[i]->listSilences(
                [self = shared_from_this(), round, i](StatusOr<std::vector<Silence>> result) {
                    std::lock_guard lock(round->mutex);
                    if (result) {
                        round->answers[i] = std::move(*result);
                    }
                    if (--round->pending > 0) {
                        return;
                    }
                    for (auto &answer : round->answers) {
                        if (answer) {
                            std::vector<Silence> active;
                            for (Silence &silence : *answer) {
                                if (silence.state == SilenceState::Active) {
                                    active.push_back(std::move(silence));
                                }
                            }
                            std::lock_guard cacheLock(self->cacheMutex);
                            self->active = std::move(active);
                            break;
                        }
                    }
                    asio::post(self->strand, [self] { self->scheduleRefresh(); });
                });
        }
    }

    // Strand only.
    void scheduleRefresh() {
        if (stopped) {
            return;
        }
        timer.expires_after(options.refreshInterval);
        timer.async_wait([weak = weak_from_this()](boost::system::error_code error) {
            const auto self = weak.lock();
            if (!error && self && !self->stopped) {
                self->refresh();
            }
        });
    }

    // A refresh now (after a change), besides the periodic one.
    void refreshNow() {
        asio::post(strand, [self = shared_from_this()] {
            if (!self->stopped) {
                self->timer.cancel();
                self->refresh();
            }
        });
    }

    const asio::any_io_executor executor;
    const asio::strand<asio::any_io_executor> strand;
    const std::vector<AlertmanagerClientPtr> clients;
    AlertmanagerSilencesOptions options;

    // Strand only.
    asio::steady_timer timer;
    bool stopped = false;

    mutable std::mutex cacheMutex;
    std::vector<Silence> active;
};

AlertmanagerSilences::AlertmanagerSilences(asio::any_io_executor executor,
                                           std::vector<AlertmanagerClientPtr> clients,
                                           AlertmanagerSilencesOptions options)
    : m_impl(std::make_shared<Impl>(std::move(executor), std::move(clients), std::move(options))) {
    asio::post(m_impl->strand, [impl = m_impl] { impl->refresh(); });
}

AlertmanagerSilences::~AlertmanagerSilences() {
    asio::post(m_impl->strand, [impl = m_impl] {
        impl->stopped = true;
        impl->timer.cancel();
    });
}

void AlertmanagerSilences::listSilences(Done<std::vector<Silence>> done) {
    m_impl->firstAnswering<std::vector<Silence>>(
        [](AlertmanagerClient &client, Done<std::vector<Silence>> answer) {
            client.listSilences(std::move(answer));
        },
        std::move(done));
}

void AlertmanagerSilences::createSilence(Silence silence, Done<std::string> done) {
    const TimePoint now = m_impl->options.clock->now();
    if (silence.startsAt == TimePoint{}) {
        silence.startsAt = now;
    }
    if (Status valid = validateSilence(silence, now); !valid.isOk()) {
        return asio::post(m_impl->executor,
                          [done = std::move(done), valid = std::move(valid)] { done(valid); });
    }
    m_impl->firstAnswering<std::string>(
        [silence = std::move(silence)](AlertmanagerClient &client, Done<std::string> answer) {
            client.createSilence(silence, std::move(answer));
        },
        [impl = m_impl, done = std::move(done)](StatusOr<std::string> id) {
            if (id) {
                impl->refreshNow();
            }
            done(std::move(id));
        });
}

void AlertmanagerSilences::expireSilence(std::string id, Done<bool> done) {
    m_impl->firstAnswering<bool>(
        [id = std::move(id)](AlertmanagerClient &client, Done<bool> answer) {
            client.expireSilence(id, [answer = std::move(answer)](Status status) {
                answer(status.isOk() ? StatusOr<bool>(true) : StatusOr<bool>(status));
            });
        },
        [impl = m_impl, done = std::move(done)](StatusOr<bool> expired) {
            if (expired) {
                impl->refreshNow();
            }
            done(std::move(expired));
        });
}

std::vector<Silence> AlertmanagerSilences::activeSilences() const {
    std::lock_guard lock(m_impl->cacheMutex);
    return m_impl->active;
}

std::vector<AlertmanagerState> AlertmanagerSilences::states() const {
    std::vector<AlertmanagerState> states;
    states.reserve(m_impl->clients.size());
    for (const auto &client : m_impl->clients) {
        states.push_back(client->state());
    }
    if (!states.empty() && m_impl->options.managedRestarts) {
        states.front().restarts = m_impl->options.managedRestarts();
    }
    return states;
}

} // namespace aegis::alerting
