#!/usr/bin/env bash
# Runs the demo: aegisd on its embedded defaults, a fleet of aegis-sample services deployed by
# aegisd itself through rollouts with the process driver (resources/demo/fleet.yaml, one process
# per instance; every checkout request calls inventory and payments, traced end to end into
# aegisd's span store), aegis-loadgen sending traffic across the fleet, then aegis-console
# connected to aegisd. Releasing a new version of a service from the console's Releases page starts it on the
# idle colour the same way.
# Usage: run-demo.sh BUILD_DIR [SECONDS]   (no SECONDS: run until Ctrl-C or SIGTERM)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/installer/demo-common.sh"
BUILD_DIR=$1
DURATION=${2:-}
# aegisd's default data directory, where aegisctl and the console find the admin token by default:
# plain `aegisctl status` and `aegis-console` reach the demo.
DATA_DIR="${XDG_DATA_HOME:-$HOME/.local/share}/aegis"
DEMO_OUT="$BUILD_DIR/demo"
LOG_DIR="$DEMO_OUT/logs"
GRPC_ADDR=127.0.0.1:7400
HTTP_ADDR=127.0.0.1:7401
# Where `aegisctl alerts receive` listens: the managed Alertmanager's default receiver posts every
# notification there, and the demo prints them.
WEBHOOK_ADDR=127.0.0.1:7402
# aegisd's OTLP/gRPC receiver, where the fleet exports its spans.
OTLP_ADDR=127.0.0.1:4317
FLEET_FILE="$ROOT/resources/demo/fleet.yaml"
SAMPLE="$BUILD_DIR/backend/sample/aegis-sample"
LOADGEN="$BUILD_DIR/backend/sample/aegis-loadgen"
AEGISCTL="$BUILD_DIR/backend/cli/aegisctl"
# The fleet's own token (role "service"), created through aegisd on first use.
FLEET_TOKEN="$DATA_DIR/demo-fleet.token"
# As aegisd makes a data directory it creates: readable by its owner only.
(umask 077 && mkdir -p "$DATA_DIR")
mkdir -p "$LOG_DIR"

pids=() # the alert receiver, aegisd, then the console
loadgen_pid=""

# Removes the fleet's registrations while aegisd still runs: the next run's instances then register
# (and acknowledge their configuration) at once, instead of waiting for these leases to expire.
deregister_fleet() {
    local id service
    declare -F ctl >/dev/null || return 0 # aegisd never became ready
    ctl --token-file "$DATA_DIR/admin.token" -o json instances list 2>/dev/null |
        sed -n 's/^   "\(id\|service\)": *"\([^"]*\)".*/\2/p' | paste - - |
        while read -r id service; do
            case $service in
                checkout | inventory | payments)
                    ctl --token-file "$DATA_DIR/admin.token" instances deregister "$service" "$id" \
                        >/dev/null 2>&1 || true
                    ;;
            esac
        done
}

stop_all() {
    # Traffic first, then aegisd, then its fleet, then the rest.
    if [[ -n $loadgen_pid ]]; then
        stop_pids "$loadgen_pid"
        grep '^final:' "$LOG_DIR/loadgen.log" | tail -n 1 | sed 's/^/    aegis-loadgen /' || true
    fi
    # The fleet's processes are aegisd's deployments and outlive it, as they would a restart: aegisd
    # stops first, so it sees no instance exit (stopping them under its supervision would look like
    # nine crashes, each restarted). The next run's aegisd starts them again from its records and
    # says so in each release's rollout log.
    local receiver=${pids[0]:-} daemon=${pids[1]:-} console=${pids[2]:-}
    [[ -z $console ]] || stop_pids "$console"
    [[ -z $daemon ]] || deregister_fleet
    [[ -z $daemon ]] || stop_pids "$daemon"
    if pkill -TERM -f "token-file $FLEET_TOKEN" 2>/dev/null; then
        # Each instance tries to deregister from the stopped aegisd first (up to 5 s).
        echo "    stopping the demo fleet (up to 15 s)"
        local deadline=$((SECONDS + 15))
        while pgrep -f "token-file $FLEET_TOKEN" >/dev/null && ((SECONDS < deadline)); do
            sleep 0.1
        done
        echo "    demo fleet stopped"
    fi
    [[ -z $receiver ]] || stop_pids "$receiver"
}
on_demo_stop stop_all

# Alert notifications, printed as they arrive (the receiver starts first so none is missed).
"$AEGISCTL" alerts receive --listen "$WEBHOOK_ADDR" 2>>"$LOG_DIR/alerts.log" \
    > >(sed -u 's/^/==> alert: /') &
pids+=($!)

# Only what differs from the embedded defaults: the managed Alertmanager's default receiver.
cat >"$DEMO_OUT/aegisd.yaml" <<CONFIG
alerting:
  managed:
    default_webhook_url: http://$WEBHOOK_ADDR/
CONFIG

