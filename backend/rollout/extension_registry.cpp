#include "rollout/extension_registry.h"

namespace aegis::rollout {

Status ExtensionRegistry::addDriver(DeployDriverPtr driver) {
    std::string name(driver->name());
    if (!m_drivers.emplace(name, std::move(driver)).second) {
        return alreadyExists("deploy driver '" + name + "' is already registered");
    }
    return Status::ok();
}

Status ExtensionRegistry::addRouter(TrafficRouterPtr router) {
    std::string name(router->name());
    if (!m_routers.emplace(name, std::move(router)).second) {
        return alreadyExists("traffic router '" + name + "' is already registered");
    }
    return Status::ok();
}

Status ExtensionRegistry::setDefaultDriver(std::string_view name) {
    if (driver(name) == nullptr) {
        return notFound("deploy driver '" + std::string(name) + "' is not registered");
    }
    m_defaultDriver = std::string(name);
    return Status::ok();
}

Status ExtensionRegistry::setDefaultRouter(std::string_view name) {
    if (router(name) == nullptr) {
        return notFound("traffic router '" + std::string(name) + "' is not registered");
    }
    m_defaultRouter = std::string(name);
    return Status::ok();
}

DeployDriver *ExtensionRegistry::driver(std::string_view name) const {
    auto it = m_drivers.find(name);
    return it == m_drivers.end() ? nullptr : it->second.get();
}

TrafficRouter *ExtensionRegistry::router(std::string_view name) const {
    auto it = m_routers.find(name);
    return it == m_routers.end() ? nullptr : it->second.get();
}

std::vector<std::string> ExtensionRegistry::driverNames() const {
    std::vector<std::string> names;
    for (const auto &[name, driver] : m_drivers) {
        names.push_back(name);
    }
    return names;
}

std::vector<std::string> ExtensionRegistry::routerNames() const {
    std::vector<std::string> names;
    for (const auto &[name, router] : m_routers) {
        names.push_back(name);
    }
    return names;
}

std::vector<const ExtensionDescription *> ExtensionRegistry::descriptions() const {
    std::vector<const ExtensionDescription *> result;
    for (const auto &[name, driver] : m_drivers) {
        result.push_back(&driver->describe());
    }
    for (const auto &[name, router] : m_routers) {
        result.push_back(&router->describe());
    }
    return result;
}

void ExtensionRegistry::detachDrivers() {
    for (const auto &[name, driver] : m_drivers) {
        driver->detach();
    }
}

} // namespace aegis::rollout
