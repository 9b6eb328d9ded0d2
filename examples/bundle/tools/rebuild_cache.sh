#!/bin/sh
# post_start of mid 3.17.0-P1: ask the gateway to rebuild its configuration
# cache. The example product has no gateway process, so this reports what
# a real site's hook would call.
set -eu

: "${UPGRADE_EXECUTION_ID:?not run by libupgrade: UPGRADE_EXECUTION_ID is not set}"

scope=${1:---all}
echo "[exec ${UPGRADE_EXECUTION_ID}] configuration cache rebuild requested (${scope}) for site ${UPGRADE_SITE_ID:-?}"
