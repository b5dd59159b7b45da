#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace aegis::testing {

// A loopback TCP port held bound but not listening, so that connecting to address() is refused
// for as long as the object lives: an address where no daemon runs, which no other process can
// take in the meantime.
class RefusingLoopbackAddress {
public:
    RefusingLoopbackAddress();
    ~RefusingLoopbackAddress();
    RefusingLoopbackAddress(const RefusingLoopbackAddress &) = delete;
    RefusingLoopbackAddress &operator=(const RefusingLoopbackAddress &) = delete;

    // 0 if no port could be bound.
    std::uint16_t port() const { return m_port; }
    // "127.0.0.1:PORT".
    const std::string &address() const { return m_address; }

private:
    int m_fd = -1;
    std::uint16_t m_port = 0;
    std::string m_address;
};

// `count` distinct loopback ports nothing is bound to at the moment of the call (0s if the kernel
// gives none). Only for third-party programs (HAProxy, etcd) that cannot bind port 0 and report
// the port they got; our own daemons do that (see DaemonProcess). Another process may take a
// port before the program binds it, so the program's start must be retried with new ports when
// its output says so (saysAddressInUse).
std::vector<std::uint16_t> unusedLoopbackPorts(std::size_t count);

// Whether a program's output says that it could not bind because the address was in use.
bool saysAddressInUse(const std::string &output);

// How often to start a program on new ports after saysAddressInUse.
inline constexpr int kAddressInUseAttempts = 5;

} // namespace aegis::testing
