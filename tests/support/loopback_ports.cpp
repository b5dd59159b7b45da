#include "loopback_ports.h"

#include <algorithm>
#include <cctype>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace aegis::testing {
namespace {

// Binds a fresh TCP socket to 127.0.0.1 on a port of the kernel's choosing; returns the socket
// (or -1) and sets `port`.
int bindEphemeralLoopback(std::uint16_t &port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr *>(&address), length) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length) != 0) {
        if (fd >= 0) {
            ::close(fd);
        }
        port = 0;
        return -1;
    }
    port = ntohs(address.sin_port);
    return fd;
}

} // namespace

RefusingLoopbackAddress::RefusingLoopbackAddress() {
    m_fd = bindEphemeralLoopback(m_port);
    m_address = "127.0.0.1:" + std::to_string(m_port);
}

RefusingLoopbackAddress::~RefusingLoopbackAddress() {
    if (m_fd >= 0) {
        ::close(m_fd);
    }
}

std::vector<std::uint16_t> unusedLoopbackPorts(std::size_t count) {
    // All held bound until every one is chosen, so that they are distinct.
    std::vector<int> sockets;
    std::vector<std::uint16_t> ports(count, 0);
    for (auto &port : ports) {
        sockets.push_back(bindEphemeralLoopback(port));
    }
    for (const int fd : sockets) {
        if (fd >= 0) {
            ::close(fd);
        }
    }
    return ports;
}

bool saysAddressInUse(const std::string &output) {
    std::string lower = output;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return lower.find("address already in use") != std::string::npos;
}

} // namespace aegis::testing
