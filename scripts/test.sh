#!/bin/sh
# Builds libupgrade with warnings as errors and runs the whole test suite
# (unit tests, real MariaDB and PostgreSQL servers, HTTP, Python bindings),
# then the C test suites again where a memory error or a leak fails,
# each test under one memory checker (HACKING.md, "Memory checkers"):
# in an AddressSanitizer + UBSan build the database-server suites, the
# slow crash test, the 'crash' suite (integration tests that kill -9
# their runs over and over) and the 'spawn' suite (integration tests
# whose time goes to the programs they start: upgradectl, upgraded,
# plugin hosts, scripts), where valgrind's 10-40x slowdown bought
# nothing ASan does not find; the rest of the unit and integration
# suites under valgrind, which also finds the reads of uninitialised
# memory ASan does not. Exits non-zero on any failure.
#
#   sh scripts/test.sh [MESON_TEST_ARGS...]   (arguments go to the first pass)
#
# UPGRADE_TEST_BUILD overrides the build directory (the sanitizer build is
# beside it, with -asan appended); UPGRADE_TEST_VALGRIND=0 skips both
# memory passes (for quick local runs; CI always runs them).
set -eu
cd "$(dirname "$0")/.."

now () { date +%s; }
t_start=$(now)
sh scripts/install-deps.sh
t_deps=$(now)

# As root, the PostgreSQL test servers run as the postgres user; the
# fixture (tests/upg-test-server-kinds.c) puts their directories where
# that user can reach them, so the build may stay in the checkout.
BUILD=${UPGRADE_TEST_BUILD:-_build-test}
echo "test.sh: build directory $BUILD"
if [ ! -f "$BUILD/build.ninja" ]; then
  meson setup "$BUILD" -Dwerror=true -Dbuildtype=debugoptimized
else
  meson configure "$BUILD" -Dwerror=true >/dev/null
fi
meson compile -C "$BUILD"

status=0
rm -f "$BUILD/meson-logs/testlog-valgrind.json" "$BUILD-asan/meson-logs/testlog.json"
t0=$(now)
meson test -C "$BUILD" --print-errorlogs --num-processes 2 "$@" || status=1
t1=$(now)

asan_status=skipped
vg_status=skipped
if [ "${UPGRADE_TEST_VALGRIND:-1}" != 0 ]; then
  ASAN_BUILD=$BUILD-asan
  if [ ! -f "$ASAN_BUILD/build.ninja" ]; then
    meson setup "$ASAN_BUILD" -Dwerror=true -Dbuildtype=debugoptimized \
      -Db_sanitize=address,undefined -Dintrospection=disabled
  fi
  meson compile -C "$ASAN_BUILD"
  t_asan_built=$(now)
  # ASAN_OPTIONS and friends come from tests/meson.build. The programs
  # run 2-3 times slower: the tests' hang guards are for a plain build.
  asan_status=ok
  meson test -C "$ASAN_BUILD" --print-errorlogs --num-processes 2 --timeout-multiplier 3 \
    --suite db --suite slow --suite crash --suite spawn --no-suite gda || { status=1; asan_status=FAILED; }
  t_asan=$(now)

  # Every C test of the unit and integration suites but those above (and
  # libgda's, see tests/meson.build) and the build-tree programs they run
  # (upgradectl, upgraded, plugin hosts). Durations are
  # measured in bench/, not asserted by the tests (beyond hang guards), so
  # the slowdown fails none. The Python suites are not run under valgrind:
  # PyGObject's callback closures (libgirepository) show up as definite
  # leaks there.
  vg_status=ok
  meson test -C "$BUILD" --setup valgrind --print-errorlogs --num-processes 2 \
    --suite unit --suite integration --suite gda --no-suite crash --no-suite spawn ||
    { status=1; vg_status=FAILED; }
fi
t2=$(now)

summary () {
  # meson's summary block ends its log: "Ok: N", "Fail: N", ...
  if [ -f "$1" ]; then
    tail -n 7 "$1" | sed '/^$/d'
  fi
}

echo
echo "=== Dependencies $((t_deps - t_start)) s, build $((t0 - t_deps)) s"
echo "=== All tests ($((t1 - t0)) s): $BUILD/meson-logs/testlog.txt"
summary "$BUILD/meson-logs/testlog.txt"
if [ "$vg_status" != skipped ]; then
  echo "=== AddressSanitizer build $((t_asan_built - t1)) s, suites db + slow + crash + spawn ($((t_asan - t_asan_built)) s): $asan_status"
  summary "$ASAN_BUILD/meson-logs/testlog.txt"
  echo "=== Valgrind pass, suites unit + integration ($((t2 - t_asan)) s): $vg_status"
  summary "$BUILD/meson-logs/testlog-valgrind.txt"
fi
# One closing line over both passes, in the plain form CI reads.
count () {
  cat "$BUILD/meson-logs/testlog.json" "$BUILD/meson-logs/testlog-valgrind.json" \
      "$BUILD-asan/meson-logs/testlog.json" 2>/dev/null |
    grep -Ec "\"result\": \"($1)\"" || true
}
echo "tests: $(count 'OK|EXPECTEDFAIL') passed, $(count 'FAIL|ERROR|TIMEOUT|UNEXPECTEDPASS') failed, $(count 'SKIP') skipped"
if [ "$status" != 0 ]; then
  echo "test.sh: FAILED"
else
  echo "test.sh: all passed"
fi
exit "$status"
