#!/usr/bin/env bash
# Soak benchmark (issue #10; a benchmark, not a CI test): lookoutd (release build, mobilenet_v1_1.0_224)
# replays photos at 30 frames/s for MINUTES (default 30). Every 10 s it gets a SIGHUP, its config
# rotating through head A, head B and an invalid config (refused; the previous settings keep running);
# every minute the camera is unplugged (the replay folder moved away) for 5 s and plugged back.
# Resident memory, open fds and threads are sampled every 10 s, just before each SIGHUP (CSV beside
# the log); at the end it
# prints them at the start (after a 60 s warm-up: one whole reload rotation and one unplug) and at
# the end (targets: flat within 2 MB, +0 fds, +0 threads), the reloads accepted and refused, and
# whether every `started` event has its `ended`. The heads come from a short `lookout retrain` on
# Caltech-101 images. Prints Markdown for BENCHMARKS.md.
#   scripts/soak.sh [--minutes M] [--work DIR]       (LOOKOUT_BIN: use these binaries, no build)
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=30
work=""
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    *) echo "usage: scripts/soak.sh [--minutes M] [--work DIR]" >&2; exit 2 ;;
  esac
done
shared="${LOOKOUT_SHARED_DIR:-$(cd .. && pwd)/shared}"
export LOOKOUT_MODEL_DIR="${LOOKOUT_MODEL_DIR:-$shared/models}"
if [ -z "${LOOKOUT_BIN:-}" ]; then
  swift build -c release --product lookoutd >/dev/null
  swift build -c release --product lookout >/dev/null
fi
bin="${LOOKOUT_BIN:-$(swift build -c release --show-bin-path)}"
[ -n "$work" ] || work="$(mktemp -d)"
mkdir -p "$work"
work="$(cd "$work" && pwd)"
pid=""
trap '[ -z "$pid" ] || kill -TERM "$pid" 2>/dev/null || true' EXIT

# Two heads on the default base model, from a few Caltech-101 images per label.
make_head() {  # make_head NAME LABEL...
  local name=$1; shift
  rm -rf "$work/data-$name"
  for label in "$@"; do
    mkdir -p "$work/data-$name/$label"
    # sed reads the whole listing (head would stop ls with SIGPIPE, which pipefail makes fatal).
    ls "$shared/datasets/caltech101/$label" | sed -n '1,12p' | while read -r f; do
      cp "$shared/datasets/caltech101/$label/$f" "$work/data-$name/$label/$f"
    done
  done
  [ -d "$work/head-$name" ] || "$bin/lookout" retrain --model mobilenet_v1_1.0_224 --data "$work/data-$name" \
    --output "$work/head-$name" --cache "$work/cache" >/dev/null
}
make_head a Faces_easy Leopards Motorbikes
make_head b airplanes car_side watch

