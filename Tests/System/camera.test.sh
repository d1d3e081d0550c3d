#!/usr/bin/env bash
# lookoutd and the camera commands against a real V4L2 driver, vivid, in a QEMU VM
# (testing-recipes.md, recipe 3; harness in lib/vm.sh, checks in lib/check_camera.py):
#  - started before the camera exists: says so once, waits without spinning, streams YUYV 640×480
#    once `modprobe vivid` makes it appear; classifies and reports heartbeats and a started event;
#  - unplugged mid-run (unbind + rmmod): the outage is logged once with its cause, lookoutd waits
#    without spinning and recovers by itself after `modprobe vivid`; classifications go on;
#  - a second lookoutd on the busy camera says it is busy, and takes over when the first stops;
#  - SIGTERM exits 0 within seconds;
#  - `lookout devices` lists the camera's formats, sizes and rates; `lookout capture` saves valid
#    JPEGs under names that never collide, and `lookout classify` on each saved file gives the
#    top-1 that the camera path (the raw frame, as lookoutd converts it) gave; a missing or busy
#    camera is one line naming the device and the cause.
# Needs: root, QEMU (installed when missing), the kernel package (~70 MB, downloaded once into
# .cache/vm), a debug build, the models mobilenet_v1_0.25_128_quant and mobilenet_v1_1.0_224.
set -euo pipefail
cd "$(dirname "$0")/../.."
source Tests/System/lib/rootfs.sh
source Tests/System/lib/vm.sh
BIN=$(cd "${LOOKOUT_BIN:-.build/debug}" && pwd)
SHARED=$(cd "${LOOKOUT_SHARED_DIR:-../shared}" && pwd)
MODELS=$(cd "${LOOKOUT_MODEL_DIR:-$SHARED/models}" && pwd)
for m in mobilenet_v1_0.25_128_quant mobilenet_v1_1.0_224; do
  [ -e "$MODELS/$m.tflite" ] || { echo "camera test: $MODELS/$m.tflite missing (set LOOKOUT_MODEL_DIR, or lookout model install $m)"; exit 1; }
