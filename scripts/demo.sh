#!/bin/sh
# Builds libupgrade and runs a demo upgrade of the example bundle on the
# embedded SQLite default: plan, assessment, then the execution report.
set -eu
cd "$(dirname "$0")/.."

sh scripts/install-deps.sh

BUILD=${UPGRADE_DEMO_BUILD:-_build}
[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" -Dbuildtype=debugoptimized
meson compile -C "$BUILD" >/dev/null

exec sh examples/demo/run-demo.sh "$BUILD"
