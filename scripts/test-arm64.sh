#!/usr/bin/env bash
# The arm64 lane: cross-compiles Lookout and its tests for aarch64 in the trixie-amd64 root with
# Debian 13's Swift, the trixie-arm64 root as sysroot (scripts/debian-root.sh), into .build-arm64,
# then runs the XCTest bundle inside trixie-arm64 under qemu-user (XNNPACK's NEON kernels, the
# camera path's SIMD code on arm64). Under qemu-user, scalar code runs about 13× slower than natively,
# XNNPACK's uint8 kernels about 85× and its float kernels about 230× (qemu computes floating point in
# software): the whole suite takes about an hour on a 2-core host, and tests use small models where
# the model is not the point.
# Usage: scripts/test-arm64.sh [--filter REGEX | --ci]   (REGEX over Module.Class/test, as swift test's)
#   --ci: what differs by architecture, for CI: engine parity with the LiteRT reference (XNNPACK's NEON
#   kernels), the camera path's crops and conversions (SIMD code) and daemon replay.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/in-root.sh
source scripts/lib/lanes.sh
filter=""
while [ $# -gt 0 ]; do
  case $1 in
    --filter) filter=$2; shift 2 ;;
    --ci) filter='^LookoutEngineTests\.(EngineTests|ReferenceOutputTests)/|^LookoutImagingTests\.ReferenceCropTests/|^LookoutDaemonTests\.ReplayTests/'; shift ;;
    *) echo "usage: scripts/test-arm64.sh [--filter REGEX | --ci]" >&2; exit 2 ;;
  esac
done

host=$(step "trixie-amd64 root" scripts/debian-root.sh trixie-amd64)
target=$(step "trixie-arm64 root" scripts/debian-root.sh trixie-arm64)
lane_binds
scratch=.build-arm64 sysroot=/sysroot-arm64
mkdir -p "$scratch"
# Headers and libraries the arm64 root reaches through /etc/alternatives (cblas.h, libopenblas.so)
# are absolute links: the same alternatives in the host root, pointing into the sysroot.
for link in "$target"/etc/alternatives/*-aarch64-linux-gnu; do
  ln -sfn "$sysroot$(readlink "$link")" "$host/etc/alternatives/$(basename "$link")"
done
# SwiftPM's destination: Debian 13's Swift on amd64 targeting aarch64, with the arm64 root's Swift
# resource dir, and the runtime found where swiftlang installs it on the board.
cat > "$scratch/aarch64.json" <<JSON
{"version": 1, "sdk": "$sysroot", "toolchain-bin-dir": "/usr/libexec/swift/bin",
 "target": "aarch64-unknown-linux-gnu", "dynamic-library-extension": "so",
 "extra-cc-flags": ["-fPIC"], "extra-cpp-flags": ["-fPIC"],
 "extra-swiftc-flags": ["-sdk", "$sysroot", "-resource-dir", "$sysroot/usr/libexec/swift/lib/swift", "-use-ld=lld",
   "-tools-directory", "/usr/libexec/swift/bin", "-no-toolchain-stdlib-rpath",
   "-Xlinker", "-rpath=/usr/libexec/swift/lib/swift/linux"]}
JSON
in_host() { in_root "$host" "${LANE_BINDS[@]}" "$target:$sysroot:ro" -- env "${LANE_ENV[@]}" bash -c 'cd "$0" && exec "$@"' "$PWD" "$@"; }
in_target() { in_root "$target" "${LANE_BINDS[@]}" -- env "${LANE_ENV[@]}" bash -c 'cd "$0" && exec "$@"' "$PWD" "$@"; }
step "cross build for aarch64" in_host nice swift build --scratch-path "$scratch" --build-tests --destination "$scratch/aarch64.json"

bundle=$(ls -d "$scratch"/aarch64-unknown-linux-gnu/debug/*PackageTests.xctest)
selected=()
if [ -n "$filter" ]; then
  tests=$(in_target "$bundle" --list-tests | grep -E -- "$filter" | paste -sd, -) || true
  [ -n "$tests" ] || { echo "test-arm64: no test matches '$filter'" >&2; exit 1; }
  selected=("$tests")
fi
step "unit suite on arm64 (qemu-user)${filter:+, tests matching $filter}" xctest_run in_target nice "$bundle" "${selected[@]}"
