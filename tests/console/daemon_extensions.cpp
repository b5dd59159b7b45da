#include "daemon_extensions.h"

#include <health/prober.h>
#include <rollout/exec_driver.h>
#include <rollout/external_driver.h>
#include <rollout/haproxy_router.h>
#include <rollout/process_driver.h>
#include <rollout/registry_router.h>

namespace aegis::testing {

console::ExtensionCatalog daemonExtensions() {
    console::ExtensionCatalog catalog;
    // The daemon lists them by kind, then name.
    for (const ExtensionDescription *description :
         {&rollout::ExecDriver::description(), &rollout::ExternalDriver::description(),
          &rollout::ProcessDriver::description(), &rollout::HaproxyRouter::description(),
          &rollout::RegistryRouter::description()}) {
        catalog.extensions.append(*description);
    }
    health::ProberRegistry probers;
    health::registerBuiltinProbers(probers);
    for (const ExtensionDescription *description : probers.descriptions()) {
        catalog.extensions.append(*description);
    }
    // As aegisd wires them.
    catalog.defaultDriver = QStringLiteral("process");
    catalog.defaultRouter = QStringLiteral("registry");
    return catalog;
}

} // namespace aegis::testing
