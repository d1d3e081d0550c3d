#!/usr/bin/env bash
# lookoutd's events through a real journald (systemd-journald started by hand in a private mount
# namespace; ../shared/docs/testing-recipes.md, recipe 1):
#  1. every event type comes back from the journal with all its fields and values, compared with
#     the same replay run with the stdout sink;
#  2. `lookout tail --json --directory` reads the same events back;
#  3. journald stopped mid-run: events go to stderr as JSON lines, and journal + stderr together
#     hold every event (nothing lost); lookoutd says when the journal is back.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${LOOKOUT_BIN:-.build/debug}
SHARED=${LOOKOUT_SHARED_DIR:-../shared}
export LOOKOUT_MODEL_DIR=${LOOKOUT_MODEL_DIR:-$SHARED/models}
trap 'echo "journal test: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
W=$(mktemp -d /tmp/lookout-journal.XXXXXX)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/run-systemd/journal" "$W/run-log" "$W/var-log" /var/log/journal "$W/photos"
# A replay that starts and ends events: cats, then a hot dog, then the rest.
# Three rounds of 7 photos at 4 frames/s: about 5 s, so journald can go away in the middle.
for round in a b c; do
  for f in cat.png cat_720p.jpg cat_1080p.jpg hot_dog.jpg hotdog_test_0.png grace_hopper.png owl.jpg; do
    cp "$SHARED/photos/$f" "$W/photos/$round-$f"
  done
done
export LOOKOUT_SOURCE_REPLAY_FPS=4 LOOKOUT_SOURCE_REPLAY_LOOP=false LOOKOUT_CLASSIFY_MAX_RATE=20 LOOKOUT_CLASSIFY_CPU_BUDGET=2 \
       LOOKOUT_EVENTS_HEARTBEAT_SECONDS=1 LOOKOUT_EVENTS_MIN_FRAMES=1 LOOKOUT_EVENTS_WINDOW=1 LOOKOUT_EVENTS_CLEAR_FRAMES=1

# The expected events: the same replay with the stdout sink.
"$BIN/lookoutd" --source "$W/photos" --events stdout > "$W/expected.jsonl" 2> "$W/expected.log"

unshare -m --propagation private bash -s "$W" "$BIN" <<'INNER'
set -euo pipefail
W=$1 BIN=$2
source Tests/System/lib/journald.sh
mount_journal_folders
start_journald
"$BIN/lookoutd" --source "$W/photos" --events journal > "$W/run1.stdout" 2> "$W/run1.stderr"
# Without a flush request journald keeps the runtime journal, /run/log/journal (here $W/run-log).
journalctl -o json --no-pager SYSLOG_IDENTIFIER=lookoutd > "$W/run1.journal.json"
"$BIN/lookout" tail --json --heartbeats --directory /run/log/journal/"$(cat /etc/machine-id)" > "$W/run1.tail.jsonl"
# Run 2: journald goes away for two seconds in the middle of the replay.
date +%s.%N > "$W/run2.start"
"$BIN/lookoutd" --source "$W/photos" --events journal > "$W/run2.stdout" 2> "$W/run2.stderr" &
D=$!
sleep 1.5; kill "$(cat "$W/journald.pid")"; wait "$(cat "$W/journald.pid")" || true; rm -f /run/systemd/journal/socket
sleep 2; start_journald
wait $D
journalctl -o json --no-pager SYSLOG_IDENTIFIER=lookoutd --since "@$(cat "$W/run2.start")" > "$W/run2.journal.json"
kill "$(cat "$W/journald.pid")"
INNER

python3 Tests/System/lib/check_journal.py "$W"