# The camera: photos and the heads' own kinds of picture, so labels start and end.
replay="$work/replay"
rm -rf "$replay" "$replay.unplugged"
mkdir -p "$replay"
i=0
for f in "$shared"/photos/*.jpg "$shared"/datasets/caltech101/{Faces_easy,Leopards,Motorbikes,airplanes,car_side,watch}/image_002[0-3].jpg; do
  cp "$f" "$replay/$(printf %03d $i).jpg"
  i=$((i + 1))
done

config() {  # config FILE HEAD  (HEAD "bad": an invalid config)
  {
    echo "source: {replay: $replay, replay_fps: 30}"
    echo "events: {heartbeat_seconds: 10}"
    if [ "$2" = bad ]; then echo "classify: {max_rate: -1}"; else echo "model: {head: $work/head-$2}"; fi
  } > "$1.tmp"
  mv "$1.tmp" "$1"
}
config "$work/lookout.yaml" a
# At low priority, as the machine is shared; the loop around it must keep its 10 s schedule.
nice -n 10 "$bin/lookoutd" --config "$work/lookout.yaml" --events stdout > "$work/events.jsonl" 2> "$work/lookoutd.log" &
pid=$!
for _ in $(seq 600); do grep -q '"event"' "$work/events.jsonl" 2>/dev/null && break; sleep 1; done

sample() {  # elapsed rss_kb fds threads
  echo "$1,$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status"),$(ls "/proc/$pid/fd" | wc -l),$(awk '/^Threads/ {print $2}' "/proc/$pid/status")"
}
echo "seconds,rss_kb,fds,threads" > "$work/samples.csv"
start=$(date +%s)
rotation=(b bad a)
tick=0
while [ $(( $(date +%s) - start )) -lt $((minutes * 60)) ]; do
  kill -0 "$pid" 2>/dev/null || { echo "soak: lookoutd exited after $(( $(date +%s) - start )) s" >&2; tail -5 "$work/lookoutd.log" >&2; exit 1; }
  tick=$((tick + 1))
  # On a fixed 10 s schedule, however long the sampling took.
  if [ $((tick % 6)) = 0 ]; then
    mv "$replay" "$replay.unplugged"; sleep 5; mv "$replay.unplugged" "$replay"
  fi
  sleep "$(python3 -c "import time; print(max(0, $start + $tick * 10 - time.time()))")"
  # Always in the same phase: 10 s after the last reload, just before the next.
  sample $(( $(date +%s) - start )) >> "$work/samples.csv"
  config "$work/lookout.yaml" "${rotation[$(( (tick - 1) % 3 ))]}"
  kill -HUP "$pid"
done
sample $(( $(date +%s) - start )) >> "$work/samples.csv"
kill -TERM "$pid"
wait "$pid" && status=0 || status=$?
pid=""

echo "Command: scripts/soak.sh --minutes $minutes"
echo "Machine: $(uname -m), $(nproc) cores shared with other work; $(date -u +'%Y-%m-%d %H:%M UTC')"
python3 - "$work" "$status" <<'PY'
import csv, json, re, sys
work, status = sys.argv[1], int(sys.argv[2])
rows = [tuple(map(int, r.values())) for r in csv.DictReader(open(f"{work}/samples.csv"))]
first = next(r for r in rows if r[0] >= 60) if rows[-1][0] >= 60 else rows[0]
last = rows[-1]
events = [json.loads(l) for l in open(f"{work}/events.jsonl") if l.startswith("{")]
kinds = {}
for e in events: kinds[e["event"]] = kinds.get(e["event"], 0) + 1
active, unmatched = {}, []
for e in events:
    key = (e.get("head"), e.get("label"))
    if e["event"] == "started":
        if key in active: unmatched.append(f"{key} started twice")
        active[key] = e
    elif e["event"] == "ended":
        if key not in active: unmatched.append(f"{key} ended without starting")
        active.pop(key, None)
unmatched += [f"{k} never ended" for k in active]
log = open(f"{work}/lookoutd.log").read()
reloaded, refused = len(re.findall(r"reloaded in", log)), len(re.findall(r"reload refused", log))
unplugs = len(re.findall(r"replay: skipped", log))
mb = lambda kb: kb / 1024
print(f"\n| | start ({first[0]} s) | end ({last[0]} s) | change | target |\n|---|---|---|---|---|")
print(f"| resident memory | {mb(first[1]):.1f} MB | {mb(last[1]):.1f} MB | {mb(last[1] - first[1]):+.1f} MB | within 2 MB |")
# One sample can catch a reload's second engine or a decode in flight: the medians of the first and
# last 3 minutes (18 samples) say whether memory drifts.
import statistics
steady = [r for r in rows if r[0] >= 60]
head, tail = statistics.median(r[1] for r in steady[:18]), statistics.median(r[1] for r in steady[-18:])
print(f"| resident memory, median of 3 minutes | {mb(head):.1f} MB | {mb(tail):.1f} MB | {mb(tail - head):+.1f} MB | within 2 MB |")
print(f"| open fds | {first[2]} | {last[2]} | {last[2] - first[2]:+d} | 0 |")
print(f"| threads | {first[3]} | {last[3]} | {last[3] - first[3]:+d} | 0 |")
print(f"\nFirst sample ({rows[0][0]} s, before warm-up): {mb(rows[0][1]):.1f} MB, {rows[0][2]} fds, {rows[0][3]} threads; "
      f"resident memory over the run {mb(min(r[1] for r in rows)):.1f}–{mb(max(r[1] for r in rows)):.1f} MB ({len(rows)} samples).")
print(f"Reloads accepted {reloaded}, refused {refused} (the invalid config); replay frames skipped while unplugged {unplugs}; "
      f"lookoutd exit status {status}.")
print(f"Events: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
      + (f"; every started has its ended." if not unmatched else f"; UNMATCHED: {unmatched[:5]}"))
PY
