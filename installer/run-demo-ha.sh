#!/usr/bin/env bash
# Runs the highly available demo: a three-member etcd cluster on loopback, three aegisd replicas
# on it (store.backend etcd, one shared secrets key), then aegis-console connected to all three.
# Kill a replica (its pid is printed) and the console, aegisctl and every watch move to another;
# kill an etcd member and the control plane goes on with the other two.
# Usage: run-demo-ha.sh BUILD_DIR [SECONDS]   (no SECONDS: run until Ctrl-C or SIGTERM)
set -euo pipefail

BUILD_DIR=$1
DURATION=${2:-}
ETCD=${AEGIS_ETCD:-/usr/bin/etcd}
AEGISD="$BUILD_DIR/backend/aegisd"
AEGISCTL="$BUILD_DIR/backend/cli/aegisctl"
# Beside the single-daemon demo's data, never mixed with it.
DATA_DIR="${XDG_DATA_HOME:-$HOME/.local/share}/aegis/ha"
DEMO_OUT="$BUILD_DIR/demo-ha"
LOG_DIR="$DEMO_OUT/logs"
# Ports of their own, away from etcd's well-known 2379/2380 and the single demo's 7400-7402.
ETCD_CLIENT_PORTS=(12379 22379 32379)
ETCD_PEER_PORTS=(12380 22380 32380)
GRPC_PORTS=(7410 7420 7430)
HTTP_PORTS=(7411 7421 7431)
REPLICAS=3

[[ -x $ETCD ]] || { echo "no etcd at $ETCD: install Debian's etcd-server" >&2; exit 1; }
[[ -x $AEGISD ]] || { echo "no aegisd at $AEGISD: build first" >&2; exit 1; }
(umask 077 && mkdir -p "$DATA_DIR")
mkdir -p "$LOG_DIR"

etcd_pids=()
replica_pids=()
console_pid=""

endpoints=""
initial_cluster=""
for i in 0 1 2; do
    endpoints+="${endpoints:+,}127.0.0.1:${ETCD_CLIENT_PORTS[i]}"
    initial_cluster+="${initial_cluster:+,}member$i=http://127.0.0.1:${ETCD_PEER_PORTS[i]}"
done
SERVERS=""
for ((i = 0; i < REPLICAS; ++i)); do
    SERVERS+="${SERVERS:+,}127.0.0.1:${GRPC_PORTS[i]}"
done
ADMIN_TOKEN="$DATA_DIR/replica0/admin.token"

stop_pids() {
    for pid in "$@"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "$@"; do
        wait "$pid" 2>/dev/null || true
    done
}

