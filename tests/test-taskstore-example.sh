#!/bin/sh
# Builds examples/taskstore-plugin OUT OF TREE against this build tree's
# uninstalled upgrade-spi-1.pc / upgrade-1.pc, as a component team would
# against the installed ones, and runs its own tests. Output is TAP.
set -u
: "${UPGRADE_SOURCE_ROOT:?}" "${UPGRADE_BUILD_ROOT:?}" "${UPGRADE_PLUGIN_HOST:?}"

work=$(mktemp -d "${TMPDIR:-/tmp}/taskstore-build-XXXXXX")
trap 'rm -rf "$work"' EXIT
export PKG_CONFIG_PATH="$UPGRADE_BUILD_ROOT/meson-uninstalled${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"

echo "1..3"
if pkg-config --cflags --libs upgrade-spi-1 >"$work/pkg.log" 2>&1; then
  echo "ok 1 pkg-config finds upgrade-spi-1"
else
  echo "not ok 1 pkg-config finds upgrade-spi-1"; sed 's/^/# /' "$work/pkg.log"; exit 1
fi
# With the flags of a plugin author who builds strictly: every warning of
# -Wall -Wextra is an error (the example must not need to silence any).
if meson setup "$work/build" "$UPGRADE_SOURCE_ROOT/examples/taskstore-plugin" \
     -Dwarning_level=2 -Dwerror=true -Dc_args="['-Wall', '-Wextra', '-Werror']" \
     -Dtests=enabled >"$work/build.log" 2>&1 &&
   ninja -C "$work/build" >>"$work/build.log" 2>&1; then
  echo "ok 2 the example plugin builds out of tree with -Wall -Wextra -Werror"
else
  echo "not ok 2 the example plugin builds out of tree with -Wall -Wextra -Werror"; sed 's/^/# /' "$work/build.log"; exit 1
fi
if meson test -C "$work/build" --print-errorlogs >"$work/test.log" 2>&1; then
  echo "ok 3 the example plugin's tests pass"
  grep -E '^(ok|not ok)' "$work/build/meson-logs/testlog.txt" | sed 's/^/# /'
else
  echo "not ok 3 the example plugin's tests pass"; sed 's/^/# /' "$work/test.log"
  sed 's/^/# /' "$work/build/meson-logs/testlog.txt"; exit 1
fi
