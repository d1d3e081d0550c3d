#!/usr/bin/env bash
# mqtt.test.sh's steps, run in a private mount namespace where journald's folders are the test's own.
# Environment: W (scratch folder), BIN (built binaries), PORT (the broker's).
set -euo pipefail
source Tests/System/lib/inside.sh   # wait_for, stop, on_failure; nothing outlives the test
on_failure mqtt bridge.log mosquitto.log sub.log
source Tests/System/lib/journald.sh
mount_journal_folders
CHECK="python3 $(pwd)/Tests/System/lib/check_mqtt.py"

alive() { kill -0 "$(cat "$W/$1.pid")" 2>/dev/null; }
broker_listening() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }
start_broker() {
  mosquitto -c "$W/mosquitto.conf" 2>> "$W/mosquitto.stderr" &
  echo $! > "$W/broker.pid"
  wait_for "the broker to listen" 300 broker_listening
}
start_bridge() {  # NAME CONFIG STATE
  CREDENTIALS_DIRECTORY="$W/credentials" "$BIN/lookout" mqtt --config "$2" --state "$3" 2>> "$W/$1.log" &
  echo $! > "$W/$1.pid"
}
start_watcher() {  # a persistent session: what is published while it is away waits for it
  mosquitto_sub -h 127.0.0.1 -p "$PORT" --cafile "$W/ca.pem" -u watcher -P watcherpw -i watcher -c -q 1 \
    -F '%r %t %x' -t 'lookout/#' -t 'homeassistant/#' >> "$W/sub.txt" 2>> "$W/sub.log" &
  echo $! > "$W/watcher.pid"
}
log_count() { grep -c "$2" "$W/$1" 2>/dev/null || true; }
replay() {  # FPS: lookoutd replays the photos into the journal
  LOOKOUT_SOURCE_REPLAY_FPS=$1 "$BIN/lookoutd" --source "$W/photos" --events journal > /dev/null 2>> "$W/lookoutd.log"
}
# A journal entry under lookoutd's name, written by `logger` (fields on stdin, one per line).

start_journald

echo "1. bridge before broker; a replay's events in order"
start_bridge bridge "$W/mqtt.yaml" "$W/state"
wait_for "the bridge to say the broker is down" 300 grep -q "cannot reach" "$W/bridge.log"
start_broker
start_watcher
wait_for "the watcher's session" 300 grep -q "as watcher" "$W/mosquitto.log"
wait_for "the bridge to connect" 300 grep -q "connected to" "$W/bridge.log"
replay 4
wait_for "run 1's events at the watcher" 600 $CHECK arrived "$W"
wc -l < "$W/sub.txt" > "$W/mark1"

echo "2. retained discovery configs"
n=$($CHECK retained-count "$W")
mosquitto_sub -h 127.0.0.1 -p "$PORT" --cafile "$W/ca.pem" -u watcher -P watcherpw -i retained-check -q 1 \
  --retained-only -C "$n" -W 600 -F '%r %t %x' -t 'lookout/#' -t 'homeassistant/#' > "$W/retained.txt"

echo "3. broker stopped for 10 s during a replay"
replay 1.5 &
echo $! > "$W/replay.pid"
wait_for "run 2's first event" 600 $CHECK more-events "$W" "$(cat "$W/mark1")"
stop broker
date +%s.%N > "$W/outage.start"
sleep 10   # the outage itself, not a deadline
start_broker
date +%s.%N > "$W/outage.end"
alive watcher || start_watcher
wait "$(cat "$W/replay.pid")"
rm -f "$W/replay.pid"
wait_for "every event of run 2 at the watcher" 600 $CHECK arrived "$W"

echo "4. bridge stopped while lookoutd writes; restarted, it resumes from its cursor"
stop bridge
wait_for "availability offline" 300 $CHECK has "$W" lookout/availability offline
wc -l < "$W/sub.txt" > "$W/mark2"
date +%s.%N > "$W/run3.start"
replay 4
start_bridge bridge "$W/mqtt.yaml" "$W/state"
wait_for "every event of run 3 at the watcher" 600 $CHECK arrived "$W"

echo "5. faults"
fake_entry LOOKOUT_EVENT=heartbeat LOOKOUT_CAMERA=/dev/video9 LOOKOUT_FPS=fast LOOKOUT_CPU_CORES=0.1 LOOKOUT_CPU_BUDGET=0.5 MESSAGE=bad
fake_entry LOOKOUT_EVENT=started LOOKOUT_CAMERA=/dev/video9 "$(printf 'LOOKOUT_LABEL=a+b#c/d\001e')" LOOKOUT_CONFIDENCE=0.9 MESSAGE=odd
forged_entry LOOKOUT_EVENT=started LOOKOUT_CAMERA=/dev/video9 LOOKOUT_LABEL=intruder MESSAGE=forged
fake_entry LOOKOUT_EVENT=started LOOKOUT_CAMERA=/dev/video9 LOOKOUT_LABEL=marker LOOKOUT_CONFIDENCE=0.9 MESSAGE=marker
wait_for "the marker event" 600 grep -q " lookout/video9/marker " "$W/sub.txt"
# Wrong credentials: one line, and the broker sees it try again.
printf 'username: bridge\npassword: wrong\n' > "$W/credentials/wrong"
sed -e 's/client_id: lookout-test/client_id: lookout-wrong/' -e 's/^credentials: mqtt/credentials: wrong/' "$W/mqtt.yaml" > "$W/wrong.yaml"
start_bridge wrong "$W/wrong.yaml" "$W/state-wrong"
refusals() { test "$(log_count mosquitto.log 'not authori')" -ge "$1"; }
wait_for "three refused attempts" 600 refusals 3
stop wrong
# The journal vacuumed under the cursor: archive the file holding it, write on, delete the archive.
stop bridge
journalctl -o json --no-pager SYSLOG_IDENTIFIER=lookoutd > "$W/journal.json"
kill -USR2 "$(cat "$W/journald.pid")"
wait_for "the journal to rotate" 300 sh -c "ls /run/log/journal/*/ | grep -q @"
fake_entry LOOKOUT_EVENT=started LOOKOUT_CAMERA=/dev/video9 LOOKOUT_LABEL=after-vacuum LOOKOUT_CONFIDENCE=0.9 MESSAGE=later
journalctl --vacuum-size=1 > "$W/vacuum.log" 2>&1
start_bridge bridge "$W/mqtt.yaml" "$W/state"
wait_for "the event after the vacuum" 600 grep -q " lookout/video9/after-vacuum " "$W/sub.txt"
stop bridge
stop watcher
stop broker
stop journald
