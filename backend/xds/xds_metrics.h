#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <string_view>

namespace aegis::xds {

// The xDS server's figures on aegisd's /metrics (AdsServer::exportMetrics()), `type` being
// listener, cluster, endpoints or other:
//   aegis_xds_streams                    ADS streams open now
//   aegis_xds_responses_total{type}      responses sent
//   aegis_xds_acks_total{type}           responses the clients accepted
//   aegis_xds_nacks_total{type}          responses the clients refused (each one logged)
//   aegis_xds_stale_requests_total       requests ignored for a stale nonce
// Thread-safe.
class XdsMetrics {
public:
    explicit XdsMetrics(prometheus::Registry &registry);

    void streamOpened() { m_streams.Increment(); }
    void streamClosed() { m_streams.Decrement(); }
    void responded(std::string_view typeUrl) { counter(m_responses, typeUrl).Increment(); }
    void acked(std::string_view typeUrl) { counter(m_acks, typeUrl).Increment(); }
    void nacked(std::string_view typeUrl) { counter(m_nacks, typeUrl).Increment(); }
    void staleRequest() { m_stale.Increment(); }

private:
    static prometheus::Counter &counter(prometheus::Family<prometheus::Counter> &family,
                                        std::string_view typeUrl);

    prometheus::Gauge &m_streams;
    prometheus::Family<prometheus::Counter> &m_responses;
    prometheus::Family<prometheus::Counter> &m_acks;
    prometheus::Family<prometheus::Counter> &m_nacks;
    prometheus::Counter &m_stale;
};

} // namespace aegis::xds
