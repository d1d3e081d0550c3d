#!/usr/bin/env bash
# web.test.sh's steps, run in a private mount namespace where journald's folders are the test's own.
# Environment: W (scratch folder), BIN (built binaries), PORT (the page's), lookoutd's LOOKOUT_* settings.
set -euo pipefail
source Tests/System/lib/inside.sh   # wait_for, stop, on_failure; nothing outlives the test
on_failure web web.log lookoutd.log token.log
source Tests/System/lib/journald.sh
private_journald
# Debian's python3: python3-websockets (the DevTools protocol) is installed for it.
CHECK="/usr/bin/python3 $(pwd)/Tests/System/lib/check_web.py"
SHOT="$(pwd)/.cache/system-tests/web.png"

heartbeats() { journalctl --no-pager -q -o cat LOOKOUT_EVENT=heartbeat | wc -l; }
more_heartbeats() { test "$(heartbeats)" -ge "$1"; }
serving() { curl -sf -o /dev/null "http://127.0.0.1:$1/state" "${@:2}"; }

"$BIN/lookoutd" > /dev/null 2>> "$W/lookoutd.log" &
echo $! > "$W/lookoutd.pid"
"$BIN/lookout" web --config "$W/web.yaml" 2>> "$W/web.log" &
echo $! > "$W/web.pid"
wait_for "the page to be served" 600 serving "$PORT"

echo "1. nobody watches: no frame written"
wait_for "lookoutd's first heartbeat" 600 more_heartbeats 1
start=$(heartbeats)
wait_for "five more heartbeats" 600 more_heartbeats $((start + 5))
test ! -e "$W/live/frame.jpg" || { echo "a frame was written with nobody watching" >&2; exit 1; }
echo "  no frame after $(heartbeats) heartbeats"

echo "2. the page in Chromium"
$CHECK page "http://127.0.0.1:$PORT/" "$SHOT" planes-bikes
test -s "$W/live/frame.jpg"   # the page is gone, but the marker is still fresh (watch_seconds 3)

echo "3. the page closed: the frame removed once the marker is stale; report.html read-only"
wait_for "the frame to be removed" 600 test ! -e "$W/live/frame.jpg"
curl -sf "http://127.0.0.1:$PORT/head/report.html" > "$W/report.html"
grep -q "<html" "$W/report.html"
grep -qi "content-security-policy: default-src 'none'.*sandbox" <<<"$(curl -s -D - -o /dev/null "http://127.0.0.1:$PORT/head/report.html")"
echo "  frame removed; report.html served with a sandboxing policy"

echo "4. access and hostile clients"
if LOOKOUT_WEB_ADDRESS=0.0.0.0 "$BIN/lookout" web --config "$W/web.yaml" > "$W/refused.out" 2> "$W/refused.log"; then
  echo "a non-loopback address without a token started" >&2; exit 1
fi
test "$(wc -l < "$W/refused.log")" -eq 1
grep -q "address 0.0.0.0 is not loopback: a token is required" "$W/refused.log"
echo "  refused: $(cat "$W/refused.log")"
TPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
CREDENTIALS_DIRECTORY="$W/credentials" LOOKOUT_WEB_TOKEN=web LOOKOUT_WEB_PORT=$TPORT LOOKOUT_WEB_MAX_CONNECTIONS=8 \
  "$BIN/lookout" web --config "$W/web.yaml" 2>> "$W/token.log" &
echo $! > "$W/token.pid"
wait_for "the token-guarded page" 600 serving "$TPORT" -H "Authorization: Bearer $(cat "$W/credentials/web")"
$CHECK token "http://127.0.0.1:$TPORT" "$(cat "$W/credentials/web")"
$CHECK hostile 127.0.0.1 "$TPORT" 8 "$(cat "$W/credentials/web")"
grep -q "token required" "$W/token.log"
stop token
stop web
stop lookoutd
stop journald
