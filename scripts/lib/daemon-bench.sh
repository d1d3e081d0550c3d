# Sourced by the daemon benchmarks (benchmark-daemon.sh, benchmark-live.sh) from the checkout's top:
# the models and photos, the release binaries in $bin (built as `make install` builds them, the Swift
# runtime linked in, in their own scratch folder; or LOOKOUT_BIN), a scratch folder $tmp removed at exit
# with every background job, and cpu_seconds PID (the process's user + system time so far).
export LOOKOUT_MODEL_DIR="${LOOKOUT_MODEL_DIR:-$(cd .. && pwd)/shared/models}"
photos="${LOOKOUT_SHARED_DIR:-$(cd .. && pwd)/shared}/photos"
[ -n "${LOOKOUT_BIN:-}" ] || swift build -c release --static-swift-stdlib --scratch-path .build/installed >/dev/null
bin=${LOOKOUT_BIN:-.build/installed/release}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; kill $(jobs -p) 2>/dev/null || true' EXIT
hz=$(getconf CLK_TCK)
cpu_seconds() { awk -v hz="$hz" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }
