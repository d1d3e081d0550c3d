#!/usr/bin/env bash
# The project's test command: builds and runs every test against the real models, photos and
# reference outputs. LOOKOUT_MODEL_DIR and LOOKOUT_SHARED_DIR default to the shared data folder
# beside the checkout (../shared), as CI lays it out.
set -euo pipefail
cd "$(dirname "$0")/.."
export LOOKOUT_SHARED_DIR="${LOOKOUT_SHARED_DIR:-$(cd .. && pwd)/shared}"
export LOOKOUT_MODEL_DIR="${LOOKOUT_MODEL_DIR:-$LOOKOUT_SHARED_DIR/models}"
if [ ! -d "$LOOKOUT_MODEL_DIR" ]; then
  echo "test: no models in $LOOKOUT_MODEL_DIR; set LOOKOUT_MODEL_DIR or run 'lookout model install NAME --from DIR'" >&2
  exit 1
fi
source scripts/lib/lanes.sh
swift build --build-tests "$@"
# XCTest only: the suites are XCTest, and its summary line is what CI reads.
xctest_run swift test --skip-build --disable-swift-testing "$@"
# System tests against a real journald, a real systemd (nspawn) and a real V4L2 driver (QEMU).
Tests/System/run.sh
