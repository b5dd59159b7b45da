#!/usr/bin/env bash
# Runs the demo: aegisd on its embedded defaults, then aegis-console connected to it.
# Usage: run-demo.sh BUILD_DIR [SECONDS]   (no SECONDS: run until Ctrl-C)
set -euo pipefail

BUILD_DIR=$1
DURATION=${2:-}
DATA_DIR="${XDG_DATA_HOME:-$HOME/.local/share}/aegis-demo"
DEMO_OUT="$BUILD_DIR/demo"
LOG_DIR="$DEMO_OUT/logs"
GRPC_ADDR=127.0.0.1:7400
HTTP_ADDR=127.0.0.1:7401
mkdir -p "$DATA_DIR" "$LOG_DIR"

pids=()
stop_all() {
    trap - INT TERM EXIT
    echo
    echo "==> stopping"
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        kill -TERM "${pids[i]}" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    echo "==> stopped cleanly"
}
trap stop_all INT TERM EXIT

rm -f "$DEMO_OUT/aegisd.ready"
"$BUILD_DIR/backend/aegisd" --data-dir "$DATA_DIR" --listen "$GRPC_ADDR" \
    --http-listen "$HTTP_ADDR" --ready-file "$DEMO_OUT/aegisd.ready" \
    2>>"$LOG_DIR/aegisd.log" &
pids+=($!)

deadline=$((SECONDS + 20))
until [[ -s $DEMO_OUT/aegisd.ready ]]; do
    if ! kill -0 "${pids[0]}" 2>/dev/null; then
        echo "aegisd did not start; the last lines of $LOG_DIR/aegisd.log:" >&2
        tail -n 5 "$LOG_DIR/aegisd.log" >&2
        exit 1
    fi
    ((SECONDS < deadline)) || { echo "aegisd did not become ready in 20 s" >&2; exit 1; }
    sleep 0.1
done

cat <<INFO
==> Aegis is running
    gRPC API     $GRPC_ADDR
    HTTP         http://$HTTP_ADDR/metrics  /healthz  /readyz
    data         $DATA_DIR
    admin token  $DATA_DIR/admin.token
    logs         $LOG_DIR
    try          $BUILD_DIR/backend/aegisctl --server $GRPC_ADDR --token-file $DATA_DIR/admin.token status
INFO

CONSOLE=("$BUILD_DIR/console/aegis-console" --connect "$GRPC_ADDR" --token-file "$DATA_DIR/admin.token")
if [[ -n ${DISPLAY:-} || -n ${WAYLAND_DISPLAY:-} ]]; then
    "${CONSOLE[@]}" 2>>"$LOG_DIR/console.log" &
    pids+=($!)
    echo "==> aegis-console started"
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
    wait "${pids[0]}" || true
fi
