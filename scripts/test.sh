#!/bin/sh
# Builds libupgrade with warnings as errors and runs the whole test suite
# (unit tests, real MariaDB and PostgreSQL servers, HTTP, Python bindings).
set -eu
cd "$(dirname "$0")/.."

sh scripts/install-deps.sh

BUILD=${UPGRADE_TEST_BUILD:-_build-test}
if [ ! -f "$BUILD/build.ninja" ]; then
  meson setup "$BUILD" -Dwerror=true -Dbuildtype=debugoptimized
else
  meson configure "$BUILD" -Dwerror=true >/dev/null
fi
meson compile -C "$BUILD"
meson test -C "$BUILD" --print-errorlogs --num-processes 2 "$@"
