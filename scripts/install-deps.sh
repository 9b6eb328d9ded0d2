#!/bin/sh
# Installs the Debian 12 packages libupgrade needs to build, test and run
# its demo, and the CI jobs of .ci/jobs (clang and its sanitizer and
# libFuzzer runtimes, gi-docgen, groff). Idempotent: does nothing when
# every package is present.
set -eu

# One package per line, sorted: branches adding packages then merge cleanly.
PACKAGES="
  ca-certificates
  chromium
  clang
  clickhouse-server
  gcc
  gettext
  gi-docgen
  gir1.2-json-1.0
  gir1.2-soup-3.0
  git
  gobject-introspection
  groff-base
  libclang-rt-14-dev
  libgda-5.0-dev
  libgda-5.0-mysql
  libgda-5.0-postgres
  libgirepository1.0-dev
  libglib2.0-dev
  libhiredis-dev
  libjson-glib-dev
  libmariadb-dev
  libpq-dev
  libsoup-3.0-dev
  libsqlite3-dev
  libxml2-dev
  libyaml-dev
  locales
  mariadb-client
  mariadb-server
  meson
  ninja-build
  pkg-config
  postgresql
  postgresql-client
  python3
  python3-gi
  python3-yaml
  redis-server
  sqlite3
  valgrind
  wrk
"

# The zh_CN.UTF-8 locale: gettext only translates into a locale that exists
# (the i18n tests run assess/report with LANG=zh_CN.UTF-8).
ensure_zh_locale() {
  if locale -a 2>/dev/null | grep -qi '^zh_CN\.utf-\?8$'; then
    return 0
  fi
  if [ "$(id -u)" != 0 ]; then S=sudo; else S=; fi
  $S sed -i 's/^# *zh_CN.UTF-8 UTF-8/zh_CN.UTF-8 UTF-8/' /etc/locale.gen
  grep -q '^zh_CN.UTF-8 UTF-8' /etc/locale.gen ||
    echo 'zh_CN.UTF-8 UTF-8' | $S tee -a /etc/locale.gen >/dev/null
  $S locale-gen >&2
}

missing=""
for p in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing="$missing $p"
  fi
done

if [ -z "$missing" ]; then
  ensure_zh_locale
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  SUDO=sudo
else
  SUDO=
fi

echo "install-deps: installing$missing" >&2
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# Server packages must not start system-wide daemons: the tests start their
# own throwaway servers on private ports and sockets.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2
ensure_zh_locale
