#!/usr/bin/env bash
# Builds the benchmarks (and aegisd) and runs one; the markdown tables go to stdout, progress to
# stderr. Extra arguments go to the benchmark:
#   bench/run.sh [args]             aegis-bench: unary reads and audited mutations,
#                                   e.g. `bench/run.sh --duration 5 --concurrency 1,64`
#   bench/run.sh discovery [args]   aegis-bench-discovery: service discovery side by side with
#                                   etcd 3.4, e.g. `bench/run.sh discovery --watchers 1000`
#   bench/run.sh ha [args]          aegis-bench-ha: 3 aegisd replicas on a 3-member etcd cluster
#                                   beside a single daemon on SQLite (registrations/s, renewals/s,
#                                   config publishes/s, publish -> 10,000 watchers) and failover
#                                   times, e.g. `bench/run.sh ha --only failover --failovers 5`
#   bench/run.sh health [args]      aegis-bench-health: checks at 1k/5k/10k instances, detection
#                                   times, e.g. `bench/run.sh health --only active --kills 20`
#   bench/run.sh config [args]      aegis-bench-config: change-to-delivery at 1k/10k watchers
#                                   (gray resolution included; a stream per watcher, WatchService,
#                                   etcd), durable publishes/s, reads/s,
#                                   e.g. `bench/run.sh config --only delivery --watchers 1000`
#   bench/run.sh rollout [args]     aegis-bench-rollout: rollouts moving wrk load through HAProxy
#                                   2.6, e.g. `bench/run.sh rollout --switches 20 --aborts 20`
#   bench/run.sh metrics [args]     aegis-bench-metrics: QueryRange via aegisd vs straight to
#                                   Prometheus, registration to first sample, 500 targets' cost
#   bench/run.sh alerting [args]    aegis-bench-alerting: 1,000 rules by aegisd vs Prometheus'
#                                   rule manager, condition to webhook, SIGKILLs while firing,
#                                   e.g. `bench/run.sh alerting --only latency --trials 10`
#   bench/run.sh tracing-ingest [args]  aegis-bench-tracing-ingest: spans stored durably per
#                                   second over OTLP/gRPC (batches of 512, 1/4/8 exporters) and
#                                   bytes per span on disk, e.g. `bench/run.sh tracing-ingest --duration 20`
#   bench/run.sh console [args]     aegis-bench-console: the console's time chart, a QueryRange
#                                   answer to the drawn chart (100 / 2,000 series) and panning
#                                   200 series x 10,000 points, e.g. `bench/run.sh console --frames 200`;
#                                   the trace view with 100,000 spans (`--only trace`)
#   bench/run.sh tracing-query [args] aegis-bench-tracing-query: GetTrace and SearchTraces with
#                                   10 million spans stored (the fill is kept under the build
#                                   directory and reused), e.g. `bench/run.sh tracing-query --spans 1000000`
#   bench/run.sh pick [window-ms] [picker|grpc]  aegis-bench-picker: the cost and allocations of
#                                   one pick per strategy at 10 / 100 / 1,000 instances, 1 and 8
#                                   threads, then calls through gRPC's round_robin vs the SDK's
#                                   picker (no daemon), e.g. `bench/run.sh pick 1000`; `picker` is
#                                   the same
#   bench/run.sh breaker [window-ms] aegis-bench-breaker: what the circuit breaker, rate limiter
#                                   and call policy add per call, 1 and 8 threads (no daemon)
#
# First installs what is missing of the project's packages and installer/packages-bench.txt
# (etcd), through `./aegis.sh deps bench`.
#
# Builds and the run both take a lock (AEGIS_BUILD_LOCK, default in the build directory): on a
# 2-core machine a compiler running beside the benchmark halves its numbers. Set
# AEGIS_BENCH_NO_LOCK=1 to run without holding it.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${AEGIS_BUILD_DIR:-$root/build}"
lock="${AEGIS_BUILD_LOCK:-$build/.build.lock}"

program=aegis-bench
case "${1:-}" in
    discovery) program=aegis-bench-discovery; shift ;;
    ha) program=aegis-bench-ha; shift ;;
    health) program=aegis-bench-health; shift ;;
    config) program=aegis-bench-config; shift ;;
    rollout) program=aegis-bench-rollout; shift ;;
    pick | picker) program=aegis-bench-picker; shift ;;
    breaker) program=aegis-bench-breaker; shift ;;
    metrics) program=aegis-bench-metrics; shift ;;
    console) program=aegis-bench-console; shift ;;
    alerting) program=aegis-bench-alerting; shift ;;
    tracing-query) program=aegis-bench-tracing-query; shift ;;
    tracing-ingest) program=aegis-bench-tracing-ingest; shift ;;
esac

cd "$root"
"$root/aegis.sh" deps bench >&2
mkdir -p "$build"
if [[ ! -f "$build/build.ninja" ]]; then
    flock "$lock" cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >&2
fi
flock "$lock" cmake --build "$build" -j2 --target "$program" aegisd >&2

if [[ "${AEGIS_BENCH_NO_LOCK:-0}" == 1 ]]; then
    exec "$build/bench/$program" "$@"
fi
exec flock "$lock" "$build/bench/$program" "$@"
