#pragma once

#include "common/status.h"
#include "rollout/deploy_driver.h"
#include "rollout/traffic_router.h"

#include <map>
#include <string>
#include <vector>

namespace aegis::rollout {

// Deploy drivers and traffic routers by name. Filled at start-up, read-only afterwards: lookups
// are then safe from any thread.
class ExtensionRegistry {
public:
    // AlreadyExists when the name is taken.
    Status addDriver(DeployDriverPtr driver);
    Status addRouter(TrafficRouterPtr router);

    // Null when unknown.
    DeployDriver *driver(std::string_view name) const;
    TrafficRouter *router(std::string_view name) const;
    std::vector<std::string> driverNames() const;
    std::vector<std::string> routerNames() const;

    // Tells every driver to stop supervising (daemon shutdown).
    void detachDrivers();

private:
    std::map<std::string, DeployDriverPtr, std::less<>> m_drivers;
    std::map<std::string, TrafficRouterPtr, std::less<>> m_routers;
};

} // namespace aegis::rollout
