#!/bin/sh
# Builds libupgrade with warnings as errors and runs the whole test suite
# (unit tests, real MariaDB and PostgreSQL servers, HTTP, Python bindings),
# then the C unit and integration tests again under valgrind, where a
# definite leak or a memory error fails. Exits non-zero on any failure.
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

# As root, the PostgreSQL test servers run as the postgres user and need
# to reach the build directory; a checkout under /root (mode 0700) is out
# of its reach, so the build then goes to a directory under /var/tmp.
default_build_dir () {
  if [ "$(id -u)" = 0 ] &&
     ! setpriv --reuid=postgres --regid=postgres --init-groups test -x "$PWD" 2>/dev/null; then
    echo "/var/tmp/libupgrade-test-$(printf %s "$PWD" | md5sum | cut -c1-8)"
  else
    echo "_build-test"
  fi
}

BUILD=${UPGRADE_TEST_BUILD:-$(default_build_dir)}
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
  # The C tests that need no database server, plus upgradectl (traced as
  # a child of test-cli). The 'db' suite is left out: it spends its time in
  # the servers, and its timing assertions do not hold under valgrind.
  vg_status=ok
  meson test -C "$BUILD" --setup valgrind --print-errorlogs --num-processes 2 \
    --suite unit --suite integration || { status=1; vg_status=FAILED; }
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
echo "=== Valgrind pass, suites unit + integration ($((t2 - t1)) s): $vg_status"
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