done
trap 'echo "camera test: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
vm_prepare
OUT=$(mktemp -d /tmp/lookout-camera.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
# Binaries and models go into the VM's RAM (/tmp/bin, /tmp/models in the host chroot).
vm_stage "$OUT" "$BIN" "$MODELS/mobilenet_v1_0.25_128_quant.tflite" "$MODELS/mobilenet_v1_1.0_224.tflite"
cat > "$OUT/script.sh" <<'SCRIPT'
B=/tmp/bin M=/tmp/models S=/share
VIVID="vivid n_devs=1 node_types=0x1"   # one capture node, as a USB camera has
t() { cut -d' ' -f1 /proc/uptime; }
daemon() {  # daemon NAME: lookoutd on /dev/video0 with a small model (the VM emulates its CPU)
  : > $S/$1.log; : > $S/$1.events
  chroot /host /usr/bin/env LOOKOUT_MODEL_DIR=$M LOOKOUT_EVENTS_HEARTBEAT_SECONDS=2 LOOKOUT_EVENTS_THRESHOLD=0.05 \
    LOOKOUT_EVENTS_MIN_FRAMES=1 LOOKOUT_EVENTS_WINDOW=1 LOOKOUT_CLASSIFY_MAX_RATE=10 LOOKOUT_CLASSIFY_CPU_BUDGET=2 \
    $B/lookoutd --source /dev/video0 --model mobilenet_v1_0.25_128_quant > $S/$1.events 2> $S/$1.log &
  echo $! > $S/$1.pid
}
# mark NAME: lookoutd a's log and event line counts, CPU ticks (user, system), and the time.
mark() { echo "$1 $(wc -l < $S/a.log) $(wc -l < $S/a.events) $(cut -d' ' -f14,15 /proc/$(cat $S/a.pid)/stat) $(t)" >> $S/marks; }
# until_seen FILE PATTERN SECONDS [COUNT]: waits for COUNT (1) lines matching PATTERN in FILE, for
# at most 5 × SECONDS (SECONDS: what a quiet host's emulated CPU needs; a loaded host's is slower).
# A file not made yet counts as no lines (the VM's sh ends a `[ "" -lt 1 ]` loop at once: "bad number").
until_seen() {
  i=0
  while [ $i -lt $(($3 * 10)) ]; do
    n=$(grep -c "$2" "$1" 2>/dev/null)
    [ "${n:-0}" -ge "${4:-1}" ] && return
    sleep 0.5; i=$((i + 1))
  done
}
until_idle() {  # until lookoutd a's classification count stays the same from one heartbeat to the next
  last="" j=0
  while [ $j -lt 300 ]; do
    n=$(grep -c heartbeat $S/a.events)
    until_seen $S/a.events heartbeat 30 $((n + 1))
    count=$(grep heartbeat $S/a.events | tail -1 | grep -o '"classifications":[0-9]*')
    [ -n "$count" ] && [ "$count" = "$last" ] && return
    last=$count j=$((j + 1))
  done
}
stop() {  # stop NAME: SIGTERM, exit status and seconds to exit into NAME.exit
  t0=$(t); kill -TERM $(cat $S/$1.pid); wait $(cat $S/$1.pid); rc=$?
  echo "$rc $(awk "BEGIN {print $(t) - $t0}")" > $S/$1.exit
}

# No camera at start.
daemon a
until_seen $S/a.log "cannot open" 60; mark missing; sleep 4; mark before-camera
modprobe $VIVID
until_seen $S/a.log "streaming YUYV" 60
until_seen $S/a.events '"classifications":[1-9]' 90
until_seen $S/a.events '"started"' 30
mark unplug
# Unplug: the device goes away under the open stream (unbind, as a USB disconnect does), then
# the driver is unloaded once lookoutd has let go of it.
echo vivid.0 > /sys/bus/platform/drivers/vivid/unbind
for i in 1 2 3 4 5 6 7 8 9 10; do rmmod vivid 2>/dev/null && break; sleep 0.5; done
lsmod | grep -q '^vivid' && echo "vivid still loaded"  # (the VM's sh: no pipefail, no here-strings)
# The classifications in flight or waiting when the camera went are finished first (a debug build
# converts a frame in ~50 ms natively, 5-12 s on this emulated CPU): until two heartbeats in a row
# show the same count.
until_seen $S/a.log "retrying" 20 2; until_idle; mark outage
sleep 4; mark outage-end
modprobe $VIVID
until_seen $S/a.log "streaming YUYV" 60 2; mark recovered
beats=$(grep -c heartbeat $S/a.events)
until_seen $S/a.events heartbeat 30 $((beats + 2)); mark back

# Busy camera: a second lookoutd while the first streams.
daemon b
until_seen $S/b.log "busy" 60
stop a
until_seen $S/b.log "streaming YUYV" 60
stop b

# The camera commands.
L="chroot /host $B/lookout"
$L devices > $S/devices.txt 2>&1
$L capture --device /dev/video0 --label pattern --count 3 --interval 0.3 --data /mnt/capture \
  --model $M/mobilenet_v1_1.0_224.tflite --json > $S/capture.json 2> $S/capture.err; echo $? > $S/capture.rc
$L capture --device /dev/video0 --label pattern --count 2 --interval 0 --data /mnt/capture > $S/capture2.txt 2>&1; echo $? >> $S/capture.rc
# Names taken for the next 60 s (decoys): capture must pick others and leave them alone.
mkdir -p $S/capture/decoy; now=$(date +%s)
for i in $(seq 0 60); do echo decoy > $S/capture/decoy/decoy-$(date -u -d @$((now + i)) +%Y%m%d-%H%M%S).jpg; done
$L capture --device /dev/video0 --label decoy --count 2 --interval 0 --data /mnt/capture > $S/capture3.txt 2>&1; echo $? >> $S/capture.rc
$L classify --model $M/mobilenet_v1_1.0_224.tflite --json $(cd $S/capture/pattern && ls | sed 's|^|/mnt/capture/pattern/|') > $S/classify.txt 2>&1
$L capture --device /dev/video5 --label x --count 1 --data /mnt/nocapture > $S/missing.txt 2>&1; echo $? >> $S/missing.txt
chroot /host v4l2-ctl -d /dev/video0 --stream-mmap > /dev/null 2>&1 & holder=$!
sleep 1
$L capture --device /dev/video0 --label x --count 1 --data /mnt/nocapture > $S/busy.txt 2>&1; echo $? >> $S/busy.txt
kill $holder
SCRIPT
start=$(date +%s)
vm_run "$OUT/script.sh" "$OUT" "$VM_PATIENCE"
echo "VM: booted in $VM_BOOT_SECONDS s, test script $VM_SCRIPT_SECONDS s; boot, test and power-off: $(( $(date +%s) - start )) s"
python3 -B Tests/System/lib/check_camera.py "$OUT" "$(getconf CLK_TCK)"
