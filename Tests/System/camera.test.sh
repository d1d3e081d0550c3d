#!/usr/bin/env bash
# lookoutd against a real V4L2 driver, vivid, in a QEMU VM (testing-recipes.md, recipe 3):
#  - started before the camera exists: says so once, waits, streams YUYV 640×480 once it appears;
#  - classifies and reports events; the driver unloaded mid-run (unplug): the outage is logged,
#    lookoutd waits without spinning and recovers by itself when the driver is back;
#  - a second lookoutd on the busy camera says it is busy, and takes over when the first stops;
#  - SIGTERM exits 0; `lookout devices` lists the camera; `lookout capture` saves frames that
#    `lookout classify` reads.
set -euo pipefail
cd "$(dirname "$0")/../.."
source Tests/System/lib/rootfs.sh
source Tests/System/lib/vm.sh
BIN=$(cd "${LOOKOUT_BIN:-.build/debug}" && pwd)
SHARED=$(cd "${LOOKOUT_SHARED_DIR:-../shared}" && pwd)
MODELS=$(cd "${LOOKOUT_MODEL_DIR:-$SHARED/models}" && pwd)
trap 'echo "camera test: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
vm_prepare
OUT=$(mktemp -d /tmp/lookout-camera.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
# The binaries and the model go into the shared folder: the VM mounts a tmpfs over the host's /tmp,
# where a checkout may live.
mkdir -p "$OUT/bin" "$OUT/models"
cp "$BIN/lookoutd" "$BIN/lookout" "$OUT/bin/"
cp "$MODELS/mobilenet_v1_0.25_128_quant.tflite" "$MODELS/imagenet_labels_1001.txt" "$OUT/models/"
cat > "$OUT/script.sh" <<'SCRIPT'
B=/mnt/bin
M=/mnt/models
SCRIPT
cat >> "$OUT/script.sh" <<'SCRIPT'
# One capture node, as a USB camera has.
VIVID="vivid n_devs=1 node_types=0x1"
daemon() {  # daemon NAME: lookoutd on /dev/video0 with a small model (the VM emulates its CPU)
  chroot /host /usr/bin/env LOOKOUT_MODEL_DIR=$M LOOKOUT_EVENTS_HEARTBEAT_SECONDS=2 LOOKOUT_EVENTS_THRESHOLD=0.05 \
    LOOKOUT_EVENTS_MIN_FRAMES=1 LOOKOUT_EVENTS_WINDOW=1 LOOKOUT_CLASSIFY_MAX_RATE=10 LOOKOUT_CLASSIFY_CPU_BUDGET=2 \
    $B/lookoutd --source /dev/video0 --model mobilenet_v1_0.25_128_quant > /share/$1.events 2> /share/$1.log &
  echo $! > /share/$1.pid
}
mark() { echo "$1 $(wc -l < /share/a.log) $(wc -l < /share/a.events) $(cut -d' ' -f14,15 /proc/$(cat /share/a.pid)/stat)" >> /share/marks; }
# until_seen FILE PATTERN SECONDS [COUNT]: waits for COUNT (1) lines matching PATTERN in FILE, for
# at most SECONDS (the emulated CPU's speed varies with the host's load).
until_seen() {
  i=0
  while [ "$(grep -c "$2" "$1" 2>/dev/null)" -lt "${4:-1}" ] && [ $i -lt $(($3 * 2)) ]; do sleep 0.5; i=$((i + 1)); done
}
daemon a
until_seen /share/a.log "cannot open" 60; sleep 2; mark before-camera
modprobe $VIVID
until_seen /share/a.events '"classifications":[1-9]' 90; sleep 2; mark unplug
# Unplug: the device goes away under the open stream (unbind, as a USB disconnect does), then
# the driver is unloaded once lookoutd has let go of it.
echo vivid.0 > /sys/bus/platform/drivers/vivid/unbind
for i in 1 2 3 4 5 6 7 8 9 10; do rmmod vivid 2>/dev/null && break; sleep 0.5; done
lsmod | grep -q '^vivid' && echo "vivid still loaded"
sleep 2; mark outage
sleep 4; mark outage-end
modprobe $VIVID
until_seen /share/a.log "streaming YUYV" 60 2; sleep 8; mark back
daemon b
until_seen /share/b.log "busy" 60
kill -TERM $(cat /share/a.pid); wait $(cat /share/a.pid); echo $? > /share/a.exit
until_seen /share/b.log "streaming YUYV" 60
kill -TERM $(cat /share/b.pid); wait $(cat /share/b.pid); echo $? > /share/b.exit
chroot /host $B/lookout devices > /share/devices.txt 2>&1
chroot /host $B/lookout capture --device /dev/video0 --label pattern --count 3 --interval 0.2 --data /mnt/capture > /share/capture.txt 2>&1
for f in /share/capture/pattern/*.jpg; do
  chroot /host $B/lookout classify --model $M/mobilenet_v1_0.25_128_quant.tflite --json /mnt/capture/pattern/$(basename $f)
done > /share/classify.txt 2>&1
SCRIPT
start=$(date +%s)
vm_run "$OUT/script.sh" "$OUT" 240
echo "VM boot, test and power-off: $(( $(date +%s) - start )) s"
python3 Tests/System/lib/check_camera.py "$OUT" "$(getconf CLK_TCK)"
