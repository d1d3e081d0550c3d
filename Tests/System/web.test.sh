#!/usr/bin/env bash
# `lookout web` with a lookoutd replay (a retrained head), a real journald (../shared/docs/testing-recipes.md,
# recipe 1) and headless Chromium from Debian:
#  1. nobody watches: lookoutd classifies but writes no frame;
#  2. the page in Chromium shows the frame, its labels, the active labels, the charts and the head with its
#     report link (screenshot: .cache/system-tests/web.png); the frame file exists while it is open; an event
#     written after the page loaded appears in it, and a hostile label (<script>, control characters) as text;
#  3. the page closed, the marker goes stale and the frame is removed; report.html is served read-only;
#  4. a non-loopback address without a token refuses to start in one line; with a token, requests without
#     it get 401; hostile clients (oversized or malformed heads, POST, too many connections, an idle
#     client) are refused and the server keeps serving.
# Every wait is on a condition, bounded generously.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=$(cd "${LOOKOUT_BIN:-.build/debug}" && pwd)
SHARED=${LOOKOUT_SHARED_DIR:-../shared}
export LOOKOUT_MODEL_DIR=${LOOKOUT_MODEL_DIR:-$SHARED/models}
Tests/System/lib/need-packages.sh chromium python3-websockets
trap 'echo "web test: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
W=$(mktemp -d /tmp/lookout-web.XXXXXX)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/run-systemd/journal" "$W/run-log" "$W/var-log" /var/log/journal "$W/replay" "$W/data" "$W/live" "$W/credentials"
# A head for two Caltech-101 labels, and a replay of other pictures of them.
for label in airplanes Motorbikes; do
  mkdir -p "$W/data/$label"
  ls "$SHARED/datasets/caltech101/$label" | sed -n 1,12p | while read -r f; do cp "$SHARED/datasets/caltech101/$label/$f" "$W/data/$label/"; done
  ls "$SHARED/datasets/caltech101/$label" | sed -n 13,16p | while read -r f; do cp "$SHARED/datasets/caltech101/$label/$f" "$W/replay/$label-$f"; done
done
"$BIN/lookout" retrain --model "$LOOKOUT_MODEL_DIR/mobilenet_v1_0.25_128_quant.tflite" --data "$W/data" \
  --output "$W/heads/planes-bikes" --cache "$W/cache" --validation-percent 0 > "$W/retrain.log" 2>&1
# A thermal zone, so heartbeats carry a temperature for the chart.
mkdir -p "$W/thermal/thermal_zone0"
echo 47500 > "$W/thermal/thermal_zone0/temp"

source Tests/System/lib/journald.sh   # ENTRY_EXE
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$W/web.yaml" <<YAML
port: $PORT
live: {path: $W/live, refresh_seconds: 1}
journal:
  exe: [$BIN/lookoutd, $ENTRY_EXE]   # lookoutd in the foreground; journal_entry.py writes the odd entries
YAML
head -c 24 /dev/urandom | base64 | tr '+/' '-_' > "$W/credentials/web"
export LOOKOUT_SOURCE_REPLAY="$W/replay" LOOKOUT_SOURCE_REPLAY_FPS=2 LOOKOUT_SOURCE_REPLAY_LOOP=true \
       LOOKOUT_MODEL_PATH=mobilenet_v1_0.25_128_quant LOOKOUT_MODEL_HEAD="$W/heads/planes-bikes" \
       LOOKOUT_CLASSIFY_MAX_RATE=4 LOOKOUT_CLASSIFY_CPU_BUDGET=1 LOOKOUT_EVENTS_SINK=journal LOOKOUT_EVENTS_THRESHOLD=0.3 \
       LOOKOUT_EVENTS_HEARTBEAT_SECONDS=1 LOOKOUT_EVENTS_MIN_FRAMES=1 LOOKOUT_EVENTS_WINDOW=1 LOOKOUT_EVENTS_CLEAR_FRAMES=1 \
       LOOKOUT_THERMAL_ROOT="$W/thermal" LOOKOUT_LIVE_PATH="$W/live" LOOKOUT_LIVE_MAX_RATE=2 LOOKOUT_LIVE_WATCH_SECONDS=3
export W BIN PORT
unshare -m --propagation private bash Tests/System/lib/web-inside.sh
keep=.cache/system-tests; mkdir -p "$keep"
echo "web test: passed (screenshot: $keep/web.png)"
