#pragma once

#include "target.h"

#include "aegis/v1/watch.grpc.pb.h"

#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace aegis::bench::discovery {

// The discovery benchmark's watchers on WatchService streams: watcher `index` is watch index + 1
// on stream index % streams, so N watchers cost the daemon `streams` streams instead of N.
class MuxWatchers {
public:
    MuxWatchers(int streams, std::string bearer, std::string service)
        : m_bearer(std::move(bearer))
        , m_service(std::move(service))
        , m_streams(static_cast<std::size_t>(streams)) {}
    ~MuxWatchers();

    std::unique_ptr<Watcher> open(int index, const std::shared_ptr<grpc::Channel> &channel,
                                  WatchSink &sink);

private:
    class Stream;

    const std::string m_bearer;
    const std::string m_service;
    std::mutex m_mutex;
    std::vector<std::shared_ptr<Stream>> m_streams;
};

} // namespace aegis::bench::discovery