stop_all() {
    trap - INT TERM EXIT
    echo
    echo "==> stopping"
    # The console, then the replicas while etcd still answers them, then etcd.
    [[ -z $console_pid ]] || stop_pids "$console_pid"
    ((${#replica_pids[@]} == 0)) || stop_pids "${replica_pids[@]}"
    ((${#etcd_pids[@]} == 0)) || stop_pids "${etcd_pids[@]}"
    echo "==> stopped cleanly"
}
trap 'stop_all; exit 0' INT TERM
trap stop_all EXIT

# Whether the etcd member with client port $1 says it is healthy (it sees a leader).
etcd_healthy() {
    local answer
    answer=$( (
        exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
        printf 'GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
        timeout 2 cat <&3
    ) 2>/dev/null) || return 1
    [[ $answer == *'"health":"true"'* ]]
}

# Waits up to $2 seconds for the ready file $1, failing early when pid $3 exits.
wait_ready() {
    local deadline=$((SECONDS + $2))
    until [[ -s $1 ]]; do
        kill -0 "$3" 2>/dev/null || return 1
        ((SECONDS < deadline)) || return 1
        sleep 0.1
    done
}

echo "==> starting a three-member etcd cluster"
for i in 0 1 2; do
    "$ETCD" --name "member$i" --data-dir "$DATA_DIR/etcd/member$i" \
        --listen-client-urls "http://127.0.0.1:${ETCD_CLIENT_PORTS[i]}" \
        --advertise-client-urls "http://127.0.0.1:${ETCD_CLIENT_PORTS[i]}" \
        --listen-peer-urls "http://127.0.0.1:${ETCD_PEER_PORTS[i]}" \
        --initial-advertise-peer-urls "http://127.0.0.1:${ETCD_PEER_PORTS[i]}" \
        --initial-cluster "$initial_cluster" --initial-cluster-state new \
        --initial-cluster-token aegis-demo-ha \
        >>"$LOG_DIR/etcd-member$i.log" 2>&1 &
    etcd_pids+=($!)
done
deadline=$((SECONDS + 30))
for i in 0 1 2; do
    until etcd_healthy "${ETCD_CLIENT_PORTS[i]}"; do
        if ! kill -0 "${etcd_pids[i]}" 2>/dev/null || ((SECONDS >= deadline)); then
            echo "etcd member$i did not get healthy; the last lines of $LOG_DIR/etcd-member$i.log:" >&2
            tail -n 5 "$LOG_DIR/etcd-member$i.log" >&2
            exit 1
        fi
        sleep 0.2
    done
done

# Every replica runs the same configuration; only the addresses are flags.
cat >"$DEMO_OUT/aegisd.yaml" <<CONFIG
store:
  backend: etcd
  etcd:
    endpoints: [${endpoints//,/, }]
    prefix: /aegis/
    secrets_key_file: $DATA_DIR/secrets.key
CONFIG

# The secrets key every replica shares (an operator copies it to each machine); etcd never sees it.
if [[ ! -s $DATA_DIR/secrets.key ]]; then
    (umask 077 && head -c 32 /dev/urandom >"$DATA_DIR/secrets.key")
fi

start_replica() {
    local i=$1 dir="$DATA_DIR/replica$1"
    (umask 077 && mkdir -p "$dir")
    rm -f "$DEMO_OUT/replica$i.ready"
    "$AEGISD" --config "$DEMO_OUT/aegisd.yaml" --data-dir "$dir" \
        --listen "127.0.0.1:${GRPC_PORTS[i]}" --http-listen "127.0.0.1:${HTTP_PORTS[i]}" \
        --otlp-listen 127.0.0.1:0 --ready-file "$DEMO_OUT/replica$i.ready" \
        2>>"$LOG_DIR/replica$i.log" &
    replica_pids+=($!)
    if ! wait_ready "$DEMO_OUT/replica$i.ready" 30 "${replica_pids[i]}"; then
        echo "aegisd replica$i did not start; the last lines of $LOG_DIR/replica$i.log:" >&2
        tail -n 5 "$LOG_DIR/replica$i.log" >&2
        exit 1
    fi
}

# The first replica alone, so that exactly one bootstraps the admin token; tokens live in etcd,
# so that token works on every replica.
echo "==> starting $REPLICAS aegisd replicas on etcd"
for ((i = 0; i < REPLICAS; ++i)); do
    start_replica "$i"
done

cat <<INFO
==> Aegis is running highly available
    etcd         $endpoints   (logs $LOG_DIR/etcd-member*.log)
INFO
for ((i = 0; i < REPLICAS; ++i)); do
    printf '    replica%d     gRPC 127.0.0.1:%s  HTTP http://127.0.0.1:%s/readyz  pid %s\n' \
        "$i" "${GRPC_PORTS[i]}" "${HTTP_PORTS[i]}" "${replica_pids[i]}"
done
cat <<INFO
    data         $DATA_DIR
    admin token  $ADMIN_TOKEN
    try          AEGIS_SERVER=$SERVERS $AEGISCTL --token-file $ADMIN_TOKEN status
    failover     kill -9 ${replica_pids[0]}   (replica0): the console and aegisctl move to another replica
INFO

CONSOLE=("$BUILD_DIR/console/aegis-console" --connect "$SERVERS" --token-file "$ADMIN_TOKEN")
if [[ ! -x ${CONSOLE[0]} ]]; then
    echo "==> no console: build aegis-console first" >&2
elif [[ -n ${DISPLAY:-} || -n ${WAYLAND_DISPLAY:-} ]]; then
    "${CONSOLE[@]}" 2>>"$LOG_DIR/console.log" &
    console_pid=$!
    echo "==> aegis-console started, connected to all three replicas"
else
    echo "==> no display: rendering the console under Xvfb"
    export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
    if xvfb-run -a -s "-screen 0 1600x1000x24" "${CONSOLE[@]}" --page overview \
        --screenshot "$DEMO_OUT/console.png" 2>>"$LOG_DIR/console.log"; then
        echo "    screenshot   $DEMO_OUT/console.png"
    else
        echo "    the console could not render; see $LOG_DIR/console.log" >&2
    fi
fi

if [[ -n $DURATION ]]; then
    echo "==> running for $DURATION s"
    end=$((SECONDS + DURATION))
    while ((SECONDS < end)); do sleep 1; done
else
    echo "==> press Ctrl-C to stop"
    # Until every replica has stopped (a killed one is the point of the demo).
    for pid in "${replica_pids[@]}"; do
        wait "$pid" || true
    done
fi
