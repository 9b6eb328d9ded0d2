#!/bin/sh
# Builds libupgrade with warnings as errors and runs the whole test suite
# (unit tests, real MariaDB and PostgreSQL servers, HTTP, Python bindings),
# then the C test suites again under valgrind (unit, integration, the
# database-server tests and the slow crash test), where a definite leak or
# a memory error fails. Exits non-zero on any failure.
#
#   sh scripts/test.sh [MESON_TEST_ARGS...]   (arguments go to the first pass)
#
# UPGRADE_TEST_BUILD overrides the build directory; UPGRADE_TEST_VALGRIND=0
# skips the valgrind pass (for quick local runs; CI always runs it).
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
rm -f "$BUILD/meson-logs/testlog-valgrind.json"
t0=$(now)
meson test -C "$BUILD" --print-errorlogs --num-processes 2 "$@" || status=1
t1=$(now)

vg_status=skipped
if [ "${UPGRADE_TEST_VALGRIND:-1}" != 0 ]; then
  # Every C test and the build-tree programs they run (upgradectl,
  # upgraded, plugin hosts); the database servers themselves are not
  # traced. Durations are measured in bench/, not asserted by the tests
  # (beyond hang guards), so the slowdown fails none. On an idle 2-core
  # machine the pass takes ~15 min (exactly-once ~6.5, real-scripts ~4);
  # the 'db' suite alone took ~19 min on a busy one. The Python suites are not run under
  # valgrind: PyGObject's callback closures (libgirepository) show up as
  # definite leaks there.
  vg_status=ok
  meson test -C "$BUILD" --setup valgrind --print-errorlogs --num-processes 2 \
    --suite unit --suite integration --suite db --suite slow || { status=1; vg_status=FAILED; }
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
echo "=== Valgrind pass, suites unit + integration + db + slow ($((t2 - t1)) s): $vg_status"
[ "$vg_status" = skipped ] || summary "$BUILD/meson-logs/testlog-valgrind.txt"
# One closing line over both passes, in the plain form CI reads.
count () {
  cat "$BUILD/meson-logs/testlog.json" "$BUILD/meson-logs/testlog-valgrind.json" 2>/dev/null |
    grep -Ec "\"result\": \"($1)\"" || true
}
echo "tests: $(count 'OK|EXPECTEDFAIL') passed, $(count 'FAIL|ERROR|TIMEOUT|UNEXPECTEDPASS') failed, $(count 'SKIP') skipped"
if [ "$status" != 0 ]; then
  echo "test.sh: FAILED"
else
  echo "test.sh: all passed"
fi
exit "$status"
