#include "daemon/service_manager.h"

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace aegis::daemon {

Status notifyServiceManager(std::string_view state) {
    const char *socketName = std::getenv("NOTIFY_SOCKET");
    if (socketName == nullptr || *socketName == '\0') {
        return Status::ok();
    }
    const std::string name(socketName);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (name.size() >= sizeof(address.sun_path) || (name[0] != '/' && name[0] != '@')) {
        return invalidArgument("NOTIFY_SOCKET: '" + name +
                               "' is neither an absolute path nor an abstract socket (@name) "
                               "shorter than " +
                               std::to_string(sizeof(address.sun_path)) + " bytes");
    }
    std::memcpy(address.sun_path, name.data(), name.size());
    if (name[0] == '@') {
        address.sun_path[0] = '\0';
    }
    // An abstract name is exactly its bytes; a path ends at its terminating zero.
    const socklen_t length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size() +
                                                    (name[0] == '@' ? 0 : 1));

    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return unavailable(std::string("NOTIFY_SOCKET: socket: ") + std::strerror(errno));
    }
    const ssize_t sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                                  reinterpret_cast<const sockaddr *>(&address), length);
    const int sendError = errno;
    ::close(fd);
    if (sent < 0) {
        return unavailable("NOTIFY_SOCKET: cannot send to " + name + ": " +
                           std::strerror(sendError));
    }
    return Status::ok();
}

Status notifyReady(std::string_view status) {
    std::string state = "READY=1";
    if (!status.empty()) {
        state += "\nSTATUS=" + std::string(status);
    }
    return notifyServiceManager(state);
}

Status notifyReloading() {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    const long long micros = static_cast<long long>(now.tv_sec) * 1000000 + now.tv_nsec / 1000;
    return notifyServiceManager("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(micros));
}

Status notifyStopping() {
    return notifyServiceManager("STOPPING=1");
}

} // namespace aegis::daemon
