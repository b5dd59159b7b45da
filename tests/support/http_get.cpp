#include "http_get.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>

namespace aegis::testing {

namespace {

// Sends `head` (the request line and headers, each ending in CRLF) and `body`, reads to EOF.
HttpAnswer exchange(const std::string &hostPort, const std::string &head, const std::string &body,
                    std::chrono::milliseconds timeout) {
    HttpAnswer answer;
    const auto colon = hostPort.rfind(':');
    if (colon == std::string::npos) {
        return answer;
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(std::atoi(hostPort.c_str() + colon + 1)));
    if (::inet_pton(AF_INET, hostPort.substr(0, colon).c_str(), &address.sin_addr) != 1) {
        return answer;
    }
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        return answer;
    }
    timeval limit{};
    limit.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    limit.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    std::string raw;
    if (::connect(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) == 0) {
        const std::string request =
            head + "Host: " + hostPort + "\r\nConnection: close\r\n\r\n" + body;
        // A server may answer (413) and close before taking the whole body: read its answer
        // whether or not everything was sent.
        for (std::size_t sent = 0; sent < request.size();) {
            const ssize_t n =
                ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) {
                break;
            }
            sent += static_cast<std::size_t>(n);
        }
        char buffer[16384];
        for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) {
            raw.append(buffer, static_cast<std::size_t>(n));
        }
    }
    ::close(fd);
    const auto space = raw.find(' ');
    const auto headersEnd = raw.find("\r\n\r\n");
    if (!raw.starts_with("HTTP/") || space == std::string::npos ||
        headersEnd == std::string::npos) {
        return answer;
    }
    answer.status = std::atoi(raw.c_str() + space + 1);
    answer.headers = raw.substr(0, headersEnd);
    answer.body = raw.substr(headersEnd + 4);
    return answer;
}

} // namespace

HttpAnswer httpGet(const std::string &hostPort, const std::string &path,
                   const std::string &authorization, std::chrono::milliseconds timeout) {
    std::string head = "GET " + path + " HTTP/1.0\r\n";
    if (!authorization.empty()) {
        head += "Authorization: " + authorization + "\r\n";
    }
    return exchange(hostPort, head, {}, timeout);
}

HttpAnswer httpPost(const std::string &hostPort, const std::string &path, const std::string &body,
                    const std::vector<std::string> &headers, std::chrono::milliseconds timeout) {
    std::string head = "POST " + path + " HTTP/1.0\r\n";
    bool declaresLength = false;
    for (const std::string &header : headers) {
        head += header + "\r\n";
        declaresLength = declaresLength || header.starts_with("Content-Length:");
    }
    if (!declaresLength) {
        head += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    return exchange(hostPort, head, body, timeout);
}

HttpAnswer loopbackHttpGet(std::uint16_t port, const std::string &path,
                           std::chrono::milliseconds timeout) {
    return httpGet("127.0.0.1:" + std::to_string(port), path, {}, timeout);
}

} // namespace aegis::testing
