#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer + AddressSanitizer) of Lookout's untrusted inputs:
#   scripts/fuzz.sh [--seconds N] [TARGET...]      TARGET: tflite head config image camera (default: all)
# Builds the Fuzzing/ package (its own build folder; the main package never needs the fuzzer), seeds each
# corpus from real files (shared models and photos, Config/lookout.yaml, a head bundle written by the
# retrainer's writer, camera frames made from photos), then runs the targets one after another, N
# seconds each (default 600), at low priority. Corpora grow in Fuzzing/.build/corpus/TARGET across runs;
# a crash is saved in Fuzzing/.build/crashes/TARGET/ and makes the script fail.
# One line per target at the end: seconds, executions, corpus size, crashes.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=600
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(tflite head config image camera)

export LOOKOUT_SHARED_DIR="${LOOKOUT_SHARED_DIR:-$(cd .. && pwd)/shared}"
export LOOKOUT_MODEL_DIR="${LOOKOUT_MODEL_DIR:-$LOOKOUT_SHARED_DIR/models}"
export LOOKOUT_PHOTOS="${LOOKOUT_PHOTOS:-$LOOKOUT_SHARED_DIR/photos}"
export LOOKOUT_CONFIG="$PWD/Config/lookout.yaml"
# A crash is reported by libFuzzer at once (Swift's own backtracer would take seconds per crash).
export SWIFT_BACKTRACE=enable=no

# libFuzzer's runtime from the Swift toolchain's clang (the driver without its main(): each target's
# entry point calls LLVMFuzzerRunDriver), coverage and ASan in Swift and C alike.
resource="$(dirname "$(readlink -f "$(command -v swiftc)")")/../lib/clang"
runtime="$(ls "$resource"/*/lib/linux/libclang_rt.fuzzer_no_main-"$(uname -m)".a 2>/dev/null | tail -1)"
if [ -z "$runtime" ]; then
  echo "fuzz: libclang_rt.fuzzer_no_main not found under $resource (a Swift toolchain with clang's runtimes is needed)" >&2
  exit 1
fi
coverage=edge,indirect-calls,trace-cmp,inline-8bit-counters,pc-table
work=Fuzzing/.build
mkdir -p "$work"
echo "fuzz: building the targets (log $work/build.log)" >&2
# No cached build manifest: it would miss files added to the main package since the last build.
if ! nice -n 10 swift build --package-path Fuzzing -c release --disable-build-manifest-caching \
  -Xswiftc -parse-as-library -Xswiftc -enable-testing \
  -Xswiftc -sanitize=address -Xswiftc -sanitize-coverage="$coverage" \
  -Xcc -fsanitize=address -Xcc -fsanitize-coverage=inline-8bit-counters,pc-table,trace-cmp \
  -Xlinker "$runtime" -Xlinker -lstdc++ >"$work/build.log" 2>&1; then
  grep -v "Cannot export local symbol" "$work/build.log" | tail -40 >&2
  exit 1
fi
bin="$(swift build --package-path Fuzzing -c release --show-bin-path)"

declare -A product=([tflite]=FuzzTFLite [head]=FuzzHead [config]=FuzzConfig [image]=FuzzImage [camera]=FuzzCamera)
# Largest input per target: the real seeds fit (the 0.25/128 and 0.5/160 models whole, small photos).
declare -A maxlen=([tflite]=1400000 [head]=65536 [config]=8192 [image]=131072 [camera]=65536)
summary=()
failed=0
for t in "${targets[@]}"; do
  exe="$bin/${product[$t]:?unknown target $t (tflite head config image camera)}"
  seeds="$work/seeds/$t" corpus="$work/corpus/$t" crashes="$work/crashes/$t"
  mkdir -p "$corpus" "$crashes"
  rm -rf "$seeds"
  "$exe" --make-seeds "$seeds"
  log="$work/fuzz-$t.log"
  echo "fuzz: $t for ${seconds}s (log $log)" >&2
  status=0
  nice -n 10 "$exe" -max_total_time="$seconds" -max_len="${maxlen[$t]}" -timeout=60 -rss_limit_mb=3072 \
    -detect_leaks=0 -print_final_stats=1 -artifact_prefix="$crashes/" "$corpus" "$seeds" >"$log" 2>&1 || status=$?
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  summary+=("$t: ${seconds} s, ${execs:-?} executions, corpus $(ls "$corpus" | wc -l) files, $( [ "$status" = 0 ] && echo "no crash" || echo "CRASH (status $status, see $log and $crashes)")")
  [ "$status" = 0 ] || failed=1
done
printf 'fuzz: %s\n' "${summary[@]}"
exit $failed
