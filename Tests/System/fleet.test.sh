#!/usr/bin/env bash
# A fleet's journal on one machine: two network namespaces joined by a veth pair (addresses only
# inside them). The "board" (its own hostname, mount namespace and journald) runs a lookoutd replay
# and ships its journal with systemd-journal-upload; the "collector" receives it with
# systemd-journal-remote. Checks: every event the board's journal holds arrives on the collector,
# and `lookout tail --directory` there shows them with the board's hostname.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=$(cd "${LOOKOUT_BIN:-.build/debug}" && pwd)
SHARED=${LOOKOUT_SHARED_DIR:-../shared}
export LOOKOUT_MODEL_DIR=${LOOKOUT_MODEL_DIR:-$SHARED/models}
Tests/System/lib/need-packages.sh systemd-journal-remote iproute2
W=$(mktemp -d /tmp/lookout-fleet.XXXXXX)
BOARD=lookout-board-$$ COLLECTOR=lookout-collector-$$
cleanup() {
  [ -f "$W/remote.pid" ] && kill "$(cat "$W/remote.pid")" 2>/dev/null
  ip netns del "$BOARD" 2>/dev/null; ip netns del "$COLLECTOR" 2>/dev/null
  rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 143' TERM INT
trap 'echo "fleet test: failed at line $LINENO: $BASH_COMMAND" >&2; tail -5 "$W"/*.log' ERR
mkdir -p "$W/run-systemd/journal" "$W/run-log" "$W/var-log" /var/log/journal "$W/photos" "$W/remote"
for f in cat.png hot_dog.jpg grace_hopper.png owl.jpg; do cp "$SHARED/photos/$f" "$W/photos/"; done

ip netns add "$BOARD"
ip netns add "$COLLECTOR"
ip link add "vb$$" type veth peer name "vc$$"
ip link set "vb$$" netns "$BOARD"
ip link set "vc$$" netns "$COLLECTOR"
ip -n "$BOARD" addr add 10.231.0.1/30 dev "vb$$"
ip -n "$COLLECTOR" addr add 10.231.0.2/30 dev "vc$$"
for ns in "$BOARD" "$COLLECTOR"; do ip -n "$ns" link set lo up; done
ip -n "$BOARD" link set "vb$$" up
ip -n "$COLLECTOR" link set "vc$$" up

# The collector: journal-remote over plain HTTP on its own address (TLS is set up in the README).
ip netns exec "$COLLECTOR" /lib/systemd/systemd-journal-remote --listen-http=19532 --output="$W/remote/" \
  > "$W/remote.log" 2>&1 &
echo $! > "$W/remote.pid"
start=$SECONDS
until ip netns exec "$BOARD" bash -c 'exec 3<>/dev/tcp/10.231.0.2/19532' 2>/dev/null; do
  ((SECONDS - start < 300)) || { echo "the collector never listened"; exit 1; }
  sleep 0.1
done

# The board: its own hostname and journald; lookoutd replays; journal-upload ships what is there.
export LOOKOUT_SOURCE_REPLAY_LOOP=false LOOKOUT_SOURCE_REPLAY_FPS=4 LOOKOUT_CLASSIFY_MAX_RATE=20 LOOKOUT_CLASSIFY_CPU_BUDGET=2 \
       LOOKOUT_EVENTS_HEARTBEAT_SECONDS=1 LOOKOUT_EVENTS_MIN_FRAMES=1 LOOKOUT_EVENTS_WINDOW=1 LOOKOUT_EVENTS_CLEAR_FRAMES=1
# nsenter, not `ip netns exec`: that mounts a new /sys without the cgroup tree journald needs.
nsenter --net="/run/netns/$BOARD" unshare -m -u --propagation private bash -s "$W" "$BIN" <<'INNER'
set -euo pipefail
W=$1 BIN=$2
hostname garden-board
source Tests/System/lib/journald.sh
private_journald
"$BIN/lookoutd" --source "$W/photos" --events journal > /dev/null 2> "$W/lookoutd.log"
journalctl -o json --no-pager SYSLOG_IDENTIFIER=lookoutd > "$W/board.journal.json"
timeout 300 /lib/systemd/systemd-journal-upload --url=http://10.231.0.2:19532 --save-state="$W/upload.state" --follow=false \
  > "$W/upload.log" 2>&1
kill "$(cat "$W/journald.pid")"
INNER

# On the collector: the files journal-remote wrote, read as a copy of another board's journal.
"$BIN/lookout" tail --json --exe "$BIN/lookoutd" --directory "$W/remote" > "$W/collector.jsonl"
"$BIN/lookout" tail --exe "$BIN/lookoutd" --directory "$W/remote" > "$W/collector.txt"
journalctl -o json --no-pager -D "$W/remote" SYSLOG_IDENTIFIER=lookoutd > "$W/collector.journal.json"
python3 - "$W" <<'EOF'
import json, sys
from pathlib import Path
sys.path.insert(0, "Tests/System/lib")
from checks import check, finish
W = Path(sys.argv[1])
def load(p): return [json.loads(l) for l in (W / p).read_text().splitlines() if l.startswith("{")]
board = [e for e in load("board.journal.json") if e.get("LOOKOUT_EVENT") in ("started", "ended")]
collector = load("collector.journal.json")
tail = load("collector.jsonl")
check(len(board) >= 4, f"the board's journal holds {len(board)} started/ended events")
check(all(e.get("_HOSTNAME") == "garden-board" for e in collector) and collector, "entries on the collector carry the board's hostname")
key = lambda e: (e["event"], e["label"], e.get("frame"), e.get("captured_at"))
wanted = [("started" if e["LOOKOUT_EVENT"] == "started" else "ended", e["LOOKOUT_LABEL"], int(e["LOOKOUT_FRAME"]), e["LOOKOUT_CAPTURED_AT"]) for e in board]
check([key(e) for e in tail] == wanted, f"lookout tail --json --directory on the collector: the board's {len(wanted)} events, in order")
lines = (W / "collector.txt").read_text().splitlines()
check(len(lines) == len(wanted) and all("garden-board" in l for l in lines), "lookout tail --directory shows each with the board's hostname")
finish("fleet")
EOF
