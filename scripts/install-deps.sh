#!/bin/sh
# Installs the Debian 12 packages libupgrade needs to build, test and run
# its demo. Idempotent: does nothing when every package is present.
set -eu

PACKAGES="
  gcc pkg-config meson ninja-build git ca-certificates
  libglib2.0-dev libjson-glib-dev libsoup-3.0-dev
  libsqlite3-dev libmariadb-dev libpq-dev
  libgda-5.0-dev libgda-5.0-mysql libgda-5.0-postgres
  gobject-introspection libgirepository1.0-dev gir1.2-json-1.0 gir1.2-soup-3.0
  python3 python3-gi
  sqlite3 mariadb-server mariadb-client postgresql postgresql-client
  gettext valgrind
  chromium
  locales
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
