#pragma once

#include "common/status.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace aegis::testing {

// A webhook endpoint for Alertmanager (or anything that POSTs JSON) in a test: listens on
// 127.0.0.1 with a port the kernel picks, answers every POST 200 and records it. Poll the
// accessors with pollUntil; they are thread-safe. Stops on destruction.
class WebhookReceiver {
public:
    struct Delivery {
        // The request's path ("/hook"), so one receiver can stand for several webhooks.
        std::string path;
        // The body as JSON (discarded when it is not JSON; `body` has it).
        nlohmann::json payload;
        std::string body;
        // The Authorization header, "" when none was sent.
        std::string authorization;
    };

    // UNAVAILABLE when no loopback port can be bound.
    static StatusOr<std::unique_ptr<WebhookReceiver>> start();
    ~WebhookReceiver();
    WebhookReceiver(const WebhookReceiver &) = delete;
    WebhookReceiver &operator=(const WebhookReceiver &) = delete;

    std::uint16_t port() const;
    // "http://127.0.0.1:PORT" + path.
    std::string url(const std::string &path = "/hook") const;

    // Every delivery so far, oldest first.
    std::vector<Delivery> deliveries() const;
    // The alerts of every Alertmanager notification (webhook payload version 4) so far, in order:
    // each as Alertmanager sent it (its own "status" is "firing" or "resolved"), with the
    // notification's receiver added as "receiver".
    std::vector<nlohmann::json> alerts() const;
    void clear();

    struct Impl;

private:
    explicit WebhookReceiver(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

} // namespace aegis::testing
