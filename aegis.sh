#!/usr/bin/env bash
# The one entry point for building, testing and trying Aegis.
#
#   ./aegis.sh deps [bench]      install the Debian packages the project needs (only what is missing)
#   ./aegis.sh build             deps + configure + build into build/
#   ./aegis.sh test              deps + build + every test through ctest
#   ./aegis.sh demo [--for SEC]  deps + build + run aegisd and aegis-console on embedded defaults
#   ./aegis.sh demo --ha [--for SEC]  the same highly available: 3 etcd members, 3 aegisd replicas
#   ./aegis.sh package           deps + build + the Debian packages into build/packages/
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BUILD_DIR="${AEGIS_BUILD_DIR:-$ROOT/build}"
JOBS="${AEGIS_JOBS:-$(nproc 2>/dev/null || echo 2)}"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'aegis.sh: %s\n' "$*" >&2; exit 1; }

# Prints the packages of the given lists that are not installed. A line is `package` or
# `package command=NAME` (satisfied when NAME is on PATH, whatever installed it).
missing_packages() {
    local pkg extra
    grep -hv '^\s*#' "$@" | while read -r pkg extra; do
        [[ -n $pkg ]] || continue
        if [[ $extra == command=* ]] && command -v "${extra#command=}" >/dev/null 2>&1; then
            continue
        fi
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' \
            || echo "$pkg"
    done
}

sudo_if_needed() {
    if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

# deps [EXTRA...]: the build and test lists, plus installer/packages-EXTRA.txt (e.g. bench).
cmd_deps() {
    local lists=("$ROOT/installer/packages-build.txt" "$ROOT/installer/packages-test.txt")
    local extra missing=()
    for extra in "$@"; do
        [[ -f $ROOT/installer/packages-$extra.txt ]] || die "deps: no installer/packages-$extra.txt"
        lists+=("$ROOT/installer/packages-$extra.txt")
    done
    mapfile -t missing < <(missing_packages "${lists[@]}")
    if ((${#missing[@]} == 0)); then
        say "dependencies: all installed"
        return
    fi
    say "installing ${#missing[@]} packages: ${missing[*]}"
    sudo_if_needed apt-get update -qq
    sudo_if_needed env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

cmd_build() {
    cmd_deps
    say "configuring ($BUILD_DIR)"
    if [[ ! -f $BUILD_DIR/build.ninja ]]; then
        cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    else
        cmake "$BUILD_DIR" >/dev/null
    fi
    say "building with $JOBS jobs"
    cmake --build "$BUILD_DIR" -j "$JOBS"
}

cmd_test() {
    cmd_build
    say "running the test suite"
    cd "$BUILD_DIR"
    ctest --output-on-failure --timeout 600 -j 1
}

cmd_demo() {
    local duration="" ha=""
    while (($#)); do
        case $1 in
            --ha) ha=1; shift ;;
            --for) duration=${2:?--for needs a number of seconds}; shift 2 ;;
            --for=*) duration=${1#--for=}; shift ;;
            *) die "demo: unknown option $1 (use --ha, --for SECONDS)" ;;
        esac
    done
    [[ -z $duration || $duration =~ ^[0-9]+$ ]] || die "demo: --for takes whole seconds"
    cmd_build
    if [[ -n $ha ]]; then
        exec "$ROOT/installer/run-demo-ha.sh" "$BUILD_DIR" "$duration"
    fi
    exec "$ROOT/installer/run-demo.sh" "$BUILD_DIR" "$duration"
}

# The four .deb files (docs/packaging.md), made by CPack from the build tree; binaries are stripped
# as they are packaged.
cmd_package() {
    cmd_build
    say "packaging into $BUILD_DIR/packages"
    rm -f "$BUILD_DIR"/packages/*.deb
    (cd "$BUILD_DIR" && cpack -G DEB)
    ls -1 "$BUILD_DIR"/packages/*.deb
}

case ${1:-} in
    deps) shift; cmd_deps "$@" ;;
    build) shift; cmd_build "$@" ;;
    test) shift; cmd_test "$@" ;;
    demo) shift; cmd_demo "$@" ;;
    package) shift; cmd_package "$@" ;;
    -h|--help|help|"") sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' ;;
    *) die "unknown command '$1' (deps, build, test, demo, package)" ;;
esac
