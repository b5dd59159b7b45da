#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace aegis::bench {

// Serves Prometheus text exposition over HTTP/1.1 with keep-alive on a loopback port, on its own
// thread: what a benchmark's Prometheus scrapes. `body` answers a request path with the page, or
// an empty string for 404; it runs on the server's thread and may change its answers over time
// (guarding its own data).
class ExpositionServer {
public:
    using Body = std::function<std::string(std::string_view path)>;
    explicit ExpositionServer(Body body);
    ~ExpositionServer();
    ExpositionServer(const ExpositionServer &) = delete;
    ExpositionServer &operator=(const ExpositionServer &) = delete;

    // "127.0.0.1:PORT".
    std::string address() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace aegis::bench
