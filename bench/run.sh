#!/usr/bin/env bash
# Builds the benchmarks (and aegisd) and runs one; the markdown tables go to stdout, progress to
# stderr. Extra arguments go to the benchmark:
#   bench/run.sh [args]             aegis-bench: unary reads and audited mutations,
#                                   e.g. `bench/run.sh --duration 5 --concurrency 1,64`
#   bench/run.sh discovery [args]   aegis-bench-discovery: service discovery side by side with
#                                   etcd 3.4, e.g. `bench/run.sh discovery --watchers 1000`
#
# First installs the Debian packages of installer/packages-bench.txt that are missing (etcd), with
# sudo when not root, like `./aegis.sh deps`.
#
# Builds and the run both take a build lock (AEGIS_BUILD_LOCK, default in the build directory): on a 2-core machine a
# compiler running beside the benchmark halves its numbers. Set AEGIS_BENCH_NO_LOCK=1 to run
# without holding it.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${AEGIS_BUILD_DIR:-$root/build}"
lock="${AEGIS_BUILD_LOCK:-$build/.build.lock}"

program=aegis-bench
if [[ "${1:-}" == discovery ]]; then
    program=aegis-bench-discovery
    shift
fi

sudo_if_needed() {
    if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

install_bench_packages() {
    local pkg missing=()
    for pkg in $(grep -v '^\s*#' "$root/installer/packages-bench.txt" | awk 'NF {print $1}'); do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' \
            || missing+=("$pkg")
    done
    if ((${#missing[@]} == 0)); then
        return
    fi
    echo "run.sh: installing ${missing[*]}" >&2
    sudo_if_needed apt-get update -qq >&2
    sudo_if_needed env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

cd "$root"
install_bench_packages
if [[ ! -f "$build/build.ninja" ]]; then
    flock "$lock" cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >&2
fi
flock "$lock" cmake --build "$build" -j2 --target "$program" aegisd >&2

if [[ "${AEGIS_BENCH_NO_LOCK:-0}" == 1 ]]; then
    exec "$build/bench/$program" "$@"
fi
exec flock "$lock" "$build/bench/$program" "$@"
