#include "xds/xds_metrics.h"

#include "xds/xds_resources.h"

namespace aegis::xds {

XdsMetrics::XdsMetrics(prometheus::Registry &registry)
    : m_streams(prometheus::BuildGauge()
                    .Name("aegis_xds_streams")
                    .Help("ADS streams open now")
                    .Register(registry)
                    .Add({}))
    , m_responses(prometheus::BuildCounter()
                      .Name("aegis_xds_responses_total")
                      .Help("xDS responses sent, by resource type")
                      .Register(registry))
    , m_acks(prometheus::BuildCounter()
                 .Name("aegis_xds_acks_total")
                 .Help("xDS responses the clients accepted, by resource type")
                 .Register(registry))
    , m_nacks(prometheus::BuildCounter()
                  .Name("aegis_xds_nacks_total")
                  .Help("xDS responses the clients refused, by resource type")
                  .Register(registry))
    , m_stale(prometheus::BuildCounter()
                  .Name("aegis_xds_stale_requests_total")
                  .Help("xDS requests ignored for a stale nonce")
                  .Register(registry)
                  .Add({})) {}

prometheus::Counter &XdsMetrics::counter(prometheus::Family<prometheus::Counter> &family,
                                         std::string_view typeUrl) {
    const char *type = typeUrl == kListenerType                ? "listener"
                       : typeUrl == kClusterType               ? "cluster"
                       : typeUrl == kClusterLoadAssignmentType ? "endpoints"
                                                               : "other";
    return family.Add({{"type", type}});
}

} // namespace aegis::xds
