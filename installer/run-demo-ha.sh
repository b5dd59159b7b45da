#!/usr/bin/env bash
# Runs the highly available demo: a three-member etcd cluster on loopback, three aegisd replicas
# on it (store.backend etcd, one shared secrets key), then aegis-console connected to all three.
# Kill a replica (its pid is printed) and the console, aegisctl and every watch move to another;
# kill an etcd member and the control plane goes on with the other two.
# Usage: run-demo-ha.sh BUILD_DIR [SECONDS]   (no SECONDS: run until Ctrl-C or SIGTERM)
set -euo pipefail

# shellcheck source=installer/demo-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/demo-common.sh"

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

stop_all() {
    # The console, then the replicas while etcd still answers them, then etcd.
    [[ -z $console_pid ]] || stop_pids "$console_pid"
    ((${#replica_pids[@]} == 0)) || stop_pids "${replica_pids[@]}"
    ((${#etcd_pids[@]} == 0)) || stop_pids "${etcd_pids[@]}"
}
on_demo_stop stop_all

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

# Connected to every replica: it moves to another when its own goes away.
start_console "$BUILD_DIR/console/aegis-console" --connect "$SERVERS" --token-file "$ADMIN_TOKEN"

# Until every replica has stopped (a killed one is the point of the demo).
run_until_stopped "$DURATION" "${replica_pids[@]}"
