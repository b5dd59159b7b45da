#pragma once

#include "common/extension_description.h"
#include "common/status.h"
#include "rollout/deploy_driver.h"
#include "rollout/traffic_router.h"

#include <map>
#include <string>
#include <vector>

namespace aegis::rollout {

// Deploy drivers and traffic routers by the name their description gives. Filled at start-up,
// read-only afterwards: lookups are then safe from any thread.
class ExtensionRegistry {
public:
    // AlreadyExists when the name is taken.
    Status addDriver(DeployDriverPtr driver);
    Status addRouter(TrafficRouterPtr router);
    // What a spec that names no driver or router (and whose service has no release naming one)
    // uses. NotFound unless `name` is registered.
    Status setDefaultDriver(std::string_view name);
    Status setDefaultRouter(std::string_view name);

    // Null when unknown.
    DeployDriver *driver(std::string_view name) const;
    TrafficRouter *router(std::string_view name) const;
    std::vector<std::string> driverNames() const;
    std::vector<std::string> routerNames() const;
    // Empty when none was set.
    const std::string &defaultDriver() const { return m_defaultDriver; }
    const std::string &defaultRouter() const { return m_defaultRouter; }
    // Every driver's, then every router's description, each by name.
    std::vector<const ExtensionDescription *> descriptions() const;

    // Tells every driver to stop supervising (daemon shutdown).
    void detachDrivers();

private:
    std::map<std::string, DeployDriverPtr, std::less<>> m_drivers;
    std::map<std::string, TrafficRouterPtr, std::less<>> m_routers;
    std::string m_defaultDriver;
    std::string m_defaultRouter;
};

} // namespace aegis::rollout
