#!/bin/sh
# Builds libupgrade and runs a demo upgrade of the example bundle on the
# embedded SQLite default: plan, assessment, then the execution report.
set -eu
cd "$(dirname "$0")/.."

sh scripts/install-deps.sh

BUILD=${UPGRADE_DEMO_BUILD:-_build}
# Quiet (the demo's output is the upgrade's), but a failed build shows why.
if [ ! -f "$BUILD/build.ninja" ]; then
  mkdir -p "$BUILD"
  meson setup "$BUILD" -Dbuildtype=debugoptimized >"$BUILD/demo-setup.log" 2>&1 ||
    { cat "$BUILD/demo-setup.log" >&2; exit 1; }
fi
meson compile -C "$BUILD" >"$BUILD/demo-compile.log" 2>&1 ||
  { cat "$BUILD/demo-compile.log" >&2; exit 1; }

exec sh examples/demo/run-demo.sh "$BUILD"
