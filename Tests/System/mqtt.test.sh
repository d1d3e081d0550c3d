#!/usr/bin/env bash
# `lookout mqtt` against a real Mosquitto broker (TLS and a password, on 127.0.0.1), a real subscriber
# (mosquitto_sub, a persistent session) and a real journald (../shared/docs/testing-recipes.md, recipe 1):
#  1. the bridge starts before the broker: one line, retries, connects; events from a lookoutd replay
#     arrive in order, with state, heartbeat and availability topics;
#  2. the discovery configs are retained and carry what Home Assistant requires;
#  3. the broker is stopped for 10 s in the middle of a replay and started again: every event arrives;
#  4. the bridge is stopped (availability goes offline) while lookoutd writes more: restarted, it
#     publishes those and nothing it had already published;
#  5. faults: a malformed heartbeat (one line, skipped), a label with + # / and a control character
#     (sanitised topic), an entry under lookoutd's name from another account (ignored), wrong
#     credentials (one line, retried), the journal vacuumed under the cursor (resumes, says so).
# Every wait is on a condition, bounded generously; the only fixed pause is the 10 s outage itself.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=$(cd "${LOOKOUT_BIN:-.build/debug}" && pwd)
SHARED=${LOOKOUT_SHARED_DIR:-../shared}
export LOOKOUT_MODEL_DIR=${LOOKOUT_MODEL_DIR:-$SHARED/models}
Tests/System/lib/need-packages.sh mosquitto mosquitto-clients openssl
trap 'echo "mqtt test: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
W=$(mktemp -d /tmp/lookout-mqtt.XXXXXX)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/run-systemd/journal" "$W/run-log" "$W/var-log" /var/log/journal "$W/photos" "$W/state" "$W/mosquitto"
for round in a b c; do
  for f in cat.png cat_720p.jpg hot_dog.jpg hotdog_test_0.png grace_hopper.png owl.jpg; do
    cp "$SHARED/photos/$f" "$W/photos/$round-$f"
  done
done

# The broker: TLS with a test authority, a password for the bridge and one for the subscriber.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Lookout test CA" -keyout "$W/ca.key" -out "$W/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$W/server.key" -out "$W/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' > "$W/san.ext"
openssl x509 -req -in "$W/server.csr" -CA "$W/ca.pem" -CAkey "$W/ca.key" -CAcreateserial -days 2 -extfile "$W/san.ext" \
  -out "$W/server.pem" 2>/dev/null
mosquitto_passwd -c -b "$W/passwd" bridge "s3cret pass" 2>/dev/null
mosquitto_passwd -b "$W/passwd" watcher watcherpw 2>/dev/null
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$W/mosquitto.conf" <<EOF
user root
listener $PORT 127.0.0.1
cafile $W/ca.pem
certfile $W/server.pem
keyfile $W/server.key
allow_anonymous false
password_file $W/passwd
persistence true
persistence_location $W/mosquitto/
max_queued_messages 100000
log_dest file $W/mosquitto.log
log_type error
log_type warning
log_type notice
log_type information
EOF
source Tests/System/lib/journald.sh   # ENTRY_EXE
# The bridge's settings and its credentials file (as LoadCredential= would provide it).
mkdir -p "$W/credentials"
printf 'username: bridge\npassword: "s3cret pass"\n' > "$W/credentials/mqtt"
cat > "$W/mqtt.yaml" <<EOF
broker:
  host: 127.0.0.1
  port: $PORT
  tls: true
  ca_file: $W/ca.pem
  client_id: lookout-test
credentials: mqtt
journal:
  exe: [$BIN/lookoutd, $ENTRY_EXE]   # lookoutd in the foreground; journal_entry.py writes the odd entries
retry_max_seconds: 2
EOF

export LOOKOUT_SOURCE_REPLAY_LOOP=false LOOKOUT_CLASSIFY_MAX_RATE=20 LOOKOUT_CLASSIFY_CPU_BUDGET=2 \
       LOOKOUT_EVENTS_HEARTBEAT_SECONDS=1 LOOKOUT_EVENTS_MIN_FRAMES=1 LOOKOUT_EVENTS_WINDOW=1 LOOKOUT_EVENTS_CLEAR_FRAMES=1
# The hard-example inbox on, so started events carry a snapshot to publish.
export LOOKOUT_INBOX_PATH="$W/inbox" LOOKOUT_INBOX_MIN_INTERVAL_SECONDS=0
export W BIN PORT
unshare -m --propagation private bash Tests/System/lib/mqtt-inside.sh
python3 Tests/System/lib/check_mqtt.py "$W"
