#include "alerting/default_rules.h"

#include "metrics/red_queries.h"

namespace aegis::alerting {

namespace {

// Series aegisd exposes about other things (an instance's health, a service's threshold) carry
// `service` and `instance` labels of their own, but Prometheus scrapes aegisd as the target
// service="aegisd" and renames clashing labels to exported_service and exported_instance. Both
// names are accepted: the exported one wins where it exists.
std::string ownLabels(const std::string &series, bool instance) {
    std::string out =
        "label_replace(" + series + ", \"service\", \"$1\", \"exported_service\", \"(.+)\")";
    if (instance) {
        out = "label_replace(" + out + ", \"instance\", \"$1\", \"exported_instance\", \"(.+)\")";
    }
    return out;
}

} // namespace

std::string defaultRuleFile() {
    metrics::ServiceScope everyService;
    everyService.by = "service";
    const std::string errorRatio = metrics::errorRatioQuery(everyService);
    const std::string p99 = metrics::latencyQuantileQuery(everyService, 0.99);

    return R"(# aegis-defaults: the alerting rules aegisd ships and enables (alerting.default_rules).
#
# Prometheus' rule-file format: edit this file like any rule file (aegisctl alerts rules get /
# put, or the console's Alerts page); a change is validated, versioned and can be rolled back.
# aegisd creates it once and never overwrites it, so your edits stay. To turn a rule off, delete
# it; to tune one, change its threshold, `for` or labels.
#
# Severities: critical pages someone, warning waits for working hours (Alertmanager's routes
# decide what each one does). Every alert about a service carries its `service` label, which is
# also what fails a rollout's canary step.
groups:
  # An instance whose health checks fail (or that outlier detection ejected) receives no traffic.
  - name: aegis-instances
    rules:
      - alert: AegisInstanceCritical
        # aegis_instance_healthy{service,instance}: 1 while routable, 0 while critical or ejected.
        expr: |
          max by (service, instance) ()" +
           ownLabels("aegis_instance_healthy", true) + R"() == 0
        for: 1m
        labels:
          severity: critical
        annotations:
          summary: "Instance {{ $labels.instance }} of {{ $labels.service }} is critical"
          description: "{{ $labels.instance }} has failed its health checks (or was ejected as an outlier) for more than 1 minute and receives no traffic."

  # The RED signals of every service that follows the metrics convention (docs/metrics.md), with
  # the same queries as the console's charts and the canary comparison.
  - name: aegis-services
    rules:
      # More than 5 % of requests answered 5xx for 2 minutes.
      - alert: ServiceHighErrorRatio
        expr: |
          )" +
           errorRatio + R"( > 0.05
        for: 2m
        labels:
          severity: critical
        annotations:
          summary: "{{ $labels.service }}: {{ $value | humanizePercentage }} of requests fail"
          description: "More than 5% of the requests to {{ $labels.service }} have failed with a 5xx status for 2 minutes (now {{ $value | humanizePercentage }})."

      # p99 latency above the service's threshold: the smallest `alert.latency_p99_seconds` in
      # its instances' metadata, 1 second when none sets it (the gauge
      # aegis_service_latency_threshold_seconds{service}). Set that metadata to tune a service.
      - alert: ServiceHighLatency
        expr: |
          )" +
           p99 + R"(
            > on (service) group_left
          max by (service) ()" +
           ownLabels("aegis_service_latency_threshold_seconds", false) + R"()
        for: 5m
        labels:
          severity: warning
        annotations:
          summary: "{{ $labels.service }}: p99 latency is {{ $value | humanizeDuration }}"
          description: "The 99th percentile of {{ $labels.service }}'s request durations has been above its threshold (metadata alert.latency_p99_seconds, default 1 s) for 5 minutes (now {{ $value | humanizeDuration }})."

  # Every scraped process, aegisd included: the HighCPUUsage rule of every Prometheus guide.
  - name: aegis-processes
    rules:
      - alert: HighCPUUsage
        # CPU seconds per second: 0.8 is 80 % of one core.
        expr: rate(process_cpu_seconds_total[1m]) > 0.8
        for: 2m
        labels:
          severity: warning
        annotations:
          summary: "High CPU usage on {{ $labels.instance }}"
          description: "{{ $labels.instance }} ({{ $labels.service }}) has used {{ $value | humanizePercentage }} of a CPU core for more than 2 minutes."

  # aegisd's own health (docs/metrics-exposed.md). AegisMetricsBackendDown is not here: while
  # the metrics backend is down no rule can fire, so aegisd raises that alert itself.
  - name: aegisd
    rules:
      # Watchers that fell too far behind the store were ended (RESOURCE_EXHAUSTED); their
      # clients re-list, but a steady stream of cut-offs means consumers are too slow.
      - alert: AegisWatchersCutOff
        expr: increase(aegis_watch_watchers_cut_off_total[5m]) > 0
        labels:
          severity: warning
          service: aegisd
        annotations:
          summary: "aegisd {{ $labels.instance }} cut off {{ $value | humanize }} slow watchers in 5 minutes"
          description: "Store watchers that fall too far behind are ended with RESOURCE_EXHAUSTED. Look for slow consumers (console pages, aegisctl watch, modules)."

      # The store's group commit (fsync included) is slow: every write waits on it.
      - alert: AegisStoreCommitSlow
        expr: |
          histogram_quantile(0.99, sum by (instance, le) (rate(aegis_store_commit_duration_seconds_bucket[5m]))) > 0.25
        for: 5m
        labels:
          severity: warning
          service: aegisd
        annotations:
          summary: "aegisd {{ $labels.instance }}: store commits take {{ $value | humanizeDuration }} at p99"
          description: "The 99th percentile of the store's group commits has been above 250 ms for 5 minutes; check the data directory's disk."

      - alert: AegisStoreCommitFailures
        expr: increase(aegis_store_commit_failures_total[5m]) > 0
        labels:
          severity: critical
          service: aegisd
        annotations:
          summary: "aegisd {{ $labels.instance }} could not write its store"
          description: "{{ $value | humanize }} group commits failed in 5 minutes; writes are being refused. Check the data directory's disk and permissions."
)";
}

} // namespace aegis::alerting