rm -f "$DEMO_OUT/aegisd.ready"
"$BUILD_DIR/backend/aegisd" --config "$DEMO_OUT/aegisd.yaml" --data-dir "$DATA_DIR" \
    --listen "$GRPC_ADDR" --http-listen "$HTTP_ADDR" --otlp-listen "$OTLP_ADDR" \
    --ready-file "$DEMO_OUT/aegisd.ready" \
    2>>"$LOG_DIR/aegisd.log" &
pids+=($!)

if ! wait_ready "$DEMO_OUT/aegisd.ready" 20 "${pids[1]}"; then
    echo "aegisd did not become ready in 20 s; the last lines of $LOG_DIR/aegisd.log:" >&2
    tail -n 5 "$LOG_DIR/aegisd.log" >&2
    exit 1
fi

cat <<INFO
==> Aegis is running
    gRPC API     $GRPC_ADDR
    HTTP         http://$HTTP_ADDR/metrics  /healthz  /readyz
    OTLP         $OTLP_ADDR (gRPC) and http://$HTTP_ADDR/v1/traces
    data         $DATA_DIR
    admin token  $DATA_DIR/admin.token
    logs         $LOG_DIR
    try          $AEGISCTL status   (aegisctl and aegis-console find this aegisd and its token by default)
INFO

ctl() { "$AEGISCTL" --server "$GRPC_ADDR" --timeout 5s "$@"; }

# A service-role token for the fleet and the load generator, kept in the data directory; made
# again when it is missing, no longer accepted, or not bound to the demo's services (made by an
# earlier version).
fleet_token() {
    if [[ -s $FLEET_TOKEN ]] &&
        ctl --token-file "$FLEET_TOKEN" -o json whoami 2>/dev/null | grep -q '"services"'; then
        return 0
    fi
    ctl --token-file "$DATA_DIR/admin.token" tokens revoke demo-fleet >/dev/null 2>&1 || true
    local secret services
    # Every service fleet.yaml describes (the second word of each instance's flags).
    services=$("$SAMPLE" --print-fleet "$FLEET_FILE" | awk '{print $2}' | sort -u | paste -sd,)
    secret=$(ctl --token-file "$DATA_DIR/admin.token" -o json tokens create demo-fleet \
        --role service --service "$services" --namespace demo \
        --description "aegis-sample demo fleet and aegis-loadgen" |
        sed -n 's/^ *"secret": *"\([^"]*\)".*/\1/p')
    [[ -n $secret ]] || return 1
    (umask 077 && printf '%s\n' "$secret" >"$FLEET_TOKEN")
}

registered_instances() {
    ctl --token-file "$DATA_DIR/admin.token" -o json instances list 2>/dev/null |
        grep -c '"address"' || true
}

start_fleet() {
    local instances=0
    if [[ ! -x $SAMPLE || ! -x $LOADGEN || ! -x $AEGISCTL ]]; then
        echo "==> no demo fleet: build aegis-sample, aegis-loadgen and aegisctl first" >&2
        return 0
    fi
    if ! fleet_token; then
        echo "==> no demo fleet: could not create a service token (see $LOG_DIR/aegisd.log)" >&2
        return 0
    fi
    # Health checks first, so the first releases wait for instances that really answer.
    local service
    for service in checkout inventory payments; do
        ctl --token-file "$DATA_DIR/admin.token" health set "$service" --http /health \
            --interval 1s --probe-timeout 500ms --rise 2 --fall 3 >/dev/null ||
            echo "    could not set the health check of $service" >&2
    done
    # Each service's behaviour lives in the config center (demo/<service>/behaviour.json): edit it
    # in the console's Config page and the samples change their answers and metrics at once.
    local latency errors
    for service in checkout inventory payments; do
        if ctl --token-file "$DATA_DIR/admin.token" config get "demo/$service/behaviour.json" \
            >/dev/null 2>&1; then
            continue # kept from an earlier run, with whatever was edited since
        fi
        case $service in
            checkout) latency=8ms errors=0.002 ;;
            inventory) latency=3ms errors=0 ;;
            *) latency=15ms errors=0.01 ;;
        esac
        ctl --token-file "$DATA_DIR/admin.token" config put "demo/$service/behaviour.json" \
            --format json --comment "demo defaults" --content \
            "{\"latency\": \"$latency\", \"error_rate\": $errors, \"greeting\": \"hello from $service\", \"features\": {\"new_checkout\": false}}" \
            >/dev/null || echo "    could not publish the behaviour of $service" >&2
    done

    release_fleet
    instances=$(registered_instances)

    "$LOADGEN" --aegis "$GRPC_ADDR" --token-file "$FLEET_TOKEN" \
        --services checkout,inventory,payments --rate 200 --concurrency 16 --interval 5s \
        >>"$LOG_DIR/loadgen.log" 2>&1 &
    loadgen_pid=$!
    local live next
    live=$(live_version checkout)
    next=$(next_version "${live:-1.4.2}")
    cat <<FLEET
