#!/bin/sh
# Runs the Node.js end-to-end test (registered with ctest by tests/e2e/CMakeLists.txt).
#
# Usage: run.sh [WORK_DIR [TEST_FILE...]]
#   WORK_DIR   where node_modules is installed and the test runs (default: this directory).
#              ctest passes a build-tree directory so the source tree stays clean.
#   TEST_FILE  the *.test.mjs files to run (default: all of them).
# Environment: AEGISD (the aegisd binary), AEGIS_PROTO_DIR (the repository's proto/ directory),
#              NODE and NPM (optional: the node and npm programs to use).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
work=${1:-$here}
[ $# -gt 0 ] && shift
node=${NODE:-node}
npm=${NPM:-npm}

: "${AEGISD:?set AEGISD to the aegisd binary}"
: "${AEGIS_PROTO_DIR:=$here/../../../proto}"
export AEGISD AEGIS_PROTO_DIR

mkdir -p "$work"
work=$(cd "$work" && pwd)
if [ "$work" != "$here" ]; then
    cp "$here/package.json" "$here/package-lock.json" "$here"/*.mjs "$work/"
fi

# Install exactly the locked packages when node_modules is missing or was installed from
# another package-lock.json (the stamp is a copy of the lock file it was installed from).
stamp="$work/node_modules/.aegis-installed-lock.json"
if [ ! -f "$stamp" ] || ! cmp -s "$work/package-lock.json" "$stamp"; then
    echo "run.sh: npm ci in $work"
    (cd "$work" && "$npm" ci --no-audit --no-fund)
    cp "$work/package-lock.json" "$stamp"
fi

cd "$work"
if [ $# -eq 0 ]; then
    set -- *.test.mjs
fi
exec "$node" --test "$@"
