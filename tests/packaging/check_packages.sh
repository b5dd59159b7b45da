#!/usr/bin/env bash
# tests/packaging: builds the Debian packages with CPack from the build tree, checks their control
# fields and contents and runs lintian. Then, where the machine allows installing packages (see
# install_refusal), installs them with apt-get, checks what the maintainer scripts did, starts
# aegisd through systemd or, without systemd, with the unit's ExecStart line as the aegis user,
# runs the installed aegisctl status and completion against it, builds and runs the client example
# against the installed -dev package, reinstalls, purges and checks what purge keeps, leaving the
# machine as it found it. Elsewhere it unpacks the packages into a temporary root (dpkg -x: the
# system is left alone) and runs the same checks there. desktop-file-validate and appstreamcli
# validate check the desktop entry and the metainfo either way.
# Usage: check_packages.sh BUILD_DIR
set -euo pipefail

BUILD_DIR=$(realpath "$1")
WORK=$(mktemp -d)
PACKAGES=(aegisd aegisctl aegis-console libaegis-client-dev)
STATE_DIR=/var/lib/aegis
CONFIG_DIR=/etc/aegis
WANTS_LINK=/etc/systemd/system/multi-user.target.wants/aegisd.service
DSH_STATE=/var/lib/systemd/deb-systemd-helper-enabled/aegisd.service.dsh-also
# The operator's drop-in that moves the listeners to free ports under systemd.
DROP_IN=/run/systemd/system/aegisd.service.d/50-tst-packaging.conf
APT=(env DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=120)

# Why this run must not install the packages, or nothing when it may. It installs only as root with
# dpkg and apt, when none of the packages is known to dpkg (an installation from elsewhere is never
# replaced, nor purged afterwards) and no earlier installation left its configuration or data (the
# test would start a daemon on someone's store).
install_refusal() {
    local package status path
    ((EUID == 0)) || { echo "not root"; return; }
    command -v apt-get >/dev/null || { echo "no apt-get"; return; }
    for package in "${PACKAGES[@]}"; do
        status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
        if [[ -n $status && $status != not-installed ]]; then
            echo "$package is already $status"
            return
        fi
    done
    for path in "$CONFIG_DIR" "$STATE_DIR"; do
        [[ ! -e $path ]] || { echo "$path exists"; return; }
    done
}
refusal=$(install_refusal)
installing=false
[[ -z $refusal ]] && installing=true
with_systemd=false
$installing && [[ -d /run/systemd/system ]] && with_systemd=true
# What the machine had before, so that cleanup removes only what this run made.
had_user=false had_group=false
getent passwd aegis >/dev/null && had_user=true
getent group aegis >/dev/null && had_group=true

