#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace aegis::testing {

// The answer to one plain-HTTP GET: status 0 when there was none within the timeout.
struct HttpAnswer {
    int status = 0;
    // The status line and headers, without the blank line that ends them.
    std::string headers;
    std::string body;
};

// One HTTP/1.0 GET of http://<hostPort><path> over a plain socket, with send and receive
// timeouts; `authorization` is sent as the Authorization header when not empty. HTTP/1.0, so the
// body is never chunked.
HttpAnswer httpGet(const std::string &hostPort, const std::string &path,
                   const std::string &authorization = {},
                   std::chrono::milliseconds timeout = std::chrono::seconds(5));

// One HTTP/1.0 POST of `body` to http://<hostPort><path>, with further request headers
// ("Name: value" each), as httpGet otherwise. A "Content-Length: N" among them replaces the body's
// own, so a request can declare more than it sends.
HttpAnswer httpPost(const std::string &hostPort, const std::string &path, const std::string &body,
                    const std::vector<std::string> &headers = {},
                    std::chrono::milliseconds timeout = std::chrono::seconds(10));

// httpGet of http://127.0.0.1:PORT<path>.
HttpAnswer loopbackHttpGet(std::uint16_t port, const std::string &path,
                           std::chrono::milliseconds timeout);

} // namespace aegis::testing
