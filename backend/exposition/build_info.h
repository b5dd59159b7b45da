#pragma once

#include <prometheus/registry.h>

#include <map>
#include <string>

namespace aegis::exposition {

// Registers `<name>{labels} 1` in `registry`, the Prometheus convention for what a binary is
// (aegis_build_info{version="1.2.0"}): a dashboard joins on it and counts versions in a fleet.
// `name` ends in "_build_info".
void registerBuildInfo(prometheus::Registry &registry, const std::string &name,
                       const std::string &help, const std::map<std::string, std::string> &labels);

} // namespace aegis::exposition
