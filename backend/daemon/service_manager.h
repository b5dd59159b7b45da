#pragma once

#include "common/status.h"

#include <string_view>

namespace aegis::daemon {

// Tells the service manager (systemd with Type=notify) how the daemon is doing, through the
// datagram protocol of sd_notify(3): one datagram of newline-separated VAR=VALUE assignments to
// the AF_UNIX socket named by $NOTIFY_SOCKET ("@name" is an abstract socket). Without
// $NOTIFY_SOCKET it does nothing and returns OK, so the daemon runs the same outside systemd.
// Thread-safe; never blocks longer than one local datagram send.
Status notifyServiceManager(std::string_view state);

// "READY=1", "RELOADING=1" (with the MONOTONIC_USEC newer systemd versions ask for), "STOPPING=1".
Status notifyReady(std::string_view status);
Status notifyReloading();
Status notifyStopping();

} // namespace aegis::daemon
