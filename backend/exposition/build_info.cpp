#include "exposition/build_info.h"

#include <prometheus/gauge.h>

namespace aegis::exposition {

void registerBuildInfo(prometheus::Registry &registry, const std::string &name,
                       const std::string &help, const std::map<std::string, std::string> &labels) {
    prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add(labels).Set(1);
}

} // namespace aegis::exposition