daemon_pid=""
stop_daemon() {
    if $with_systemd; then
        systemctl stop aegisd 2>/dev/null || true
    elif [[ -n $daemon_pid ]]; then
        kill -KILL "$daemon_pid" 2>/dev/null || true
        wait "$daemon_pid" 2>/dev/null || true
    fi
    daemon_pid=""
}
# The packages of ours dpkg knows in any state.
known_packages() {
    local package status
    for package in "${PACKAGES[@]}"; do
        status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
        [[ -z $status || $status == not-installed ]] || echo "$package"
    done
}
# Set just before this run installs: only then are the packages, the user and the directories
# cleanup removes this run's own (install_refusal proved them absent right before).
installed=false
cleanup() {
    stop_daemon
    if $installed; then
        local leftover
        mapfile -t leftover < <(known_packages)
        if ((${#leftover[@]} > 0)); then
            "${APT[@]}" purge "${leftover[@]}" >>"$WORK/apt.log" 2>&1 || cat "$WORK/apt.log" >&2
        fi
    fi
    if $installing && $with_systemd; then
        rm -f "$DROP_IN"
        rmdir "$(dirname "$DROP_IN")" 2>/dev/null || true
        systemctl daemon-reload || true
    fi
    if $installed; then
        rm -rf "$STATE_DIR" "$CONFIG_DIR"
        if ! $had_user && getent passwd aegis >/dev/null; then
            # The daemon's managed children end with it (PR_SET_PDEATHSIG), a moment later.
            local deadline=$((SECONDS + 10))
            while pgrep -u aegis >/dev/null && ((SECONDS < deadline)); do
                sleep 0.1
            done
            userdel aegis || true
        fi
        if ! $had_group && getent group aegis >/dev/null; then
            groupdel aegis || true
        fi
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
for package in "${PACKAGES[@]}"; do
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

# The unit as packaged: what the daemon is started with, here and under systemd.
unit_text=$(dpkg-deb --fsys-tarfile "${deb[aegisd]}" | tar -xO ./lib/systemd/system/aegisd.service)
unit_value() { sed -n "s/^$1=//p" <<<"$unit_text"; }
exec_start=$(unit_value ExecStart)
[[ $exec_start == /usr/bin/aegisd\ * ]] || fail "unit: ExecStart is '$exec_start'"
state_mode=$(unit_value StateDirectoryMode)

if $installing; then
    step "installing the packages (apt-get; systemd running: $with_systemd)"
    # Dependencies come from what the build already needs: a missing one fails here rather than
    # being downloaded and left behind.
    ROOT=""
    state=$STATE_DIR
    if $with_systemd; then
        # Loopback ports of the kernel's choosing, set the way an operator overrides the unit;
        # in place before the postinst starts it.
        mkdir -p "$(dirname "$DROP_IN")"
        printf '[Service]\nExecStart=\nExecStart=%s %s\n' "$exec_start" \
            "--listen 127.0.0.1:0 --http-listen 127.0.0.1:0 --otlp-listen 127.0.0.1:0 --ready-file $state/ready.json" \
            >"$DROP_IN"
    fi
    # apt's plan first: exactly our four packages, nothing else installed or removed.
    plan=$("${APT[@]}" -s install --no-install-recommends "${deb[@]}" 2>&1 |
        sed -n 's/^\(Inst\|Remv\) \([^ ]*\) .*/\1 \2/p' | LC_ALL=C sort | xargs)
    [[ $plan == "Inst aegis-console Inst aegisctl Inst aegisd Inst libaegis-client-dev" ]] ||
        { echo "FAIL: apt-get would change more than the four packages (./aegis.sh deps installs what they need): $plan" >&2; exit 1; }
    # Minutes passed since install_refusal: nobody may have installed Aegis meanwhile.
    refusal=$(install_refusal)
    [[ -z $refusal ]] ||
        { echo "FAIL: the machine changed while the packages were built ($refusal); not installing" >&2; exit 1; }
    installed=true
    "${APT[@]}" install --no-install-recommends "${deb[@]}" >"$WORK/apt.log" 2>&1 ||
        { cat "$WORK/apt.log" >&2; echo "FAIL: apt-get install" >&2; exit 1; }
    for package in "${PACKAGES[@]}"; do
        [[ $(dpkg-query -W -f='${db:Status-Status}' "$package") == installed ]] ||
            fail "$package is not installed after apt-get install"
    done
    dpkg --verify "${PACKAGES[@]}" || fail "dpkg --verify: installed files differ from the packages"

    step "what the maintainer scripts did"
    IFS=: read -r _ _ uid _ _ home shell < <(getent passwd aegis) || true
    [[ -n ${uid:-} ]] || fail "no aegis user"
    ((${uid:-0} > 0 && ${uid:-1000} < 1000)) || fail "aegis is not a system user (uid ${uid:-})"
    [[ ${home:-} == "$STATE_DIR" ]] || fail "aegis's home is '${home:-}', not $STATE_DIR"
    [[ ${shell:-} == */nologin ]] || fail "aegis's shell is '${shell:-}'"
    getent group aegis >/dev/null || fail "no aegis group"
    [[ $(stat -c '%U:%G %a' "$STATE_DIR") == "aegis:aegis ${state_mode#0}" ]] ||
        fail "$STATE_DIR is $(stat -c '%U:%G %a' "$STATE_DIR"), not aegis:aegis ${state_mode#0} (StateDirectoryMode)"
    dpkg-query -W -f='${Conffiles}\n' aegisd | grep -q "^ $CONFIG_DIR/aegisd.yaml " ||
        fail "dpkg does not hold $CONFIG_DIR/aegisd.yaml as a conffile"
    # deb-systemd-helper enables the unit on a first installation, with or without systemd.
    [[ $(readlink "$WANTS_LINK") == /lib/systemd/system/aegisd.service ]] ||
        fail "the unit is not enabled ($WANTS_LINK)"
    getent passwd aegis
    stat -c '%n %U:%G %a' "$STATE_DIR"
    ls -l "$WANTS_LINK" | sed 's/.* \(\/etc\/\)/\1/'
else
    step "unpacking into a temporary root (not installing: $refusal)"
    ROOT="$WORK/root"
    state="$WORK/state"
    mkdir -m "$state_mode" "$state"
    for package in "${!deb[@]}"; do
        dpkg-deb --extract "${deb[$package]}" "$ROOT"
    done
fi
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

step "the unit"
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

ready="$state/ready.json"
if $with_systemd; then
    step "aegisd started by systemd"
    # This start's lines only, not those of earlier runs on the machine.
    daemon_log() {
        journalctl -o cat --no-pager _SYSTEMD_INVOCATION_ID="$(systemctl show -P InvocationID aegisd)"
    }
elif $installing; then
    step "aegisd through the unit's ExecStart, as the aegis user"
    daemon_log() { cat "$WORK/aegisd.log"; }
    # What systemd would do without the sandbox: the unit's user, UMask, LimitNOFILE,
    # NoNewPrivileges and empty CapabilityBoundingSet, and the environment it gives a service;
    # loopback ports of the kernel's choosing appended to the line.
    read -r -a argv <<<"$exec_start"
    (
        umask "$(unit_value UMask)"
        # A container's own hard limit may be lower than the unit's, and root cannot raise it.
        ulimit -n "$(unit_value LimitNOFILE)" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
        exec env -i HOME="$STATE_DIR" USER=aegis LOGNAME=aegis SHELL=/usr/sbin/nologin \
            PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
            setpriv --reuid=aegis --regid=aegis --init-groups --no-new-privs --bounding-set=-all \
            --inh-caps=-all "${argv[@]}" --listen 127.0.0.1:0 --http-listen 127.0.0.1:0 \
            --otlp-listen 127.0.0.1:0 --ready-file "$ready"
    ) >"$WORK/aegisd.log" 2>&1 &
    daemon_pid=$!
else
    step "aegisd through the unit's ExecStart, from the unpacked root"
    daemon_log() { cat "$WORK/aegisd.log"; }
    read -r -a argv <<<"$exec_start"
    for i in "${!argv[@]}"; do
        case ${argv[$i]} in
            /usr/bin/* | /etc/aegis/*) argv[i]="$ROOT${argv[i]}" ;;
            /var/lib/aegis) argv[i]="$state" ;;
        esac
    done
    "${argv[@]}" --listen 127.0.0.1:0 --http-listen 127.0.0.1:0 --otlp-listen 127.0.0.1:0 \
        --ready-file "$ready" >"$WORK/aegisd.log" 2>&1 &
    daemon_pid=$!
fi
daemon_running() {
    if $with_systemd; then
        local unit_state
        unit_state=$(systemctl is-active aegisd || true)
        [[ $unit_state == active || $unit_state == activating ]]
    else
        kill -0 "$daemon_pid" 2>/dev/null
    fi
}
deadline=$((SECONDS + 30))
until [[ -s $ready ]]; do
    if ((SECONDS > deadline)) || ! daemon_running; then
        daemon_log >&2
        echo "FAIL: aegisd did not become ready" >&2
        exit 1
    fi
    sleep 0.1
done
$with_systemd && daemon_pid=$(systemctl show -P MainPID aegisd)
if $installing; then
    [[ $(stat -c %U "/proc/$daemon_pid") == aegis ]] || fail "aegisd does not run as aegis"
    grep -q '^NoNewPrivs:[[:space:]]*1' "/proc/$daemon_pid/status" || fail "aegisd: NoNewPrivileges"
    grep -q '^CapBnd:[[:space:]]*0*$' "/proc/$daemon_pid/status" || fail "aegisd: capabilities left"
fi
grpc=$(sed -n 's/.*"grpc" *: *"\([^"]*\)".*/\1/p' "$ready")
ctl() { "$ROOT/usr/bin/aegisctl" --server "$grpc" --token-file "$state/admin.token" "$@"; }
expected_token_owner=$(id -un)
$installing && expected_token_owner=aegis
[[ $(stat -c '%U %a' "$state/admin.token") == "$expected_token_owner 600" ]] ||
    fail "admin.token is $(stat -c '%U %a' "$state/admin.token"), not $expected_token_owner 600"
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

step "the client example against the packaged libaegis-client-dev"
pkg_config=(pkg-config)
prefix_path=()
if ! $installing; then
    # The .pc file is relocatable (its prefix is relative to itself), and CMake finds the unpacked
    # package through CMAKE_PREFIX_PATH; installed, both find them in /usr on their own.
    pkg_config=(env PKG_CONFIG_PATH="$ROOT/usr/lib/$multiarch/pkgconfig" pkg-config)
    prefix_path=(-DCMAKE_PREFIX_PATH="$ROOT/usr")
fi
pc_include=$("${pkg_config[@]}" --variable=includedir aegis-client)
[[ $(realpath -m "$pc_include") == "$ROOT/usr/include/aegis" ]] ||
    fail "pkg-config aegis-client: includedir is $pc_include"
"${pkg_config[@]}" --libs aegis-client | grep -q -- '-laegis_client' ||
    fail "pkg-config aegis-client: no -laegis_client"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
if ! env -u CMAKE_PREFIX_PATH cmake -S "$ROOT/usr/share/doc/libaegis-client-dev/examples" \
    -B "$WORK/example" "${generator[@]}" "${prefix_path[@]}" -DCMAKE_BUILD_TYPE=Release \
    >"$WORK/example.log" 2>&1 || ! cmake --build "$WORK/example" >>"$WORK/example.log" 2>&1; then
    cat "$WORK/example.log" >&2
    fail "the example does not build against the package"
fi
package_dir=$(sed -n 's/^AegisClient_DIR:PATH=//p' "$WORK/example/CMakeCache.txt")
[[ $package_dir == "$ROOT/usr/lib/$multiarch/cmake/AegisClient" ]] ||
    fail "find_package(AegisClient) found $package_dir"
# The example registers, discovers itself, picks it 20 times and deregisters.
if ! timeout 60 "$WORK/example/register_and_discover" --address "$grpc" \
    --token-file "$state/admin.token" --service example-svc --port 9 >"$WORK/example.out" 2>&1 ||
    ! grep -q '^request 19 -> example-svc-' "$WORK/example.out" ||
    ! grep -qx 'deregistered: OK' "$WORK/example.out"; then
    cat "$WORK/example.out" >&2
    fail "the example against the daemon"
fi

step "SIGHUP reloads the packaged configuration"
if $with_systemd; then
    systemctl reload aegisd || fail "systemctl reload aegisd"
else
    # The unit's ExecReload line, $MAINPID being the daemon.
    reload=$(unit_value ExecReload)
    read -r -a reload_argv <<<"${reload//\$MAINPID/$daemon_pid}"
    "${reload_argv[@]}" || fail "ExecReload"
fi
deadline=$((SECONDS + 10))
until daemon_log | grep -q '"configuration reloaded"'; do
    ((SECONDS < deadline)) || { fail "no 'configuration reloaded' after SIGHUP"; break; }
    sleep 0.1
done
ctl status >/dev/null || fail "aegisctl status after SIGHUP"
if $with_systemd; then
    systemctl stop aegisd || fail "systemctl stop aegisd"
    [[ $(systemctl show -P Result aegisd) == success ]] || fail "aegisd stopped with $(systemctl show -P Result aegisd)"
else
    kill -TERM "$daemon_pid"
    wait "$daemon_pid" || fail "aegisd exited with $? after SIGTERM"
fi
daemon_pid=""
[[ ! -e $ready ]] || fail "aegisd left its ready file"

if $installing; then
    step "reinstalling aegisd keeps the user and the data"
    token_before=$(md5sum <"$state/admin.token")
    "${APT[@]}" install --reinstall --no-install-recommends "${deb[aegisd]}" \
        >>"$WORK/apt.log" 2>&1 || { cat "$WORK/apt.log" >&2; fail "apt-get install --reinstall aegisd"; }
    [[ $(id -u aegis) == "$uid" ]] || fail "the reinstallation changed the aegis user"
    [[ $(md5sum <"$state/admin.token") == "$token_before" ]] || fail "the reinstallation changed admin.token"
    $with_systemd && { systemctl stop aegisd || true; }

    step "purge keeps the data and the user (docs/packaging.md)"
    "${APT[@]}" purge "${PACKAGES[@]}" >>"$WORK/apt.log" 2>&1 ||
        { cat "$WORK/apt.log" >&2; fail "apt-get purge"; }
    [[ -z $(known_packages) ]] || fail "dpkg still knows $(known_packages | xargs)"
    for path in /usr/bin/aegisd /usr/bin/aegisctl /usr/bin/aegis-console /usr/include/aegis \
        "/usr/lib/$multiarch/cmake/AegisClient" "$CONFIG_DIR" "$WANTS_LINK" "$DSH_STATE"; do
        [[ ! -e $path && ! -L $path ]] || fail "$path is left after purge"
    done
    for path in "$STATE_DIR/admin.token" "$STATE_DIR/config.key"; do
        [[ -f $path ]] || fail "$path is gone after purge"
    done
    getent passwd aegis >/dev/null || fail "purge removed the aegis user"
    echo "kept after purge: the aegis user, $STATE_DIR:" "$STATE_DIR"/*
fi

if ((failures > 0)); then
    echo "$failures check(s) failed" >&2
    exit 1
fi
echo "all packaging checks passed"
