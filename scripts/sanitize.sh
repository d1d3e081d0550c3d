#!/usr/bin/env bash
# The unit suite under a sanitizer: scripts/sanitize.sh address|thread [swift test options, e.g. --filter X]
# Everything (Swift and C targets, the test bundle and the lookout/lookoutd binaries the tests run) is
# built with -sanitize=SANITIZER in its own scratch folder (.build-asan, .build-tsan), so the normal
# build is untouched. A sanitizer report fails the test that triggered it (halt_on_error).
set -euo pipefail
cd "$(dirname "$0")/.."
sanitizer="${1:?usage: scripts/sanitize.sh address|thread [swift test options]}"
shift
case "$sanitizer" in
  address) scratch=.build-asan ;;
  thread) scratch=.build-tsan ;;
  *) echo "sanitize: address or thread, not $sanitizer" >&2; exit 2 ;;
esac
export LOOKOUT_SHARED_DIR="${LOOKOUT_SHARED_DIR:-$(cd .. && pwd)/shared}"
export LOOKOUT_MODEL_DIR="${LOOKOUT_MODEL_DIR:-$LOOKOUT_SHARED_DIR/models}"
# Leaks are left to the soak benchmark (scripts/soak.sh): the Swift runtime's caches live until exit.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:halt_on_error=1}"
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}"
export SWIFT_BACKTRACE=enable=no
nice -n 10 swift build --build-tests --sanitize "$sanitizer" --scratch-path "$scratch"
nice -n 10 swift test --skip-build --disable-swift-testing --sanitize "$sanitizer" --scratch-path "$scratch" "$@"
