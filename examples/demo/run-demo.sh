#!/bin/sh
# Demo of libupgrade on the example bundle with embedded SQLite data sources:
# validate, plan, then (where this build has the commands) assess, confirm
# the steps that need manual confirmation, run every stage in order, run one
# stage again to show exactly-once, and report.
#
#   sh examples/demo/run-demo.sh BUILD_DIR
#
# A fresh state directory is created under $TMPDIR for every run and kept
# afterwards (its path is printed) so that the journal and the databases
# can be inspected.
set -eu

BUILD=${1:?usage: run-demo.sh BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=$(cd "$BUILD" && pwd)
CTL="$BUILD/bindings/cli/upgradectl"
BUNDLE="$ROOT/examples/bundle"
FROM=3.16.0
TO=3.18.0
SITE=bj-01   # the site_id of upgrade.json, given explicitly for clarity
STAGES="business_check pre_stop in_stop post_start post_upgrade"

[ -x "$CTL" ] || { echo "run-demo.sh: $CTL not built" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "run-demo.sh: the sqlite3 command is needed" >&2; exit 1; }

STATE=$(mktemp -d "${TMPDIR:-/tmp}/upgrade-demo.XXXXXX")
# The test suite runs the demo too and wants no state left behind.
if [ "${UPGRADE_DEMO_CLEANUP:-0}" = 1 ]; then
  trap 'rm -rf "$STATE"' EXIT
fi

# The configuration's relative paths resolve against its own directory, so
# a copy in the state directory puts databases and journal there.
cp "$HERE/upgrade.json" "$STATE/upgrade.json"
# The example component plugin is built out of tree against this build's
# uninstalled .pc files, as a component team builds against the installed
# ones (see examples/taskstore-plugin/README.md).
PLUGIN_BUILD="$BUILD/examples/taskstore-plugin-build"
if [ ! -f "$PLUGIN_BUILD/build.ninja" ]; then
  PKG_CONFIG_PATH="$BUILD/meson-uninstalled${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}" \
    meson setup "$PLUGIN_BUILD" "$ROOT/examples/taskstore-plugin" -Dtests=disabled >/dev/null
fi
ninja -C "$PLUGIN_BUILD" >/dev/null

plugin_dirs=$(find "$BUILD/plugins" "$PLUGIN_BUILD" -name '*.so' -not -path '*.p/*' 2>/dev/null |
              sed 's|/[^/]*$||' | sort -u | sed 's/.*/"&"/' | paste -sd, -)
if [ -n "$plugin_dirs" ]; then
  sed -i "s|\"plugin_dirs\": \[\]|\"plugin_dirs\": [$plugin_dirs]|" "$STATE/upgrade.json"
fi

sed -i "s|@STATE@|$STATE|g" "$STATE/upgrade.json"

# A small task store in the old layout for the FtTaskStoreMigration tool
# step (post_upgrade); the site's env.task_store_root points at it.
store="$STATE/cluster.compact/Compaction"
mkdir -p "$store/Scheduler" "$store/TaskAssigned/node1_9876/compct.node1_9876.1.1617606756000"
for task in compct.node1_9876.0.1617693156000 compct.node1_9876.0.1617606756000.Assigned \
            compct.node1_9876.0.1614928356000.Cancel compct.node1_9876.0.1583392356000.Done; do
  echo "info of $task" > "$store/Scheduler/$task"
done
: > "$store/TaskAssigned/node1_9876/compct.node1_9876.1.1617606756000/Status.Success"
echo "assigned info" > "$store/TaskAssigned/node1_9876/compct.node1_9876.1.1617606756000/TaskInfo"

sqlite3 -bail "$STATE/ft_db.sqlite" < "$BUNDLE/schema/ft_db.sql"
sqlite3 -bail "$STATE/mid_db.sqlite" < "$BUNDLE/schema/mid_db.sql"

# Uninstalled build: plugins run in the build tree's plugin host.
export UPGRADE_PLUGIN_HOST="$BUILD/plugins/upgrade-plugin-host"
export UPGRADE_BUNDLE="$BUNDLE"
export UPGRADE_CONFIG="$STATE/upgrade.json"
export UPGRADE_STATE_DIR="$STATE"
export UPGRADE_NOTES_DIR="$STATE"   # where tools/snapshot_note.sh writes

HELP=$("$CTL" --help)

has_command () {
  printf '%s\n' "$HELP" | grep -q "^  $1 "
}

banner () {
  printf '\n=== %s\n' "$*"
}

# The demo's own sentences follow the locale as upgradectl's do:
# say ENGLISH CHINESE prints the one the operator reads.
case "${LANGUAGE:-${LC_ALL:-${LC_MESSAGES:-${LANG:-}}}}" in
  zh_CN*|zh_SG*|zh:*|zh) DEMO_ZH=1 ;;
  *) DEMO_ZH=0 ;;
