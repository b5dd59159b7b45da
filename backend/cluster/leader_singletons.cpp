#include "cluster/leader_singletons.h"

#include "common/logging.h"

namespace aegis::cluster {

void LeaderSingletons::add(Singleton singleton) {
    std::lock_guard lock(m_mutex);
    m_singletons.push_back(std::move(singleton));
    m_running.push_back(false);
}

void LeaderSingletons::lead() {
    std::lock_guard lock(m_mutex);
    if (m_leading) {
        return;
    }
    m_leading = true;
    for (std::size_t i = 0; i < m_singletons.size(); ++i) {
        const Status started = m_singletons[i].start ? m_singletons[i].start() : Status::ok();
        m_running[i] = started.isOk();
        if (!started.isOk()) {
            log::error("leader singleton did not start",
                       {{"singleton", m_singletons[i].name}, {"error", started.message()}});
        }
    }
}

void LeaderSingletons::follow() {
    std::lock_guard lock(m_mutex);
    if (!m_leading) {
        return;
    }
    m_leading = false;
    for (std::size_t i = m_singletons.size(); i-- > 0;) {
        if (m_running[i] && m_singletons[i].stop) {
            m_singletons[i].stop();
        }
        m_running[i] = false;
    }
}

bool LeaderSingletons::leading() const {
    std::lock_guard lock(m_mutex);
    return m_leading;
}

std::vector<std::string> LeaderSingletons::running() const {
    std::lock_guard lock(m_mutex);
    std::vector<std::string> names;
    for (std::size_t i = 0; i < m_singletons.size(); ++i) {
        if (m_running[i]) {
            names.push_back(m_singletons[i].name);
        }
    }
    return names;
}

} // namespace aegis::cluster
