#!/usr/bin/env bash
# tests/packaging: builds the Debian packages with CPack from the build tree, checks their control
# fields and contents, runs lintian, desktop-file-validate and appstreamcli validate, unpacks them
# into a temporary root (dpkg -x: the machine's own system is left alone), starts aegisd through
# the unit's ExecStart line with the packaged configuration, runs the packaged aegisctl status and
# the completion against it, and builds the client example against the unpacked -dev package.
# Usage: check_packages.sh BUILD_DIR
set -euo pipefail

BUILD_DIR=$1
WORK=$(mktemp -d)
daemon_pid=""
cleanup() {
    if [[ -n $daemon_pid ]]; then
        kill -KILL "$daemon_pid" 2>/dev/null || true
        wait "$daemon_pid" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

failures=0
fail() {
    printf 'FAIL: %s\n' "$*" >&2
    failures=$((failures + 1))
}
step() { printf '==> %s\n' "$*"; }

# Every tool this test uses is in installer/packages-*.txt; a missing one fails the test.
for tool in cpack dpkg-deb dpkg-shlibdeps lintian desktop-file-validate appstreamcli cmake \
    pkg-config help2man rsvg-convert systemd-analyze file zsh; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (installer/packages-*.txt)" >&2; exit 1; }
done

version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$BUILD_DIR/CMakeCache.txt")
[[ -n $version ]] || { echo "FAIL: no CMAKE_PROJECT_VERSION in $BUILD_DIR/CMakeCache.txt" >&2; exit 1; }
deb_version="$version-1"
arch=$(dpkg --print-architecture)

step "building the packages (cpack)"
rm -f "$BUILD_DIR"/packages/*.deb
(cd "$BUILD_DIR" && cpack -G DEB >"$WORK/cpack.log" 2>&1) || { cat "$WORK/cpack.log" >&2; exit 1; }
declare -A deb
for package in aegisd aegisctl aegis-console libaegis-client-dev; do
    deb[$package]="$BUILD_DIR/packages/${package}_${deb_version}_${arch}.deb"
    [[ -f ${deb[$package]} ]] || { echo "FAIL: ${deb[$package]} was not built" >&2; ls "$BUILD_DIR/packages" >&2; exit 1; }
done

step "control fields"
field() { dpkg-deb --field "${deb[$1]}" "$2"; }
expect_field() { # PACKAGE FIELD PATTERN
    local value
    value=$(field "$1" "$2")
    [[ $value =~ $3 ]] || fail "$1: $2 is '$value', expected to match '$3'"
}
for package in "${!deb[@]}"; do
    expect_field "$package" Package "^$package\$"
    expect_field "$package" Version "^$deb_version\$"
    expect_field "$package" Architecture "^$arch\$"
    expect_field "$package" Maintainer '<.+@.+>'
    expect_field "$package" Homepage '^https://'
done
for package in aegisd aegisctl aegis-console; do
    # dpkg-shlibdeps computed them from the binaries.
    expect_field "$package" Depends 'libc6 \(>= '
done
expect_field aegisd Depends 'libgrpc\+\+1\.51'
expect_field aegisd Depends 'adduser'
expect_field aegisd Recommends '^prometheus, prometheus-alertmanager$'
expect_field aegis-console Depends 'libqt6widgets6'
expect_field libaegis-client-dev Depends 'libgrpc\+\+-dev'
expect_field libaegis-client-dev Section '^libdevel$'
dpkg-deb --info "${deb[aegisd]}" conffiles | grep -qx '/etc/aegis/aegisd.yaml' ||
    fail "aegisd: /etc/aegis/aegisd.yaml is not a conffile"
for script in postinst prerm postrm; do
    dpkg-deb --info "${deb[aegisd]}" "$script" >"$WORK/$script" || fail "aegisd: no $script"
    sh -n "$WORK/$script" || fail "aegisd: $script is not valid sh"
done
grep -q 'adduser --system --group' "$WORK/postinst" || fail "aegisd: postinst does not create the aegis user"

step "contents"
expect_files() { # PACKAGE PATH...
    local package=$1 listing
    shift
    listing=$(dpkg-deb --contents "${deb[$package]}" | awk '{print $6}' | sed 's|^\./|/|')
    for path in "$@"; do
        grep -qx -- "$path" <<<"$listing" || fail "$package: $path is missing"
    done
}
expect_files aegisd /usr/bin/aegisd /lib/systemd/system/aegisd.service /etc/aegis/aegisd.yaml \
    /usr/share/man/man1/aegisd.1.gz /usr/share/doc/aegisd/copyright \
    /usr/share/doc/aegisd/changelog.Debian.gz
expect_files aegisctl /usr/bin/aegisctl /usr/share/man/man1/aegisctl.1.gz \
    /usr/share/bash-completion/completions/aegisctl /usr/share/zsh/vendor-completions/_aegisctl
expect_files aegis-console /usr/bin/aegis-console /usr/share/man/man1/aegis-console.1.gz \
    /usr/share/applications/org.example.aegis.console.desktop \
    /usr/share/metainfo/org.example.aegis.console.metainfo.xml \
    /usr/share/icons/hicolor/scalable/apps/org.example.aegis.console.svg \
    /usr/share/aegis-console/screenshots/overview.png
for size in 16 24 32 48 64 128 256; do
    expect_files aegis-console "/usr/share/icons/hicolor/${size}x${size}/apps/org.example.aegis.console.png"
done
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
expect_files libaegis-client-dev "/usr/lib/$multiarch/libaegis_client.a" \
    "/usr/include/aegis/client/connection.h" "/usr/include/aegis/common/status.h" \
    "/usr/include/aegis/proto/aegis/v1/registry.grpc.pb.h" \
    "/usr/lib/$multiarch/cmake/AegisClient/AegisClientConfig.cmake" \
    "/usr/lib/$multiarch/pkgconfig/aegis-client.pc" \
    /usr/share/doc/libaegis-client-dev/examples/register_and_discover.cpp

step "lintian"
# Every tag up to the informational ones is fixed or overridden inside the package with its reason
# (installer/lintian/).
lintian --fail-on error,warning,info --display-info --tag-display-limit 0 "${deb[@]}" >"$WORK/lintian.log" 2>&1 ||
    { cat "$WORK/lintian.log" >&2; fail "lintian reports tags without an override"; }
cat "$WORK/lintian.log"

step "unpacking into a temporary root"
ROOT="$WORK/root"
for package in "${!deb[@]}"; do
    dpkg-deb --extract "${deb[$package]}" "$ROOT"
done
[[ $("$ROOT/usr/bin/aegisd" --version) == "aegisd $version" ]] || fail "aegisd --version is not $version"
[[ $("$ROOT/usr/bin/aegisctl" --version) == "aegisctl $version" ]] || fail "aegisctl --version is not $version"
[[ $(QT_QPA_PLATFORM=offscreen "$ROOT/usr/bin/aegis-console" --version 2>/dev/null) == *" $version" ]] ||
    fail "aegis-console --version is not $version"
for binary in aegisd aegisctl aegis-console; do
    if file "$ROOT/usr/bin/$binary" | grep -q 'not stripped'; then
        fail "$binary is not stripped"
    fi
done

step "desktop entry and metainfo"
desktop-file-validate "$ROOT/usr/share/applications/org.example.aegis.console.desktop" ||
    fail "desktop-file-validate"
appstreamcli validate --no-net --explain \
    "$ROOT/usr/share/metainfo/org.example.aegis.console.metainfo.xml" || fail "appstreamcli validate"
grep -q '<image type="source" width="1280" height="800">https://' \
    "$ROOT/usr/share/metainfo/org.example.aegis.console.metainfo.xml" || fail "metainfo: screenshot URL"
while read -r shot; do
    [[ -f $ROOT/usr/share/aegis-console/screenshots/$shot ]] || fail "screenshot $shot is not shipped"
done < <(sed -n 's|.*/screenshots/\([a-z-]*\.png\)</image>.*|\1|p' \
    "$ROOT/usr/share/metainfo/org.example.aegis.console.metainfo.xml")

step "man pages"
zcat "$ROOT/usr/share/man/man1/aegisd.1.gz" | grep -q -- 'SIGHUP' || fail "aegisd.1: no SIGHUP"
zcat "$ROOT/usr/share/man/man1/aegisd.1.gz" | grep -q -- '/var/lib/aegis/admin.token' ||
    fail "aegisd.1: the admin token's place"
zcat "$ROOT/usr/share/man/man1/aegisctl.1.gz" | grep -q -- 'rollout start' || fail "aegisctl.1: no commands"
zcat "$ROOT/usr/share/man/man1/aegisctl.1.gz" | grep -q -- "$version" || fail "aegisctl.1: no version"
zcat "$ROOT/usr/share/man/man1/aegis-console.1.gz" | grep -q -- 'screenshot' || fail "aegis-console.1: no options"

step "aegisd through the unit's ExecStart"
unit="$ROOT/lib/systemd/system/aegisd.service"
for option in Type=notify KillMode=process User=aegis StateDirectory=aegis ConfigurationDirectory=aegis \
    NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes 'CapabilityBoundingSet=' \
    "ExecReload=/bin/kill -HUP \$MAINPID"; do
    grep -qxF -- "$option" "$unit" || fail "unit: no $option"
done
# systemd's own checks of the unit, offline: no unknown option, and an exposure of at most 2.0
# (systemd-analyze security's "OK").
if systemd-analyze verify --man=no "$unit" 2>&1 | grep -v '/usr/bin/aegisd is not executable'; then
    fail "systemd-analyze verify"
fi
systemd-analyze security --offline=true --threshold=20 "$unit" >"$WORK/security.txt" 2>&1 ||
    { cat "$WORK/security.txt" >&2; fail "systemd-analyze security: exposure above 2.0"; }
tail -1 "$WORK/security.txt"
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
[[ $exec_start == /usr/bin/aegisd\ * ]] || fail "unit: ExecStart is '$exec_start'"
state="$WORK/state"
mkdir -m 0750 "$state"
read -r -a argv <<<"$exec_start"
for i in "${!argv[@]}"; do
    case ${argv[$i]} in
        /usr/bin/* | /etc/aegis/*) argv[i]="$ROOT${argv[i]}" ;;
        /var/lib/aegis) argv[i]="$state" ;;
    esac
done
# Loopback ports of the kernel's choosing instead of the configuration's fixed ones.
"${argv[@]}" --listen 127.0.0.1:0 --http-listen 127.0.0.1:0 --otlp-listen 127.0.0.1:0 \
    --ready-file "$WORK/ready.json" >"$WORK/aegisd.log" 2>&1 &
daemon_pid=$!
deadline=$((SECONDS + 30))
until [[ -s $WORK/ready.json ]]; do
    if ((SECONDS > deadline)) || ! kill -0 "$daemon_pid" 2>/dev/null; then
        cat "$WORK/aegisd.log" >&2
        echo "FAIL: aegisd did not become ready" >&2
        exit 1
    fi
    sleep 0.1
done
grpc=$(sed -n 's/.*"grpc" *: *"\([^"]*\)".*/\1/p' "$WORK/ready.json")
ctl() { "$ROOT/usr/bin/aegisctl" --server "$grpc" --token-file "$state/admin.token" "$@"; }
[[ $(stat -c %a "$state/admin.token") == 600 ]] || fail "admin.token is not mode 600"
ctl status >"$WORK/status.txt" || { cat "$WORK/status.txt"; fail "aegisctl status"; }
grep -q "$version" "$WORK/status.txt" || fail "aegisctl status does not show $version"
cat "$WORK/status.txt"

step "completion from the daemon"
ctl instances register checkout checkout-1 127.0.0.1:9 --ttl 1h >/dev/null || fail "register"
ctl rollout list >/dev/null || fail "rollout list"
candidates=$("$ROOT/usr/bin/aegisctl" __complete --server "$grpc" --token-file "$state/admin.token" services get che)
[[ $candidates == checkout ]] || fail "__complete services get che: '$candidates'"
candidates=$("$ROOT/usr/bin/aegisctl" __complete rollout st)
[[ $candidates == $'start\nstatus' ]] || fail "__complete rollout st: '$candidates'"
# The bash script itself, as bash calls it for "aegisctl --server ADDR ... services get ch<TAB>".
completed=$(PATH="$ROOT/usr/bin:$PATH" bash -c '
    source "$1"
    COMP_WORDS=(aegisctl --server "$2" --token-file "$3" services get ch)
    COMP_CWORD=7
    _aegisctl
    printf "%s\n" "${COMPREPLY[@]}"' _ "$ROOT/usr/share/bash-completion/completions/aegisctl" \
    "$grpc" "$state/admin.token")
[[ $completed == checkout ]] || fail "bash completion: '$completed'"
# The zsh function, with compadd and _files standing in for zsh's completion system.
completed=$(PATH="$ROOT/usr/bin:$PATH" zsh -c '
    compadd() { print -r -- "compadd $*"; }
    _files() { print -r -- _files; }
    words=(aegisctl --server "$2" --token-file "$3" services get ch)
    CURRENT=8
    source "$1"' _ "$ROOT/usr/share/zsh/vendor-completions/_aegisctl" "$grpc" "$state/admin.token")
[[ $completed == "compadd -- checkout" ]] || fail "zsh completion: '$completed'"

step "SIGHUP reloads the packaged configuration"
kill -HUP "$daemon_pid"
deadline=$((SECONDS + 10))
until grep -q '"configuration reloaded"' "$WORK/aegisd.log"; do
    ((SECONDS < deadline)) || { fail "no 'configuration reloaded' after SIGHUP"; break; }
    sleep 0.1
done
ctl status >/dev/null || fail "aegisctl status after SIGHUP"
kill -TERM "$daemon_pid"
wait "$daemon_pid" || fail "aegisd exited with $? after SIGTERM"
daemon_pid=""

step "the client example against the unpacked libaegis-client-dev"
# The .pc file is relocatable (its prefix is relative to itself): its include directory is the
# unpacked one.
pc_include=$(PKG_CONFIG_PATH="$ROOT/usr/lib/$multiarch/pkgconfig" pkg-config --variable=includedir aegis-client)
[[ $(realpath -m "$pc_include") == "$ROOT/usr/include/aegis" ]] ||
    fail "pkg-config aegis-client: includedir is $pc_include"
PKG_CONFIG_PATH="$ROOT/usr/lib/$multiarch/pkgconfig" pkg-config --libs aegis-client | grep -q -- '-laegis_client' ||
    fail "pkg-config aegis-client: no -laegis_client"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
if ! cmake -S "$ROOT/usr/share/doc/libaegis-client-dev/examples" -B "$WORK/example" \
    "${generator[@]}" -DCMAKE_PREFIX_PATH="$ROOT/usr" -DCMAKE_BUILD_TYPE=Release \
    >"$WORK/example.log" 2>&1 || ! cmake --build "$WORK/example" >>"$WORK/example.log" 2>&1; then
    cat "$WORK/example.log" >&2
    fail "the example does not build against the package"
fi
[[ -x $WORK/example/register_and_discover ]] || fail "no example binary"

if ((failures > 0)); then
    echo "$failures check(s) failed" >&2
    exit 1
fi
echo "all packaging checks passed"
