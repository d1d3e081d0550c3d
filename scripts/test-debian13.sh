#!/usr/bin/env bash
# The Debian 13 amd64 lane: builds Lookout and its tests with Debian 13's own Swift (swiftlang 6.0.3)
# and libraries (XNNPACK 2024) in the trixie-amd64 root (scripts/debian-root.sh), into .build-deb13,
# and runs the unit suite there against the shared models, photos and reference outputs.
# Usage: scripts/test-debian13.sh [--filter REGEX]...   (swift test's options)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/in-root.sh
source scripts/lib/lanes.sh
root=$(step "trixie-amd64 root" scripts/debian-root.sh trixie-amd64)
lane_binds
in_trixie() { in_root "$root" "${LANE_BINDS[@]}" -- env "${LANE_ENV[@]}" bash -c 'cd "$0" && exec "$@"' "$PWD" "$@"; }
step "build with $(in_trixie swift --version 2>/dev/null | head -1)" in_trixie nice swift build --scratch-path .build-deb13 --build-tests
step "unit suite (Debian 13 amd64)" xctest_run in_trixie swift test --skip-build --scratch-path .build-deb13 --disable-swift-testing "$@"
