# Sourced by the jobs in .ci/jobs: the checkout's root, the packages, and
# a build directory of the job's own (UPGRADE_CI_BUILD overrides it).
set -eu
cd "$(dirname "$0")/../.."
sh scripts/install-deps.sh
job=$(basename "$0")
BUILD=${UPGRADE_CI_BUILD:-_build-ci-$job}
echo "$job: build directory $BUILD"

# ci_setup ARGS…: meson setup with ARGS, or reconfigure an existing build
# directory with them (so a second run only rebuilds what changed).
ci_setup () {
  if [ -f "$BUILD/build.ninja" ]; then
    meson configure "$BUILD" "$@" >/dev/null
  else
    meson setup "$BUILD" "$@"
  fi
}