==> demo fleet: $instances instances registered (checkout, inventory, payments), deployed by aegisd
    releases     $AEGISCTL rollout releases
    release      $AEGISCTL rollout start checkout --version $next --approval   (checkout runs ${live:-nothing yet})
    fleet logs   $AEGISCTL instances logs checkout checkout-blue-1 --follow   (or the console's Services page)
    instances    $AEGISCTL instances list
    health       $AEGISCTL health show checkout
    config       $AEGISCTL config get demo/checkout/behaviour.json
    traffic      aegis-loadgen at 200 req/s; summaries every 5 s in $LOG_DIR/loadgen.log
    traces       every checkout request calls inventory and payments: the Traces page shows the
                 connected traces and the dependency graph; raise payments' latency in the Config
                 page (demo/payments/behaviour.json) and it becomes the critical path
                 $AEGISCTL traces search --service checkout
    log/trace    each "/" request logs its trace_id in $DATA_DIR/deployments/<service>/<color>-<n>.log
    alerts       default rules (error ratio > 5 % for 2m, ...): raise error_rate in the Config page;
                 notifications are printed here as "==> alert: ..."
    metrics      $(ctl --token-file "$DATA_DIR/admin.token" -o json status 2>/dev/null |
        sed -n 's/^ *"url": *"\([^"]*\)".*/Prometheus (managed by aegisd) at \1, scraping every instance/p')
FLEET
}
# The version `service` runs live ("" before its first release succeeded).
live_version() {
    # Fields come in proto order: service, liveColor, liveVersion.
    ctl --token-file "$DATA_DIR/admin.token" -o json rollout releases 2>/dev/null |
        grep -A2 "\"service\": *\"$1\"" |
        sed -n 's/^ *"liveVersion": *"\([^"]*\)".*/\1/p' | head -n 1
}

# The release after `version`: the next minor version (1.4.2 -> 1.5.0); a version that is not
# MAJOR.MINOR[.PATCH] gets ".1" appended.
next_version() {
    if [[ $1 =~ ^([0-9]+)\.([0-9]+)(\.[0-9]+)?$ ]]; then
        echo "${BASH_REMATCH[1]}.$((BASH_REMATCH[2] + 1)).0"
    else
        echo "$1.1"
    fi
}

# Each service's first release: its instances as fleet.yaml describes them, run by aegisd's process
# driver from one command template. A service released in an earlier run is left as it is (aegisd
# restarted its processes from its records when it started).
release_fleet() {
    local line service version flags replicas command
    declare -A templates=() versions=() counts=()
    while read -r line; do
        read -r -a flags <<<"$line"
        service=${flags[1]}
        version=${flags[5]}
        counts[$service]=$((${counts[$service]:-0} + 1))
        versions[$service]=$version
        # The instance's own values become the driver's placeholders.
        templates[$service]=$(sed -E -e 's/--id [^ ]+/--id {instance_id}/' \
            -e 's/--version [^ ]+/--version {version}/' -e 's/--color [^ ]+/--color {color}/' \
            -e 's/--zone [^ ]+/--zone zone-{index}/' <<<"$line")
    done < <("$SAMPLE" --print-fleet "$FLEET_FILE")

    local released
    released=$(ctl --token-file "$DATA_DIR/admin.token" -o json rollout releases 2>/dev/null || true)
    local description
    for service in "${!templates[@]}"; do
        description="first release of the demo fleet"
        # Fields come in proto order: service, liveColor, liveVersion.
        if grep -A2 "\"service\": *\"$service\"" <<<"$released" |
            grep -q '"liveVersion": *"[^"]'; then
            # Released by an earlier demo whose fleet made no downstream calls: released again
            # with them, so its traces show the call chain.
            if [[ ${templates[$service]} != *--calls* ]] ||
                ! pgrep -f -- "--service $service --id .*--token-file $FLEET_TOKEN" >/dev/null ||
                pgrep -f -- "--service $service .*--calls .*--token-file $FLEET_TOKEN" \
                    >/dev/null; then
                continue
            fi
            description="the demo fleet's traced downstream calls"
        fi
        command="$SAMPLE ${templates[$service]} --listen 127.0.0.1:{port} --aegis $GRPC_ADDR"
        command+=" --token-file $FLEET_TOKEN --ttl 10s --otlp-endpoint http://$OTLP_ADDR"
        ctl --token-file "$DATA_DIR/admin.token" rollout start "$service" \
            --version "${versions[$service]}" --replicas "${counts[$service]}" \
            --driver process --param "command=$command" --param grace_period=5s \
            --router registry --healthy-for 2s \
            --description "$description" >/dev/null ||
            echo "    could not release $service" >&2
    done
    # Wait for the first releases (up to 30 s): instances start, register and pass their checks.
    local deadline=$((SECONDS + 30))
    while ctl --token-file "$DATA_DIR/admin.token" rollout list --active 2>/dev/null |
        grep -q -- '-[0-9]'; do
        if ((SECONDS >= deadline)); then
            echo "    the fleet's first releases are still running; see the Releases page" >&2
            break
        fi
        sleep 0.5
    done
}

start_fleet

start_console "$BUILD_DIR/console/aegis-console" --connect "$GRPC_ADDR" \
    --token-file "$DATA_DIR/admin.token"
[[ -z $console_pid ]] || pids+=("$console_pid")

run_until_stopped "$DURATION" "${pids[1]}"
