#pragma once

#include "common/status.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace aegis::testing {

// A real HAProxy (`haproxy -f <config> -db`: foreground, no daemon mode) as a child process of a
// test or benchmark, stopped on destruction (SIGTERM, SIGKILL after 5 s).
class HaproxyProcess {
public:
    // Where Debian's haproxy package installs it (listed in installer/packages-test.txt).
    static constexpr const char *kBinary = "/usr/sbin/haproxy";

    // HAProxy's configuration for the loopback ports it is to bind, in the order asked for.
    using ConfigWriter = std::function<std::string(const std::vector<std::uint16_t> &ports)>;

    // Starts HAProxy in `dir` (its configuration in haproxy.cfg, its output appended to
    // haproxy.log) with what `config` writes for `portCount` free loopback ports, and returns once
    // the unix socket `adminSocket` and every one of those ports accept connections. HAProxy cannot
    // bind port 0 and report the port it got, so the ports are picked beforehand; when another
    // process takes one first, HAProxy is started again on new ones. UNAVAILABLE with the log's
    // text when it exits otherwise or does not get there within `timeout`.
    static StatusOr<std::unique_ptr<HaproxyProcess>>
    start(const std::filesystem::path &dir, const std::string &adminSocket, std::size_t portCount,
          const ConfigWriter &config, std::chrono::milliseconds timeout = std::chrono::seconds(10));

    // The configuration the haproxy router's tests run behind: an admin socket at `adminSocket`,
    // then for each of `backends` (in order, one port each) a frontend on its port and a backend
    // of the same name with `slots` servers, every one disabled at a placeholder address (the
    // router binds a colour's slots to its instances when it gives that colour traffic). No
    // health checks: the router's read-back and the rollout's gates decide.
    static ConfigWriter slottedRouterConfig(std::string adminSocket,
                                            std::vector<std::string> backends,
                                            std::vector<std::string> slots);

    ~HaproxyProcess();
    HaproxyProcess(const HaproxyProcess &) = delete;
    HaproxyProcess &operator=(const HaproxyProcess &) = delete;

    int pid() const { return m_pid; }
    // The loopback ports of the configuration HAProxy runs with.
    const std::vector<std::uint16_t> &ports() const { return m_ports; }
    // The whole log so far (HAProxy's warnings and alerts).
    std::string logText() const;

private:
    HaproxyProcess() = default;
    // One start of HAProxy with `config`; the destructor stops it whatever the outcome.
    Status launch(const std::filesystem::path &config, const std::string &adminSocket,
                  std::chrono::milliseconds timeout);

    std::filesystem::path m_log;
    std::vector<std::uint16_t> m_ports;
    int m_pid = -1;
};

} // namespace aegis::testing
