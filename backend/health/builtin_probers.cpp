#include "health/grpc_prober.h"
#include "health/http_prober.h"
#include "health/prober.h"
#include "health/tcp_prober.h"
#include "health/ttl_prober.h"

namespace aegis::health {

void registerBuiltinProbers(ProberRegistry &registry) {
    registry.add(makeHttpProberFactory());
    registry.add(makeTcpProberFactory());
    registry.add(makeGrpcProberFactory());
    registry.add(makeTtlProberFactory());
}

} // namespace aegis::health
