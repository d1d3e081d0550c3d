#!/usr/bin/env bash
# Latency of every model at 1 and 2 threads: Lookout (`lookout bench`) and LiteRT side by side,
# interleaved per model and thread count so both see the same machine state. Then peak memory of
# `lookout classify`. Prints Markdown for BENCHMARKS.md.
#   scripts/benchmark.sh [--runs N] [--models "NAME..."] [--root ROOT]
# --root runs Lookout inside a cached Debian root (scripts/debian-root.sh; e.g. trixie-amd64 with
# Debian 13's XNNPACK 2024, LOOKOUT_BIN built there) while LiteRT runs on the host, in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=100 only="" root=""
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --models) only=$2; shift 2 ;;
    --root) root=$2; shift 2 ;;
    *) echo "usage: scripts/benchmark.sh [--runs N] [--models \"NAME...\"] [--root ROOT]" >&2; exit 2 ;;
  esac
done
models="${LOOKOUT_MODEL_DIR:-$(cd .. && pwd)/shared/models}"
photos="${LOOKOUT_SHARED_DIR:-$(cd .. && pwd)/shared}/photos"
bin="${LOOKOUT_BIN:-.build/release/lookout}"
[ -x "$bin" ] || swift build -c release --product lookout >/dev/null
lookout=("$bin")
if [ -n "$root" ]; then
  source scripts/lib/in-root.sh
  rootdir=$(scripts/debian-root.sh "$root")
  bin=$(realpath "$bin") models=$(realpath "$models")
  lookout=(in_root "$rootdir" "$(dirname "$bin"):$(dirname "$bin"):ro" "$models:$models:ro" -- "$bin")
fi
scripts/peer-env.sh
py=.venv-peer/bin/python

echo "Command: scripts/benchmark.sh --runs $runs${only:+ --models \"$only\"}${root:+ --root $root}"
echo "Machine: $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), $(nproc) cores; $(date -u +%Y-%m-%d)"
echo
echo "| model | threads | Lookout median (p10–p90) ms | XNNPACK invoke ms | LiteRT median (p10–p90) ms | Lookout / LiteRT |"
echo "|---|---|---|---|---|---|"
for model in "$models"/*.tflite; do
  if [ -n "$only" ] && [[ " $only " != *" $(basename "$model" .tflite) "* ]]; then continue; fi
  for threads in 1 2; do
    ours=$("${lookout[@]}" bench --model "$model" --threads "$threads" --runs "$runs" --json)
    # LiteRT announces its XNNPACK delegate on stderr; keep every other message.
    peer=$("$py" scripts/bench_litert.py "$model" --threads "$threads" --runs "$runs" \
           2> >(grep -v "^INFO: Created TensorFlow Lite XNNPACK delegate" >&2))
    "$py" - "$ours" "$peer" <<'PY'
import json, sys
o, p = json.loads(sys.argv[1]), json.loads(sys.argv[2])
f = lambda r: f"{r['median_ms']:.2f} ({r['p10_ms']:.2f}–{r['p90_ms']:.2f})"
print(f"| {o['model']} | {o['threads']} | {f(o)} | {o['invoke_median_ms']:.2f} | {f(p)} | {o['median_ms'] / p['median_ms']:.2f} |")
PY
  done
done
[ -z "$only$root" ] || exit 0
echo
echo "Peak resident memory of \`lookout classify\` (one photo, /usr/bin/time -v):"
echo
echo "| model | peak RSS MB |"
echo "|---|---|"
for model in mobilenet_v1_1.0_224 mobilenet_v1_0.25_128_quant; do
  kb=$(LOOKOUT_MODEL_DIR="$models" /usr/bin/time -v "$bin" classify --model "$model" "$photos/cat_1080p.jpg" 2>&1 >/dev/null \
       | awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}')
  echo "| $model | $(( (kb + 512) / 1024 )) |"
done
