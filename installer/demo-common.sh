# shellcheck shell=bash
# What run-demo.sh and run-demo-ha.sh share: sourced, not run. Uses the caller's LOG_DIR and
# DEMO_OUT.

# Stops processes and waits for them; SIGTERM lets each one finish cleanly.
stop_pids() {
    for pid in "$@"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "$@"; do
        wait "$pid" 2>/dev/null || true
    done
}

# Runs function $1 once when the demo ends: on Ctrl-C or SIGTERM (also while it waits in
# run_until_stopped), which then end the script, or when the script exits.
on_demo_stop() {
    demo_stop_steps=$1
    trap 'demo_stop; exit 0' INT TERM
    trap demo_stop EXIT
}

demo_stop() {
    trap - INT TERM EXIT
    echo
    echo "==> stopping"
    "$demo_stop_steps"
    echo "==> stopped cleanly"
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

# Starts aegis-console (the command and its arguments) on the display, setting console_pid; with
# no display, renders its overview under Xvfb into $DEMO_OUT/console.png instead.
start_console() {
    console_pid=""
    if [[ ! -x $1 ]]; then
        echo "==> no console: build aegis-console first" >&2
    elif [[ -n ${DISPLAY:-} || -n ${WAYLAND_DISPLAY:-} ]]; then
        "$@" 2>>"$LOG_DIR/console.log" &
        # shellcheck disable=SC2034 # the caller's
        console_pid=$!
        echo "==> aegis-console started"
    else
        echo "==> no display: rendering the console under Xvfb"
        export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
        if xvfb-run -a -s "-screen 0 1600x1000x24" "$@" --page overview \
            --screenshot "$DEMO_OUT/console.png" 2>>"$LOG_DIR/console.log"; then
            echo "    screenshot   $DEMO_OUT/console.png"
        else
            echo "    the console could not render; see $LOG_DIR/console.log" >&2
        fi
    fi
}

# Runs for $1 seconds, or with $1 empty until Ctrl-C, SIGTERM or the end of every pid after it.
run_until_stopped() {
    local duration=$1 end pid
    shift
    if [[ -n $duration ]]; then
        echo "==> running for $duration s"
        end=$((SECONDS + duration))
        while ((SECONDS < end)); do sleep 1; done
    else
        echo "==> press Ctrl-C to stop"
        for pid in "$@"; do
            wait "$pid" || true
        done
    fi
}
