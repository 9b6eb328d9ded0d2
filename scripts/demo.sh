#!/bin/sh
# Builds libupgrade and runs a demo upgrade of the example bundle on the
# embedded SQLite default: plan, assessment, then the execution report.
set -eu
cd "$(dirname "$0")/.."

sh scripts/install-deps.sh

BUILD=${UPGRADE_DEMO_BUILD:-_build}
[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" -Dbuildtype=debugoptimized
# Quiet, but a failed build shows why.
meson compile -C "$BUILD" >"$BUILD/demo-compile.log" 2>&1 ||
  { cat "$BUILD/demo-compile.log" >&2; exit 1; }

exec sh examples/demo/run-demo.sh "$BUILD"
