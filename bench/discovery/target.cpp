#include "target.h"
#include "streams.h"

#include <condition_variable>
#include <mutex>

namespace aegis::bench::discovery {

void forEachAsync(int count, int inFlight,
                  const std::function<void(int index, std::function<void()> done)> &start) {
    std::mutex mutex;
    std::condition_variable changed;
    int outstanding = 0;
    int finished = 0;
    for (int index = 0; index < count; ++index) {
        {
            std::unique_lock lock(mutex);
            changed.wait(lock, [&] { return outstanding < inFlight; });
            ++outstanding;
        }
        start(index, [&] {
            std::lock_guard lock(mutex);
            --outstanding;
            ++finished;
            changed.notify_all();
        });
    }
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return finished == count; });
}

int sequenceSuffix(std::string_view text) {
    const auto dash = text.rfind('-');
    if (dash == std::string_view::npos || dash + 1 == text.size() || text.size() - dash > 10) {
        return -1;
    }
    int value = 0;
    for (const char c : text.substr(dash + 1)) {
        if (c < '0' || c > '9') {
            return -1;
        }
        value = value * 10 + (c - '0');
    }
    return value;
}

} // namespace aegis::bench::discovery
