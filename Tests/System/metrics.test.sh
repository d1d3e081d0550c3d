#!/usr/bin/env bash
# `lookout metrics` against a real journald (../shared/docs/testing-recipes.md, recipe 1) and
# Prometheus' own checker (promtool, Debian's prometheus package):
#  1. a lookoutd replay's entries become a .prom file that `promtool check metrics` accepts, whose
#     figures agree with the journal (classifications, dropped, events by label, the latency
#     histogram's count, CPU and budget);
#  2. a second replay after a restart of the exporter: counters carry on from the saved state, nothing
#     counted twice;
#  3. a malformed heartbeat is one line and counted as such; a label with a quote and a
#     backslash is escaped so promtool still accepts the file; a forged entry from another uid is ignored.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=$(cd "${LOOKOUT_BIN:-.build/debug}" && pwd)
SHARED=${LOOKOUT_SHARED_DIR:-../shared}
export LOOKOUT_MODEL_DIR=${LOOKOUT_MODEL_DIR:-$SHARED/models}
Tests/System/lib/need-packages.sh prometheus
trap 'echo "metrics test: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
W=$(mktemp -d /tmp/lookout-metrics.XXXXXX)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/run-systemd/journal" "$W/run-log" "$W/var-log" /var/log/journal "$W/photos" "$W/state" "$W/textfile"
for f in cat.png cat_720p.jpg hot_dog.jpg hotdog_test_0.png grace_hopper.png owl.jpg; do cp "$SHARED/photos/$f" "$W/photos/"; done
export LOOKOUT_SOURCE_REPLAY_LOOP=false LOOKOUT_SOURCE_REPLAY_FPS=4 LOOKOUT_CLASSIFY_MAX_RATE=20 LOOKOUT_CLASSIFY_CPU_BUDGET=2 \
       LOOKOUT_EVENTS_HEARTBEAT_SECONDS=0.5 LOOKOUT_EVENTS_MIN_FRAMES=1 LOOKOUT_EVENTS_WINDOW=1 LOOKOUT_EVENTS_CLEAR_FRAMES=1

unshare -m --propagation private bash -s "$W" "$BIN" <<'INNER'
set -euo pipefail
W=$1 BIN=$2
source Tests/System/lib/journald.sh
private_journald
metrics() { "$BIN/lookout" metrics --once --exe "$BIN/lookoutd" --exe "$ENTRY_EXE" --state "$W/state" --output "$W/textfile/lookout.prom" 2>> "$W/metrics.log"; }
"$BIN/lookoutd" --source "$W/photos" --events journal > /dev/null 2> "$W/lookoutd1.log"
metrics
cp "$W/textfile/lookout.prom" "$W/run1.prom"
journalctl -o json --no-pager SYSLOG_IDENTIFIER=lookoutd > "$W/run1.journal.json"
"$BIN/lookoutd" --source "$W/photos" --events journal > /dev/null 2> "$W/lookoutd2.log"
fake_entry LOOKOUT_EVENT=heartbeat LOOKOUT_CAMERA=/dev/video9 LOOKOUT_FPS=fast LOOKOUT_CPU_CORES=0.1 LOOKOUT_CPU_BUDGET=0.5 \
  LOOKOUT_CLASSIFICATIONS=1 LOOKOUT_DROPPED=0 MESSAGE=bad
fake_entry LOOKOUT_EVENT=started LOOKOUT_CAMERA=/dev/video9 'LOOKOUT_LABEL=say "hi" \ there' LOOKOUT_CONFIDENCE=0.9 MESSAGE=odd
forged_entry LOOKOUT_EVENT=started LOOKOUT_CAMERA=/dev/video9 LOOKOUT_LABEL=intruder MESSAGE=forged
metrics
journalctl -o json --no-pager SYSLOG_IDENTIFIER=lookoutd > "$W/run2.journal.json"
kill "$(cat "$W/journald.pid")"
INNER

promtool check metrics < "$W/run1.prom" > "$W/promtool1.txt" 2>&1 || { cat "$W/promtool1.txt"; exit 1; }
promtool check metrics < "$W/textfile/lookout.prom" > "$W/promtool2.txt" 2>&1 || { cat "$W/promtool2.txt"; exit 1; }
echo "ok   promtool check metrics accepts both files"
python3 Tests/System/lib/check_metrics.py "$W"
