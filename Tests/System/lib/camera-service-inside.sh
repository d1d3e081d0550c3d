#!/bin/bash
# Runs inside the Debian VM (camera-service.test.sh): lookoutd.service on the vivid camera.
set -u
failures=0
check() {
  local what=$1; shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; failures=$((failures + 1)); fi
}
journalctl --update-catalog
check "vivid's camera is there, in group video" bash -c 'ls -l /dev/video0 | grep -q video'
t0=$(date +%s%3N); systemctl start lookoutd; t1=$(date +%s%3N)
echo "figure: systemctl start (READY) on the emulated CPU: $((t1 - t0)) ms"
check "lookoutd.service active" systemctl is-active -q lookoutd
for _ in $(seq 1 60); do
  journalctl -u lookoutd -o json LOOKOUT_EVENT=started | grep -q LOOKOUT_LABEL && break
  sleep 1
done
check "the camera streams YUYV 640×480 (journal)" bash -c "journalctl -u lookoutd | grep -q 'streaming YUYV 640×480'"
check "recognition events from camera frames in journald" \
  bash -c "journalctl -u lookoutd -o json LOOKOUT_EVENT=started | grep -q '\"LOOKOUT_CAMERA\":\"/dev/video0\"'"
lookout tail --json --heartbeats > /mnt/share/tail.jsonl
lookout tail > /mnt/share/tail.txt
echo "       lookout tail: $(head -3 /mnt/share/tail.txt | tr '\n' '|')"
check "lookout tail --json shows the started events" grep -q '"event":"started".*' /mnt/share/tail.jsonl
check "lookout tail shows readable lines" grep -q 'seen on video0' /mnt/share/tail.txt
check "STATUS= while running" bash -c "systemctl show -p StatusText --value lookoutd | grep -q classifications/s"
systemctl stop lookoutd
check "clean stop" bash -c "[ \"\$(systemctl show -p Result --value lookoutd)\" = success ]"
if [ $failures -gt 0 ]; then journalctl -u lookoutd --no-pager | tail -30; fi
echo "$failures failed"
exit $((failures > 0))
