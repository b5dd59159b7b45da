#pragma once

#include "watch_fanout.h"

#include "aegis/v1/watch.grpc.pb.h"

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace aegis::bench {

// A benchmark's watchers as watches on WatchService streams: watcher `index` is watch index + 1
// on stream index % streams, so N watchers cost the daemon `streams` streams instead of N. A
// stream opens on the channel of the first watcher placed on it. What is watched, and what a
// delivered message means, is the benchmark's.
class MuxWatchers {
public:
    // Fills the `watch` of watcher `index`'s create request.
    using Describe = std::function<void(int index, aegis::v1::WatchCreateRequest &create)>;
    // Reports what one of watcher `index`'s messages delivered (WatchSink::delivered); called
    // from gRPC threads for every message that is neither the created answer nor a cancel.
    using Deliver =
        std::function<void(int index, const aegis::v1::WatchResponse &message, WatchSink &sink)>;

    MuxWatchers(int streams, std::string bearer, Describe describe, Deliver deliver)
        : m_bearer(std::move(bearer))
        , m_describe(std::move(describe))
        , m_deliver(std::move(deliver))
        , m_streams(static_cast<std::size_t>(streams)) {}
    ~MuxWatchers();

    std::unique_ptr<Watcher> open(int index, const std::shared_ptr<grpc::Channel> &channel,
                                  WatchSink &sink);

private:
    class Stream;

    const std::string m_bearer;
    const Describe m_describe;
    const Deliver m_deliver;
    std::mutex m_mutex;
    std::vector<std::shared_ptr<Stream>> m_streams;
};

} // namespace aegis::bench
