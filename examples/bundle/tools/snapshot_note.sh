#!/bin/sh
# pre_stop of ft 3.17.0: record which execution took the backup of the
# tables named as arguments, so that a rollback can find it.
# The note goes to $UPGRADE_NOTES_DIR (default: $TMPDIR or /tmp), never into
# the bundle, which may be read-only.
set -eu

: "${UPGRADE_EXECUTION_ID:?not run by libupgrade: UPGRADE_EXECUTION_ID is not set}"

dir=${UPGRADE_NOTES_DIR:-${TMPDIR:-/tmp}}
note="$dir/upgrade-snapshot-${UPGRADE_EXECUTION_ID}.txt"

{
  echo "execution=${UPGRADE_EXECUTION_ID}"
  echo "site=${UPGRADE_SITE_ID:-}"
  echo "from=${UPGRADE_FROM_VERSION:-}"
  echo "to=${UPGRADE_TO_VERSION:-}"
  echo "stage=${UPGRADE_STAGE:-}"
  echo "tables=$*"
} > "$note"

echo "snapshot of [$*] recorded for execution ${UPGRADE_EXECUTION_ID} in $note"
