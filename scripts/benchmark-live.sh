#!/usr/bin/env bash
# The live view's cost in lookoutd (issue 12), on the release binary with mobilenet_v1_1.0_224 at 1 thread:
#   1. per frame: every picture of a folder replayed once (replay_fps 0) at classify.max_rate 5 with
#      live.max_rate 10, so each classification also writes the frame; the process's CPU time (user +
#      sys) per classification with the watch marker kept fresh, minus without (RUNS runs of each, alternating);
#   2. lookoutd's CPU use as shipped (replay at 5 fps, max_rate 5, cpu_budget 0.5, live.max_rate 2) over
#      SECONDS watched against SECONDS with nobody watching (/proc/PID/stat).
# Prints Markdown for BENCHMARKS.md.  scripts/benchmark-live.sh [--seconds S] [--runs N]   (defaults 60, 3)
# LOOKOUT_BIN: the binaries (default: built as `make install` builds them; scripts/lib/daemon-bench.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=60 runs=3
while [ $# -gt 0 ]; do case $1 in --seconds) seconds=$2; shift 2 ;; --runs) runs=$2; shift 2 ;; *) echo "unknown option $1" >&2; exit 2 ;; esac; done
source scripts/lib/daemon-bench.sh   # $photos, $bin, $tmp, cpu_seconds
mkdir -p "$tmp/replay" "$tmp/live"
for round in 1 2 3 4 5; do for f in "$photos"/*.{jpg,png}; do cp "$f" "$tmp/replay/$round-$(basename "$f")"; done; done
frames=$(ls "$tmp/replay" | wc -l)
export LOOKOUT_MODEL_PATH=mobilenet_v1_1.0_224 LOOKOUT_LIVE_PATH="$tmp/live" LOOKOUT_EVENTS_SINK=stdout

# The watcher: what lookout web does while a page is open (touch the marker), every second.
watch_on() { (while :; do touch "$tmp/live/watching"; sleep 1; done) & echo $! > "$tmp/watcher.pid"; sleep 0.5; }
watch_off() { kill "$(cat "$tmp/watcher.pid")"; wait "$(cat "$tmp/watcher.pid")" 2>/dev/null || true; touch -d @0 "$tmp/live/watching"; }

# once: every picture classified once; prints the process's CPU seconds (user + sys).
once() {
  local t
  t=$( { TIMEFORMAT='%U %S'; time env LOOKOUT_SOURCE_REPLAY_FPS=0 LOOKOUT_SOURCE_REPLAY_LOOP=false LOOKOUT_CLASSIFY_MAX_RATE=5 \
        LOOKOUT_CLASSIFY_CPU_BUDGET=4 LOOKOUT_LIVE_MAX_RATE=10 "$bin/lookoutd" --source "$tmp/replay" > /dev/null 2>> "$tmp/lookoutd.log"; } 2>&1 )
  awk '{print $1 + $2}' <<< "$t"
}
touch -d @0 "$tmp/live/watching"
watched=() unwatched=()
for run in $(seq "$runs"); do
  unwatched+=("$(once)")
  watch_on; watched+=("$(once)"); watch_off
  test -s "$tmp/live/frame.jpg" || { echo "benchmark-live: no frame was written while watched" >&2; exit 1; }
done
mean() { printf '%s\n' "$@" | awk '{s += $1} END {printf "%.3f", s / NR}'; }
uw=$(mean "${unwatched[@]}") w=$(mean "${watched[@]}")
per_frame=$(awk -v a="$w" -v b="$uw" -v n="$frames" 'BEGIN {printf "%.2f", (a - b) / n * 1000}')
jpeg_kb=$(du -k "$tmp/live/frame.jpg" | cut -f1)

# steady: lookoutd as shipped for $seconds after a 5 s warm-up; prints its CPU cores.
steady() {
  env LOOKOUT_SOURCE_REPLAY_FPS=5 "$bin/lookoutd" --source "$tmp/replay" > /dev/null 2>> "$tmp/lookoutd.log" &
  local pid=$! c0 t0 c1 t1
  sleep 5
  c0=$(cpu_seconds $pid); t0=$(date +%s.%N)
  sleep "$seconds"
  c1=$(cpu_seconds $pid); t1=$(date +%s.%N)
  kill -TERM $pid; wait $pid || true
  awk -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" 'BEGIN {printf "%.3f", (c1 - c0) / (t1 - t0)}'
}
idle=$(steady)
watch_on; busy=$(steady); watch_off

echo "| measure | nobody watching | watched | difference |"
echo "|---|---|---|---|"
echo "| CPU s for $frames classifications, each writing the frame when watched (mean of $runs: ${unwatched[*]} / ${watched[*]}) | $uw | $w | **$per_frame ms a frame** (224×224 JPEG q85, ${jpeg_kb} kB, + frame.json, both atomic) |"
echo "| lookoutd CPU cores as shipped (replay 5 fps, max_rate 5, cpu_budget 0.5, live.max_rate 2), $seconds s | $idle | $busy | $(awk -v a="$busy" -v b="$idle" 'BEGIN {printf "%+.3f", a - b}') |"