esac
say () {
  if [ "$DEMO_ZH" = 1 ]; then printf '%s\n' "$2"; else printf '%s\n' "$1"; fi
}

# Runs upgradectl; any exit code not listed in $1 (e.g. "0" or "0 4") is a
# failure of the demo.
expect () {
  accepted=$1
  shift
  banner "upgradectl $*"
  set +e
  "$CTL" "$@"
  rc=$?
  set -e
  for ok in $accepted; do
    [ "$rc" -eq "$ok" ] && return 0
  done
  say "run-demo.sh: 'upgradectl $*' exited with $rc (expected: $accepted); state kept in $STATE" \
      "run-demo.sh：'upgradectl $*' 的退出码为 $rc（预期：$accepted）；状态保留在 $STATE" >&2
  exit 1
}

not_available () {
  echo
  say "($1 not available in this build yet)" "（此构建尚不提供 $1）"
}

say "state directory: $STATE" "状态目录：$STATE"

expect 0 validate
expect 0 plan --from "$FROM" --to "$TO" --site "$SITE"

if has_command assess; then
  # The example data warns (unknown order status, incompatible steps): 4.
  # A host that is busy or short of disk makes it fail (1): an operator
  # stops there; the demo goes on, since it only touches throwaway copies.
  expect "0 4 1" assess --from "$FROM" --to "$TO" --site "$SITE"
  [ "$rc" -ne 1 ] || say "(assessment FAILED on this host: a real upgrade stops here; the demo continues)" \
                         "（本机评估未通过：真实升级会在此停止；演示继续）"
else
  not_available assess
fi

if has_command run && has_command confirm; then
  # Steps without a compatible_version (the legacy properties tasks among
  # them) need a person's confirmation: refused (6) and nothing runs until
  # an operator has checked them and confirmed, which is journaled.
  expect 6 run --from "$FROM" --to "$TO" --site "$SITE" --stage pre_stop
  say "(steps that need manual confirmation: checked by the operator, now confirmed)" \
      "（需要人工确认的步骤：操作员已检查，现在确认）"
  expect 0 confirm --from "$FROM" --to "$TO" --site "$SITE"
fi

if has_command run; then
  executions=""
  for stage in $STAGES; do
    # business_check runs the data-quality rules: the example data warns (4).
    codes=0
    [ "$stage" != business_check ] || codes="0 4"
    expect "$codes" run --from "$FROM" --to "$TO" --site "$SITE" --stage "$stage"
    if has_command status; then
      id=$("$CTL" --json status |
           python3 -c 'import json, sys; print(json.load(sys.stdin)["execution_id"])')
      executions="$executions $id"
    fi
  done
  # pre_stop's config step rendered ft's 3.18 configuration from the
  # bundle's template (the previous file is kept with the backups).
  banner "etc/ft/application.properties (ft_render_config)"
  # Quoted with "  | ": the file is the bundle's text, not the tool's.
  sed 's/^/  | /' "$STATE/etc/ft/application.properties"
  # in_stop ended with a verification: counts and sums compared.
  if has_command status; then
    banner "ft_verify_upgrade"
    for id in $executions; do
      "$CTL" --json status "$id" | python3 -c 'import json, sys
for step in json.load(sys.stdin)["steps"]:
    if step["id"] == "ft_verify_upgrade":
        print("[%s] %s: %s" % (step["status"], step["id"], step.get("message") or ""))'
    done
  fi
  # Exactly once: every step of in_stop already succeeded and is skipped.
  expect 0 run --from "$FROM" --to "$TO" --site "$SITE" --stage in_stop
  # pre_stop's backup step dumped ft_db's core tables: listed, restorable.
  if has_command backups; then
    expect 0 backups --site "$SITE"
  fi
  # post_upgrade's batched migration, as the operator follows it.
  if has_command migrations; then
    expect 0 migrations --site "$SITE"
  fi
else
  not_available run
fi

if has_command report && has_command run; then
  if has_command status; then
    for id in $executions; do
      expect 0 report "$id"
    done
  else
    not_available status
  fi
else
  not_available report
fi

if has_command run; then
  . "$HERE/clickhouse-demo.sh"
  . "$HERE/redis-demo.sh"
  . "$HERE/health-demo.sh"
fi

echo
say "=== done; state directory: $STATE" "=== 完成；状态目录：$STATE"
