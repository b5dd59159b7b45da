#pragma once

#include "net/api_types.h"

namespace aegis::testing {

// What ListExtensions answers from an aegisd with the embedded extensions, built from their own
// descriptions: for dialog tests that run without a daemon.
console::ExtensionCatalog daemonExtensions();

} // namespace aegis::testing
