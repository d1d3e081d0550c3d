#!/usr/bin/env bash
# lookoutd's events through a real journald (systemd-journald started by hand in a private mount
# namespace; ../shared/docs/testing-recipes.md, recipe 1):
#  1. every event type comes back from the journal with all its fields and values, compared with
#     the same replay run with the stdout sink;
#  2. `lookout tail --json --directory` reads the same events back;
#  3. journald stopped mid-run: events go to stderr as JSON lines, and journal + stderr together
#     hold every event (nothing lost); lookoutd says when the journal is back;
#  4. entries forged through the native protocol (SYSLOG_IDENTIFIER=lookoutd, LOOKOUT_ fields, even _SYSTEMD_UNIT=
#     and _EXE=, which journald drops) by root and by another user are not shown by `lookout tail`,
#     and control characters in a MESSAGE are shown escaped.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${LOOKOUT_BIN:-.build/debug}
SHARED=${LOOKOUT_SHARED_DIR:-../shared}
export LOOKOUT_MODEL_DIR=${LOOKOUT_MODEL_DIR:-$SHARED/models}
trap 'echo "journal test: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
W=$(mktemp -d /tmp/lookout-journal.XXXXXX)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/run-systemd/journal" "$W/run-log" "$W/var-log" /var/log/journal "$W/photos"
# A replay that starts and ends events: cats, then a hot dog, then the rest. Three rounds of 7
# photos, every one classified (replay_fps 0: none dropped, so every run gives the same events on
# any machine), at most 4 a second: at least 5 s, so journald can go away in the middle.
for round in a b c; do
  for f in cat.png cat_720p.jpg cat_1080p.jpg hot_dog.jpg hotdog_test_0.png grace_hopper.png owl.jpg; do
    cp "$SHARED/photos/$f" "$W/photos/$round-$f"
  done
done
export LOOKOUT_SOURCE_REPLAY_FPS=0 LOOKOUT_SOURCE_REPLAY_LOOP=false LOOKOUT_CLASSIFY_MAX_RATE=4 LOOKOUT_CLASSIFY_CPU_BUDGET=2 \
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
# A foreground lookoutd (no unit, as root) counts for tail only when its binary is named with --exe.
"$BIN/lookout" tail --json --heartbeats --directory /run/log/journal/"$(cat /etc/machine-id)" \
  --exe "$BIN/lookoutd" > "$W/run1.tail.jsonl"
"$BIN/lookout" tail --json --heartbeats --directory /run/log/journal/"$(cat /etc/machine-id)" > "$W/run1.tail-noexe.jsonl"
# Forged entries: a started event with an escape sequence in its MESSAGE, by root and by nobody.
forge() {
  printf 'MESSAGE=forged \033[31mred\033]0;title\007 seen\nSYSLOG_IDENTIFIER=lookoutd\nLOOKOUT_EVENT=started\nLOOKOUT_LABEL=forged-%s\n_SYSTEMD_UNIT=lookoutd.service\n_UID=0\n_EXE=%s\n' \
    "$1" "$(realpath "$BIN/lookoutd")" > "$W/forged-$1"
  chmod 644 "$W/forged-$1"
}
forge root; forge nobody
# Debian's own python3: another user cannot run a per-user one (pyenv under /root). The forgers
# stay alive until journald has stored both entries.
PY=/usr/bin/python3 FORGER=$(realpath Tests/System/lib/forge_journal.py)
$PY "$FORGER" "$W/forged-root" & FORGERS=$!
chmod 711 "$W"; setpriv --reuid=nobody --regid=nogroup --clear-groups $PY "$FORGER" "$W/forged-nobody" & FORGERS="$FORGERS $!"
for _ in $(seq 6000); do
  [ "$(journalctl --no-pager -o cat LOOKOUT_LABEL=forged-root LOOKOUT_LABEL=forged-nobody | wc -l)" = 2 ] && break; sleep 0.1
done
kill $FORGERS; wait $FORGERS || true
journalctl -o json --no-pager LOOKOUT_LABEL=forged-root LOOKOUT_LABEL=forged-nobody > "$W/forged.journal.json"
D=/run/log/journal/"$(cat /etc/machine-id)"
"$BIN/lookout" tail --json --heartbeats --directory "$D" --exe "$BIN/lookoutd" > "$W/forged.tail.jsonl"
"$BIN/lookout" tail --heartbeats --directory "$D" --exe "$BIN/lookoutd" > "$W/forged.tail.txt"
# Trusting the forger's own binary (python3) makes root's forged entry count (the test's way to
# get a trusted entry with an escape sequence): its text line shows the sequence escaped.
"$BIN/lookout" tail --directory "$D" --exe "$(realpath $PY)" > "$W/forger.tail.txt"
# Run 2: journald goes away for two seconds in the middle of the replay.
date +%s.%N > "$W/run2.start"
"$BIN/lookoutd" --source "$W/photos" --events journal > "$W/run2.stdout" 2> "$W/run2.stderr" &
D=$!
sleep 1.5; stop_journald
sleep 2; start_journald
wait $D
journalctl -o json --no-pager SYSLOG_IDENTIFIER=lookoutd --since "@$(cat "$W/run2.start")" > "$W/run2.journal.json"
kill "$(cat "$W/journald.pid")"
INNER

python3 Tests/System/lib/check_journal.py "$W"
